"""Tampered records: every change is caught by the cryptographic checks and named.

The attacker is assumed to recompute every file hash in the index after tampering
(``reindex``), so the checks that catch each change are the cryptographic ones, not the
index.  Each case asserts which numbered check fails and that the failure names the
item (ballot id, trustee, device, file).
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pilwu_crypto import elgamal as eg
from pilwu_crypto.algebra.group import Group
from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.election.ballot import PlaintextBallot, encrypt_ballot
from pilwu_crypto.election.device import VotingDevice, initial_code
from pilwu_crypto.election.simulation import SimulatedElection, kuwu_manifest, simulate_election
from pilwu_crypto.record.codec import encrypted_ballot_to_json
from pilwu_crypto.record.io import write_simulated_election
from pilwu_crypto.verify.checks import verify_record
from pilwu_crypto.verify.report import VerificationReport

GROUP = "pilwu-test-512"


@pytest.fixture(scope="module")
def sim() -> SimulatedElection:
    group = get_group(GROUP, allow_test=True)
    return simulate_election(group, kuwu_manifest(["A", "B", "C"]), trustees=3, threshold=2, absent=1,
                             voters=6, challenged=1, devices=2, rng=random.Random(11))


@pytest.fixture(scope="module")
def pristine(sim: SimulatedElection, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("records") / "pristine"
    write_simulated_election(sim, root)
    return root


@pytest.fixture
def record(pristine: Path, tmp_path: Path) -> Path:
    root = tmp_path / "record"
    shutil.copytree(pristine, root)
    return root


# ---- helpers -------------------------------------------------------------------------
def reindex(root: Path, add: list[str] | None = None) -> None:
    """Recompute every hash and size in index.json, as an attacker would (optionally
    adding files to it)."""
    index = json.loads((root / "index.json").read_text())
    paths = [f["path"] for f in index["files"]] + (add or [])
    files = []
    for p in sorted(set(paths)):
        data = (root / p).read_bytes() if (root / p).exists() else b""
        files.append({"path": p, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})
    index["files"] = files
    (root / "index.json").write_text(json.dumps(index, sort_keys=True, separators=(",", ":")) + "\n")


def ballot_file(root: Path, device: str = "device-1") -> Path:
    return root / "ballots" / f"{device}.jsonl"


def read_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def write_lines(path: Path, lines: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(x, sort_keys=True, separators=(",", ":")) + "\n" for x in lines))


def cast_positions(lines: list[dict[str, Any]]) -> list[int]:
    return [i for i, x in enumerate(lines) if x["status"] == "cast"]


def edit_json(path: Path, change: Callable[[Any], None]) -> None:
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc, sort_keys=True, separators=(",", ":")) + "\n")


def failing(report: VerificationReport) -> dict[str, list[str]]:
    return {c.name: c.failures or [c.skipped] for c in report.checks if not c.ok}


def assert_caught(root: Path, check: str, *needles: str) -> None:
    report = verify_record(root, allow_test_group=True)
    assert not report.valid
    fails = failing(report)
    assert check in fails, fails
    text = " | ".join(fails[check])
    for needle in needles:
        assert needle in text, (needle, text)


def other_element_hex(group: Group, k: int) -> str:
    return group.exp_g(k).to_bytes().hex()


# ---- the valid record ------------------------------------------------------------------
def test_pristine_record_verifies(pristine: Path, sim: SimulatedElection) -> None:
    report = verify_record(pristine, allow_test_group=True)
    assert report.valid, failing(report)
    assert report.ballots_cast == 6 and report.ballots_challenged == 1
    assert {(c, o): k for c, o, _, k in report.counts} == sim.expected


# ---- ballots -------------------------------------------------------------------------------
def test_changed_ciphertext(record: Path, sim: SimulatedElection) -> None:
    path = ballot_file(record)
    lines = read_lines(path)
    i = cast_positions(lines)[0]
    bid = lines[i]["ballot"]["ballot_id"]
    lines[i]["ballot"]["contests"][0]["options"][0]["ciphertext"]["alpha"] = other_element_hex(sim.context.group, 5)
    write_lines(path, lines)
    reindex(record)
    assert_caught(record, "ballots", bid)
    assert_caught(record, "tally")


def test_proofs_swapped_between_ballots(record: Path) -> None:
    path = ballot_file(record)
    lines = read_lines(path)
    i, j = cast_positions(lines)[:2]
    oi = lines[i]["ballot"]["contests"][0]["options"][0]
    oj = lines[j]["ballot"]["contests"][0]["options"][0]
    oi["proof"], oj["proof"] = oj["proof"], oi["proof"]
    write_lines(path, lines)
    reindex(record)
    assert_caught(record, "ballots", lines[i]["ballot"]["ballot_id"], lines[j]["ballot"]["ballot_id"])


def test_a10_ballot_replayed_under_another_id(record: Path) -> None:
    path = ballot_file(record)
    lines = read_lines(path)
    copy = json.loads(json.dumps(lines[cast_positions(lines)[0]]))
    copy["ballot"]["ballot_id"] = "ballot-replayed"
    lines.append(copy)
    write_lines(path, lines)
    reindex(record)
    assert_caught(record, "duplicates", "ballot-replayed")
    assert_caught(record, "ballots", "ballot-replayed")


def test_a10_rerandomized_ballot_cast_again(record: Path, sim: SimulatedElection) -> None:
    original = sim.cast[0]
    pk = sim.context.joint_key
    contests = []
    for c in original.contests:
        options = [type(o)(o.option_id, eg.reencrypt(pk, o.ciphertext).ciphertext, o.proof) for o in c.options]
        contests.append(type(c)(c.contest_id, tuple(options), c.sum_proof))
    rerandomized = type(original)("ballot-rerandomized", original.device_id, tuple(contests),
                                  original.previous_code, original.confirmation_code, original.signature)
    path = ballot_file(record, original.device_id)
    lines = read_lines(path)
    lines.append({"status": "cast", "ballot": encrypted_ballot_to_json(rerandomized)})
    write_lines(path, lines)
    reindex(record)
    assert_caught(record, "ballots", "ballot-rerandomized")
    assert_caught(record, "code-chains", original.device_id)


def test_ballot_from_unregistered_device(record: Path, sim: SimulatedElection) -> None:
    rogue = VotingDevice.generate("device-rogue")
    ballot, _ = encrypt_ballot(sim.context, rogue, PlaintextBallot("ballot-rogue", {"kuwu": {"candidate-1": 1}}),
                               initial_code(sim.context, rogue.device_id))
    path = record / "ballots" / "device-rogue.jsonl"
    write_lines(path, [{"status": "cast", "ballot": encrypted_ballot_to_json(ballot)}])
    reindex(record, add=["ballots/device-rogue.jsonl"])
    assert_caught(record, "code-chains", "device-rogue")
    assert_caught(record, "ballots", "ballot-rogue")


def test_ballot_file_not_in_index(record: Path) -> None:
    src = ballot_file(record)
    (record / "ballots" / "device-9.jsonl").write_text(src.read_text())
    assert_caught(record, "record-files", "device-9.jsonl")


# ---- chains ----------------------------------------------------------------------------------
def test_broken_confirmation_code_link(record: Path) -> None:
    path = ballot_file(record)
    lines = read_lines(path)
    i = cast_positions(lines)[1]
    lines[i]["ballot"]["previous_code"] = "00" * 32
    write_lines(path, lines)
    reindex(record)
    assert_caught(record, "code-chains", "device-1")


def test_dropped_ballot(record: Path) -> None:
    path = ballot_file(record)
    lines = read_lines(path)
    dropped = lines.pop(cast_positions(lines)[0])
    write_lines(path, lines)
    reindex(record)
    assert_caught(record, "code-chains", "device-1")
    assert_caught(record, "tally")
    assert dropped["status"] == "cast"


def test_dropped_last_ballot_of_a_device(record: Path) -> None:
    path = ballot_file(record)
    lines = read_lines(path)
    lines.pop()
    write_lines(path, lines)
    reindex(record)
    assert_caught(record, "code-chains", "device-1", "closing entry")


# ---- decryption and result ----------------------------------------------------------------------
def test_altered_decryption_share(record: Path, sim: SimulatedElection) -> None:
    share = sim.tally_shares[0]
    path = record / "tally" / "shares" / f"{share.trustee_id}.json"
    edit_json(path, lambda d: d["partials"].__setitem__(0, other_element_hex(sim.context.group, 3)))
    reindex(record)
    assert_caught(record, "decryption", share.trustee_id)


def test_altered_decryption_proof(record: Path, sim: SimulatedElection) -> None:
    share = sim.tally_shares[1]
    path = record / "tally" / "shares" / f"{share.trustee_id}.json"

    def bump(d: dict[str, Any]) -> None:
        v = d["proofs"][0]["v"]
        d["proofs"][0]["v"] = f"{(int(v, 16) + 1) % sim.context.group.q:0{len(v)}x}"

    edit_json(path, bump)
    reindex(record)
    assert_caught(record, "decryption", share.trustee_id)


def test_altered_published_count(record: Path) -> None:
    def bump(d: dict[str, Any]) -> None:
        d["contests"][0]["options"][0]["count"] += 1

    edit_json(record / "tally" / "result.json", bump)
    reindex(record)
    assert_caught(record, "result", "kuwu/candidate-1")


def test_altered_encrypted_tally(record: Path, sim: SimulatedElection) -> None:
    edit_json(record / "tally" / "encrypted_tally.json",
              lambda d: d["contests"][0]["options"][1]["ciphertext"].__setitem__(
                  "beta", other_element_hex(sim.context.group, 9)))
    reindex(record)
    assert_caught(record, "tally", "candidate-2")


# ---- context and ceremony ------------------------------------------------------------------------------
def test_altered_joint_key(record: Path, sim: SimulatedElection) -> None:
    edit_json(record / "context.json", lambda d: d.__setitem__("joint_key", other_element_hex(sim.context.group, 7)))
    reindex(record)
    assert_caught(record, "election-context", "joint_key")


def test_index_not_recomputed_is_caught_by_hashes(record: Path) -> None:
    edit_json(record / "tally" / "result.json",
              lambda d: d["contests"][0]["options"][0].__setitem__("count", 999))
    assert_caught(record, "record-files", "result.json")


def test_test_group_record_is_not_valid_for_real_use(pristine: Path) -> None:
    report = verify_record(pristine)
    assert not report.valid
    assert "for tests only" in failing(report)["parameters"][0]
