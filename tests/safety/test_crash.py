"""Crash safety of the record writer: a writer killed at any point leaves a directory that
either verifies completely or is reported as incomplete.

A child process writes a simulated election (``write_simulated_election``), or first a
complete election and then its mix-net part (``reopen_record`` via
``write_simulated_mix``), and kills itself with SIGKILL at the k-th ``os.fsync`` or
``os.replace`` of the writer — between writing a temporary file and renaming it, between
the rename and the directory fsync, before and after index.json — or after a seeded
random delay.  What is left must then be:

- unreadable (RecordUnreadable, exit 2: no index yet), or
- not valid (exit 1) with failures naming the files that are missing or not listed, or
- valid, and then complete: every ballot the simulation cast or challenged (a valid
  record never lacks ballots; for the extension, the earlier complete record, or the
  complete mixed one);

the index never lists a temporary file (``.<name>.tmp-<hex>``), and temporary files
left behind are reported as not listed; finally a writer re-run with ``force`` over the
debris (and, for the extension, the mix-net written again) gives a record that verifies.

Default: a few deterministic kill points per mode; ``PILWU_EXHAUSTIVE=1``: every point
and more random delays.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.election.simulation import kuwu_manifest, simulate_election, simulate_mixing
from pilwu_crypto.errors import RecordUnreadable
from pilwu_crypto.record.io import write_simulated_election, write_simulated_mix
from pilwu_crypto.verify.checks import verify_record

EXHAUSTIVE = os.environ.get("PILWU_EXHAUSTIVE") == "1"
GROUP = "pilwu-test-512"
VOTERS, CHALLENGED = 3, 1

WRITER = textwrap.dedent('''
    """Child: write a simulated record, SIGKILLing itself at the KILL_AT-th fsync/replace."""
    import os, random, signal, sys, time
    from pathlib import Path
    from pilwu_crypto.algebra.groups import get_group
    from pilwu_crypto.election.simulation import kuwu_manifest, simulate_election, simulate_mixing
    from pilwu_crypto.record.io import write_simulated_election, write_simulated_mix

    mode, root, kill_at, delay = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    group = get_group("pilwu-test-512", allow_test=True)
    sim = simulate_election(group, kuwu_manifest(["A", "B", "C"]), trustees=3, threshold=2, absent=1,
                            voters=%(voters)d, challenged=%(challenged)d, devices=2, mix_servers=2,
                            rng=random.Random(3))
    mix = simulate_mixing(sim) if mode == "extend" else None
    if mode == "extend":
        write_simulated_election(sim, root, force=True)
    calls = 0
    real_fsync, real_replace = os.fsync, os.replace

    def tick():
        global calls
        calls += 1
        if calls == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    def fsync(fd):
        tick()
        real_fsync(fd)
        tick()

    def replace(src, dst):
        tick()
        real_replace(src, dst)
        tick()

    os.fsync, os.replace = fsync, replace
    if delay > 0:
        import threading
        threading.Timer(delay, lambda: os.kill(os.getpid(), signal.SIGKILL)).start()
    if mode == "extend":
        write_simulated_mix(sim, mix, root)
    else:
        write_simulated_election(sim, root, force=True)
    print("CALLS", calls, flush=True)
    os._exit(0)
''') % {"voters": VOTERS, "challenged": CHALLENGED}

MODES = ("election", "extend")


def run_writer(tmp: Path, mode: str, root: Path, kill_at: int = 0,
               delay: float = 0.0) -> subprocess.CompletedProcess[str]:
    script = tmp / "writer.py"
    script.write_text(WRITER)
    return subprocess.run([sys.executable, str(script), mode, str(root), str(kill_at), str(delay)],
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def total_calls(tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    """How many kill points (fsync/replace boundaries) each mode's writing has."""
    out = {}
    for mode in MODES:
        tmp = tmp_path_factory.mktemp(f"count-{mode}")
        proc = run_writer(tmp, mode, tmp / "record")
        assert proc.returncode == 0, proc.stderr
        out[mode] = int(proc.stdout.split()[-1])
    return out


def kill_points(total: int) -> list[int]:
    if EXHAUSTIVE:
        return list(range(1, total + 1))
    rng = random.Random(7)
    return sorted({1, 2, total // 2, total - 2, total - 1, total, rng.randrange(3, total - 3)})


def check_debris(root: Path, mode: str) -> str:
    """What is left verifies completely or is reported incomplete; never valid and short."""
    index = root / "index.json"
    if index.exists():
        listed = [f["path"] for f in json.loads(index.read_bytes())["files"]]
        assert not any(".tmp-" in p for p in listed), listed
    try:
        report = verify_record(root, allow_test_group=True)
    except RecordUnreadable as exc:
        assert "index.json" in str(exc) or "does not exist" in str(exc), str(exc)
        return "unreadable"
    temps = [p.relative_to(root).as_posix() for p in root.rglob("*") if ".tmp-" in p.name]
    text = " | ".join(" ; ".join(c.failures or [c.skipped]) for c in report.checks if not c.ok)
    if report.valid:
        assert not temps
        assert report.ballots_cast + report.ballots_challenged == VOTERS + CHALLENGED
        assert report.ballots_challenged == CHALLENGED
        mixed = len(report.checks) == 15
        assert mode == "extend" or not mixed
        return "valid-mixed" if mixed else "valid"
    assert "missing" in text or "not listed" in text, text
    for t in temps:
        assert t in text, (t, text)
    return "incomplete"


@pytest.mark.parametrize("mode", MODES)
def test_killed_writer_leaves_a_complete_or_incomplete_record(mode: str, total_calls: dict[str, int],
                                                              tmp_path: Path) -> None:
    group = get_group(GROUP, allow_test=True)
    sim = simulate_election(group, kuwu_manifest(["A", "B", "C"]), trustees=3, threshold=2, absent=1,
                            voters=VOTERS, challenged=CHALLENGED, devices=2, mix_servers=2, rng=random.Random(3))
    mix = simulate_mixing(sim)
    seen: dict[str, int] = {}
    points = [(k, 0.0) for k in kill_points(total_calls[mode])]
    rng = random.Random(11)
    points += [(0, rng.uniform(0.0, 1.5)) for _ in range(8 if EXHAUSTIVE else 1)]
    for i, (kill_at, delay) in enumerate(points):
        root = tmp_path / f"r{i}"
        proc = run_writer(tmp_path, mode, root, kill_at, delay)
        assert "Traceback" not in proc.stderr, proc.stderr
        if kill_at:
            assert proc.returncode == -signal.SIGKILL, (kill_at, proc.returncode, proc.stderr)
        if not root.exists():
            continue
        verdict = check_debris(root, mode)
        seen[verdict] = seen.get(verdict, 0) + 1
        # the writer re-run with force over the debris gives a valid record
        write_simulated_election(sim, root, force=True)
        if mode == "extend":
            write_simulated_mix(sim, mix, root)
        report = verify_record(root, allow_test_group=True)
        assert report.valid, [c.failures for c in report.checks if not c.ok]
        assert not [p for p in root.rglob("*") if ".tmp-" in p.name]
    assert "incomplete" in seen or "unreadable" in seen, seen
