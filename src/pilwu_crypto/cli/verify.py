"""``pilwu verify``: one record, or a directory of village records, through an executor.

``pilwu verify PATH [--workers N] [--dask ADDRESS|local] [--json PATH] [--quiet]``

- PATH is a record (it holds index.json) or a directory whose sub-directories are
  records, one per village election: then every record is verified through the same
  executor and one summary table follows (village, fingerprint, ballots, verdict).
- ``--workers N`` (default: the CPUs this process may use): a local process pool;
  ``--workers 1`` verifies in this process.  ``--dask ADDRESS`` uses a Dask cluster's
  client executor and takes precedence over ``--workers``; ``--dask local`` starts a
  LocalCluster of ``--workers`` processes.  Without the optional extra
  ``pilwu-crypto[dask]``, ``--dask`` exits 2 naming it.  Reports are identical
  whichever executor runs (verify/executors.py).

Exit codes: 0 every record valid; 1 some record not valid (or, in a directory, not
readable); 2 misuse, or a single record that cannot be read at all.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TypeVar

from pilwu_crypto.cli import render
from pilwu_crypto.cli.steps import EXIT_OK, EXIT_REFUSED, Misuse
from pilwu_crypto.errors import RecordUnreadable
from pilwu_crypto.record.layout import INDEX_PATH
from pilwu_crypto.verify.checks import verify_record
from pilwu_crypto.verify.executors import MissingExtra, default_workers, verification_executor
from pilwu_crypto.verify.report import VerificationReport

_P = TypeVar("_P", bound=argparse.ArgumentParser)

SUMMARY_SCHEMA = "pilwu-verification-summary"
SUMMARY_VERSION = 1


def village_records(root: Path) -> list[Path] | None:
    """The records under a directory of village records (sub-directories holding index.json,
    sorted by name); None when ``root`` is itself a record or not such a directory."""
    if not root.is_dir() or (root / INDEX_PATH).exists():
        return None
    found = sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink() and (p / INDEX_PATH).is_file())
    return found or None



def cmd_verify(args: argparse.Namespace) -> int:
    root = Path(args.record)
    if args.workers is not None and args.workers < 1:
        raise Misuse("--workers must be at least 1")
    workers = args.workers if args.workers is not None else default_workers()
    villages = village_records(root)
    try:
        with verification_executor(workers, args.dask) as executor:
            if villages is None:
                with render.progress_bars(not args.quiet) as progress:
                    report = verify_record(root, progress=progress, allow_test_group=args.insecure_test_group,
                                           executor=executor)
                if args.json:
                    render.write_json(args.json, report.to_json())
                if args.json != "-":
                    render.print_report(report)
                return EXIT_OK if report.valid else EXIT_REFUSED
            rows: list[tuple[str, VerificationReport | str]] = []
            for record in villages:
                try:
                    with render.progress_bars(not args.quiet) as progress:
                        rows.append((record.name, verify_record(record, progress=progress,
                                                                allow_test_group=args.insecure_test_group,
                                                                executor=executor)))
                except RecordUnreadable as exc:
                    rows.append((record.name, f"cannot be read: {exc}"))
    except MissingExtra as exc:
        raise Misuse(str(exc)) from None
    except (OSError, TimeoutError) as exc:
        if args.dask is None:
            raise
        raise Misuse(f"cannot use the Dask cluster {args.dask}: {exc}") from None
    valid = all(isinstance(r, VerificationReport) and r.valid for _, r in rows)
    if args.json:
        render.write_json(args.json, {
            "schema": SUMMARY_SCHEMA, "version": SUMMARY_VERSION, "directory": str(root), "valid": valid,
            "records": [r.to_json() if isinstance(r, VerificationReport) else {"record": str(root / name),
                                                                                 "valid": False, "error": r}
                        for name, r in rows]})
    if args.json != "-":
        render.out.print(render.villages_table(rows))
        failed = sum(1 for _, r in rows if not (isinstance(r, VerificationReport) and r.valid))
        if failed:
            render.out.print(render.not_valid_line(f"{failed} of {len(rows)} village records fail"))
        else:
            render.out.print(render.valid_line(f"all {len(rows)} village records verify."))
    return EXIT_OK if valid else EXIT_REFUSED


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
    ver.add_argument("--insecure-test-group", action="store_true",
                     help="accept a record on a test-only group (never a real election)")
    ver.set_defaults(func=cmd_verify)
