"""The malicious publisher against the election setup (record format 2).

Each test plays the election authority (or a record publisher) with the library's own
functions: it forges devices, mix servers or key-ceremony bytes, re-seals index.json as
docs/record-format.md says, and checks that ``verify_record`` rejects the record at the
named check.  In record format 1 each of these forgeries verified VALID.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.election.ballot import PlaintextBallot, encrypt_ballot
from pilwu_crypto.election.device import VotingDevice, initial_code
from pilwu_crypto.election.mixnet import MixServer, mix_generators, run_stage
from pilwu_crypto.election.setup import ElectionSetup
from pilwu_crypto.election.simulation import (
    SimulatedElection,
    cast_ids_in_record_order,
    kuwu_manifest,
    simulate_election,
)
from pilwu_crypto.errors import FormatRefused
from pilwu_crypto.record import codec, mixcodec, setupcodec
from pilwu_crypto.record.io import RecordReader, write_simulated_election
from pilwu_crypto.record.mixread import first_mix_input
from pilwu_crypto.verify.checks import verify_record
from pilwu_crypto.verify.report import VerificationReport

GROUP = "pilwu-test-512"
V1 = Path(__file__).resolve().parents[1] / "data" / "record-v1"


@pytest.fixture(scope="module")
def sim() -> SimulatedElection:
    group = get_group(GROUP, allow_test=True)
    return simulate_election(group, kuwu_manifest(["A", "B", "C"]), trustees=3, threshold=2, absent=1,
                             voters=6, challenged=1, devices=2, mix_servers=2, rng=random.Random(7))


@pytest.fixture(scope="module")
def pristine(sim: SimulatedElection, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("setup-binding") / "record"
    write_simulated_election(sim, root)
    return root


@pytest.fixture
def record(pristine: Path, tmp_path: Path) -> Path:
    root = tmp_path / "record"
    shutil.copytree(pristine, root)
    return root


def reseal(root: Path) -> None:
    """Recompute index.json over every file now present, as docs/record-format.md §5.1 says."""
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p.name != "index.json")
    entries = []
    for rel in files:
        data = (root / rel).read_bytes()
        entries.append({"path": rel, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})
    doc = {"version": 2, "kind": "pilwu-record-index", "files": entries}
    (root / "index.json").write_bytes(codec.dumps_canonical(doc))


def write_doc(root: Path, rel: str, doc: dict[str, Any]) -> None:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_bytes(codec.dumps_canonical(doc))


def verdict(root: Path) -> VerificationReport:
    return verify_record(root, allow_test_group=True)


def failed(report: VerificationReport) -> dict[str, list[str]]:
    return {c.name: c.failures for c in report.checks if c.failure_count}


def forge_device(sim: SimulatedElection, root: Path, device_id: str, vote: str) -> VotingDevice:
    """The authority's own key for ``device_id``: every ballot of the device re-encrypted
    for ``vote`` (same ids, same count, same challenged positions), chained, signed, closed."""
    ctx = sim.context
    forged = VotingDevice.generate(device_id)
    code = initial_code(ctx, device_id)
    lines = []
    for bid in sim.chain_order[device_id]:
        ballot, _ = encrypt_ballot(ctx, forged, PlaintextBallot(bid, {"kuwu": {vote: 1}}), code)
        code = ballot.confirmation_code
        lines.append(codec.ballot_line_to_json(ballot))
    (root / "ballots" / f"{device_id}.jsonl").write_bytes(b"".join(codec.dumps_canonical(x) for x in lines))
    closings = [forged.close(ctx, code, len(lines)) if c.device_id == device_id else c for c in sim.closings]
    write_doc(root, "devices.json", codec.devices_to_json(closings))
    return forged


def test_authority_key_for_an_existing_device_is_refused(sim: SimulatedElection, record: Path) -> None:
    forge_device(sim, record, "device-1", "candidate-3")
    reseal(record)
    report = verdict(record)
    assert not report.valid
    assert any("device-1" in f and "signature" in f for f in failed(report)["ballots"])


def test_authority_key_listed_in_the_setup_breaks_h_b(sim: SimulatedElection, record: Path) -> None:
    forged = forge_device(sim, record, "device-1", "candidate-3")
    devices = [forged.registration if r.device_id == "device-1" else r for r in sim.setup.devices]
    write_doc(record, "setup.json", setupcodec.election_setup_to_json(ElectionSetup(tuple(devices),
                                                                                    sim.setup.mix_servers)))
    reseal(record)
    report = verdict(record)
    assert "base-hash" in failed(report)
    # ... and publishing the H_B of the forged setup breaks every ceremony proof bound to H_B
    ceremony = json.loads((record / "ceremony" / "ceremony.json").read_bytes())
    group = get_group(GROUP, allow_test=True)
    from pilwu_crypto.election.context import base_hash

    setup = setupcodec.election_setup_from_json(json.loads((record / "setup.json").read_bytes()))
    ceremony["base_hash"] = base_hash(group, sim.context.manifest, ceremony["trustee_ids"], ceremony["threshold"],
                                      setup.hash()).hex()
    write_doc(record, "ceremony/ceremony.json", ceremony)
    reseal(record)
    report = verdict(record)
    assert "base-hash" not in failed(report)
    assert "key-ceremony" in failed(report)
    assert not report.valid


def test_a_device_added_by_the_authority_is_refused(sim: SimulatedElection, record: Path) -> None:
    ctx = sim.context
    extra = VotingDevice.generate("tps-extra")
    code = initial_code(ctx, extra.device_id)
    ballot, _ = encrypt_ballot(ctx, extra, PlaintextBallot("stuffed-1", {"kuwu": {"candidate-2": 1}}), code)
    (record / "ballots" / "tps-extra.jsonl").write_bytes(codec.dumps_canonical(codec.ballot_line_to_json(ballot)))
    write_doc(record, "devices.json", codec.devices_to_json([*sim.closings,
                                                             extra.close(ctx, ballot.confirmation_code, 1)]))
    reseal(record)
    assert "tps-extra" in " ".join(f for fs in failed(verdict(record)).values() for f in fs)
    write_doc(record, "setup.json", setupcodec.election_setup_to_json(
        ElectionSetup((*sim.setup.devices, extra.registration), sim.setup.mix_servers)))
    reseal(record)
    assert "base-hash" in failed(verdict(record))


def test_mix_servers_of_the_authority_are_refused(sim: SimulatedElection, record: Path) -> None:
    ctx = sim.context
    current = first_mix_input(RecordReader(record), ctx)
    generators = mix_generators(ctx, len(current))
    own = [MixServer.generate("mix-1"), MixServer.generate("mix-2")]  # the registered ids, other keys
    for position, server in enumerate(own, start=1):
        stage = run_stage(ctx, server, position, generators, current)
        (record / "mixnet").mkdir(exist_ok=True)
        (record / "mixnet" / f"stage-{position}.jsonl").write_bytes(
            b"".join(codec.dumps_canonical(mixcodec.mix_output_line_to_json(v)) for v in stage.outputs))
        write_doc(record, f"mixnet/stage-{position}.json", mixcodec.mix_stage_to_json(stage))
        current = list(stage.outputs)
    reseal(record)
    report = verdict(record)
    assert "mix-chain" in failed(report)
    write_doc(record, "setup.json", setupcodec.election_setup_to_json(
        ElectionSetup(sim.setup.devices, tuple(s.registration for s in own))))
    reseal(record)
    assert "base-hash" in failed(verdict(record))


def test_mixnet_servers_file_is_not_part_of_format_2(sim: SimulatedElection, record: Path) -> None:
    write_doc(record, "mixnet/servers.json", mixcodec.mix_servers_to_json(sim.setup.mix_servers))
    reseal(record)
    assert any("mixnet/servers.json" in f for f in failed(verdict(record))["record-files"])


@pytest.mark.parametrize("fields", [("ciphertext",), ("tag",), ("nonce",), ("ciphertext", "tag", "nonce")])
def test_swapped_encrypted_share_bytes_break_h_e(record: Path, fields: tuple[str, ...]) -> None:
    path = record / "ceremony" / "shares.jsonl"
    lines = [json.loads(x) for x in path.read_bytes().splitlines()]
    for field in fields:
        lines[0][field], lines[1][field] = lines[1][field], lines[0][field]
    path.write_bytes(b"".join(codec.dumps_canonical(x) for x in lines))
    reseal(record)
    report = verdict(record)
    assert any("election_hash" in f for f in failed(report)["election-context"])


def test_honest_record_verifies_and_binds_the_setup(sim: SimulatedElection, pristine: Path) -> None:
    report = verdict(pristine)
    assert report.valid, report.first_failure()
    assert report.format_version == 2 and report.notes == []
    assert cast_ids_in_record_order(sim)


def test_write_in_record_without_its_mixnet_part_is_not_valid(tmp_path: Path) -> None:
    group = get_group("P-256")
    sim = simulate_election(group, kuwu_manifest(["A", "B"], write_in_elements=1), trustees=2, threshold=2,
                            absent=0, voters=2, challenged=0, devices=1, rng=random.Random(3))
    write_simulated_election(sim, tmp_path / "r")
    report = verify_record(tmp_path / "r")
    assert not report.valid
    assert any("mixnet/: missing" in f and "write-ins" in f for f in failed(report)["mix-chain"])
    assert [c.name for c in report.checks][11:] == ["mix-input", "mix-chain", "mix-decryption", "mix-result"]


# ---- format 1 --------------------------------------------------------------------------
def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pilwu_crypto", *args], capture_output=True, text=True,
                          check=False, timeout=120)


@pytest.mark.parametrize("name,extra", [("homomorphic", ["--insecure-test-group"]), ("mixed-write-ins", [])])
def test_format_1_is_refused_unless_accepted(name: str, extra: list[str]) -> None:
    with pytest.raises(FormatRefused, match="--accept-format-v1"):
        verify_record(V1 / name, allow_test_group=True)
    refused = _cli("verify", str(V1 / name), "--workers", "1", *extra)
    assert refused.returncode == 2 and "format version 1" in refused.stderr + refused.stdout
    accepted = _cli("verify", str(V1 / name), "--workers", "1", "--accept-format-v1", "--json", "-", *extra)
    assert accepted.returncode == 0, accepted.stdout[-2000:] + accepted.stderr
    report = json.loads(accepted.stdout)
    assert report["valid"] and report["format_version"] == 1
    assert any("self-asserted" in n for n in report["notes"])
    # a format-1 manifest has no place, date or register (record-format.md §9)
    assert [report[k] for k in ("village", "district", "regency", "date", "registered_voters")] == [None] * 5
    shown = _cli("verify", str(V1 / name), "--workers", "1", "--accept-format-v1", "--quiet", *extra)
    assert shown.returncode == 0 and "polling day" not in shown.stdout


def test_a_format_1_manifest_in_a_format_2_record_is_refused(tmp_path: Path, pristine: Path) -> None:
    """Format 2 requires the manifest's place fields: the manifest without them (the index
    resealed) is malformed, never read as a format-1 manifest."""
    root = tmp_path / "no-place"
    shutil.copytree(pristine, root)
    doc = json.loads((root / "manifest.json").read_bytes())
    for key in ("village", "district", "regency", "date", "registered_voters"):
        del doc[key]
    write_doc(root, "manifest.json", doc)
    reseal(root)
    report = verdict(root)
    assert any("manifest.json: village: missing key" in f for f in failed(report)["base-hash"]), failed(report)


def test_format_1_rules_still_catch_tampering(tmp_path: Path) -> None:
    root = tmp_path / "v1"
    shutil.copytree(V1 / "homomorphic", root)
    result = json.loads((root / "tally" / "result.json").read_bytes())
    result["contests"][0]["options"][0]["count"] += 1
    write_doc(root, "tally/result.json", result)
    index = json.loads((root / "index.json").read_bytes())
    for entry in index["files"]:
        data = (root / entry["path"]).read_bytes()
        entry["sha256"], entry["size"] = hashlib.sha256(data).hexdigest(), len(data)
    write_doc(root, "index.json", index)
    report = verify_record(root, allow_test_group=True, accept_format_v1=True)
    assert "result" in failed(report)


def test_a_format_2_document_in_a_format_1_record_is_refused(tmp_path: Path, pristine: Path) -> None:
    root = tmp_path / "mixed-versions"
    shutil.copytree(pristine, root)
    manifest: Callable[[], Any] = lambda: json.loads((root / "manifest.json").read_bytes())  # noqa: E731
    doc = manifest()
    doc["version"] = 1
    write_doc(root, "manifest.json", doc)
    reseal(root)
    report = verdict(root)
    assert any("version: 1 in a record of format version 2" in f for f in failed(report)["base-hash"])


# ---- a malicious device's write-in cannot block the result -----------------------------
@pytest.fixture(scope="module")
def bad_write_in(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SimulatedElection]:
    """A P-256 write-in election in which one device encrypts, for the name "BAD", a point
    that encodes no name (with a valid nonce proof, so check 6 accepts the ballot)."""
    from pilwu_crypto.election import writein
    from pilwu_crypto.election.plaintext import decode_write_in, encode_write_in
    from pilwu_crypto.errors import EncodingError
    from pilwu_crypto.record.io import write_simulated_mix

    group = get_group("P-256")
    junk = group.generator()
    with pytest.raises(EncodingError):
        decode_write_in(group, [junk])

    def malicious(g: Any, name: str, width: int) -> Any:
        return (junk,) * width if name == "BAD" else encode_write_in(g, name, width)

    patch = pytest.MonkeyPatch()
    patch.setattr(writein, "encode_write_in", malicious)
    try:
        sim = simulate_election(group, kuwu_manifest(["A"], write_in_elements=1), trustees=2, threshold=2,
                                absent=0, voters=6, challenged=0, devices=1, mix_servers=2, names=("BAD", "Sukamaju"),
                                rng=random.Random(5))
    finally:
        patch.undo()
    from pilwu_crypto.election.simulation import simulate_mixing

    root = tmp_path_factory.mktemp("bad-write-in") / "record"
    write_simulated_election(sim, root)
    write_simulated_mix(sim, simulate_mixing(sim), root)
    return root, sim


def test_an_invalid_write_in_is_counted_as_such_and_the_record_is_valid(
        bad_write_in: tuple[Path, SimulatedElection]) -> None:
    from pilwu_crypto.election.mixballot import invalid_write_ins

    root, sim = bad_write_in
    bad = sum(1 for names in sim.write_ins.values() if names.get("kuwu") == "BAD")
    assert bad >= 1
    report = verify_record(root)
    assert report.valid, report.first_failure()
    published = RecordReader(root).mix_result()
    assert invalid_write_ins(sim.context.manifest, published.ballots) == {"kuwu": bad}
    assert sum(1 for b in published.ballots if b[0].write_in == "Sukamaju") == \
        sum(1 for n in sim.write_ins.values() if n.get("kuwu") == "Sukamaju")
    assert b'"write_in":null' in (root / "mixnet" / "result.json").read_bytes()


@pytest.mark.parametrize("direction", ["name-to-invalid", "invalid-to-name"])
def test_the_invalid_write_in_value_is_verified(bad_write_in: tuple[Path, SimulatedElection], tmp_path: Path,
                                                direction: str) -> None:
    root = tmp_path / "r"
    shutil.copytree(bad_write_in[0], root)
    doc = json.loads((root / "mixnet" / "result.json").read_bytes())
    for ballot in doc["ballots"]:
        contest = ballot[0]
        if direction == "name-to-invalid" and contest["write_in"] is not None:
            contest["write_in"] = None
            break
        if direction == "invalid-to-name" and contest["write_in"] is None:
            contest["write_in"] = "Sukamaju"
            break
    write_doc(root, "mixnet/result.json", doc)
    reseal(root)
    assert "mix-result" in failed(verify_record(root))
