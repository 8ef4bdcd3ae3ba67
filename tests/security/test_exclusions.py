"""One faulty device cannot block an honest result (docs/record-format.md §5.11, exclusions).

A cast ballot that its own device signed (registered in the setup, code recomputed, signature
valid) and whose chain verifies, but that fails a proof, is excluded from the tally and the
mix, and the report names the device.  A ballot whose bytes were changed by anyone else is
never excluded: the record is not valid.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import pytest

from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.election.ballot import EncryptedBallot, PlaintextBallot, encrypt_ballot, seal_ballot
from pilwu_crypto.election.context import ElectionContext
from pilwu_crypto.election.decryption import decrypt_tally, trustee_decrypt
from pilwu_crypto.election.device import VotingDevice, initial_code
from pilwu_crypto.election.setup import ElectionSetup
from pilwu_crypto.election.simulation import context_from_ceremony, hold_ceremony, kuwu_manifest
from pilwu_crypto.election.tally import tally_ballots
from pilwu_crypto.record import codec
from pilwu_crypto.record.io import RecordWriter
from pilwu_crypto.verify.checks import verify_record

BAD = "tps-1-0002"


def _swap_option_proofs(ctx: ElectionContext, device: VotingDevice, ballot: EncryptedBallot) -> EncryptedBallot:
    """The device signs a ballot whose two option proofs are swapped (each is bound to its
    option: both fail), chained and signed like any other."""
    contest = ballot.contests[0]
    first, second = contest.options[0], contest.options[1]
    options = (dataclasses.replace(first, proof=second.proof), dataclasses.replace(second, proof=first.proof),
               *contest.options[2:])
    contests = (dataclasses.replace(contest, options=options), *ballot.contests[1:])
    return seal_ballot(ctx, device, ballot.ballot_id, contests, ballot.previous_code)


def _election(root: Path, *, count_the_bad_ballot: bool = False) -> None:
    group = get_group("pilwu-test-512", allow_test=True)
    manifest = kuwu_manifest(["A", "B"])
    devices = [VotingDevice.generate("tps-1"), VotingDevice.generate("tps-2")]
    setup = ElectionSetup(tuple(d.registration for d in devices))
    outcome = hold_ceremony(group, manifest, ["trustee-1", "trustee-2"], 2, setup)
    ctx = context_from_ceremony(manifest, outcome.ceremony, outcome.digests, outcome.reveals, outcome.shares)
    chains: dict[str, list[EncryptedBallot]] = {}
    closings = []
    counted = []
    for device in devices:
        code = initial_code(ctx, device.device_id)
        chain = []
        for i in range(1, 4):
            bid = f"{device.device_id}-{i:04d}"
            ballot, _ = encrypt_ballot(ctx, device, PlaintextBallot(bid, {"kuwu": {"candidate-1": 1}}), code)
            if bid == BAD:
                ballot = _swap_option_proofs(ctx, device, ballot)
            if bid != BAD or count_the_bad_ballot:
                counted.append(ballot)
            code = ballot.confirmation_code
            chain.append(ballot)
        closings.append(device.close(ctx, code, len(chain)))
        chains[device.device_id] = chain
    tally = tally_ballots(group, manifest, counted)
    shares = [trustee_decrypt(ctx, t, tally, counted) for t in outcome.trustees]
    result = decrypt_tally(ctx, tally, shares, outcome.trustees[0].verification_keys)
    writer = RecordWriter(root)
    writer.write_parameters(group)
    writer.write_manifest(manifest)
    writer.write_setup(setup)
    writer.write_ceremony(outcome.ceremony, outcome.digests, outcome.reveals, outcome.shares)
    writer.write_context(ctx, outcome.trustees[0].verification_keys)
    writer.write_devices(closings)
    for did, chain in chains.items():
        with writer.ballot_stream(did) as stream:
            for ballot in chain:
                stream.write_cast(ballot)
    writer.write_tally(tally)
    for share in shares:
        writer.write_tally_shares(share)
    writer.write_result(result, [])
    writer.finish()


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("exclusions") / "record"
    _election(root)
    return root


def _reseal(root: Path) -> None:
    index = json.loads((root / "index.json").read_bytes())
    for entry in index["files"]:
        data = (root / entry["path"]).read_bytes()
        entry["sha256"], entry["size"] = hashlib.sha256(data).hexdigest(), len(data)
    (root / "index.json").write_bytes(codec.dumps_canonical(index))


def test_a_ballot_signed_invalid_by_its_device_is_excluded_and_named(faulty: Path) -> None:
    report = verify_record(faulty, allow_test_group=True)
    assert report.valid, report.first_failure()
    assert [(e["ballot_id"], e["device_id"]) for e in report.exclusions] == [(BAD, "tps-1")]
    assert "proof" in report.exclusions[0]["reason"]
    assert report.ballots_cast == 5
    assert [(o, k) for _, o, _, k in report.counts] == [("candidate-1", 5), ("candidate-2", 0)]
    ballots = next(c for c in report.checks if c.name == "ballots")
    assert "excluded" in ballots.note and "tps-1" in ballots.note
    assert report.to_json()["exclusions"][0]["rule"] == "signed-invalid-by-its-device"


def test_a_tally_that_counts_the_excluded_ballot_is_not_valid(tmp_path: Path) -> None:
    _election(tmp_path / "r", count_the_bad_ballot=True)
    report = verify_record(tmp_path / "r", allow_test_group=True)
    assert any(c.name == "tally" and c.failure_count for c in report.checks)


@pytest.mark.parametrize("target", [BAD, "tps-2-0002"])
def test_a_ballot_changed_by_the_publisher_is_never_excluded(faulty: Path, tmp_path: Path, target: str) -> None:
    root = tmp_path / "r"
    import shutil

    shutil.copytree(faulty, root)
    path = root / "ballots" / f"{target[:5]}.jsonl"
    lines = [json.loads(x) for x in path.read_bytes().splitlines()]
    for line in lines:
        if line["ballot"]["ballot_id"] == target:
            v = line["ballot"]["contests"][0]["options"][0]["proof"]["branches"][0]["v"]
            line["ballot"]["contests"][0]["options"][0]["proof"]["branches"][0]["v"] = \
                ("1" if v[0] != "1" else "2") + v[1:]
    path.write_bytes(b"".join(codec.dumps_canonical(x) for x in lines))
    _reseal(root)
    report = verify_record(root, allow_test_group=True)
    assert not report.valid
    assert any(target in f for c in report.checks if c.name == "ballots" for f in c.failures)
    assert all(e["ballot_id"] != "tps-2-0002" for e in report.exclusions)
