"""Shared Hypothesis strategies for the pilwu_crypto test suite.

Keep this module small and generic: strategies that several test modules need, built only
from the public Group API (no protocol knowledge).
"""

from __future__ import annotations

from hypothesis import strategies as st

from pilwu_crypto.algebra.group import Element, Group, Scalar


def exponents(bits: int) -> st.SearchStrategy[int]:
    """Integers in [0, 2^bits), with the edges 0, 1, 2, 2^bits - 1 drawn often."""
    top = (1 << bits) - 1
    return st.one_of(st.sampled_from(sorted({0, 1, min(2, top), top})), st.integers(0, top))


def residues(modulus: int) -> st.SearchStrategy[int]:
    """Integers in [1, modulus), with 1 and modulus - 1 drawn often."""
    return st.one_of(st.sampled_from([1, modulus - 1]), st.integers(1, modulus - 1))


def scalar_values(group: Group) -> st.SearchStrategy[int]:
    """Integers in [0, q), with 0, 1 and q - 1 drawn often."""
    return st.one_of(st.sampled_from([0, 1, group.q - 1]), st.integers(0, group.q - 1))


def scalars(group: Group) -> st.SearchStrategy[Scalar]:
    """Scalars of ``group``."""
    return scalar_values(group).map(group.scalar)


def elements(group: Group) -> st.SearchStrategy[Element]:
    """Elements g^k of ``group`` (k uniform-ish in [0, q), identity included)."""
    g = group.generator()
    return scalar_values(group).map(lambda k: group.exp(g, k))
