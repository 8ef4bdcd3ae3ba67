"""Prime-order subgroups of Z_p* on gmpy2 (docs/parameters.md).

Elements are residues x with 1 <= x < p and x^q = 1 (mod p), held as ``gmpy2.mpz``.
The groups shipped here all have p = 2qr + 1 with r prime, so the only small subgroup of
Z_p* is {1, -1}; a single element read from outside is still checked with the full
x^q = 1 test (a Legendre test alone would accept elements of order r, checklist A9).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable, Sequence

import gmpy2
from gmpy2 import mpz

from pilwu_crypto.algebra import arith
from pilwu_crypto.algebra.group import Element, FixedBase, Group, Scalar
from pilwu_crypto.errors import EncodingError, InvalidParameters, NotInGroup

_TABLE_CACHE_SIZE = 4  # fixed-base tables kept per group (w=12: about 37 MB each at 3072 bits)
FIXED_BASE_BUILD_AFTER = 32  # plain exponentiations of a base before its table is built


def _lp(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


class ModPFixedBase(FixedBase):
    """w-bit window table for one base of a ModPGroup, built lazily.

    The first ``build_after`` exponentiations use plain powmod; the table (w=12: about
    37 MB and 0.3 s at 3072 bits, 9x faster per exponentiation) is built on the next
    one, so a key used a handful of times never pays for a table it does not need.
    """

    __slots__ = ("_build_after", "_table", "_uses", "_window", "base")

    def __init__(self, base: Element, window: int, build_after: int) -> None:
        self.base = base
        self._window = window
        self._build_after = build_after
        self._uses = 0
        self._table: arith.FixedBaseTable | None = None
        if build_after <= 0:
            self._build()

    def _build(self) -> arith.FixedBaseTable:
        group = self.base.group
        assert isinstance(group, ModPGroup)
        self._table = arith.FixedBaseTable(self.base.raw, group.p, group.q.bit_length(), self._window)
        return self._table

    @property
    def is_built(self) -> bool:
        return self._table is not None

    def pow(self, exponent: Scalar | int) -> Element:
        group = self.base.group
        e = int(exponent) % group.q
        table = self._table
        if table is None:
            self._uses += 1
            if self._uses <= self._build_after:
                return group.exp(self.base, e)
            table = self._build()
        return Element(group, table.pow(e))


class ModPGroup(Group):
    """The order-q subgroup of Z_p*, with generator g.

    Construction checks the structural conditions cheaply (sizes, q | p - 1, g of order
    q); the primality of p, q and (p - 1)/(2q) is checked by :meth:`validate`, which the
    test suite and the verifier run (it costs a few primality tests).
    """

    def __init__(self, name: str, p: int, q: int, g: int, *, is_test_only: bool = False,
                 table_window: int = 12, generator_window: int = 12) -> None:
        self.name = name
        self.p = mpz(p)
        self.q = int(q)
        self._qz = mpz(q)
        self.is_test_only = is_test_only
        self.element_size = (self.p.bit_length() + 7) // 8
        self.scalar_size = (self.q.bit_length() + 7) // 8
        self._window = table_window
        self._generator_window = generator_window
        if self.q < 2**128 or self.p <= self.q:
            raise InvalidParameters(f"{name}: q must be at least 2^128 and below p")
        if (self.p - 1) % self._qz != 0:
            raise InvalidParameters(f"{name}: q does not divide p - 1")
        gz = mpz(g)
        if not 1 < gz < self.p or gmpy2.powmod(gz, self._qz, self.p) != 1:
            raise InvalidParameters(f"{name}: g is not of order q")
        self._g = Element(self, gz)
        self._one = Element(self, mpz(1))
        self._tables: OrderedDict[mpz, ModPFixedBase] = OrderedDict()

    # ---- validation of the parameters themselves -----------------------------------
    def validate(self) -> None:
        """Check p, q prime, r = (p - 1)/(2q) prime or 1 (a safe prime), g of order q
        (checklist A3, A23): the only small subgroup of Z_p* is then {1, -1}."""
        rounds = 32
        if not gmpy2.is_prime(self._qz, rounds):
            raise InvalidParameters(f"{self.name}: q is not prime")
        if not gmpy2.is_prime(self.p, rounds):
            raise InvalidParameters(f"{self.name}: p is not prime")
        r, rem = divmod(self.p - 1, 2 * self._qz)
        if rem != 0 or not (r == 1 or gmpy2.is_prime(r, rounds)):  # r = 1: a safe prime p = 2q + 1
            raise InvalidParameters(f"{self.name}: (p - 1)/(2q) is neither 1 nor prime")
        if gmpy2.powmod(self._g.raw, self._qz, self.p) != 1 or self._g.raw == 1:
            raise InvalidParameters(f"{self.name}: g is not of order q")

    # ---- structure --------------------------------------------------------------------
    def generator(self) -> Element:
        return self._g

    def identity(self) -> Element:
        return self._one

    def op(self, a: Element, b: Element) -> Element:
        return Element(self, a.raw * b.raw % self.p)

    def inverse(self, a: Element) -> Element:
        return Element(self, gmpy2.invert(a.raw, self.p))

    def exp(self, a: Element, k: Scalar | int) -> Element:
        return Element(self, gmpy2.powmod(a.raw, int(k) % self.q, self.p))

    def exp_secret(self, a: Element, k: Scalar | int) -> Element:
        # powmod_sec: GMP's mpz_powm_sec, constant time in the exponent.
        e = int(k) % self.q
        if e == 0:  # powmod_sec refuses exponent 0 (k = 0 is public knowledge anyway)
            return self._one
        return Element(self, gmpy2.powmod_sec(a.raw, e, self.p))

    def equal(self, a: Element, b: Element) -> bool:
        return a.group is b.group and bool(a.raw == b.raw)

    def is_identity(self, a: Element) -> bool:
        return bool(a.raw == 1)

    # ---- accelerated paths ------------------------------------------------------------
    def fixed_base(self, base: Element) -> FixedBase:
        """The cached table object for ``base`` (the generator's is built at once,
        others after FIXED_BASE_BUILD_AFTER plain exponentiations)."""
        key = base.raw
        fb = self._tables.get(key)
        if fb is None:
            is_g = key == self._g.raw
            after = 0 if is_g else FIXED_BASE_BUILD_AFTER
            fb = ModPFixedBase(base, self._generator_window if is_g else self._window, after)
            self._tables[key] = fb
            if len(self._tables) > _TABLE_CACHE_SIZE:
                self._tables.popitem(last=False)
        else:
            self._tables.move_to_end(key)
        return fb

    def multi_exp(self, bases: Sequence[Element], exponents: Sequence[Scalar | int]) -> Element:
        q = self.q
        return Element(self, arith.multi_exp([b.raw for b in bases],
                                             [int(e) % q for e in exponents], self.p))

    def product(self, elements: Iterable[Element]) -> Element:
        return Element(self, arith.product([e.raw for e in elements], self.p))

    # ---- encoding ---------------------------------------------------------------------
    def encode_element(self, a: Element) -> bytes:
        return int(a.raw).to_bytes(self.element_size, "big")

    def decode_element(self, data: bytes, what: str = "element", *, subgroup_check: bool = True) -> Element:
        if not isinstance(data, (bytes, bytearray)):
            raise EncodingError(f"{what}: expected bytes, got {type(data).__name__}")
        if len(data) != self.element_size:
            raise EncodingError(f"{what}: expected {self.element_size} bytes, got {len(data)}")
        return self.element_from_int(int.from_bytes(data, "big"), what, subgroup_check=subgroup_check)

    def element_from_int(self, value: int, what: str = "element", *, subgroup_check: bool = True) -> Element:
        """Validate an integer as a group element: 1 <= x < p and x^q = 1 (mod p).

        ``subgroup_check=False``: proof commitments only (see Group.decode_element).
        """
        x = mpz(value)
        if not 1 <= x < self.p:
            raise NotInGroup(f"{what}: value not in [1, p) of {self.name}")
        if subgroup_check and gmpy2.powmod(x, self._qz, self.p) != 1:
            raise NotInGroup(f"{what}: not in the order-q subgroup of {self.name}")
        return Element(self, x)

    def descriptor(self) -> bytes:
        return b"".join(_lp(x) for x in (
            b"modp", self.name.encode(), int(self.p).to_bytes(self.element_size, "big"),
            self.q.to_bytes(self.scalar_size, "big"), int(self._g.raw).to_bytes(self.element_size, "big")))

    def hash_to_group(self, dst: bytes, data: bytes) -> Element:
        # Hash to an integer of |p| + 128 bits (negligible bias), then raise to the
        # cofactor (p - 1)/q: the result is in the order-q subgroup and its discrete log
        # to g is unknown to everyone.  Counter loop skips the (negligible) identity.
        cofactor = (self.p - 1) // self._qz
        nbytes = self.element_size + 16
        for counter in range(2**16):
            prefix = _lp(b"PILWU-V1-hash-to-group") + _lp(dst) + _lp(data) + counter.to_bytes(4, "big")
            stream = b"".join(hashlib.sha256(prefix + i.to_bytes(4, "big")).digest()
                              for i in range(-(-nbytes // 32)))
            x = mpz(int.from_bytes(stream[:nbytes], "big")) % self.p
            h = gmpy2.powmod(x, cofactor, self.p)
            if h > 1:
                return Element(self, h)
        raise InvalidParameters("hash_to_group found no element")  # probability ~0
