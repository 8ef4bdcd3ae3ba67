"""Terminal output for the command line: progress on stderr, tables on stdout (rich).

rich is the one extra package the CLI may use; no other layer imports it.

Almost everything printed carries text from a record (names, ids, paths, failure
messages that echo a JSON key) or from an exception about one, and its publisher chose
it.  So the two consoles print every string literally, whatever a caller asks: no rich
markup (a name "[/]" would crash the report, "[conceal]" hide what follows), no emoji
codes, no highlighting, and every control or bidirectional character shown as an escape
(election/text.py: ESC as ``\\x1b``, U+202E as ``\\u202e``).  That holds for plain
strings passed to ``print``, table cells and titles alike, because rich turns each of
them into text through :meth:`LiteralConsole.render_str`.  Colour comes only from
:func:`styled`, which escapes its text the same way; nothing else here builds rich Text.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console, JustifyMethod, OverflowMethod
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.style import Style
from rich.table import Table
from rich.text import Text

from pilwu_crypto.election.text import visible
from pilwu_crypto.record.io import atomic_write
from pilwu_crypto.verify.report import VerificationReport
from pilwu_crypto.verify.villages import NOT_VALID, NOT_VERIFIED, VillageSummary


class LiteralConsole(Console):
    """A rich console that shows every string as the literal text it is (see the module docstring)."""

    def render_str(self, text: str, *, style: str | Style = "", justify: JustifyMethod | None = None,
                   overflow: OverflowMethod | None = None, emoji: bool | None = None, markup: bool | None = None,
                   highlight: bool | None = None,
                   highlighter: Callable[[str | Text], Text] | None = None) -> Text:
        """``text`` with its unsafe characters escaped; markup, emoji and highlighting are
        never applied, whatever the arguments say."""
        return Text(visible(text), style=style, justify=justify, overflow=overflow)


out = LiteralConsole(highlight=False, markup=False, emoji=False, soft_wrap=True)
err = LiteralConsole(stderr=True, highlight=False, markup=False, emoji=False, soft_wrap=True)


def styled(*parts: str | tuple[str, str]) -> Text:
    """One line from literal parts and (text, style) parts, each escaped like any printed
    string: ``styled(("NOT VALID", "bold red"), ": ", reason)``."""
    line = Text()
    for part in parts:
        content, style = (part, "") if isinstance(part, str) else part
        line.append(visible(content), style=style)
    return line


def write_json(target: str, doc: dict[str, Any]) -> None:
    """A JSON report to the file ``target`` (atomically) or, for ``-``, to stdout; stdout gets
    ASCII only (``\\u`` escapes), so no record text reaches a terminal raw that way either."""
    to_stdout = target == "-"
    text = json.dumps(doc, indent=2, ensure_ascii=to_stdout) + "\n"
    if to_stdout:
        sys.stdout.write(text)
        return
    path = Path(target).resolve()
    atomic_write(path.parent, path.name, text.encode("utf-8"))


class StageProgress:
    """A progress callback (stage, done, total) drawing one bar per stage on stderr."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        task = self._tasks.get(stage)
        if task is None:
            task = self._progress.add_task(visible(stage), total=total or None)
            self._tasks[stage] = task
        self._progress.update(task, completed=done, total=total or None)


@contextmanager
def progress_bars(enabled: bool = True) -> Iterator[StageProgress]:
    """Progress bars on stderr (hidden when stderr is not a terminal or when disabled)."""
    show = enabled and sys.stderr.isatty()
    with Progress(TextColumn("{task.description:<12}", markup=False), BarColumn(), MofNCompleteColumn(),
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
        table.add_row(str(c.number), c.name, str(c.items), styled((c.status, style)), note)
    return table


def counts_table(rows: list[tuple[str, str, str, int]], title: str = "Verified result") -> Table:
    """Votes per option: (contest id, option id, option name, votes) rows, as a report's ``counts``."""
    table = Table(title=title)
    table.add_column("contest")
    table.add_column("option")
    table.add_column("votes", justify="right")
    for cid, oid, name, count in rows:
        table.add_row(cid, f"{name} ({oid})", str(count))
    return table


def mixed_counts_table(rows: list[tuple[str, str, str, int]]) -> Table:
    """The votes counted from the decrypted mixed list: (contest, option id, name, votes) rows."""
    return counts_table(rows, "Mixed result (decrypted after the mix-net)")


def write_ins_table(names: list[str]) -> Table:
    """The decoded write-in names of the mixed list, with how often each was written in
    (a voter wrote them: shown escaped like every string, never refused)."""
    table = Table(title="Mixed result: write-in names (decrypted after the mix-net)")
    table.add_column("write-in")
    table.add_column("votes", justify="right")
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    for name, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        table.add_row(name, str(count))
    return table


def valid_line(text: str) -> Text:
    """``VALID: text`` in green."""
    return styled(("VALID", "bold green"), f": {text}")


def not_valid_line(reason: str, verdict: str = "NOT VALID") -> Text:
    """``NOT VALID: reason`` (or another verdict) in red."""
    return styled((verdict, "bold red"), f": {reason}")


def print_report(report: VerificationReport) -> None:
    """Summary, table of checks, verified counts and the verdict."""
    out.print(f"record      {report.record}")
    out.print(f"fingerprint {report.fingerprint}")
    out.print(f"group       {report.group}   election {report.election_id}   "
              f"ballots cast {report.ballots_cast}, challenged {report.ballots_challenged}")
    if report.village is not None:  # the manifest's place and register (docs/record-format.md §5.3)
        out.print(f"village     {report.village}, district {report.district}, regency {report.regency}   "
                  f"polling day {report.date}   registered voters {report.registered_voters}")
    if report.ballot_box:
        box = report.ballot_box
        out.print(f"ballot box  {' '.join(box[i:i + 4] for i in range(0, len(box), 4))}")
    out.print(report_table(report))
    for e in report.exclusions:
        out.print(styled(("excluded", "bold yellow"), f": {e['path']}:{e['line']}: ballot {e['ballot_id']}: device "
                                                      f"{e['device_id']} signed an invalid ballot ({e['reason']})"))
    for note in report.notes:
        out.print(styled(("note", "bold yellow"), f": {note}"))
    if report.valid and report.counts:
        out.print(counts_table(report.counts))
    if report.valid:
        out.print(valid_line("every check passed."))
    else:
        out.print(not_valid_line(report.first_failure()))


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
        name, r = row.entry.name, row.report
        if r is None:
            table.add_row(name, "-", "-", styled(("not verified", "yellow"), f": {row.reason}"))
        else:
            verdict = styled(("valid", "green")) if r.valid else not_valid_line(r.first_failure())
            table.add_row(name, r.fingerprint[:16], str(r.ballots_cast), verdict)
    return table


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def print_villages(summary: VillageSummary) -> None:
    """The villages table, the files ignored and the one verdict (villages.VillageSummary.status)."""
    out.print(villages_table(summary))
    if summary.ignored_files:
        out.print(f"ignored (left by an operating system): {', '.join(summary.ignored_files)}")
    bad, unverified, total = summary.count(NOT_VALID), summary.count(NOT_VERIFIED), len(summary.rows)
    if summary.status == NOT_VALID:
        also = f"; {unverified} of {total} entries could not be verified" if unverified else ""
        out.print(not_valid_line(f"{bad} of {_count(summary.records, 'village record', 'village records')} "
                                 f"fail{also}"))
    elif summary.status == NOT_VERIFIED:
        first = next(r for r in summary.rows if r.status == NOT_VERIFIED)
        out.print(styled(("NOT VERIFIED", "bold yellow"),
                         f": {unverified} of {total} entries could not be verified (first: {first.entry.name}: "
                         f"{first.reason}); "
                         f"{_count(summary.records, 'village record verifies', 'village records verify')}"))
    else:
        out.print(valid_line(f"all {summary.records} village records verify."))
