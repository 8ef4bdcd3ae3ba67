"""Election records with a mix-net part: the valid record verifies as checks 1-15, and
every tampering (the attacker recomputing every index hash) is caught by the right
numbered check, naming the stage, server, ballot, trustee or mixed ballot.

The first mix input is never published: it is recomputed from the cast ballots
(election/mixballot.py), so a mix server that shuffles anything else (a ballot dropped,
added, replaced, a challenged ballot, a re-randomised copy) fails at its stage."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.election.mixballot import cast_mix_input, mix_layout
from pilwu_crypto.election.mixnet import MixServer, MixStage, mix_generators, run_stage
from pilwu_crypto.elgamal import Ciphertext
from pilwu_crypto.proofs.shuffle import CiphertextVector
from pilwu_crypto.record.codec import element_from_hex, element_to_hex, scalar_to_hex
from pilwu_crypto.record.io import RecordReader
from pilwu_crypto.record.mixcodec import mix_output_line_to_json, mix_stage_to_json
from pilwu_crypto.verify.checks import verify_record
from tests.e2e.test_tamper import assert_caught, edit_json, failing, read_lines, reindex, write_lines
from tests.mixed_record import MixedElection, cast_ids_in_record_order, write_mixed_election

GROUP = "pilwu-test-512"


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[MixedElection, Path]:
    root = tmp_path_factory.mktemp("mixed") / "pristine"
    election = write_mixed_election(get_group(GROUP, allow_test=True), root, voters=5)
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


def cast_input(election: MixedElection) -> list[CiphertextVector]:
    """The first input as the verifier recomputes it."""
    by_id = {b.ballot_id: b for b in election.sim.cast}
    return cast_mix_input(election.sim.context, [by_id[i] for i in cast_ids_in_record_order(election.sim)])


def remix(record: Path, election: MixedElection, first: list[CiphertextVector]) -> None:
    """Every registered server honestly re-runs its stage on ``first`` (signed, valid proofs)
    and the stages replace the record's: only the first input is wrong."""
    ctx = election.sim.context
    generators = mix_generators(ctx, len(first))
    current = first
    for k, server in enumerate(election.mix.servers):
        stage: MixStage = run_stage(ctx, server, k + 1, generators, current)
        write_doc(mixnet(record, f"stage-{k + 1}.json"), mix_stage_to_json(stage))
        write_lines(mixnet(record, f"stage-{k + 1}.jsonl"), [mix_output_line_to_json(v) for v in stage.outputs])
        current = list(stage.outputs)
    reindex(record)


# ---- the valid record --------------------------------------------------------------------------
def test_mixed_record_verifies(mixed: tuple[MixedElection, Path]) -> None:
    election, root = mixed
    report = verify_record(root, allow_test_group=True)
    assert report.valid, failing(report)
    assert [c.number for c in report.checks] == list(range(1, 16))
    assert [c.name for c in report.checks[11:]] == ["mix-input", "mix-chain", "mix-decryption", "mix-result"]
    assert report.checks[11].items == len(election.sim.cast)
    assert report.checks[12].items == 3
    assert report.fingerprint == election.fingerprint


def test_mixed_counts_equal_the_homomorphic_tally(mixed: tuple[MixedElection, Path]) -> None:
    election, _ = mixed
    manifest = election.sim.context.manifest
    assert election.mix.counts(manifest) == election.sim.expected
    assert len(election.mix.ballots) == len(election.sim.cast)
    assert mix_layout(election.sim.context).width == 2  # one selection code per contest


def test_reader_round_trip(mixed: tuple[MixedElection, Path]) -> None:
    election, root = mixed
    reader = RecordReader(root)
    assert reader.has_mixnet()
    assert [r.server_id for r in reader.mix_servers()] == [s.server_id for s in election.mix.servers]
    assert tuple(reader.mix_stages()) == election.mix.stages
    assert tuple(reader.mix_decryption_shares()) == election.mix.shares
    assert reader.mix_result().ballots == election.mix.ballots


# ---- codec strictness ---------------------------------------------------------------------------
def test_unknown_key_in_stage_is_named(record: Path) -> None:
    edit_json(mixnet(record, "stage-1.json"), lambda d: d["proof"].update(extra=1))
    reindex(record)
    assert_caught(record, "mix-chain", "mixnet/stage-1.json", "proof.extra", "unknown key")


def test_wrong_reply_count_is_named(record: Path) -> None:
    edit_json(mixnet(record, "stage-2.json"), lambda d: d["proof"]["reply"]["k_B"].pop())
    reindex(record)
    assert_caught(record, "mix-chain", "mixnet/stage-2.json", "proof.reply.k_B")


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
    lines[1] = mix_output_line_to_json(cast_input(election)[1])
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
    inputs = list(election.mix.stages[1].outputs)
    rogue = MixServer.generate("mix-rogue")
    stage = run_stage(ctx, rogue, 3, mix_generators(ctx, len(inputs)), inputs)
    write_doc(mixnet(record, "stage-3.json"), mix_stage_to_json(stage))
    write_lines(mixnet(record, "stage-3.jsonl"), [mix_output_line_to_json(v) for v in stage.outputs])
    reindex(record)
    assert_caught(record, "mix-chain", "stage 3 (mix server mix-rogue)", "not registered")


# ---- a first input that is not the cast ballots ------------------------------------------------
def test_mix_input_with_a_cast_ballot_dropped(record: Path, mixed: tuple[MixedElection, Path]) -> None:
    election, _ = mixed
    first = cast_input(election)
    remix(record, election, first[:2] + first[3:])
    assert_caught(record, "mix-chain", "stage 1 (mix server mix-1)")


def test_mix_input_with_a_ballot_replaced(record: Path, mixed: tuple[MixedElection, Path]) -> None:
    election, _ = mixed
    first = cast_input(election)
    first[1] = first[0]
    remix(record, election, first)
    assert_caught(record, "mix-chain", "stage 1 (mix server mix-1)")


def test_mix_input_with_a_rerandomized_copy_added(record: Path, mixed: tuple[MixedElection, Path]) -> None:
    """Cortier–Smyth through the mix: a re-randomised copy of a cast ballot's vector added
    to the first input (the copy would decrypt to the victim's vote twice)."""
    election, _ = mixed
    ctx = election.sim.context
    group = ctx.group
    first = cast_input(election)
    r = group.scalar(12345)
    copy = CiphertextVector(tuple(Ciphertext(c.alpha * group.exp_g(r), c.beta * ctx.joint_key.element ** r)
                                  for c in first[0].components))
    remix(record, election, [*first, copy])
    assert_caught(record, "mix-chain", "stage 1 (mix server mix-1)")


def test_mix_input_with_a_challenged_ballot(record: Path, mixed: tuple[MixedElection, Path]) -> None:
    election, _ = mixed
    ctx = election.sim.context
    first = cast_input(election)
    first[0] = cast_mix_input(ctx, [election.sim.challenged[0].ballot])[0]
    remix(record, election, first)
    assert_caught(record, "mix-chain", "stage 1 (mix server mix-1)")


def test_mix_input_reordered(record: Path, mixed: tuple[MixedElection, Path]) -> None:
    election, _ = mixed
    first = cast_input(election)
    first[0], first[1] = first[1], first[0]
    remix(record, election, first)
    assert_caught(record, "mix-chain", "stage 1 (mix server mix-1)")


def test_honest_remix_of_the_cast_ballots_still_verifies(record: Path, mixed: tuple[MixedElection, Path]) -> None:
    """The control for the tests above: re-running the stages on the real input is valid
    (the decryption then no longer matches the new final list, and is named)."""
    election, _ = mixed
    remix(record, election, cast_input(election))
    checks = {c.name: c for c in verify_record(record, allow_test_group=True).checks}
    assert checks["mix-input"].ok and checks["mix-chain"].ok
    assert not checks["mix-decryption"].ok


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


def test_published_mixed_ballot_altered(record: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        votes = doc["ballots"][2][0]["votes"]
        votes[0], votes[1] = votes[1], votes[0]
        if votes[0] == votes[1]:
            votes[0] = 1 - votes[0]

    edit_json(mixnet(record, "result.json"), change)
    reindex(record)
    assert_caught(record, "mix-result", "ballots[2]")
