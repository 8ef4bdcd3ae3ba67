"""``pilwu verify`` on copies of records as auditors get them, as a subprocess: no false verdicts.

- A directory of villages: every entry is a row; a sub-directory without index.json, a
  symbolic link or a stray file is "not verified" and keeps the summary from VALID
  (exit 1 if any village is not valid, else 2 if any entry could not be verified, else 0).
- Files operating systems leave (.DS_Store, Thumbs.db, desktop.ini, ._*, __MACOSX/) are
  ignored and listed, never a failure; any other unlisted file still is.  A --json
  target inside what is verified is refused before verifying.
- A listed path that is a FIFO or a directory is "not a regular file" (a fault of the
  record, never opened), "missing" only when nothing is there; a permission error on
  the auditor's copy is exit 2 "cannot read … (your copy), nothing verified".  Tests
  run as root here, which reads anything: the CLI then drops to uid 65534 after
  starting, so that file modes apply (as they do for any ordinary auditor's account).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.election.simulation import kuwu_manifest, simulate_election
from pilwu_crypto.record.io import reopen_record, write_simulated_election

VERIFY = ["verify", "--quiet", "--workers", "1", "--insecure-test-group"]
JUNK = [".DS_Store", "Thumbs.db", "desktop.ini", "ballots/._device-1.jsonl", "tally/shares/.DS_Store",
        "__MACOSX/ballots/._device-1.jsonl", "__MACOSX/notes"]
UNPRIVILEGED = """
import os, sys
from pilwu_crypto.cli import main
if os.geteuid() == 0:  # root reads any file: run as an ordinary account, whose file modes apply
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)
sys.exit(main(sys.argv[1:]))
"""


def pilwu(*args: str, unprivileged: bool = False) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", UNPRIVILEGED] if unprivileged else [sys.executable, "-m", "pilwu_crypto"]
    res = subprocess.run([*command, *args], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert "Traceback" not in res.stdout + res.stderr, res.stderr
    return res


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sim = simulate_election(get_group("pilwu-test-512", allow_test=True), kuwu_manifest(["A", "B"]), trustees=3,
                            threshold=2, absent=0, voters=2, challenged=0, devices=1, rng=random.Random(8))
    root = tmp_path_factory.mktemp("copies") / "pristine"
    write_simulated_election(sim, root)
    return root


@pytest.fixture
def here() -> Iterator[Path]:
    """A directory every account may enter (pytest's own temporary directories are 0700)."""
    path = Path(tempfile.mkdtemp(prefix="pilwu-copies-"))
    path.chmod(0o755)
    yield path
    for p in [path, *path.rglob("*")]:
        if not p.is_symlink():
            p.chmod(0o755)
    shutil.rmtree(path)


def copy(pristine: Path, to: Path) -> Path:
    shutil.copytree(pristine, to)
    return to


def tampered(pristine: Path, to: Path) -> Path:
    copy(pristine, to)
    result = to / "tally" / "result.json"
    result.write_bytes(result.read_bytes().replace(b'"count":', b'"count":1', 1))
    return to


# ---- a directory of villages ----------------------------------------------------------------
def test_every_entry_of_a_village_directory_is_a_row(pristine: Path, here: Path) -> None:
    villages = here / "villages"
    copy(pristine, villages / "kaliwedi")
    (villages / "incomplete").mkdir()
    (villages / "incomplete" / "parameters.json").write_bytes((pristine / "parameters.json").read_bytes())
    (villages / "linked").symlink_to(pristine, target_is_directory=True)
    (villages / "gegesik.zip").write_bytes(b"PK")
    (villages / ".DS_Store").write_bytes(b"\0")
    summary = here / "summary.json"
    res = pilwu(*VERIFY, str(villages), "--json", str(summary))
    assert res.returncode == 2, res.stdout + res.stderr
    assert "NOT VERIFIED: 3 of 4 entries could not be verified" in res.stdout
    assert "2 sub-directories, 1 record, 2 other entries" in res.stdout
    assert res.stdout.count("not verified: ") == 3 and "│ kaliwedi " in res.stdout
    assert "ignored (left by an operating system): .DS_Store" in res.stdout
    doc = json.loads(summary.read_text())
    assert (doc["schema"], doc["version"], doc["valid"], doc["status"]) == (
        "pilwu-verification-summary", 2, False, "not verified")
    assert (doc["sub_directories"], doc["records"], doc["ignored_files"]) == (2, 1, [".DS_Store"])
    rows = {v["name"]: (v["kind"], v["status"], v["reason"]) for v in doc["villages"]}
    assert rows == {"gegesik.zip": ("not a directory", "not verified", "not a directory"),
                    "incomplete": ("directory", "not verified", "not a record (no index.json)"),
                    "kaliwedi": ("directory", "valid", ""),
                    "linked": ("symbolic link", "not verified", "symbolic link, not followed")}
    assert doc["villages"][2]["report"]["valid"] is True and doc["villages"][0]["report"] is None


def test_a_village_not_valid_outranks_one_not_verified(pristine: Path, here: Path) -> None:
    villages = here / "villages"
    copy(pristine, villages / "kaliwedi")
    tampered(pristine, villages / "gegesik")
    (villages / "incomplete").mkdir()
    res = pilwu(*VERIFY, str(villages))
    assert res.returncode == 1, res.stdout + res.stderr
    assert "NOT VALID: 1 of 2 village records fail; 1 of 3 entries could not be verified" in res.stdout


def test_a_village_directory_is_valid_only_when_every_entry_is(pristine: Path, here: Path) -> None:
    villages = here / "villages"
    for name in ("kaliwedi", "gegesik"):
        copy(pristine, villages / name)
    (villages / "Thumbs.db").write_bytes(b"\0")
    (villages / "__MACOSX" / "kaliwedi").mkdir(parents=True)
    res = pilwu(*VERIFY, str(villages), "--json", "-")
    assert res.returncode == 0, res.stdout + res.stderr
    doc = json.loads(res.stdout)
    assert doc["status"] == "valid" and doc["ignored_files"] == ["Thumbs.db", "__MACOSX"]
    assert pilwu(*VERIFY, str(villages)).stdout.count("VALID: all 2 village records verify.") == 1


def test_a_directory_without_any_record_is_one_clear_line(here: Path) -> None:
    (here / "empty" / "sub").mkdir(parents=True)
    res = pilwu(*VERIFY, str(here / "empty"))
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr.strip() == "pilwu: cannot read the record: index.json: missing (the record has no index)"


# ---- files operating systems leave, and the report's own file --------------------------------
def test_files_operating_systems_leave_are_ignored_and_listed(pristine: Path, here: Path) -> None:
    root = copy(pristine, here / "record")
    for name in JUNK:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"\0\0\0\1Bud1")
    res = pilwu(*VERIFY, str(root), "--json", "-")
    assert res.returncode == 0, res.stdout + res.stderr
    report = json.loads(res.stdout)
    assert report["valid"] is True and report["ignored_files"] == sorted(JUNK)
    assert report["checks"][0]["note"].startswith("ignored (left by an operating system, not listed): ")
    (root / "notes.txt").write_text("anything else still counts")
    res = pilwu(*VERIFY, str(root))
    assert res.returncode == 1 and "notes.txt: present but not listed in the index" in res.stdout


def test_extending_a_record_leaves_ignored_files_alone(pristine: Path, here: Path) -> None:
    root = copy(pristine, here / "record")
    for name in JUNK:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"\0")
    writer = reopen_record(root)
    writer.finish()
    assert all((root / name).exists() for name in JUNK)


@pytest.mark.parametrize("target", ["report.json", "ballots/report.json", "link"])
def test_a_report_inside_the_record_is_refused_before_verifying(pristine: Path, here: Path, target: str) -> None:
    root = copy(pristine, here / "record")
    (here / "link").symlink_to(root / "report.json")
    where = here / "link" if target == "link" else root / target
    res = pilwu(*VERIFY, str(root), "--json", str(where))
    assert res.returncode == 2 and res.stdout == ""
    assert len(res.stderr.strip().splitlines()) == 1 and "inside" in res.stderr and "elsewhere" in res.stderr
    assert not (root / target).exists() and not (root / "report.json").exists()


def test_a_summary_inside_the_village_directory_is_refused(pristine: Path, here: Path) -> None:
    villages = here / "villages"
    copy(pristine, villages / "kaliwedi")
    res = pilwu(*VERIFY, str(villages), "--json", str(villages / "summary.json"))
    assert res.returncode == 2 and res.stdout == "" and "inside" in res.stderr
    assert not (villages / "summary.json").exists()


# ---- what is on disk at a listed path ---------------------------------------------------------
def test_a_fifo_or_directory_at_a_listed_path_is_not_a_regular_file(pristine: Path, here: Path) -> None:
    root = copy(pristine, here / "record")
    (root / "tally" / "result.json").unlink()
    os.mkfifo(root / "tally" / "result.json")  # opening it for reading would block: it must not be
    (root / "ballots" / "device-1.jsonl").unlink()
    os.mkfifo(root / "ballots" / "device-1.jsonl")
    (root / "devices.json").unlink()
    (root / "devices.json").mkdir()
    (root / "context.json").unlink()
    res = pilwu(*VERIFY, str(root), "--json", "-")
    assert res.returncode == 1, res.stdout + res.stderr
    failures = json.loads(res.stdout)["checks"][0]["failures"]
    assert failures == ["ballots/device-1.jsonl: listed in the index but not a regular file (a FIFO)",
                        "context.json: listed in the index but missing",
                        "devices.json: listed in the index but not a regular file (a directory)",
                        "tally/result.json: listed in the index but not a regular file (a FIFO)"]


@pytest.mark.parametrize("unreadable", ["manifest.json", "ballots/device-1.jsonl", "tally"])
def test_a_permission_error_on_the_copy_is_not_a_verdict(pristine: Path, here: Path, unreadable: str) -> None:
    root = copy(pristine, here / "record")
    (root / unreadable).chmod(0)
    res = pilwu(*VERIFY, str(root), unprivileged=True)
    assert res.returncode == 2, res.stdout + res.stderr
    assert res.stdout == "" and len(res.stderr.strip().splitlines()) == 1
    assert res.stderr.startswith(f"pilwu: cannot read {root / unreadable}")
    assert "(your copy), nothing verified (PermissionError: Permission denied)" in res.stderr


def test_an_unreadable_village_is_not_verified(pristine: Path, here: Path) -> None:
    villages = here / "villages"
    copy(pristine, villages / "kaliwedi")
    copy(pristine, villages / "gegesik")
    (villages / "gegesik" / "manifest.json").chmod(0)
    res = pilwu(*VERIFY, str(villages), "--json", "-", unprivileged=True)
    assert res.returncode == 2, res.stdout + res.stderr
    rows = {v["name"]: v for v in json.loads(res.stdout)["villages"]}
    assert rows["kaliwedi"]["status"] == "valid" and rows["gegesik"]["status"] == "not verified"
    assert rows["gegesik"]["reason"].endswith("(your copy): PermissionError: Permission denied, nothing verified")
