"""Terminal output for the command line: progress on stderr, tables on stdout (rich).

rich is the one extra package the CLI may use; no other layer imports it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from pilwu_crypto.verify.report import VerificationReport
from pilwu_crypto.verify.villages import NOT_VALID, NOT_VERIFIED, VillageSummary

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class StageProgress:
    """A progress callback (stage, done, total) drawing one bar per stage on stderr."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        task = self._tasks.get(stage)
        if task is None:
            task = self._progress.add_task(stage, total=total or None)
            self._tasks[stage] = task
        self._progress.update(task, completed=done, total=total or None)


@contextmanager
def progress_bars(enabled: bool = True) -> Iterator[StageProgress]:
    """Progress bars on stderr (hidden when stderr is not a terminal or when disabled)."""
    show = enabled and sys.stderr.isatty()
    with Progress(TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True, disable=not show) as p:
        yield StageProgress(p)


def report_table(report: VerificationReport) -> Table:
    """The numbered checks as a table."""
    table = Table(title=f"Verification of {report.record}", show_lines=False)
    table.add_column("#", justify="right")
    table.add_column("check")
    table.add_column("items", justify="right")
    table.add_column("result")
    table.add_column("first failure / note", overflow="fold")
    for c in report.checks:
        style = "green" if c.ok else ("yellow" if c.skipped else "bold red")
        note = c.skipped or (c.failures[0] if c.failures else c.note)
        if c.failure_count > 1:
            note += f"  (+{c.failure_count - 1} more)"
        table.add_row(str(c.number), c.name, str(c.items), f"[{style}]{c.status}[/]", escape(note))
    return table


def counts_table(report: VerificationReport) -> Table:
    table = Table(title="Verified result")
    table.add_column("contest")
    table.add_column("option")
    table.add_column("votes", justify="right")
    for cid, oid, name, count in report.counts:
        table.add_row(cid, f"{name} ({oid})", str(count))
    return table


def mixed_counts_table(rows: list[tuple[str, str, str, int]]) -> Table:
    """The votes counted from the decrypted mixed list: (contest, option id, name, votes) rows."""
    table = Table(title="Mixed result (decrypted after the mix-net)")
    table.add_column("contest")
    table.add_column("option")
    table.add_column("votes", justify="right")
    for cid, oid, name, count in rows:
        table.add_row(cid, f"{name} ({oid})", str(count))
    return table


def write_ins_table(names: list[str]) -> Table:
    """The decoded write-in names of the mixed list, with how often each was written in."""
    table = Table(title="Mixed result: write-in names (decrypted after the mix-net)")
    table.add_column("write-in")
    table.add_column("votes", justify="right")
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    for name, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        table.add_row(name, str(count))
    return table


def print_report(report: VerificationReport) -> None:
    """Summary, table of checks, verified counts and the verdict."""
    out.print(f"record      {report.record}")
    out.print(f"fingerprint {report.fingerprint}")
    out.print(f"group       {report.group}   election {report.election_id}   "
              f"ballots cast {report.ballots_cast}, challenged {report.ballots_challenged}")
    out.print(report_table(report))
    if report.valid and report.counts:
        out.print(counts_table(report))
    if report.valid:
        out.print("[bold green]VALID[/]: every check passed.")
    else:
        out.print(f"[bold red]NOT VALID[/]: {escape(report.first_failure())}")


def villages_table(summary: VillageSummary) -> Table:
    """One line per entry of a directory of villages: name, fingerprint, ballots, verdict
    (or why it was not verified); the caption counts sub-directories and records."""
    others = len(summary.rows) - summary.sub_directories
    caption = (f"{_count(summary.sub_directories, 'sub-directory', 'sub-directories')}, "
               f"{_count(summary.records, 'record', 'records')}")
    caption += f", {_count(others, 'other entry', 'other entries')}" if others else ""
    table = Table(title="Village records", caption=caption)
    for column, justify in (("village", "left"), ("fingerprint", "left"), ("ballots", "right"),
                            ("verdict", "left")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for row in summary.rows:
        name, r = escape(row.entry.name), row.report
        if r is None:
            table.add_row(name, "-", "-", f"[yellow]not verified[/]: {escape(row.reason)}")
        else:
            verdict = "[green]valid[/]" if r.valid else f"[red]NOT VALID[/]: {escape(r.first_failure())}"
            table.add_row(name, r.fingerprint[:16], str(r.ballots_cast), verdict)
    return table


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def print_villages(summary: VillageSummary) -> None:
    """The villages table, the files ignored and the one verdict (villages.VillageSummary.status)."""
    out.print(villages_table(summary))
    if summary.ignored_files:
        out.print(f"ignored (left by an operating system): {escape(', '.join(summary.ignored_files))}")
    bad, unverified, total = summary.count(NOT_VALID), summary.count(NOT_VERIFIED), len(summary.rows)
    if summary.status == NOT_VALID:
        also = f"; {unverified} of {total} entries could not be verified" if unverified else ""
        out.print(f"[bold red]NOT VALID[/]: {bad} of {_count(summary.records, 'village record', 'village records')} "
                  f"fail{also}")
    elif summary.status == NOT_VERIFIED:
        first = next(r for r in summary.rows if r.status == NOT_VERIFIED)
        out.print(f"[bold yellow]NOT VERIFIED[/]: {unverified} of {total} entries could not be verified "
                  f"(first: {escape(first.entry.name)}: {escape(first.reason)}); "
                  f"{_count(summary.records, 'village record verifies', 'village records verify')}")
    else:
        out.print(f"[bold green]VALID[/]: all {summary.records} village records verify.")
