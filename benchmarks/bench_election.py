"""Benchmarks of whole-ballot operations, in pe (one raw 256-bit exponentiation).

A kuwu ballot: 1 contest x 5 options, vote for 1, under a joint key from a real
3-trustee, threshold-2 ceremony.  Targets at pilwu-3072: encryption with all proofs
<= 6 pe; verification <= 40 pe before batching, counting what a record reader does
(decoding every element: full membership checks for the 10 ciphertext components,
range/encoding checks for proof commitments).  Peer: electionguard-python 1.4 spends
46 powmods to encrypt and 99 to verify such a ballot.  Also: a trustee's decryption
of the 5-entry tally and the verification of 3 trustees' shares.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from pe_units import PeRunner
from pilwu_crypto.algebra.group import Group
from pilwu_crypto.algebra.groups import TEST_ONLY_GROUPS, get_group
from pilwu_crypto.election.ballot import EncryptedBallot, PlaintextBallot, encrypt_ballot, verify_ballot
from pilwu_crypto.election.context import ElectionContext
from pilwu_crypto.election.decryption import TrusteeTallyShare, decrypt_tally, trustee_decrypt
from pilwu_crypto.election.device import DeviceRegistration, VotingDevice, initial_code
from pilwu_crypto.election.setup import ElectionSetup
from pilwu_crypto.election.simulation import CeremonyOutcome, context_from_ceremony, hold_ceremony, kuwu_manifest
from pilwu_crypto.election.tally import EncryptedTally, tally_ballots
from pilwu_crypto.record.codec import encrypted_ballot_from_json, encrypted_ballot_to_json

GROUPS = ["pilwu-3072", "P-256"]
if os.environ.get("PILWU_BENCH_TEST_GROUP") == "1":
    GROUPS.append("pilwu-test-512")
TARGET_GROUP = "pilwu-3072"
CANDIDATES = ["A", "B", "C", "D", "E"]


@dataclass
class ElectionEnv:
    group: Group
    context: ElectionContext
    outcome: CeremonyOutcome
    device: VotingDevice
    registrations: dict[str, DeviceRegistration]
    ballots: list[EncryptedBallot]
    tally: EncryptedTally
    shares: list[TrusteeTallyShare]


@pytest.fixture(scope="module", params=GROUPS)
def election(request: pytest.FixtureRequest) -> Iterator[ElectionEnv]:
    group = get_group(request.param, allow_test=request.param in TEST_ONLY_GROUPS)
    manifest = kuwu_manifest(CANDIDATES)
    device = VotingDevice.generate("device-1")  # registered in the setup before the ceremony
    outcome = hold_ceremony(group, manifest, ["t1", "t2", "t3"], 2, ElectionSetup((device.registration,)))
    context = context_from_ceremony(manifest, outcome.ceremony, outcome.digests, outcome.reveals, outcome.shares)
    code = initial_code(context, device.device_id)
    ballots = []
    for i in range(50):  # also warms the fixed-base tables of g and K
        b, _ = encrypt_ballot(context, device, PlaintextBallot(f"b{i}", {"kuwu": {f"candidate-{i % 5 + 1}": 1}}),
                              code)
        ballots.append(b)
    tally = tally_ballots(group, manifest, ballots)
    shares = [trustee_decrypt(context, t, tally, ballots) for t in outcome.trustees]
    yield ElectionEnv(group, context, outcome, device, {device.device_id: device.registration}, ballots, tally,
                      shares)


def _target(group: Group, value: float) -> float | None:
    return value if group.name == TARGET_GROUP else None


def test_encrypt_ballot(pe: PeRunner, election: ElectionEnv) -> None:
    e = election
    counter = itertools.count()
    code = initial_code(e.context, e.device.device_id)

    def setup() -> tuple[tuple[object, ...], dict[str, object]]:
        i = next(counter)
        return (e.context, e.device, PlaintextBallot(f"x{i}", {"kuwu": {f"candidate-{i % 5 + 1}": 1}}), code), {}

    pe.run(e.group, "encrypt ballot 1x5 vote-for-1, all proofs, signed", encrypt_ballot, setup=setup,
           target_pe=_target(e.group, 6.0), peer="electionguard-python 1.4: 46 pe")


def _read_and_verify(e: ElectionEnv, obj: object) -> None:
    ballot = encrypted_ballot_from_json(e.group, obj, "bench")
    verify_ballot(e.context, e.registrations, ballot)


def test_verify_ballot_from_record(pe: PeRunner, election: ElectionEnv) -> None:
    e = election
    docs = [encrypted_ballot_to_json(b) for b in e.ballots]
    cycle = itertools.cycle(docs)
    pe.run(e.group, "read (membership checks) + verify ballot 1x5", _read_and_verify,
           setup=lambda: ((e, next(cycle)), {}), target_pe=_target(e.group, 40.0),
           peer="electionguard-python 1.4: 99 pe", budget_s=2.0)


def test_trustee_decrypts_tally(pe: PeRunner, election: ElectionEnv) -> None:
    e = election
    trustee = e.outcome.trustees[0]
    pe.run(e.group, "one trustee decrypts the 5-entry tally (recomputed from 50 ballots)", trustee_decrypt,
           setup=lambda: ((e.context, trustee, e.tally, e.ballots), {}), min_rounds=3, budget_s=2.0)


def test_verify_and_combine_tally(pe: PeRunner, election: ElectionEnv) -> None:
    e = election
    vkeys = e.outcome.trustees[0].verification_keys
    pe.run(e.group, "verify 3 trustees' shares + combine + dlog (5 entries)", decrypt_tally,
           setup=lambda: ((e.context, e.tally, e.shares, vkeys), {}), min_rounds=3, budget_s=2.0)
