"""The verification report: numbered checks with pass/fail and named failures.

The report is plain data; the CLI renders it as a table or as JSON (schema
``pilwu-verification-report`` version 1, documented in docs/verifier.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

REPORT_SCHEMA = "pilwu-verification-report"
REPORT_VERSION = 2
MAX_FAILURES_LISTED = 50
"""Failures kept per check (the count is always exact)."""


@dataclass
class CheckResult:
    """One numbered check: what it covers, how many items it examined, what failed."""

    number: int
    name: str
    description: str
    items: int = 0
    failures: list[str] = field(default_factory=list)
    failure_count: int = 0
    skipped: str = ""
    """Non-empty when the check could not run (its reason); a skipped check is not a pass."""
    note: str = ""
    """What a passing check left out or passed over, and why (excluded ballots, ignored files);
    never hides a failure."""

    @property
    def ok(self) -> bool:
        return self.failure_count == 0 and not self.skipped

    def fail(self, message: str) -> None:
        self.failure_count += 1
        if len(self.failures) < MAX_FAILURES_LISTED:
            self.failures.append(message)

    @property
    def status(self) -> str:
        if self.skipped:
            return "skipped"
        return "pass" if self.ok else "FAIL"

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "name": self.name, "description": self.description,
                "status": self.status, "items": self.items, "failure_count": self.failure_count,
                "failures": list(self.failures), "skipped": self.skipped, "note": self.note}


@dataclass
class VerificationReport:
    """The outcome of verifying one election record."""

    record: str
    fingerprint: str = ""
    group: str = ""
    election_id: str = ""
    village: str | None = None
    district: str | None = None
    regency: str | None = None
    date: str | None = None
    registered_voters: int | None = None
    """The manifest's place, polling date and voter register (docs/record-format.md §5.3);
    None for a format-1 record or when the manifest could not be read."""
    ballots_cast: int = 0
    ballots_challenged: int = 0
    counts: list[tuple[str, str, str, int]] = field(default_factory=list)
    """(contest id, option id, option name, count) as published and verified."""
    checks: list[CheckResult] = field(default_factory=list)
    ballot_box: str = ""
    """The ballot-box fingerprint (hex), once checks 1-8 passed on a format-2 record."""
    format_version: int = 0
    """The record format version read from index.json (0 if it was never read)."""
    exclusions: list[dict[str, Any]] = field(default_factory=list)
    """Cast ballots excluded by the rule of docs/record-format.md §5.11, each naming its device."""
    notes: list[str] = field(default_factory=list)
    """What a VALID verdict does not cover for this record (e.g. what format 1 does not bind)."""
    ignored_files: list[str] = field(default_factory=list)
    """Unlisted files operating systems leave (layout.is_os_junk): never read, no failure."""

    @property
    def valid(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def first_failure(self) -> str:
        for c in self.checks:
            if c.failures:
                return f"check {c.number} ({c.name}): {c.failures[0]}"
            if c.skipped:
                return f"check {c.number} ({c.name}) not performed: {c.skipped}"
        return ""

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": REPORT_SCHEMA, "version": REPORT_VERSION, "record": self.record,
            "format_version": self.format_version, "notes": list(self.notes), "ballot_box": self.ballot_box,
            "exclusions": list(self.exclusions),
            "fingerprint": self.fingerprint, "group": self.group, "election_id": self.election_id,
            "village": self.village, "district": self.district, "regency": self.regency, "date": self.date,
            "registered_voters": self.registered_voters,
            "valid": self.valid, "ballots_cast": self.ballots_cast,
            "ballots_challenged": self.ballots_challenged,
            "counts": [{"contest_id": c, "option_id": o, "name": n, "count": k} for c, o, n, k in self.counts],
            "checks": [c.to_json() for c in self.checks],
            "ignored_files": list(self.ignored_files),
        }
