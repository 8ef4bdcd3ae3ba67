"""Short-Weierstrass prime-order curves on gmpy2, for the curves Verificatum names (NOTES.md §3).

The core's :class:`~pilwu_crypto.algebra.ec.ECGroup` covers P-256, P-384 and P-521 (in
pycryptodome's C code).  Verificatum 3.1.0 knows more curves (ECqPGroupParams): P-192 and
P-224, the Koblitz curves secp192k1, secp224k1 and secp256k1, the X9.62 curves
prime192v2/v3 and prime239v1–v3, and the Brainpool curves brainpoolp192r1 … p512r1.  This
module implements them as a :class:`~pilwu_crypto.algebra.group.Group` so that the
verifier's code runs unchanged on them ("a gmpy2 Jacobian-coordinate
implementation behind the same interface").

What it is:

* :class:`WeierstrassCurve` — the group of points of y² = x³ + ax + b over F_p, any a, of
  **prime order n and cofactor 1 only**: anything else is refused at construction, so
  that every affine point on the curve is in the order-n group and membership of a
  decoded point is exactly "0 <= x, y < p and on the curve".
* Points are kept in Jacobian coordinates (X : Y : Z) ↦ (X/Z², Y/Z³); ``Z = 0`` is the
  point at infinity.  Additions use add-1998-cmo-2 (and its Z2 = 1 form), doublings dbl-1998-cmo-2
  (with the a = 0 and a = −3 shortcuts); see the Explicit-Formulas Database.
* Only **named** curves with **our own** parameters exist (:func:`named_curve`): the
  values below are those of the standards cited next to each (SEC 2 v1/v2, FIPS 186-4,
  ANSI X9.62-1998 J.5, RFC 5639), compared with Verificatum's own table
  (``ECqPGroupParams.java`` of VCR 3.1.0).  Each curve is validated when it is first
  built: p and n prime, the curve non-singular, G on the curve, n·G = O and, by the
  Hasse bound, #E = n (cofactor 1).  A transcript only ever names a curve.

Public exponents only: scalar multiplications are variable time (wNAF, Straus, window
tables indexed by exponent digits).  :meth:`WeierstrassCurve.exp_secret` is a Montgomery
ladder on Python integers, which are not constant time either: the group exists to
verify public transcripts (and, in tests, to write them), not to hold long-term secrets.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import gmpy2
from gmpy2 import mpz

from pilwu_crypto.algebra.group import Element, FixedBase, Group, Scalar
from pilwu_crypto.errors import EncodingError, InvalidParameters, NotInGroup

Jacobian = tuple[mpz, mpz, mpz]
"""(X, Y, Z) with x = X/Z², y = Y/Z³; Z = 0 is the point at infinity."""

_ZERO = mpz(0)
_ONE = mpz(1)
INFINITY: Jacobian = (_ONE, _ONE, _ZERO)

PRIME_ROUNDS = 50
"""Miller–Rabin rounds when validating p and n (error below 4^-50 per number)."""

STRAUS_WINDOW = 4
"""wNAF width of multi-exponentiation (odd multiples up to 7 per base)."""

EXP_WINDOW = 5
"""wNAF width of a single exponentiation (odd multiples up to 15)."""

FIXED_BASE_WINDOW = 4
"""Digit width of fixed-base tables: ⌈bits(n)/4⌉ rows of 15 affine points."""

FIXED_BASE_BUILD_AFTER = 8
"""A fixed base is exponentiated this many times by wNAF before its table is built."""

_TABLE_CACHE_SIZE = 8


@dataclass(frozen=True)
class CurveParams:
    """Domain parameters of a named short-Weierstrass curve (hex strings of the standard)."""

    name: str
    p: int
    a: int
    b: int
    gx: int
    gy: int
    n: int
    source: str
    """The standard the values are taken from."""


def _h(text: str) -> int:
    return int(text.replace(" ", ""), 16)


_SEC2 = "SEC 2 v2 (2010) §2 / v1 (2000) §2"
_X962 = "ANSI X9.62-1998 Annex J.5 (= SEC 2 v1 for prime192v1)"
_RFC5639 = "RFC 5639 §3 (Brainpool)"

# P-192 = secp192r1 = prime192v1 (FIPS 186-4 D.1.2.1; SEC 2 v2 §2.2.2; X9.62 J.5.1).
_P192 = CurveParams(
    "P-192", p=_h("fffffffffffffffffffffffffffffffeffffffffffffffff"),
    a=_h("fffffffffffffffffffffffffffffffefffffffffffffffc"),
    b=_h("64210519e59c80e70fa7e9ab72243049feb8deecc146b9b1"),
    gx=_h("188da80eb03090f67cbf20eb43a18800f4ff0afd82ff1012"),
    gy=_h("07192b95ffc8da78631011ed6b24cdd573f977a11e794811"),
    n=_h("ffffffffffffffffffffffff99def836146bc9b1b4d22831"), source="FIPS 186-4 D.1.2.1")
# P-224 = secp224r1 (FIPS 186-4 D.1.2.2; SEC 2 v2 §2.3.2).  p = 1 mod 4: Tonelli–Shanks roots.
_P224 = CurveParams(
    "P-224", p=_h("ffffffffffffffffffffffffffffffff000000000000000000000001"),
    a=_h("fffffffffffffffffffffffffffffffefffffffffffffffffffffffe"),
    b=_h("b4050a850c04b3abf54132565044b0b7d7bfd8ba270b39432355ffb4"),
    gx=_h("b70e0cbd6bb4bf7f321390b94a03c1d356c21122343280d6115c1d21"),
    gy=_h("bd376388b5f723fb4c22dfe6cd4375a05a07476444d5819985007e34"),
    n=_h("ffffffffffffffffffffffffffff16a2e0b8f03e13dd29455c5c2a3d"), source="FIPS 186-4 D.1.2.2")

_PARAMS: tuple[CurveParams, ...] = (
    _P192, _P224,
    # SEC 2 Koblitz curves (a = 0): secp192k1 §2.2.1, secp224k1 §2.3.1, secp256k1 §2.4.1.
    CurveParams("secp192k1", p=_h("fffffffffffffffffffffffffffffffffffffffeffffee37"), a=0, b=3,
                gx=_h("db4ff10ec057e9ae26b07d0280b7f4341da5d1b1eae06c7d"),
                gy=_h("9b2f2f6d9c5628a7844163d015be86344082aa88d95e2f9d"),
                n=_h("fffffffffffffffffffffffe26f2fc170f69466a74defd8d"), source=_SEC2),
    CurveParams("secp224k1", p=_h("fffffffffffffffffffffffffffffffffffffffffffffffeffffe56d"), a=0, b=5,
                gx=_h("a1455b334df099df30fc28a169a467e9e47075a90f7e650eb6b7a45c"),
                gy=_h("7e089fed7fba344282cafbd6f7e319f7c0b0bd59e2ca4bdb556d61a5"),
                n=_h("010000000000000000000000000001dce8d2ec6184caf0a971769fb1f7"), source=_SEC2),
    CurveParams("secp256k1", p=_h("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f"), a=0, b=7,
                gx=_h("79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"),
                gy=_h("483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8"),
                n=_h("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"), source=_SEC2),
    # X9.62 prime192v2/v3 (J.5.2, J.5.3): the P-192 field and a = −3, other b and G.
    CurveParams("prime192v2", p=_P192.p, a=_P192.a, b=_h("cc22d6dfb95c6b25e49c0d6364a4e5980c393aa21668d953"),
                gx=_h("eea2bae7e1497842f2de7769cfe9c989c072ad696f48034a"),
                gy=_h("6574d11d69b6ec7a672bb82a083df2f2b0847de970b2de15"),
                n=_h("fffffffffffffffffffffffe5fb1a724dc80418648d8dd31"), source=_X962),
    CurveParams("prime192v3", p=_P192.p, a=_P192.a, b=_h("22123dc2395a05caa7423daeccc94760a7d462256bd56916"),
                gx=_h("7d29778100c65a1da1783716588dce2b8b4aee8e228f1896"),
                gy=_h("38a90f22637337334b49dcb66a6dc8f9978aca7648a943b0"),
                n=_h("ffffffffffffffffffffffff7a62d031c83f4294f640ec13"), source=_X962),
    # X9.62 prime239v1–v3 (J.5.4–J.5.6): one 239-bit field, a = −3.
    CurveParams("prime239v1", p=_h("7fffffffffffffffffffffff7fffffffffff8000000000007fffffffffff"),
                a=_h("7fffffffffffffffffffffff7fffffffffff8000000000007ffffffffffc"),
                b=_h("6b016c3bdcf18941d0d654921475ca71a9db2fb27d1d37796185c2942c0a"),
                gx=_h("0ffa963cdca8816ccc33b8642bedf905c3d358573d3f27fbbd3b3cb9aaaf"),
                gy=_h("7debe8e4e90a5dae6e4054ca530ba04654b36818ce226b39fccb7b02f1ae"),
                n=_h("7fffffffffffffffffffffff7fffff9e5e9a9f5d9071fbd1522688909d0b"), source=_X962),
    CurveParams("prime239v2", p=_h("7fffffffffffffffffffffff7fffffffffff8000000000007fffffffffff"),
                a=_h("7fffffffffffffffffffffff7fffffffffff8000000000007ffffffffffc"),
                b=_h("617fab6832576cbbfed50d99f0249c3fee58b94ba0038c7ae84c8c832f2c"),
                gx=_h("38af09d98727705120c921bb5e9e26296a3cdcf2f35757a0eafd87b830e7"),
                gy=_h("5b0125e4dbea0ec7206da0fc01d9b081329fb555de6ef460237dff8be4ba"),
                n=_h("7fffffffffffffffffffffff800000cfa7e8594377d414c03821bc582063"), source=_X962),
    CurveParams("prime239v3", p=_h("7fffffffffffffffffffffff7fffffffffff8000000000007fffffffffff"),
                a=_h("7fffffffffffffffffffffff7fffffffffff8000000000007ffffffffffc"),
                b=_h("255705fa2a306654b1f4cb03d6a750a30c250102d4988717d9ba15ab6d3e"),
                gx=_h("6768ae8e18bb92cfcf005c949aa2c6d94853d0e660bbf854b1c9505fe95a"),
                gy=_h("1607e6898f390c06bc1d552bad226f3b6fcfe48b6e818499af18e3ed6cf3"),
                n=_h("7fffffffffffffffffffffff7fffff975deb41b3a6057c3c432146526551"), source=_X962),
    # Brainpool "r1" curves (RFC 5639 §3.1–§3.7).
    CurveParams("brainpoolp192r1", p=_h("c302f41d932a36cda7a3463093d18db78fce476de1a86297"),
                a=_h("6a91174076b1e0e19c39c031fe8685c1cae040e5c69a28ef"),
                b=_h("469a28ef7c28cca3dc721d044f4496bcca7ef4146fbf25c9"),
                gx=_h("c0a0647eaab6a48753b033c56cb0f0900a2f5c4853375fd6"),
                gy=_h("14b690866abd5bb88b5f4828c1490002e6773fa2fa299b8f"),
                n=_h("c302f41d932a36cda7a3462f9e9e916b5be8f1029ac4acc1"), source=_RFC5639),
    CurveParams("brainpoolp224r1", p=_h("d7c134aa264366862a18302575d1d787b09f075797da89f57ec8c0ff"),
                a=_h("68a5e62ca9ce6c1c299803a6c1530b514e182ad8b0042a59cad29f43"),
                b=_h("2580f63ccfe44138870713b1a92369e33e2135d266dbb372386c400b"),
                gx=_h("0d9029ad2c7e5cf4340823b2a87dc68c9e4ce3174c1e6efdee12c07d"),
                gy=_h("58aa56f772c0726f24c6b89e4ecdac24354b9e99caa3f6d3761402cd"),
                n=_h("d7c134aa264366862a18302575d0fb98d116bc4b6ddebca3a5a7939f"), source=_RFC5639),
    CurveParams("brainpoolp256r1", p=_h("a9fb57dba1eea9bc3e660a909d838d726e3bf623d52620282013481d1f6e5377"),
                a=_h("7d5a0975fc2c3057eef67530417affe7fb8055c126dc5c6ce94a4b44f330b5d9"),
                b=_h("26dc5c6ce94a4b44f330b5d9bbd77cbf958416295cf7e1ce6bccdc18ff8c07b6"),
                gx=_h("8bd2aeb9cb7e57cb2c4b482ffc81b7afb9de27e1e3bd23c23a4453bd9ace3262"),
                gy=_h("547ef835c3dac4fd97f8461a14611dc9c27745132ded8e545c1d54c72f046997"),
                n=_h("a9fb57dba1eea9bc3e660a909d838d718c397aa3b561a6f7901e0e82974856a7"), source=_RFC5639),
    CurveParams("brainpoolp320r1",
                p=_h("d35e472036bc4fb7e13c785ed201e065f98fcfa6f6f40def4f92b9ec7893ec28fcd412b1f1b32e27"),
                a=_h("3ee30b568fbab0f883ccebd46d3f3bb8a2a73513f5eb79da66190eb085ffa9f492f375a97d860eb4"),
                b=_h("520883949dfdbc42d3ad198640688a6fe13f41349554b49acc31dccd884539816f5eb4ac8fb1f1a6"),
                gx=_h("43bd7e9afb53d8b85289bcc48ee5bfe6f20137d10a087eb6e7871e2a10a599c710af8d0d39e20611"),
                gy=_h("14fdd05545ec1cc8ab4093247f77275e0743ffed117182eaa9c77877aaac6ac7d35245d1692e8ee1"),
                n=_h("d35e472036bc4fb7e13c785ed201e065f98fcfa5b68f12a32d482ec7ee8658e98691555b44c59311"),
                source=_RFC5639),
    CurveParams("brainpoolp384r1",
                p=_h("8cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b412b1da197fb71123"
                     "acd3a729901d1a71874700133107ec53"),
                a=_h("7bc382c63d8c150c3c72080ace05afa0c2bea28e4fb22787139165efba91f90f"
                     "8aa5814a503ad4eb04a8c7dd22ce2826"),
                b=_h("04a8c7dd22ce28268b39b55416f0447c2fb77de107dcd2a62e880ea53eeb62d5"
                     "7cb4390295dbc9943ab78696fa504c11"),
                gx=_h("1d1c64f068cf45ffa2a63a81b7c13f6b8847a3e77ef14fe3db7fcafe0cbd10e8"
                      "e826e03436d646aaef87b2e247d4af1e"),
                gy=_h("8abe1d7520f9c2a45cb1eb8e95cfd55262b70b29feec5864e19c054ff9912928"
                      "0e4646217791811142820341263c5315"),
                n=_h("8cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b31f166e6cac0425a7"
                     "cf3ab6af6b7fc3103b883202e9046565"), source=_RFC5639),
    CurveParams("brainpoolp512r1",
                p=_h("aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca70330871"
                     "7d4d9b009bc66842aecda12ae6a380e62881ff2f2d82c68528aa6056583a48f3"),
                a=_h("7830a3318b603b89e2327145ac234cc594cbdd8d3df91610a83441caea9863bc"
                     "2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a72bf2c7b9e7c1ac4d77fc94ca"),
                b=_h("3df91610a83441caea9863bc2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a7"
                     "2bf2c7b9e7c1ac4d77fc94cadc083e67984050b75ebae5dd2809bd638016f723"),
                gx=_h("81aee4bdd82ed9645a21322e9c4c6a9385ed9f70b5d916c1b43b62eef4d0098e"
                      "ff3b1f78e2d0d48d50d1687b93b97d5f7c6d5047406a5e688b352209bcb9f822"),
                gy=_h("7dde385d566332ecc0eabfa9cf7822fdf209f70024a57b1aa000c55b881f8111"
                      "b2dcde494a5f485e5bca4bd88a2763aed1ca2b2fa8f0540678cd1e0f3ad80892"),
                n=_h("aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca70330870"
                     "553e5c414ca92619418661197fac10471db1d381085ddaddb58796829ca90069"), source=_RFC5639),
)

CURVE_PARAMS: dict[str, CurveParams] = {c.name: c for c in _PARAMS}
"""Every curve of this module by its Verificatum name (plus the aliases below)."""

ALIASES: dict[str, str] = {"secp192r1": "P-192", "prime192v1": "P-192", "secp224r1": "P-224"}
"""Verificatum names that denote the same parameters as another name (NOTES §3)."""


# ---- field helpers ---------------------------------------------------------------------------


def sqrt_mod(z: int | mpz, p: int | mpz) -> mpz | None:
    """A square root of z modulo the odd prime p, or None if z is not a square.

    p = 3 mod 4: z^((p+1)/4); otherwise Tonelli–Shanks.  Which of the two roots is
    returned is unspecified: callers that need a particular one normalise it.
    """
    pz = mpz(p)
    zz = mpz(z) % pz
    if zz == 0:
        return _ZERO
    if gmpy2.legendre(zz, pz) != 1:
        return None
    if pz % 4 == 3:
        return gmpy2.powmod(zz, (pz + 1) // 4, pz)
    # Tonelli–Shanks: p − 1 = q·2^s with q odd
    q, s = pz - 1, 0
    while q % 2 == 0:
        q //= 2
        s += 1
    c = mpz(2)
    while gmpy2.legendre(c, pz) != -1:
        c += 1
    m, cc = s, gmpy2.powmod(c, q, pz)
    t, r = gmpy2.powmod(zz, q, pz), gmpy2.powmod(zz, (q + 1) // 2, pz)
    while t != 1:
        i, t2 = 0, t
        while t2 != 1:
            t2 = t2 * t2 % pz
            i += 1
        b = gmpy2.powmod(cc, mpz(1) << (m - i - 1), pz)
        m, cc = i, b * b % pz
        t, r = t * cc % pz, r * b % pz
    return r


def _wnaf(k: int, w: int) -> list[int]:
    """Width-w NAF digits of k > 0, least significant first (odd |d| < 2^(w-1) or 0)."""
    out: list[int] = []
    full, half = 1 << w, 1 << (w - 1)
    while k:
        if k & 1:
            d = k & (full - 1)
            if d >= half:
                d -= full
            k -= d
        else:
            d = 0
        out.append(d)
        k >>= 1
    return out


# ---- the group -------------------------------------------------------------------------------


class WeierstrassCurve(Group):
    """The points of a named prime-order short-Weierstrass curve, order q = n (cofactor 1).

    Build one with :func:`named_curve`; the constructor validates the parameters and
    refuses anything that is not a prime-order curve.  ``Element.raw`` is a Jacobian
    triple (X, Y, Z) of mpz, treated as immutable; equal points may have different
    triples (equality and encodings normalise).
    """

    def __init__(self, params: CurveParams) -> None:
        self.name = params.name
        self.params = params
        self.p = params.p
        self.a = params.a % params.p
        self.b = params.b % params.p
        self.q = params.n
        self.coordinate_size = (params.p.bit_length() + 7) // 8
        self.element_size = 1 + self.coordinate_size
        self.scalar_size = (params.n.bit_length() + 7) // 8
        self.is_test_only = False
        self._pz = mpz(params.p)
        self._az = mpz(self.a)
        self._bz = mpz(self.b)
        self._a_kind = 0 if self.a == 0 else (-3 if self.a == params.p - 3 else 1)
        self._zero = bytes(self.element_size)
        self._validate()
        self._g = Element(self, (mpz(params.gx), mpz(params.gy), _ONE))
        self._one = Element(self, INFINITY)
        self._tables: list[WeierstrassFixedBase] = []
        self._g_table: WeierstrassFixedBase | None = None

    def _validate(self) -> None:
        """p and n prime, 4a³ + 27b² != 0, G on the curve, n·G = O, cofactor 1 (Hasse)."""
        prm, p, n = self.params, self._pz, mpz(self.params.n)
        if not gmpy2.is_prime(p, PRIME_ROUNDS) or not gmpy2.is_prime(n, PRIME_ROUNDS):
            raise InvalidParameters(f"{self.name}: p or n is not prime")
        if (4 * self._az**3 + 27 * self._bz**2) % p == 0:
            raise InvalidParameters(f"{self.name}: singular curve")
        if not (0 <= prm.gx < prm.p and 0 < prm.gy < prm.p) or not self._on_curve(mpz(prm.gx), mpz(prm.gy)):
            raise InvalidParameters(f"{self.name}: generator not on the curve")
        # Hasse: #E in [p + 1 − 2√p, p + 1 + 2√p].  n prime with n·G = O and G != O means n | #E;
        # n > (p + 1 + 2√p)/2 then leaves #E = n only (cofactor 1).
        root = gmpy2.isqrt(p) + 1
        if not (p + 1 - 2 * root <= n <= p + 1 + 2 * root and 2 * n > p + 1 + 2 * root):
            raise InvalidParameters(f"{self.name}: the cofactor is not 1")
        if not self._is_inf(self._mul((mpz(prm.gx), mpz(prm.gy), _ONE), int(n))):
            raise InvalidParameters(f"{self.name}: n·G is not the point at infinity")

    def _on_curve(self, x: mpz, y: mpz) -> bool:
        p = self._pz
        return (y * y - (x * x % p * x + self._az * x + self._bz)) % p == 0

    def rhs(self, x: int | mpz) -> mpz:
        """x³ + ax + b mod p."""
        p = self._pz
        xz = mpz(x)
        return (xz * xz % p * xz + self._az * xz + self._bz) % p

    # ---- Jacobian arithmetic ------------------------------------------------------------------
    @staticmethod
    def _is_inf(pt: Jacobian) -> bool:
        return not pt[2]

    def _dbl(self, pt: Jacobian) -> Jacobian:
        """2·P (dbl-1998-cmo-2; M = 3X² + aZ⁴ with the a = 0 and a = −3 shortcuts)."""
        x1, y1, z1 = pt
        if not z1 or not y1:
            return INFINITY
        p = self._pz
        xx = x1 * x1 % p
        yy = y1 * y1 % p
        yyyy = yy * yy % p
        zz = z1 * z1 % p
        s = 4 * x1 * yy % p
        kind = self._a_kind
        if kind == 0:
            m = 3 * xx % p
        elif kind == -3:
            m = 3 * (x1 - zz) * (x1 + zz) % p
        else:
            m = (3 * xx + self._az * zz * zz) % p
        x3 = (m * m - 2 * s) % p
        return x3, (m * (s - x3) - 8 * yyyy) % p, 2 * y1 * z1 % p

    def _add(self, p1: Jacobian, p2: Jacobian) -> Jacobian:
        """P + Q (add-1998-cmo-2, cheaper when Q has Z = 1), handling O, P = Q and P = −Q."""
        x1, y1, z1 = p1
        x2, y2, z2 = p2
        if not z1:
            return p2
        if not z2:
            return p1
        p = self._pz
        z1z1 = z1 * z1 % p
        if z2 == 1:
            u1, s1 = x1, y1
            u2 = x2 * z1z1 % p
            s2 = y2 * z1 % p * z1z1 % p
        else:
            z2z2 = z2 * z2 % p
            u1 = x1 * z2z2 % p
            u2 = x2 * z1z1 % p
            s1 = y1 * z2 % p * z2z2 % p
            s2 = y2 * z1 % p * z1z1 % p
        h = (u2 - u1) % p
        r = (s2 - s1) % p
        if not h:
            if not r:
                return self._dbl(p1)
            return INFINITY
        hh = h * h % p
        hhh = h * hh % p
        v = u1 * hh % p
        x3 = (r * r - hhh - 2 * v) % p
        y3 = (r * (v - x3) - s1 * hhh) % p
        z3 = z1 * h % p if z2 == 1 else z1 * z2 % p * h % p
        return x3, y3, z3

    def _neg(self, pt: Jacobian) -> Jacobian:
        x, y, z = pt
        return (x, (-y) % self._pz, z) if z else INFINITY

    def _to_affine(self, pt: Jacobian) -> tuple[mpz, mpz]:
        x, y, z = pt
        if z == 1:
            return x, y
        p = self._pz
        zi = gmpy2.invert(z, p)
        zi2 = zi * zi % p
        return x * zi2 % p, y * zi2 % p * zi % p

    def _normalize_all(self, pts: Sequence[Jacobian]) -> list[Jacobian]:
        """Z = 1 forms of finite points (Montgomery's batch inversion); O stays O."""
        p = self._pz
        prefix: list[mpz] = []
        acc = _ONE
        for pt in pts:
            prefix.append(acc)
            if pt[2]:
                acc = acc * pt[2] % p
        inv = gmpy2.invert(acc, p)
        out: list[Jacobian] = [INFINITY] * len(pts)
        for i in range(len(pts) - 1, -1, -1):
            x, y, z = pts[i]
            if not z:
                continue
            zi = inv * prefix[i] % p
            inv = inv * z % p
            zi2 = zi * zi % p
            out[i] = (x * zi2 % p, y * zi2 % p * zi % p, _ONE)
        return out

    def _odd_multiples(self, pt: Jacobian, w: int) -> list[Jacobian]:
        """[P, 3P, 5P, …, (2^(w-1) − 1)P], normalised to Z = 1 (for mixed additions)."""
        twice = self._dbl(pt)
        out = [pt]
        for _ in range(1, 1 << (w - 2)):
            out.append(self._add(out[-1], twice))
        return self._normalize_all(out)

    def _mul(self, pt: Jacobian, k: int) -> Jacobian:
        """k·P for k >= 0 by wNAF (public k)."""
        if k == 0 or not pt[2]:
            return INFINITY
        table = self._odd_multiples(pt, EXP_WINDOW)
        neg = [self._neg(t) for t in table]
        acc = INFINITY
        for d in reversed(_wnaf(k, EXP_WINDOW)):
            acc = self._dbl(acc)
            if d > 0:
                acc = self._add(acc, table[d >> 1])
            elif d < 0:
                acc = self._add(acc, neg[(-d) >> 1])
        return acc

    def _straus(self, pts: Sequence[Jacobian], exps: Sequence[int]) -> Jacobian:
        """Σ exps[i]·pts[i] by interleaved wNAF (shared doublings)."""
        w = STRAUS_WINDOW
        digits = [_wnaf(e, w) for e in exps]
        tables = [self._odd_multiples(pt, w) for pt in pts]
        negs = [[self._neg(t) for t in tab] for tab in tables]
        top = max(len(d) for d in digits)
        acc = INFINITY
        for pos in range(top - 1, -1, -1):
            acc = self._dbl(acc)
            for dg, tab, neg in zip(digits, tables, negs, strict=True):
                if pos < len(dg):
                    d = dg[pos]
                    if d > 0:
                        acc = self._add(acc, tab[d >> 1])
                    elif d < 0:
                        acc = self._add(acc, neg[(-d) >> 1])
        return acc

    # ---- structure ----------------------------------------------------------------------------
    def generator(self) -> Element:
        """The standard base point G."""
        return self._g

    def identity(self) -> Element:
        """The point at infinity."""
        return self._one

    def op(self, a: Element, b: Element) -> Element:
        """a + b (written multiplicatively)."""
        return Element(self, self._add(a.raw, b.raw))

    def inverse(self, a: Element) -> Element:
        """−a."""
        return Element(self, self._neg(a.raw))

    def exp(self, a: Element, k: Scalar | int) -> Element:
        """k·a for a public k, reduced mod q (wNAF, variable time)."""
        e = int(k) % self.q
        if e == 0:
            return self._one
        if e == 1:
            return a
        return Element(self, self._mul(a.raw, e))

    def exp_secret(self, a: Element, k: Scalar | int) -> Element:
        """k·a by a Montgomery ladder over all bits(q) bits (uniform sequence of operations;
        Python integers are not constant time, so this is no side-channel guarantee)."""
        e = int(k) % self.q
        r0, r1 = INFINITY, a.raw
        for i in range(self.q.bit_length() - 1, -1, -1):
            if (e >> i) & 1:
                r0, r1 = self._add(r0, r1), self._dbl(r1)
            else:
                r0, r1 = self._dbl(r0), self._add(r0, r1)
        return Element(self, r0)

    def equal(self, a: Element, b: Element) -> bool:
        """Same group and the same point (Jacobian triples compared projectively)."""
        if a.group is not b.group:
            return False
        x1, y1, z1 = a.raw
        x2, y2, z2 = b.raw
        if not z1 or not z2:
            return not z1 and not z2
        p = self._pz
        z1z1, z2z2 = z1 * z1 % p, z2 * z2 % p
        return bool((x1 * z2z2 - x2 * z1z1) % p == 0 and (y1 * z2z2 * z2 - y2 * z1z1 * z1) % p == 0)

    def is_identity(self, a: Element) -> bool:
        """a is the point at infinity."""
        return not a.raw[2]

    def affine(self, a: Element) -> tuple[int, int]:
        """The affine coordinates (x, y) of a finite point; NotInGroup for the point at infinity."""
        if not a.raw[2]:
            raise NotInGroup("the point at infinity has no affine coordinates")
        x, y = self._to_affine(a.raw)
        return int(x), int(y)

    # ---- accelerated paths --------------------------------------------------------------------
    def fixed_base(self, base: Element) -> FixedBase:
        """A cached :class:`WeierstrassFixedBase` for ``base`` (tables are built lazily)."""
        if base.raw is self._g.raw or self.equal(base, self._g):
            if self._g_table is None:
                self._g_table = WeierstrassFixedBase(self._g)
            return self._g_table
        tables = self._tables
        for i, fb in enumerate(tables):
            if self.equal(fb.base, base):
                tables.append(tables.pop(i))
                return fb
        fb = WeierstrassFixedBase(base)
        tables.append(fb)
        if len(tables) > _TABLE_CACHE_SIZE:
            tables.pop(0)
        return fb

    def multi_exp(self, bases: Sequence[Element], exponents: Sequence[Scalar | int]) -> Element:
        """Σ exponents[i]·bases[i] for public exponents (reduced mod q), by Straus."""
        if len(bases) != len(exponents):
            raise ValueError("bases and exponents differ in length")
        q = self.q
        pts: list[Jacobian] = []
        exps: list[int] = []
        for b, k in zip(bases, exponents, strict=True):
            e = int(k) % q
            if e and b.raw[2]:
                pts.append(b.raw)
                exps.append(e)
        if not pts:
            return self._one
        if len(pts) == 1:
            return Element(self, self._mul(pts[0], exps[0]))
        return Element(self, self._straus(pts, exps))

    def product(self, elements: Iterable[Element]) -> Element:
        """Σ elements (the point at infinity for none)."""
        acc = INFINITY
        for el in elements:
            acc = self._add(acc, el.raw)
        return Element(self, acc)

    # ---- encoding ------------------------------------------------------------------------------
    def encode_element(self, a: Element) -> bytes:
        """SEC 1 compressed point 02/03 || x (fixed width); the point at infinity is all zeros."""
        if not a.raw[2]:
            return self._zero
        x, y = self._to_affine(a.raw)
        return bytes((2 | int(y & 1),)) + int(x).to_bytes(self.coordinate_size, "big")

    def decode_element(self, data: bytes, what: str = "element", *, subgroup_check: bool = True) -> Element:
        """Parse a compressed point (or all zeros for O); EncodingError/NotInGroup naming ``what``.

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
        y = sqrt_mod(self.rhs(x), self._pz)
        if y is None:
            raise NotInGroup(f"{what}: not on the curve {self.name}")
        if (y & 1) != (prefix & 1):
            y = (self._pz - y) % self._pz
        return self.element_from_affine(int(x), int(y), what)

    def element_from_affine(self, x: int, y: int, what: str = "element") -> Element:
        """Validate affine coordinates (0 <= x, y < p, on the curve) as an element (NOTES §2)."""
        xi, yi = int(x), int(y)
        if not (0 <= xi < self.p and 0 <= yi < self.p):
            raise NotInGroup(f"{what}: coordinates not in [0, p) of {self.name}")
        xz, yz = mpz(xi), mpz(yi)
        if not self._on_curve(xz, yz):
            raise NotInGroup(f"{what}: not on the curve {self.name}")
        return Element(self, (xz, yz, _ONE))

    def descriptor(self) -> bytes:
        """Length-prefixed b"weierstrass", name, p, a, b, n, Gx, Gy (fixed-width big-endian)."""
        cs = self.coordinate_size
        prm = self.params
        parts = (b"weierstrass", self.name.encode(), prm.p.to_bytes(cs, "big"), self.a.to_bytes(cs, "big"),
                 self.b.to_bytes(cs, "big"), prm.n.to_bytes(self.scalar_size, "big"),
                 prm.gx.to_bytes(cs, "big"), prm.gy.to_bytes(cs, "big"))
        return b"".join(len(v).to_bytes(4, "big") + v for v in parts)

    def hash_to_group(self, dst: bytes, data: bytes) -> Element:
        """Try-and-increment on x (as :meth:`ECGroup.hash_to_group`): never the identity."""
        nbytes = self.coordinate_size + 16
        head = b"".join(len(v).to_bytes(4, "big") + v for v in (b"PILWU-V1-hash-to-curve", dst, data))
        for counter in range(2**16):
            prefix = head + counter.to_bytes(4, "big")
            stream = b"".join(hashlib.sha256(prefix + i.to_bytes(4, "big")).digest()
                              for i in range(-(-nbytes // 32)))
            x = mpz(int.from_bytes(stream[:nbytes], "big")) % self._pz
            y = sqrt_mod(self.rhs(x), self._pz)
            if y is None or y == 0:
                continue
            if y & 1:
                y = self._pz - y
            return Element(self, (x, y, _ONE))
        raise InvalidParameters("hash_to_group found no point")  # probability ~2^-65536


class WeierstrassFixedBase(FixedBase):
    """Fixed-base exponentiation: wNAF for the first uses, then a window table.

    The table holds T[i][j] = (j·2^(4i))·B for j = 1 … 15, normalised to Z = 1, so one
    exponentiation is at most ⌈bits(q)/4⌉ mixed additions and no doubling (about 5× fewer
    field operations than wNAF).  It is built after FIXED_BASE_BUILD_AFTER uses.
    """

    __slots__ = ("_group", "_rows", "_uses", "base")

    def __init__(self, base: Element) -> None:
        group = base.group
        assert isinstance(group, WeierstrassCurve)
        self.base = base
        self._group = group
        self._rows: list[list[Jacobian]] | None = None
        self._uses = 0

    def _build(self) -> list[list[Jacobian]]:
        group = self._group
        w = FIXED_BASE_WINDOW
        rows_n = -(-group.q.bit_length() // w)
        flat: list[Jacobian] = []
        x: Jacobian = self.base.raw
        for _ in range(rows_n):
            acc = x
            flat.append(acc)
            for _ in range(2, 1 << w):
                acc = group._add(acc, x)
                flat.append(acc)
            x = group._add(acc, x)  # 2^w · x
        norm = group._normalize_all(flat)
        per = (1 << w) - 1
        return [[INFINITY, *norm[r * per:(r + 1) * per]] for r in range(rows_n)]

    def pow(self, exponent: Scalar | int) -> Element:
        """base^exponent (public exponent, reduced mod q)."""
        group = self._group
        rows = self._rows
        if rows is None:
            self._uses += 1
            if self._uses <= FIXED_BASE_BUILD_AFTER:
                return group.exp(self.base, exponent)
            rows = self._rows = self._build()
        e = int(exponent) % group.q
        acc = INFINITY
        w, mask = FIXED_BASE_WINDOW, (1 << FIXED_BASE_WINDOW) - 1
        for i, row in enumerate(rows):
            d = (e >> (w * i)) & mask
            if d:
                acc = group._add(acc, row[d])
        return Element(group, acc)


_CACHE: dict[str, WeierstrassCurve] = {}


def named_curve(name: str) -> WeierstrassCurve:
    """The validated curve of a Verificatum curve name this module implements (cached).

    InvalidParameters for any other name: parameters never come from a transcript.
    """
    canonical = ALIASES.get(name, name)
    params = CURVE_PARAMS.get(canonical)
    if params is None:
        raise InvalidParameters(f"curve {name[:40]!r} is not one of {', '.join(sorted(CURVE_PARAMS))}")
    curve = _CACHE.get(canonical)
    if curve is None:
        curve = _CACHE[canonical] = WeierstrassCurve(params)
    return curve


__all__ = ["ALIASES", "CURVE_PARAMS", "CurveParams", "WeierstrassCurve", "WeierstrassFixedBase", "named_curve",
           "sqrt_mod"]
