"""The Group interface every protocol in pilwu_crypto is written against.

A group is a value you pass in (never global state).  It describes a cyclic group of
prime order q, written multiplicatively, with a fixed generator g:

- :class:`Element` — an element of the order-q group.  The only ways to obtain one are
  the group's own operations and :meth:`Group.decode_element`, which checks range and
  subgroup membership (or curve membership), so an ``Element`` is always valid.
- :class:`Scalar` — an integer in Z_q, range-checked at construction.

Two implementations exist: :class:`~pilwu_crypto.algebra.modp.ModPGroup` (prime-order
subgroups of Z_p*, on gmpy2) and :class:`~pilwu_crypto.algebra.ec.ECGroup` (NIST curves,
on pycryptodome).  Canonical encodings are fixed-width big-endian (docs/transcript.md) and are
used both for Fiat–Shamir hashing and, later, for the election record.
"""

from __future__ import annotations

import hashlib
import operator
import secrets
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import Any

from pilwu_crypto.errors import EncodingError, OutOfRange, TestGroupRefused


class Scalar:
    """An integer modulo the group order q, 0 <= value < q.  Immutable.

    Arithmetic (+, -, *, unary -, inverse) stays in Z_q.  ``repr`` shows the value; a
    :class:`SecretScalar` is redacted, and any arithmetic involving one yields a
    SecretScalar again (taint), until :meth:`public` declassifies a value that is
    meant to be published (a proof response).
    """

    __slots__ = ("group", "value")

    group: Group
    value: int

    def __init__(self, group: Group, value: int) -> None:
        v = operator.index(value)  # ints and mpz only: no str, float or bool surprises
        if isinstance(value, bool) or not 0 <= v < group.q:
            shown = str(v) if v.bit_length() < 80 else f"({v.bit_length()}-bit value)"
            raise OutOfRange(f"scalar {shown} not in [0, q) of {group.name}")
        object.__setattr__(self, "group", group)
        object.__setattr__(self, "value", v)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Scalar is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return (Scalar, (self.group, self.value))

    def _coerce(self, other: Scalar | int) -> int:
        if isinstance(other, Scalar):
            if other.group.q != self.group.q:
                raise OutOfRange("scalars of groups with different orders combined")
            return other.value
        return operator.index(other)

    def _make(self, other: object, value: int) -> Scalar:
        cls = SecretScalar if isinstance(self, SecretScalar) or isinstance(other, SecretScalar) else Scalar
        return cls(self.group, value % self.group.q)

    def __add__(self, other: Scalar | int) -> Scalar:
        return self._make(other, self.value + self._coerce(other))

    __radd__ = __add__

    def __sub__(self, other: Scalar | int) -> Scalar:
        return self._make(other, self.value - self._coerce(other))

    def __rsub__(self, other: int) -> Scalar:
        return self._make(other, self._coerce(other) - self.value)

    def __mul__(self, other: Scalar | int) -> Scalar:
        return self._make(other, self.value * self._coerce(other))

    __rmul__ = __mul__

    def __neg__(self) -> Scalar:
        return self._make(None, -self.value)

    def inverse(self) -> Scalar:
        """The multiplicative inverse mod q; raises OutOfRange for zero."""
        if self.value == 0:
            raise OutOfRange("zero scalar has no inverse")
        return self._make(None, pow(self.value, -1, self.group.q))

    def public(self) -> Scalar:
        """This value as a plain (non-secret) Scalar, for values that are published."""
        return Scalar(self.group, self.value)

    def __int__(self) -> int:
        return self.value

    def __index__(self) -> int:
        return self.value

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Scalar):
            return self.value == other.value and self.group.q == other.group.q
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("Scalar", self.value))

    def to_bytes(self) -> bytes:
        """Canonical encoding: fixed-width big-endian, group.scalar_size bytes."""
        return self.value.to_bytes(self.group.scalar_size, "big")

    def __repr__(self) -> str:
        return f"Scalar({self.group.name}, {self.value:#x})"


class SecretScalar(Scalar):
    """A Scalar holding a secret (key, nonce, share): ``repr``/``str``/format are redacted."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"SecretScalar({self.group.name}, <redacted>)"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __reduce__(self) -> tuple[Any, ...]:
        # A secret never leaves its process by pickling (an executor, a cache, a log).
        raise TypeError("a SecretScalar cannot be pickled")


class Element:
    """An element of a group's prime-order subgroup.  Immutable; always valid.

    Operators: ``a * b`` (group operation), ``a / b``, ``a ** k`` (public exponent, a
    Scalar or int, reduced mod q), ``a == b``.  Internals (``raw``) are group specific.
    """

    __slots__ = ("group", "raw")

    group: Group
    raw: Any

    def __init__(self, group: Group, raw: Any) -> None:
        # Internal constructor: callers outside algebra/ must use Group.decode_element.
        object.__setattr__(self, "group", group)
        object.__setattr__(self, "raw", raw)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Element is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as its canonical bytes (executors ship elements between our own
        # processes); decoded back without repeating the subgroup exponentiation.
        return (_element_from_bytes, (self.group, self.to_bytes()))

    def __mul__(self, other: Element) -> Element:
        return self.group.op(self, other)

    def __truediv__(self, other: Element) -> Element:
        return self.group.op(self, self.group.inverse(other))

    def __pow__(self, exponent: Scalar | int) -> Element:
        return self.group.exp(self, exponent)

    def inverse(self) -> Element:
        return self.group.inverse(self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Element):
            return self.group.equal(self, other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.to_bytes())

    def to_bytes(self) -> bytes:
        """Canonical encoding: fixed width, group.element_size bytes."""
        return self.group.encode_element(self)

    def __repr__(self) -> str:
        return f"Element({self.group.name}, {self.to_bytes().hex()[:16]}…)"


class FixedBase(ABC):
    """Exponentiation of one fixed base, accelerated by precomputation (public exponents)."""

    base: Element

    @abstractmethod
    def pow(self, exponent: Scalar | int) -> Element:
        """base ** exponent."""


class Group(ABC):
    """A cyclic group of prime order q with generator g (docs/parameters.md).

    Implementations must check every element decoded from outside and keep the test-only
    flag honest: :meth:`require_production` refuses test groups unless told otherwise.
    """

    name: str
    """Registered name of the parameter set, e.g. ``pilwu-3072`` or ``P-256``."""
    q: int
    """Prime order of the group (and modulus of scalars)."""
    element_size: int
    """Bytes in the canonical encoding of an element."""
    scalar_size: int
    """Bytes in the canonical encoding of a scalar: ceil(bits(q) / 8)."""
    is_test_only: bool = False
    """True for groups meant only for fast tests; real entry points refuse them."""

    # ---- structure -------------------------------------------------------------
    @abstractmethod
    def generator(self) -> Element:
        """The fixed generator g."""

    @abstractmethod
    def identity(self) -> Element:
        """The neutral element (valid as a ciphertext component; refused as key/generator)."""

    @abstractmethod
    def op(self, a: Element, b: Element) -> Element:
        """The group operation a * b."""

    @abstractmethod
    def inverse(self, a: Element) -> Element:
        """a^-1."""

    @abstractmethod
    def exp(self, a: Element, k: Scalar | int) -> Element:
        """a ** k for a public exponent (fast, not constant time); k is reduced mod q."""

    @abstractmethod
    def exp_secret(self, a: Element, k: Scalar | int) -> Element:
        """a ** k for a secret exponent (constant-time primitive where the backend has one)."""

    @abstractmethod
    def equal(self, a: Element, b: Element) -> bool:
        """a == b."""

    @abstractmethod
    def is_identity(self, a: Element) -> bool:
        """a is the neutral element."""

    # ---- accelerated paths ------------------------------------------------------
    @abstractmethod
    def fixed_base(self, base: Element) -> FixedBase:
        """A (cached) precomputed table for ``base``; worth it after ~50 exponentiations."""

    @abstractmethod
    def multi_exp(self, bases: Sequence[Element], exponents: Sequence[Scalar | int]) -> Element:
        """prod bases[i] ** exponents[i] (public exponents), by simultaneous exponentiation."""

    @abstractmethod
    def product(self, elements: Iterable[Element]) -> Element:
        """prod elements (the identity for an empty sequence)."""

    def exp_g(self, k: Scalar | int) -> Element:
        """g ** k through the generator's fixed-base table."""
        return self.fixed_base(self.generator()).pow(k)

    # ---- encoding -----------------------------------------------------------------
    @abstractmethod
    def encode_element(self, a: Element) -> bytes:
        """Canonical fixed-width encoding of an element."""

    @abstractmethod
    def decode_element(self, data: bytes, what: str = "element", *, subgroup_check: bool = True) -> Element:
        """Parse and validate an element from untrusted bytes.

        Raises EncodingError (wrong length / non-canonical) or NotInGroup (out of range,
        not in the order-q subgroup, not on the curve), naming ``what``.

        ``subgroup_check=False`` keeps the range/encoding checks and skips only the
        order-q test (in Z_p*: the x^q = 1 exponentiation; curves of cofactor 1 need no
        such test).  It exists for Σ-proof commitments alone, which are only ever
        compared with values computed inside the subgroup: an equation such as
        g^v = a * A^c cannot hold when a is outside it, so the test is implied by the
        verification itself.  Never use it for keys, ciphertexts or anything that is
        combined with other values.
        """

    @abstractmethod
    def descriptor(self) -> bytes:
        """Canonical bytes describing the whole group (kind, name, p/curve, q, g)."""

    def fingerprint(self) -> bytes:
        """SHA-256 of the descriptor: the parameter-set hash bound first in every transcript."""
        return hashlib.sha256(b"PILWU-V1-group\x00" + self.descriptor()).digest()

    def scalar(self, value: int) -> Scalar:
        """A Scalar from an integer that must already be in [0, q) (raises OutOfRange)."""
        return Scalar(self, value)

    def scalar_mod(self, value: int) -> Scalar:
        """A Scalar from any integer, reduced mod q (for values computed, not read)."""
        return Scalar(self, int(value) % self.q)

    def encode_scalar(self, s: Scalar) -> bytes:
        return s.to_bytes()

    def decode_scalar(self, data: bytes, what: str = "scalar") -> Scalar:
        """Parse a scalar from exactly scalar_size big-endian bytes; value must be < q."""
        if not isinstance(data, (bytes, bytearray)) or len(data) != self.scalar_size:
            got = len(data) if isinstance(data, (bytes, bytearray)) else type(data).__name__
            raise EncodingError(f"{what}: expected {self.scalar_size} bytes, got {got}")
        v = int.from_bytes(data, "big")
        if v >= self.q:
            raise OutOfRange(f"{what}: scalar not below q of {self.name}")
        return Scalar(self, v)

    def random_scalar(self) -> SecretScalar:
        """Uniform in [0, q) by rejection sampling from ``secrets`` (checklist A15, A16)."""
        bits = self.q.bit_length()
        while True:
            v = secrets.randbits(bits)
            if v < self.q:
                return SecretScalar(self, v)

    def random_nonzero_scalar(self) -> SecretScalar:
        """Uniform in [1, q)."""
        while True:
            s = self.random_scalar()
            if s.value:
                return s

    @abstractmethod
    def hash_to_group(self, dst: bytes, data: bytes) -> Element:
        """Deterministically map (dst, data) to an element whose discrete log nobody knows.

        Never returns the identity.  Used for independent generators (checklist A4).
        """

    # ---- policy --------------------------------------------------------------------
    def require_production(self, allow_test: bool = False) -> None:
        """Refuse a test-only group unless the caller explicitly says this is a test."""
        if self.is_test_only and not allow_test:
            raise TestGroupRefused(
                f"group {self.name} is for tests only and is refused for real use "
                "(tests pass allow_test=True; the command line needs --allow-test-group)")

    def check_element(self, a: Element, what: str = "element") -> Element:
        """Assert ``a`` belongs to this group object (not one of another group)."""
        if not isinstance(a, Element) or a.group is not self:
            from pilwu_crypto.errors import NotInGroup

            raise NotInGroup(f"{what} is not an element of {self.name}")
        return a

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


def _element_from_bytes(group: Group, data: bytes) -> Element:
    """Unpickling of an Element (see Element.__reduce__)."""
    return group.decode_element(data, "unpickled element", subgroup_check=False)
