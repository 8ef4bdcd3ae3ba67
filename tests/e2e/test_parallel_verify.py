"""The verifier gives the same report whichever executor runs the ballot blocks: this
process, a local process pool, or a real Dask LocalCluster, for a valid
record and for tampered ones; a directory of village records is verified as one run.

Blocks are made small (block_lines=3) so that a record of a few ballots is split into
several blocks, in flight at once, and a failure can fall in any of them."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import pytest

from pilwu_crypto.algebra import generators
from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.election.simulation import SimulatedElection, kuwu_manifest, simulate_election
from pilwu_crypto.record.io import write_simulated_election
from pilwu_crypto.verify import ballots as ballot_stage
from pilwu_crypto.verify.checks import verify_record
from pilwu_crypto.verify.executors import verification_executor
from tests.e2e.test_tamper import edit_json, read_lines, reindex, write_lines
from tests.mixed_record import write_mixed_election

GROUP = "pilwu-test-512"


@pytest.fixture(scope="module")
def sim() -> SimulatedElection:
    return simulate_election(get_group(GROUP, allow_test=True), kuwu_manifest(["A", "B", "C"]), voters=14,
                             challenged=2, devices=2, rng=random.Random(21))


@pytest.fixture(scope="module")
def pristine(sim: SimulatedElection, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("parallel") / "pristine"
    write_simulated_election(sim, root)
    return root


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generators, "GENERATOR_CHUNK", 2)  # derive the mix generators in several tasks
    monkeypatch.setattr(ballot_stage, "BLOCK_LINES", 3)
    monkeypatch.setattr(ballot_stage, "IN_FLIGHT", 2)


def tampered(pristine: Path, tmp: Path, name: str, change: Callable[[Path], None]) -> Path:
    root = tmp / name
    shutil.copytree(pristine, root)
    change(root)
    reindex(root)
    return root


def _flip_proof(root: Path) -> None:
    path = root / "ballots" / "device-1.jsonl"
    lines = read_lines(path)
    for k in (1, 5):
        br = lines[k]["ballot"]["contests"][0]["options"][0]["proof"]["branches"][0]
        br["v"], br["c"] = br["c"], br["v"]
    write_lines(path, lines)


def _non_member(root: Path) -> None:
    group = get_group(GROUP, allow_test=True)
    p = int(group.p)  # type: ignore[attr-defined]
    path = root / "ballots" / "device-2.jsonl"
    lines = read_lines(path)
    ct = lines[4]["ballot"]["contests"][0]["options"][2]["ciphertext"]
    ct["alpha"] = (p - int(ct["alpha"], 16)).to_bytes(group.element_size, "big").hex()  # -alpha: not a member
    write_lines(path, lines)


def _replayed(root: Path) -> None:
    path = root / "ballots" / "device-1.jsonl"
    lines = read_lines(path)
    write_lines(path, [*lines, lines[2]])


def _result(root: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        option = doc["contests"][0]["options"][0]
        option["count"] += 1

    edit_json(root / "tally" / "result.json", change)


CASES: dict[str, Callable[[Path], None]] = {"proofs": _flip_proof, "non-member": _non_member,
                                            "replayed": _replayed, "result": _result}


def _swap_stage_outputs(root: Path) -> None:
    path = root / "mixnet" / "stage-2.jsonl"
    lines = read_lines(path)
    lines[0], lines[1] = lines[1], lines[0]
    write_lines(path, lines)


@pytest.fixture(scope="module")
def records(pristine: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("tampered")
    out = {"valid": pristine}
    out.update({name: tampered(pristine, tmp, name, change) for name, change in CASES.items()})
    mixed = tmp / "mixed"
    write_mixed_election(get_group(GROUP, allow_test=True), mixed, voters=6)
    out["mixed"] = mixed
    out["mixed-swapped"] = tampered(mixed, tmp, "mixed-swapped", _swap_stage_outputs)
    return out


def reports(records: dict[str, Path], executor: Executor | None) -> dict[str, Any]:
    generators._CACHE.clear()  # each executor derives the mix generators itself
    return {name: verify_record(root, allow_test_group=True, executor=executor).to_json()
            for name, root in records.items()}


@pytest.fixture(scope="module")
def inline_reports(records: dict[str, Path]) -> dict[str, Any]:
    return reports(records, None)


def test_inline_reports_are_what_the_tamper_needs(inline_reports: dict[str, Any]) -> None:
    assert inline_reports["valid"]["valid"]
    failing = {name: [c["name"] for c in r["checks"] if c["status"] == "FAIL"] for name, r in inline_reports.items()}
    assert failing["proofs"] == ["ballots", "code-chains"]  # the signed digest covers the proofs
    assert "ballots" in failing["non-member"]
    assert "not in the order-q subgroup" in json.dumps(inline_reports["non-member"])
    assert failing["replayed"][0] == "code-chains" and "duplicates" in failing["replayed"]
    assert failing["result"] == ["result"]
    assert inline_reports["mixed"]["valid"]
    assert failing["mixed-swapped"][0] == "mix-chain"
    assert "stage 2 (mix server mix-2)" in json.dumps(inline_reports["mixed-swapped"])


@pytest.fixture(scope="module")
def pool_executor() -> Iterator[Executor]:
    with verification_executor(workers=2) as executor:
        yield executor


def test_process_pool_gives_identical_reports(records: dict[str, Path], inline_reports: dict[str, Any],
                                               pool_executor: Executor) -> None:
    assert reports(records, pool_executor) == inline_reports


def test_dask_local_cluster_gives_identical_reports(records: dict[str, Path],
                                                    inline_reports: dict[str, Any]) -> None:
    pytest.importorskip("distributed")
    with verification_executor(workers=2, dask="local") as executor:
        assert reports(records, executor) == inline_reports


def test_dask_without_the_extra_exits_2(monkeypatch: pytest.MonkeyPatch, pristine: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    from pilwu_crypto.cli import main

    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    assert main(["verify", str(pristine), "--dask", "local", "--quiet", "--insecure-test-group"]) == 2
    err = capsys.readouterr().err
    assert "pilwu-crypto[dask]" in err and len(err.strip().splitlines()) == 1


def test_village_directory(records: dict[str, Path], tmp_path: Path) -> None:
    villages = tmp_path / "villages"
    villages.mkdir()
    for name, source in (("kaliwedi", records["valid"]), ("gegesik", records["proofs"]),
                         ("arjawinangun", records["valid"])):
        shutil.copytree(source, villages / name)
    (villages / "not-a-record").mkdir()
    summary = tmp_path / "summary.json"
    res = subprocess.run([sys.executable, "-m", "pilwu_crypto", "verify", str(villages), "--workers", "2",
                          "--quiet", "--insecure-test-group", "--json", str(summary)],
                         capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "Traceback" not in res.stdout + res.stderr
    assert "gegesik" in res.stdout and "1 of 3 village records fail" in res.stdout
    doc = json.loads(summary.read_text())
    assert doc["schema"] == "pilwu-verification-summary" and doc["version"] == 2 and not doc["valid"]
    assert [v["name"] for v in doc["villages"]] == ["arjawinangun", "gegesik", "kaliwedi", "not-a-record"]
    assert [v["status"] for v in doc["villages"]] == ["valid", "not valid", "valid", "not verified"]
    assert [v["report"]["valid"] for v in doc["villages"][:3]] == [True, False, True]
