"""Whole elections through the library: ceremony, voting, tally, threshold decryption."""

from __future__ import annotations

import random

import pytest

from pilwu_crypto.algebra.group import Group
from pilwu_crypto.election.ballot import verify_ballot, verify_challenged
from pilwu_crypto.election.decryption import TrusteeTallyShare, decrypt_tally, trustee_decrypt
from pilwu_crypto.election.device import verify_chain
from pilwu_crypto.election.manifest import Contest, Manifest, Option
from pilwu_crypto.election.simulation import kuwu_manifest, simulate_election
from pilwu_crypto.election.tally import tally_ballots
from pilwu_crypto.errors import DecryptionError, NotEnoughShares

CANDIDATES = ["Ki Ahmad", "Nyi Siti", "Ki Darma"]


@pytest.mark.parametrize("n, t, absent", [(3, 2, 1), (3, 3, 0), (1, 1, 0), (4, 1, 3), (5, 3, 2)])
def test_whole_election(group: Group, n: int, t: int, absent: int) -> None:
    sim = simulate_election(group, kuwu_manifest(CANDIDATES), trustees=n, threshold=t, absent=absent,
                            voters=9, challenged=2, devices=2, rng=random.Random(7))
    assert sim.result is not None
    for (cid, oid), expected in sim.expected.items():
        assert sim.result.count(cid, oid) == expected
    assert sum(sim.expected.values()) == 9
    assert len(sim.result.used_trustees) == t
    assert not sim.result.rejected
    regs = {r.device_id: r for r in sim.devices}
    for b in sim.cast:
        verify_ballot(sim.context, regs, b)
    for c in sim.challenged:
        verify_challenged(sim.context, regs, c)
    by_id = {b.ballot_id: b for b in sim.cast} | {c.ballot.ballot_id: c.ballot for c in sim.challenged}
    for closing in sim.closings:
        verify_chain(sim.context, regs[closing.device_id],
                     [by_id[i] for i in sim.chain_order[closing.device_id]], closing,
                     challenged_ids={c.ballot.ballot_id for c in sim.challenged})


def test_multi_contest_cumulative_election(group: Group) -> None:
    manifest = Manifest("desa-2026", "Desa 2026", (
        Contest("kuwu", "Kuwu", tuple(Option(f"k{i}", f"K {i}") for i in range(3)), 1, 1),
        Contest("bpd", "BPD", tuple(Option(f"b{i}", f"B {i}") for i in range(4)), 2, 1),
    ))
    sim = simulate_election(group, manifest, trustees=3, threshold=2, absent=1, voters=6, challenged=1,
                            devices=1, rng=random.Random(3))
    assert sim.result is not None
    for (cid, oid), expected in sim.expected.items():
        assert sim.result.count(cid, oid) == expected


def test_decryption_without_enough_trustees_and_with_a_cheat(group: Group) -> None:
    sim = simulate_election(group, kuwu_manifest(CANDIDATES), trustees=3, threshold=2, absent=0,
                            voters=4, challenged=0, devices=1, rng=random.Random(1))
    assert sim.tally is not None
    one = sim.tally_shares[:1]
    with pytest.raises(NotEnoughShares, match="1 valid tally shares, 2 needed"):
        decrypt_tally(sim.context, sim.tally, one, sim.verification_keys)
    # a trustee publishing a wrong partial is named and dropped; the other two suffice
    bad = sim.tally_shares[0]
    g = group.generator()
    cheat = TrusteeTallyShare(bad.trustee_id, bad.trustee_index, (bad.partials[0] * g, *bad.partials[1:]),
                              bad.proofs)
    result = decrypt_tally(sim.context, sim.tally, [cheat, *sim.tally_shares[1:]], sim.verification_keys)
    assert bad.trustee_index in result.rejected
    assert bad.trustee_id in result.rejected[bad.trustee_index]
    for (cid, oid), expected in sim.expected.items():
        assert result.count(cid, oid) == expected


def test_a11_trustee_refuses_subset_aggregate(group: Group) -> None:
    # Helios #170: an administrator asks trustees to decrypt the tally of a single voter.
    sim = simulate_election(group, kuwu_manifest(CANDIDATES), trustees=2, threshold=2, absent=0,
                            voters=3, challenged=0, devices=1, rng=random.Random(2))
    subset = tally_ballots(group, sim.context.manifest, sim.cast[:1])
    with pytest.raises(DecryptionError, match="A11"):
        trustee_decrypt(sim.context, sim.ceremony.trustees[0], subset, sim.cast)


def test_tally_share_under_another_trustees_name_rejected(group: Group) -> None:
    sim = simulate_election(group, kuwu_manifest(CANDIDATES), trustees=3, threshold=2, absent=0,
                            voters=2, challenged=0, devices=1, rng=random.Random(4))
    assert sim.tally is not None
    s0 = sim.tally_shares[0]
    renamed = TrusteeTallyShare("trustee-3", s0.trustee_index, s0.partials, s0.proofs)
    result = decrypt_tally(sim.context, sim.tally, [renamed, *sim.tally_shares[1:]], sim.verification_keys)
    assert s0.trustee_index in result.rejected and "trustee-1" in result.rejected[s0.trustee_index]
