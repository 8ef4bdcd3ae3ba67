"""Verifiable generation of Schnorr-group parameters (p, q, g).

The procedure is modelled on FIPS 186-4 appendix A.1.1.2 (generation of the probable
primes p and q with SHA-2) and A.2.3 (verifiable canonical generation of g), with one
extra condition: the cofactor r = (p - 1) / (2q) must also be prime, so that the only
small subgroup of Z_p* is {1, -1}.  Because of that extra condition most seeds exhaust
their 4L counters without success, so the search loops over a sequence of seeds that
are themselves derived from a public "nothing up my sleeve" label:

    seed_i = SHA-256(label || uint32_be(i))           for i = 0, 1, 2, ...

and the first (lowest i, then lowest counter) success is the parameter set.  This is
*not* a FIPS-validated procedure; it reuses FIPS's derivation of each candidate so that
anyone can re-derive p, q and g from (label, i, counter) with a few hash calls and
primality tests.  docs/parameters.md describes it step by step.

Everything here is pure: no search happens at import time.  The search itself lives in
tools/search_params.py.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import gmpy2
from gmpy2 import mpz

from pilwu_crypto.errors import InvalidParameters

OUTLEN = 256  # SHA-256 output length in bits (FIPS 186-4 "outlen")
SEEDLEN = 256  # length of domain_parameter_seed in bits ("seedlen")
PRIMALITY_ROUNDS = 64  # gmpy2.is_prime reps: GMP >= 6.2 runs BPSW then reps - 24 = 40 random-base MR rounds


def _hash_int(data: bytes) -> mpz:
    return mpz(int.from_bytes(hashlib.sha256(data).digest(), "big"))


def _int_bytes(x: int, nbits: int) -> bytes:
    return int(x).to_bytes((nbits + 7) // 8, "big")


def seed_for_index(label: bytes, index: int) -> bytes:
    """seed_i = SHA-256(label || uint32_be(i)): the i-th domain_parameter_seed."""
    if not 0 <= index < 2**32:
        raise InvalidParameters(f"seed index {index} out of range [0, 2^32)")
    return hashlib.sha256(label + index.to_bytes(4, "big")).digest()


def derive_q(seed: bytes, n_bits: int) -> mpz:
    """FIPS 186-4 A.1.1.2 steps 6-7: U = Hash(seed) mod 2^(N-1); q = 2^(N-1) + U + 1 - (U mod 2).

    Only N = outlen = 256 is supported (one hash call gives all the bits of q).
    """
    if n_bits != OUTLEN:
        raise InvalidParameters(f"q must have {OUTLEN} bits, got {n_bits}")
    u = _hash_int(seed) % (mpz(1) << (n_bits - 1))
    return (mpz(1) << (n_bits - 1)) + u + 1 - (u % 2)


def derive_p_candidate(seed: bytes, q: mpz, l_bits: int, counter: int) -> mpz:
    """FIPS 186-4 A.1.1.2 steps 11.1-11.4 for one counter value.

    offset = 1 + counter * (n + 1); V_j = Hash((seed + offset + j) mod 2^seedlen);
    W = V_0 + V_1 2^outlen + ... + (V_n mod 2^b) 2^(n outlen); X = W + 2^(L-1);
    c = X mod 2q; p = X - (c - 1).  The caller checks p >= 2^(L-1) and primality.
    """
    n = -(-l_bits // OUTLEN) - 1
    b = l_bits - 1 - n * OUTLEN
    seed_int = int.from_bytes(seed, "big")
    offset = 1 + counter * (n + 1)
    w = mpz(0)
    for j in range(n + 1):
        v = _hash_int(_int_bytes((seed_int + offset + j) % (1 << SEEDLEN), SEEDLEN))
        if j == n:
            v = v % (mpz(1) << b)
        w += v << (j * OUTLEN)
    x = w + (mpz(1) << (l_bits - 1))
    c = x % (2 * q)
    return x - (c - 1)


def derive_g(seed: bytes, p: mpz, q: mpz, index: int = 1) -> tuple[mpz, int]:
    """FIPS 186-4 A.2.3: g = Hash(seed || "ggen" || index || count)^((p-1)/q) mod p.

    Returns (g, count) for the first count in 1, 2, ... with g >= 2.
    """
    e = (p - 1) // q
    for count in range(1, 2**16):
        u = seed + b"ggen" + index.to_bytes(1, "big") + count.to_bytes(2, "big")
        w = _hash_int(u)
        g = gmpy2.powmod(w, e, p)
        if g >= 2:
            return g, count
    raise InvalidParameters("no generator found for the given seed")  # probability ~0


def is_probable_prime(x: mpz) -> bool:
    """GMP's BPSW test followed by PRIMALITY_ROUNDS - 24 random-base Miller-Rabin rounds."""
    return bool(gmpy2.is_prime(x, PRIMALITY_ROUNDS))


@dataclass(frozen=True)
class DerivedParameters:
    """The outcome of re-deriving one parameter set from its recorded seed and counter."""

    p: mpz
    q: mpz
    g: mpz
    seed: bytes
    counter: int
    g_count: int


def rederive(label: bytes, seed_index: int, counter: int, l_bits: int, n_bits: int) -> DerivedParameters:
    """Re-derive (p, q, g) from the recorded label, seed index and counter and check
    every condition of the procedure; raises InvalidParameters naming the failed one."""
    if not 0 <= counter < 4 * l_bits:
        raise InvalidParameters(f"counter {counter} outside [0, 4L)")
    seed = seed_for_index(label, seed_index)
    q = derive_q(seed, n_bits)
    if not is_probable_prime(q):
        raise InvalidParameters(f"q derived from seed index {seed_index} is not prime")
    p = derive_p_candidate(seed, q, l_bits, counter)
    if p.bit_length() != l_bits:
        raise InvalidParameters(f"p has {p.bit_length()} bits, expected {l_bits}")
    if not is_probable_prime(p):
        raise InvalidParameters("p is not prime")
    r, rem = divmod(p - 1, 2 * q)
    if rem != 0:
        raise InvalidParameters("2q does not divide p - 1")
    if not is_probable_prime(r):
        raise InvalidParameters("cofactor (p - 1) / (2q) is not prime")
    g, g_count = derive_g(seed, p, q)
    if gmpy2.powmod(g, q, p) != 1:
        raise InvalidParameters("g does not have order q")
    return DerivedParameters(p=p, q=q, g=g, seed=seed, counter=counter, g_count=g_count)
