"""The NIST prime curves P-256, P-384 and P-521 as :class:`Group` s (docs/parameters.md).

Curve y^2 = x^3 + a x + b over F_p with a = -3, prime order n and cofactor 1, so every
affine point on the curve (plus the point at infinity) is in the order-q group (q = n):
membership of a decoded point is exactly "x < p and x^3 + a x + b is a square".

Point arithmetic runs in pycryptodome's C code: ``Element.raw`` is an ``EccPoint``, which
this module treats as immutable once it is stored in an Element (new points come from
``+``, ``-P`` and ``P * k``; the in-place ``+=`` and ``double()`` are only applied to
private accumulators created inside one method).  The curve constants are those of
FIPS 186-4 D.1.2 / SEC 2 §2.4-2.6; the constructor checks them against pycryptodome's
curve (the generator must be accepted on its curve and have order n).

Encoding (fixed width, 1 + ceil(bits(p) / 8) bytes): SEC 1 compressed form, 0x02 / 0x03
(parity of y) followed by x big-endian; the identity is all-zero bytes.

Accelerated public-exponent paths (fixed-base tables, Straus, Pippenger) are written
over point additions in Python, as in :mod:`pilwu_crypto.algebra.arith`; they index tables
by exponent digits and are **not** constant time.  Secret exponents go through
:meth:`ECGroup.exp_secret`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import gmpy2
from Crypto.Math.Numbers import Integer
from Crypto.PublicKey.ECC import EccPoint  # type: ignore[attr-defined]  # defined in ECC._point
from gmpy2 import mpz

from pilwu_crypto.algebra.group import Element, FixedBase, Group, Scalar
from pilwu_crypto.errors import EncodingError, InvalidParameters, NotInGroup

_TABLE_CACHE_SIZE = 8
"""Fixed-base tables kept per group besides the generator's (w = 8: 3.5 MB each on P-256, 9 MB on P-521)."""

FIXED_BASE_WINDOW = 8
"""Window of the fixed-base tables of non-generator bases (measured: see ECFixedBaseTable)."""

FIXED_BASE_BUILD_AFTER = 32
"""A non-generator fixed base uses plain scalar multiplication for its first this-many
exponentiations and builds its table at the next one: a base used a few times never pays
for a table (~25 ms on P-256), a base used often gets it early (break-even ~300 uses)."""


@dataclass(frozen=True)
class MultiExpTuning:
    """Where multi_exp switches method, per curve (measured on this 2-core machine).

    A C scalar multiplication costs as much as roughly 80 (P-256) to 130 (P-521)
    Python-level point additions, so interleaving only wins from a handful of bases on.
    """

    naive_max: int
    """Up to this many bases: a sum of C scalar multiplications."""
    straus_max: int
    """Up to this many bases: Straus (interleaved wNAF); Pippenger beyond."""
    straus_window: int
    """wNAF width w of the Straus path (odd multiples up to 2^(w-1) - 1 per base)."""


MULTI_EXP_TUNING: dict[str, MultiExpTuning] = {
    "P-256": MultiExpTuning(naive_max=8, straus_max=80, straus_window=4),
    "P-384": MultiExpTuning(naive_max=4, straus_max=128, straus_window=5),
    "P-521": MultiExpTuning(naive_max=3, straus_max=160, straus_window=5),
}


def _lp(data: bytes) -> bytes:
    """4-byte big-endian length prefix, so concatenated fields cannot be re-split."""
    return len(data).to_bytes(4, "big") + data


def _public_integer_supported() -> bool:
    """Whether this pycryptodome can mark an Integer as public (4.x; older ones cannot)."""
    try:
        Integer(1, public=True)
    except TypeError:
        return False
    return True


_PUBLIC_INTEGERS = _public_integer_supported()


def _mul_public(point: EccPoint, k: int) -> EccPoint:
    """point * k for a public 0 < k < n: pycryptodome's unblinded variable-time path (4.x).

    A plain int would be treated as secret (blinded, randomized coordinates: ~1.7x slower).
    """
    if _PUBLIC_INTEGERS:
        return point * Integer(k, public=True)  # type: ignore[operator]  # EccPoint * Integer
    return point * k


@dataclass(frozen=True)
class _CurveSpec:
    """Domain parameters of a short Weierstrass curve with a = -3 and cofactor 1."""

    name: str
    backend: str  # pycryptodome's curve name
    p: int
    b: int
    n: int
    gx: int
    gy: int


# FIPS 186-4, Appendix D.1.2 (= SEC 2 v2, secp256r1 / secp384r1 / secp521r1).
_SPECS: dict[str, _CurveSpec] = {
    "P-256": _CurveSpec(
        "P-256", "p256",
        p=2**256 - 2**224 + 2**192 + 2**96 - 1,
        b=0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B,
        n=0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
        gx=0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
        gy=0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5),
    "P-384": _CurveSpec(
        "P-384", "p384",
        p=2**384 - 2**128 - 2**96 + 2**32 - 1,
        b=int("B3312FA7E23EE7E4988E056BE3F82D19181D9C6EFE8141120314088F5013875A"
              "C656398D8A2ED19D2A85C8EDD3EC2AEF", 16),
        n=int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
              "581A0DB248B0A77AECEC196ACCC52973", 16),
        gx=int("AA87CA22BE8B05378EB1C71EF320AD746E1D3B628BA79B9859F741E082542A38"
               "5502F25DBF55296C3A545E3872760AB7", 16),
        gy=int("3617DE4A96262C6F5D9E98BF9292DC29F8F41DBD289A147CE9DA3113B5F0B8C0"
               "0A60B1CE1D7E819D7A431D7C90EA0E5F", 16)),
    "P-521": _CurveSpec(
        "P-521", "p521",
        p=2**521 - 1,
        b=int("0051953EB9618E1C9A1F929A21A0B68540EEA2DA725B99B315F3B8B489918EF1"
              "09E156193951EC7E937B1652C0BD3BB1BF073573DF883D2C34F1EF451FD46B503F00", 16),
        n=int("01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
              "FA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409", 16),
        gx=int("00C6858E06B70404E9CD9E3ECB662395B4429C648139053FB521F828AF606B4D"
               "3DBAA14B5E77EFE75928FE1DC127A2FFA8DE3348B3C1856A429BF97E7E31C2E5BD66", 16),
        gy=int("011839296A789A3BC0045C8A5FB42C7D1BD998F54449579B446817AFBD17273E"
               "662C97EE72995EF42640C550B9013FAD0761353C7086A272C24088BE94769FD16650", 16)),
}

CURVE_NAMES = tuple(_SPECS)


# ---- fixed-base exponentiation ------------------------------------------------------


class ECGeneratorFixedBase(FixedBase):
    """Fixed base for the generator: pycryptodome's own precomputed G multiplication.

    Measured (median, interleaved runs): G * k in C takes ~44 / 99 / 142 µs on P-256 /
    P-384 / P-521, ~1.2-1.3x faster than a w = 8 Python table over point additions, with
    no build time and no memory, so G uses it.
    """

    __slots__ = ("_group", "base")

    def __init__(self, group: ECGroup) -> None:
        self.base = group.generator()
        self._group = group

    def pow(self, exponent: Scalar | int) -> Element:
        """g ** exponent (public exponent, reduced mod q)."""
        group = self._group
        e = int(exponent) % group.q
        if e == 0:
            return group.identity()
        return Element(group, _mul_public(self.base.raw, e))


class ECFixedBaseTable(FixedBase):
    """BGMW window table T[i][j] = (j * 2^(w i)) * B over point additions (public exponents).

    One exponentiation costs at most ceil(bits(q) / w) - 1 point additions and no
    doublings.  Measured at w = 8 on P-256: ~57 µs, against ~130 µs for a public-scalar
    C multiplication of an arbitrary point (x2.3) and ~214 µs for ``B * k`` with a plain
    int (pycryptodome's blinded path, x3.7); P-384 / P-521: x2.8 / x2.9 and x4.8 / x4.2.
    Memory: ceil(bits(q) / w) * (2^w - 1) points; at w = 8 about 3.5 / 6 / 9 MB for
    P-256 / P-384 / P-521, built in ~25 / 45 / 65 ms.  The table is built lazily after
    ``build_after`` exponentiations (plain C multiplication until then).  For w = 8 the
    digits are the bytes of the exponent (least Python work per row).  Lookups are
    indexed by exponent digits: not constant time.
    """

    __slots__ = ("_build_after", "_group", "_mask", "_rows", "_shifts", "_uses", "_window", "base")

    def __init__(self, base: Element, window: int = FIXED_BASE_WINDOW,
                 build_after: int = FIXED_BASE_BUILD_AFTER) -> None:
        if not 1 <= window <= 12:
            raise ValueError("window must be in [1, 12]")
        group = base.group
        self.base = base
        self._group = group
        self._window = window
        self._mask = (1 << window) - 1
        self._shifts = [window * i for i in range(-(-group.q.bit_length() // window))]
        self._rows: list[list[EccPoint]] | None = None
        self._uses = 0
        self._build_after = build_after
        if build_after <= 0:
            self._rows = self._build()

    @property
    def is_built(self) -> bool:
        """Whether the table has been built (after ``build_after`` exponentiations)."""
        return self._rows is not None

    def _build(self) -> list[list[EccPoint]]:
        """The rows T[i][1 .. 2^w - 1], each entry a new point never mutated afterwards."""
        window = self._window
        rows: list[list[EccPoint]] = []
        x: EccPoint = self.base.raw
        for _ in self._shifts:
            row = [x, x]  # index 0 is never read
            acc = x
            for _ in range(2, 1 << window):
                acc = acc + x
                row.append(acc)
            rows.append(row)
            x = acc + x  # 2^w * x
        return rows

    def pow(self, exponent: Scalar | int) -> Element:
        """base ** exponent (public exponent, reduced mod q)."""
        group = self._group
        rows = self._rows
        if rows is None:
            self._uses += 1
            if self._uses <= self._build_after:
                return group.exp(self.base, exponent)
            rows = self._rows = self._build()  # a concurrent second build is harmless
        e = int(exponent) % group.q
        digits: Iterable[int]
        if self._window == 8:
            digits = e.to_bytes(len(rows), "little")
        else:
            mask = self._mask
            digits = [(e >> s) & mask for s in self._shifts]
        acc: EccPoint | None = None
        for row, d in zip(rows, digits, strict=True):
            if d:
                if acc is None:
                    acc = row[d].copy()  # private accumulator
                else:
                    acc += row[d]
        if acc is None:
            return group.identity()
        return Element(group, acc)


# ---- multi-exponentiation -----------------------------------------------------------


def _wnaf(k: int, w: int) -> list[tuple[int, int]]:
    """Non-zero digits (position, digit) of the width-w NAF of k > 0 (odd |digit| < 2^(w-1))."""
    out: list[tuple[int, int]] = []
    full = 1 << w
    half = 1 << (w - 1)
    pos = 0
    while k:
        tz = (k & -k).bit_length() - 1
        k >>= tz
        pos += tz
        d = k & (full - 1)
        if d >= half:
            d -= full
        out.append((pos, d))
        k = (k - d) >> w
        pos += w
    return out


def _straus(points: Sequence[EccPoint], exps: Sequence[int], w: int = 4) -> EccPoint | None:
    """sum exps[i] * points[i] by interleaved wNAF (Straus); None for the identity.

    Per base: 2^(w-2) additions and negations for the table of odd multiples, about
    bits / (w + 1) additions; plus max bits doublings shared by all bases.
    """
    full = 1 << w
    top = max(e.bit_length() for e in exps)
    schedule: list[list[EccPoint]] = [[] for _ in range(top + 1)]
    for point, e in zip(points, exps, strict=True):
        # tab[d] = d * P for odd d in [1, 2^(w-1)); tab[-d] (= tab[2^w - d]) = -d * P
        tab: list[EccPoint] = [point] * full
        tab[-1] = -point
        twice = point + point
        t = point
        for d in range(3, 1 << (w - 1), 2):
            t = t + twice
            tab[d] = t
            tab[-d] = -t
        for pos, d in _wnaf(e, w):
            schedule[pos].append(tab[d])
    acc: EccPoint | None = None
    for pos in range(top, -1, -1):
        if acc is not None:
            acc.double()
        for pt in schedule[pos]:
            if acc is None:
                acc = pt.copy()  # private accumulator
            else:
                acc += pt
    return acc


def _pippenger_window(n: int, bits: int) -> int:
    """Bucket width c minimizing the additions (bits + 2) / c * (n + 2^c) of signed Pippenger."""
    best_c, best_cost = 2, float("inf")
    for c in range(2, 17):
        cost = -(-(bits + 2) // c) * (n + (1 << c)) + bits
        if cost < best_cost:
            best_c, best_cost = c, cost
    return best_c


def _pippenger(points: Sequence[EccPoint], exps: Sequence[int], c: int | None = None) -> EccPoint | None:
    """sum exps[i] * points[i] by the bucket method with signed digits; None for the identity.

    Digits in [-2^(c-1), 2^(c-1)) come from the plain base-2^c digits of k + H, where H
    has 2^(c-1) in every digit; 2^(c-1) buckets per window (negative digits add -P).
    Bucket d is folded straight into the running sum sum_{d' >= d} bucket[d'], so each
    window costs one addition per non-zero digit plus two per bucket.
    """
    n = len(points)
    bits = max(e.bit_length() for e in exps)
    if c is None:
        c = _pippenger_window(n, bits)
    windows = -(-(bits + 2) // c)
    half = 1 << (c - 1)
    mask = (1 << c) - 1
    offset = sum(half << (c * i) for i in range(windows))
    shifts = [c * i for i in range(windows)]
    # per window, the (bucket, point) pairs of its non-zero digits
    selected: list[list[tuple[int, EccPoint]]] = [[] for _ in range(windows)]
    for pt, e in zip(points, exps, strict=True):
        npt = -pt
        k = e + offset
        for sel, s in zip(selected, shifts, strict=True):
            d = ((k >> s) & mask) - half
            if d > 0:
                sel.append((d, pt))
            elif d < 0:
                sel.append((-d, npt))
    result: EccPoint | None = None
    for wi in range(windows - 1, -1, -1):
        if result is not None:
            for _ in range(c):
                result.double()
        buckets: list[list[EccPoint]] = [[] for _ in range(half + 1)]
        for d, pt in selected[wi]:
            buckets[d].append(pt)
        running: EccPoint | None = None  # private accumulators (copies) from here on
        total: EccPoint | None = None
        for d in range(half, 0, -1):
            for pt in buckets[d]:
                if running is None:
                    running = pt.copy()
                else:
                    running += pt
            if running is not None:
                if total is None:
                    total = running.copy()
                else:
                    total += running
        if total is not None:
            if result is None:
                result = total
            else:
                result += total
    return result


# ---- the group ----------------------------------------------------------------------


class ECGroup(Group):
    """The group of points of a NIST prime curve (P-256, P-384, P-521), order q = n.

    Construction checks that pycryptodome accepts the generator on its curve and that
    n * G is the point at infinity (so our constants and the C code's agree); the
    primality and cofactor conditions are checked by :meth:`validate`.
    """

    def __init__(self, name: str) -> None:
        spec = _SPECS.get(name)
        if spec is None:
            raise InvalidParameters(f"unknown curve {name!r}; known: {', '.join(_SPECS)}")
        self.name = name
        self._spec = spec
        self._curve = spec.backend
        self.q = spec.n
        self.p = spec.p
        self.a = spec.p - 3
        self.b = spec.b
        self._pz = mpz(spec.p)
        self._az = mpz(self.a)
        self._bz = mpz(spec.b)
        self._sqrt_exp = mpz((spec.p + 1) // 4)
        self.coordinate_size = (spec.p.bit_length() + 7) // 8
        self.element_size = 1 + self.coordinate_size
        self.scalar_size = (spec.n.bit_length() + 7) // 8
        self.is_test_only = False
        self._zero = bytes(self.element_size)
        try:
            g = EccPoint(spec.gx, spec.gy, spec.backend)
        except ValueError as exc:
            raise InvalidParameters(f"{name}: generator not on the backend's curve") from exc
        self._infinity = EccPoint(0, 0, spec.backend)
        if not (g * spec.n) == self._infinity or g == self._infinity:
            raise InvalidParameters(f"{name}: generator is not of order n")
        self._g = Element(self, g)
        self._one = Element(self, self._infinity)
        self._g_fixed: ECGeneratorFixedBase | None = None
        self._tables: list[ECFixedBaseTable] = []  # LRU order, most recent last
        self._tuning = MULTI_EXP_TUNING[name]

    # ---- validation of the parameters themselves -------------------------------------
    def validate(self) -> None:
        """Check p, n prime, p = 3 mod 4, 4a^3 + 27b^2 != 0, G on the curve, cofactor 1."""
        p, n = self._pz, mpz(self.q)
        if not gmpy2.is_prime(p, 32) or not gmpy2.is_prime(n, 32):
            raise InvalidParameters(f"{self.name}: p or n is not prime")
        if p % 4 != 3:
            raise InvalidParameters(f"{self.name}: p is not 3 mod 4 (square roots)")
        if (4 * self._az**3 + 27 * self._bz**2) % p == 0:
            raise InvalidParameters(f"{self.name}: singular curve")
        gx, gy = self._spec.gx, self._spec.gy
        if (gy * gy - self._rhs(mpz(gx))) % p != 0:
            raise InvalidParameters(f"{self.name}: generator not on the curve")
        # Hasse: #E in [p + 1 - 2 sqrt(p), p + 1 + 2 sqrt(p)]; n prime in that interval
        # with n > (p + 1 + 2 sqrt(p)) / 2 forces #E = n (cofactor 1).
        root = gmpy2.isqrt(p) + 1
        if not (p + 1 - 2 * root <= n and 2 * n > p + 1 + 2 * root):
            raise InvalidParameters(f"{self.name}: cofactor is not 1")
        if not (self._g.raw * self.q) == self._infinity:
            raise InvalidParameters(f"{self.name}: generator is not of order n")

    def _rhs(self, x: mpz) -> mpz:
        """x^3 + a x + b mod p."""
        p = self._pz
        return (x * x % p * x + self._az * x + self._bz) % p

    def _sqrt(self, z: mpz) -> mpz | None:
        """A square root of z mod p (p = 3 mod 4: z^((p+1)/4)), or None if z is a non-residue."""
        y = gmpy2.powmod(z, self._sqrt_exp, self._pz)
        if y * y % self._pz != z:
            return None
        return y

    # ---- structure -------------------------------------------------------------------
    def generator(self) -> Element:
        """The standard base point G of the curve."""
        return self._g

    def identity(self) -> Element:
        """The point at infinity (encoded as all-zero bytes)."""
        return self._one

    def op(self, a: Element, b: Element) -> Element:
        """Point addition a + b (written multiplicatively as a * b)."""
        return Element(self, a.raw + b.raw)

    def inverse(self, a: Element) -> Element:
        """Point negation -a."""
        return Element(self, -a.raw)

    def exp(self, a: Element, k: Scalar | int) -> Element:
        """k * a for a public k (reduced mod q; 0 gives the identity).

        Uses pycryptodome's variable-time public-scalar path (no blinding, ~1.7x faster
        than the blinded one).  The C code uses its precomputed generator table when the
        point is G in the affine form it was created or decoded in (not for a G reached
        by arithmetic; ``exp_g`` and ``fixed_base(G)`` always pass the stored G).
        """
        e = int(k) % self.q
        if e == 0:
            return self._one
        if e == 1:
            return a
        return Element(self, _mul_public(a.raw, e))

    def exp_secret(self, a: Element, k: Scalar | int) -> Element:
        """k * a for a secret k, by pycryptodome's scalar multiplication for secrets.

        What pycryptodome 4.4 states (README "Side-channel aware", Crypto/PublicKey/_point.py,
        _ec_lib.py): the NIST-curve C code (``_ec_nat``) is built "on the constant-time big
        integer library"; elliptic-curve scalar multiplications "are blinded and use
        randomized coordinates" (its Python wrapper passes a fresh random 64-bit seed to
        each such C call); a scalar "is treated as secret, unless it is an Integer created
        as public".  It documents no more than that (no statement that the whole scalar
        multiplication is constant time, no measurements), and we claim no more either.

        We pass the scalar as a fixed-width (scalar_size bytes) non-public Integer, so its
        byte length does not vary with its value (a plain int would be encoded in its
        minimal length).  The Python side is **not** constant time: ``int(k) % q`` and the
        int-to-bytes conversion run on Python's variable-time integers (as in the modp
        group), and the returned point's later use is the caller's business.
        """
        e = int(k) % self.q
        secret = Integer.from_bytes(e.to_bytes(self.scalar_size, "big"))
        point: EccPoint = a.raw
        return Element(self, point * secret)  # type: ignore[operator]  # EccPoint * Integer

    def equal(self, a: Element, b: Element) -> bool:
        """Same group and same point (compared in C, projective coordinates handled)."""
        return a.group is b.group and bool(a.raw == b.raw)

    def is_identity(self, a: Element) -> bool:
        """a is the point at infinity."""
        return bool(a.raw == self._infinity)

    # ---- accelerated paths -----------------------------------------------------------
    def fixed_base(self, base: Element) -> FixedBase:
        """The cached precomputation for ``base``: the C generator table for G, else a w-table.

        A w = 8 table (ECFixedBaseTable) is built after FIXED_BASE_BUILD_AFTER uses of the
        base.  Up to _TABLE_CACHE_SIZE of them (plus G's) are kept, least recently used
        evicted; bases are matched by point equality.
        """
        raw = base.raw
        if raw is self._g.raw or raw == self._g.raw:
            if self._g_fixed is None:
                self._g_fixed = ECGeneratorFixedBase(self)
            return self._g_fixed
        tables = self._tables
        for i, fb in enumerate(tables):
            if fb.base.raw is raw or fb.base.raw == raw:
                if i != len(tables) - 1:
                    tables.append(tables.pop(i))
                return fb
        fb = ECFixedBaseTable(Element(self, raw))
        tables.append(fb)
        if len(tables) > _TABLE_CACHE_SIZE:
            tables.pop(0)
        return fb

    def multi_exp(self, bases: Sequence[Element], exponents: Sequence[Scalar | int]) -> Element:
        """sum exponents[i] * bases[i] for public exponents (reduced mod q).

        Methods by number of bases (MULTI_EXP_TUNING, measured): a sum of C scalar
        multiplications for a few (Python-level additions cannot beat them there),
        interleaved wNAF (Straus), then signed-digit buckets (Pippenger).  Up to the
        Straus bound, occurrences of the generator are pulled out and multiplied through
        pycryptodome's generator table.  Cost follows the longest reduced exponent, so
        short (e.g. 128-bit) weights are cheaper.
        """
        if len(bases) != len(exponents):
            raise ValueError("bases and exponents differ in length")
        q = self.q
        tuning = self._tuning
        g_raw = self._g.raw
        look_for_g = len(bases) <= tuning.straus_max
        g_exp = 0
        points: list[EccPoint] = []
        exps: list[int] = []
        for b, k in zip(bases, exponents, strict=True):
            e = int(k) % q
            if not e:
                continue
            raw = b.raw
            if look_for_g and (raw is g_raw or raw == g_raw):
                g_exp += e
            else:
                points.append(raw)
                exps.append(e)
        g_exp %= q
        if g_exp:
            points.append(g_raw)
            exps.append(g_exp)
        n = len(points)
        if n == 0:
            return self._one
        acc: EccPoint | None
        if n - (1 if g_exp else 0) <= tuning.naive_max:
            acc = _mul_public(points[0], exps[0])
            for pt, e in zip(points[1:], exps[1:], strict=True):
                acc += _mul_public(pt, e)
        elif n <= tuning.straus_max:
            if g_exp:  # G through its C table, the rest interleaved
                acc = _straus(points[:-1], exps[:-1], tuning.straus_window)
                g_part = _mul_public(g_raw, g_exp)
                if acc is None:
                    acc = g_part
                else:
                    acc += g_part
            else:
                acc = _straus(points, exps, tuning.straus_window)
        else:
            acc = _pippenger(points, exps)
        return self._one if acc is None else Element(self, acc)

    def product(self, elements: Iterable[Element]) -> Element:
        """Sum of the points (the identity for an empty sequence)."""
        acc: EccPoint | None = None
        for el in elements:
            if acc is None:
                acc = el.raw.copy()  # private accumulator
            else:
                acc += el.raw
        return self._one if acc is None else Element(self, acc)

    # ---- encoding --------------------------------------------------------------------
    def encode_element(self, a: Element) -> bytes:
        """SEC 1 compressed point, 02/03 || x (fixed width); the identity is all zeros."""
        point: EccPoint = a.raw
        x, y = point.xy
        if x == 0 and y == 0:  # (0, 0) is not on these curves (b != 0): the identity
            return self._zero
        return bytes((2 | (y & 1),)) + x.to_bytes(self.coordinate_size, "big")

    def decode_element(self, data: bytes, what: str = "element", *, subgroup_check: bool = True) -> Element:
        """Parse a compressed point (or the all-zero identity) and check it is on the curve.

        EncodingError for non-bytes, a wrong length, a prefix other than 00/02/03 or a
        00 prefix followed by non-zero bytes; NotInGroup for x >= p or an x with no point.
        ``subgroup_check`` changes nothing: with cofactor 1 every point on the curve is in
        the order-q group, and the on-curve check is always made.
        """
        if not isinstance(data, (bytes, bytearray)):
            raise EncodingError(f"{what}: expected bytes, got {type(data).__name__}")
        if len(data) != self.element_size:
            raise EncodingError(f"{what}: expected {self.element_size} bytes, got {len(data)}")
        prefix = data[0]
        if prefix == 0:
            if any(data):
                raise EncodingError(f"{what}: identity encoding must be all zero bytes")
            return self._one
        if prefix not in (2, 3):
            raise EncodingError(f"{what}: point prefix {prefix:#04x} is not 0x02 or 0x03")
        x = mpz(int.from_bytes(data[1:], "big"))
        if x >= self._pz:
            raise NotInGroup(f"{what}: x coordinate not below p of {self.name}")
        y = self._sqrt(self._rhs(x))
        if y is None:
            raise NotInGroup(f"{what}: not on the curve {self.name}")
        if (y & 1) != (prefix & 1):
            y = self._pz - y  # y != 0: no point of order 2 on a prime-order curve
        return self._point(int(x), int(y), what)

    def element_from_affine(self, x: int, y: int, what: str = "element") -> Element:
        """Validate affine coordinates (0 <= x, y < p, on the curve) as an element.

        For interoperability; the identity has no affine form here (use identity()).
        """
        xi, yi = int(x), int(y)
        if not (0 <= xi < self.p and 0 <= yi < self.p):
            raise NotInGroup(f"{what}: coordinates not in [0, p) of {self.name}")
        if (mpz(yi) * yi - self._rhs(mpz(xi))) % self._pz != 0:
            raise NotInGroup(f"{what}: not on the curve {self.name}")
        return self._point(xi, yi, what)

    def _point(self, x: int, y: int, what: str) -> Element:
        """An Element from checked affine coordinates (the C code checks the curve again)."""
        try:
            return Element(self, EccPoint(x, y, self._curve))
        except ValueError as exc:
            raise NotInGroup(f"{what}: not on the curve {self.name}") from exc

    def descriptor(self) -> bytes:
        """Length-prefixed b"ec", name, p, a, b, n, Gx, Gy (fixed-width big-endian)."""
        cs = self.coordinate_size
        s = self._spec
        return b"".join(_lp(v) for v in (
            b"ec", self.name.encode(), s.p.to_bytes(cs, "big"), self.a.to_bytes(cs, "big"),
            s.b.to_bytes(cs, "big"), s.n.to_bytes(self.scalar_size, "big"),
            s.gx.to_bytes(cs, "big"), s.gy.to_bytes(cs, "big")))

    def hash_to_group(self, dst: bytes, data: bytes) -> Element:
        """Try-and-increment on x: the first counter whose hashed x lies on the curve, even y.

        x = SHA-256 expansion of (lp("PILWU-V1-hash-to-curve"), lp(dst), lp(data), counter)
        to ceil(bits(p) / 8) + 16 bytes, reduced mod p (statistical distance from uniform
        below 2^-128).  About half of all x are on the curve, so the expected number of
        tries is 2.  The output is not a uniform point (only even-y points, and the
        try-and-increment selection skews which x is taken), but its discrete log to G
        is unknown, which is what independent generators need.  The running time depends
        on the number of tries, which leaks only about the (public) inputs dst and data.
        Never the identity.
        """
        nbytes = self.coordinate_size + 16
        blocks = -(-nbytes // 32)
        head = _lp(b"PILWU-V1-hash-to-curve") + _lp(dst) + _lp(data)
        for counter in range(2**16):
            prefix = head + counter.to_bytes(4, "big")
            stream = b"".join(hashlib.sha256(prefix + i.to_bytes(4, "big")).digest()
                              for i in range(blocks))
            x = mpz(int.from_bytes(stream[:nbytes], "big")) % self._pz
            y = self._sqrt(self._rhs(x))
            if y is None or y == 0:
                continue
            if y & 1:
                y = self._pz - y
            return self._point(int(x), int(y), "hash_to_group")
        raise InvalidParameters("hash_to_group found no point")  # probability ~2^-65536
