"""Resource limits: no record makes the verifier read outside its directory, exhaust
memory or spin (docs/record-format.md §2-3).

- **Paths.** index.json paths such as ``../x``, absolute paths, ``ballots/../../etc/passwd``
  are refused by the strict path rule (layout.check_relative_path) before anything is
  opened; a listed file, a directory on its path or index.json itself that is a symbolic
  link leading outside the root is refused after resolving it; an unlisted symbolic link
  is reported as an extra file and never followed.  All of these are RecordUnreadable
  (exit 2: the index cannot be trusted at all) or a named failure, with the reason.
- **Memory.** Documents above MAX_DOCUMENT_BYTES (checked against the index's size
  before reading), JSON Lines lines above MAX_LINE_BYTES (read with a bounded
  ``readline``), nesting above MAX_DEPTH (counted before the JSON parser runs), integer
  literals above MAX_INT_DIGITS characters and lists above their documented lengths are
  refused; the peak of Python allocations while verifying such a record is measured
  with tracemalloc.
- **Time.** Discrete logs are bounded (elgamal.DiscreteLog: baby-step giant-step up to
  its bound, a bound above MAX_DLOG_BOUND refused before any table is built); a tally
  or mix decoding whose plaintext exceeds its bound fails quickly with a named error; a
  forged huge ``ballot_count`` does not make the verifier search for a huge discrete log.

**Zipped records are not supported**: a record is a directory; ``pilwu verify`` given a
zip file refuses it as not a directory (exit 2), so zip-slip and zip bombs cannot arise.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.election.mixballot import decode_row, mix_layout
from pilwu_crypto.election.simulation import SimulatedElection, kuwu_manifest, simulate_election
from pilwu_crypto.elgamal import MAX_DLOG_BOUND, DiscreteLog
from pilwu_crypto.errors import DecryptionError, MalformedRecord, OutOfRange, RecordUnreadable
from pilwu_crypto.record import codec
from pilwu_crypto.record.io import RecordReader, write_simulated_election
from pilwu_crypto.record.layout import MAX_DEPTH, MAX_DOCUMENT_BYTES, MAX_LINE_BYTES
from pilwu_crypto.verify.checks import verify_record
from pilwu_crypto.verify.report import VerificationReport
from tests.corpus.corpus import reindexed
from tests.mixed_record import two_contest_manifest

GROUP = "pilwu-test-512"
MEMORY_LIMIT = 12 * 1024 * 1024
"""Peak of Python allocations allowed while refusing an oversized input (bytes)."""


@pytest.fixture(scope="module")
def sim() -> SimulatedElection:
    group = get_group(GROUP, allow_test=True)
    return simulate_election(group, kuwu_manifest(["A", "B"]), trustees=3, threshold=2, absent=0, voters=2,
                             challenged=0, devices=1, rng=random.Random(4))


@pytest.fixture(scope="module")
def pristine(sim: SimulatedElection, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("limits") / "pristine"
    write_simulated_election(sim, root)
    return root


@pytest.fixture
def record(pristine: Path, tmp_path: Path) -> Path:
    root = tmp_path / "record"
    shutil.copytree(pristine, root)
    return root


# ---- helpers ---------------------------------------------------------------------------
def files_of(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def rewrite_index(root: Path, edit: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> None:
    """Edit index.json's entries (as written: canonical JSON, no other check)."""
    doc = json.loads((root / "index.json").read_bytes())
    doc["files"] = edit(doc["files"])
    (root / "index.json").write_bytes(codec.dumps_canonical(doc))


def reindex(root: Path) -> None:
    """Recompute index.json from the regular files present (as an attacker would)."""
    files = {k: v for k, v in files_of(root).items() if not Path(root / k).is_symlink()}
    (root / "index.json").write_bytes(reindexed(files)["index.json"])


def failures(report: VerificationReport) -> str:
    return " | ".join(f"{c.name}: " + " ; ".join(c.failures or [c.skipped]) for c in report.checks if not c.ok)


def verify_measured(root: Path) -> tuple[VerificationReport | RecordUnreadable, float, int]:
    """Verify ``root``: (report or the RecordUnreadable raised, seconds, peak bytes allocated)."""
    tracemalloc.start()
    start = time.monotonic()
    try:
        outcome: VerificationReport | RecordUnreadable = verify_record(root, allow_test_group=True)
    except RecordUnreadable as exc:
        outcome = exc
    finally:
        elapsed = time.monotonic() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return outcome, elapsed, peak


def assert_refused(root: Path, *needles: str, unreadable: bool | None = None, memory: int = MEMORY_LIMIT) -> str:
    """Verification refuses the record quickly, in bounded memory, naming ``needles``."""
    outcome, elapsed, peak = verify_measured(root)
    if isinstance(outcome, RecordUnreadable):
        assert unreadable is not False, f"unexpected RecordUnreadable: {outcome}"
        text = str(outcome)
    else:
        assert unreadable is not True, f"expected RecordUnreadable, got a report: {failures(outcome)}"
        assert not outcome.valid
        text = failures(outcome)
    for needle in needles:
        assert needle in text, (needle, text)
    assert peak < memory, f"peak {peak} bytes"
    assert elapsed < 30, f"{elapsed:.1f} s"
    return text


# ---- reading outside the record ----------------------------------------------------------
@pytest.mark.parametrize("bad", ["../x", "/etc/passwd", "ballots/../../etc/passwd", "ballots/./x.jsonl",
                                 "..", "ballots/..\\..\\x", "/", "ballots//x.jsonl", "~/x"])
def test_index_path_outside_the_record_is_refused(record: Path, bad: str) -> None:
    rewrite_index(record, lambda es: sorted([*es, {"path": bad, "sha256": "00" * 32, "size": 0}],
                                            key=lambda e: e["path"]))
    text = assert_refused(record, "index.json", unreadable=True)
    assert any(reason in text for reason in ("absolute", "not normalized", "backslash", "characters outside"))


def test_index_renaming_a_listed_file_to_an_outside_path(record: Path) -> None:
    rewrite_index(record, lambda es: [{**e, "path": "../" + e["path"]} if e["path"] == "manifest.json" else e
                                      for e in es])
    assert_refused(record, "index.json", "manifest.json", unreadable=True)


@pytest.mark.parametrize("listed", ["manifest.json", "ballots/device-1.jsonl", "tally/shares/trustee-1.json"])
def test_listed_file_symlinked_outside_is_refused(record: Path, tmp_path: Path, listed: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / "secret"
    shutil.move(record / listed, target)
    (record / listed).symlink_to(target)
    assert_refused(record, listed, "leads outside the record", unreadable=True)


def test_directory_symlinked_outside_is_refused(record: Path, tmp_path: Path) -> None:
    shutil.move(record / "ballots", tmp_path / "elsewhere")
    (record / "ballots").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    assert_refused(record, "ballots/device-1.jsonl", "leads outside the record", unreadable=True)


def test_index_symlinked_outside_is_refused(record: Path, tmp_path: Path) -> None:
    shutil.move(record / "index.json", tmp_path / "index.json")
    (record / "index.json").symlink_to(tmp_path / "index.json")
    assert_refused(record, "index.json", "outside the record", unreadable=True)


def test_symlink_inside_the_record_is_allowed_only_to_a_listed_place(record: Path) -> None:
    """A listed file that links to another file of the same record stays inside the root:
    it is read (and its hash must match), never refused as escaping."""
    (record / "tally" / "result.json").unlink()
    (record / "tally" / "result.json").symlink_to(record / "manifest.json")
    text = assert_refused(record, "tally/result.json", unreadable=False)
    assert "outside" not in text


def test_unlisted_symlink_is_reported_and_not_followed(record: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # reading it would block forever: proves the link is not followed
    (record / "ballots" / "device-9.jsonl").symlink_to(fifo)
    (record / "escape").symlink_to("/etc", target_is_directory=True)
    text = assert_refused(record, "ballots/device-9.jsonl", "escape", unreadable=False)
    assert "present but not listed" in text


def test_listed_fifo_does_not_block(record: Path, tmp_path: Path) -> None:
    """A listed path that is not a regular file (here a FIFO inside the record) is reported
    as such, never opened (opening a FIFO for reading would block)."""
    (record / "tally" / "result.json").unlink()
    os.mkfifo(record / "tally" / "result.json")
    assert_refused(record, "tally/result.json: listed in the index but not a regular file (a FIFO)",
                   unreadable=False)


def test_zipped_record_is_not_supported(pristine: Path, tmp_path: Path) -> None:
    archive = tmp_path / "record.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("../../evil", b"zip slip")
        for p in pristine.rglob("*"):
            if p.is_file():
                z.write(p, p.relative_to(pristine).as_posix())
    with pytest.raises(RecordUnreadable, match="not a directory"):
        RecordReader(archive)
    proc = subprocess.run([sys.executable, "-m", "pilwu_crypto", "verify", "--workers", "1", "--quiet",
                           "--insecure-test-group", str(archive)], capture_output=True, text=True, timeout=120,
                          check=False, cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "not a directory" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path.parent / "evil").exists()


# ---- memory ------------------------------------------------------------------------------------
def test_document_over_the_size_limit(record: Path) -> None:
    data = (record / "manifest.json").read_bytes()
    (record / "manifest.json").write_bytes(data[:-2] + b" " * (MAX_DOCUMENT_BYTES + 10) + data[-2:])
    reindex(record)
    assert_refused(record, "manifest.json", "limit", unreadable=False)


def test_index_over_the_size_limit(record: Path) -> None:
    data = (record / "index.json").read_bytes()
    (record / "index.json").write_bytes(data[:-2] + b" " * (MAX_DOCUMENT_BYTES + 10) + data[-2:])
    assert_refused(record, "index.json", "limit", unreadable=True)


def test_index_claiming_a_huge_size(record: Path) -> None:
    """The size in the index is the attacker's: a document listed as 2^53-1 bytes is refused
    from the index entry, nothing is read or allocated for it."""
    rewrite_index(record, lambda es: [{**e, "size": 2**53 - 1} if e["path"] == "context.json" else e for e in es])
    assert_refused(record, "context.json", unreadable=False)


def test_index_claiming_a_large_mix_document(record: Path) -> None:
    """A mix stage document may be listed up to 512 MiB: a small file listed that large is
    read in chunks, not into a buffer of the claimed size (fixed in record/io.py)."""
    (record / "mixnet").mkdir()
    (record / "mixnet" / "stage-1.json").write_bytes(b"{}\n")
    (record / "mixnet" / "stage-1.jsonl").write_bytes(b"")
    reindex(record)
    rewrite_index(record, lambda es: [{**e, "size": 500 * 2**20} if e["path"] == "mixnet/stage-1.json" else e
                                      for e in es])
    assert_refused(record, "mixnet/stage-1.json", unreadable=False)


def test_line_over_the_size_limit(record: Path) -> None:
    path = record / "ballots" / "device-1.jsonl"
    lines = path.read_bytes().split(b"\n")
    lines[0] = lines[0][:-1] + b" " * (MAX_LINE_BYTES + 10) + lines[0][-1:]
    path.write_bytes(b"\n".join(lines))
    reindex(record)
    assert_refused(record, "ballots/device-1.jsonl:1", "line longer than", unreadable=False)


def test_endless_line_without_newline(record: Path) -> None:
    (record / "ceremony" / "shares.jsonl").write_bytes(b"{" + b" " * (4 * MAX_LINE_BYTES))
    reindex(record)
    assert_refused(record, "ceremony/shares.jsonl:1", unreadable=False)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100_000])
def test_nesting_over_the_limit(record: Path, depth: int) -> None:
    doc = json.loads((record / "tally" / "result.json").read_bytes())
    doc["absent"] = "@"
    text = json.dumps(doc, sort_keys=True, separators=(",", ":")).replace('"@"', "[" * depth + "]" * depth)
    (record / "tally" / "result.json").write_text(text + "\n")
    reindex(record)
    assert_refused(record, "tally/result.json", "nested", unreadable=False)


def test_nesting_inside_a_ballot_line(record: Path) -> None:
    path = record / "ballots" / "device-1.jsonl"
    lines = path.read_bytes().split(b"\n")
    lines[0] = b'{"x":' + b"[" * 50_000 + b"]" * 50_000 + b"," + lines[0][1:]
    path.write_bytes(b"\n".join(lines))
    reindex(record)
    assert_refused(record, "ballots/device-1.jsonl:1", "nested", unreadable=False)


@pytest.mark.parametrize("literal", ["1" * 21, "9" * 4000, "-" + "9" * 100_000, "1e999999", "1" + "0" * 300 + ".5"])
def test_huge_integers(record: Path, literal: str) -> None:
    doc = json.loads((record / "tally" / "encrypted_tally.json").read_bytes())
    doc["ballot_count"] = "@"
    text = json.dumps(doc, sort_keys=True, separators=(",", ":")).replace('"@"', literal)
    (record / "tally" / "encrypted_tally.json").write_text(text + "\n")
    reindex(record)
    assert_refused(record, "tally/encrypted_tally.json", unreadable=False)


@pytest.mark.parametrize(("path", "key", "count"), [
    ("tally/result.json", "used_trustees", 200_000),
    ("tally/shares/trustee-1.json", "partials", 20_000),
    ("ceremony/ceremony.json", "trustee_ids", 100_000),
    ("manifest.json", "contests", 10_000),
])
def test_huge_list_counts(record: Path, path: str, key: str, count: int) -> None:
    """A list far above its documented length in a document within the size limit: refused
    by the codec with its field path.  Parsing a document of n bytes costs a few times n
    in Python objects, so memory is bounded by the document limit, not by the count."""
    doc = json.loads((record / path).read_bytes())
    doc[key] = [doc[key][0]] * count
    (record / path).write_bytes(codec.dumps_canonical(doc))
    reindex(record)
    size = (record / path).stat().st_size
    assert_refused(record, path, key, unreadable=False, memory=MEMORY_LIMIT + 10 * size)


def test_index_with_many_entries_terminates(record: Path) -> None:
    """An index listing 5,000 files that do not exist: every one is reported (the count is
    exact, the list capped) in bounded time."""
    extra = [{"path": f"ballots/device-x{i:05d}.jsonl", "sha256": "00" * 32, "size": 0} for i in range(5_000)]
    rewrite_index(record, lambda es: sorted(es + extra, key=lambda e: e["path"]))
    outcome, elapsed, _ = verify_measured(record)
    assert isinstance(outcome, VerificationReport) and not outcome.valid
    files = outcome.checks[0]
    assert files.failure_count >= 5_000 and len(files.failures) <= 50
    assert elapsed < 60


# ---- time: bounded discrete logs and iteration counts ------------------------------------------
def test_discrete_log_above_its_bound_fails_quickly() -> None:
    group = get_group(GROUP, allow_test=True)
    bound = 10**8
    solver = DiscreteLog(group, bound)
    assert solver.solve(group.exp_g(bound)) == bound
    start = time.monotonic()
    with pytest.raises(DecryptionError, match=r"count of kuwu/candidate-1: discrete log not in \[0, 100000000\]"):
        solver.solve(group.exp_g(bound + 1), "count of kuwu/candidate-1")
    with pytest.raises(DecryptionError):
        solver.solve(group.exp_g(group.q - 1))
    assert time.monotonic() - start < 10


def test_discrete_log_bound_itself_is_bounded() -> None:
    group = get_group(GROUP, allow_test=True)
    with pytest.raises(OutOfRange, match="discrete-log bound"):
        DiscreteLog(group, MAX_DLOG_BOUND + 1)
    with pytest.raises(OutOfRange):
        DiscreteLog(group, 2**53 - 1)


def test_mix_decoding_above_the_bound_fails_quickly(sim: SimulatedElection) -> None:
    group = get_group(GROUP, allow_test=True)
    mixed = simulate_election(group, two_contest_manifest(), trustees=3, threshold=2, absent=1, voters=1,
                              challenged=0, devices=1, rng=random.Random(5))
    layout = mix_layout(mixed.context)
    bounds = [c.bound for c in layout.contests]
    start = time.monotonic()
    with pytest.raises(DecryptionError, match=r"ballots\[0\].*selection code"):
        decode_row(layout, [group.exp_g(bounds[0] + 1), group.exp_g(0)], "ballots[0]")
    with pytest.raises(DecryptionError):
        decode_row(layout, [group.exp_g(0), group.exp_g(group.q - 5)], "ballots[0]")
    assert time.monotonic() - start < 10


def test_forged_huge_ballot_count_does_not_spin(record: Path) -> None:
    """ballot_count 2^53-1 in the encrypted tally and the result: the count bound would be
    far above MAX_DLOG_BOUND; the verifier fails checks 9-11 by name, quickly."""
    for path in ("tally/encrypted_tally.json", "tally/result.json"):
        doc = json.loads((record / path).read_bytes())
        doc["ballot_count"] = 2**53 - 1
        (record / path).write_bytes(codec.dumps_canonical(doc))
    reindex(record)
    text = assert_refused(record, "tally/encrypted_tally.json", unreadable=False)
    assert "decryption" in text


def test_huge_closing_ballot_count_does_not_spin(record: Path) -> None:
    doc = json.loads((record / "devices.json").read_bytes())
    doc["closings"][0]["ballot_count"] = 2**32 - 1
    (record / "devices.json").write_bytes(codec.dumps_canonical(doc))
    reindex(record)
    assert_refused(record, "device-1", unreadable=False)


def test_range_proof_with_too_many_branches_is_refused(record: Path) -> None:
    path = record / "ballots" / "device-1.jsonl"
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    proof = lines[0]["ballot"]["contests"][0]["options"][0]["proof"]
    proof["branches"] = proof["branches"] * 600  # 1200 branches: above the 1025 allowed
    path.write_bytes(b"".join(codec.dumps_canonical(x) for x in lines))
    reindex(record)
    assert_refused(record, "ballots/device-1.jsonl:1", "branches", unreadable=False)


def test_parser_limits_are_enforced_before_parsing() -> None:
    with pytest.raises(MalformedRecord, match="nested deeper"):
        codec.parse_json(b"[" * 1_000_000 + b"]" * 1_000_000)
    start = time.monotonic()
    with pytest.raises(MalformedRecord):
        codec.parse_json(b'["' + b'\\"' * 1_000_000 + b'"' + b"[" * 40)
    with pytest.raises(MalformedRecord, match="too long"):
        codec.parse_json(b"9" * 1_000_000)
    assert time.monotonic() - start < 5
