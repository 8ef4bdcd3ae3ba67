"""Side by side with electionguard-python 1.4: ballot encryption and verification, in pe.

    .venv/bin/python benchmarks/compare_electionguard.py [--ballots N]

Both sides run in this process on the same 4096-bit group (ElectionGuard 1.x's p, q, g:
our ``electionguard-4096`` parameter set copies its constants), for the benchmark ballot:
1 contest x 5 options, vote for 1.  Each figure is given as time and as pe, one raw
``gmpy2.powmod`` with a 256-bit exponent modulo that p, measured in the same run
(docs/performance.md).  ElectionGuard's side: ``encrypt_ballot`` (its proofs not
re-verified inside) and ``CiphertextBallot.is_valid_encryption``; ours: ``encrypt_ballot``
and, for verification, x^q membership of the ciphertexts + ``verify_ballot``.

electionguard 1.4.0 does not import on Python 3.11 or later (a mutable dataclass default
in its tally.py), so on those versions -- and whenever ``import electionguard`` fails --
this script says so and exits 0.  To compare, make a Python 3.10 environment holding both
packages (``pip install electionguard==1.4.0 -e .``) and run the script with it.  The
ElectionGuard part follows the 1.4 API (manifest, ElectionBuilder, encrypt_ballot); it
could not be exercised on the 3.11-only development machine, so an API mismatch is
reported as such (exit 1), never as a figure.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

EG_VERSION = "1.4"
MAX_PYTHON = (3, 10)


def electionguard_unavailable() -> str | None:
    """Why electionguard-python 1.4 cannot be used here, or None if it imports."""
    if sys.version_info[:2] > MAX_PYTHON:
        return (f"electionguard-python {EG_VERSION} imports only on Python <= 3.10 (on 3.11+ its tally.py fails at "
                f"import); this is Python {sys.version.split()[0]}. To compare, run this script from a Python 3.10 "
                "environment with `pip install electionguard==1.4.0 -e .`.")
    try:
        import electionguard  # noqa: F401
    except Exception as exc:  # ImportError, or the dataclass ValueError of an incompatible Python
        return (f"electionguard-python {EG_VERSION} is not importable here ({type(exc).__name__}: {exc}); "
                "install it with `pip install electionguard==1.4.0` in a Python 3.10 environment.")
    return None


def median_time(fn: Callable[[], object], reps: int, pe: Callable[[], float]) -> tuple[float, float]:
    """(median seconds, median pe) of fn, each repetition paired with a pe sample."""
    times, ratios = [], []
    for _ in range(reps):
        unit = pe()
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        times.append(dt)
        ratios.append(dt / unit)
    return statistics.median(times), statistics.median(ratios)


def pilwu_side(reps: int) -> dict[str, tuple[float, float]]:
    """Our encryption and verification on electionguard-4096."""
    from pilwu_crypto.algebra.batch import is_member
    from pilwu_crypto.algebra.groups import get_group
    from pilwu_crypto.bench.units import make_reference
    from pilwu_crypto.election.ballot import PlaintextBallot, encrypt_ballot, verify_ballot
    from pilwu_crypto.election.batchverify import ciphertext_elements
    from pilwu_crypto.election.device import VotingDevice, initial_code
    from pilwu_crypto.election.setup import ElectionSetup
    from pilwu_crypto.election.simulation import context_from_ceremony, hold_ceremony, kuwu_manifest

    group = get_group("electionguard-4096")
    ref = make_reference(group)
    n_ref = ref.calibrate(0.010)
    manifest = kuwu_manifest(["A", "B", "C", "D", "E"])
    device = VotingDevice.generate("device-1")  # registered in the setup before the ceremony
    outcome = hold_ceremony(group, manifest, ["t1", "t2", "t3"], 2, ElectionSetup((device.registration,)))
    context = context_from_ceremony(manifest, outcome.ceremony, outcome.digests, outcome.reveals, outcome.shares)
    code = initial_code(context, device.device_id)
    regs = {device.device_id: device.registration}
    count = iter(range(1 << 30))

    def encrypt() -> Any:
        i = next(count)
        return encrypt_ballot(context, device, PlaintextBallot(f"b{i}", {"kuwu": {f"candidate-{i % 5 + 1}": 1}}),
                              code)[0]

    for _ in range(3):
        encrypt()  # builds the fixed-base tables of g and K
    ballots = [encrypt() for _ in range(reps)]
    it = iter(ballots * 2)

    def verify() -> None:
        b = next(it)
        if not all(is_member(group, e) for e in ciphertext_elements(b)):
            raise AssertionError("ciphertext outside the group")
        verify_ballot(context, regs, b)

    verify()
    return {"encrypt": median_time(encrypt, reps, lambda: ref.time_pe(n_ref)),
            "verify": median_time(verify, reps, lambda: ref.time_pe(n_ref))}


def electionguard_side(reps: int) -> dict[str, tuple[float, float]]:
    """electionguard-python 1.4's encryption and verification of the same ballot shape."""
    from datetime import datetime

    from electionguard.ballot import PlaintextBallot, PlaintextBallotContest, PlaintextBallotSelection
    from electionguard.constants import get_large_prime, get_small_prime
    from electionguard.election_builder import ElectionBuilder
    from electionguard.elgamal import elgamal_keypair_random
    from electionguard.encrypt import EncryptionDevice, encrypt_ballot
    from electionguard.group import rand_q
    from electionguard.manifest import (
        BallotStyle,
        Candidate,
        ContestDescription,
        ElectionType,
        GeopoliticalUnit,
        Manifest,
        Party,
        ReportingUnitType,
        SelectionDescription,
        VoteVariationType,
    )

    from pilwu_crypto.algebra.groups import ELECTIONGUARD_4096_P, ELECTIONGUARD_4096_Q, get_group
    from pilwu_crypto.bench.units import make_reference

    if int(get_large_prime()) != ELECTIONGUARD_4096_P or int(get_small_prime()) != ELECTIONGUARD_4096_Q:
        raise RuntimeError("electionguard's constants are not the standard 4096-bit group (check EG_USE_... env)")
    ref = make_reference(get_group("electionguard-4096"))
    n_ref = ref.calibrate(0.010)
    candidates = [Candidate(f"candidate-{i}") for i in range(1, 6)]
    selections = [SelectionDescription(f"sel-{i}", i, f"candidate-{i}") for i in range(1, 6)]
    contest = ContestDescription("kuwu", 0, "village", VoteVariationType.one_of_m, 1, 1, "Kuwu", selections)
    manifest = Manifest("pilwu-compare", "1.0", ElectionType.general, datetime.now(), datetime.now(),
                        [GeopoliticalUnit("village", "Village", ReportingUnitType.municipality)],
                        [Party("party")], candidates, [contest], [BallotStyle("style", ["village"])])
    keypair = elgamal_keypair_random()
    builder = ElectionBuilder(3, 2, manifest)
    builder.set_public_key(keypair.public_key)
    builder.set_commitment_hash(rand_q())
    built = builder.build()
    if built is None:
        raise RuntimeError("ElectionBuilder.build() returned None")
    internal, context = built
    device = EncryptionDevice(1, 1, 1, "village")
    seed = device.get_hash()
    count = iter(range(1 << 30))

    def plaintext() -> Any:
        i = next(count)
        chosen = PlaintextBallotSelection(f"sel-{i % 5 + 1}", 1)
        return PlaintextBallot(f"b{i}", "style", [PlaintextBallotContest("kuwu", [chosen])])

    def encrypt() -> Any:
        ballot = encrypt_ballot(plaintext(), internal, context, seed, should_verify_proofs=False)
        if ballot is None:
            raise RuntimeError("electionguard encrypt_ballot returned None")
        return ballot

    ballots = [encrypt() for _ in range(reps + 1)]
    it = iter(ballots)

    def verify() -> None:
        b = next(it)
        if not b.is_valid_encryption(internal.manifest_hash, context.elgamal_public_key,
                                     context.crypto_extended_base_hash):
            raise RuntimeError("electionguard rejected its own ballot")

    verify()
    return {"encrypt": median_time(encrypt, reps, lambda: ref.time_pe(n_ref)),
            "verify": median_time(verify, reps, lambda: ref.time_pe(n_ref))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=7, help="timed repetitions per figure (default 7)")
    args = parser.parse_args(argv)
    why = electionguard_unavailable()
    if why is not None:
        print(f"compare_electionguard: skipped: {why}")
        return 0
    reps = max(3, args.ballots)
    ours = pilwu_side(reps)
    try:
        theirs = electionguard_side(reps)
    except Exception as exc:  # an API difference must not look like a figure
        print(f"compare_electionguard: electionguard {EG_VERSION} side failed ({type(exc).__name__}: {exc}); "
              "only pilwu's figures follow")
        theirs = {}
    print("1 contest x 5 options, vote for 1, 4096-bit group (ElectionGuard 1.x constants); "
          f"median of {reps}; pe = gmpy2.powmod with a 256-bit exponent mod p, same run")
    print(f"| operation | pilwu ms | pilwu pe | electionguard {EG_VERSION} ms | electionguard pe |")
    print("|---|---:|---:|---:|---:|")
    for op in ("encrypt", "verify"):
        t, pe = ours[op]
        eg = theirs.get(op)
        eg_cells = f"{eg[0] * 1e3:.1f} | {eg[1]:.1f}" if eg else "n/a | n/a"
        print(f"| {op} one ballot | {t * 1e3:.1f} | {pe:.1f} | {eg_cells} |")
    return 0 if theirs else 1


if __name__ == "__main__":
    sys.exit(main())
