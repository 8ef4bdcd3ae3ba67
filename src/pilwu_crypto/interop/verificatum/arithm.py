"""Verificatum's groups and the byte-tree encodings of their objects (NOTES.md §2, §3; VMNV §6).

The marshalled group of ``<pgroup>`` is never trusted (checklist A3, A9, A23):

* ``ModPGroup`` → node(int p, int q, element g, int4 encoding): p and q are minimal
  two's-complement integers, g is a fixed-length element leaf (as in VMN's own files;
  NOTES §3 writes "int(g)", but the real transcripts carry g at len(p.toByteArray()) bytes).  We check p and q prime
  (Miller–Rabin, PRIME_ROUNDS rounds), q | p − 1, bits(q) >= 256 (VCR's own minimum for
  explicit groups), 1 < g < p and g^q = 1.  The encoding flag is a claim: Legendre
  membership is used only for encoding 1 (SAFEPRIME) *after* checking p = 2q + 1
  ourselves; every other encoding gets the full x^q = 1 test.
* ``ECqPGroup`` → str(curve name): only the curve names VMN 3.1.0 knows (NOTES §3), each
  with our own parameters: P-256/384/521 and their SEC/X9.62 aliases through the core's
  :class:`ECGroup` (validated once by :meth:`ECGroup.validate`), every other one through
  :class:`~pilwu_crypto.interop.verificatum.curves.WeierstrassCurve` (validated when built).

Encodings (NOTES §2): field elements are leaves of exactly len(q.toByteArray()) bytes
with value < q; ModP elements leaves of len(p.toByteArray()) bytes with 0 < x < p and
subgroup membership; curve points node(leaf X, leaf Y) of len(p.toByteArray()) bytes
each, on the curve, the point at infinity being both leaves all 0xFF.  Arrays are nodes;
arrays of product elements are transposed.
"""

from __future__ import annotations

import binascii
from collections.abc import Sequence
from dataclasses import dataclass

import gmpy2
from gmpy2 import mpz

from pilwu_crypto.algebra.ec import ECGroup
from pilwu_crypto.algebra.group import Element, Group, Scalar
from pilwu_crypto.algebra.modp import ModPGroup
from pilwu_crypto.elgamal import Ciphertext
from pilwu_crypto.errors import InvalidParameters, PilwuError
from pilwu_crypto.interop.verificatum import bytetree as bt
from pilwu_crypto.interop.verificatum.bytetree import ByteTree
from pilwu_crypto.interop.verificatum.curves import ALIASES, CURVE_PARAMS, WeierstrassCurve, named_curve
from pilwu_crypto.interop.verificatum.errors import VmnFormatError
from pilwu_crypto.proofs.shuffle import CiphertextVector

PRIME_ROUNDS = 50
"""Miller–Rabin rounds for p and q of a ModP group (error below 4^-50 per number)."""

MIN_Q_BITS = 256
"""VCR refuses explicit ModP groups with a smaller q; so do we."""

MODP_CLASS = "com.verificatum.arithm.ModPGroup"
EC_CLASS = "com.verificatum.arithm.ECqPGroup"

ENCODING_RO, ENCODING_SAFEPRIME, ENCODING_SUBGROUP = 0, 1, 2

# Verificatum's curve names (ECqPGroupParams) that are one of the core's NIST curves; the
# other names go to curves.WeierstrassCurve.
_CURVE_ALIASES = {
    "P-256": "P-256", "secp256r1": "P-256", "prime256v1": "P-256",
    "P-384": "P-384", "secp384r1": "P-384",
    "P-521": "P-521", "secp521r1": "P-521",
}
KNOWN_VMN_CURVES = (
    "P-192", "P-224", "P-256", "P-384", "P-521", "secp192k1", "secp192r1", "secp224k1", "secp224r1",
    "secp256k1", "secp256r1", "secp384r1", "secp521r1", "prime192v1", "prime192v2", "prime192v3",
    "prime239v1", "prime239v2", "prime239v3", "prime256v1", "brainpoolp192r1", "brainpoolp224r1",
    "brainpoolp256r1", "brainpoolp320r1", "brainpoolp384r1", "brainpoolp512r1")
"""Every curve name VMN 3.1.0 knows (NOTES §3); all of them are implemented."""


class VmnGroup:
    """A validated Verificatum group: the core group plus Verificatum's encodings of its objects.

    ``group`` is the core :class:`Group` all arithmetic runs in; this class only parses
    and serializes.  Build one with :func:`parse_group`.
    """

    def __init__(self, group: Group, *, description: str, safe_prime: bool) -> None:
        self.group = group
        self.description = description
        """Human-readable kind, e.g. ``ModPGroup(p: 512 bits, safe prime)`` or ``ECqPGroup(P-256)``."""
        self.q = group.q
        self.field_len = bt.java_len(group.q)
        """Bytes of a field element leaf: len(q.toByteArray()) (NOTES §2)."""
        self.safe_prime = safe_prime
        """Membership by Legendre symbol: only for encoding 1 after p = 2q + 1 was checked."""
        if isinstance(group, ModPGroup):
            self.p = int(group.p)
            self.is_curve = False
        elif isinstance(group, (ECGroup, WeierstrassCurve)):
            self.p = int(group.p)
            self.is_curve = True
        else:  # pragma: no cover - parse_group builds only these two
            raise InvalidParameters(f"unsupported core group {group!r}")
        self.coord_len = bt.java_len(self.p)
        """Bytes of a ModP element leaf or of one curve coordinate: len(p.toByteArray())."""
        self._pz = mpz(self.p)
        self._qz = mpz(self.q)
        self._ff = b"\xff" * self.coord_len
        self._g_ser = self.ser_element(group.generator())

    # ---- single objects -------------------------------------------------------------------
    def element(self, t: ByteTree, what: str) -> Element:
        """A group element from its byte tree, with range and membership checks (NOTES §2)."""
        if not self.is_curve:
            data = t.leaf_data(what)
            if len(data) != self.coord_len:
                raise VmnFormatError(f"{what}: group element leaf has {len(data)} bytes, expected {self.coord_len}")
            x = mpz(int.from_bytes(data, "big"))
            return self._modp_element(x, what)
        xt, yt = t.node_children(what, 2)
        xb, yb = xt.leaf_data(what + " (x)"), yt.leaf_data(what + " (y)")
        if len(xb) != self.coord_len or len(yb) != self.coord_len:
            raise VmnFormatError(f"{what}: curve coordinates have {len(xb)} and {len(yb)} bytes, "
                                 f"expected {self.coord_len}")
        if xb == self._ff and yb == self._ff:
            return self.group.identity()  # the point at infinity is (-1, -1) (NOTES §2)
        curve = self.group
        assert isinstance(curve, (ECGroup, WeierstrassCurve))
        try:
            return curve.element_from_affine(int.from_bytes(xb, "big"), int.from_bytes(yb, "big"), what)
        except PilwuError as exc:
            raise VmnFormatError(str(exc)) from None

    def _modp_element(self, x: mpz, what: str) -> Element:
        group = self.group
        assert isinstance(group, ModPGroup)
        if not 0 < x < self._pz:
            raise VmnFormatError(f"{what}: value not in [1, p)")
        if self.safe_prime:
            # p = 2q + 1 was checked by parse_group: the order-q subgroup is the quadratic residues
            if gmpy2.jacobi(x, self._pz) != 1:
                raise VmnFormatError(f"{what}: not a quadratic residue mod p (not in the order-q subgroup)")
        elif gmpy2.powmod(x, self._qz, self._pz) != 1:
            raise VmnFormatError(f"{what}: x^q != 1 mod p (not in the order-q subgroup)")
        return group.element_from_int(int(x), what, subgroup_check=False)  # membership checked above

    def scalar(self, t: ByteTree, what: str) -> Scalar:
        """A field element of Z_q: a leaf of exactly field_len bytes with value < q (NOTES §2)."""
        data = t.leaf_data(what)
        if len(data) != self.field_len:
            raise VmnFormatError(f"{what}: field element leaf has {len(data)} bytes, expected {self.field_len}")
        v = int.from_bytes(data, "big")
        if v >= self.q:
            raise VmnFormatError(f"{what}: field element not below q")
        return Scalar(self.group, v)

    # ---- arrays and product objects ---------------------------------------------------------
    def elements(self, t: ByteTree, what: str, count: int | None = None) -> list[Element]:
        """An array node(e_1 … e_N) of group elements (N = ``count`` if given, else N >= 1)."""
        kids = _array(t, what, count)
        return [self.element(c, f"{what}[{i}]") for i, c in enumerate(kids)]

    def scalars(self, t: ByteTree, what: str, count: int | None = None) -> list[Scalar]:
        """An array node(x_1 … x_N) of field elements."""
        kids = _array(t, what, count)
        return [self.scalar(c, f"{what}[{i}]") for i, c in enumerate(kids)]

    def wide_element(self, t: ByteTree, width: int, what: str) -> list[Element]:
        """An element of G^ω: the element itself if ω = 1, else node(c_1 … c_ω) (NOTES §2)."""
        if width == 1:
            return [self.element(t, what)]
        return [self.element(c, f"{what}.{j}") for j, c in enumerate(t.node_children(what, width))]

    def wide_scalar(self, t: ByteTree, width: int, what: str) -> list[Scalar]:
        """An element of Z_q^ω: a single leaf if ω = 1, else node(f_1 … f_ω) (NOTES §2)."""
        if width == 1:
            return [self.scalar(t, what)]
        return [self.scalar(c, f"{what}.{j}") for j, c in enumerate(t.node_children(what, width))]

    def wide_elements(self, t: ByteTree, width: int, what: str, count: int | None = None) -> list[list[Element]]:
        """An array of N elements of G^ω, transposed on the wire: node(array_1 … array_ω) (NOTES §2).

        Returned in natural order: ``result[i][j]`` is component j of element i.
        """
        if width == 1:
            return [[e] for e in self.elements(t, what, count)]
        columns = t.node_children(what, width)
        cols = [self.elements(c, f"{what}.{j}", count) for j, c in enumerate(columns)]
        n = len(cols[0])
        for j, col in enumerate(cols):
            if len(col) != n:
                raise VmnFormatError(f"{what}: component {j} has {len(col)} entries, component 0 has {n}")
        return [[cols[j][i] for j in range(width)] for i in range(n)]

    def ciphertext(self, t: ByteTree, width: int, what: str) -> CiphertextVector:
        """An element of C_ω = G^ω × G^ω: node(u, v) with u, v in G^ω (NOTES §2)."""
        ut, vt = t.node_children(what, 2)
        u = self.wide_element(ut, width, what + " (u)")
        v = self.wide_element(vt, width, what + " (v)")
        return CiphertextVector(tuple(Ciphertext(a, b) for a, b in zip(u, v, strict=True)))

    def ciphertexts(self, t: ByteTree, width: int, what: str, count: int | None = None) -> list[CiphertextVector]:
        """An array of N ciphertexts of width ω: node(U, V), U and V arrays of G^ω (transposed)."""
        ut, vt = t.node_children(what, 2)
        us = self.wide_elements(ut, width, what + " (u)", count)
        vs = self.wide_elements(vt, width, what + " (v)", len(us))
        return [CiphertextVector(tuple(Ciphertext(a, b) for a, b in zip(u, v, strict=True)))
                for u, v in zip(us, vs, strict=True)]

    # ---- serialization (for the hashes) -------------------------------------------------------
    def ser_element(self, a: Element) -> bytes:
        """ser() of one group element in Verificatum's encoding (NOTES §2)."""
        if not self.is_curve:
            return bt.ser_leaf(int(a.raw).to_bytes(self.coord_len, "big"))
        if self.group.is_identity(a):
            return bt.ser_node([bt.ser_leaf(self._ff), bt.ser_leaf(self._ff)])
        x, y = self.affine(a)
        return bt.ser_node([bt.ser_leaf(int(x).to_bytes(self.coord_len, "big")),
                            bt.ser_leaf(int(y).to_bytes(self.coord_len, "big"))])

    def affine(self, a: Element) -> tuple[int, int]:
        """Affine coordinates (x, y) of a finite curve point (either curve implementation)."""
        group = self.group
        if isinstance(group, WeierstrassCurve):
            return group.affine(a)
        x, y = a.raw.xy
        return int(x), int(y)

    def ser_affine(self, x: int, y: int) -> bytes:
        """ser() of a curve point given by affine coordinates (generators: no conversion needed)."""
        return bt.ser_node([bt.ser_leaf(x.to_bytes(self.coord_len, "big")),
                            bt.ser_leaf(y.to_bytes(self.coord_len, "big"))])

    def ser_scalar(self, s: Scalar | int) -> bytes:
        """ser() of a field element: a leaf of field_len bytes."""
        return bt.ser_leaf(int(s).to_bytes(self.field_len, "big"))

    def ser_wide(self, elements: Sequence[Element]) -> bytes:
        """ser() of an element of G^ω (the element itself if ω = 1)."""
        if len(elements) == 1:
            return self.ser_element(elements[0])
        return bt.ser_node([self.ser_element(e) for e in elements])

    def ser_generator(self) -> bytes:
        """ser(g) of the standard generator."""
        return self._g_ser

    def ser_unit_wide(self, width: int) -> bytes:
        """ser() of the unit of G^ω (substitutes for unparsable commitments, NOTES §9 item 8)."""
        return self.ser_wide([self.group.identity()] * width)


def _array(t: ByteTree, what: str, count: int | None) -> tuple[ByteTree, ...]:
    kids = t.node_children(what)
    if count is not None and len(kids) != count:
        raise VmnFormatError(f"{what}: array has {len(kids)} entries, expected {count}")
    if count is None and not kids:
        raise VmnFormatError(f"{what}: empty array")
    return kids


# ---- the marshalled group ---------------------------------------------------------------------


@dataclass(frozen=True)
class ModPParameters:
    """The integers of a marshalled ModPGroup, before validation."""

    p: int
    q: int
    g: int
    encoding: int


def unmarshal(s_group: str) -> tuple[str, ByteTree]:
    """Split "<comment>::<hex>" at the last "::" and return (java class name, object tree) (NOTES §3)."""
    if "::" not in s_group:
        raise VmnFormatError("pgroup: no '::' separating the comment from the marshalled group")
    hexpart = s_group.rsplit("::", 1)[1].strip()
    try:
        raw = binascii.unhexlify(hexpart)
    except (binascii.Error, ValueError):
        raise VmnFormatError("pgroup: the marshalled group is not hexadecimal") from None
    root = bt.parse(raw, "pgroup")
    cls_tree, obj = root.node_children("pgroup", 2)
    return bt.read_str(cls_tree, "pgroup class name", 256), obj


def parse_group(s_group: str) -> VmnGroup:
    """The validated group of a ``<pgroup>`` string; VmnFormatError or InvalidParameters naming the fault."""
    cls, obj = unmarshal(s_group)
    if cls == MODP_CLASS:
        pt, qt, gt, et = obj.node_children("ModPGroup", 4)
        p = bt.read_bigint(pt, "ModPGroup p")
        q = bt.read_bigint(qt, "ModPGroup q")
        # g is written as a group element (fixed length len(p.toByteArray()), as VMN's
        # ModPGroupElement.toByteTree does), not as a minimal integer like p and q.
        g_data = gt.leaf_data("ModPGroup g")
        if p <= 0 or len(g_data) != bt.java_len(p):
            raise VmnFormatError(f"ModPGroup g: leaf of {len(g_data)} bytes, expected len(p.toByteArray())")
        g = int.from_bytes(g_data, "big")
        return modp_group(ModPParameters(p, q, g, bt.read_int4(et, "ModPGroup encoding")))
    if cls == EC_CLASS:
        name = bt.read_str(obj, "ECqPGroup curve name", 64)
        return curve_group(name)
    raise InvalidParameters(f"pgroup: group class {cls[:80]!r} is not supported "
                            f"(only {MODP_CLASS} and {EC_CLASS})")


def modp_group(params: ModPParameters) -> VmnGroup:
    """Validate a ModP group's parameters ourselves and build it (docs/verificatum.md: never trusted)."""
    p, q, g, encoding = params.p, params.q, params.g, params.encoding
    if encoding not in (ENCODING_RO, ENCODING_SAFEPRIME, ENCODING_SUBGROUP):
        raise InvalidParameters(f"ModPGroup: unknown encoding {encoding}")
    if q.bit_length() < MIN_Q_BITS or not 1 < q < p:
        raise InvalidParameters(f"ModPGroup: q of {q.bit_length()} bits is not in [2^{MIN_Q_BITS - 1}, p)")
    if p.bit_length() > 16384:
        raise InvalidParameters(f"ModPGroup: p of {p.bit_length()} bits exceeds 16384 bits")
    if (p - 1) % q != 0:
        raise InvalidParameters("ModPGroup: q does not divide p - 1")
    if not gmpy2.is_prime(mpz(q), PRIME_ROUNDS):
        raise InvalidParameters("ModPGroup: q is not prime")
    if not gmpy2.is_prime(mpz(p), PRIME_ROUNDS):
        raise InvalidParameters("ModPGroup: p is not prime")
    safe = encoding == ENCODING_SAFEPRIME
    if safe and p != 2 * q + 1:
        raise InvalidParameters("ModPGroup: the safe-prime encoding is claimed but p != 2q + 1")
    if not 1 < g < p or gmpy2.powmod(mpz(g), mpz(q), mpz(p)) != 1:
        raise InvalidParameters("ModPGroup: g is not of order q")
    try:
        # generator table window 8: a w = 12 table costs more to build than one transcript uses
        group = ModPGroup(f"vmn-modp-{p.bit_length()}", p, q, g, generator_window=8, table_window=8)
    except PilwuError as exc:
        raise InvalidParameters(f"ModPGroup: {exc}") from None
    kind = "safe prime" if safe else f"encoding {encoding}"
    return VmnGroup(group, description=f"ModPGroup(p: {p.bit_length()} bits, q: {q.bit_length()} bits, {kind})",
                    safe_prime=safe)


_CURVE_CACHE: dict[str, VmnGroup] = {}


def curve_group(name: str) -> VmnGroup:
    """The named curve, with our own parameters; InvalidParameters for any other name (NOTES §3)."""
    core = _CURVE_ALIASES.get(name)
    if core is None:
        if name not in KNOWN_VMN_CURVES or ALIASES.get(name, name) not in CURVE_PARAMS:
            raise InvalidParameters(f"ECqPGroup: curve {name[:40]!r} is not supported (not a Verificatum curve "
                                    f"name; supported: {', '.join(KNOWN_VMN_CURVES)})")
        canonical = ALIASES.get(name, name)
        cached = _CURVE_CACHE.get(canonical)
        if cached is None:
            cached = _CURVE_CACHE[canonical] = VmnGroup(named_curve(canonical), description=f"ECqPGroup({canonical})",
                                                        safe_prime=False)
        if name == canonical:
            return cached
        return VmnGroup(cached.group, description=f"ECqPGroup({name} = {canonical})", safe_prime=False)
    cached = _CURVE_CACHE.get(core)
    if cached is None:
        curve = ECGroup(core)
        curve.validate()  # p, n prime, cofactor 1, G on the curve and of order n
        cached = _CURVE_CACHE[core] = VmnGroup(curve, description=f"ECqPGroup({core})", safe_prime=False)
    if name == core:
        return cached
    return VmnGroup(cached.group, description=f"ECqPGroup({name} = {core})", safe_prime=False)
