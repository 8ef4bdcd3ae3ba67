"""Print the benchmark results as one Markdown table (times and pe ratios, targets met?).

    .venv/bin/python benchmarks/report.py /tmp/bench.json    # a saved --benchmark-json
    .venv/bin/python benchmarks/report.py                    # runs the suite first
    .venv/bin/python benchmarks/report.py --header FILE      # with date, machine, command
    .venv/bin/python benchmarks/report.py -- -k pilwu-3072   # run a selection (pytest args)

Columns: benchmark, group, median µs (per operation: per base / per ciphertext where the
name says so), pe (that median over one raw 256-bit exponentiation in the same group,
sampled interleaved with the benchmark, see pe_units.py), target (in pe, where the
brief sets one), met?, notes (mulmods, the peer's figure, load warnings).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GROUP_ORDER = ["pilwu-3072", "electionguard-4096", "P-256", "pilwu-test-512"]
DRIFT_WARN = 0.15
"""Flag a row whose interleaved reference differs from the session one by more than this."""
LOAD_WARN = 0.10
"""Flag a row during which other processes used more than this fraction of the CPUs."""


def run_suite(json_path: Path, extra: list[str]) -> None:
    cmd = [sys.executable, "-m", "pytest", str(HERE), "-q", "-p", "no:cacheprovider",
           "--benchmark-only", f"--benchmark-json={json_path}", *extra]
    print("running:", " ".join(cmd), file=sys.stderr)
    result = subprocess.run(cmd, cwd=ROOT, stdout=sys.stderr, check=False)
    if result.returncode != 0:
        raise SystemExit(f"benchmark run failed (exit {result.returncode})")


def fmt_us(us: float) -> str:
    if us >= 1000:
        return f"{us:,.0f}"
    if us >= 10:
        return f"{us:.1f}"
    return f"{us:.2f}"


def fmt_ratio(x: float) -> str:
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    if x >= 0.1:
        return f"{x:.2f}"
    return f"{x:.4f}"


def row(b: dict[str, Any]) -> list[str] | None:
    info = b.get("extra_info") or {}
    if "pe" not in info:
        return None
    pe = float(info["pe"])
    tgt = info.get("target_pe")
    if tgt is None:
        target, met = "", ""
    else:
        target = f"≤ {tgt:g}"
        met = "yes" if pe <= tgt else f"**no** (×{pe / tgt:.2f})"
    notes = []
    if "mulmods" in info:
        notes.append(f"{info['mulmods']:.2f} mulmods")
    if info.get("peer"):
        notes.append(str(info["peer"]))
    drift = float(info["pe_reference_us"]) / float(info["pe_reference_session_us"]) - 1
    if abs(drift) > DRIFT_WARN:
        notes.append(f"reference {drift:+.0%} vs session")
    load = info.get("other_cpu_load")
    if load is not None and load > LOAD_WARN:
        notes.append(f"other load {load:.0%}")
    return [str(info["bench"]), str(info["group"]), fmt_us(float(info["median_us"])),
            fmt_ratio(pe), target, met, "; ".join(notes)]


def table(data: dict[str, Any]) -> str:
    benches = data["benchmarks"]
    first_seen: dict[str, int] = {}
    rows: list[tuple[int, int, list[str]]] = []
    for b in benches:
        r = row(b)
        if r is None:
            continue
        first_seen.setdefault(r[0], len(first_seen))
        g = GROUP_ORDER.index(r[1]) if r[1] in GROUP_ORDER else len(GROUP_ORDER)
        rows.append((first_seen[r[0]], g, r))
    rows.sort(key=lambda t: (t[0], t[1]))
    head = ["benchmark", "group", "median µs", "pe", "target (pe)", "met?", "notes"]
    lines = ["| " + " | ".join(head) + " |",
             "|---|---|---:|---:|---|---|---|"]
    lines += ["| " + " | ".join(r) + " |" for _, _, r in rows]
    return "\n".join(lines)


def header(data: dict[str, Any]) -> str:
    p = data.get("pilwu", {})
    refs: dict[str, tuple[float, str]] = {}
    for b in data["benchmarks"]:
        info = b.get("extra_info") or {}
        if "pe_reference_session_us" in info:
            session_us = float(info["pe_reference_session_us"])
            refs.setdefault(str(info["group"]), (session_us, str(info["pe_kind"])))
    lines = [
        f"- date: {p.get('started', data.get('datetime', '?'))} to {p.get('finished', '?')}",
        f"- machine: {p.get('nproc', '?')} CPUs, {p.get('cpu_model', '?')}; {p.get('platform', '')}",
        f"- software: Python {p.get('python', '?')}, gmpy2 {p.get('gmpy2', '?')}, "
        f"pycryptodome {p.get('pycryptodome', '?')}, pytest-benchmark {p.get('pytest_benchmark', '?')}",
        f"- pytest command: `{p.get('command', '?')}`",
    ]
    load = p.get("other_cpu_load")
    if load is not None:
        lines.append(f"- CPU used by other processes during the run: {load:.0%} of all CPUs "
                     f"(load average at the end: {', '.join(f'{x:.2f}' for x in p.get('loadavg_end', []))})")
    for g in GROUP_ORDER:
        if g in refs:
            us, kind = refs[g]
            lines.append(f"- 1 pe on {g} (session median): {us:,.1f} µs = {kind}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("json", nargs="?", type=Path, help="pytest-benchmark JSON (--benchmark-json); "
                    "without it the suite is run first")
    ap.add_argument("--header", action="store_true", help="print date, machine and command first")
    argv = sys.argv[1:] if argv is None else argv
    extra: list[str] = []
    if "--" in argv:  # report.py [options] -- <extra pytest arguments for the run>
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1:]
    args = ap.parse_args(argv)
    if args.json is None:
        fd, name = tempfile.mkstemp(suffix=".json", prefix="pilwu-bench-")
        os.close(fd)
        path = Path(name)
        run_suite(path, extra)
        print(f"JSON written to {path}", file=sys.stderr)
    else:
        path = args.json
    data = json.loads(path.read_text())
    if args.header:
        print(header(data))
        print()
    print(table(data))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
