"""Reading and writing election-record directories (docs/record-format.md; format 2 written,
format 1 read on request).

:class:`RecordWriter` writes every file atomically (a temporary file in the same
directory, flushed and fsynced, renamed over the final name, then the directory fsynced)
and index.json last, so a crash at any point leaves either no index or a complete,
consistent record; ballots are streamed to their file one line at a time.

:class:`RecordReader` trusts nothing: index.json is parsed strictly and every path in it
must stay inside the root; parameters.json must pin a registered parameter set byte for
byte; every other file is checked against its SHA-256 in the index before its content is
used (ballot files, which are streamed in constant memory, at the end of the stream);
and every problem surfaces as :class:`MalformedRecord` naming the file, the line (JSON
Lines) and the field path, or as :class:`RecordUnreadable` when the root, the index or
the parameters cannot be read at all.  A permission or I/O error on the auditor's copy
is :class:`CopyUnreadable` (record/files.py): no fault of the record, and no verdict.
No other exception escapes a reading method.

This is the only layer below the verifier that touches files or JSON (README.md, "Using the library").
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import IO, Any, TypeVar

from pilwu_crypto.algebra.group import Element, Group
from pilwu_crypto.algebra.groups import SeededDerivation
from pilwu_crypto.election.ballot import ChallengedBallot, EncryptedBallot
from pilwu_crypto.election.context import ElectionContext
from pilwu_crypto.election.decryption import TallyResult, TrusteeTallyShare
from pilwu_crypto.election.device import ClosingEntry, device_order
from pilwu_crypto.election.manifest import Manifest
from pilwu_crypto.election.mixnet import MixDecryptionShare, MixServerRegistration, MixStage
from pilwu_crypto.election.setup import ElectionSetup
from pilwu_crypto.election.simulation import SimulatedElection, SimulatedMix
from pilwu_crypto.election.tally import EncryptedTally
from pilwu_crypto.errors import CopyUnreadable, FormatRefused, MalformedRecord, PilwuError, RecordUnreadable
from pilwu_crypto.proofs.shuffle import CiphertextVector
from pilwu_crypto.record import codec, mixcodec, setupcodec
from pilwu_crypto.record.codec import (
    BallotLine,
    CeremonyRecord,
    DevicesRecord,
    IndexEntry,
    JsonObject,
    PublishedContext,
    PublishedResult,
)
from pilwu_crypto.record.files import MISSING, copy_unreadable, file_kind, not_regular, open_regular, walk_files
from pilwu_crypto.record.layout import (
    CEREMONY_PATH,
    COMPLAINTS_PATH,
    CONTEXT_PATH,
    DEVICES_PATH,
    DIGESTS_PATH,
    ENCRYPTED_TALLY_PATH,
    INDEX_PATH,
    LEGACY_FORMAT_VERSION,
    MANIFEST_PATH,
    MAX_DOCUMENT_BYTES,
    MAX_LINE_BYTES,
    MIX_RESULT_PATH,
    MIX_SERVERS_PATH,
    PARAMETERS_PATH,
    RESULT_PATH,
    REVEALS_PATH,
    SETUP_PATH,
    SHARES_PATH,
    ballot_file_device,
    ballot_path,
    document_limit,
    file_limit,
    is_ballot_path,
    is_mix_decryption_path,
    is_mix_stage_output_path,
    is_mixnet_path,
    is_os_junk,
    is_record_path,
    is_tally_share_path,
    mix_decryption_path,
    mix_output_limit,
    mix_stage_output_path,
    mix_stage_path,
    mix_stage_position,
    tally_share_path,
    trustee_of_mix_decryption_path,
    trustee_of_share_path,
)
from pilwu_crypto.record.mixcodec import PublishedMixResult
from pilwu_crypto.threshold.dkg import (
    Ceremony,
    CommitmentDigest,
    CommitmentReveal,
    Complaint,
    EncryptedShare,
)

_T = TypeVar("_T")
_CHUNK = 1 << 20
_TEMP_MARK = ".tmp-"


class RecordWriteError(PilwuError):
    """The writer was misused: a file written twice, out of order or after finish(), an id
    that cannot name a file, or content that would exceed the format's limits."""


class RecordExists(RecordWriteError, FileExistsError):
    """The target directory exists and is not empty (pass ``force=True`` to overwrite)."""


# ====================================================================== helpers =====
def fsync_dir(path: Path) -> None:
    """fsync a directory so that a rename or a new entry in it survives a crash."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - file systems that refuse fsync on directories
        pass
    finally:
        os.close(fd)


def _make_dirs(root: Path, rel_dir: str) -> Path:
    """Create root/rel_dir one level at a time, fsyncing each parent that got a new entry."""
    current = root
    for segment in [s for s in rel_dir.split("/") if s]:
        child = current / segment
        if not child.is_dir():
            child.mkdir()
            fsync_dir(current)
        current = child
    return current


def _open_temp(directory: Path, name: str) -> tuple[int, Path]:
    """A new, exclusively created temporary file next to ``name`` (mode 0644 minus umask)."""
    while True:
        tmp = directory / f".{name}{_TEMP_MARK}{secrets.token_hex(6)}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
        except FileExistsError:  # pragma: no cover - 48 random bits
            continue
        return fd, tmp


def _split(rel: str) -> tuple[str, str]:
    head, _, name = rel.rpartition("/")
    return head, name


def atomic_write(root: Path, rel: str, data: bytes) -> None:
    """Write ``data`` to root/rel atomically: temporary file in the same directory, flush,
    fsync, rename over the final name, fsync the directory.  On any failure the temporary
    file is removed and the final name is untouched."""
    head, name = _split(rel)
    directory = _make_dirs(root, head)
    fd, tmp = _open_temp(directory, name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, directory / name)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(directory)


def _is_layout_file(rel: str) -> bool:
    """A file this writer may produce (or a temporary file it may have left behind)."""
    _, name = _split(rel)
    return rel == INDEX_PATH or is_record_path(rel) or (name.startswith(".") and _TEMP_MARK in name)


def _first_hole(f: IO[bytes], size: int) -> int:
    """The offset of the first hole of the open regular file ``f`` (``size`` when it has
    none, or when the file system cannot tell: then the file is read as usual); the file
    position is left at 0."""
    seek_hole = getattr(os, "SEEK_HOLE", None)
    if seek_hole is None or size == 0:
        return size
    fd = f.fileno()
    try:
        return min(os.lseek(fd, 0, seek_hole), size)
    except OSError:
        return size
    finally:
        os.lseek(fd, 0, os.SEEK_SET)


def _read_at_most(f: IO[bytes], n: int) -> bytes:
    """Up to ``n`` bytes of ``f``, read in chunks: ``f.read(n)`` would allocate ``n`` bytes
    up front, and ``n`` comes from the untrusted index (up to 512 MiB for a mix document)."""
    chunks: list[bytes] = []
    remaining = n
    while remaining > 0:
        chunk = f.read(min(remaining, _CHUNK))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


# ====================================================================== writer ======
class _JsonlStream:
    """A JSON Lines file being written: streamed to a temporary file, hashed on the way,
    renamed to its final name when the ``with`` block ends without an exception (and
    discarded, leaving nothing behind, when it ends with one)."""

    def __init__(self, writer: RecordWriter, path: str) -> None:
        self._writer = writer
        self.path = path
        self._file: IO[bytes] | None = None
        self._tmp: Path | None = None
        self._directory: Path | None = None
        self._hash = hashlib.sha256()
        self._size = 0
        self._closed = False
        self.count = 0
        """Lines written so far."""

    def __enter__(self) -> _JsonlStream:
        if self._file is not None or self._closed:
            raise RecordWriteError(f"{self.path}: this stream was already used")
        self._writer._claim(self.path)
        try:
            head, name = _split(self.path)
            self._directory = _make_dirs(self._writer.root, head)
            fd, self._tmp = _open_temp(self._directory, name)
            self._file = os.fdopen(fd, "wb")
        except BaseException:
            self._writer._release(self.path)
            raise
        self._writer._open_streams.add(self.path)
        return self

    def write_object(self, obj: JsonObject) -> None:
        """Append one JSON value as a canonical line (at most MAX_LINE_BYTES plus newline)."""
        if self._file is None:
            raise RecordWriteError(f"{self.path}: write inside a 'with' block of the stream")
        data = codec.dumps_canonical(obj)
        if len(data) - 1 > MAX_LINE_BYTES:
            raise RecordWriteError(f"{self.path}: line {self.count + 1} would exceed {MAX_LINE_BYTES} bytes")
        self._file.write(data)
        self._hash.update(data)
        self._size += len(data)
        self.count += 1

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        f, tmp, directory = self._file, self._tmp, self._directory
        self._file = None
        self._closed = True
        self._writer._open_streams.discard(self.path)
        if f is None or tmp is None or directory is None:  # pragma: no cover - __enter__ failed
            return
        try:
            if exc_type is None:
                f.flush()
                os.fsync(f.fileno())
            f.close()
            if exc_type is None:
                os.replace(tmp, directory / _split(self.path)[1])
        except BaseException:
            f.close()
            tmp.unlink(missing_ok=True)
            self._writer._release(self.path)
            raise
        if exc_type is not None:
            tmp.unlink(missing_ok=True)
            self._writer._release(self.path)
            return
        fsync_dir(directory)
        self._writer._files[self.path] = IndexEntry(self.path, self._hash.hexdigest(), self._size)


class BallotStream(_JsonlStream):
    """``ballots/<device id>.jsonl`` being written: one line per ballot, in chain order."""

    def __init__(self, writer: RecordWriter, device_id: str) -> None:
        super().__init__(writer, ballot_path(device_id))
        self.device_id = device_id

    def __enter__(self) -> BallotStream:
        super().__enter__()
        return self

    def _check(self, ballot: EncryptedBallot) -> None:
        if ballot.device_id != self.device_id:
            raise RecordWriteError(f"{self.path}: ballot {ballot.ballot_id} belongs to device "
                                   f"{ballot.device_id}, not {self.device_id}")
        for contest in ballot.contests:
            for option in contest.options:
                self._writer._check_group(option.ciphertext.group, f"ballot {ballot.ballot_id}")

    def write_cast(self, ballot: EncryptedBallot) -> None:
        """Append a cast ballot: {"status": "cast", "ballot": ...}."""
        self._check(ballot)
        self.write_object(codec.ballot_line_to_json(ballot))

    def write_challenged(self, challenged: ChallengedBallot) -> None:
        """Append a challenged ballot with its reveal: {"status": "challenged", "ballot", "reveal"}."""
        self._check(challenged.ballot)
        self.write_object(codec.ballot_line_to_json(challenged))


class RecordWriter:
    """Writes one election record directory; :meth:`finish` writes index.json last.

    ``write_parameters`` comes first (it fixes the group every later element must belong
    to); the other files may come in any order, each at most once.  Nothing random or
    time-dependent is written: the same objects give the same bytes and fingerprint.
    """

    def __init__(self, root: Path, *, force: bool = False) -> None:
        """Refuse an existing non-empty directory unless ``force``.

        With ``force`` an existing index.json is deleted first (so a crash from here on
        leaves no index), then every file of the record layout (and any temporary file of
        an interrupted writer); other files are left alone and would show up as extra
        files when the record is verified.
        """
        self.root = Path(root)
        self._files: dict[str, IndexEntry] = {}
        self._claimed: set[str] = set()
        self._open_streams: set[str] = set()
        self._group: Group | None = None
        self._finished = False
        if self.root.exists() and not self.root.is_dir():
            raise RecordExists(f"{self.root}: exists and is not a directory")
        if self.root.is_dir() and any(self.root.iterdir()):
            if not force:
                raise RecordExists(f"{self.root}: directory exists and is not empty (use force to overwrite)")
            self._clear()
        self.root.mkdir(parents=True, exist_ok=True)

    def _clear(self) -> None:
        index = self.root / INDEX_PATH
        if index.exists() or index.is_symlink():
            index.unlink()
            fsync_dir(self.root)
        for rel in sorted(walk_files(self.root)):
            if _is_layout_file(rel):
                (self.root / rel).unlink()

    # ---- bookkeeping ------------------------------------------------------------------
    def _claim(self, path: str) -> None:
        if self._finished:
            raise RecordWriteError(f"{path}: the record is finished (index.json written)")
        if path in self._claimed:
            raise RecordWriteError(f"{path}: written twice")
        if path != PARAMETERS_PATH and self._group is None:
            raise RecordWriteError(f"{path}: write_parameters must come first")
        self._claimed.add(path)

    def _release(self, path: str) -> None:
        self._claimed.discard(path)

    def _check_group(self, group: Group | None, what: str) -> None:
        if group is not None and self._group is not None and group is not self._group:
            raise RecordWriteError(f"{what}: belongs to group {group.name}, "
                                   f"the record's is {self._group.name}")

    def _write_document(self, path: str, doc: JsonObject) -> None:
        data = codec.dumps_canonical(doc)
        limit = document_limit(path)
        if len(data) > limit:
            raise RecordWriteError(f"{path}: {len(data)} bytes exceed the {limit}-byte limit")
        self._claim(path)
        try:
            atomic_write(self.root, path, data)
        except BaseException:
            self._release(path)
            raise
        self._files[path] = IndexEntry(path, hashlib.sha256(data).hexdigest(), len(data))

    def _write_lines(self, path: str, objects: Iterable[JsonObject]) -> None:
        with _JsonlStream(self, path) as stream:
            for obj in objects:
                stream.write_object(obj)

    @property
    def group(self) -> Group | None:
        """The record's group (None before write_parameters)."""
        return self._group

    def written(self) -> dict[str, IndexEntry]:
        """The files written so far, by path (what index.json will list)."""
        return dict(self._files)

    # ---- documents --------------------------------------------------------------------
    def write_parameters(self, group: Group) -> None:
        """parameters.json (first): the group's name, p, q, g and derivation, or curve name."""
        doc = codec.parameters_to_json(group)
        self._write_document(PARAMETERS_PATH, doc)
        self._group = group

    def write_manifest(self, manifest: Manifest) -> None:
        """manifest.json: the manifest and its hash; InvalidManifest for a manifest without
        the place fields format 2 requires (docs/record-format.md §5.3)."""
        self._write_document(MANIFEST_PATH, codec.manifest_to_json(manifest))

    def write_ceremony(self, ceremony: Ceremony, digests: Iterable[CommitmentDigest],
                       reveals: Iterable[CommitmentReveal], shares: Iterable[EncryptedShare],
                       complaints: Iterable[Complaint] = ()) -> None:
        """ceremony/: ceremony.json, digests.json, reveals.json, shares.jsonl, complaints.json."""
        self._check_group(ceremony.group, "ceremony")
        self._write_document(CEREMONY_PATH, codec.ceremony_to_json(ceremony))
        self._write_document(DIGESTS_PATH, codec.digests_to_json(digests))
        self._write_document(REVEALS_PATH, codec.reveals_to_json(reveals))
        self._write_lines(SHARES_PATH, (codec.encrypted_share_to_json(s) for s in shares))
        self._write_document(COMPLAINTS_PATH, codec.complaints_to_json(complaints))

    def write_context(self, context: ElectionContext, verification_keys: Mapping[int, Element]) -> None:
        """context.json: H_B, H_E, the joint key K and every verification key K_l."""
        self._check_group(context.group, "context")
        published = PublishedContext(context.base_hash, context.election_hash, context.joint_key.element,
                                     dict(sorted(verification_keys.items())))
        self._write_document(CONTEXT_PATH, codec.context_to_json(published))

    def write_setup(self, setup: ElectionSetup) -> None:
        """setup.json: the registered devices and mix servers (hashed into H_B)."""
        self._write_document(SETUP_PATH, setupcodec.election_setup_to_json(setup))

    def write_devices(self, closings: Iterable[ClosingEntry]) -> None:
        """devices.json: the devices' signed closing entries (registrations are in setup.json)."""
        self._write_document(DEVICES_PATH, codec.devices_to_json(closings))

    def ballot_stream(self, device_id: str) -> BallotStream:
        """A context manager writing ``ballots/<device_id>.jsonl``; write the device's ballots
        in chain order with ``write_cast`` / ``write_challenged``.  The file appears under its
        final name only when the ``with`` block ends without an exception."""
        try:
            return BallotStream(self, device_id)
        except MalformedRecord as exc:
            raise RecordWriteError(str(exc)) from None

    def write_tally(self, tally: EncryptedTally) -> None:
        """tally/encrypted_tally.json."""
        self._write_document(ENCRYPTED_TALLY_PATH, codec.encrypted_tally_to_json(tally))

    def write_tally_shares(self, share: TrusteeTallyShare) -> None:
        """tally/shares/<trustee_id>.json: one trustee's partial decryptions and proofs."""
        try:
            path = tally_share_path(share.trustee_id)
        except MalformedRecord as exc:
            raise RecordWriteError(str(exc)) from None
        self._write_document(path, codec.trustee_tally_share_to_json(share))

    def write_result(self, result: TallyResult, absent: Sequence[str]) -> None:
        """tally/result.json: the counts, the trustees used and the absent trustees' ids."""
        self._write_document(RESULT_PATH, codec.result_to_json(codec.published_result(result, absent)))

    # ---- the optional mix-net part (docs/record-format.md §5.15) ----------------------
    def write_mix_stage(self, stage: MixStage) -> None:
        """mixnet/stage-<pos>.jsonl (the outputs, one vector per line) and then
        mixnet/stage-<pos>.json (position, server, N, w, proof, signature)."""
        try:
            doc = mixcodec.mix_stage_to_json(stage)
            path, out_path = mix_stage_path(stage.position), mix_stage_output_path(stage.position)
        except (MalformedRecord, ValueError) as exc:
            raise RecordWriteError(str(exc)) from None
        for vector in stage.outputs:
            self._check_group(vector.group, f"mix stage {stage.position}")
        self._write_lines(out_path, (mixcodec.mix_output_line_to_json(v) for v in stage.outputs))
        self._write_document(path, doc)

    def write_mix_decryption(self, share: MixDecryptionShare) -> None:
        """mixnet/decryption/<trustee_id>.json: one trustee's shares of the final list."""
        try:
            path = mix_decryption_path(share.trustee_id)
        except MalformedRecord as exc:
            raise RecordWriteError(str(exc)) from None
        self._write_document(path, mixcodec.mix_decryption_share_to_json(share))

    def write_mix_result(self, result: PublishedMixResult) -> None:
        """mixnet/result.json: the decoded ballots in final-list order."""
        self._write_document(MIX_RESULT_PATH, mixcodec.mix_result_to_json(result))

    def finish(self) -> str:
        """Write index.json (last) and return the record's fingerprint: the lowercase hex
        SHA-256 of index.json's bytes."""
        if self._finished:
            raise RecordWriteError("the record is already finished")
        if self._open_streams:
            raise RecordWriteError(f"streams still open: {', '.join(sorted(self._open_streams))}")
        if PARAMETERS_PATH not in self._files:
            raise RecordWriteError("a record needs parameters.json")
        data = codec.dumps_canonical(codec.index_to_json(self._files.values()))
        atomic_write(self.root, INDEX_PATH, data)
        self._finished = True
        return hashlib.sha256(data).hexdigest()


def write_simulated_election(sim: SimulatedElection, root: Path, *, force: bool = False) -> str:
    """Write the whole public record of a simulated election; returns the fingerprint.

    Ballot files follow ``sim.chain_order`` (every device gets a file, empty if it made no
    ballot; written in record order, device_order); the tally files are written when the
    simulation has them.
    """
    ctx = sim.context
    writer = RecordWriter(root, force=force)
    writer.write_parameters(ctx.group)
    writer.write_manifest(ctx.manifest)
    cer = sim.ceremony
    writer.write_setup(sim.setup)
    writer.write_ceremony(cer.ceremony, cer.digests, cer.reveals, cer.shares)
    writer.write_context(ctx, sim.verification_keys)
    writer.write_devices(sim.closings)
    cast = {b.ballot_id: b for b in sim.cast}
    challenged = {c.ballot.ballot_id: c for c in sim.challenged}
    for did in device_order([r.device_id for r in sim.devices] + list(sim.chain_order)):
        with writer.ballot_stream(did) as stream:
            for bid in sim.chain_order.get(did, []):
                if bid in cast:
                    stream.write_cast(cast[bid])
                else:
                    stream.write_challenged(challenged[bid])
    if sim.tally is not None:
        writer.write_tally(sim.tally)
    for share in sim.tally_shares:
        writer.write_tally_shares(share)
    if sim.result is not None:
        writer.write_result(sim.result, sim.absent)
    return writer.finish()


# ====================================================================== reader ======
def _unexpected(exc: BaseException) -> str:
    text = str(exc)
    text = text if len(text) <= 120 else text[:117] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _malformed(prefix: str, exc: BaseException) -> MalformedRecord:
    """MalformedRecord "prefix: reason" for any exception raised while decoding content."""
    if isinstance(exc, PilwuError):
        return MalformedRecord(f"{prefix}: {exc}")
    return MalformedRecord(f"{prefix}: {_unexpected(exc)}")


def parse_ballot_line(group: Group, path: str, line_no: int, raw: bytes,
                      unchecked: list[Element] | None = None) -> BallotLine:
    """One line of a ballot file from its bytes, exactly as :meth:`RecordReader.ballot_lines`
    parses it (same MalformedRecord "path:line: …" messages).  ``unchecked``: defer the
    ciphertexts' subgroup check into that list (codec.ciphertext_from_json)."""
    try:
        entry = codec.ballot_line_from_json(group, codec.parse_json(raw), "", unchecked)
    except Exception as exc:
        raise _malformed(f"{path}:{line_no}", exc) from None
    if isinstance(entry, ChallengedBallot):
        return BallotLine(path, line_no, "challenged", entry.ballot, entry)
    return BallotLine(path, line_no, "cast", entry, None)


class RecordReader:
    """Strict, streaming reader of one election record directory.

    Construction reads index.json and parameters.json (RecordUnreadable if either, or the
    root, cannot be read, is unsafe or does not pin a registered group); every other
    method reads one part on demand, verifying the file against the index first.

    A permission or I/O error on the auditor's copy raises CopyUnreadable wherever it
    happens, and the first one is also kept in :attr:`copy_error`: a caller that turns
    errors into failed checks (the verifier) re-raises it, so that no local read problem
    ever becomes a verdict on the record.
    """

    def __init__(self, root: Path, *, accept_format_v1: bool = False) -> None:
        self.root = Path(root)
        self._accept_v1 = accept_format_v1
        self._copy_error: CopyUnreadable | None = None
        try:
            self._open()
        except RecordUnreadable:
            raise
        except Exception as exc:
            raise RecordUnreadable(f"record {self.root}: cannot be read ({_unexpected(exc)})") from None

    def _open(self) -> None:
        with self._local(self.root):
            root_kind = file_kind(self.root)
        if root_kind == MISSING:
            raise RecordUnreadable(f"record {self.root}: does not exist")
        if root_kind != "a directory":
            raise RecordUnreadable(f"record {self.root}: is not a directory")
        self._resolved = self.root.resolve()
        index_file = self.root / INDEX_PATH
        with self._local(index_file):
            index_kind = file_kind(index_file)
        if index_kind == MISSING:
            raise RecordUnreadable(f"{INDEX_PATH}: missing (the record has no index)")
        if index_kind:
            raise RecordUnreadable(f"{INDEX_PATH}: not a regular file ({index_kind})")
        if index_file.resolve().parent != self._resolved:
            raise RecordUnreadable(f"{INDEX_PATH}: leads outside the record (symbolic link)")
        try:
            data = self._read_limited(index_file, MAX_DOCUMENT_BYTES, INDEX_PATH)
            parsed = codec.parse_json(data)
            entries = codec.index_from_json(parsed)
        except CopyUnreadable:
            raise
        except PilwuError as exc:
            raise RecordUnreadable(f"{INDEX_PATH}: {exc}") from None
        version = codec.document_version(parsed)
        assert version is not None  # index_from_json checked it
        if version == LEGACY_FORMAT_VERSION and not self._accept_v1:
            # docs/record-format.md §9: format 1 binds no setup; verified only on request
            raise FormatRefused(f"{INDEX_PATH}: record format version 1, which binds no election setup "
                                "(its devices and mix servers are self-asserted); not verified (verify it "
                                "by the rules of format 1 with --accept-format-v1)")
        self._version = version
        self._setup: ElectionSetup | None = None
        self._fingerprint = hashlib.sha256(data).hexdigest()
        self._entries: dict[str, IndexEntry] = {e.path: e for e in entries}
        for e in entries:
            target = (self.root / e.path).resolve()
            if target != self._resolved and self._resolved not in target.parents:
                raise RecordUnreadable(f"{INDEX_PATH}: {e.path} leads outside the record (symbolic link)")
        if PARAMETERS_PATH not in self._entries:
            raise RecordUnreadable(f"{PARAMETERS_PATH}: not listed in {INDEX_PATH}")
        try:
            value = codec.parse_json(self._verified_bytes(PARAMETERS_PATH))
            self._check_version(value)
            self._group = codec.parameters_from_json(value)
        except CopyUnreadable:
            raise
        except MalformedRecord as exc:
            message = str(exc)
            if not message.startswith(PARAMETERS_PATH):
                message = f"{PARAMETERS_PATH}: {message}"
            raise RecordUnreadable(message) from None
        self._derivation = codec.DERIVATIONS.get(self._group.name)

    def _check_version(self, value: object) -> None:
        """Every document of a record has the record's format version (record-format.md §3)."""
        version = codec.document_version(value)
        if version is not None and version != self._version:
            raise MalformedRecord(f"version: {version} in a record of format version {self._version}")

    @contextmanager
    def _local(self, file: Path) -> Iterator[None]:
        """Around each file-system call: an OSError becomes CopyUnreadable naming ``file``
        (the record's own faults are told apart before, record/files.py), and the first
        CopyUnreadable is remembered in :attr:`copy_error`."""
        try:
            yield
        except CopyUnreadable as exc:
            self._copy_error = self._copy_error or exc
            raise
        except OSError as exc:
            error = copy_unreadable(exc.filename or file, exc)
            self._copy_error = self._copy_error or error
            raise error from None

    # ---- properties -------------------------------------------------------------------
    @property
    def fingerprint(self) -> str:
        """The record's fingerprint: lowercase hex SHA-256 of index.json's exact bytes."""
        return self._fingerprint

    @property
    def format_version(self) -> int:
        """The record format version (index.json's ``version``): 2, or 1 when accepted."""
        return self._version

    @property
    def group(self) -> Group:
        """The registered group parameters.json pins (test-only groups included: refusing
        them is the caller's policy, ``group.is_test_only``)."""
        return self._group

    @property
    def derivation(self) -> SeededDerivation | None:
        """The seeded derivation recorded for a ``pilwu-*`` group (None for others)."""
        return self._derivation

    @property
    def copy_error(self) -> CopyUnreadable | None:
        """The first permission or I/O error on the auditor's copy met so far (None if
        none), even if a caller caught it: while it is set, nothing read is a verdict."""
        return self._copy_error

    def raise_copy_error(self) -> None:
        """Raise :attr:`copy_error` if there is one."""
        if self._copy_error is not None:
            raise self._copy_error

    def index_paths(self) -> list[str]:
        """Every path listed in index.json, sorted."""
        return list(self._entries)

    def index_entry(self, path: str) -> IndexEntry:
        """The index entry of ``path`` (MalformedRecord if it is not listed)."""
        entry = self._entries.get(path)
        if entry is None:
            raise MalformedRecord(f"{path}: not listed in {INDEX_PATH}")
        return entry

    def _unlisted(self) -> list[str]:
        """Every path present under the root but not listed (index.json excluded), sorted;
        symbolic links are listed, not followed."""
        with self._local(self.root):
            present = set(walk_files(self.root))
        return sorted(present - set(self._entries) - {INDEX_PATH})

    def extra_files(self) -> list[str]:
        """Files present under the root but not listed in the index, sorted, except the
        ignored files operating systems leave (:meth:`ignored_files`)."""
        return [p for p in self._unlisted() if not is_os_junk(p)]

    def ignored_files(self) -> list[str]:
        """Unlisted files operating systems and file managers leave when a record is copied
        (``.DS_Store``, ``Thumbs.db``, ``desktop.ini``, ``._*``, ``__MACOSX/``;
        layout.is_os_junk), sorted: never read, never a fault of the record."""
        return [p for p in self._unlisted() if is_os_junk(p)]

    def file_kind(self, path: str) -> str:
        """What the listed ``path`` is on disk, without opening it: '' for a regular file,
        ``"missing"`` when it does not exist, else what it is ("a FIFO", "a directory", ...);
        CopyUnreadable when the auditor's copy cannot be examined."""
        self.index_entry(path)
        file = self._file(path)
        with self._local(file):
            return file_kind(file)

    def missing_files(self) -> list[str]:
        """Paths listed in the index that do not exist under the root (CopyUnreadable when
        one cannot be examined)."""
        return [p for p in self._entries if self.file_kind(p) == MISSING]

    def ballot_files(self) -> list[str]:
        """The ``ballots/<device id>.jsonl`` paths listed in the index, in record order: by
        device id as :func:`device_order` sorts them, not by path (record-format.md §2)."""
        by_device = {ballot_file_device(p): p for p in self._entries if is_ballot_path(p)}
        return [by_device[d] for d in device_order(by_device)]

    def tally_share_files(self) -> list[str]:
        """The ``tally/shares/<trustee id>.json`` paths listed in the index, sorted."""
        return [p for p in self._entries if is_tally_share_path(p)]

    # ---- file access ------------------------------------------------------------------
    def _file(self, path: str) -> Path:
        return self.root.joinpath(*path.split("/"))

    def _open_listed(self, path: str) -> tuple[IndexEntry, IO[bytes]]:
        entry = self._present(path)
        file = self._file(path)
        with self._local(file):
            return entry, open_regular(file, path)  # closed by the caller

    def _present(self, path: str) -> IndexEntry:
        """The index entry of a listed path that is a regular file (MalformedRecord
        "missing" or "not a regular file" otherwise; nothing is opened)."""
        entry = self.index_entry(path)
        kind = self.file_kind(path)
        if kind:
            raise not_regular(path, kind)
        return entry

    def _read(self, f: IO[bytes], n: int, path: str) -> bytes:
        """Up to ``n`` bytes of the open file of ``path`` (CopyUnreadable on an I/O error)."""
        with self._local(self._file(path)):
            return _read_at_most(f, n)

    def _read_limited(self, file: Path, limit: int, path: str) -> bytes:
        with self._local(file), open_regular(file, path) as f:
            if os.fstat(f.fileno()).st_size > limit:
                raise MalformedRecord(f"{path}: larger than the {limit}-byte limit of a JSON document")
            data = _read_at_most(f, limit + 1)
        if len(data) > limit:
            raise MalformedRecord(f"{path}: larger than the {limit}-byte limit of a JSON document")
        return data

    def _check_size(self, path: str, entry: IndexEntry, f: IO[bytes], limit: tuple[int, str] | None = None) -> None:
        """Before a byte of the open file of ``path`` is read: its listed size and its size
        on disk within ``limit`` (layout.file_limit by default), the two equal, and no hole
        in it (a hole reads as NUL bytes, which no JSON text holds: a sparse file costs its
        sender nothing and must cost the verifier nothing).  MalformedRecord naming the file."""
        bound, what = file_limit(path) if limit is None else limit
        with self._local(self._file(path)):
            on_disk = os.fstat(f.fileno()).st_size
        for size in (entry.size, on_disk):
            if size > bound:
                raise MalformedRecord(f"{path}: larger than the {bound}-byte limit of {what} "
                                      f"({size} bytes {'listed' if size == entry.size else 'on disk'})")
        if on_disk != entry.size:
            raise MalformedRecord(f"{path}: sha256 does not match the index (the file has {on_disk} bytes, "
                                  f"the index lists {entry.size}; nothing read)")
        if _first_hole(f, on_disk) < on_disk:
            raise MalformedRecord(f"{path}: a sparse file (a hole reads as NUL bytes, which no JSON text "
                                  "holds; nothing read)")

    def check_file_size(self, path: str) -> None:
        """Check one listed file's size against its limit and the index without reading it
        (:meth:`_check_size`): what check 1 does for a file hashed while it is streamed."""
        entry, f = self._open_listed(path)
        with f:
            self._check_size(path, entry, f)

    def _verified_bytes(self, path: str) -> bytes:
        """The bytes of a listed document after checking the size limit and the SHA-256.
        Check 1 hashed the document already: the second read is bounded by the same limit."""
        entry, f = self._open_listed(path)
        with f:
            self._check_size(path, entry, f, (document_limit(path), file_limit(path)[1]))
            data = self._read(f, entry.size + 1, path)
        if len(data) != entry.size or hashlib.sha256(data).hexdigest() != entry.sha256:
            raise MalformedRecord(f"{path}: sha256 does not match the index")
        return data

    def _document(self, path: str, decode: Callable[[Any], _T]) -> _T:
        """Verify, parse and decode one JSON document; errors name the file and field."""
        data = self._verified_bytes(path)
        try:
            value = codec.parse_json(data)
            self._check_version(value)
            return decode(value)
        except Exception as exc:
            raise _malformed(path, exc) from None

    def check_file_hash(self, path: str) -> None:
        """Check one listed file's size (its limit first, layout.file_limit, before a byte is
        read) and SHA-256 against the index, streamed in chunks.

        MalformedRecord "path: not listed", "path: missing", "path: not a regular file",
        "path: larger than the N-byte limit of …", "path: a sparse file" or
        "path: sha256 does not match the index"; CopyUnreadable when it cannot be read here.
        """
        entry, f = self._open_listed(path)
        h = hashlib.sha256()
        size = 0
        with f:
            self._check_size(path, entry, f)
            while size <= entry.size:
                chunk = self._read(f, _CHUNK, path)
                if not chunk:
                    break
                h.update(chunk)
                size += len(chunk)
        if size != entry.size or h.hexdigest() != entry.sha256:
            raise MalformedRecord(f"{path}: sha256 does not match the index")

    # ---- documents --------------------------------------------------------------------
    def manifest(self) -> Manifest:
        """manifest.json (its published hash must be the manifest's own)."""
        return self._document(MANIFEST_PATH, lambda v: codec.manifest_from_json(self._group, v))

    def ceremony(self) -> CeremonyRecord:
        """ceremony/*: the ceremony parameters and every published message, unchecked."""
        g = self._group
        ceremony = self._document(CEREMONY_PATH, lambda v: codec.ceremony_from_json(g, v))
        digests = self._document(DIGESTS_PATH, lambda v: codec.digests_from_json(g, v))
        reveals = self._document(REVEALS_PATH, lambda v: codec.reveals_from_json(g, v))
        shares = tuple(self.encrypted_shares())
        complaints = self._document(COMPLAINTS_PATH, lambda v: codec.complaints_from_json(g, v))
        return CeremonyRecord(ceremony, digests, reveals, shares, complaints)

    def context(self) -> PublishedContext:
        """context.json as published (nothing recomputed: the verifier compares)."""
        return self._document(CONTEXT_PATH, lambda v: codec.context_from_json(self._group, v))

    def setup(self) -> ElectionSetup | None:
        """setup.json: the registered devices and mix servers (None in a format-1 record,
        which has no setup)."""
        if self._version == LEGACY_FORMAT_VERSION:
            return None
        if self._setup is None:
            self._setup = self._document(SETUP_PATH, setupcodec.election_setup_from_json)
        return self._setup

    def devices(self) -> DevicesRecord:
        """The device registrations and devices.json's closing entries.  In format 2 the
        registrations are setup.json's (bound by H_B); in format 1 devices.json's own."""
        record = self._document(DEVICES_PATH, lambda v: codec.devices_from_json(self._group, v))
        setup = self.setup()
        if setup is None:
            return record
        return DevicesRecord(setup.devices, record.closings)

    def encrypted_tally(self) -> EncryptedTally:
        """tally/encrypted_tally.json."""
        return self._document(ENCRYPTED_TALLY_PATH, lambda v: codec.encrypted_tally_from_json(self._group, v))

    def tally_shares(self) -> list[TrusteeTallyShare]:
        """Every tally/shares/<trustee id>.json listed in the index, in path order; the
        trustee_id inside must be the one the file is named after."""
        out = []
        for path in self.tally_share_files():
            share = self._document(path, lambda v: codec.trustee_tally_share_from_json(self._group, v))
            if share.trustee_id != trustee_of_share_path(path):
                raise MalformedRecord(f"{path}: trustee_id: {share.trustee_id} is not the trustee "
                                      "the file is named after")
            out.append(share)
        return out

    def result(self) -> PublishedResult:
        """tally/result.json as published."""
        return self._document(RESULT_PATH, lambda v: codec.result_from_json(self._group, v))

    # ---- JSON Lines -------------------------------------------------------------------
    def _jsonl(self, path: str, decode: Callable[[Any], _T],
               limit: tuple[int, str] | None = None) -> Iterator[tuple[int, _T]]:
        """(line number, decoded value) for each line, streamed; the file's size is checked
        against ``limit`` (layout.file_limit by default) before it is read, and its hash as
        it is read and at its end (MalformedRecord names file and line).  A file that is not
        listed or missing is reported at once, not on first iteration."""
        self._present(path)
        return self._jsonl_lines(path, decode, limit)

    def _jsonl_lines(self, path: str, decode: Callable[[Any], _T],
                     limit: tuple[int, str] | None) -> Iterator[tuple[int, _T]]:
        for line_no, raw in self._raw_lines(path, limit):
            try:
                value = decode(codec.parse_json(raw))
            except Exception as exc:
                raise _malformed(f"{path}:{line_no}", exc) from None
            yield line_no, value

    def _raw_lines(self, path: str, limit: tuple[int, str] | None = None) -> Iterator[tuple[int, bytes]]:
        """(line number, bytes without the newline) of a listed JSON Lines file, streamed,
        with the size and hash checks of :meth:`_jsonl` (MalformedRecord names file and line)."""
        entry, f = self._open_listed(path)
        file = self._file(path)
        h = hashlib.sha256()
        size = 0
        line_no = 0
        with f:
            self._check_size(path, entry, f, limit)
            while True:
                with self._local(file):
                    raw = f.readline(MAX_LINE_BYTES + 1)
                if not raw:
                    break
                line_no += 1
                h.update(raw)
                size += len(raw)
                if size > entry.size:
                    raise MalformedRecord(f"{path}: sha256 does not match the index (the file is longer "
                                          f"than the {entry.size} bytes listed)")
                if not raw.endswith(b"\n"):
                    if len(raw) > MAX_LINE_BYTES:
                        raise MalformedRecord(f"{path}:{line_no}: line longer than {MAX_LINE_BYTES} bytes")
                    raise MalformedRecord(f"{path}:{line_no}: truncated line (no newline at the end)")
                yield line_no, raw[:-1]
        if size != entry.size or h.hexdigest() != entry.sha256:
            raise MalformedRecord(f"{path}: sha256 does not match the index")

    def ballot_lines(self, path: str) -> Iterator[BallotLine]:
        """The ballots of one ``ballots/<device id>.jsonl`` file, in chain order, streamed
        in constant memory.

        The file is hashed while it is read; a mismatch with the index raises
        MalformedRecord at the end of the stream (after the lines were yielded: a caller
        must treat what it saw as unverified until the iterator is exhausted).  Whether
        each ballot's device_id is the device the file is named after is the verifier's
        check (the chain check), not a parsing rule.
        """
        if not is_ballot_path(path):
            raise MalformedRecord(f"{path}: not a ballot file (ballots/<device id>.jsonl)")
        group = self._group
        parsed = self._jsonl(path, lambda v: codec.ballot_line_from_json(group, v))
        return (BallotLine(path, line_no, "challenged", entry.ballot, entry)
                if isinstance(entry, ChallengedBallot) else BallotLine(path, line_no, "cast", entry, None)
                for line_no, entry in parsed)

    def ballot_raw_lines(self, path: str) -> Iterator[tuple[int, bytes]]:
        """The lines of a ballot file as bytes (for :func:`parse_ballot_line`), streamed with
        the same size, line and hash checks as :meth:`ballot_lines`."""
        if not is_ballot_path(path):
            raise MalformedRecord(f"{path}: not a ballot file (ballots/<device id>.jsonl)")
        self._present(path)
        return self._raw_lines(path)

    def encrypted_shares(self) -> Iterator[EncryptedShare]:
        """ceremony/shares.jsonl streamed (also part of :meth:`ceremony`)."""
        g = self._group
        parsed = self._jsonl(SHARES_PATH, lambda v: codec.encrypted_share_from_json(g, v))
        return (share for _, share in parsed)

    # ---- the optional mix-net part (docs/record-format.md §5.15) ----------------------
    def has_mixnet(self) -> bool:
        """True when the index lists any file under mixnet/ (the election was mixed)."""
        return any(is_mixnet_path(p) for p in self._entries)

    def mix_servers(self) -> tuple[MixServerRegistration, ...]:
        """The registered mix servers: setup.json's in format 2 (bound by H_B), sorted by id;
        mixnet/servers.json's in format 1, in the order published."""
        setup = self.setup()
        if setup is not None:
            return setup.mix_servers
        return self._document(MIX_SERVERS_PATH, lambda v: mixcodec.mix_servers_from_json(self._group, v))

    def mix_stage_files(self) -> list[str]:
        """The ``mixnet/stage-<pos>.json`` paths listed in the index, by position."""
        staged = [(pos, p) for p in self._entries if (pos := mix_stage_position(p)) is not None]
        return [p for _, p in sorted(staged)]

    def mix_stages(self) -> list[MixStage]:
        """Every stage (proof, signature and its output list), in position order.

        The stage's position must be the one its file is named after; its output file
        must hold exactly ``output_count`` vectors of width ``width``; every stage file
        must have its output file and vice versa.
        """
        g = self._group
        stage_files = self.mix_stage_files()
        listed_outputs = {p for p in self._entries if is_mix_stage_output_path(p)}
        for path in sorted(listed_outputs - {p + "l" for p in stage_files}):
            raise MalformedRecord(f"{path}: a stage output without its stage file {path[:-1]}")
        stages: list[MixStage] = []
        for path in stage_files:
            header = self._document(path, lambda v: mixcodec.mix_stage_from_json(g, v))
            if mix_stage_path(header.position) != path:
                raise MalformedRecord(f"{path}: position: {header.position} is not the position the file "
                                      "is named after")
            out_path = mix_stage_output_path(header.position)
            if out_path not in self._entries:
                raise MalformedRecord(f"{out_path}: missing (the output list of {path})")
            outputs: list[CiphertextVector] = []
            bound = (mix_output_limit(header.output_count), f"the {header.output_count} outputs {path} declares")
            for line_no, vector in self._jsonl(out_path, lambda v: mixcodec.mix_output_line_from_json(g, v), bound):
                if vector.width != header.width:
                    raise MalformedRecord(f"{out_path}:{line_no}: width {vector.width}, the stage says "
                                          f"{header.width}")
                if len(outputs) >= header.output_count:
                    raise MalformedRecord(f"{out_path}:{line_no}: more than the {header.output_count} "
                                          "outputs the stage declares")
                outputs.append(vector)
            if len(outputs) != header.output_count:
                raise MalformedRecord(f"{out_path}: {len(outputs)} outputs, the stage declares "
                                      f"{header.output_count}")
            stages.append(header.with_outputs(outputs))
        return stages

    def mix_decryption_files(self) -> list[str]:
        """The ``mixnet/decryption/<trustee id>.json`` paths listed in the index, sorted."""
        return sorted(p for p in self._entries if is_mix_decryption_path(p))

    def mix_decryption_shares(self) -> list[MixDecryptionShare]:
        """Every trustee's shares of the final list, in path order; the trustee_id inside
        must be the one the file is named after."""
        out = []
        for path in self.mix_decryption_files():
            share = self._document(path, lambda v: mixcodec.mix_decryption_share_from_json(self._group, v))
            if share.trustee_id != trustee_of_mix_decryption_path(path):
                raise MalformedRecord(f"{path}: trustee_id: {share.trustee_id} is not the trustee "
                                      "the file is named after")
            out.append(share)
        return out

    def mix_result(self) -> PublishedMixResult:
        """mixnet/result.json as published."""
        return self._document(MIX_RESULT_PATH, lambda v: mixcodec.mix_result_from_json(self._group, v))


__all__ = [
    "BallotStream",
    "RecordExists",
    "RecordReader",
    "RecordWriteError",
    "RecordWriter",
    "atomic_write",
    "write_simulated_election",
]


# ====================================================================== extending ===
def reopen_record(root: Path) -> RecordWriter:
    """A :class:`RecordWriter` that continues a finished record (one with an index).

    The election authority publishes the record up to the encrypted tally, the trustees
    decrypt from it on their own laptops (``pilwu trustee decrypt``), and their shares and
    the result are then added to the same directory.  Every file already listed is
    checked against the index first (RecordUnreadable or MalformedRecord otherwise, and
    RecordWriteError for a listed file that is missing); files of the record layout that
    are present but not listed (left by an interrupted earlier extension) are removed,
    the files operating systems leave (RecordReader.ignored_files) are left alone, and
    any other unlisted file is refused.  The listed files stay claimed (none can be
    written again); the new ones are written as by a fresh writer, and :meth:`~RecordWriter.finish`
    replaces index.json last, so the record's fingerprint changes only then.  Until
    then the old index stays in place and the files added so far are not listed in it.
    """
    root = Path(root)
    reader = RecordReader(root)
    for path in reader.missing_files():
        raise RecordWriteError(f"{path}: listed in {INDEX_PATH} but missing; cannot extend the record")
    paths = reader.index_paths()
    for path in paths:
        reader.check_file_hash(path)
    for path in reader.extra_files():
        if not _is_layout_file(path):
            raise RecordWriteError(f"{path}: present but not listed in {INDEX_PATH}; cannot extend the record")
        (root / path).unlink()
    writer = RecordWriter.__new__(RecordWriter)
    writer.root = root
    writer._files = {p: reader.index_entry(p) for p in paths}
    writer._claimed = set(paths)
    writer._open_streams = set()
    writer._group = reader.group
    writer._finished = False
    return writer


__all__ += ["reopen_record"]


def write_simulated_mix(sim: SimulatedElection, mix: SimulatedMix, root: Path) -> str:
    """Add the mix-net part of a simulated election to its finished record; returns the new fingerprint.

    Append-only: the record written by :func:`write_simulated_election` for ``sim`` is
    reopened (:func:`reopen_record`, every listed file checked first) and the servers,
    every stage, the present trustees' decryption shares and the decoded result are added
    (the first input is derived from the cast ballots, never written); index.json is
    replaced last."""
    writer = reopen_record(root)
    for stage in mix.stages:
        writer.write_mix_stage(stage)
    for share in mix.shares:
        writer.write_mix_decryption(share)
    writer.write_mix_result(PublishedMixResult(mix.ballots))
    return writer.finish()


__all__ += ["write_simulated_mix"]
