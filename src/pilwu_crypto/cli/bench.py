"""``pilwu bench``: measure the operations of an election and print one table.

    pilwu bench [--group NAME] [--json PATH] [--quick] [--vmn-case DIR] [--insecure-test-group]

Every row is a time per item and the same time in "pe", multiples of one raw 256-bit
exponentiation in the same group measured in the same run (docs/performance.md).  The
measuring is :mod:`pilwu_crypto.bench`; this module parses arguments, renders the table
and writes the JSON report atomically.  Exit codes: 0 measured; 2 misuse (unknown or
test-only group, unwritable --json path), one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.table import Table

from pilwu_crypto.algebra.groups import DEFAULT_GROUP, TEST_ONLY_GROUPS, get_group, group_names
from pilwu_crypto.bench import FULL, QUICK, BenchReport, Row, default_vmn_case, run_bench
from pilwu_crypto.cli import render
from pilwu_crypto.cli.steps import EXIT_OK, EXIT_USAGE, one_line, say
from pilwu_crypto.errors import InvalidParameters
from pilwu_crypto.record.io import atomic_write


def register(sub: Any) -> None:
    """Add ``bench`` to the ``pilwu`` sub-command parser."""
    p = sub.add_parser("bench", help="measure this machine: time and pe per operation, one table",
                       description="Time the operations of an election on this machine and print one table; "
                                   "'pe' = multiples of one raw 256-bit exponentiation in the same group, "
                                   "measured in the same run (docs/performance.md).")
    p.add_argument("--group", default=DEFAULT_GROUP,
                   help=f"parameter set (default {DEFAULT_GROUP}; one of {', '.join(group_names())})")
    p.add_argument("--json", metavar="PATH", help="also write the results as versioned JSON (- for stdout)")
    p.add_argument("--quick", action="store_true", help="small sizes and few repetitions (a smoke test, seconds)")
    p.add_argument("--vmn-case", metavar="DIR", default=None,
                   help="a Verificatum mixing-session directory (protInfo.xml, nizkp/default) to time; "
                        "default: the source tree's tests/data/verificatum/cases/modp512_n100_mix")
    p.add_argument("--insecure-test-group", action="store_true",
                   help="allow a test-only group (figures for tests, never for a real election)")
    p.set_defaults(func=cmd_bench)


def _error(message: str, code: int) -> int:
    render.err.print(f"pilwu bench: {one_line(message)}")
    return code


def cmd_bench(args: argparse.Namespace) -> int:
    """Check the arguments, measure, print the table, write the JSON; returns the exit code."""
    if args.group in TEST_ONLY_GROUPS and not args.insecure_test_group:
        return _error(f"error: group {args.group} is for tests only; add --insecure-test-group to use it anyway",
                      EXIT_USAGE)
    try:
        group = get_group(args.group, allow_test=args.insecure_test_group)
    except InvalidParameters as exc:
        return _error(f"error: {exc}", EXIT_USAGE)
    json_target: Path | None = None
    if args.json and args.json != "-":
        json_target = Path(args.json).resolve()
        if not json_target.parent.is_dir():
            return _error(f"error: --json: directory {json_target.parent} does not exist", EXIT_USAGE)
    if args.vmn_case and not Path(args.vmn_case).is_dir():
        return _error(f"error: --vmn-case: {args.vmn_case} is not a directory", EXIT_USAGE)
    vmn_case = Path(args.vmn_case) if args.vmn_case else default_vmn_case()
    sizes = QUICK if args.quick else FULL
    with render.progress_bars(True) as progress:
        report = run_bench(group, sizes, vmn_case=vmn_case, progress=progress)
    text = json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"
    if json_target is not None:
        atomic_write(json_target.parent, json_target.name, text.encode("utf-8"))
    if args.json == "-":
        sys.stdout.write(text)
        return EXIT_OK
    print_report(report)
    if json_target is not None:
        say(f"JSON written to {json_target}")
    return EXIT_OK


def fmt_seconds(s: float) -> str:
    """A duration with a unit suited to its size (ns, µs, ms, s), 3-4 significant digits."""
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs")):
        if s >= scale:
            v = s / scale
            return f"{v:,.0f} {unit}" if v >= 100 else f"{v:.1f} {unit}" if v >= 10 else f"{v:.3f} {unit}"
    return f"{s * 1e9:.0f} ns"


def fmt_pe(pe: float) -> str:
    if pe >= 100:
        return f"{pe:,.0f}"
    if pe >= 10:
        return f"{pe:.1f}"
    if pe >= 0.1:
        return f"{pe:.2f}"
    return f"{pe:.4f}"


def bench_table(report: BenchReport) -> Table:
    """The rows as a table: #, operation, items per timed call, time per item, pe per item."""
    table = Table(title=f"pilwu bench: {report.group}" + (" (--quick)" if report.quick else ""))
    table.add_column("#", justify="right")
    table.add_column("operation", overflow="fold")
    table.add_column("items", justify="right")
    table.add_column("time / item", justify="right")
    table.add_column("pe / item", justify="right")
    for i, r in enumerate(report.rows, 1):
        mark = "*" if _note(report, r) else ""
        if r.seconds_per_item is None or r.pe is None:
            table.add_row(f"{i}{mark}", r.name, "", render.styled(("n/a", "yellow")), render.styled(("n/a", "yellow")))
            continue
        table.add_row(f"{i}{mark}", r.name, str(r.items), fmt_seconds(r.seconds_per_item), fmt_pe(r.pe))
    return table


def _note(report: BenchReport, row: Row) -> str:
    """What the table's footnote says about a row ("" for none)."""
    if row.group and row.group != report.group:
        return f"group {row.group}; {row.note}" if row.note else f"group {row.group}"
    return row.note


def print_report(report: BenchReport) -> None:
    """The header (unit, machine) and the table, on stdout."""
    m = report.machine
    say(f"group       {report.group}   1 pe = {fmt_seconds(report.pe_seconds)} ({report.pe_kind})")
    say(f"machine     {m.cpu_count} CPUs, {m.cpu_model}; {m.platform}")
    say(f"software    Python {m.python}, gmpy2 {m.gmpy2} ({m.gmp}), pycryptodome {m.pycryptodome}")
    say(f"run         {report.started}, {report.wall_seconds:.1f} s; median of {report.sizes.reps} repetitions "
        "per row, pe = median of per-repetition ratios to an interleaved raw-exponentiation loop")
    render.out.print(bench_table(report))
    for i, r in enumerate(report.rows, 1):
        note = _note(report, r)
        if note:
            say(f"*{i}: {note}")
    say("What each row times exactly: the 'detail' of its row in --json.")


__all__ = ["register"]
