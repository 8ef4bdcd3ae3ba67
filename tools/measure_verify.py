"""Throughput of ``verify_record`` in pe per ballot, on a record this script writes.

    python tools/measure_verify.py [--ballots 2000] [--group pilwu-3072] [--workers 1] [--rounds 3]

Holds a simulated election of ``--ballots`` cast ballots (2 devices, 3 trustees), writes its
record to a temporary directory, then verifies it ``--rounds`` times, each time measuring
the group's raw exponentiation (pe, bench/units.py) right before and after, so the ratio is
taken in the same run.  Prints one line per round and the median: seconds, pe per ballot.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.bench.units import make_reference
from pilwu_crypto.election.simulation import kuwu_manifest, simulate_election
from pilwu_crypto.record.io import write_simulated_election
from pilwu_crypto.verify.checks import verify_record
from pilwu_crypto.verify.executors import verification_executor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=2000)
    parser.add_argument("--group", default="pilwu-3072")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    group = get_group(args.group, allow_test=True)
    ref = make_reference(group)
    n_pe = ref.calibrate(0.5)
    sim = simulate_election(group, kuwu_manifest(["A", "B", "C", "D", "E"]), voters=args.ballots, challenged=0,
                            devices=2, rng=random.Random(1))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "record"
        write_simulated_election(sim, root)
        per_ballot = []
        with verification_executor(args.workers) as executor:
            for k in range(args.rounds):
                pe = ref.time_pe(n_pe)
                t0 = time.perf_counter()
                report = verify_record(root, allow_test_group=True, executor=executor)
                seconds = time.perf_counter() - t0
                pe = (pe + ref.time_pe(n_pe)) / 2
                assert report.valid, report.first_failure()
                per_ballot.append(seconds / pe / args.ballots)
                print(f"round {k + 1}: {seconds:.2f} s, 1 pe = {pe * 1e3:.3f} ms, {per_ballot[-1]:.2f} pe per ballot")
    print(f"median: {statistics.median(per_ballot):.2f} pe per ballot ({args.ballots} ballots, {args.group}, "
          f"workers {args.workers})")


if __name__ == "__main__":
    main()
