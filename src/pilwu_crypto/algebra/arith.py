"""gmpy2 arithmetic core: fixed-base tables, simultaneous multi-exponentiation, products.

Pure modular arithmetic on ``gmpy2.mpz`` with public exponents; no knowledge of groups,
elections or encodings.  None of these paths is constant time (table lookups and bucket
choices are indexed by exponent digits): secret long-term exponents must go through
``gmpy2.powmod_sec`` instead (see Group.exp_secret).

Methods (measured costs in docs/performance.md):
- FixedBaseTable: BGMW-style window table T[i][j] = b^(j * 2^(w*i)); one exponentiation
  is at most ceil(bits/w) - 1 multiplications and no squarings.
- straus: interleaved windows over all bases (few bases).
- pippenger: bucket method (many bases), window c ~ log2(n) - 2.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import gmpy2
from gmpy2 import mpz


class FixedBaseTable:
    """Precomputed powers of one base modulo ``modulus`` for exponents below 2^exp_bits.

    Memory: ceil(exp_bits / window) * (2^window - 1) residues (w=8, 256 bits, 3072-bit p:
    about 3.4 MB).  Exponents are public to this object (not constant time).
    """

    __slots__ = ("_mask", "_rows", "base", "exp_bits", "modulus", "window")

    def __init__(self, base: mpz, modulus: mpz, exp_bits: int, window: int = 8) -> None:
        if window < 1 or window > 16:
            raise ValueError("window must be in [1, 16]")
        self.base = mpz(base)
        self.modulus = mpz(modulus)
        self.window = window
        self.exp_bits = exp_bits
        self._mask = (1 << window) - 1
        rows: list[list[mpz]] = []
        p = self.modulus
        x = self.base % p
        for _ in range(-(-exp_bits // window)):
            row = [mpz(1), x]
            acc = x
            for _ in range(2, 1 << window):
                acc = acc * x % p
                row.append(acc)
            rows.append(row)
            x = acc * x % p  # x^(2^w)
        self._rows = rows

    def pow(self, exponent: int) -> mpz:
        """base^exponent mod modulus for 0 <= exponent < 2^exp_bits."""
        e = int(exponent)
        if e < 0 or e.bit_length() > self.exp_bits:
            raise ValueError("exponent out of the table's range")
        p = self.modulus
        w = self.window
        mask = self._mask
        result: mpz | None = None
        for row in self._rows:
            d = e & mask
            if d:
                result = row[d] if result is None else result * row[d] % p
            e >>= w
            if not e:
                break
        return mpz(1) if result is None else result


def _straus_window(max_bits: int) -> int:
    return 3 if max_bits <= 160 else 4


def straus(bases: Sequence[mpz], exponents: Sequence[int], modulus: mpz) -> mpz:
    """prod bases[i]^exponents[i] mod modulus by interleaved fixed windows (Straus/Shamir)."""
    p = modulus
    exps = [int(e) for e in exponents]
    max_bits = max((e.bit_length() for e in exps), default=0)
    if max_bits == 0:
        return mpz(1)
    w = _straus_window(max_bits)
    mask = (1 << w) - 1
    tables: list[list[mpz]] = []
    for b in bases:
        t = [mpz(1), mpz(b)]
        for _ in range(2, 1 << w):
            t.append(t[-1] * b % p)
        tables.append(t)
    acc = mpz(1)
    for shift in range(((max_bits + w - 1) // w - 1) * w, -1, -w):
        if shift != ((max_bits + w - 1) // w - 1) * w:
            for _ in range(w):  # Python-level squarings beat powmod(acc, 2^w) here (anchors §1)
                acc = acc * acc % p
        for t, e in zip(tables, exps, strict=True):
            d = (e >> shift) & mask
            if d:
                acc = acc * t[d] % p
    return acc


def pippenger_window(n: int) -> int:
    """Bucket width c for n bases: about log2(n) - 2, at least 2 (anchors §3)."""
    return max(2, n.bit_length() - 2)


def pippenger(bases: Sequence[mpz], exponents: Sequence[int], modulus: mpz, c: int | None = None) -> mpz:
    """prod bases[i]^exponents[i] mod modulus by the bucket method (Pippenger)."""
    p = modulus
    exps = [int(e) for e in exponents]
    n = len(exps)
    max_bits = max((e.bit_length() for e in exps), default=0)
    if max_bits == 0:
        return mpz(1)
    if c is None:
        c = pippenger_window(n)
    mask = (1 << c) - 1
    windows = (max_bits + c - 1) // c
    result = mpz(1)
    for wi in range(windows - 1, -1, -1):
        if wi != windows - 1:
            for _ in range(c):
                result = result * result % p
        shift = wi * c
        buckets: list[mpz | None] = [None] * (mask + 1)
        for b, e in zip(bases, exps, strict=True):
            d = (e >> shift) & mask
            if d:
                cur = buckets[d]
                buckets[d] = b if cur is None else cur * b % p
        # sum_{d} d * bucket[d] via running products from the top bucket down
        running: mpz | None = None
        window_acc: mpz | None = None
        for d in range(mask, 0, -1):
            bd = buckets[d]
            if bd is not None:
                running = bd if running is None else running * bd % p
            if running is not None:
                window_acc = running if window_acc is None else window_acc * running % p
        if window_acc is not None:
            result = result * window_acc % p
    return result


STRAUS_MAX_BASES = 32


def multi_exp(bases: Sequence[mpz], exponents: Sequence[int], modulus: mpz) -> mpz:
    """prod bases[i]^exponents[i] mod modulus (non-negative public exponents).

    Straus for up to STRAUS_MAX_BASES bases, Pippenger beyond (crossover measured in
    docs/performance.md §3).
    """
    if len(bases) != len(exponents):
        raise ValueError("bases and exponents differ in length")
    if not bases:
        return mpz(1)
    if len(bases) == 1:
        return gmpy2.powmod(bases[0], int(exponents[0]), modulus)
    if len(bases) <= STRAUS_MAX_BASES:
        return straus(bases, exponents, modulus)
    return pippenger(bases, exponents, modulus)


def product(values: Iterable[mpz], modulus: mpz) -> mpz:
    """prod values mod modulus (one multiplication and reduction per value)."""
    acc = mpz(1)
    for v in values:
        acc = acc * v % modulus
    return acc
