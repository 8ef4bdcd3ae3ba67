"""What ``pilwu bench`` measures: one row per operation, as time and as pe (no printing here).

Each row times one call of a library function (the same entry points the record
verifier and the CLI use) that handles ``items`` items — a batch of exponentiations, a
list of ballots, a shuffle of N ciphertexts — and reports time per item.  Before every
timed call a small loop of raw exponentiations of the same group is timed as well
(interleaved reference, see :mod:`pilwu_crypto.bench.units`); the row's ``pe`` is the
median over the repetitions of (time per item) / (time of one raw exponentiation in that
repetition), so a slow moment of the shared machine moves both and cancels out.
Times are medians of ``reps`` repetitions after one untimed warm-up call, which also
builds the lazily built fixed-base tables (their one-off cost is not in the figures).

The setting is docs/performance.md's: one contest with 5 options, vote for 1, under the joint key
of a real 3-trustee threshold-2 ceremony; ballots from one registered voting device.
"""

from __future__ import annotations

import itertools
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import gmpy2

from pilwu_crypto import elgamal as eg
from pilwu_crypto.algebra.batch import is_member
from pilwu_crypto.algebra.generators import independent_generators
from pilwu_crypto.algebra.group import Group
from pilwu_crypto.algebra.transcript import Transcript
from pilwu_crypto.bench.units import MULMOD_SAMPLE, Reference, make_reference
from pilwu_crypto.election.ballot import EncryptedBallot, PlaintextBallot, encrypt_ballot, verify_ballot
from pilwu_crypto.election.batchverify import ciphertext_elements, non_members, verify_ballots
from pilwu_crypto.election.context import ElectionContext
from pilwu_crypto.election.decryption import decrypt_tally, trustee_decrypt
from pilwu_crypto.election.device import VotingDevice, initial_code
from pilwu_crypto.election.setup import ElectionSetup
from pilwu_crypto.election.simulation import context_from_ceremony, hold_ceremony, kuwu_manifest
from pilwu_crypto.election.tally import tally_ballots
from pilwu_crypto.proofs.shuffle import CiphertextVector, prove_shuffle, shuffle, verify_shuffle

SCHEMA = "pilwu-bench"
"""Name of the JSON report's schema."""
SCHEMA_VERSION = 1
"""Version of the JSON report's schema (bumped on any incompatible change)."""

Progress = Callable[[str, int, int], None]
"""(stage, done, total), as elsewhere in the library."""

CANDIDATES = ("A", "B", "C", "D", "E")
TRUSTEES = ("t1", "t2", "t3")
THRESHOLD = 2
CONTEXT_HASH = b"\x42" * 32
"""Stands in for H_E in the transcripts of the shuffle rows."""
GENERATOR_SEED = b"pilwu-bench/mix-generators"

VMN_CASE_NAME = "modp512_n100_mix"
"""The Verificatum 3.1.0 transcript timed by the last row (2 shuffles + threshold decryption)."""


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


@dataclass(frozen=True)
class Sizes:
    """How much work each row does per timed call, and how often it is repeated."""

    reps: int
    """Timed repetitions per row (median taken)."""
    reference_s: float
    """Length of the raw-exponentiation loop timed before each repetition."""
    exp_batch: int
    """Fixed-base exponentiations per timed call."""
    multi_exp_bases: int
    ballots: int
    """Ballots of the batch-verification, tally and decryption rows."""
    encrypt_batch: int
    """Ballots encrypted (or verified one by one) per timed call."""
    shuffle_n: int
    """Ciphertexts of the shuffle rows (and generators derived)."""


FULL = Sizes(reps=5, reference_s=0.010, exp_batch=32, multi_exp_bases=100, ballots=50, encrypt_batch=4,
             shuffle_n=100)
QUICK = Sizes(reps=3, reference_s=0.002, exp_batch=8, multi_exp_bases=10, ballots=6, encrypt_batch=1,
              shuffle_n=8)


@dataclass(frozen=True)
class Row:
    """One measured operation: time per item and the same in pe (None when not available)."""

    key: str
    """Stable identifier (for scripts reading the JSON)."""
    name: str
    """What was measured, for people."""
    items: int
    """Items handled per timed call (ballots, bases, ciphertexts…)."""
    unit: str
    """What one item is."""
    seconds_per_item: float | None
    pe: float | None
    """Time per item over one raw 256-bit exponentiation in ``group``, same run."""
    group: str
    note: str = ""
    """Anything a reader needs besides the figure (another group, "not available: why")."""
    detail: str = ""
    """Exactly what one timed call does (the library function and its inputs)."""

    @property
    def available(self) -> bool:
        return self.seconds_per_item is not None

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "items": self.items, "unit": self.unit,
                "seconds_per_item": self.seconds_per_item, "pe": self.pe, "group": self.group,
                "available": self.available, "note": self.note, "detail": self.detail}


@dataclass(frozen=True)
class MachineInfo:
    """Where the figures come from."""

    platform: str
    python: str
    gmpy2: str
    gmp: str
    pycryptodome: str
    cpu_count: int | None
    cpu_model: str

    @staticmethod
    def current() -> MachineInfo:
        import Crypto

        return MachineInfo(platform=platform.platform(), python=sys.version.split()[0], gmpy2=gmpy2.version(),
                           gmp=gmpy2.mp_version(), pycryptodome=str(getattr(Crypto, "__version__", "?")),
                           cpu_count=os.cpu_count(), cpu_model=_cpu_model())

    def to_json(self) -> dict[str, Any]:
        return {"platform": self.platform, "python": self.python, "gmpy2": self.gmpy2, "gmp": self.gmp,
                "pycryptodome": self.pycryptodome, "cpu_count": self.cpu_count, "cpu_model": self.cpu_model}


def _cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo, else what platform knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


@dataclass(frozen=True)
class BenchReport:
    """Everything one ``pilwu bench`` run measured."""

    group: str
    quick: bool
    pe_kind: str
    pe_seconds: float
    """Median of the session's raw-exponentiation loops (the header's "1 pe =")."""
    rows: tuple[Row, ...]
    machine: MachineInfo
    started: str
    wall_seconds: float
    sizes: Sizes = field(default=FULL)

    def to_json(self) -> dict[str, Any]:
        """The versioned JSON document (``schema`` / ``version``) written by ``--json``."""
        return {
            "schema": SCHEMA,
            "version": SCHEMA_VERSION,
            "started": self.started,
            "wall_seconds": round(self.wall_seconds, 3),
            "group": self.group,
            "quick": self.quick,
            "sizes": {"reps": self.sizes.reps, "exp_batch": self.sizes.exp_batch,
                      "multi_exp_bases": self.sizes.multi_exp_bases, "ballots": self.sizes.ballots,
                      "encrypt_batch": self.sizes.encrypt_batch, "shuffle_n": self.sizes.shuffle_n},
            "pe_unit": {"kind": self.pe_kind, "seconds": self.pe_seconds},
            "machine": self.machine.to_json(),
            "rows": [r.to_json() for r in self.rows],
        }


# ---- timing ---------------------------------------------------------------------------------


Setup = Callable[[], tuple[Any, ...]]


def _no_args() -> tuple[Any, ...]:
    return ()


class _Timer:
    """Times rows against one group's reference with interleaved reference loops."""

    def __init__(self, ref: Reference, sizes: Sizes) -> None:
        self.ref = ref
        self.sizes = sizes
        self.n_ref = ref.calibrate(sizes.reference_s)
        samples = [ref.time_pe(self.n_ref) for _ in range(max(3, sizes.reps))]
        self.pe_seconds = statistics.median(samples)

    def row(self, key: str, name: str, fn: Callable[..., object], *, items: int, unit: str,
            setup: Setup = _no_args, note: str = "", detail: str = "") -> Row:
        """Median time per item of ``fn(*setup())`` and its median ratio to the interleaved pe."""
        fn(*setup())  # warm-up: tables, caches
        per_item: list[float] = []
        ratios: list[float] = []
        for _ in range(self.sizes.reps):
            pe_s = self.ref.time_pe(self.n_ref)
            args = setup()
            t0 = time.perf_counter()
            fn(*args)
            dt = (time.perf_counter() - t0) / items
            per_item.append(dt)
            ratios.append(dt / pe_s)
        return Row(key, name, items, unit, statistics.median(per_item), statistics.median(ratios),
                   self.ref.group.name, note, detail)


# ---- the election every row shares ---------------------------------------------------------------


@dataclass
class _Election:
    group: Group
    context: ElectionContext
    device: VotingDevice
    code: bytes
    ballots: list[EncryptedBallot]

    def plaintext(self, i: int) -> PlaintextBallot:
        return PlaintextBallot(f"bench-{i}", {"kuwu": {f"candidate-{i % len(CANDIDATES) + 1}": 1}})


def _election(group: Group, n_ballots: int) -> tuple[_Election, Any]:
    manifest = kuwu_manifest(list(CANDIDATES))
    device = VotingDevice.generate("device-1")
    outcome = hold_ceremony(group, manifest, list(TRUSTEES), THRESHOLD, ElectionSetup((device.registration,)))
    context = context_from_ceremony(manifest, outcome.ceremony, outcome.digests, outcome.reveals, outcome.shares)
    code = initial_code(context, device.device_id)
    e = _Election(group, context, device, code, [])
    e.ballots = [encrypt_ballot(context, device, e.plaintext(i), code)[0] for i in range(n_ballots)]
    return e, outcome


def _warm_tables(group: Group, key: eg.PublicKey) -> None:
    """Build the lazy fixed-base tables of g and K (on curves a non-generator base gets
    its table after its 32nd use) so that no row pays for a table build."""
    for _ in range(40):
        group.exp_g(group.random_scalar())
        key.table().pow(group.random_scalar())


# ---- the rows ------------------------------------------------------------------------------------


def run_bench(group: Group, sizes: Sizes = FULL, *, vmn_case: Path | None = None,
              progress: Progress = _no_progress) -> BenchReport:
    """Measure every row on ``group`` (about half a minute at pilwu-3072 with FULL sizes).

    ``vmn_case`` is a Verificatum transcript directory (protInfo.xml and nizkp/default);
    when it is None, missing or the Verificatum verifier is not importable, that row says
    "not available" instead of failing.
    """
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    t_start = time.perf_counter()
    ref = make_reference(group)
    timer = _Timer(ref, sizes)
    total = 14
    done = itertools.count(1)
    rows: list[Row] = []

    def add(row: Row) -> None:
        rows.append(row)
        progress("bench", next(done), total)

    progress("bench", 0, total)
    election, outcome = _election(group, sizes.ballots)
    context = election.context
    key = context.joint_key
    _warm_tables(group, key)
    regs = {election.device.device_id: election.device.registration}

    # raw floors
    add(timer.row("powmod", "raw powmod, 256-bit exponent (1 pe)", ref.pe_batch,
                  items=timer.n_ref, unit="exp", setup=lambda: (timer.n_ref,), detail=ref.kind))
    add(timer.row("mulmod", "raw mulmod (group operation)", ref.mulmod_batch,
                  items=32 * MULMOD_SAMPLE, unit="op", setup=lambda: (32,),
                  detail="a * b % p on mpz (modp) or P + Q on EccPoint (curve)"))

    # exponentiations
    def exps_g(scalars: Sequence[int]) -> None:
        for k in scalars:
            group.exp_g(k)

    add(timer.row("exp_g", "fixed-base g^k", exps_g, items=sizes.exp_batch, unit="exp",
                  setup=lambda: ([group.random_scalar() for _ in range(sizes.exp_batch)],),
                  detail="group.exp_g(k), k uniform below q, table built before timing"))
    bases = [group.exp_g(group.random_nonzero_scalar()) for _ in range(sizes.multi_exp_bases)]
    add(timer.row("multi_exp", f"multi-exp, {len(bases)} bases, per base", group.multi_exp,
                  items=len(bases), unit="base",
                  detail=f"group.multi_exp over {len(bases)} random elements, exponents uniform below q",
                  setup=lambda: (bases, [group.random_scalar() for _ in range(len(bases))])))

    # ballots
    counter = itertools.count(sizes.ballots)

    def encrypt_some() -> None:
        for _ in range(sizes.encrypt_batch):
            encrypt_ballot(context, election.device, election.plaintext(next(counter)), election.code)

    add(timer.row("encrypt_ballot", "encrypt ballot 1x5", encrypt_some, items=sizes.encrypt_batch, unit="ballot",
                  detail="encrypt_ballot: 1 contest x 5 options, vote for 1; 5 ciphertexts, 5 option proofs, "
                         "1 contest-sum proof, confirmation code, Ed25519 signature"))

    cycle = itertools.cycle(election.ballots)

    def verify_single(ballots: Sequence[EncryptedBallot]) -> None:
        for b in ballots:
            for e in ciphertext_elements(b):
                if not is_member(group, e):
                    raise AssertionError("benchmark ballot outside the group")
            verify_ballot(context, regs, b)

    add(timer.row("verify_ballot", "verify ballot, single", verify_single, items=sizes.encrypt_batch, unit="ballot",
                  detail="x^q = 1 for the 10 ciphertext components (is_member) + verify_ballot",
                  setup=lambda: ([next(cycle) for _ in range(sizes.encrypt_batch)],)))

    def verify_batched(ballots: Sequence[EncryptedBallot]) -> None:
        if non_members(group, [ciphertext_elements(b) for b in ballots]):
            raise AssertionError("benchmark ballot outside the group")
        if any(r is not None for r in verify_ballots(context, regs, ballots)):
            raise AssertionError("benchmark ballot rejected")

    add(timer.row("verify_ballots_batched", f"verify ballots, batched x{len(election.ballots)}",
                  verify_batched, items=len(election.ballots), unit="ballot", setup=lambda: (election.ballots,),
                  detail=f"batched membership (non_members) + verify_ballots over {len(election.ballots)} ballots"))

    many = election.ballots * max(1, 200 // len(election.ballots))
    add(timer.row("tally", "tally aggregation, per ballot", tally_ballots,
                  items=len(many), unit="ballot", setup=lambda: (group, context.manifest, many),
                  detail=f"tally_ballots over {len(many)} ballots already decoded and verified"))

    tally = tally_ballots(group, context.manifest, election.ballots)
    trustee = outcome.trustees[0]
    add(timer.row("trustee_decrypt", "trustee decryption shares, 5 entries", trustee_decrypt,
                  items=1, unit="tally", setup=lambda: (context, trustee, tally, election.ballots),
                  detail=f"trustee_decrypt: one trustee recomputes the tally of {len(election.ballots)} ballots, "
                         "then 5 shares with proofs (constant-time exponentiations)"))
    shares = [trustee_decrypt(context, t, tally, election.ballots) for t in outcome.trustees]
    vkeys = trustee.verification_keys
    add(timer.row("decrypt_tally", "verify shares + combine, 5 entries", decrypt_tally, items=1, unit="tally",
                  setup=lambda: (context, tally, shares, vkeys),
                  detail="decrypt_tally: verify 3 trustees' share proofs, combine 2 (threshold), discrete logs"))

    # the shuffle
    n = sizes.shuffle_n
    inputs = [CiphertextVector.of(eg.encrypt(key, i % len(CANDIDATES)).ciphertext) for i in range(n)]
    h = independent_generators(group, GENERATOR_SEED, n)
    outputs, witness = shuffle(key, inputs)

    def mix_transcript() -> Transcript:
        t = Transcript(group, "bench-mix", CONTEXT_HASH)
        t.append_text("mix-server", "mix-1")
        t.append_int("stage", 1)
        return t

    add(timer.row("prove_shuffle", f"prove shuffle N={n}, per ciphertext", prove_shuffle,
                  items=n, unit="ciphertext", setup=lambda: (mix_transcript(), key, h, inputs, outputs, witness),
                  detail=f"prove_shuffle (Terelius-Wikstrom), {n} ciphertexts of width 1"))
    proof = prove_shuffle(mix_transcript(), key, h, inputs, outputs, witness)
    add(timer.row("verify_shuffle", f"verify shuffle N={n}, per ciphertext", verify_shuffle,
                  items=n, unit="ciphertext", setup=lambda: (mix_transcript(), key, h, inputs, outputs, proof),
                  detail=f"verify_shuffle, {n} ciphertexts of width 1, generators given"))
    seeds = itertools.count()
    add(timer.row("mix_generators", "mix generators, per generator", independent_generators, items=n,
                  unit="generator", setup=lambda: (group, GENERATOR_SEED + next(seeds).to_bytes(4, "big"), n),
                  detail=f"independent_generators(group, seed, {n}): paid once per seed, shared by every stage"))

    add(_vmn_row(vmn_case, sizes))
    return BenchReport(group.name, sizes == QUICK, ref.kind, timer.pe_seconds, tuple(rows),
                       MachineInfo.current(), started, time.perf_counter() - t_start, sizes)


def _vmn_row(case: Path | None, sizes: Sizes) -> Row:
    """Verification of a real Verificatum 3.1.0 transcript, per ciphertext, in pe of the
    transcript's own group (its arithmetic runs there, not in the bench group)."""
    key = "verificatum"
    label = VMN_CASE_NAME if case is None else case.name
    name = "Verificatum transcript, per ciphertext"
    detail = f"verify_transcript(..., 'mixing') of {label}"

    def missing(why: str) -> Row:
        return Row(key, name, 0, "ciphertext", None, None, "", f"not available: {why}", detail)

    if case is None or not (case / "protInfo.xml").is_file() or not (case / "nizkp" / "default").is_dir():
        return missing(f"no transcript{'' if case is None else f' at {case}'} (pass --vmn-case DIR)")
    try:
        from pilwu_crypto.interop.verificatum import verify_transcript
    except ImportError as exc:
        return missing(f"pilwu_crypto.interop.verificatum not importable ({exc})")
    protinfo, nizkp = case / "protInfo.xml", case / "nizkp" / "default"
    # The verifier belongs to another layer still being written: whatever it raises here
    # must become "not available" in the table, never abort the other rows' report.
    try:
        first = verify_transcript(protinfo, nizkp, "mixing")
        if not first.valid:
            return missing(f"the transcript was rejected ({first.failure})")
        if first.vgroup is None or not first.ciphertexts:
            return missing("the verifier reported no group or no ciphertexts")
        items = int(first.ciphertexts)
        timer = _Timer(make_reference(first.vgroup.group), sizes)
        row = timer.row(key, name, verify_transcript, items=items, unit="ciphertext",
                        setup=lambda: (protinfo, nizkp, "mixing"), detail=detail)
    except Exception as exc:
        return missing(f"the verifier failed ({type(exc).__name__}: {exc})")
    return Row(row.key, row.name, row.items, row.unit, row.seconds_per_item, row.pe,
               first.vgroup.description, f"{first.k} parties, {first.valid_shuffles} shuffles + decryption; "
               "pe of the transcript's group" + (
                   "; vmnv 3.1.0 (Java): 2.5-2.6 s per run" if case.name == VMN_CASE_NAME else ""), row.detail)


def default_vmn_case() -> Path | None:
    """tests/data/verificatum/cases/modp512_n100_mix of a source checkout, if this is one."""
    root = Path(__file__).resolve().parents[3]
    case = root / "tests" / "data" / "verificatum" / "cases" / VMN_CASE_NAME
    return case if case.is_dir() else None


__all__ = ["FULL", "QUICK", "SCHEMA", "SCHEMA_VERSION", "BenchReport", "MachineInfo", "Row", "Sizes",
           "default_vmn_case", "run_bench"]
