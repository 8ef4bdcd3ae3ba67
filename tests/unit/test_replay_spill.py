"""SpillingReplayGuard (verify/replay.py) gives exactly ReplayGuard's verdicts and messages,
whatever the spill size (flat memory for the duplicate check)."""

from __future__ import annotations

import dataclasses
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.election.ballot import EncryptedBallot, ReplayGuard
from pilwu_crypto.election.simulation import kuwu_manifest, simulate_election
from pilwu_crypto.errors import InvalidBallot
from pilwu_crypto.verify.replay import SpillingReplayGuard


@pytest.fixture(scope="module")
def pool() -> list[EncryptedBallot]:
    group = get_group("pilwu-test-512", allow_test=True)
    sim = simulate_election(group, kuwu_manifest(["A", "B", "C"]), voters=8, challenged=0, rng=random.Random(2))
    return list(sim.cast)


def reference(ballots: list[EncryptedBallot]) -> list[tuple[str, str]]:
    guard = ReplayGuard()
    out = []
    for i, b in enumerate(ballots):
        try:
            guard.add(b)
        except InvalidBallot as exc:
            out.append((f"line {i}", str(exc)))
    return out


def spilled(ballots: list[EncryptedBallot], spill: int) -> list[tuple[str, str]]:
    with SpillingReplayGuard(spill_records=spill) as guard:
        for i, b in enumerate(ballots):
            guard.add(b, f"line {i}")
        return guard.finish()


def mutate(pool: list[EncryptedBallot], ops: list[tuple[int, int, int]]) -> list[EncryptedBallot]:
    """A sequence of ballots built from the pool: originals, verbatim copies, copies under a
    new id, and ballots whose option ciphertexts are swapped with another ballot's."""
    out: list[EncryptedBallot] = []
    for k, (kind, a, b) in enumerate(ops):
        x, y = pool[a % len(pool)], pool[b % len(pool)]
        if kind == 0:
            out.append(x)
        elif kind == 1:
            out.append(dataclasses.replace(x, ballot_id=f"copy-{k}"))
        elif kind == 2:
            c = x.contests[0]
            opts = (dataclasses.replace(c.options[0], ciphertext=y.contests[0].options[1].ciphertext), *c.options[1:])
            out.append(dataclasses.replace(x, ballot_id=f"mix-{k}", contests=(dataclasses.replace(c, options=opts),)))
        else:  # an option repeated inside one ballot
            c = x.contests[0]
            opts = (c.options[0], c.options[0], *c.options[2:])
            out.append(dataclasses.replace(x, ballot_id=f"self-{k}", contests=(dataclasses.replace(c, options=opts),)))
    return out


def test_honest_ballots_have_no_failures(pool: list[EncryptedBallot]) -> None:
    assert spilled(pool, 7) == [] == reference(pool)


def test_known_cases_match(pool: list[EncryptedBallot]) -> None:
    ballots = mutate(pool, [(0, 0, 0), (0, 1, 0), (0, 0, 0), (1, 1, 0), (2, 2, 3), (0, 3, 0), (3, 4, 0), (0, 4, 0)])
    expected = reference(ballots)
    assert len(expected) >= 4
    for spill in (1, 5, 1000):
        assert spilled(ballots, spill) == expected


@settings(max_examples=40, deadline=None)
@given(ops=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 7), st.integers(0, 7)), max_size=14),
       spill=st.integers(1, 60))
def test_same_verdicts_as_replay_guard(pool: list[EncryptedBallot], ops: list[tuple[int, int, int]],
                                       spill: int) -> None:
    ballots = mutate(pool, ops)
    assert spilled(ballots, spill) == reference(ballots)
