"""The "pe" unit: one raw exponentiation with a 256-bit exponent in a given group.

Figures on a shared machine move by ±20–40 % between runs, so every benchmark row is
expressed as a multiple of the group's own raw exponentiation measured *in the same run*
(docs/performance.md, benchmarks/pe_units.py).  This module holds
that reference operation and the raw group operation ("mulmod") for the two kinds of
group pilwu_crypto has:

- modp (:class:`~pilwu_crypto.algebra.modp.ModPGroup`): ``gmpy2.powmod(x, e, p)`` for x in
  the order-q subgroup and e a 256-bit exponent; mulmod = ``a * b % p`` on mpz;
- curves (:class:`~pilwu_crypto.algebra.ec.ECGroup`): pycryptodome ``P * k`` for a random
  point and a public 256-bit scalar; mulmod = ``P + Q``.

The benchmarks/ suite (pytest-benchmark) defines the same unit in benchmarks/pe_units.py;
this copy has no pytest dependency so that ``pilwu bench`` runs from an installed package.
"""

from __future__ import annotations

import secrets
import time
from abc import ABC, abstractmethod
from typing import Any

import gmpy2
from gmpy2 import mpz

from pilwu_crypto.algebra.ec import ECGroup
from pilwu_crypto.algebra.group import Group
from pilwu_crypto.algebra.modp import ModPGroup

POOL = 64
"""Distinct (base, exponent) pairs cycled through, so no cache sees one input twice in a row."""
MULMOD_SAMPLE = 64
"""Raw group operations per pass over the operand pairs."""
EXPONENT_BITS = 256
"""The unit's exponent length (the order of pilwu's groups has 256 bits)."""


def unit_exponents(q: int, n: int) -> list[int]:
    """n random exponents of exactly EXPONENT_BITS bits, below q when q is that short."""
    hi = min(q, 1 << EXPONENT_BITS)
    lo = 1 << (min(q.bit_length(), EXPONENT_BITS) - 1)
    return [lo + secrets.randbelow(hi - lo) for _ in range(n)]


class Reference(ABC):
    """The raw operations of one group that define its pe and mulmod units."""

    group: Group
    kind: str
    """What one pe is, in words (written into the JSON report)."""

    @abstractmethod
    def pe_batch(self, n: int) -> None:
        """n raw exponentiations (inputs cycled through the pool), untimed here."""

    @abstractmethod
    def mulmod_batch(self, rounds: int) -> None:
        """rounds * MULMOD_SAMPLE raw group operations."""

    def time_pe(self, n: int) -> float:
        """Seconds per raw exponentiation over a tight loop of n."""
        t0 = time.perf_counter()
        self.pe_batch(n)
        return (time.perf_counter() - t0) / n

    def calibrate(self, target_s: float) -> int:
        """A batch size whose loop of raw exponentiations lasts about ``target_s``."""
        self.pe_batch(2)  # warm-up
        n = 1
        while True:
            per = self.time_pe(n)
            if per * n >= target_s / 4:
                return max(1, round(target_s / per))
            n *= 2


class ModPReference(Reference):
    """pe = gmpy2.powmod(x in the subgroup, 256-bit e, p); mulmod = a * b % p (mpz)."""

    def __init__(self, group: ModPGroup) -> None:
        self.group = group
        self.kind = "gmpy2.powmod(x in subgroup, 256-bit exponent, p)"
        p = mpz(group.p)
        g = mpz(group.generator().raw)
        self._p = p
        self._bases = [gmpy2.powmod(g, 1 + secrets.randbelow(group.q - 1), p) for _ in range(POOL)]
        self._exps = [mpz(e) for e in unit_exponents(group.q, POOL)]
        self._pairs = [(self._bases[i], self._bases[(i + 1) % POOL]) for i in range(MULMOD_SAMPLE)]

    def pe_batch(self, n: int) -> None:
        bases, exps, p, powmod = self._bases, self._exps, self._p, gmpy2.powmod
        for i in range(n):
            powmod(bases[i % POOL], exps[i % POOL], p)

    def mulmod_batch(self, rounds: int) -> None:
        pairs, p = self._pairs, self._p
        for _ in range(rounds):
            for a, b in pairs:
                a * b % p


class ECReference(Reference):
    """pe = P * k (pycryptodome, random point, public 256-bit k); mulmod = P + Q."""

    def __init__(self, group: ECGroup) -> None:
        from Crypto.Math.Numbers import Integer

        self.group = group
        self.kind = "pycryptodome EccPoint * Integer(k, public=True), random point, 256-bit k < n"
        try:
            Integer(1, public=True)  # pycryptodome >= 4 only
            scalars: list[Any] = [Integer(k, public=True) for k in unit_exponents(group.q, POOL)]
        except TypeError:  # pycryptodome 3.x has no public flag: plain ints
            self.kind = "pycryptodome EccPoint * int (3.x: no public-scalar path)"
            scalars = list(unit_exponents(group.q, POOL))
        self._points = [group.exp_g(1 + secrets.randbelow(group.q - 1)).raw for _ in range(POOL)]
        self._scalars = scalars
        self._pairs = [(self._points[i], self._points[(i + 1) % POOL]) for i in range(MULMOD_SAMPLE)]

    def pe_batch(self, n: int) -> None:
        points, scalars = self._points, self._scalars
        for i in range(n):
            points[i % POOL] * scalars[i % POOL]

    def mulmod_batch(self, rounds: int) -> None:
        pairs = self._pairs
        for _ in range(rounds):
            for a, b in pairs:
                a + b


def make_reference(group: Group) -> Reference:
    """The pe reference of a modp group or a curve; TypeError for any other kind."""
    if isinstance(group, ModPGroup):
        return ModPReference(group)
    if isinstance(group, ECGroup):
        return ECReference(group)
    raise TypeError(f"no pe reference for {group!r}")


__all__ = ["EXPONENT_BITS", "MULMOD_SAMPLE", "ECReference", "ModPReference", "Reference", "make_reference",
           "unit_exponents"]
