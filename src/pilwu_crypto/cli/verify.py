"""``pilwu verify``: one record, or a directory of village records, through an executor.

``pilwu verify PATH [--workers N] [--dask ADDRESS|local] [--json PATH] [--quiet]``

- PATH is a record (it holds index.json) or a directory whose sub-directories are
  records, one per village election: then every entry of it is a row of one summary
  table (village, fingerprint, ballots, verdict), verified through the same executor
  when it is a record (verify/villages.py says what the other entries get).
- ``--workers N`` (default: the CPUs this process may use): a local process pool;
  ``--workers 1`` verifies in this process.  ``--dask ADDRESS`` uses a Dask cluster's
  client executor and takes precedence over ``--workers``; ``--dask local`` starts a
  LocalCluster of ``--workers`` processes.  Without the optional extra
  ``pilwu-crypto[dask]``, ``--dask`` exits 2 naming it.  Reports are identical
  whichever executor runs (verify/executors.py).
- ``--json PATH`` inside PATH (after resolving symbolic links) is refused before
  anything is verified: the report would change what it reports on.

Exit codes: 0 valid (every record, every village); 1 some record not valid; 2 not
verified: misuse, a record that cannot be read at all or a copy that gives a
permission or I/O error, or, in a directory of villages, no village not valid but
some entry that could not be verified.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TypeVar

from pilwu_crypto.cli import render
from pilwu_crypto.cli.steps import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, Misuse
from pilwu_crypto.verify.checks import verify_record
from pilwu_crypto.verify.executors import MissingExtra, default_workers, verification_executor
from pilwu_crypto.verify.report import VerificationReport
from pilwu_crypto.verify.villages import NOT_VALID, NOT_VERIFIED, VALID, verify_villages, village_entries

_P = TypeVar("_P", bound=argparse.ArgumentParser)

SUMMARY_EXIT = {VALID: EXIT_OK, NOT_VALID: EXIT_REFUSED, NOT_VERIFIED: EXIT_USAGE}


def refuse_report_inside(target: str | None, root: Path) -> None:
    """Misuse when the report ``target`` resolves inside ``root``: written there it would be
    an unlisted file of the record (or a new entry among the villages) on the next run."""
    if target is None or target == "-":
        return
    where, inside = Path(target).resolve(), root.resolve()
    if where == inside or inside in where.parents:
        raise Misuse(f"--json {target}: inside {root}, which is being verified; write the report elsewhere")


def cmd_verify(args: argparse.Namespace) -> int:
    root = Path(args.record)
    if args.workers is not None and args.workers < 1:
        raise Misuse("--workers must be at least 1")
    workers = args.workers if args.workers is not None else default_workers()
    refuse_report_inside(args.json, root)
    villages = village_entries(root)
    try:
        with verification_executor(workers, args.dask) as executor:
            def verify(record: Path) -> VerificationReport:
                with render.progress_bars(not args.quiet) as progress:
                    return verify_record(record, progress=progress, allow_test_group=args.insecure_test_group,
                                         executor=executor, accept_format_v1=args.accept_format_v1)

            if villages is None:
                report = verify(root)
                if args.json:
                    render.write_json(args.json, report.to_json())
                if args.json != "-":
                    render.print_report(report)
                return EXIT_OK if report.valid else EXIT_REFUSED
            summary = verify_villages(root, *villages, verify)
    except MissingExtra as exc:
        raise Misuse(str(exc)) from None
    except (OSError, TimeoutError) as exc:
        if args.dask is None:
            raise
        raise Misuse(f"cannot use the Dask cluster {args.dask}: {exc}") from None
    if args.json:
        render.write_json(args.json, summary.to_json())
    if args.json != "-":
        render.print_villages(summary)
    return SUMMARY_EXIT[summary.status]


def register(sub: argparse._SubParsersAction[_P]) -> None:
    """Add ``pilwu verify`` to the command line."""
    ver = sub.add_parser("verify", help="verify an election record, or a directory of village records")
    ver.add_argument("record", help="the record directory, or a directory of record directories")
    ver.add_argument("--json", metavar="PATH", help="also write the report as JSON (- for stdout)")
    ver.add_argument("--workers", type=int, default=None, metavar="N",
                     help="worker processes (default: every CPU; 1 verifies in this process)")
    ver.add_argument("--dask", metavar="ADDRESS",
                     help="a Dask scheduler address, or 'local' for a LocalCluster of --workers processes "
                          "(needs the optional extra pilwu-crypto[dask]; takes precedence over --workers)")
    ver.add_argument("--quiet", action="store_true", help="no progress bars")
    ver.add_argument("--accept-format-v1", action="store_true",
                     help="verify a record of format 1 by its own rules (it binds no election setup: the report "
                          "says what a VALID verdict then does not cover)")
    ver.add_argument("--insecure-test-group", action="store_true",
                     help="accept a record on a test-only group (never a real election)")
    ver.set_defaults(func=cmd_verify)
