"""NIST curve groups (pilwu_crypto.algebra.ec): P-256, P-384, P-521 on pycryptodome.

Decoding is the one gate for points from outside (checklist A7): wrong types, lengths,
prefixes, x >= p and x with no point on the curve are refused, naming the item.  The
accelerated paths (fixed-base tables, Straus, Pippenger) must agree exactly with plain
scalar multiplication and must never modify the points they were given.
"""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

import gmpy2
import pytest
from Crypto.PublicKey import ECC
from hypothesis import given, settings
from hypothesis import strategies as st

from pilwu_crypto.algebra import ec
from pilwu_crypto.algebra.ec import ECFixedBaseTable, ECGeneratorFixedBase, ECGroup
from pilwu_crypto.algebra.group import Element, SecretScalar
from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.errors import EncodingError, InvalidParameters, NotInGroup
from tests.strategies import elements, scalar_values

CURVES = ["P-256", "P-384", "P-521"]
BACKEND = {"P-256": "p256", "P-384": "p384", "P-521": "p521"}
SIZES = {"P-256": (33, 32), "P-384": (49, 48), "P-521": (67, 66)}
WHAT = "ballot 7 contest 2 alpha"  # an item name that must show up in every rejection

FEW = settings(max_examples=15, deadline=None)


def _ec(name: str) -> ECGroup:
    grp = get_group(name)
    assert isinstance(grp, ECGroup)
    return grp


P256 = _ec("P-256")


@pytest.fixture(params=CURVES, scope="module")
def curve(request: pytest.FixtureRequest) -> ECGroup:
    return _ec(request.param)


def _naive(group: ECGroup, bases: list[Element], exps: list[int]) -> Element:
    return group.product(group.exp(b, k) for b, k in zip(bases, exps, strict=True))


def _points(group: ECGroup, seed: bytes, n: int) -> list[Element]:
    return [group.hash_to_group(b"test-ec", seed + i.to_bytes(4, "big")) for i in range(n)]


def _scalars(group: ECGroup, seed: bytes, n: int, bits: int | None = None) -> list[int]:
    """Deterministic pseudo-random exponents (full size unless ``bits`` is given)."""
    out = []
    for i in range(n):
        v = int.from_bytes(hashlib.sha512(seed + i.to_bytes(4, "big")).digest() * 2, "big")
        out.append(v % (1 << bits) if bits else v % group.q)
    return out


def _off_curve_x(group: ECGroup) -> int:
    """The smallest x for which x^3 + a x + b is not a square mod p."""
    x = 0
    while gmpy2.jacobi(group._rhs(gmpy2.mpz(x)), group.p) != -1:
        x += 1
    return x


def _raises(exc_type: type[Exception], fn: Any, *args: Any, exact: bool = True) -> str:
    """Call fn, expect exc_type (exactly, unless told otherwise); return the message."""
    with pytest.raises(exc_type) as info:
        fn(*args)
    if exact:
        assert type(info.value) is exc_type, repr(info.value)
    return str(info.value)


# ---- parameters ---------------------------------------------------------------------


def test_registry_gives_shared_ec_groups(curve: ECGroup) -> None:
    assert get_group(curve.name) is curve
    assert (curve.element_size, curve.scalar_size) == SIZES[curve.name]
    assert not curve.is_test_only
    curve.require_production()
    assert repr(curve) == f"<ECGroup {curve.name}>"


def test_constants_match_pycryptodome_and_validate(curve: ECGroup) -> None:
    theirs = ECC._curves[BACKEND[curve.name]]
    assert curve.p == int(theirs.p)
    assert curve.b == int(theirs.b)
    assert curve.q == int(theirs.order)
    gx, gy = curve.generator().raw.xy
    assert (gx, gy) == (int(theirs.Gx), int(theirs.Gy))
    assert curve.a == curve.p - 3
    assert curve.p % 4 == 3
    curve.validate()


def test_unknown_curve_refused() -> None:
    _raises(InvalidParameters, ECGroup, "P-192")


def test_descriptor_fields(curve: ECGroup) -> None:
    d = curve.descriptor()
    fields = []
    while d:
        n = int.from_bytes(d[:4], "big")
        fields.append(d[4:4 + n])
        d = d[4 + n:]
    cs = curve.element_size - 1
    gx, gy = curve.generator().raw.xy
    assert fields == [b"ec", curve.name.encode(), curve.p.to_bytes(cs, "big"), curve.a.to_bytes(cs, "big"),
                      curve.b.to_bytes(cs, "big"), curve.q.to_bytes(curve.scalar_size, "big"),
                      gx.to_bytes(cs, "big"), gy.to_bytes(cs, "big")]
    assert len({_ec(c).fingerprint() for c in CURVES}) == 3


# ---- group laws -----------------------------------------------------------------------


@FEW
@given(elements(P256), elements(P256), elements(P256))
def test_group_laws_p256(a: Element, b: Element, c: Element) -> None:
    G = P256
    one = G.identity()
    assert (a * b) * c == a * (b * c)
    assert a * b == b * a
    assert a * one == a == one * a
    assert G.is_identity(a * a.inverse())
    assert a / b * b == a
    assert G.op(a, b) == a * b
    assert G.product([a, b, c]) == a * b * c


@FEW
@given(scalar_values(P256), scalar_values(P256))
def test_exp_homomorphism_p256(x: int, y: int) -> None:
    G = P256
    g = G.generator()
    assert G.exp(g, x) * G.exp(g, y) == G.exp(g, x + y)
    assert G.exp(G.exp(g, x), y) == G.exp(g, x * y)
    assert G.exp_secret(g, x) == G.exp(g, x) == G.exp_g(x)


def test_exp_edges(curve: ECGroup) -> None:
    g = curve.generator()
    q = curve.q
    b = _points(curve, b"edges", 1)[0]
    for base in (g, b):
        assert curve.is_identity(curve.exp(base, 0))
        assert curve.is_identity(curve.exp(base, q))
        assert curve.exp(base, 1) == base
        assert curve.exp(base, q - 1) == base.inverse()
        assert curve.exp(base, q + 5) == curve.exp(base, 5)
        assert curve.exp(base, -1) == base.inverse()
        assert base ** curve.scalar(2) == base * base
        assert curve.is_identity(curve.exp_secret(base, 0))
        assert curve.exp_secret(base, q - 1) == base.inverse()
        assert curve.exp_secret(base, SecretScalar(curve, 3)) == base * base * base
    one = curve.identity()
    assert curve.is_identity(curve.exp(one, 12345))
    assert curve.is_identity(curve.exp_secret(one, 12345))
    assert curve.is_identity(one * one)
    assert curve.is_identity(one.inverse())
    assert not curve.is_identity(g)


def test_equality_and_hash_across_representations(curve: ECGroup) -> None:
    g = curve.generator()
    g2 = curve.decode_element(g.to_bytes())
    assert g2.raw is not g.raw
    assert g2 == g and hash(g2) == hash(g)
    assert g * g == curve.exp(g, 2)  # affine vs projective representations compare equal
    other = _ec("P-384" if curve.name != "P-384" else "P-256")
    assert curve.identity() != other.identity()
    assert not curve.equal(curve.identity(), other.identity())


# ---- encoding -------------------------------------------------------------------------


@FEW
@given(elements(P256))
def test_round_trip_p256(a: Element) -> None:
    data = a.to_bytes()
    assert len(data) == P256.element_size
    assert P256.decode_element(data) == a
    assert P256.decode_element(bytearray(data)) == a


def test_round_trip_and_membership(curve: ECGroup) -> None:
    zero = bytes(curve.element_size)
    assert curve.identity().to_bytes() == zero
    assert curve.is_identity(curve.decode_element(zero, WHAT))
    for a in [curve.generator(), *_points(curve, b"rt", 3), *(curve.exp_g(k) for k in (2, curve.q - 1))]:
        data = a.to_bytes()
        assert len(data) == curve.element_size and data[0] in (2, 3)
        back = curve.decode_element(data, WHAT)
        assert back == a and back.to_bytes() == data
        x, y = a.raw.xy
        assert (y * y - (x**3 + curve.a * x + curve.b)) % curve.p == 0  # on the curve
        assert curve.element_from_affine(x, y, WHAT) == a
        neg = a.inverse().to_bytes()
        assert neg[1:] == data[1:] and neg[0] == data[0] ^ 1
        assert curve.decode_element(data, WHAT, subgroup_check=False) == a


def test_encoding_matches_pycryptodome_sec1(curve: ECGroup) -> None:
    key = ECC.generate(curve=curve.name)
    ours = curve.exp(curve.generator(), int(key.d))
    theirs = key.public_key().export_key(format="SEC1", compress=True)
    assert ours.to_bytes() == theirs
    assert curve.decode_element(theirs) == ours
    assert ECC.import_key(ours.to_bytes(), curve_name=curve.name).pointQ == key.pointQ
    x, y = key.pointQ.xy
    assert curve.element_from_affine(x, y) == ours


def test_rejects_non_bytes(curve: ECGroup) -> None:
    good = curve.generator().to_bytes()
    for bad in (good.hex(), int.from_bytes(good, "big"), list(good), None, memoryview(good)):
        msg = _raises(EncodingError, curve.decode_element, bad, WHAT)
        assert WHAT in msg


def test_rejects_wrong_length(curve: ECGroup) -> None:
    good = curve.generator().to_bytes()
    for bad in (b"", good[:-1], good + b"\x00", good[1:], b"\x00" * (curve.element_size + 1),
                b"\x04" + good[1:] + good[1:]):  # uncompressed form is not accepted
        msg = _raises(EncodingError, curve.decode_element, bad, WHAT)
        assert WHAT in msg and str(curve.element_size) in msg


def test_rejects_bad_prefix(curve: ECGroup) -> None:
    x = curve.generator().to_bytes()[1:]
    for prefix in (0x01, 0x04, 0x05, 0x06, 0x07, 0x12, 0x80, 0xFF):
        msg = _raises(EncodingError, curve.decode_element, bytes([prefix]) + x, WHAT)
        assert WHAT in msg and "prefix" in msg


def test_rejects_identity_encoding_with_garbage(curve: ECGroup) -> None:
    n = curve.element_size
    for pos in (1, 2, n // 2, n - 1):
        bad = bytearray(n)
        bad[pos] = 1
        msg = _raises(EncodingError, curve.decode_element, bytes(bad), WHAT)
        assert WHAT in msg
    x = curve.generator().to_bytes()[1:]
    _raises(EncodingError, curve.decode_element, b"\x00" + x, WHAT)


def test_rejects_x_not_below_p(curve: ECGroup) -> None:
    cs = curve.element_size - 1
    for x in (curve.p, curve.p + 1, (1 << (8 * cs)) - 1):
        for prefix in (2, 3):
            msg = _raises(NotInGroup, curve.decode_element, bytes([prefix]) + x.to_bytes(cs, "big"), WHAT)
            assert WHAT in msg and "below p" in msg


def test_a7_off_curve_point_rejected(curve: ECGroup) -> None:
    """Checklist A7: a point that is not on the curve is refused wherever points come in."""
    cs = curve.element_size - 1
    x = _off_curve_x(curve)
    for prefix in (2, 3):
        msg = _raises(NotInGroup, curve.decode_element, bytes([prefix]) + x.to_bytes(cs, "big"), WHAT)
        assert WHAT in msg and "not on the curve" in msg
    # a random-looking x: about half of all x have no point; find a few and refuse each
    rejected = 0
    for i in range(40):
        xi = int.from_bytes(hashlib.sha512(b"off-curve" + bytes([i])).digest() * 2, "big") % curve.p
        data = b"\x02" + xi.to_bytes(cs, "big")
        if gmpy2.jacobi(curve._rhs(gmpy2.mpz(xi)), curve.p) == -1:
            _raises(NotInGroup, curve.decode_element, data, WHAT)
            rejected += 1
        else:
            curve.decode_element(data, WHAT)
    assert rejected >= 5
    # affine coordinates (interop): off the curve, out of range, the (0, 0) "infinity"
    gx, gy = curve.generator().raw.xy
    for bad in ((gx, gy + 1), (gx + 1, gy), (0, 0), (x, 0)):
        msg = _raises(NotInGroup, curve.element_from_affine, *bad, WHAT)
        assert WHAT in msg and "not on the curve" in msg
    for bad in ((gx + curve.p, gy), (gx, gy + curve.p), (gx, gy - curve.p), (-1, gy)):
        msg = _raises(NotInGroup, curve.element_from_affine, *bad, WHAT)
        assert WHAT in msg


# ---- fixed base -------------------------------------------------------------------------


def test_generator_fixed_base_uses_c_table(curve: ECGroup) -> None:
    fb = curve.fixed_base(curve.generator())
    assert isinstance(fb, ECGeneratorFixedBase)
    assert curve.fixed_base(curve.decode_element(curve.generator().to_bytes())) is fb
    g = curve.generator()
    for k in (0, 1, 2, curve.q - 1, curve.q, *_scalars(curve, b"gfb", 3)):
        assert fb.pow(k) == curve.exp(g, k)


@FEW
@given(st.lists(scalar_values(P256), min_size=1, max_size=4))
def test_fixed_base_table_agrees_p256(ks: list[int]) -> None:
    G = P256
    base = _points(G, b"fb-table", 1)[0]
    before = base.to_bytes()
    for w in (4, 8):
        table = _TABLES.setdefault(w, ECFixedBaseTable(base, window=w, build_after=0))
        assert table.is_built
        for k in [*ks, 0, G.q - 1]:
            assert table.pow(k) == G.exp(base, k)
    assert base.to_bytes() == before


_TABLES: dict[int, ECFixedBaseTable] = {}


def test_fixed_base_table_other_curves(curve: ECGroup) -> None:
    base = _points(curve, b"fb-other", 1)[0]
    table = ECFixedBaseTable(base, window=5, build_after=0)
    for k in (0, 1, curve.q - 1, *_scalars(curve, b"fbo", 3)):
        assert table.pow(k) == curve.exp(base, k)
    with pytest.raises(ValueError):
        ECFixedBaseTable(base, window=0)


def test_fixed_base_lazy_build_and_cache() -> None:
    G = P256
    base, other = _points(G, b"fb-lazy", 2)
    fb = G.fixed_base(base)
    assert isinstance(fb, ECFixedBaseTable) and not fb.is_built
    assert G.fixed_base(G.decode_element(base.to_bytes())) is fb  # matched by equality
    ks = _scalars(G, b"lazy", ec.FIXED_BASE_BUILD_AFTER + 2)
    for i, k in enumerate(ks):
        assert fb.pow(k) == G.exp(base, k)
        assert fb.is_built == (i >= ec.FIXED_BASE_BUILD_AFTER)
    # LRU: filling the cache with new bases evicts the least recently used one
    G.fixed_base(other)
    fresh = _points(G, b"fb-evict", ec._TABLE_CACHE_SIZE)
    for p in fresh:
        G.fixed_base(p)
        G.fixed_base(base)  # keep base recently used
    assert G.fixed_base(base) is fb
    assert all(t.base != other for t in G._tables)
    assert len(G._tables) == ec._TABLE_CACHE_SIZE


# ---- multi-exponentiation ----------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 5, 40, 100])
def test_multi_exp_agrees_with_naive_p256(n: int) -> None:
    G = P256
    bases = _points(G, b"me%d" % n, n)
    exps = _scalars(G, b"me-e%d" % n, n)
    before = [b.to_bytes() for b in bases]
    assert G.multi_exp(bases, exps) == _naive(G, bases, exps)
    assert [b.to_bytes() for b in bases] == before  # inputs never modified


@settings(max_examples=10, deadline=None)
@given(st.lists(scalar_values(P256), min_size=12, max_size=12), st.sampled_from([2, 5, 12]))
def test_multi_exp_hypothesis_p256(ks: list[int], n: int) -> None:
    G = P256
    bases = _POOL[:n]
    assert G.multi_exp(bases, ks[:n]) == _naive(G, bases, ks[:n])


_POOL = _points(P256, b"pool", 12)


@pytest.mark.parametrize(("n", "method"), [(5, "naive"), (40, "straus"), (100, "pippenger")])
def test_multi_exp_dispatch_p256(n: int, method: str, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    for name in ("straus", "pippenger"):
        real = getattr(ec, "_" + name)
        monkeypatch.setattr(ec, "_" + name,
                            lambda *a, _real=real, _name=name: calls.append(_name) or _real(*a))
    G = P256
    bases = _points(G, b"me%d" % n, n)
    exps = _scalars(G, b"me-e%d" % n, n)
    assert G.multi_exp(bases, exps) == _naive(G, bases, exps)
    assert calls == ([] if method == "naive" else [method])


def test_multi_exp_edge_cases() -> None:
    G = P256
    g, one = G.generator(), G.identity()
    bases = _points(G, b"edge", 12)
    assert G.is_identity(G.multi_exp([], []))
    assert G.is_identity(G.multi_exp(bases[:3], [0, G.q, 0]))
    assert G.is_identity(G.multi_exp([one, one], [5, 7]))
    assert G.is_identity(G.multi_exp([bases[0], bases[0]], [5, G.q - 5]))
    with pytest.raises(ValueError):
        G.multi_exp(bases[:2], [1])
    exps = _scalars(G, b"edge-e", 12)
    # the generator (several times, also as a decoded copy) on the naive and Straus paths
    for n in (3, 12):
        bs = [g, *bases[: n - 2], G.decode_element(g.to_bytes())]
        es = [exps[0], *exps[1: n - 1], G.q - exps[0] + 7]
        assert G.multi_exp(bs, es) == _naive(G, bs, es)
    # exponents that need reduction, negative ones, identity bases, repeated bases
    bs = [*bases[:10], one, bases[0]]
    es = [*exps[:10], 3, -exps[0]]
    es[1] += 5 * G.q
    assert G.multi_exp(bs, es) == _naive(G, bs, [e % G.q for e in es])


def test_multi_exp_short_exponents_p256() -> None:
    G = P256
    bases = _points(G, b"short", 100)
    exps = _scalars(G, b"short-e", 100, bits=128)
    assert G.multi_exp(bases, exps) == _naive(G, bases, exps)


@pytest.mark.parametrize("w", [3, 4, 5, 6])
def test_straus_windows(w: int) -> None:
    G = P256
    bases = _POOL[:7]
    exps = [1, 2, 3, G.q - 1, *_scalars(G, b"sw", 3)]
    want = _naive(G, bases, exps)
    assert ec._straus([b.raw for b in bases], exps, w) == want.raw


@pytest.mark.parametrize("c", [2, 3, 5, 8])
def test_pippenger_windows(c: int) -> None:
    G = P256
    bases = _POOL[:9]
    exps = [1, 2, (1 << c) - 1, 1 << (c - 1), G.q - 1, *_scalars(G, b"pw", 4)]
    want = _naive(G, bases, exps)
    assert ec._pippenger([b.raw for b in bases], exps, c) == want.raw


def test_wnaf_digits() -> None:
    for w in (2, 4, 5):
        for k in (1, 2, 7, 255, 2**64 - 1, 0xDEADBEEF12345678):
            digits = ec._wnaf(k, w)
            assert sum(d << pos for pos, d in digits) == k
            assert all(d % 2 == 1 and abs(d) < 1 << (w - 1) for _, d in digits)
            positions = [pos for pos, _ in digits]
            assert all(b - a >= w for a, b in itertools.pairwise(positions))


def test_multi_exp_other_curves(curve: ECGroup) -> None:
    bases = _points(curve, b"mec", 6)
    exps = _scalars(curve, b"mec-e", 6)
    for n in (1, 2, 6):  # naive, and Straus beyond the naive bound on P-384 / P-521
        assert curve.multi_exp(bases[:n], exps[:n]) == _naive(curve, bases[:n], exps[:n])
    raws = [b.raw for b in bases]
    want = _naive(curve, bases, exps).raw
    assert ec._straus(raws, exps, 5) == want
    assert ec._pippenger(raws, exps) == want
    assert ec._pippenger(raws, exps, 4) == want


def test_pippenger_window_model() -> None:
    assert ec._pippenger_window(100, 256) in (5, 6)
    assert ec._pippenger_window(1000, 256) in (7, 8, 9)
    assert ec._pippenger_window(2, 256) >= 2


# ---- product ----------------------------------------------------------------------------


def test_product(curve: ECGroup) -> None:
    pts = _points(curve, b"prod", 4)
    before = [p.to_bytes() for p in pts]
    assert curve.is_identity(curve.product([]))
    assert curve.product([pts[0]]) == pts[0]
    total = curve.product(iter(pts))
    assert total == pts[0] * pts[1] * pts[2] * pts[3]
    assert curve.is_identity(curve.product([pts[0], pts[0].inverse()]))
    assert [p.to_bytes() for p in pts] == before


# ---- hash to group ----------------------------------------------------------------------


def _spec_hash_to_curve(group: ECGroup, dst: bytes, data: bytes) -> tuple[int, int]:
    """The documented construction, recomputed with plain ints."""

    def lp(b: bytes) -> bytes:
        return len(b).to_bytes(4, "big") + b

    p = group.p
    nbytes = (p.bit_length() + 7) // 8 + 16
    for counter in range(100):
        prefix = lp(b"PILWU-V1-hash-to-curve") + lp(dst) + lp(data) + counter.to_bytes(4, "big")
        stream = b"".join(hashlib.sha256(prefix + i.to_bytes(4, "big")).digest() for i in range(4))
        x = int.from_bytes(stream[:nbytes], "big") % p
        z = (x**3 + group.a * x + group.b) % p
        y = pow(z, (p + 1) // 4, p)
        if y * y % p == z:
            return x, (y if y % 2 == 0 else p - y)
    raise AssertionError("no point")


def test_hash_to_group(curve: ECGroup) -> None:
    h = curve.hash_to_group(b"dst", b"data")
    assert h == curve.hash_to_group(b"dst", b"data")
    assert h.raw.xy == _spec_hash_to_curve(curve, b"dst", b"data")
    assert not curve.is_identity(h)
    assert h.to_bytes()[0] == 2  # even y
    assert curve.decode_element(h.to_bytes()) == h
    x, y = h.raw.xy
    assert curve.element_from_affine(x, y) == h
    inputs = [(b"dst2", b"data"), (b"dst", b"data2"), (b"ds", b"tdata"), (b"", b"")]
    others = {curve.hash_to_group(d, m).to_bytes() for d, m in inputs}
    assert len(others) == 4 and h.to_bytes() not in others


def test_hash_to_group_many_p256() -> None:
    G = P256
    seen = set()
    for i in range(30):
        h = G.hash_to_group(b"many", i.to_bytes(2, "big"))
        assert h.raw.xy == _spec_hash_to_curve(G, b"many", i.to_bytes(2, "big"))
        seen.add(h.to_bytes())
    assert len(seen) == 30
