"""Checks 6-9 (and the mix input) over a record's ballot files: in blocks, through an executor.

The expensive part of verifying a record is the ballots' proofs.  The main process reads
each ballot file once, as bytes, in record order, and hands blocks of lines to a
``concurrent.futures.Executor`` (inline, a local process pool or a Dask cluster,
verify/executors.py).  A worker parses its block with the subgroup check deferred,
checks membership and every proof in one batch (election/batchverify.py) and returns
only the failures, with the messages single verification gives.  Meanwhile the main
process keeps what must be sequential — the confirmation-code chains, the duplicate
check (in flat memory, verify/replay.py), the tally product and the mix input — applying
each block's lines once its worker has answered, in order.  The report is the one the
sequential verifier would produce, whichever executor runs it.

What a worker receives: a :class:`ContextSpec` (the group, manifest, context and device
registrations as canonical JSON, a few KB, cached per worker process under its hash) and
a :class:`Block` (file, device, line numbers and raw bytes).  No group element crosses a
process boundary; tables are built once per worker process.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pilwu_crypto.election.ballot import EncryptedBallot
from pilwu_crypto.election.batchverify import non_members, verify_ballots
from pilwu_crypto.election.context import ElectionContext
from pilwu_crypto.election.device import ChainVerifier, ClosingEntry, DeviceRegistration
from pilwu_crypto.election.mixballot import MixLayout, ballot_vector
from pilwu_crypto.election.tally import TallyAccumulator
from pilwu_crypto.elgamal import PublicKey
from pilwu_crypto.errors import PilwuError
from pilwu_crypto.proofs.shuffle import CiphertextVector
from pilwu_crypto.record import codec
from pilwu_crypto.record.codec import BallotLine
from pilwu_crypto.record.io import RecordReader, parse_ballot_line
from pilwu_crypto.verify.replay import SpillingReplayGuard, spill_dir
from pilwu_crypto.verify.report import CheckResult

BLOCK_LINES = 64
"""Ballot lines per block: large enough that pickling and scheduling are noise next to
the block's verification (~64 x 5 ms at pilwu-3072), small enough to keep workers busy."""

Progress = Callable[[str, int, int], None]


# ---- what crosses to a worker ------------------------------------------------------------------
@dataclass(frozen=True)
class ContextSpec:
    """The election context and device registrations as canonical JSON, named by its hash."""

    digest: str
    payload: bytes


@dataclass(frozen=True)
class Block:
    """Consecutive lines of one ballot file."""

    path: str
    device_id: str
    lines: tuple[tuple[int, bytes], ...]


@dataclass(frozen=True)
class BlockResult:
    """A block's verdicts: failed lines with their messages, and the first line that does
    not parse (the reader would stop the file there; later lines were not verified)."""

    failures: tuple[tuple[int, str], ...]
    malformed: tuple[int, str] | None


def context_spec(context: ElectionContext, registrations: dict[str, DeviceRegistration]) -> ContextSpec:
    """The spec of an already verified context (checks 1-5) and the devices of the record."""
    doc = {
        "parameters": codec.parameters_to_json(context.group),
        "manifest": codec.manifest_to_json(context.manifest),
        "trustees": list(context.trustee_ids),
        "threshold": context.threshold,
        "joint_key": codec.element_to_hex(context.joint_key.element),
        "base_hash": context.base_hash.hex(),
        "election_hash": context.election_hash.hex(),
        "devices": [codec.device_registration_to_json(r) for _, r in sorted(registrations.items())],
    }
    payload = codec.dumps_canonical(doc)
    return ContextSpec(hashlib.sha256(payload).hexdigest(), payload)


_LOADED: dict[str, tuple[ElectionContext, dict[str, DeviceRegistration]]] = {}


def _load(spec: ContextSpec) -> tuple[ElectionContext, dict[str, DeviceRegistration]]:
    """The context of ``spec``, rebuilt once per process (groups come from the registry, so
    their fixed-base tables are shared by every block the process verifies)."""
    cached = _LOADED.get(spec.digest)
    if cached is not None:
        return cached
    if hashlib.sha256(spec.payload).hexdigest() != spec.digest:
        raise PilwuError("context spec: payload does not match its digest")
    doc: Any = codec.parse_json(spec.payload)
    group = codec.parameters_from_json(doc["parameters"])
    manifest = codec.manifest_from_json(None, doc["manifest"])
    key = codec.element_from_hex(group, doc["joint_key"], "joint_key")
    context = ElectionContext(group, manifest, tuple(doc["trustees"]), doc["threshold"], PublicKey(key),
                              bytes.fromhex(doc["base_hash"]), bytes.fromhex(doc["election_hash"]))
    regs = {}
    for value in doc["devices"]:
        r = codec.device_registration_from_json(group, value, "devices")
        regs[r.device_id] = r
    _LOADED.clear()  # one election at a time per worker; a village directory moves on
    _LOADED[spec.digest] = (context, regs)
    return context, regs


# ---- the worker ----------------------------------------------------------------------------------
def verify_block(spec: ContextSpec, block: Block) -> BlockResult:
    """Verify one block of ballot lines (runs in a worker; pure function of its arguments).

    Parse with the subgroup check deferred; find the first non-member line exactly
    (batched membership, then x^q = 1 on the suspects) and report it as the reader
    would; then every remaining ballot in one proof batch (election/batchverify.py)."""
    context, regs = _load(spec)
    group = context.group
    parsed: list[BallotLine] = []
    rows: list[list[Any]] = []
    malformed: tuple[int, str] | None = None
    for line_no, raw in block.lines:
        unchecked: list[Any] = []
        try:
            parsed.append(parse_ballot_line(group, block.path, line_no, raw, unchecked))
        except PilwuError as exc:
            malformed = (line_no, str(exc))
            break
        rows.append(unchecked)
    bad = non_members(group, rows)
    if bad:
        k = bad[0]
        line_no, raw = block.lines[k]
        try:
            parse_ballot_line(group, block.path, line_no, raw)  # the reader's exact message
        except PilwuError as exc:
            malformed = (line_no, str(exc))
        parsed = parsed[:k]
    failures: list[tuple[int, str]] = []
    pending: list[tuple[int, EncryptedBallot | Any]] = []
    for line in parsed:
        b = line.ballot
        if b.device_id != block.device_id:
            failures.append((line.line_no, f"ballot {b.ballot_id} of device {b.device_id} in the file of "
                                            f"{block.device_id}"))
        else:
            pending.append((line.line_no, line.challenged if line.challenged is not None else b))
    results = verify_ballots(context, regs, [item for _, item in pending])
    failures += [(line_no, str(err)) for (line_no, _), err in zip(pending, results, strict=True) if err is not None]
    failures.sort()
    return BlockResult(tuple(failures), malformed)


# ---- the main process ----------------------------------------------------------------------------
@dataclass
class BallotChecks:
    """The check results checks 6-9 write to, and what later checks need from the ballots."""

    ballots: CheckResult
    chains: CheckResult
    dups: CheckResult
    tally: CheckResult
    mix_input: CheckResult | None
    mix_layout: MixLayout | None
    accumulator: TallyAccumulator
    mix_vectors: list[CiphertextVector] = field(default_factory=list)
    cast: int = 0
    challenged: int = 0


class _Inline(Executor):
    """Runs every submitted call at once, in this process (``--workers 1``)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        f: Future[Any] = Future()
        try:
            f.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            f.set_exception(exc)
        return f


INLINE: Executor = _Inline()


def run_ballot_checks(out: BallotChecks, reader: RecordReader, context: ElectionContext,
                      registrations: dict[str, DeviceRegistration], closings: dict[str, ClosingEntry],
                      executor: Executor | None = None, progress: Progress | None = None,
                      block_lines: int = BLOCK_LINES, in_flight: int = 8) -> None:
    """Checks 6-9 over every ballot file, devices in id order, each file in chain order."""
    executor = executor or INLINE
    spec = context_spec(context, registrations)
    files_by_device = {Path(p).stem: p for p in reader.ballot_files()}
    done = [0]
    with SpillingReplayGuard(spill_dir()) as guard:
        for device_id in sorted(set(files_by_device) | set(registrations)):
            maybe_path = files_by_device.get(device_id)
            reg = registrations.get(device_id)
            if reg is None:
                out.chains.fail(f"{maybe_path}: ballots of unregistered device {device_id}")
            if maybe_path is None:
                out.chains.items += 1
                if reg is not None:
                    try:
                        ChainVerifier(context, reg).close(closings.get(device_id))
                    except PilwuError as exc:
                        out.chains.fail(str(exc))
                continue
            chain = ChainVerifier(context, reg) if reg is not None else None
            chain_ok = _run_file(out, reader, context, spec, maybe_path, device_id, chain, guard, executor,
                                 progress, done, block_lines, max(1, in_flight))
            out.chains.items += 1
            if chain is not None and chain_ok:
                try:
                    chain.close(closings.get(device_id))
                except PilwuError as exc:
                    out.chains.fail(str(exc))
        for where, message in guard.finish():
            out.dups.fail(f"{where}: {message}")


def _parsed_lines(reader: RecordReader, context: ElectionContext, path: str,
                  stop: list[BaseException | None]) -> Iterator[tuple[int, bytes, BallotLine | None]]:
    """(line number, bytes, parsed line or None if it does not parse) — the main process's
    own cheap parse (membership deferred: a worker checks it before the line is applied).
    The reader's file-level error, if any, is stored in ``stop`` instead of raised."""
    try:
        for line_no, raw in reader.ballot_raw_lines(path):
            try:
                line: BallotLine | None = parse_ballot_line(context.group, path, line_no, raw, [])
            except PilwuError:
                line = None
            yield line_no, raw, line
            if line is None:
                return  # the reader stops at a line that does not parse
    except PilwuError as exc:
        stop[0] = exc


def _run_file(out: BallotChecks, reader: RecordReader, context: ElectionContext, spec: ContextSpec, path: str,
              device_id: str, chain: ChainVerifier | None, guard: SpillingReplayGuard, executor: Executor,
              progress: Progress | None, done: list[int], block_lines: int, in_flight: int) -> bool:
    """One ballot file through the executor; returns whether its chain may be closed."""
    chain_ok = chain is not None
    aborted = False
    pending: deque[tuple[Future[BlockResult], list[tuple[int, BallotLine | None]]]] = deque()

    def apply(future: Future[BlockResult], lines: list[tuple[int, BallotLine | None]]) -> None:
        nonlocal chain_ok, aborted
        result = future.result()
        failures = dict(result.failures)
        for line_no, line in lines:
            if aborted:
                return
            if result.malformed is not None and line_no >= result.malformed[0]:
                out.ballots.fail(f"{path}: {result.malformed[1]}")
                aborted, chain_ok = True, False
                return
            if line is None:  # the worker's parse agrees; defensive
                aborted, chain_ok = True, False
                return
            where = f"{path}:{line_no}"
            out.ballots.items += 1
            if line_no in failures:
                out.ballots.fail(f"{where}: {failures[line_no]}")
            b = line.ballot
            if chain is not None and chain_ok:
                try:
                    chain.add(b)
                except PilwuError as exc:
                    out.chains.fail(f"{where}: {exc}")
                    chain_ok = False
            out.dups.items += 1
            guard.add(b, where)
            if line.status == "cast":
                if out.mix_layout is not None and out.mix_input is not None:
                    try:
                        out.mix_vectors.append(ballot_vector(out.mix_layout, b))
                    except PilwuError as exc:
                        out.mix_input.fail(f"{where}: {exc}")
                out.cast += 1
                try:
                    out.accumulator.add(b)
                except PilwuError as exc:
                    out.tally.fail(f"{where}: {exc}")
            else:
                out.challenged += 1
            done[0] += 1
            if progress is not None:
                progress("ballots", done[0], 0)

    def submit(block: list[tuple[int, bytes, BallotLine | None]]) -> None:
        if not block:
            return
        future = executor.submit(verify_block, spec, Block(path, device_id, tuple((n, r) for n, r, _ in block)))
        pending.append((future, [(n, line) for n, _, line in block]))
        while len(pending) > in_flight:
            apply(*pending.popleft())

    stop: list[BaseException | None] = [None]
    block: list[tuple[int, bytes, BallotLine | None]] = []
    for entry in _parsed_lines(reader, context, path, stop):
        block.append(entry)
        if len(block) >= block_lines:
            submit(block)
            block = []
    submit(block)
    while pending:
        apply(*pending.popleft())
    if stop[0] is not None and not aborted:
        out.ballots.fail(f"{path}: {stop[0]}")
        chain_ok = False
    return chain_ok
