"""The ``pilwu`` command line.  The only layer that prints.

Exit codes, for every command: 0 success / valid; 1 not valid (anything checked that
fails, including malformed or missing content inside a record); 2 misuse of the
command, a record whose root, index or parameters cannot be read at all, or a copy of
a record that gives a permission or I/O error (nothing verified).  Library errors
become a one-line reason on stderr, never a traceback.  Everything printed is literal
text, control and bidirectional characters escaped (cli/render.py): names and messages
come from records, and a record must not be able to style or drive the terminal.

Commands: ``demo`` (hold, record and verify a simulated village election; ``--mix``
also shuffles its ballots through a verifiable mix-net), ``verify``
(an auditor's check of a record), ``check-ballot`` (a voter's check of a confirmation
code); ``trustee …`` (the key ceremony and the tally decryption by trustees on separate
laptops, exchanging files: :mod:`pilwu_crypto.cli.trustee`); ``mix …`` (each mix server's
key and stage on its own machine: :mod:`pilwu_crypto.cli.mix`).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence
from concurrent.futures import Executor
from pathlib import Path

from pilwu_crypto.algebra.group import Group
from pilwu_crypto.algebra.groups import DEFAULT_GROUP, TEST_ONLY_GROUPS, get_group, group_names
from pilwu_crypto.cli import bench, mix, mixdecrypt, render, setup, trustee, verify, vmn
from pilwu_crypto.cli.steps import Misuse
from pilwu_crypto.election.ballot import ChallengedBallot, verify_ballot, verify_challenged
from pilwu_crypto.election.context import ElectionContext
from pilwu_crypto.election.device import MIN_CODE_CHECK_DIGITS, code_prefix, format_code
from pilwu_crypto.election.manifest import Manifest
from pilwu_crypto.election.plaintext import WRITE_IN_GROUPS, supports_write_ins
from pilwu_crypto.election.simulation import kuwu_manifest, simulate_election, simulate_mixing
from pilwu_crypto.elgamal import PublicKey
from pilwu_crypto.errors import CopyUnreadable, EncodingError, InvalidParameters, PilwuError, RecordUnreadable
from pilwu_crypto.record.codec import BallotLine
from pilwu_crypto.record.io import RecordReader, parse_ballot_line, write_simulated_election, write_simulated_mix
from pilwu_crypto.verify.ballots import CodeMatch, CodeWatch
from pilwu_crypto.verify.checks import verify_record, verify_snapshot
from pilwu_crypto.verify.executors import default_workers, verification_executor

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2

DEMO_CANDIDATES = ["Ki Ahmad Sobari", "Nyi Siti Aminah", "Ki Darma Wijaya", "Nyi Ratna Sari", "Ki Joko Susilo",
                   "Nyi Euis Kurniasih", "Ki Udin Samsudin", "Nyi Lilis Suryani", "Ki Asep Saepudin"]


class UsageError(Exception):
    """Misuse of the command line (exit 2)."""


def _fail(message: str, code: int) -> int:
    render.err.print(f"pilwu: {message}")
    return code


# ---- demo --------------------------------------------------------------------------------
def cmd_demo(args: argparse.Namespace) -> int:
    if args.group in TEST_ONLY_GROUPS and not args.insecure_test_group:
        raise UsageError(f"group {args.group} is for tests only; add --insecure-test-group to use it anyway")
    try:
        group = get_group(args.group, allow_test=args.insecure_test_group)
    except InvalidParameters as exc:
        raise UsageError(str(exc)) from None
    for name, value, low, high in (("--voters", args.voters, 1, 1_000_000), ("--candidates", args.candidates, 2,
                                   len(DEMO_CANDIDATES)), ("--trustees", args.trustees, 1, 50),
                                   ("--devices", args.devices, 1, 100), ("--challenged", args.challenged, 0, 1000)):
        if not low <= value <= high:
            raise UsageError(f"{name} must be between {low} and {high}")
    if not 1 <= args.threshold <= args.trustees:
        raise UsageError("--threshold must be between 1 and --trustees")
    if args.write_ins and not args.mix:
        raise UsageError("--write-ins needs --mix (write-in names are only counted through the mix-net)")
    if args.mix_servers is not None and not args.mix:
        raise UsageError("--mix-servers needs --mix")
    mix_servers = 3 if args.mix_servers is None else args.mix_servers
    if not 2 <= mix_servers <= 10:
        raise UsageError("--mix-servers must be between 2 and 10")
    if args.write_ins and not supports_write_ins(group):
        raise UsageError(f"group {group.name} has no encoding for write-in names; write-ins need one of "
                         f"{', '.join(WRITE_IN_GROUPS)} (e.g. --group {WRITE_IN_GROUPS[0]})")
    if not 0 <= args.absent <= args.trustees - args.threshold:
        raise UsageError("--absent must leave at least --threshold trustees present")
    out_dir = Path(args.out)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())) and not args.force:
        raise UsageError(f"{out_dir} exists and is not empty; use --force to overwrite it")
    rng = random.Random(args.seed)
    manifest = kuwu_manifest(DEMO_CANDIDATES[: args.candidates], write_in_elements=1 if args.write_ins else 0,
                             registered_voters=args.voters)
    render.out.print(render.styled(("pilwu demo", "bold"), f": {manifest.name}, group {group.name}, {args.voters} "
                                   f"voters (+{args.challenged} challenged), {args.devices} devices, "
                                   f"{args.trustees} trustees (threshold {args.threshold}, {args.absent} absent "
                                   "at decryption)"))
    render.out.print(f"village {manifest.village}, district {manifest.district}, regency {manifest.regency}; "
                     f"polling day {manifest.date}; {manifest.registered_voters} registered voters")
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be at least 1")
    workers = args.workers if args.workers is not None else default_workers()
    with verification_executor(workers) as executor:
        return _demo(args, group, manifest, rng, mix_servers, out_dir, executor, workers)


def _demo(args: argparse.Namespace, group: Group, manifest: Manifest, rng: random.Random, mix_servers: int,
          out_dir: Path, executor: Executor, workers: int) -> int:
    """The demo's election, mix, record and verification: the devices vote in ``workers``
    processes (each key created and kept in its process) and ``executor`` runs the
    verifier's ballot blocks."""
    t0 = time.perf_counter()
    with render.progress_bars(not args.quiet) as progress:
        sim = simulate_election(group, manifest, trustees=args.trustees, threshold=args.threshold,
                                absent=args.absent, voters=args.voters, challenged=args.challenged,
                                devices=args.devices, mix_servers=mix_servers if args.mix else 0, rng=rng,
                                progress=progress, workers=workers)
    t1 = time.perf_counter()
    fingerprint = write_simulated_election(sim, out_dir, force=args.force)
    render.out.print(f"election held and recorded in {t1 - t0:.1f} s: {out_dir}  (fingerprint {fingerprint})")
    mix = None
    if args.mix:
        kind = "choices and write-in names" if args.write_ins else "choices"
        t_mix = time.perf_counter()
        with render.progress_bars(not args.quiet) as progress:
            mix = simulate_mixing(sim, mix_servers=mix_servers, progress=progress)
        fingerprint = write_simulated_mix(sim, mix, out_dir)
        render.out.print(f"{len(mix.ballots)} cast ballots ({kind}) mixed by {mix_servers} mix servers and "
                         f"decrypted in {time.perf_counter() - t_mix:.1f} s; record extended "
                         f"(fingerprint {fingerprint})")
    t2 = time.perf_counter()
    with render.progress_bars(not args.quiet) as progress:
        report = verify_record(out_dir, progress=progress, allow_test_group=args.insecure_test_group,
                               executor=executor)
    render.out.print(f"record verified in {time.perf_counter() - t2:.1f} s")
    render.print_report(report)
    if report.valid:
        expected = sim.expected
        verified = {(c, o): k for c, o, _, k in report.counts}
        if verified != expected:
            return _fail("the verified counts differ from the simulated votes", EXIT_INVALID)
        render.out.print("The verified counts equal the votes the simulated voters cast.")
        if mix is not None:
            names = {(c.contest_id, o.option_id): o.name for c in manifest.contests for o in c.options}
            mixed = mix.counts(manifest)
            render.out.print(render.mixed_counts_table([(cid, oid, names[(cid, oid)], k)
                                                        for (cid, oid), k in mixed.items()]))
            if mixed != verified:
                return _fail("the mixed counts differ from the homomorphic tally", EXIT_INVALID)
            render.out.print("The mixed counts equal the homomorphic tally.")
            if args.write_ins:
                written = mix.write_in_counts(manifest)
                render.out.print(render.write_ins_table([name for per in written.values()
                                                         for name, k in per.items() for _ in range(k)]))
                expected_names: dict[str, dict[str, int]] = {c.contest_id: {} for c in manifest.contests}
                for per_ballot in sim.write_ins.values():
                    for cid, name in per_ballot.items():
                        expected_names[cid][name] = expected_names[cid].get(name, 0) + 1
                if written != expected_names:
                    return _fail("the mixed write-in names differ from those the voters wrote", EXIT_INVALID)
                render.out.print("The mixed write-in names are exactly those the voters wrote.")
        if sim.cast:
            code = sim.cast[0].confirmation_code.hex()
            render.out.print(f"The first voter's confirmation code, as their device showed it: {format_code(code)}")
            render.out.print(f"A voter checks their ballot with at least its first {MIN_CODE_CHECK_DIGITS} hex "
                             f"digits: pilwu check-ballot {out_dir} {format_code(code[:MIN_CODE_CHECK_DIGITS], '-')}")
    return EXIT_OK if report.valid else EXIT_INVALID


# ---- check-ballot --------------------------------------------------------------------------
def cmd_check_ballot(args: argparse.Namespace) -> int:
    """A voter's check: one read of the record and, unless --quick, one verification pass
    that also looks the code up (docs/verifier.md "Commands that verify, then act"): the
    ballot shown is the line that pass verified, the verdict is that pass's."""
    try:
        code = code_prefix(args.code)
    except EncodingError as exc:
        raise UsageError(f"CODE: {exc}") from None
    reader = RecordReader(Path(args.record))
    render.out.print(f"record {args.record}, fingerprint {reader.fingerprint}")
    if args.quick:
        return _check_ballot_quick(reader, code)
    watch = CodeWatch(code)
    with verification_executor(default_workers()) as executor:
        snap = verify_snapshot(reader, allow_test_group=args.insecure_test_group, executor=executor, watch=watch)
    report = snap.report
    match = _one_match(watch.matches, code)
    if not isinstance(match, CodeMatch):
        return EXIT_INVALID
    line = parse_ballot_line(reader.group, match.path, match.line_no, match.raw)  # the verified bytes
    b = line.ballot
    render.out.print(f"Ballot {b.ballot_id} from device {b.device_id} ({match.path}:{match.line_no}), "
                     f"code {format_code(b.confirmation_code.hex())}, status: {match.status}")
    if not report.valid:
        render.out.print(render.not_valid_line(f"the ballot is present, but the record does not verify: "
                                               f"{report.first_failure()}", "Not verified"))
        return EXIT_INVALID
    if match.status == "challenged" and line.challenged is not None:
        _show_challenged(reader.manifest(), line.challenged)
        return EXIT_OK
    if match.status == "excluded":
        reason = next((e["reason"] for e in report.exclusions if e["ballot_id"] == b.ballot_id), "")
        render.out.print(render.not_valid_line(f"device {b.device_id} signed this ballot invalid ({reason}); the "
                                               "record excludes it from the tally and names the device "
                                               "(docs/record-format.md §5.11)", "Not counted"))
        return EXIT_INVALID
    render.out.print(render.styled(("Counted", "bold green"), ": the ballot is valid, cast, and the verified "
                                   "tally is the product of every cast ballot in this record, including "
                                   "this one."))
    return EXIT_OK


def _show_challenged(manifest: Manifest, challenged: ChallengedBallot) -> None:
    """What a challenged ballot encrypted, for its voter to compare with what they chose."""
    render.out.print("This ballot was challenged (not counted). It encrypted:")
    names = {(c.contest_id, o.option_id): o.name for c in manifest.contests for o in c.options}
    for contest in challenged.contests:
        chosen = [f"{names[(contest.contest_id, o.option_id)]} x{o.value}" for o in contest.options if o.value]
        render.out.print(f"  {contest.contest_id}: {', '.join(chosen) or '(nothing)'}")


def _one_match(matches: Sequence[CodeMatch | BallotLine], code: str) -> CodeMatch | BallotLine | None:
    """The one ballot a code prefix names, or None after saying why (none, or several)."""
    if not matches:
        render.out.print(f"No ballot with confirmation code {format_code(code)} is in this record.")
        return None
    if len(matches) > 1:
        render.out.print(f"{len(matches)} ballots start with {format_code(code)}; give more digits of the code.")
        return None
    return matches[0]


def _check_ballot_quick(reader: RecordReader, code: str) -> int:
    """--quick: find the ballot in the record's one read and check it alone (its device,
    signature, code and proofs against the published context); the record is not verified."""
    found: list[BallotLine] = []
    for path in reader.ballot_files():
        for entry in reader.ballot_lines(path):
            if entry.ballot.confirmation_code.hex().startswith(code) and len(found) < 2:
                found.append(entry)
    line = _one_match(found, code)
    if not isinstance(line, BallotLine):
        return EXIT_INVALID
    b = line.ballot
    render.out.print(f"Ballot {b.ballot_id} from device {b.device_id} ({line.path}:{line.line_no}), "
                     f"code {format_code(b.confirmation_code.hex())}, status: {line.status}")
    published, ceremony = reader.context(), reader.ceremony().ceremony
    ctx = ElectionContext(reader.group, reader.manifest(), ceremony.trustee_ids, ceremony.threshold,
                          PublicKey(published.joint_key), published.base_hash, published.election_hash)
    regs = {r.device_id: r for r in reader.devices().registrations}
    if line.challenged is not None:
        verify_challenged(ctx, regs, line.challenged)
        _show_challenged(ctx.manifest, line.challenged)
        return EXIT_OK
    verify_ballot(ctx, regs, b)
    render.out.print("The ballot and its proofs are valid. It is counted if the record verifies "
                     "(run: pilwu verify RECORD, or this command without --quick).")
    return EXIT_OK


# ---- parser --------------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="pilwu", description="pilwu_crypto: end-to-end verifiable village elections")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    demo = sub.add_parser("demo", help="hold a simulated village election, record it and verify it")
    demo.add_argument("--out", default="pilwu-demo-record", help="record directory (default ./pilwu-demo-record)")
    demo.add_argument("--force", action="store_true", help="overwrite a non-empty --out directory")
    demo.add_argument("--voters", type=int, default=1000, help="ballots cast (default 1000)")
    demo.add_argument("--candidates", type=int, default=5, help="candidates for kuwu (default 5)")
    demo.add_argument("--trustees", type=int, default=3, help="trustees n (default 3)")
    demo.add_argument("--threshold", type=int, default=2, help="threshold t (default 2)")
    demo.add_argument("--absent", type=int, default=1, help="trustees absent at decryption (default 1)")
    demo.add_argument("--challenged", type=int, default=3, help="extra challenged ballots (default 3)")
    demo.add_argument("--devices", type=int, default=2, help="voting devices (default 2)")
    demo.add_argument("--group", default=DEFAULT_GROUP,
                      help=f"parameter set (default {DEFAULT_GROUP}; one of {', '.join(group_names())})")
    demo.add_argument("--seed", type=int, default=None,
                      help="fixes the simulated voters' choices only; cryptographic randomness always comes "
                           "from the operating system")
    demo.add_argument("--insecure-test-group", action="store_true",
                      help="allow a test-only group (never for a real election)")
    demo.add_argument("--mix", action="store_true",
                      help="also mix the cast ballots through a verifiable mix-net and decrypt them")
    demo.add_argument("--mix-servers", type=int, default=None, metavar="K",
                      help="mix servers with --mix (default 3, 2 to 10)")
    demo.add_argument("--write-ins", action="store_true",
                      help="with --mix: the contest takes write-in names, counted through the mix-net "
                           "(P-256, P-384, P-521)")
    demo.add_argument("--workers", type=int, default=None, metavar="N",
                      help="worker processes for the devices' encryption and the verification "
                           "(default: every CPU; 1 runs everything in this process)")
    demo.add_argument("--quiet", action="store_true", help="no progress bars")
    demo.set_defaults(func=cmd_demo)

    verify.register(sub)  # pilwu verify RECORD|VILLAGES [--workers N] [--dask ADDRESS]

    chk = sub.add_parser("check-ballot", help="look up a confirmation code in a record")
    chk.add_argument("record", help="the record directory")
    chk.add_argument("code", help=f"the confirmation code shown to the voter: at least its first "
                                  f"{MIN_CODE_CHECK_DIGITS} hex digits, in groups separated by spaces "
                                  "(quoted) or dashes, as on the receipt")
    chk.add_argument("--quick", action="store_true", help="check the ballot only, not the whole record")
    chk.add_argument("--insecure-test-group", action="store_true",
                     help="accept a record on a test-only group (never a real election)")
    chk.set_defaults(func=cmd_check_ballot)

    # pilwu trustee setup|init|reveal|shares|finish|context|status|decrypt|combine|mix-decrypt|mix-combine
    mixdecrypt.register(trustee.register(sub))
    setup.register(sub)  # pilwu device keygen, pilwu setup combine
    mix.register(sub)  # pilwu mix keygen|stage
    vmn.register(sub)  # pilwu verify-vmn (Verificatum transcripts)
    bench.register(sub)  # pilwu bench (time and pe per operation)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pilwu`` console script; returns the exit code."""
    try:
        args = build_parser().parse_args(argv)
        code: int = args.func(args)
        return code
    except (UsageError, Misuse) as exc:
        return _fail(f"error: {exc}", EXIT_USAGE)
    except CopyUnreadable as exc:
        return _fail(f"cannot read {exc.path} (your copy), nothing verified ({exc.reason})", EXIT_USAGE)
    except RecordUnreadable as exc:
        return _fail(f"cannot read the record: {exc}", EXIT_USAGE)
    except PilwuError as exc:
        return _fail(f"not valid: {exc}", EXIT_INVALID)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except OSError as exc:
        return _fail(f"error: {exc.strerror or exc} ({exc.filename or ''})", EXIT_USAGE)
    except SystemExit as exc:  # --help
        return int(exc.code or 0) if isinstance(exc.code, int) else 0
    except Exception as exc:  # a bug, never a verdict: one line, and "not verified"
        return _fail(f"internal error ({type(exc).__name__}: {exc}); nothing was verified, please report this",
                     EXIT_USAGE)


if __name__ == "__main__":
    sys.exit(main())
