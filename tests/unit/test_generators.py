"""Independent generators: deterministic, distinct, and checked against the seed (A4)."""

from __future__ import annotations

import pytest

from pilwu_crypto.algebra.generators import check_generators, independent_generators
from pilwu_crypto.algebra.group import Group
from pilwu_crypto.errors import InvalidParameters, OutOfRange


def test_deterministic_and_distinct(group: Group) -> None:
    a = independent_generators(group, b"seed", 12)
    assert a == independent_generators(group, b"seed", 12)
    assert len({h.to_bytes() for h in a}) == 12
    assert group.generator() not in a
    assert all(not group.is_identity(h) for h in a)
    assert independent_generators(group, b"seed", 5) == a[:5]
    assert independent_generators(group, b"seed2", 5) != a[:5]
    # every generator is a valid, re-decodable element
    for h in a:
        assert group.decode_element(h.to_bytes()) == h


def test_a4_generators_with_known_relation_rejected(group: Group) -> None:
    # Swiss Post 2019: commitment generators chosen by the prover (here h_1 = h_0^2,
    # a known relation) must be rejected by the verifier, which re-derives them.
    good = independent_generators(group, b"election", 3)
    check_generators(group, b"election", good)
    trapdoored = [good[0], good[0] ** 2, good[2]]
    with pytest.raises(InvalidParameters, match="generator 1"):
        check_generators(group, b"election", trapdoored)
    with pytest.raises(InvalidParameters):
        check_generators(group, b"other election", good)


def test_count_bounds(group: Group) -> None:
    assert independent_generators(group, b"s", 0) == []
    with pytest.raises(OutOfRange):
        independent_generators(group, b"s", -1)
