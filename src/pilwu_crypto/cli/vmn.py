"""``pilwu verify-vmn``: verify a Verificatum (VMN 3.1.0) proof transcript.

    pilwu verify-vmn PROTINFO.xml NIZKP_DIR --type mixing|shuffling|decryption
                     [--auxsid NAME] [--width W] [--json PATH] [--quiet]
                     [--allow-insecure-parameters]

NIZKP_DIR is the proof directory itself (``…/nizkp/<auxsid>``).  ``--type`` is required,
as vmnv's -mix/-shuffle/-decrypt: a transcript must not choose which checks it gets.
Exit codes: 0 valid; 1 not valid (one line on stderr naming the party, the proof and the
equation, or the file that does not parse, or "insecure protocol parameters" naming each
soundness parameter below its floor); 2 misuse or an unreadable protocol-info file.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from rich.table import Table

from pilwu_crypto.cli import render
from pilwu_crypto.cli.steps import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, one_line, say
from pilwu_crypto.interop.verificatum import SESSION_TYPES, ProtInfoError, VerificationResult, verify_transcript
from pilwu_crypto.interop.verificatum.protinfo import SID_RE


def register(sub: Any) -> None:
    """Add ``verify-vmn`` to the ``pilwu`` sub-command parser."""
    p = sub.add_parser("verify-vmn", help="verify a Verificatum (VMN 3.1.0) mix-net proof transcript",
                       description="Verify a Verificatum VMN 3.1.0 proof transcript (exit 0 valid, 1 not valid, "
                                   "2 misuse or unreadable protocol info).")
    p.add_argument("protinfo", metavar="PROTINFO.xml", help="the session's protocol-info file")
    p.add_argument("nizkp", metavar="NIZKP_DIR", help="the proof directory itself (…/nizkp/<auxsid>)")
    p.add_argument("--type", required=True, choices=SESSION_TYPES, dest="session_type",
                   help="the session type to verify (as vmnv -mix/-shuffle/-decrypt)")
    p.add_argument("--auxsid", default="default", help="auxiliary session id (default: default)")
    p.add_argument("--width", type=int, default=None, metavar="W",
                   help="ciphertext width (default: the protocol info's <width>)")
    p.add_argument("--json", metavar="PATH", help="also write the report as JSON (- for stdout)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--allow-insecure-parameters", action="store_true", dest="allow_insecure",
                   help="check the proofs even when protInfo.xml's soundness parameters are below the floors "
                        "(vbitlenro, ebitlenro >= 128, statdist >= 64, ModP p >= 2048 bits, curve order >= 256 "
                        "bits); the report still lists them. Otherwise such a transcript is not valid (exit 1)")
    p.set_defaults(func=cmd_verify_vmn)


def _error(message: str, code: int) -> int:
    render.err.print(f"pilwu verify-vmn: {one_line(message)}")
    return code


def cmd_verify_vmn(args: argparse.Namespace) -> int:
    """Run the verifier and report; returns the exit code."""
    if args.width is not None and not 1 <= args.width <= 1000:
        return _error("error: --width must be between 1 and 1000", EXIT_USAGE)
    if not SID_RE.fullmatch(args.auxsid):
        return _error("error: --auxsid must match [A-Za-z][A-Za-z0-9]{1,1023}", EXIT_USAGE)
    nizkp = Path(args.nizkp)
    if not nizkp.is_dir():
        return _error(f"error: {nizkp} is not a directory (give the proof directory …/nizkp/<auxsid>)", EXIT_USAGE)
    started = time.perf_counter()
    try:
        with render.progress_bars(not args.quiet) as progress:
            result = verify_transcript(Path(args.protinfo), nizkp, args.session_type, auxsid=args.auxsid,
                                       width=args.width, progress=progress,
                                       allow_insecure_parameters=args.allow_insecure)
    except ProtInfoError as exc:
        return _error(f"cannot read the protocol info: {exc}", EXIT_USAGE)
    elapsed = time.perf_counter() - started
    report = result.to_json()
    report["seconds"] = round(elapsed, 3)
    if args.json:
        render.write_json(args.json, report)
    if args.json != "-":
        _print_summary(result, elapsed)
    if result.valid:
        return EXIT_OK
    return _error(f"not valid: {result.failure}", EXIT_REFUSED)



def _print_summary(result: VerificationResult, elapsed: float) -> None:
    say(f"session   {result.sid}.{result.auxsid}   type {result.session_type}   group {result.group}")
    say(f"parties   {result.k}, threshold {result.threshold}, active threshold {result.active_threshold}, "
        f"width {result.width}, ciphertexts {result.ciphertexts}"
        + (", pre-computation" if result.precomputation else ""))
    prm = result.parameters
    if prm:
        group = f", group {prm['group_kind']} {prm['group_bits']} bits" if "group_bits" in prm else ""
        say(f"params    vbitlenro {prm['vbitlenro']}, ebitlenro {prm['ebitlenro']}, statdist {prm['statdist']}"
            f"{group}, prg {prm['prg']}, rohash {prm['rohash']}")
    if result.rho is not None:
        say(f"rho       {result.rho.hex()}")
    if result.shufflers or result.decryption is not None:
        table = Table(title="Verificatum proofs", show_lines=False)
        table.add_column("party", justify="right")
        table.add_column("proof")
        table.add_column("result")
        table.add_column("challenge v / reason", overflow="fold")
        for s in result.shufflers:
            for p in s.proofs:
                style = "green" if p.valid else "bold red"
                table.add_row(str(s.party), p.proof, render.styled(("valid" if p.valid else "rejected", style)),
                              p.reason or f"{p.challenge:x}")
        dec = result.decryption
        if dec is not None:
            style = "green" if dec.valid else "bold red"
            table.add_row(",".join(map(str, dec.delta)), "decryption",
                          render.styled(("valid" if dec.valid else "rejected", style)),
                          dec.reason or f"{dec.challenge:x}")
        render.out.print(table)
    for note in result.notes:
        say(f"note      {note}")
    if result.valid:
        extra = f", {len(result.plaintexts)} plaintexts match" if result.plaintexts is not None else ""
        render.out.print(render.valid_line(f"{result.valid_shuffles} valid shuffle proofs{extra} ({elapsed:.2f} s)"))
    else:
        render.out.print(render.not_valid_line(str(result.failure)))
