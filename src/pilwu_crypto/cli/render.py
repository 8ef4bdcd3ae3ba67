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
        table.add_row(str(c.number), c.name, str(c.items), f"[{style}]{c.status}[/]", note)
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
    if report.ballot_box:
        box = report.ballot_box
        out.print(f"ballot box  {' '.join(box[i:i + 4] for i in range(0, len(box), 4))}")
    out.print(report_table(report))
    for e in report.exclusions:
        out.print(f"[bold yellow]excluded[/]: {escape(str(e['path']))}:{e['line']}: ballot "
                  f"{escape(str(e['ballot_id']))}: device {escape(str(e['device_id']))} signed an invalid ballot "
                  f"({escape(str(e['reason']))})")
    for note in report.notes:
        out.print(f"[bold yellow]note[/]: {escape(note)}")
    if report.valid and report.counts:
        out.print(counts_table(report))
    if report.valid:
        out.print("[bold green]VALID[/]: every check passed.")
    else:
        out.print(f"[bold red]NOT VALID[/]: {report.first_failure()}")


def villages_table(rows: list[tuple[str, VerificationReport | str]]) -> Table:
    """One line per village record: name, fingerprint, ballots, verdict (or why unreadable)."""
    table = Table(title="Village records")
    for column, justify in (("village", "left"), ("fingerprint", "left"), ("ballots", "right"),
                            ("verdict", "left")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for name, r in rows:
        if isinstance(r, str):
            table.add_row(name, "-", "-", f"[red]{escape(r)}[/]")
        else:
            verdict = "[green]valid[/]" if r.valid else f"[red]NOT VALID[/]: {escape(r.first_failure())}"
            table.add_row(name, r.fingerprint[:16], str(r.ballots_cast), verdict)
    return table
