"""A directory of village records (a regency's copy): every entry is a row, one rule decides.

No entry is left out without a word, since a village that was not verified must never
hide behind "all records verify".  Each entry of the directory is one of:

- a sub-directory holding ``index.json``: a record, verified (valid or not valid), or
  not verified when it cannot be read at all (RecordUnreadable, CopyUnreadable);
- a sub-directory without ``index.json``: "not a record (no index.json)", not verified
  (an incomplete copy, say);
- a symbolic link: "symbolic link, not followed", not verified (a link may lead
  anywhere; copy the record itself into the directory);
- anything else (a file, a FIFO, ...): "not a directory", not verified (a zipped
  village, say), never opened;
- a file operating systems leave (``.DS_Store``, ``Thumbs.db``, ``desktop.ini``,
  ``._*``) or a ``__MACOSX`` directory (layout.is_os_junk): ignored, listed, no row.

The summary is ``not valid`` if any village is not valid, else ``not verified`` if any
entry could not be verified, else ``valid`` (docs/verifier.md).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pilwu_crypto.errors import CopyUnreadable, RecordUnreadable
from pilwu_crypto.record.files import copy_unreadable
from pilwu_crypto.record.layout import INDEX_PATH, OS_JUNK_DIR, is_os_junk
from pilwu_crypto.verify.report import VerificationReport

SUMMARY_SCHEMA = "pilwu-verification-summary"
SUMMARY_VERSION = 2

VALID, NOT_VALID, NOT_VERIFIED = "valid", "not valid", "not verified"
DIRECTORY, SYMLINK, OTHER = "directory", "symbolic link", "not a directory"
NO_INDEX = "not a record (no index.json)"
NOT_FOLLOWED = "symbolic link, not followed"


@dataclass(frozen=True)
class Entry:
    """One entry of the directory: its name, path and kind (DIRECTORY, SYMLINK or OTHER)."""

    name: str
    path: Path
    kind: str


@dataclass(frozen=True)
class VillageRow:
    """One row of the summary: a verified record (``report``) or why there is none."""

    entry: Entry
    report: VerificationReport | None = None
    reason: str = ""

    @property
    def status(self) -> str:
        if self.report is None:
            return NOT_VERIFIED
        return VALID if self.report.valid else NOT_VALID

    def to_json(self) -> dict[str, Any]:
        return {"name": self.entry.name, "path": str(self.entry.path), "kind": self.entry.kind,
                "status": self.status, "reason": self.reason,
                "report": self.report.to_json() if self.report is not None else None}


@dataclass
class VillageSummary:
    """Every row of a directory of village records, and the files ignored in it."""

    directory: Path
    rows: list[VillageRow] = field(default_factory=list)
    ignored_files: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def sub_directories(self) -> int:
        return sum(1 for r in self.rows if r.entry.kind == DIRECTORY)

    @property
    def records(self) -> int:
        """Rows whose record was read and verified (valid or not)."""
        return sum(1 for r in self.rows if r.report is not None)

    @property
    def status(self) -> str:
        """NOT_VALID if any village is not valid, else NOT_VERIFIED if any row could not
        be verified, else VALID."""
        if self.count(NOT_VALID):
            return NOT_VALID
        return NOT_VERIFIED if self.count(NOT_VERIFIED) else VALID

    def to_json(self) -> dict[str, Any]:
        return {"schema": SUMMARY_SCHEMA, "version": SUMMARY_VERSION, "directory": str(self.directory),
                "valid": self.status == VALID, "status": self.status,
                "sub_directories": self.sub_directories, "records": self.records,
                "villages": [r.to_json() for r in self.rows], "ignored_files": list(self.ignored_files)}


def _has_index(directory: Path) -> bool | None:
    """Whether ``directory`` holds an index.json entry (None: it cannot be examined)."""
    try:
        os.lstat(directory / INDEX_PATH)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:
        return None
    return True


def village_entries(root: Path) -> tuple[list[Entry], list[str]] | None:
    """The entries (sorted by name) and the ignored files of a directory of village
    records; None when ``root`` is not one: not a directory, a record itself (it holds
    index.json), or no entry of it holds index.json (then it is verified as one record,
    which names what is missing).  CopyUnreadable when ``root`` cannot be listed."""
    try:
        if not stat.S_ISDIR(os.stat(root).st_mode) or _has_index(root) is not False:
            return None
    except OSError:
        return None  # verified as one record, which names the problem
    try:
        names = sorted(os.listdir(root))
        entries = [Entry(name, root / name, _kind(root / name)) for name in names]
    except OSError as exc:
        raise copy_unreadable(exc.filename or root, exc) from None
    if not any(e.kind != OTHER and _has_index(e.path) for e in entries):
        return None
    ignored = [e.name for e in entries if _ignored(e)]
    return [e for e in entries if not _ignored(e)], ignored


def _kind(path: Path) -> str:
    mode = os.lstat(path).st_mode
    if stat.S_ISLNK(mode):
        return SYMLINK
    return DIRECTORY if stat.S_ISDIR(mode) else OTHER


def _ignored(entry: Entry) -> bool:
    if entry.kind == DIRECTORY:
        return entry.name == OS_JUNK_DIR
    return is_os_junk(entry.name)


def verify_villages(root: Path, entries: list[Entry], ignored: list[str],
                    verify: Callable[[Path], VerificationReport]) -> VillageSummary:
    """One row per entry: ``verify`` (verify_record with the caller's executor) runs on
    every sub-directory holding index.json; the others get their reason."""
    summary = VillageSummary(root, ignored_files=ignored)
    for entry in entries:
        summary.rows.append(_row(entry, verify))
    return summary


def _row(entry: Entry, verify: Callable[[Path], VerificationReport]) -> VillageRow:
    if entry.kind == SYMLINK:
        return VillageRow(entry, reason=NOT_FOLLOWED)
    if entry.kind == OTHER:
        return VillageRow(entry, reason=OTHER)
    if _has_index(entry.path) is False:
        return VillageRow(entry, reason=NO_INDEX)
    try:
        return VillageRow(entry, verify(entry.path))
    except CopyUnreadable as exc:
        return VillageRow(entry, reason=f"{exc}, nothing verified")
    except RecordUnreadable as exc:
        return VillageRow(entry, reason=f"cannot be read: {exc}")
