"""Batch verification (algebra/batch.py, election/batchverify.py): an honest list passes in
one batch, and every tampered ballot in a list is named with exactly the message single
verification gives, nothing else (Bellare–Garay–Rabin, Boyd–Pavlovski)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import gmpy2
import pytest

from pilwu_crypto.algebra.batch import LinearBatch, MembershipBatch, batchable, is_member, weight
from pilwu_crypto.algebra.group import Element, Group
from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.algebra.modp import ModPGroup
from pilwu_crypto.election.ballot import (
    ChallengedBallot,
    EncryptedBallot,
    PlaintextBallot,
    challenge_ballot,
    encrypt_ballot,
    seal_ballot,
    verify_ballot,
)
from pilwu_crypto.election.batchverify import non_members, verify_ballots
from pilwu_crypto.election.context import ElectionContext
from pilwu_crypto.election.device import DeviceRegistration
from pilwu_crypto.election.simulation import kuwu_manifest
from pilwu_crypto.errors import PilwuError
from tests.unit.test_ballot import Env, make_env
from tests.unit.test_write_ins import WRITE_IN


@dataclass
class Signed:
    """Ballots of one device whose key the test holds, so tampered ballots are re-signed
    (their envelope verifies and only the proofs are wrong: the batch path is exercised)."""

    env: Env
    cast: list[EncryptedBallot]
    challenged: list[ChallengedBallot]

    @property
    def context(self) -> ElectionContext:
        return self.env.ctx


@pytest.fixture(scope="module")
def sim(group: Group) -> Signed:
    manifest = WRITE_IN if group.name == "P-256" else kuwu_manifest(["A", "B", "C"])
    env = make_env(group, manifest)
    contest = manifest.contests[0]
    cast, challenged = [], []
    for i in range(14):
        choice = {contest.contest_id: {contest.options[i % len(contest.options)].option_id: 1}}
        ballot, secrets = encrypt_ballot(env.ctx, env.device, PlaintextBallot(f"b-{i}", choice), env.code0)
        if i < 12:
            cast.append(ballot)
        else:
            challenged.append(challenge_ballot(ballot, secrets))
    return Signed(env, cast, challenged)


def regs(sim: Signed) -> dict[str, DeviceRegistration]:
    return sim.env.regs


def single(sim: Signed, ballot: EncryptedBallot) -> str | None:
    try:
        verify_ballot(sim.context, regs(sim), ballot)
    except PilwuError as exc:
        return str(exc)
    return None


def with_branch(sim: Signed, ballot: EncryptedBallot, option: int, change: dict[str, object]) -> EncryptedBallot:
    """The ballot with branch 0 of one option's proof changed, re-signed by its device."""
    c0 = ballot.contests[0]
    o = c0.options[option]
    br = dataclasses.replace(o.proof.branches[0], **change)  # type: ignore[arg-type]
    o2 = dataclasses.replace(o, proof=dataclasses.replace(o.proof, branches=(br, *o.proof.branches[1:])))
    options = tuple(o2 if i == option else x for i, x in enumerate(c0.options))
    contests = (dataclasses.replace(c0, options=options), *ballot.contests[1:])
    return seal_ballot(sim.context, sim.env.device, ballot.ballot_id, contests, ballot.previous_code)


def test_groups_in_use_are_batchable() -> None:
    for name in ("pilwu-3072", "electionguard-4096", "pilwu-test-512", "P-256", "P-384"):
        assert batchable(get_group(name, allow_test=True))


def test_composite_cofactor_group_is_not_batchable() -> None:
    """p = 2qr' with r' = 3·(prime): a subgroup of order 3 exists, so no small-exponent test."""
    q = get_group("pilwu-test-512", allow_test=True).q
    k = 6
    while not gmpy2.is_prime(k * q + 1):
        k += 6
    p = k * q + 1
    g = pow(2, (p - 1) // q, p)
    assert not batchable(ModPGroup("composite-cofactor", p, q, g))


def test_honest_ballots_pass_in_one_batch(sim: Signed) -> None:
    items: list[EncryptedBallot | ChallengedBallot] = [*sim.cast, *sim.challenged]
    assert verify_ballots(sim.context, regs(sim), items) == [None] * len(items)


@pytest.mark.parametrize("tamper", ["v", "c", "a-negated", "b-moved", "signature"])
def test_each_tampered_ballot_is_named_exactly(sim: Signed, tamper: str) -> None:
    group = sim.context.group
    items = list(sim.cast)
    victims = [2, 7]
    for i in victims:
        b = items[i]
        br = b.contests[0].options[1].proof.branches[0]
        if tamper == "v":
            items[i] = with_branch(sim, b, 1, {"v": group.scalar((br.v.value + 1) % group.q)})
        elif tamper == "c":
            items[i] = with_branch(sim, b, 1, {"c": group.scalar((br.c.value + 1) % group.q)})
        elif tamper == "a-negated" and isinstance(group, ModPGroup):
            minus = Element(group, group.p - br.a.raw)  # -a: order-2 component (Boyd–Pavlovski)
            items[i] = with_branch(sim, b, 1, {"a": minus})
        elif tamper == "b-moved":
            items[i] = with_branch(sim, b, 1, {"b": br.b * group.generator()})
        else:
            items[i] = dataclasses.replace(b, signature=bytes(64))
    results = verify_ballots(sim.context, regs(sim), items)
    expected = [single(sim, b) for b in items]
    assert [None if r is None else str(r) for r in results] == expected
    if tamper != "a-negated" or isinstance(group, ModPGroup):
        assert [i for i, e in enumerate(expected) if e] == victims


def test_two_wrong_equations_that_cancel_are_caught(sim: Signed) -> None:
    """Shifting one branch's v by +1 and another ballot's by -1 keeps a plain (unweighted)
    product equal; the random weights do not."""
    group = sim.context.group
    items = list(sim.cast)
    for i, delta in ((0, 1), (1, -1)):
        br = items[i].contests[0].options[0].proof.branches[0]
        items[i] = with_branch(sim, items[i], 0, {"v": group.scalar((br.v.value + delta) % group.q)})
    results = verify_ballots(sim.context, regs(sim), items)
    assert [i for i, r in enumerate(results) if r] == [0, 1]
    assert all("range branch 0: g^v != a * alpha^c" in str(results[i]) for i in (0, 1))


def test_linear_batch_rejects_false_equation_and_accepts_true(group: Group) -> None:
    g = group.generator()
    x = group.random_scalar()
    ok = LinearBatch(group)
    w = weight()
    ok.left(group.exp_g(x), w)
    ok.right_g(w * x.value)
    assert ok.holds()
    bad = LinearBatch(group)
    bad.left(group.exp_g(x) * g, w)
    bad.right_g(w * x.value)
    assert not bad.holds()


def test_membership_batch_catches_every_kind_of_non_member() -> None:
    group = get_group("pilwu-test-512", allow_test=True)
    assert isinstance(group, ModPGroup)
    p, q = int(group.p), group.q
    members = [group.exp_g(k) for k in range(2, 12)]
    minus = Element(group, p - members[0].raw)  # order-2 component: Legendre symbol -1
    r_elem = Element(group, pow(3, 2 * q, p))  # an element of order dividing r: Legendre 1, not a member
    assert not is_member(group, r_elem) and gmpy2.jacobi(r_elem.raw, p) == 1
    for bad in (minus, r_elem, Element(group, (members[1].raw * r_elem.raw) % p)):
        batch = MembershipBatch(group)
        for m in [*members, bad]:
            batch.add(m)
        assert not batch.holds()
    honest = MembershipBatch(group)
    for m in members:
        honest.add(m)
    assert honest.holds()
    rows = [[m] for m in members]
    rows[3] = [members[3], r_elem]
    rows[7] = [minus]
    assert non_members(group, rows) == [3, 7]


def test_safe_prime_group_validates_and_is_batchable() -> None:
    """p = 2q + 1 (r = 1): validate() accepts it and the batch is sound (only {1, -1})."""
    q = gmpy2.next_prime(2**255 + 12345)
    while not gmpy2.is_prime(2 * q + 1):
        q = gmpy2.next_prime(q)
    group = ModPGroup("safe-prime", int(2 * q + 1), int(q), 4)
    group.validate()
    assert batchable(group)


def test_decryption_share_batch_and_exact_fallback() -> None:
    """Trustee shares of a tally: the batch accepts honest proofs and refuses one with a
    negated commitment (order-2 component) or a wrong partial; the exact check then names it."""
    from pilwu_crypto.election.decryption import entry_transcript
    from pilwu_crypto.election.simulation import simulate_election
    from pilwu_crypto.threshold import decryption as tdec

    group = get_group("pilwu-test-512", allow_test=True)
    assert isinstance(group, ModPGroup)
    sim = simulate_election(group, kuwu_manifest(["A", "B"]), voters=4, challenged=0, absent=0)
    assert sim.tally is not None
    tally = sim.tally
    share = sim.tally_shares[0]
    key = sim.verification_keys[share.trustee_index]
    entries = list(tally.entries())

    def items(partials: Sequence[Element], proofs: Sequence[Any]) -> list[Any]:
        return [(entry_transcript(sim.context, tally, cid, oid), share.trustee_index, key, ct, m, pr)
                for (cid, oid, ct), m, pr in zip(entries, partials, proofs, strict=True)]

    assert tdec.decryption_shares_hold(group, items(share.partials, share.proofs))
    negated = dataclasses.replace(share.proofs[1], a=Element(group, group.p - share.proofs[1].a.raw))
    proofs = [negated if k == 1 else p for k, p in enumerate(share.proofs)]
    assert not tdec.decryption_shares_hold(group, items(share.partials, proofs))
    partials = [m * group.generator() if k == 0 else m for k, m in enumerate(share.partials)]
    assert not tdec.decryption_shares_hold(group, items(partials, share.proofs))
