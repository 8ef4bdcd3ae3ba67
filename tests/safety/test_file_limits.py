"""Work bounded by what is present: check 1 holds every listed file to its size limit,
from its index entry and from the opened file's size, before a byte of it is hashed or
read (docs/record-format.md §3, record/layout.py file_limit).

The work done is measured, not the wall time: every file the reader opens is wrapped so
that the bytes read from it are counted per record path.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import pytest

from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.errors import MalformedRecord
from pilwu_crypto.record import codec, io, layout
from pilwu_crypto.record.io import RecordReader
from pilwu_crypto.threshold.dkg import MAX_TRUSTEES
from pilwu_crypto.verify import checks
from pilwu_crypto.verify.checks import verify_record
from pilwu_crypto.verify.report import VerificationReport
from tests.mixed_record import write_mixed_election
from tests.safety import test_limits

sim, pristine, record = test_limits.sim, test_limits.pristine, test_limits.record  # fixtures: a 2-ballot record
GIB = 1 << 30
BALLOTS = "ballots/device-1.jsonl"


class _Counting:
    """A file opened by the reader whose reads are counted under its record path."""

    def __init__(self, f: IO[bytes], shown: str, counts: Counter[str]) -> None:
        self._f, self._shown, self._counts = f, shown, counts

    def read(self, n: int = -1) -> bytes:
        data = self._f.read(n)
        self._counts[self._shown] += len(data)
        return data

    def readline(self, n: int = -1) -> bytes:
        data = self._f.readline(n)
        self._counts[self._shown] += len(data)
        return data

    def fileno(self) -> int:
        return self._f.fileno()

    def close(self) -> None:
        self._f.close()

    def __enter__(self) -> _Counting:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._f.close()


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Bytes read per record path, from every file the reader opens."""
    counts: Counter[str] = Counter()
    real = io.open_regular

    def counting(file: Path, shown: str) -> Any:
        return _Counting(real(file, shown), shown, counts)

    monkeypatch.setattr(io, "open_regular", counting)
    yield counts


def set_size(root: Path, path: str, size: int) -> None:
    """List ``path`` in index.json with ``size`` bytes (its hash unchanged)."""
    doc = json.loads((root / "index.json").read_bytes())
    doc["files"] = [{**e, "size": size} if e["path"] == path else e for e in doc["files"]]
    (root / "index.json").write_bytes(codec.dumps_canonical(doc))


def sparse(root: Path, path: str, size: int) -> int:
    """Make ``path`` a sparse file of ``size`` bytes (or the largest this file system
    allows below it); no disk block is written.  Returns the size on disk."""
    for tried in (size, 1 << 43, 1 << 41, 8 * GIB):
        try:
            os.truncate(root / path, min(tried, size))
            return min(tried, size)
        except OSError:
            continue
    raise AssertionError("this file system has no sparse files; these tests need them (any Linux file system "
                         "of the CI machine has them)")


def record_files(report: VerificationReport) -> list[str]:
    check = next(c for c in report.checks if c.name == "record-files")
    return list(check.failures)


# ---- sparse files listed with huge sizes -------------------------------------------------
@pytest.mark.parametrize("path", ["manifest.json", "ceremony/shares.jsonl", BALLOTS])
@pytest.mark.parametrize("listed", [8 * GIB, 2**53 - 1])
def test_sparse_file_listed_huge_is_refused_unread(record: Path, reads: Counter[str], path: str, listed: int) -> None:
    on_disk = sparse(record, path, listed)
    set_size(record, path, listed)
    report = verify_record(record, allow_test_group=True)
    failures = record_files(report)
    assert any(f.startswith(f"{path}: ") for f in failures), failures
    if listed > checks.MAX_RECORD_BYTES:
        assert any(f.startswith("index.json: lists ") for f in failures), failures
    if listed > layout.file_limit(path)[0]:
        assert any(f"{path}: larger than the {layout.file_limit(path)[0]}-byte limit" in f for f in failures)
    elif on_disk == listed:  # within the limit (a ballot file listed 8 GiB): refused as a hole
        assert any(f"{path}: a sparse file" in f for f in failures), failures
    assert reads[path] == 0, reads
    assert sum(reads.values()) < 1 << 20  # the rest of this small record, not the claimed size


def test_sparse_ballot_file_past_its_limit(record: Path, reads: Counter[str]) -> None:
    """A ballot file past MAX_BALLOT_FILE_BYTES, on disk and in the index, never read."""
    on_disk = sparse(record, BALLOTS, 1 << 41)
    assert on_disk > layout.MAX_BALLOT_FILE_BYTES, "this file system cannot hold a sparse file past the limit"
    set_size(record, BALLOTS, on_disk)
    failures = record_files(verify_record(record, allow_test_group=True))
    assert f"{BALLOTS}: larger than the {layout.MAX_BALLOT_FILE_BYTES}-byte limit of a ballot file " \
           f"({on_disk} bytes listed)" in failures
    assert reads[BALLOTS] == 0


def test_hole_within_the_limit_is_refused_unread(record: Path, reads: Counter[str]) -> None:
    """A document of the right listed size whose tail is a hole: NUL bytes, never JSON."""
    size = (record / "context.json").stat().st_size
    sparse(record, "context.json", size + 64 * 1024)
    set_size(record, "context.json", size + 64 * 1024)
    failures = record_files(verify_record(record, allow_test_group=True))
    assert any(f.startswith("context.json: a sparse file") for f in failures), failures
    assert reads["context.json"] == 0


# ---- listed size and size on disk --------------------------------------------------------
@pytest.mark.parametrize("path", ["manifest.json", "ceremony/shares.jsonl", BALLOTS])
@pytest.mark.parametrize("delta", [-1, 1])
def test_listed_size_differing_from_the_file_is_refused_unread(record: Path, reads: Counter[str], path: str,
                                                                delta: int) -> None:
    size = (record / path).stat().st_size
    set_size(record, path, size + delta)
    failures = record_files(verify_record(record, allow_test_group=True))
    assert f"{path}: sha256 does not match the index (the file has {size} bytes, the index lists " \
           f"{size + delta}; nothing read)" in failures
    assert reads[path] == 0


def test_file_grown_past_its_listed_size_is_refused_unread(record: Path, reads: Counter[str]) -> None:
    """The size on disk is checked too: a file longer than listed is not read to its end."""
    with open(record / "manifest.json", "ab") as f:
        f.write(b" " * 4096)
    failures = record_files(verify_record(record, allow_test_group=True))
    assert any(f.startswith("manifest.json: sha256 does not match the index (the file has") for f in failures)
    assert reads["manifest.json"] == 0


# ---- exactly at the limit, one byte past it ----------------------------------------------
@pytest.mark.parametrize(("constant", "path", "what"), [
    ("MAX_DOCUMENT_BYTES", "manifest.json", "this JSON document"),
    ("MAX_SHARES_FILE_BYTES", "ceremony/shares.jsonl", "ceremony/shares.jsonl"),
    ("MAX_BALLOT_FILE_BYTES", BALLOTS, "a ballot file"),
])
@pytest.mark.parametrize("past", [0, 1])
def test_at_the_limit_accepted_one_byte_past_refused(record: Path, reads: Counter[str],
                                                     monkeypatch: pytest.MonkeyPatch, constant: str, path: str,
                                                     what: str, past: int) -> None:
    size = (record / path).stat().st_size
    if constant == "MAX_DOCUMENT_BYTES":  # parameters.json must stay readable: manifest.json's limit only
        real = layout.document_limit

        def limit(p: str) -> int:
            return size - past if p == path else real(p)

        monkeypatch.setattr(layout, "document_limit", limit)
        monkeypatch.setattr(io, "document_limit", limit)
    else:
        monkeypatch.setattr(layout, constant, size - past)  # the file is at (past=0) or past the limit
    report = verify_record(record, allow_test_group=True)
    failures = record_files(report)
    message = f"{path}: larger than the {size - past}-byte limit of {what} ({size} bytes listed)"
    if past:
        assert message in failures
        assert reads[path] == 0
    else:
        assert failures == [] and report.valid, failures


@pytest.mark.parametrize("past", [0, 1])
def test_whole_record_limit(record: Path, reads: Counter[str], monkeypatch: pytest.MonkeyPatch, past: int) -> None:
    reader = RecordReader(record)
    listed = sum(reader.index_entry(p).size for p in reader.index_paths())
    monkeypatch.setattr(checks, "MAX_RECORD_BYTES", listed - past)
    reads.clear()
    report = verify_record(record, allow_test_group=True)
    failures = record_files(report)
    if past:
        assert failures == [f"index.json: lists {listed} bytes, larger than the {listed - 1}-byte limit of a "
                            "record (no file hashed)"]
        assert set(reads) == {"index.json", "parameters.json"}, reads  # read when the reader opened
        assert all(c.skipped for c in report.checks if c.name != "record-files")
    else:
        assert failures == [] and report.valid


# ---- the limits themselves ---------------------------------------------------------------
def test_limits_are_those_documented() -> None:
    assert layout._MAX_TRUSTEES == MAX_TRUSTEES
    assert layout.MAX_SHARES_FILE_BYTES == MAX_TRUSTEES * (MAX_TRUSTEES - 1) * layout.MAX_SHARE_LINE_BYTES
    assert layout.MAX_BALLOT_FILE_BYTES == 1_000_000 * (layout.MAX_LINE_BYTES + 1)
    assert layout.mix_output_limit(10) == 10 * (layout.MAX_LINE_BYTES + 1)
    assert layout.file_limit("mixnet/stage-3.jsonl") == (layout.MAX_MIX_OUTPUT_FILE_BYTES, "a mix stage output")
    assert layout.file_limit("mixnet/stage-3.json") == (layout.MAX_MIX_DOCUMENT_BYTES, "a mix document")
    assert layout.file_limit("tally/result.json") == (layout.MAX_DOCUMENT_BYTES, "this JSON document")
    # the 100,000-ballot scale run (docs/performance.md: ≈ 10 KB a ballot) fits by far
    assert layout.MAX_BALLOT_FILE_BYTES > 100_000 * 10_000
    assert layout.MAX_RECORD_BYTES > 1_000_000 * 10_000 * 2


# ---- a mix stage output, bounded by its stage's output_count -----------------------------
@pytest.mark.parametrize("past", [0, 1])
def test_stage_output_held_to_its_declared_count(tmp_path: Path, reads: Counter[str],
                                                  monkeypatch: pytest.MonkeyPatch, past: int) -> None:
    """mix_output_limit (scaled down to the file's size) is applied before the output is read."""
    write_mixed_election(get_group("pilwu-test-512", allow_test=True), tmp_path, voters=2, mix_servers=1)
    path = "mixnet/stage-1.jsonl"
    size = (tmp_path / path).stat().st_size
    monkeypatch.setattr(io, "mix_output_limit", lambda count: size - past)
    reader = RecordReader(tmp_path)
    if past:
        with pytest.raises(MalformedRecord, match=f"^{path}: larger than the {size - 1}-byte limit of the "
                                                  r"\d+ outputs mixnet/stage-1.json declares"):
            reader.mix_stages()
        assert reads[path] == 0
    else:
        assert len(reader.mix_stages()) == 1
