"""Benchmarks of the verified core, in pe (one raw 256-bit exponentiation, same run).

Groups: pilwu-3072, electionguard-4096, P-256 (plus pilwu-test-512 with
PILWU_BENCH_TEST_GROUP=1).  Every benchmark stores in extra_info its median per
operation, ``pe`` (that median over the interleaved pe reference), and where the brief
sets one, its target (``target_pe``, at pilwu-3072).  Timings are never asserted:
benchmarks/report.py turns the JSON into a table with "met?".

Run: see benchmarks/README.md.
"""

from __future__ import annotations

import functools
import itertools
import operator
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from pe_units import Args, PeRunner
from pilwu_crypto import elgamal as eg
from pilwu_crypto.algebra.group import Element, Group
from pilwu_crypto.algebra.groups import TEST_ONLY_GROUPS, get_group
from pilwu_crypto.algebra.transcript import Transcript
from pilwu_crypto.proofs.decryption import decryption_share, verify_decryption
from pilwu_crypto.proofs.range import RangeBranch, RangeProof, prove_range, verify_range
from pilwu_crypto.proofs.schnorr import prove_schnorr, verify_schnorr

GROUPS = ["pilwu-3072", "electionguard-4096", "P-256"]
if os.environ.get("PILWU_BENCH_TEST_GROUP") == "1":
    GROUPS.append("pilwu-test-512")

TARGET_GROUP = "pilwu-3072"
"""The brief's targets are stated for the default group."""

CONTEXT = b"\x42" * 32
"""Context hash bound in every benchmark transcript (stands in for H_E)."""

POOL = 16
"""Distinct inputs cycled through by benchmarks whose inputs are prepared in advance."""

PEER_ENCRYPT = "electionguard-python 1.4: 7 pe"
PEER_VERIFY = "electionguard-python 1.4: 15 pe"
PEER_DECRYPTION_VERIFY = "electionguard-python 1.4: 10 pe"


def transcript(group: Group) -> Transcript:
    """A fresh transcript, as the tests build them."""
    return Transcript(group, "bench", CONTEXT)


def target(group: Group, pe: float) -> float | None:
    """The target in pe if it applies to this group, else None."""
    return pe if group.name == TARGET_GROUP else None


class Cycle:
    """Setup hook cycling through prepared argument tuples (one per timed round)."""

    def __init__(self, items: list[tuple[Any, ...]]) -> None:
        self._items = items
        self._i = 0

    def __call__(self) -> Args:
        self._i = (self._i + 1) % len(self._items)
        return self._items[self._i], {}


def fresh(make: Callable[[], tuple[Any, ...]]) -> Callable[[], Args]:
    """Setup hook drawing fresh arguments for every round (not timed)."""
    def setup() -> Args:
        return make(), {}

    return setup


@dataclass(frozen=True)
class Env:
    """A group with an election key whose fixed-base tables are built."""

    group: Group
    sk: eg.SecretKey

    @property
    def pk(self) -> eg.PublicKey:
        return self.sk.public_key

    def random_elements(self, n: int) -> list[Element]:
        """n random elements of the group (g^x, x uniform)."""
        return [self.group.exp_g(self.group.random_nonzero_scalar()) for _ in range(n)]


@pytest.fixture(scope="session", params=GROUPS)
def env(request: pytest.FixtureRequest) -> Iterator[Env]:
    name: str = request.param
    try:
        group = get_group(name, allow_test=name in TEST_ONLY_GROUPS)
    except ImportError as exc:
        pytest.skip(f"{name}: group not available (get_group raised ImportError: {exc}); "
                    "pilwu_crypto.algebra.ec is not there yet")
    sk = eg.SecretKey.generate(group)
    # Build the fixed-base tables of g and K before any timing (lazy; on curves a
    # non-generator table is built after its 32nd use): table builds are not measured.
    for _ in range(40):
        group.exp_g(group.random_scalar())
        sk.public_key.table().pow(group.random_scalar())
    yield Env(group, sk)


# ---- the unit itself and the group operation ------------------------------------------


def test_raw_exponentiation(pe: PeRunner, env: Env) -> None:
    """The pe reference operation itself (≈ 1.0 by definition)."""
    ref = pe.units.get(env.group).ref
    pe.run(env.group, "raw powmod / P*k (the pe unit)", ref.pe_op,
           setup=Cycle([ref.pe_args(i) for i in range(POOL)]))


def test_raw_mulmod(pe: PeRunner, env: Env) -> None:
    """One raw group operation: a*b % p on mpz (modp), P + Q on EccPoint (curve)."""
    ref = pe.units.get(env.group).ref
    pairs = ref.mulmod_pairs()
    op = ref.mulmod_op

    def batch() -> None:
        for a, b in pairs:
            op(a, b)

    pe.run(env.group, "raw mulmod a*b%p / P+Q", batch, per=len(pairs), mulmods=True)


def test_group_op(pe: PeRunner, env: Env) -> None:
    """Element * Element through the Group API (adds the Element wrapper's overhead)."""
    xs = env.random_elements(65)
    pairs = list(itertools.pairwise(xs))

    def batch() -> None:
        for a, b in pairs:
            a * b

    pe.run(env.group, "group op a*b (Element API)", batch, per=len(pairs), mulmods=True)


# ---- exponentiations --------------------------------------------------------------------


def test_exp_public(pe: PeRunner, env: Env) -> None:
    g = env.group
    items = [(x, g.random_scalar()) for x in env.random_elements(POOL)]
    pe.run(g, "exp: arbitrary base, public exponent (Group.exp)", g.exp, setup=Cycle(items))


def test_exp_secret(pe: PeRunner, env: Env) -> None:
    g = env.group
    items = [(x, g.random_scalar()) for x in env.random_elements(POOL)]
    pe.run(g, "exp_secret: powmod_sec / blinded P*k", g.exp_secret, setup=Cycle(items))


def test_exp_g_fixed_base(pe: PeRunner, env: Env) -> None:
    g = env.group
    pe.run(g, "fixed-base g^k (group.exp_g)", g.exp_g, setup=fresh(lambda: (g.random_scalar(),)),
           target_pe=target(g, 0.15))


def test_fixed_base_public_key(pe: PeRunner, env: Env) -> None:
    g = env.group
    table = env.pk.table()
    pe.run(g, "fixed-base K^k (public-key table)", table.pow, setup=fresh(lambda: (g.random_scalar(),)))


@pytest.mark.parametrize("bits", [128, 256])
@pytest.mark.parametrize("n", [10, 100, 1000])
def test_multi_exp(pe: PeRunner, env: Env, n: int, bits: int) -> None:
    g = env.group
    bases = env.random_elements(n)
    lo = 1 << (bits - 1)
    hi = min(1 << bits, g.q)

    def exponents() -> tuple[Any, ...]:
        return (bases, [lo + secrets.randbelow(hi - lo) for _ in range(n)])

    pe.run(g, f"multi_exp n={n}, {bits}-bit exponents (per base)", g.multi_exp,
           setup=fresh(exponents), per=n, unit="base", min_rounds=5 if n < 1000 else 4)


# ---- decoding -----------------------------------------------------------------------------


def test_decode_element(pe: PeRunner, env: Env) -> None:
    """decode_element of a valid encoding, with the full membership check."""
    g = env.group
    items = [(x.to_bytes(),) for x in env.random_elements(POOL)]
    pe.run(g, "decode_element, full membership check", g.decode_element, setup=Cycle(items))


def test_decode_commitment(pe: PeRunner, env: Env) -> None:
    """decode_element(..., subgroup_check=False): Σ-proof commitments only."""
    g = env.group
    encodings = [x.to_bytes() for x in env.random_elements(64)]

    def batch() -> None:
        for data in encodings:
            g.decode_element(data, subgroup_check=False)

    pe.run(g, "decode_element, subgroup_check=False", batch, per=len(encodings))


# ---- ElGamal and range proofs -----------------------------------------------------------


def test_encrypt(pe: PeRunner, env: Env) -> None:
    pe.run(env.group, "ElGamal encrypt one option", eg.encrypt, setup=fresh(lambda: (env.pk, 1)))


def encrypt_and_prove(pk: eg.PublicKey, m: int) -> tuple[eg.Ciphertext, RangeProof]:
    """One option as a voting device produces it: ciphertext and its 0/1 proof."""
    enc = eg.encrypt(pk, m)
    proof = prove_range(transcript(pk.group), pk, enc.ciphertext, m, enc.nonce, 1)
    return enc.ciphertext, proof


def test_encrypt_with_range_proof(pe: PeRunner, env: Env) -> None:
    pe.run(env.group, "encrypt one option + 0/1 range proof", encrypt_and_prove,
           setup=fresh(lambda: (env.pk, secrets.randbelow(2))),
           target_pe=target(env.group, 1.0), peer=PEER_ENCRYPT)


@dataclass(frozen=True)
class EncodedOption:
    """An encrypted option with its 0/1 proof, as bytes a verifier reads."""

    alpha: bytes
    beta: bytes
    branches: tuple[tuple[bytes, bytes, bytes, bytes], ...]

    @staticmethod
    def of(ct: eg.Ciphertext, proof: RangeProof) -> EncodedOption:
        return EncodedOption(ct.alpha.to_bytes(), ct.beta.to_bytes(), tuple(
            (br.a.to_bytes(), br.b.to_bytes(), br.c.to_bytes(), br.v.to_bytes()) for br in proof.branches))


def verify_encoded_option(pk: eg.PublicKey, item: EncodedOption) -> None:
    """Decode with membership checks (alpha, beta: full; commitments: range/encoding only,
    as group.py documents for Σ-proof commitments), then verify the 0/1 proof."""
    g = pk.group
    ct = eg.Ciphertext(g.decode_element(item.alpha, "alpha"), g.decode_element(item.beta, "beta"))
    proof = RangeProof(branches=tuple(
        RangeBranch(a=g.decode_element(a, "a", subgroup_check=False),
                    b=g.decode_element(b, "b", subgroup_check=False),
                    c=g.decode_scalar(c, "c"), v=g.decode_scalar(v, "v"))
        for a, b, c, v in item.branches))
    verify_range(transcript(g), pk, ct, 1, proof)


def test_verify_option_with_membership(pe: PeRunner, env: Env) -> None:
    items = [(env.pk, EncodedOption.of(*encrypt_and_prove(env.pk, i % 2))) for i in range(POOL)]
    pe.run(env.group, "verify option: decode+membership, 0/1 proof", verify_encoded_option,
           setup=Cycle(items), target_pe=target(env.group, 7.0), peer=PEER_VERIFY)


# ---- Schnorr and decryption ---------------------------------------------------------------


def test_schnorr_prove(pe: PeRunner, env: Env) -> None:
    g, sk = env.group, env.sk

    def prove() -> None:
        prove_schnorr(transcript(g), sk.public_key.element, sk.secret)

    pe.run(g, "Schnorr prove", prove)


def test_schnorr_verify(pe: PeRunner, env: Env) -> None:
    g, sk = env.group, env.sk
    X = sk.public_key.element
    items = [(X, prove_schnorr(transcript(g), X, sk.secret)) for _ in range(POOL)]

    def verify(public: Element, proof: Any) -> None:
        verify_schnorr(transcript(g), public, proof)

    pe.run(g, "Schnorr verify", verify, setup=Cycle(items))


def test_decryption_share(pe: PeRunner, env: Env) -> None:
    g, sk = env.group, env.sk
    items = [(eg.encrypt(env.pk, i).ciphertext,) for i in range(POOL)]

    def share(ct: eg.Ciphertext) -> None:
        decryption_share(transcript(g), sk.public_key.element, ct, sk.secret)

    pe.run(g, "decryption share + proof", share, setup=Cycle(items))


def test_verify_decryption(pe: PeRunner, env: Env) -> None:
    g, sk = env.group, env.sk
    K = sk.public_key.element
    items = []
    for i in range(POOL):
        ct = eg.encrypt(env.pk, i).ciphertext
        M, proof = decryption_share(transcript(g), K, ct, sk.secret)
        items.append((ct, M, proof))

    def verify(ct: eg.Ciphertext, M: Element, proof: Any) -> None:
        verify_decryption(transcript(g), K, ct, M, proof)

    pe.run(g, "verify decryption proof", verify, setup=Cycle(items), peer=PEER_DECRYPTION_VERIFY)


# ---- tally and decryption to an integer ---------------------------------------------------


@pytest.fixture(scope="session")
def thousand_ciphertexts(env: Env) -> list[eg.Ciphertext]:
    return [eg.encrypt(env.pk, secrets.randbelow(2)).ciphertext for _ in range(1000)]


def test_tally_aggregation(pe: PeRunner, env: Env, thousand_ciphertexts: list[eg.Ciphertext]) -> None:
    """Homomorphic tally: product of 1000 ciphertexts (sum_ciphertexts), per ciphertext."""
    g = env.group
    cts = thousand_ciphertexts
    pe.run(g, "tally: product of 1000 ciphertexts (per ciphertext)", eg.sum_ciphertexts,
           setup=fresh(lambda: (g, cts)), per=len(cts), unit="ciphertext", mulmods=True)


def test_tally_aggregation_pairwise(pe: PeRunner, env: Env,
                                    thousand_ciphertexts: list[eg.Ciphertext]) -> None:
    """The same with Ciphertext * Ciphertext in a loop (the naive way), per ciphertext."""
    g = env.group
    cts = thousand_ciphertexts

    def tally(items: list[eg.Ciphertext]) -> eg.Ciphertext:
        return functools.reduce(operator.mul, items, eg.Ciphertext.identity(g))

    pe.run(g, "tally: Ciphertext * loop over 1000 (per ciphertext)", tally,
           setup=fresh(lambda: (cts,)), per=len(cts), unit="ciphertext", mulmods=True)


def test_discrete_log(pe: PeRunner, env: Env) -> None:
    """DiscreteLog(group, 10_000) built and solved for g^m, m uniform in [0, 10 000]."""
    g = env.group

    def make() -> tuple[Any, ...]:
        m = secrets.randbelow(10_001)
        return (g.exp_g(m) if m else g.identity(), m)

    def build_and_solve(gm: Element, m: int) -> None:
        if eg.DiscreteLog(g, 10_000).solve(gm) != m:
            raise AssertionError("discrete log returned a wrong value")

    pe.run(g, "DiscreteLog(10 000): build + solve", build_and_solve, setup=fresh(make))
