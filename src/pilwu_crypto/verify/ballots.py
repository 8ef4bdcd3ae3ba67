"""Checks 6-9 (and the mix input) over a record's ballot files: in blocks, through an executor.

The expensive part of verifying a record is the ballots.  The main process only reads
each ballot file once, as bytes, in record order, hashing it, and hands blocks of lines
to a ``concurrent.futures.Executor`` (inline, a local process pool or a Dask cluster,
verify/executors.py).  A worker does everything that is per ballot: it parses its block
with the subgroup check deferred, checks membership and every proof in one batch
(election/batchverify.py), and computes what the sequential checks need — each line's
chain link (ids, codes, digest), its replay digests, the block's partial tally product
and the cast ballots' mix vectors.  The main process then applies the blocks in order:
the confirmation-code chains, the duplicate check (flat memory, verify/replay.py), the
tally (a product of partial products) and the mix input — a few hashes and
multiplications per ballot, so that adding workers keeps paying off.  The report is the
one the sequential verifier would produce, whichever executor runs it.

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
from typing import Any

from pilwu_crypto.election.ballot import EncryptedBallot, device_signed
from pilwu_crypto.election.batchverify import non_members, verify_ballots
from pilwu_crypto.election.context import ElectionContext
from pilwu_crypto.election.device import ChainVerifier, ClosingEntry, DeviceRegistration, device_order
from pilwu_crypto.election.mixballot import MixLayout, ballot_vector, mix_layout
from pilwu_crypto.election.tally import TallyAccumulator
from pilwu_crypto.elgamal import PublicKey
from pilwu_crypto.errors import PilwuError
from pilwu_crypto.proofs.shuffle import CiphertextVector
from pilwu_crypto.record import codec
from pilwu_crypto.record.codec import BallotLine
from pilwu_crypto.record.io import RecordReader, parse_ballot_line
from pilwu_crypto.record.layout import ballot_file_device
from pilwu_crypto.verify.replay import SpillingReplayGuard, replay_digests, spill_dir
from pilwu_crypto.verify.report import CheckResult

BLOCK_LINES = 64
"""Ballot lines per block: large enough that pickling and scheduling are noise next to
the block's verification (~64 x 5 ms at pilwu-3072), small enough to keep workers busy."""

IN_FLIGHT = 8
"""Blocks submitted and not yet applied, at most (bounds the main process's memory)."""

Progress = Callable[[str, int, int], None]


# ---- what crosses to a worker ------------------------------------------------------------------
@dataclass(frozen=True)
class ContextSpec:
    """The election context and device registrations as canonical JSON, named by its hash."""

    digest: str
    payload: bytes


@dataclass(frozen=True)
class Block:
    """Consecutive lines of one ballot file; ``mix``: also compute the cast ballots' mix vectors."""

    path: str
    device_id: str
    lines: tuple[tuple[int, bytes], ...]
    mix: bool = False


@dataclass(frozen=True)
class Link:
    """What the chain check needs from a ballot (election/device.py ChainLink)."""

    ballot_id: str
    device_id: str
    previous_code: bytes
    confirmation_code: bytes
    ballot_digest: bytes

    def digest(self) -> bytes:
        return self.ballot_digest


@dataclass(frozen=True)
class LineResult:
    """One parsed line of a block: its chain link, status, replay digests (labels by shape
    number, see BlockResult.shapes), mix vector or mix failure, tally failure."""

    line_no: int
    link: Link
    cast: bool
    shape: int
    digests: bytes
    mix_vector: CiphertextVector | None = None
    mix_failure: str | None = None
    tally_failure: str | None = None
    excluded: str | None = None
    """Why this cast ballot, signed by its device, is invalid (the exclusion rule,
    docs/record-format.md §5.11): it is then neither tallied nor mixed."""


@dataclass(frozen=True)
class BlockResult:
    """A block's verdicts: failed lines with their messages; the first line that does not
    parse (the reader would stop the file there; later lines were not verified); the
    lines before it with what the sequential checks need; the product of their cast
    ballots' ciphertexts."""

    failures: tuple[tuple[int, str], ...]
    malformed: tuple[int, str] | None
    lines: tuple[LineResult, ...] = ()
    shapes: tuple[tuple[str, ...], ...] = ()
    tally: TallyAccumulator | None = None


def context_spec(context: ElectionContext, registrations: dict[str, DeviceRegistration]) -> ContextSpec:
    """The spec of an already verified context (checks 1-5) and the devices of the record."""
    doc = {
        "parameters": codec.parameters_to_json(context.group),
        "manifest": codec.manifest_to_json(context.manifest, context.manifest.format_version),
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
        # the reader's exact message; the fallback cannot be reached (x^q != 1 was found
        # exactly), but a line is never dropped without a failure naming it
        malformed = (line_no, f"{block.path}:{line_no}: a ciphertext component is not in the order-q subgroup")
        try:
            parse_ballot_line(group, block.path, line_no, raw)
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
    excluded: dict[int, str] = {}
    for (line_no, item), err in zip(pending, results, strict=True):
        if err is None:
            continue
        if isinstance(item, EncryptedBallot) and device_signed(context, regs, item):
            excluded[line_no] = str(err)  # §5.11: signed invalid by its own device
        else:
            failures.append((line_no, str(err)))
    failures.sort()
    lines, shapes, tally = _sequential_inputs(context, parsed, block.mix, excluded)
    return BlockResult(tuple(failures), malformed, lines, shapes, tally)


def _sequential_inputs(context: ElectionContext, parsed: list[BallotLine], mix: bool, excluded: dict[int, str]
                       ) -> tuple[tuple[LineResult, ...], tuple[tuple[str, ...], ...], TallyAccumulator]:
    """Per line: chain link, replay digests, mix vector; and the block's partial tally —
    exactly what the main process's sequential checks would compute from the ballots (an
    excluded ballot is neither tallied nor mixed)."""
    layout = mix_layout(context) if mix else None
    tally = TallyAccumulator(context.group, context.manifest)
    shapes: dict[tuple[str, ...], int] = {}
    out: list[LineResult] = []
    for line in parsed:
        b = line.ballot
        labels, digests = replay_digests(b)
        shape = shapes.setdefault(labels, len(shapes))
        link = Link(b.ballot_id, b.device_id, b.previous_code, b.confirmation_code, b.digest())
        cast = line.status == "cast"
        vector = mix_failure = tally_failure = None
        reason = excluded.get(line.line_no)
        if cast and reason is None:
            if layout is not None:
                try:
                    vector = ballot_vector(layout, b)
                except PilwuError as exc:
                    mix_failure = str(exc)
            try:
                tally.add(b)
            except PilwuError as exc:
                tally_failure = str(exc)
        out.append(LineResult(line.line_no, link, cast, shape, digests, vector, mix_failure, tally_failure,
                              reason))
    return tuple(out), tuple(shapes), tally


# ---- the main process ----------------------------------------------------------------------------
@dataclass(frozen=True)
class CodeMatch:
    """A ballot whose confirmation code starts with the watched prefix: where it is, and the
    exact bytes of its line as they were verified (parse them with parse_ballot_line)."""

    path: str
    line_no: int
    ballot_id: str
    device_id: str
    status: str
    """"cast", "challenged" or "excluded" (cast, signed invalid by its device: not counted)."""
    code: bytes
    raw: bytes


@dataclass(frozen=True)
class Exclusion:
    """A cast ballot left out of the tally and the mix by the exclusion rule
    (docs/record-format.md §5.11): its device signed it, its chain verifies, it is invalid."""

    path: str
    line_no: int
    ballot_id: str
    device_id: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line_no, "ballot_id": self.ballot_id,
                "device_id": self.device_id, "rule": "signed-invalid-by-its-device", "reason": self.reason}

    def describe(self) -> str:
        return (f"{self.path}:{self.line_no}: ballot {self.ballot_id} excluded: device {self.device_id} signed an "
                f"invalid ballot ({self.reason})")


@dataclass
class CodeWatch:
    """Look a confirmation-code prefix up during the verification pass itself (pilwu
    check-ballot): the matches come from the very bytes the checks verified."""

    prefix: str
    """Lowercase hex digits."""
    matches: list[CodeMatch] = field(default_factory=list)
    limit: int = 16
    """Matches kept at most (a prefix this common is refused anyway)."""

    def see(self, path: str, line: LineResult, raw: bytes) -> None:
        if line.link.confirmation_code.hex().startswith(self.prefix) and len(self.matches) < self.limit:
            status = "challenged" if not line.cast else "excluded" if line.excluded is not None else "cast"
            self.matches.append(CodeMatch(path, line.line_no, line.link.ballot_id, line.link.device_id,
                                          status, line.link.confirmation_code, raw))


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
    watch: CodeWatch | None = None
    exclusions: list[Exclusion] = field(default_factory=list)


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
                      block_lines: int | None = None, in_flight: int | None = None) -> None:
    """Checks 6-9 over every ballot file, devices in record order (device_order), each file in chain order
    (``block_lines``, ``in_flight``: BLOCK_LINES and IN_FLIGHT unless given)."""
    executor = executor or INLINE
    spec = context_spec(context, registrations)
    files_by_device = {ballot_file_device(p): p for p in reader.ballot_files()}
    done = [0]
    with SpillingReplayGuard(spill_dir()) as guard:
        # record order (record-format.md §2): the cast ballots' order is the mix-net's first input
        for device_id in device_order(set(files_by_device) | set(registrations)):
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
                                 progress, done, block_lines or BLOCK_LINES, max(1, in_flight or IN_FLIGHT))
            out.chains.items += 1
            if chain is not None and chain_ok:
                try:
                    chain.close(closings.get(device_id))
                except PilwuError as exc:
                    out.chains.fail(str(exc))
        for where, message in guard.finish():
            out.dups.fail(f"{where}: {message}")


def _raw_lines(reader: RecordReader, path: str, stop: list[BaseException | None]) -> Iterator[tuple[int, bytes]]:
    """The file's lines as bytes; the reader's file-level error, if any, is stored in
    ``stop`` instead of raised (it is reported after the lines before it)."""
    try:
        yield from reader.ballot_raw_lines(path)
    except PilwuError as exc:
        stop[0] = exc


def _run_file(out: BallotChecks, reader: RecordReader, context: ElectionContext, spec: ContextSpec, path: str,
              device_id: str, chain: ChainVerifier | None, guard: SpillingReplayGuard, executor: Executor,
              progress: Progress | None, done: list[int], block_lines: int, in_flight: int) -> bool:
    """One ballot file through the executor; returns whether its chain may be closed."""
    chain_ok = chain is not None
    aborted = False
    pending: deque[tuple[Future[BlockResult], dict[int, bytes]]] = deque()
    mix = out.mix_layout is not None and out.mix_input is not None

    def apply(item: tuple[Future[BlockResult], dict[int, bytes]]) -> None:
        nonlocal chain_ok, aborted
        if aborted:
            return
        future, raw = item
        result = future.result()
        failures = dict(result.failures)
        for line in result.lines:
            where = f"{path}:{line.line_no}"
            if out.watch is not None:
                out.watch.see(path, line, raw[line.line_no])
            out.ballots.items += 1
            if line.line_no in failures:
                out.ballots.fail(f"{where}: {failures[line.line_no]}")
            if chain is not None and chain_ok:
                try:
                    chain.add(line.link, challenged=not line.cast)
                except PilwuError as exc:
                    out.chains.fail(f"{where}: {exc}")
                    chain_ok = False
            out.dups.items += 1
            guard.add_digests(where, line.link.ballot_id, result.shapes[line.shape], line.digests)
            if line.cast and line.excluded is not None:
                out.exclusions.append(Exclusion(path, line.line_no, line.link.ballot_id, line.link.device_id,
                                                line.excluded))
            elif line.cast:
                if out.mix_input is not None and mix:
                    if line.mix_failure is not None:
                        out.mix_input.fail(f"{where}: {line.mix_failure}")
                    elif line.mix_vector is not None:
                        out.mix_vectors.append(line.mix_vector)
                out.cast += 1
                if line.tally_failure is not None:
                    out.tally.fail(f"{where}: {line.tally_failure}")
            else:
                out.challenged += 1
            done[0] += 1
        if result.tally is not None:
            out.accumulator.merge(result.tally)
        if progress is not None:
            progress("ballots", done[0], 0)
        if result.malformed is not None:
            out.ballots.fail(f"{path}: {result.malformed[1]}")
            aborted, chain_ok = True, False

    def submit(block: list[tuple[int, bytes]]) -> None:
        if not block:
            return
        raw = dict(block) if out.watch is not None else {}
        pending.append((executor.submit(verify_block, spec, Block(path, device_id, tuple(block), mix)), raw))
        while len(pending) > in_flight:
            apply(pending.popleft())

    stop: list[BaseException | None] = [None]
    block: list[tuple[int, bytes]] = []
    for entry in _raw_lines(reader, path, stop):
        block.append(entry)
        if len(block) >= block_lines:
            submit(block)
            block = []
    submit(block)
    while pending:
        apply(pending.popleft())
    if stop[0] is not None and not aborted:
        out.ballots.fail(f"{path}: {stop[0]}")
        chain_ok = False
    return chain_ok
