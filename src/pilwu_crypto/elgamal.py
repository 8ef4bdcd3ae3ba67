"""Exponential ElGamal: keys, encryption, re-encryption, homomorphic addition, decryption.

A message m (a small non-negative integer: a vote, a count) is encrypted under the
public key K = g^s with nonce r as

    (alpha, beta) = (g^r, g^m * K^r)

so that the product of two ciphertexts encrypts the sum of their messages.  Decryption
gives g^m = beta / alpha^s, and m is recovered by a bounded discrete log (baby-step
giant-step with an explicit bound; a random element fails fast, checklist A22).

Side channels (docs/side-channels.md): the secret key s is only ever used
through ``Group.exp_secret`` (gmpy2.powmod_sec on Z_p*).  Encryption nonces go through the
fixed-base tables, which are fast but *not* constant time: the encrypting device already
knows the vote, and what matters is that no one else can time it.  Devices where
timing may be observable pass ``constant_time=True``, which uses exp_secret instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pilwu_crypto.algebra.group import Element, FixedBase, Group, Scalar, SecretScalar
from pilwu_crypto.errors import DecryptionError, NotInGroup, OutOfRange

MAX_DLOG_BOUND = 2**40
"""Largest bound accepted by the discrete-log solver (2^20 baby steps, ~100 MB)."""


@dataclass(frozen=True)
class Ciphertext:
    """An exponential-ElGamal ciphertext (alpha, beta) = (g^r, g^m K^r).

    Multiplying two ciphertexts (``*``) adds their plaintexts.  The identity (1, 1) is a
    valid ciphertext: it encrypts 0 with nonce 0 (e.g. an empty tally).
    """

    alpha: Element
    """alpha = g^r (the spec's A / a)."""
    beta: Element
    """beta = g^m K^r (the spec's B / b)."""

    def __post_init__(self) -> None:
        if self.alpha.group is not self.beta.group:
            raise NotInGroup("ciphertext components belong to different groups")

    @property
    def group(self) -> Group:
        return self.alpha.group

    def __mul__(self, other: Ciphertext) -> Ciphertext:
        return Ciphertext(self.alpha * other.alpha, self.beta * other.beta)

    def to_bytes(self) -> bytes:
        """Canonical encoding: alpha || beta."""
        return self.alpha.to_bytes() + self.beta.to_bytes()

    @staticmethod
    def identity(group: Group) -> Ciphertext:
        """(1, 1): the encryption of 0 with nonce 0; the neutral element of ``*``."""
        return Ciphertext(group.identity(), group.identity())


def sum_ciphertexts(group: Group, ciphertexts: list[Ciphertext]) -> Ciphertext:
    """The homomorphic sum (component-wise product) of a list of ciphertexts."""
    return Ciphertext(group.product(c.alpha for c in ciphertexts),
                      group.product(c.beta for c in ciphertexts))


class PublicKey:
    """An ElGamal public key K = g^s, with a lazily built fixed-base table for K."""

    __slots__ = ("_table", "element", "group")

    def __init__(self, element: Element) -> None:
        group = element.group
        if group.is_identity(element):
            raise NotInGroup("public key is the identity")
        self.group = group
        self.element = element
        self._table: FixedBase | None = None

    def table(self) -> FixedBase:
        """Fixed-base table for K (built on first use, shared through the group's cache)."""
        if self._table is None:
            self._table = self.group.fixed_base(self.element)
        return self._table

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PublicKey) and other.element == self.element

    def __hash__(self) -> int:
        return hash(self.element)

    def __repr__(self) -> str:
        return f"PublicKey({self.group.name}, {self.element.to_bytes().hex()[:16]}…)"

    def __reduce__(self) -> tuple[Any, ...]:
        # The key only: a worker process uses its own group's table cache.
        return (PublicKey, (self.element,))


class SecretKey:
    """An ElGamal secret key s; ``repr``/``str`` never show it."""

    __slots__ = ("group", "public_key", "secret")

    def __init__(self, secret: Scalar) -> None:
        if secret.value == 0:
            raise OutOfRange("secret key is zero")
        self.group = secret.group
        self.secret = SecretScalar(secret.group, secret.value)
        self.public_key = PublicKey(self.group.exp_secret(self.group.generator(), self.secret))

    @staticmethod
    def generate(group: Group) -> SecretKey:
        """A fresh key pair with s uniform in [1, q) from ``secrets``."""
        return SecretKey(group.random_nonzero_scalar())

    def __repr__(self) -> str:
        return f"SecretKey({self.group.name}, <redacted>)"

    __str__ = __repr__


def encode_message(group: Group, m: int) -> Element:
    """g^m for a non-negative integer m < q."""
    if not 0 <= m < group.q:
        raise OutOfRange(f"message {m} is not in [0, q)")
    if m == 0:
        return group.identity()
    if m == 1:
        return group.generator()
    return group.exp_g(m)


@dataclass(frozen=True)
class Encryption:
    """A ciphertext together with the nonce that produced it (keep the nonce secret)."""

    ciphertext: Ciphertext
    nonce: SecretScalar

    def __repr__(self) -> str:
        return f"Encryption({self.ciphertext!r}, nonce=<redacted>)"


def encrypt_with_nonce(public_key: PublicKey, m: int, nonce: Scalar, *,
                       constant_time: bool = False) -> Ciphertext:
    """(g^r, g^m K^r) for a given nonce r.

    For known-answer tests and for re-checking a challenged ballot whose nonce was
    revealed; fresh encryptions use :func:`encrypt`.
    """
    group = public_key.group
    gm = encode_message(group, m)
    if constant_time:
        alpha = group.exp_secret(group.generator(), nonce)
        kr = group.exp_secret(public_key.element, nonce)
    else:
        alpha = group.exp_g(nonce)
        kr = public_key.table().pow(nonce)
    return Ciphertext(alpha, gm * kr)


def encrypt(public_key: PublicKey, m: int, *, constant_time: bool = False) -> Encryption:
    """Encrypt m with a fresh nonce uniform in Z_q (from ``secrets``)."""
    nonce = public_key.group.random_scalar()
    return Encryption(encrypt_with_nonce(public_key, m, nonce, constant_time=constant_time), nonce)


def reencrypt_with_nonce(public_key: PublicKey, ciphertext: Ciphertext, nonce: Scalar) -> Ciphertext:
    """(alpha g^r', beta K^r'): the same plaintext under a fresh-looking ciphertext."""
    group = public_key.group
    return Ciphertext(ciphertext.alpha * group.exp_g(nonce), ciphertext.beta * public_key.table().pow(nonce))


def reencrypt(public_key: PublicKey, ciphertext: Ciphertext) -> Encryption:
    """Re-encrypt with a fresh nonce; returns the new ciphertext and its nonce."""
    nonce = public_key.group.random_scalar()
    return Encryption(reencrypt_with_nonce(public_key, ciphertext, nonce), nonce)


def decrypt_to_element(secret_key: SecretKey, ciphertext: Ciphertext) -> Element:
    """g^m = beta / alpha^s (constant-time exponentiation with the secret key)."""
    return ciphertext.beta / secret_key.group.exp_secret(ciphertext.alpha, secret_key.secret)


class DiscreteLog:
    """Baby-step giant-step solver for g^m with 0 <= m <= bound (checklist A22).

    Memory and time are O(sqrt(bound)); an element whose log exceeds the bound is
    reported with DecryptionError after at most sqrt(bound) + 1 giant steps.
    """

    def __init__(self, group: Group, bound: int) -> None:
        if not 0 <= bound <= MAX_DLOG_BOUND:
            raise OutOfRange(f"discrete-log bound {bound} not in [0, {MAX_DLOG_BOUND}]")
        self.group = group
        self.bound = bound
        self.m = max(1, math.isqrt(bound) + 1)
        baby: dict[bytes, int] = {}
        x = group.identity()
        g = group.generator()
        for j in range(self.m):
            baby.setdefault(x.to_bytes(), j)
            x = x * g
        self._baby = baby
        self._giant = x.inverse()  # g^-m

    def solve(self, element: Element, what: str = "plaintext") -> int:
        """m with g^m == element and 0 <= m <= bound, or DecryptionError."""
        y = self.group.check_element(element, what)
        for i in range(self.bound // self.m + 1):
            j = self._baby.get(y.to_bytes())
            if j is not None:
                result = i * self.m + j
                if result <= self.bound:
                    return result
                break
            y = y * self._giant
        raise DecryptionError(f"{what}: discrete log not in [0, {self.bound}]")


def decrypt(secret_key: SecretKey, ciphertext: Ciphertext, bound: int) -> int:
    """Decrypt to the integer m in [0, bound]; DecryptionError beyond the bound."""
    return DiscreteLog(secret_key.group, bound).solve(decrypt_to_element(secret_key, ciphertext))
