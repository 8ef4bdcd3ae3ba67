"""Election records with a mix-net part: the valid record verifies as checks 1-15, and
every tampering (the attacker recomputing every index hash) is caught by the right
numbered check, naming the stage, server, ballot, trustee or plaintext."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.election.mixnet import MixServer, encrypt_mix_ballot, mix_generators, run_stage
from pilwu_crypto.election.plaintext import encode_small
from pilwu_crypto.elgamal import Ciphertext
from pilwu_crypto.proofs.shuffle import CiphertextVector
from pilwu_crypto.record.codec import element_from_hex, element_to_hex, parse_json, scalar_to_hex
from pilwu_crypto.record.io import RecordReader
from pilwu_crypto.record.mixcodec import (
    mix_ballot_from_json,
    mix_ballot_to_json,
    mix_output_line_to_json,
    mix_stage_to_json,
)
from pilwu_crypto.verify.checks import verify_record
from tests.e2e.test_tamper import assert_caught, edit_json, failing, read_lines, reindex, write_lines
from tests.mixed_record import MixedElection, write_mixed_election

GROUP = "pilwu-test-512"


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[MixedElection, Path]:
    root = tmp_path_factory.mktemp("mixed") / "pristine"
    election = write_mixed_election(get_group(GROUP, allow_test=True), root, voters=5, width=2)
    return election, root


@pytest.fixture
def record(mixed: tuple[MixedElection, Path], tmp_path: Path) -> Path:
    root = tmp_path / "record"
    shutil.copytree(mixed[1], root)
    return root


def mixnet(root: Path, name: str) -> Path:
    return root / "mixnet" / name


def write_doc(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(json.dumps(doc, sort_keys=True, separators=(",", ":")) + "\n")


# ---- the valid record --------------------------------------------------------------------------
def test_mixed_record_verifies(mixed: tuple[MixedElection, Path]) -> None:
    election, root = mixed
    report = verify_record(root, allow_test_group=True)
    assert report.valid, failing(report)
    assert [c.number for c in report.checks] == list(range(1, 16))
    assert [c.name for c in report.checks[11:]] == ["mix-input", "mix-chain", "mix-decryption", "mix-result"]
    assert report.checks[11].items == len(election.ballots)
    assert report.checks[12].items == 3
    assert report.fingerprint == election.fingerprint


def test_reader_round_trip(mixed: tuple[MixedElection, Path]) -> None:
    election, root = mixed
    reader = RecordReader(root)
    assert reader.has_mixnet()
    assert [r.server_id for r in reader.mix_servers()] == [s.server_id for s in election.servers]
    assert tuple(b for _, b in reader.mix_input()) == election.ballots
    assert tuple(reader.mix_stages()) == election.stages
    assert tuple(reader.mix_decryption_shares()) == election.shares
    result = reader.mix_result()
    assert result.encoding == "small" and result.bound == election.bound
    assert result.plaintexts == election.plaintexts


def test_record_without_mixnet_has_eleven_checks(record: Path) -> None:
    shutil.rmtree(record / "mixnet")
    index = json.loads((record / "index.json").read_text())
    index["files"] = [f for f in index["files"] if not f["path"].startswith("mixnet/")]
    write_doc(record / "index.json", index)
    reindex(record)
    assert not RecordReader(record).has_mixnet()
    report = verify_record(record, allow_test_group=True)
    assert report.valid, failing(report)
    assert [c.number for c in report.checks] == list(range(1, 12))


# ---- codec strictness ---------------------------------------------------------------------------
def test_unknown_key_in_stage_is_named(record: Path) -> None:
    edit_json(mixnet(record, "stage-1.json"), lambda d: d["proof"].update(extra=1))
    reindex(record)
    assert_caught(record, "mix-chain", "mixnet/stage-1.json", "proof.extra", "unknown key")


def test_wrong_reply_count_is_named(record: Path) -> None:
    edit_json(mixnet(record, "stage-2.json"), lambda d: d["proof"]["reply"]["k_B"].pop())
    reindex(record)
    assert_caught(record, "mix-chain", "mixnet/stage-2.json", "proof.reply.k_B")


def test_mix_ballot_codec_round_trip(mixed: tuple[MixedElection, Path]) -> None:
    election, _ = mixed
    group = election.sim.context.group
    ballot = election.ballots[0]
    assert mix_ballot_from_json(group, parse_json(json.dumps(mix_ballot_to_json(ballot)).encode())) == ballot


# ---- tampering with the chain -------------------------------------------------------------------
def test_two_outputs_of_a_stage_swapped(record: Path) -> None:
    path = mixnet(record, "stage-2.jsonl")
    lines = read_lines(path)
    lines[0], lines[3] = lines[3], lines[0]
    write_lines(path, lines)
    reindex(record)
    assert_caught(record, "mix-chain", "stage 2 (mix server mix-2)")


def test_stage_output_line_replaced(record: Path, mixed: tuple[MixedElection, Path]) -> None:
    election, _ = mixed
    path = mixnet(record, "stage-1.jsonl")
    lines = read_lines(path)
    lines[1] = mix_output_line_to_json(election.ballots[1].ciphertexts)
    write_lines(path, lines)
    reindex(record)
    assert_caught(record, "mix-chain", "stage 1 (mix server mix-1)")


def test_stage_proof_reply_changed(record: Path, mixed: tuple[MixedElection, Path]) -> None:
    group = mixed[0].sim.context.group

    def change(doc: dict[str, Any]) -> None:
        doc["proof"]["reply"]["k_C"] = scalar_to_hex(group.scalar(7))

    edit_json(mixnet(record, "stage-3.json"), change)
    reindex(record)
    assert_caught(record, "mix-chain", "stage 3 (mix server mix-3)")


def test_stage_by_unregistered_server(record: Path, mixed: tuple[MixedElection, Path]) -> None:
    election, _ = mixed
    ctx = election.sim.context
    inputs = list(election.stages[1].outputs)
    rogue = MixServer.generate("mix-rogue")
    stage = run_stage(ctx, rogue, 3, mix_generators(ctx, len(inputs)), inputs)
    write_doc(mixnet(record, "stage-3.json"), mix_stage_to_json(stage))
    write_lines(mixnet(record, "stage-3.jsonl"), [mix_output_line_to_json(v) for v in stage.outputs])
    reindex(record)
    assert_caught(record, "mix-chain", "stage 3 (mix server mix-rogue)", "not registered")


# ---- tampering with the mix input ---------------------------------------------------------------
def test_mix_input_line_dropped(record: Path, mixed: tuple[MixedElection, Path]) -> None:
    path = mixnet(record, "input.jsonl")
    lines = read_lines(path)
    dropped = lines.pop(2)["ballot_id"]
    write_lines(path, lines)
    reindex(record)
    assert_caught(record, "mix-input", dropped, "missing")


def test_rerandomized_duplicate_added(record: Path, mixed: tuple[MixedElection, Path]) -> None:
    election, _ = mixed
    ctx = election.sim.context
    group = ctx.group
    victim = election.ballots[0]
    r = group.scalar(12345)
    shifted = CiphertextVector(tuple(Ciphertext(c.alpha * group.exp_g(r), c.beta * ctx.joint_key.element ** r)
                                     for c in victim.ciphertexts.components))
    copy = mix_ballot_to_json(victim)
    copy["ballot_id"] = "copy-of-" + victim.ballot_id
    copy["ciphertexts"] = [{"alpha": element_to_hex(c.alpha), "beta": element_to_hex(c.beta)}
                           for c in shifted.components]
    path = mixnet(record, "input.jsonl")
    write_lines(path, [*read_lines(path), copy])
    reindex(record)
    assert_caught(record, "mix-input", "copy-of-" + victim.ballot_id)


# ---- tampering with the decryption and the result -----------------------------------------------
def test_decryption_share_altered(record: Path, mixed: tuple[MixedElection, Path]) -> None:
    group = mixed[0].sim.context.group
    path = mixnet(record, "decryption/trustee-1.json")
    if not path.exists():
        path = next((record / "mixnet" / "decryption").iterdir())
    trustee = path.stem

    def change(doc: dict[str, Any]) -> None:
        m = element_from_hex(group, doc["partials"][1][0], "partial")
        doc["partials"][1][0] = element_to_hex(m * group.generator())

    edit_json(path, change)
    reindex(record)
    assert_caught(record, "mix-decryption", f"({trustee})", "vector 1 component 0")


def test_published_plaintext_altered(record: Path, mixed: tuple[MixedElection, Path]) -> None:
    election, _ = mixed

    def change(doc: dict[str, Any]) -> None:
        doc["plaintexts"][2][0] = (doc["plaintexts"][2][0] + 1) % (election.bound + 1)

    edit_json(mixnet(record, "result.json"), change)
    reindex(record)
    assert_caught(record, "mix-result", "plaintext 2")


def test_verbatim_duplicate_in_mix_input(record: Path) -> None:
    path = mixnet(record, "input.jsonl")
    lines = read_lines(path)
    write_lines(path, [*lines, lines[0]])
    reindex(record)
    assert_caught(record, "mix-input", lines[0]["ballot_id"], "appears twice")


def test_challenged_ballot_in_mix_input(record: Path, mixed: tuple[MixedElection, Path]) -> None:
    election, _ = mixed
    ctx = election.sim.context
    challenged_id = election.sim.challenged[0].ballot.ballot_id
    ballot, _ = encrypt_mix_ballot(ctx, challenged_id, [encode_small(ctx.group, 1), encode_small(ctx.group, 2)])
    path = mixnet(record, "input.jsonl")
    lines = read_lines(path)
    lines[1] = mix_ballot_to_json(ballot)
    write_lines(path, lines)
    reindex(record)
    assert_caught(record, "mix-input", challenged_id, "was challenged", "missing")


def test_mix_input_reordered(record: Path, mixed: tuple[MixedElection, Path]) -> None:
    path = mixnet(record, "input.jsonl")
    lines = read_lines(path)
    lines[0], lines[1] = lines[1], lines[0]
    write_lines(path, lines)
    reindex(record)
    assert_caught(record, "mix-input", lines[0]["ballot_id"], "reordered")
