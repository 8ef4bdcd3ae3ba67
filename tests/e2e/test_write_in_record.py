"""A write-in election on P-256 through the whole record: ballots carry signed write-in
ciphertexts with nonce proofs, the mix-net carries them with the selection codes, the
verifier decodes the names, and tampering with any of it is caught."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.election.mixballot import mix_layout
from pilwu_crypto.election.simulation import WRITE_IN_OPTION
from pilwu_crypto.verify.checks import verify_record
from tests.e2e.test_tamper import assert_caught, edit_json, failing, read_lines, reindex, write_lines
from tests.mixed_record import MixedElection, write_mixed_election


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[MixedElection, Path]:
    root = tmp_path_factory.mktemp("write-ins") / "pristine"
    return write_mixed_election(get_group("P-256"), root, voters=8, seed=3, write_ins=True), root


@pytest.fixture
def record(written: tuple[MixedElection, Path], tmp_path: Path) -> Path:
    root = tmp_path / "record"
    shutil.copytree(written[1], root)
    return root


def test_write_in_record_verifies_and_names_match(written: tuple[MixedElection, Path]) -> None:
    election, root = written
    report = verify_record(root)
    assert report.valid, failing(report)
    manifest = election.sim.context.manifest
    assert mix_layout(election.sim.context).width == 2  # selection code + one write-in element
    assert election.mix.counts(manifest) == election.sim.expected
    expected = Counter(name for per in election.sim.write_ins.values() for name in per.values())
    assert Counter(election.mix.write_in_counts(manifest)["kuwu"]) == expected
    assert sum(expected.values()) == election.sim.expected[("kuwu", WRITE_IN_OPTION)]
    assert sum(expected.values()) > 0  # the seed makes some voters write in


def _first_cast(lines: list[dict[str, Any]]) -> int:
    return next(i for i, line in enumerate(lines) if line["status"] == "cast")


def test_write_in_ciphertext_swapped_between_ballots(record: Path) -> None:
    """Another ballot's write-in (ciphertexts and proof) pasted into a ballot: the
    signature and the nonce proof, bound to the ballot id, both fail."""
    path = record / "ballots" / "device-1.jsonl"
    lines = read_lines(path)
    casts = [i for i, line in enumerate(lines) if line["status"] == "cast"]
    a, b = casts[0], casts[1]
    lines[a]["ballot"]["contests"][0]["write_in"] = lines[b]["ballot"]["contests"][0]["write_in"]
    write_lines(path, lines)
    reindex(record)
    assert_caught(record, "ballots", lines[a]["ballot"]["ballot_id"])


def test_write_in_removed_from_a_ballot(record: Path) -> None:
    path = record / "ballots" / "device-1.jsonl"
    lines = read_lines(path)
    i = _first_cast(lines)
    del lines[i]["ballot"]["contests"][0]["write_in"]
    write_lines(path, lines)
    reindex(record)
    bid = lines[i]["ballot"]["ballot_id"]
    assert_caught(record, "ballots", bid, "write-in")
    assert_caught(record, "mix-input", bid, "write-in")


def test_published_write_in_name_altered(record: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["ballots"][0][0]["write_in"] = "Kuwu Palsu"

    edit_json(record / "mixnet" / "result.json", change)
    reindex(record)
    assert_caught(record, "mix-result", "ballots[0]", "Kuwu Palsu")
