"""The global prefix ρ and the independent generators h_0 … h_{N0−1} (NOTES.md §7, §8; VMNV §9.3, §6.8).

    ρ = H_rohash( ser( node( str(version), str(sid "." auxsid), int4(n_r), int4(n_v), int4(n_e),
                             str(s_PRG), str(s_Gq), str(s_H) ) ) )         (a plain hash, not RO)

Generators: seed = RO_{8·|H_rohash|}(ρ || ser(str("generators"))), then PRG_{H_rohash}(seed)
yields candidates t of bits(p) + n_r bits:
* ModP: h_i = (t mod p)^((p−1)/q) mod p;
* curves: x = t mod p, f = x³ + ax + b; if Legendre(f, p) = 1 take y = sqrt(f) normalised
  to min(y, p − y), else skip the candidate (candidates consumed strictly in order).
Nobody knows the discrete logarithms of these generators (checklist A4): the verifier
always re-derives them and never reads them from the transcript.
"""

from __future__ import annotations

from dataclasses import dataclass

import gmpy2
from gmpy2 import mpz

from pilwu_crypto.algebra.ec import ECGroup
from pilwu_crypto.algebra.group import Element
from pilwu_crypto.algebra.modp import ModPGroup
from pilwu_crypto.errors import InvalidParameters
from pilwu_crypto.interop.verificatum import bytetree as bt
from pilwu_crypto.interop.verificatum.arithm import VmnGroup
from pilwu_crypto.interop.verificatum.curves import WeierstrassCurve, sqrt_mod
from pilwu_crypto.interop.verificatum.hashing import PRG, HashFunction, random_oracle
from pilwu_crypto.interop.verificatum.protinfo import ProtocolInfo

MAX_CANDIDATES_FACTOR = 64
"""Curve candidates tried per generator before giving up (each succeeds with probability ~1/2)."""


def global_prefix(info: ProtocolInfo, auxsid: str, rohash: HashFunction) -> bytes:
    """ρ (NOTES §7): the RO hash of the session parameters, the group string hashed with its comment."""
    data = bt.ser_node([
        bt.ser_str(info.version), bt.ser_str(f"{info.sid}.{auxsid}"), bt.ser_int4(info.n_r),
        bt.ser_int4(info.n_v), bt.ser_int4(info.n_e), bt.ser_str(info.s_prg), bt.ser_str(info.s_group),
        bt.ser_str(info.s_rohash)])
    return rohash.digest((data,))


@dataclass(frozen=True)
class Generators:
    """h_0 … h_{N0−1} and ser(node(h_0 … h_{N0−1})) (the array as hashed in the proofs)."""

    elements: tuple[Element, ...]
    serialized: tuple[bytes, ...]
    """ser(h_i) of each generator (a prefix of N of them is hashed by CCPoS, NOTES §9b)."""

    def ser_array(self, n: int | None = None) -> bytes:
        """ser(node(h_0 … h_{n−1})), all N0 when ``n`` is None."""
        items = self.serialized if n is None else self.serialized[:n]
        return bt.ser_node(list(items))


def derive_generators(vgroup: VmnGroup, rohash: HashFunction, rho: bytes, n_r: int, count: int) -> Generators:
    """The first ``count`` independent generators (NOTES §8)."""
    if count < 1:
        raise InvalidParameters(f"generators: count {count} is not positive")
    seed = random_oracle(rohash, 8 * rohash.digest_size, (rho, bt.ser_str("generators")))
    prg = PRG(rohash, seed)
    p = vgroup.p
    bits = p.bit_length() + n_r
    pz = mpz(p)
    group = vgroup.group
    elements: list[Element] = []
    serialized: list[bytes] = []
    if isinstance(group, ModPGroup):
        cofactor = (pz - 1) // vgroup.q
        # the whole stream is consumed in order; ⌈bits/8⌉ bytes per candidate
        for t in prg.random_ints(bits, count):
            h = gmpy2.powmod(mpz(t) % pz, cofactor, pz)
            if h == 1:  # probability ~2^-bits(q); the element would be useless as a generator
                raise InvalidParameters("generators: a candidate gave the identity")
            el = group.element_from_int(int(h), "generator", subgroup_check=False)  # in the subgroup by construction
            elements.append(el)
            serialized.append(vgroup.ser_element(el))
        return Generators(tuple(elements), tuple(serialized))
    curve = group
    assert isinstance(curve, (ECGroup, WeierstrassCurve))
    a, b = mpz(curve.a), mpz(curve.b)
    tried = 0
    while len(elements) < count:
        tried += 1
        if tried > MAX_CANDIDATES_FACTOR * count + 64:
            raise InvalidParameters("generators: too many candidates off the curve")
        x = mpz(prg.random_int(bits)) % pz
        f = (x * x % pz * x + a * x + b) % pz
        if gmpy2.legendre(f, pz) != 1:  # excludes f = 0 too
            continue
        root = sqrt_mod(f, pz)  # any root: normalised next (P-224 and secp224k1 have p = 1 mod 4)
        assert root is not None
        y = min(root, pz - root)  # normalised root (NOTES §8, §13)
        el = curve.element_from_affine(int(x), int(y), "generator")
        elements.append(el)
        serialized.append(vgroup.ser_affine(int(x), int(y)))
    return Generators(tuple(elements), tuple(serialized))
