"""Batch verification: small-exponent random linear combinations and batched membership.

Many verification equations X_e = Y_e in a prime-order group are checked at once by
raising each to an independent random weight w_e of WEIGHT_BITS bits and multiplying
(Bellare, Garay, Rabin, "Fast batch verification for modular exponentiation and digital
signatures", EUROCRYPT 1998, the *small exponent test*): if some equation is false, the
product equation holds with probability at most 2^-WEIGHT_BITS over the weights, which
come from ``secrets`` and are drawn after every input is fixed.  The products are
multi-exponentiations (Pippenger beyond 32 bases), so the cost per equation is a small
fraction of an exponentiation (docs/batch-verification.md).

The small-exponent test is only sound inside a group of prime order q (Boyd and
Pavlovski, "Attacking and repairing batch verification schemes", ASIACRYPT 2000): an
element with a component in a small subgroup can make a false equation hold with
probability 1/2.  So every element that enters a batch must be known to have no
small-order component:

- ModP groups whose cofactor r = (p - 1)/(2q) is prime (pilwu-3072, electionguard-4096,
  pilwu-test-512; r = 1 for a safe prime: checked once per group, :func:`batchable`): the
  subgroups of Z_p* have orders 1, 2, q, r, 2q, 2r, qr, 2qr with q and r > 2^128, so the
  only small subgroup is {+1, -1}.  A Legendre symbol (x | p) = 1 removes it (cheap: no
  exponentiation).  What is left may still have an order-r component; a random weight
  below 2^128 < r cannot cancel it, so the weighted equation catches it too.
- Elements that must be *in* the order-q subgroup (ciphertexts read from a record) are
  checked by :class:`MembershipBatch`: Legendre symbol 1 each, then
  (prod x_i^{t_i})^q = 1 with random t_i: false for a non-member except with probability
  2^-128.
- The NIST curves have prime order (cofactor 1): every decoded point is a member.

Any other group gets no batch (:func:`batchable` is False) and callers verify one by one.
A failed batch says only that *something* is wrong; callers bisect and re-run the exact
single-item check on what remains, so a report names the same items with the same
messages as unbatched verification.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from functools import lru_cache

import gmpy2

from pilwu_crypto.algebra.ec import ECGroup
from pilwu_crypto.algebra.group import Element, Group
from pilwu_crypto.algebra.modp import ModPGroup

WEIGHT_BITS = 128
"""Bits of every random weight: a false equation survives a batch with probability <= 2^-128."""

_SHORT_BITS = WEIGHT_BITS + 2
"""Exponents up to this size go to the short multi-exponentiation (Pippenger's cost
grows with the longest exponent, so weights and full-size exponents are kept apart)."""


def weight() -> int:
    """A fresh uniform weight in [1, 2^WEIGHT_BITS) from ``secrets``."""
    while True:
        w = secrets.randbits(WEIGHT_BITS)
        if w:
            return w


@lru_cache(maxsize=32)
def batchable(group: Group) -> bool:
    """True when the small-exponent test is sound in ``group`` (module doc): a NIST curve
    (cofactor 1), or a ModP group whose cofactor (p - 1)/(2q) is prime."""
    if isinstance(group, ECGroup):
        return True
    if isinstance(group, ModPGroup):
        r, rem = divmod(group.p - 1, 2 * gmpy2.mpz(group.q))
        return rem == 0 and (r == 1 or bool(gmpy2.is_prime(r, 32)))
    return False


def no_small_component(group: Group, a: Element) -> bool:
    """True when ``a`` has no component in a small subgroup: (a | p) = 1 in a batchable
    ModP group, always on a prime-order curve."""
    if isinstance(group, ModPGroup):
        return bool(gmpy2.jacobi(a.raw, group.p) == 1)
    return True


def _split_multi_exp(group: Group, terms: Sequence[tuple[Element, int]]) -> Element:
    """prod base^exp with the short (weight-sized) and the long exponents in two
    multi-exponentiations."""
    short = [(b, e) for b, e in terms if e.bit_length() <= _SHORT_BITS]
    long = [(b, e) for b, e in terms if e.bit_length() > _SHORT_BITS]
    acc = group.identity()
    for part in (short, long):
        if part:
            acc = acc * group.multi_exp([b for b, _ in part], [e for _, e in part])
    return acc


class LinearBatch:
    """A weighted product of verification equations ``prod terms = g^x * K^y``.

    Callers add, for each equation multiplied by its weight, the left-hand bases with
    their (weighted) exponents and the weighted exponents of g and K on the right; the
    right-hand side is evaluated with the fixed-base tables.  :meth:`holds` evaluates the
    whole product.  Exponents are reduced mod q.
    """

    __slots__ = ("_g_exp", "_k_exp", "group", "terms")

    def __init__(self, group: Group) -> None:
        self.group = group
        self.terms: list[tuple[Element, int]] = []
        self._g_exp = 0
        self._k_exp = 0

    def left(self, base: Element, exponent: int) -> None:
        """Multiply the left-hand side by base^exponent."""
        self.terms.append((base, exponent % self.group.q))

    def right_g(self, exponent: int) -> None:
        """Multiply the right-hand side by g^exponent."""
        self._g_exp += exponent

    def right_k(self, exponent: int) -> None:
        """Multiply the right-hand side by K^exponent (K given to :meth:`holds`)."""
        self._k_exp += exponent

    def extend(self, other: LinearBatch) -> None:
        """Add another batch's equations (same group) to this one."""
        self.terms.extend(other.terms)
        self._g_exp += other._g_exp
        self._k_exp += other._k_exp

    def holds(self, key_pow: object = None) -> bool:
        """Evaluate: prod terms == g^x * K^y, K^y computed by ``key_pow`` (a callable
        int -> Element, e.g. a public key's table) when any K exponent was added."""
        group = self.group
        q = group.q
        rhs = group.exp_g(self._g_exp % q)
        if self._k_exp % q:
            if not callable(key_pow):
                raise ValueError("a batch with K terms needs key_pow")
            rhs = rhs * key_pow(self._k_exp % q)
        return _split_multi_exp(group, self.terms) == rhs


class MembershipBatch:
    """Batched check that elements lie in the order-q subgroup (module doc).

    :meth:`add` takes elements decoded *without* the subgroup check; :meth:`holds` is
    True only if, with probability >= 1 - 2^-128, every one of them is a member.  In a
    group that is not :func:`batchable` it checks each element exactly (x^q = 1)."""

    __slots__ = ("elements", "group")

    def __init__(self, group: Group) -> None:
        self.group = group
        self.elements: list[Element] = []

    def add(self, element: Element) -> None:
        self.elements.append(element)

    def holds(self) -> bool:
        group = self.group
        if not self.elements:
            return True
        if isinstance(group, ECGroup):
            return True  # decoding checked the curve equation; cofactor 1
        if not isinstance(group, ModPGroup):
            raise TypeError(f"no membership test for {type(group).__name__}")
        if not batchable(group):
            return all(gmpy2.powmod(x.raw, group.q, group.p) == 1 for x in self.elements)
        if not all(no_small_component(group, x) for x in self.elements):
            return False
        weighted = group.multi_exp(self.elements, [weight() for _ in self.elements])
        return gmpy2.powmod(weighted.raw, group.q, group.p) == 1


def is_member(group: Group, a: Element) -> bool:
    """The exact membership test of one element decoded without it: x^q = 1 in a ModP
    group, always true on a prime-order curve (decoding checked the curve equation)."""
    if isinstance(group, ModPGroup):
        return bool(gmpy2.powmod(a.raw, group.q, group.p) == 1)
    if isinstance(group, ECGroup):
        return True
    raise TypeError(f"no membership test for {type(group).__name__}")
