"""The ``pilwu`` command line.  The only layer that prints.

Errors from the library (PilwuError) become a one-line reason on stderr and a non-zero
exit code, never a traceback: 1 when something checked is not valid, 2 for misuse
(unknown group, a test-only group without --allow-test-group, bad arguments).

``pilwu demo`` currently runs the smallest end-to-end use of the verified core on one
contest: key generation with a proof of knowledge, ballots encrypted option by option
with 0/1 proofs and a selection-limit proof on each ballot's sum, verification of every
proof, the homomorphic tally, and a verifiable decryption of the counts.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence

from pilwu_crypto import elgamal as eg
from pilwu_crypto.algebra.group import Group
from pilwu_crypto.algebra.groups import DEFAULT_GROUP, get_group, group_names
from pilwu_crypto.algebra.transcript import Transcript
from pilwu_crypto.errors import InvalidParameters, InvalidProof, PilwuError
from pilwu_crypto.proofs.decryption import decryption_share, verify_decryption
from pilwu_crypto.proofs.range import prove_range, verify_range
from pilwu_crypto.proofs.schnorr import prove_schnorr, verify_schnorr

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2

DEMO_CANDIDATES = ("Ki Ahmad", "Nyi Siti", "Ki Darma")
DEMO_CONTEXT = b"PILWU-V1-demo|Desa Kaliwedi, Cirebon|kuwu 2026"


def _ballot_transcript(group: Group, ballot_id: str) -> Transcript:
    t = Transcript(group, "demo-ballot", DEMO_CONTEXT)
    t.append_text("ballot_id", ballot_id)
    return t


def run_demo(group: Group, voters: int, out: Callable[[str], None] = print) -> int:
    """One contest, vote for one of three candidates; returns an exit code."""
    n_opt = len(DEMO_CANDIDATES)
    out(f"pilwu demo: group {group.name}, {voters} voters, candidates {', '.join(DEMO_CANDIDATES)}")
    t0 = time.perf_counter()
    sk = eg.SecretKey.generate(group)
    pk = sk.public_key
    key_proof = prove_schnorr(Transcript(group, "demo-key", DEMO_CONTEXT), pk.element, sk.secret)
    verify_schnorr(Transcript(group, "demo-key", DEMO_CONTEXT), pk.element, key_proof)
    out(f"  key generated, proof of knowledge verified   ({time.perf_counter() - t0:.2f} s)")

    t0 = time.perf_counter()
    ballots = []
    expected = [0] * n_opt
    for v in range(voters):
        choice = v % n_opt if v % 7 else 0  # a deterministic, uneven spread of votes
        expected[choice] += 1
        ballot_id = f"ballot-{v:04d}"
        encs = [eg.encrypt(pk, int(i == choice)) for i in range(n_opt)]
        proofs = [prove_range(_ballot_transcript(group, ballot_id), pk, e.ciphertext, int(i == choice),
                              e.nonce, 1) for i, e in enumerate(encs)]
        total = eg.sum_ciphertexts(group, [e.ciphertext for e in encs])
        total_nonce = sum((e.nonce for e in encs), group.scalar(0))
        limit_proof = prove_range(_ballot_transcript(group, ballot_id), pk, total, 1, total_nonce, 1)
        ballots.append((ballot_id, [e.ciphertext for e in encs], proofs, total, limit_proof))
    n_proofs = voters * (n_opt + 1)
    out(f"  {voters} ballots encrypted, {n_proofs} range proofs   ({time.perf_counter() - t0:.2f} s)")

    t0 = time.perf_counter()
    for ballot_id, cts, proofs, total, limit_proof in ballots:
        for ct, proof in zip(cts, proofs, strict=True):
            verify_range(_ballot_transcript(group, ballot_id), pk, ct, 1, proof)
        if eg.sum_ciphertexts(group, cts) != total:
            raise InvalidProof(f"{ballot_id}: contest sum does not match its ciphertexts")
        verify_range(_ballot_transcript(group, ballot_id), pk, total, 1, limit_proof)
    out(f"  every ballot proof verified                  ({time.perf_counter() - t0:.2f} s)")

    t0 = time.perf_counter()
    tally = [eg.sum_ciphertexts(group, [b[1][i] for b in ballots]) for i in range(n_opt)]
    counts = []
    dlog = eg.DiscreteLog(group, voters)
    for i, ct in enumerate(tally):
        t = Transcript(group, "demo-tally", DEMO_CONTEXT)
        t.append_int("option", i)
        partial, dec_proof = decryption_share(t, pk.element, ct, sk.secret)
        t = Transcript(group, "demo-tally", DEMO_CONTEXT)
        t.append_int("option", i)
        verify_decryption(t, pk.element, ct, partial, dec_proof)
        counts.append(dlog.solve(ct.beta / partial, f"count of option {i}"))
    out(f"  tally decrypted with proofs, proofs verified ({time.perf_counter() - t0:.2f} s)")
    out("")
    width = max(len(c) for c in DEMO_CANDIDATES)
    for name, count in zip(DEMO_CANDIDATES, counts, strict=True):
        out(f"  {name:<{width}}  {count:>5}")
    if counts != expected:
        out(f"RESULT MISMATCH: decrypted {counts}, cast {expected}")
        return EXIT_INVALID
    out("\nverified: the decrypted counts equal the votes cast")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pilwu", description="pilwu_crypto: verifiable village elections")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run a small election end to end and verify it")
    demo.add_argument("--group", default=DEFAULT_GROUP,
                      help=f"parameter set (default {DEFAULT_GROUP}; one of {', '.join(group_names())})")
    demo.add_argument("--voters", type=int, default=25, help="number of voters (default 25)")
    demo.add_argument("--allow-test-group", action="store_true",
                      help="accept a test-only group (never for a real election)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pilwu`` console script; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed its usage line
        return EXIT_USAGE if exc.code else EXIT_OK
    try:
        if args.command == "demo":
            if not 1 <= args.voters <= 100_000:
                print("pilwu: error: --voters must be between 1 and 100000", file=sys.stderr)
                return EXIT_USAGE
            try:
                group = get_group(args.group, allow_test=args.allow_test_group)
            except InvalidParameters as exc:
                print(f"pilwu: error: {exc}", file=sys.stderr)
                return EXIT_USAGE
            return run_demo(group, args.voters)
    except PilwuError as exc:
        print(f"pilwu: not valid: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("pilwu: interrupted", file=sys.stderr)
        return 130
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
