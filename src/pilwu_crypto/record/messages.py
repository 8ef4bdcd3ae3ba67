"""Key-ceremony message files: the directory trustees pass around, and their sealed state.

In a kuwu election the trustees sit at separate laptops and exchange the key-ceremony
messages as files (a USB stick is a realistic transport).  This module is the file layer
of that exchange (docs/trustee-guide.md §3 is the normative description of the layout):

    CEREMONY_DIR/
      parameters.json                     the parameter set        (record format, §5.2)
      manifest.json                       the manifest             (record format, §5.3)
      setup.json                          devices and mix servers  (record format, §5.4a)
      ceremony.json                       trustee ids, t, H_B      (record format, §5.4)
      round1/<id>.json                    a "ceremony-digests" document with one digest
      round2/<id>.json                    a "ceremony-reveals" document with one reveal
      round3/<sender>-to-<recipient>.json a "ceremony-share" document: one encrypted share
      complaints/<complainer>-against-<accused>.json
                                          a "ceremony-complaints" document, one complaint
      finished/<id>.json                  a "ceremony-acknowledgement": the trustee checked
                                          its shares and derived these keys
      context.json                        H_B, H_E, K, every K_l   (record format, §5.9)

Every document is written atomically with :func:`pilwu_crypto.record.io.atomic_write`
in the record's canonical JSON and parsed with the record's strict codec
(:mod:`pilwu_crypto.record.codec`); the two ceremony-only kinds ("ceremony-share" and
"ceremony-acknowledgement") are defined here with the same rules (``version`` 1, a
``kind``, exactly the documented keys).  Nothing read from a ceremony directory is
trusted: each file must hold the message of the trustee (or pair of trustees) it is named
after, and the cryptographic checks are the caller's (threshold/dkg.py).

A trustee's secret state is sealed by :func:`pilwu_crypto.threshold.sealing.seal` and
written here with :func:`write_private_file`: mode 0600 from the moment the file exists,
atomically, never over an existing file unless asked.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from pilwu_crypto.algebra.group import Element, Group
from pilwu_crypto.election.context import base_hash
from pilwu_crypto.election.decryption import TrusteeTallyShare
from pilwu_crypto.election.manifest import PLACE_FIELDS, Manifest
from pilwu_crypto.election.setup import ElectionSetup
from pilwu_crypto.errors import MalformedRecord, PilwuError, RecordUnreadable
from pilwu_crypto.record import codec, setupcodec
from pilwu_crypto.record.io import atomic_write, fsync_dir
from pilwu_crypto.record.layout import (
    FORMAT_VERSION,
    ID_RE,
    KIND_MANIFEST,
    MAX_DOCUMENT_BYTES,
    SUPPORTED_FORMAT_VERSIONS,
)
from pilwu_crypto.threshold.dkg import (
    BASE_HASH_SIZE,
    MAX_TRUSTEES,
    Ceremony,
    CommitmentDigest,
    CommitmentReveal,
    Complaint,
    EncryptedShare,
)
from pilwu_crypto.threshold.sealing import SEAL_HEADER_SIZE, SEAL_MAGIC

_T = TypeVar("_T")
_M = TypeVar("_M")

# ---- file names ---------------------------------------------------------------------
PARAMETERS_FILE = "parameters.json"
MANIFEST_FILE = "manifest.json"
CEREMONY_FILE = "ceremony.json"
SETUP_FILE = "setup.json"
CONTEXT_FILE = "context.json"
ROUND1_DIR = "round1"
ROUND2_DIR = "round2"
ROUND3_DIR = "round3"
COMPLAINTS_DIR = "complaints"
FINISHED_DIR = "finished"

KIND_SHARE = "ceremony-share"
"""A ceremony-directory document holding one encrypted share (round 3)."""
KIND_ACKNOWLEDGEMENT = "ceremony-acknowledgement"
"""A ceremony-directory document: a trustee accepted its shares and derived these keys."""

MAX_PRIVATE_FILE_BYTES = 64 * 1024 * 1024
"""Largest sealed state read (a bound against a wrong path, far above any real state)."""


class CeremonyDirectoryUnreadable(RecordUnreadable):
    """A ceremony directory that cannot be used at all: missing, not a directory, or its
    parameters.json, manifest.json or ceremony.json missing or unreadable."""


def digest_file(trustee_id: str) -> str:
    """``round1/<id>.json``."""
    return f"{ROUND1_DIR}/{_safe(trustee_id)}.json"


def reveal_file(trustee_id: str) -> str:
    """``round2/<id>.json``."""
    return f"{ROUND2_DIR}/{_safe(trustee_id)}.json"


def share_file(sender_id: str, recipient_id: str) -> str:
    """``round3/<sender>-to-<recipient>.json``."""
    return f"{ROUND3_DIR}/{_safe(sender_id)}-to-{_safe(recipient_id)}.json"


def complaint_file(complainer_id: str, accused_id: str) -> str:
    """``complaints/<complainer>-against-<accused>.json``."""
    return f"{COMPLAINTS_DIR}/{_safe(complainer_id)}-against-{_safe(accused_id)}.json"


def acknowledgement_file(trustee_id: str) -> str:
    """``finished/<id>.json``."""
    return f"{FINISHED_DIR}/{_safe(trustee_id)}.json"


def _safe(trustee_id: str) -> str:
    if not isinstance(trustee_id, str) or ID_RE.fullmatch(trustee_id) is None:
        raise MalformedRecord(f"trustee id {trustee_id!r:.80} is not a valid identifier and cannot name a file")
    return trustee_id


def check_trustee_ids(trustee_ids: Iterable[str]) -> tuple[str, ...]:
    """The ids if every one can name a file and no two ordered pairs give the same
    round-3 or complaint file name (ids such as ``a-to-b`` and ``b-to-c`` could);
    MalformedRecord naming the clash otherwise."""
    ids = tuple(trustee_ids)
    for tid in ids:
        _safe(tid)
    seen: dict[str, tuple[str, str]] = {}
    for sender in ids:
        for recipient in ids:
            if sender == recipient:
                continue
            for name in (share_file(sender, recipient), complaint_file(sender, recipient)):
                other = seen.setdefault(name, (sender, recipient))
                if other != (sender, recipient):
                    raise MalformedRecord(f"trustee ids {other[0]}, {other[1]}, {sender} and {recipient} give the "
                                          f"same file name {name}; choose ids without '-to-' or '-against-'")
    return ids


# ---- documents ----------------------------------------------------------------------
def _write(root: Path, rel: str, doc: codec.JsonObject) -> None:
    data = codec.dumps_canonical(doc)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise MalformedRecord(f"{rel}: {len(data)} bytes exceed the {MAX_DOCUMENT_BYTES}-byte limit")
    atomic_write(Path(root), rel, data)


def _describe(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, OSError):
        text = exc.strerror or text
    text = text if len(text) <= 120 else text[:117] + "..."
    return text if isinstance(exc, PilwuError) else f"{type(exc).__name__}: {text}"


def _read(root: Path, rel: str, decode: Callable[[Any], _T], shown: str | None = None) -> _T | None:
    """Parse and decode one document; None if the file does not exist; MalformedRecord
    "rel: reason" (or "shown: reason") for anything else that is wrong (never another
    exception)."""
    file = Path(root).joinpath(*rel.split("/"))
    rel = shown or rel
    try:
        with open(file, "rb") as f:
            data = f.read(MAX_DOCUMENT_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise MalformedRecord(f"{rel}: cannot be read ({_describe(exc)})") from None
    if len(data) > MAX_DOCUMENT_BYTES:
        raise MalformedRecord(f"{rel}: larger than the {MAX_DOCUMENT_BYTES}-byte limit of a JSON document")
    try:
        return decode(codec.parse_json(data))
    except Exception as exc:
        raise MalformedRecord(f"{rel}: {_describe(exc)}") from None


def _envelope(value: object, kind: str, keys: tuple[str, ...]) -> dict[str, Any]:
    """A document of this module's kinds: version 1, ``kind``, exactly ``keys`` besides."""
    if not isinstance(value, dict):
        raise MalformedRecord("expected a JSON object")
    version = value.get("version")
    if type(version) is not int or version != FORMAT_VERSION:
        raise MalformedRecord(f"version: expected {FORMAT_VERSION}, got {str(version)[:20]}")
    if value.get("kind") != kind:
        raise MalformedRecord(f"kind: expected {kind!r}, got {str(value.get('kind'))[:40]!r}")
    wanted = ("version", "kind", *keys)
    for key in wanted:
        if key not in value:
            raise MalformedRecord(f"{key}: missing key")
    for key in value:
        if key not in wanted:
            raise MalformedRecord(f"{str(key)[:40]!r}: unknown key")
    return value


def _one(items: tuple[_M, ...], what: str) -> _M:
    if len(items) != 1:
        raise MalformedRecord(f"expected exactly one {what}, got {len(items)}")
    return items[0]


# ---- the setup: parameters, manifest, ceremony --------------------------------------
@dataclass(frozen=True)
class CeremonySetup:
    """What the election authority fixes before the ceremony (H_B binds all of it)."""

    group: Group
    manifest: Manifest
    ceremony: Ceremony
    setup: ElectionSetup
    """The registered voting devices and mix servers."""

    def expected_base_hash(self) -> bytes:
        """H_B recomputed from the parameters, manifest, trustees, threshold and setup."""
        c = self.ceremony
        return base_hash(self.group, self.manifest, c.trustee_ids, c.threshold, self.setup.hash())


def write_setup(root: Path, setup: CeremonySetup) -> None:
    """parameters.json, manifest.json and ceremony.json of a new ceremony directory."""
    root = Path(root)
    check_trustee_ids(setup.ceremony.trustee_ids)
    if setup.ceremony.group is not setup.group or setup.ceremony.base_hash != setup.expected_base_hash():
        raise MalformedRecord("ceremony: H_B is not H(parameters, manifest, trustees, threshold, setup)")
    root.mkdir(parents=True, exist_ok=True)
    _write(root, PARAMETERS_FILE, codec.parameters_to_json(setup.group))
    _write(root, MANIFEST_FILE, codec.manifest_to_json(setup.manifest))
    _write(root, SETUP_FILE, setupcodec.election_setup_to_json(setup.setup))
    _write(root, CEREMONY_FILE, codec.ceremony_to_json(setup.ceremony))


def read_setup(root: Path) -> CeremonySetup:
    """The three setup files, parsed strictly, with H_B recomputed and compared.

    CeremonyDirectoryUnreadable when the directory or one of the files is missing or
    unreadable (the CLI exits 2); MalformedRecord for bad content (exit 1).
    """
    root = Path(root)
    if not root.is_dir():
        raise CeremonyDirectoryUnreadable(f"ceremony directory {root}: does not exist or is not a directory")
    try:
        group = _read(root, PARAMETERS_FILE, lambda v: codec.parameters_from_json(v))
    except MalformedRecord as exc:
        raise CeremonyDirectoryUnreadable(str(exc)) from None
    if group is None:
        raise CeremonyDirectoryUnreadable(f"{root}: no {PARAMETERS_FILE} (not a ceremony directory)")
    manifest = _read(root, MANIFEST_FILE, lambda v: _new_manifest(group, v))
    ceremony = _read(root, CEREMONY_FILE, lambda v: codec.ceremony_from_json(group, v))
    election_setup = _read(root, SETUP_FILE, setupcodec.election_setup_from_json)
    for name, value in ((MANIFEST_FILE, manifest), (SETUP_FILE, election_setup), (CEREMONY_FILE, ceremony)):
        if value is None:
            raise CeremonyDirectoryUnreadable(f"{root}: no {name} (not a ceremony directory)")
    assert manifest is not None and ceremony is not None and election_setup is not None
    try:
        check_trustee_ids(ceremony.trustee_ids)
    except MalformedRecord as exc:
        raise MalformedRecord(f"{CEREMONY_FILE}: {exc}") from None
    setup = CeremonySetup(group, manifest, ceremony, election_setup)
    if setup.expected_base_hash() != ceremony.base_hash:
        raise MalformedRecord(f"{CEREMONY_FILE}: base_hash is not H(parameters, manifest, trustees, threshold, "
                              "setup)")
    return setup


def setup_from_file(path: Path) -> ElectionSetup:
    """An election-setup document (docs/record-format.md §5.4a: the devices and mix servers
    with their keys) from a file; MalformedRecord "path: reason" on any problem."""
    path = Path(path)
    result = _read(path.parent, path.name, setupcodec.election_setup_from_json, str(path))
    if result is None:
        raise MalformedRecord(f"{path}: no such file")
    return result


def manifest_from_file(path: Path) -> Manifest:
    """A manifest document of record format 2 (docs/record-format.md §5.3), for a new election.

    The ``hash`` key may be left out of a hand-written manifest (it is computed);
    when present it must match.  A format-1 manifest (no village, district, regency, date
    or registered voters) is refused: it can only be read inside a format-1 record.
    MalformedRecord "path: reason" on any problem.
    """
    path = Path(path)

    def decode(value: Any) -> Manifest:
        _refuse_old_manifest(value)
        if isinstance(value, dict) and "hash" not in value and value.get("kind") == KIND_MANIFEST:
            value = dict(value)
            value["hash"] = _manifest_hash_of(value)
        return codec.manifest_from_json(None, value)

    result = _read(path.parent, path.name, decode, str(path))
    if result is None:
        raise MalformedRecord(f"{path}: does not exist")
    return result


def _refuse_old_manifest(value: Any) -> None:
    """MalformedRecord for a manifest document of format 1: a new election (a ceremony
    directory, a --manifest file) needs the place fields of format 2 (§5.3)."""
    version = codec.document_version(value)
    if version is not None and version != FORMAT_VERSION and version in SUPPORTED_FORMAT_VERSIONS:
        raise MalformedRecord(f"version: a new election needs version {FORMAT_VERSION} (a manifest of "
                              f"format {version} has no {', '.join(PLACE_FIELDS)})")


def _new_manifest(group: Group | None, value: Any) -> Manifest:
    """A ceremony directory's manifest.json: format 2 only."""
    _refuse_old_manifest(value)
    return codec.manifest_from_json(group, value)


def _manifest_hash_of(value: dict[str, Any]) -> str:
    """The hash of a manifest document written without one (parsed by the codec's rules)."""
    return codec.unhashed_manifest_from_json(value).hash().hex()


# ---- round messages -----------------------------------------------------------------
@dataclass(frozen=True)
class Collected(Generic[_M]):
    """The messages of one round found in a ceremony directory, and who is missing."""

    found: dict[str, _M]
    """By trustee id (for shares: by sender; for complaints: by "complainer/accused")."""
    missing: tuple[str, ...]
    """Trustee ids whose message is not there yet (empty when complete)."""

    def complete(self) -> bool:
        """True when no message is missing."""
        return not self.missing


def write_digest(root: Path, digest: CommitmentDigest) -> str:
    """round1/<id>.json; returns the relative path written."""
    rel = digest_file(digest.trustee_id)
    _write(root, rel, codec.digests_to_json([digest]))
    return rel


def write_reveal(root: Path, reveal: CommitmentReveal) -> str:
    """round2/<id>.json; returns the relative path written."""
    rel = reveal_file(reveal.trustee_id)
    _write(root, rel, codec.reveals_to_json([reveal]))
    return rel


def share_to_json(share: EncryptedShare) -> codec.JsonObject:
    """A "ceremony-share" document: ``{"version", "kind", "share": {...}}`` where the share
    object is exactly a line of the record's ceremony/shares.jsonl (§5.7)."""
    return {"version": FORMAT_VERSION, "kind": KIND_SHARE, "share": codec.encrypted_share_to_json(share)}


def share_from_json(group: Group, value: object) -> EncryptedShare:
    """The share of a "ceremony-share" document, parsed by the record codec."""
    obj = _envelope(value, KIND_SHARE, ("share",))
    return codec.encrypted_share_from_json(group, obj["share"], "share")


def write_share(root: Path, share: EncryptedShare) -> str:
    """round3/<sender>-to-<recipient>.json; returns the relative path written."""
    rel = share_file(share.sender_id, share.recipient_id)
    _write(root, rel, share_to_json(share))
    return rel


def write_complaint(root: Path, complaint: Complaint) -> str:
    """complaints/<complainer>-against-<accused>.json; returns the relative path written."""
    rel = complaint_file(complaint.complainer_id, complaint.accused_id)
    _write(root, rel, codec.complaints_to_json([complaint]))
    return rel


def _named(rel: str, expected: tuple[str, ...], got: tuple[str, ...]) -> None:
    if got != expected:
        raise MalformedRecord(f"{rel}: holds the message of {' to '.join(got)}, not of {' to '.join(expected)} "
                              "that the file is named after")


def read_digests(root: Path, setup: CeremonySetup) -> Collected[CommitmentDigest]:
    """Every round1/<id>.json present, each checked to be its trustee's."""
    found: dict[str, CommitmentDigest] = {}
    for tid in setup.ceremony.trustee_ids:
        rel = digest_file(tid)
        d = _read(root, rel, lambda v: _one(codec.digests_from_json(setup.group, v), "digest"))
        if d is not None:
            _named(rel, (tid,), (d.trustee_id,))
            found[tid] = d
    return _collected(setup, found)


def read_reveals(root: Path, setup: CeremonySetup) -> Collected[CommitmentReveal]:
    """Every round2/<id>.json present, each checked to be its trustee's."""
    found: dict[str, CommitmentReveal] = {}
    for tid in setup.ceremony.trustee_ids:
        rel = reveal_file(tid)
        r = _read(root, rel, lambda v: _one(codec.reveals_from_json(setup.group, v), "reveal"))
        if r is not None:
            _named(rel, (tid,), (r.trustee_id,))
            found[tid] = r
    return _collected(setup, found)


def read_share(root: Path, setup: CeremonySetup, sender_id: str, recipient_id: str) -> EncryptedShare | None:
    """round3/<sender>-to-<recipient>.json, checked to be from sender to recipient (None if absent)."""
    rel = share_file(sender_id, recipient_id)
    s = _read(root, rel, lambda v: share_from_json(setup.group, v))
    if s is not None:
        _named(rel, (sender_id, recipient_id), (s.sender_id, s.recipient_id))
    return s


def read_shares_to(root: Path, setup: CeremonySetup, recipient_id: str) -> Collected[EncryptedShare]:
    """The shares addressed to one trustee, by sender."""
    found: dict[str, EncryptedShare] = {}
    for sender in setup.ceremony.trustee_ids:
        if sender != recipient_id:
            s = read_share(root, setup, sender, recipient_id)
            if s is not None:
                found[sender] = s
    missing = tuple(t for t in setup.ceremony.trustee_ids if t != recipient_id and t not in found)
    return Collected(found, missing)


def read_all_shares(root: Path, setup: CeremonySetup) -> Collected[EncryptedShare]:
    """All n(n-1) shares, keyed "sender/recipient"; ``missing`` lists the senders with a
    share not there yet."""
    found: dict[str, EncryptedShare] = {}
    missing: list[str] = []
    for sender in setup.ceremony.trustee_ids:
        for recipient in setup.ceremony.trustee_ids:
            if sender != recipient:
                s = read_share(root, setup, sender, recipient)
                if s is None:
                    if sender not in missing:
                        missing.append(sender)
                else:
                    found[f"{sender}/{recipient}"] = s
    return Collected(found, tuple(missing))


def read_complaints(root: Path, setup: CeremonySetup) -> list[Complaint]:
    """Every complaints/<complainer>-against-<accused>.json present, in trustee order."""
    out: list[Complaint] = []
    for complainer in setup.ceremony.trustee_ids:
        for accused in setup.ceremony.trustee_ids:
            if complainer == accused:
                continue
            rel = complaint_file(complainer, accused)
            c = _read(root, rel, lambda v: _one(codec.complaints_from_json(setup.group, v), "complaint"))
            if c is not None:
                _named(rel, (complainer, accused), (c.complainer_id, c.accused_id))
                out.append(c)
    return out


def _collected(setup: CeremonySetup, found: dict[str, _M]) -> Collected[_M]:
    return Collected(found, tuple(t for t in setup.ceremony.trustee_ids if t not in found))


# ---- acknowledgements -----------------------------------------------------------------
@dataclass(frozen=True)
class Acknowledgement:
    """Trustee l's statement that every share it received checked out and that it
    derived these public keys (it holds s_l with g^{s_l} = K_l).  The authority waits
    for all n before publishing the context: no trustee can complain after voting began."""

    trustee_id: str
    trustee_index: int
    base_hash: bytes
    """H_B of the ceremony."""
    joint_key: Element
    """K as the trustee derived it."""
    verification_key: Element
    """K_l as the trustee derived it."""


def acknowledgement_to_json(ack: Acknowledgement) -> codec.JsonObject:
    """A "ceremony-acknowledgement" document (docs/trustee-guide.md §3)."""
    return {"version": FORMAT_VERSION, "kind": KIND_ACKNOWLEDGEMENT, "trustee_id": ack.trustee_id,
            "trustee_index": ack.trustee_index, "base_hash": ack.base_hash.hex(),
            "joint_key": codec.element_to_hex(ack.joint_key),
            "verification_key": codec.element_to_hex(ack.verification_key)}


def acknowledgement_from_json(group: Group, value: object) -> Acknowledgement:
    """Parse a "ceremony-acknowledgement" document strictly (elements fully validated)."""
    obj = _envelope(value, KIND_ACKNOWLEDGEMENT,
                    ("trustee_id", "trustee_index", "base_hash", "joint_key", "verification_key"))
    tid = obj["trustee_id"]
    if not isinstance(tid, str) or ID_RE.fullmatch(tid) is None:
        raise MalformedRecord("trustee_id: not a valid identifier")
    index = obj["trustee_index"]
    if type(index) is not int or not 1 <= index <= MAX_TRUSTEES:
        raise MalformedRecord(f"trustee_index: expected an integer in [1, {MAX_TRUSTEES}]")
    return Acknowledgement(tid, index, codec.hex_from_json(obj["base_hash"], "base_hash", BASE_HASH_SIZE),
                           codec.element_from_hex(group, obj["joint_key"], "joint_key"),
                           codec.element_from_hex(group, obj["verification_key"], "verification_key"))


def write_acknowledgement(root: Path, ack: Acknowledgement) -> str:
    """finished/<id>.json; returns the relative path written."""
    rel = acknowledgement_file(ack.trustee_id)
    _write(root, rel, acknowledgement_to_json(ack))
    return rel


def read_acknowledgements(root: Path, setup: CeremonySetup) -> Collected[Acknowledgement]:
    """Every finished/<id>.json present, each checked to be its trustee's."""
    found: dict[str, Acknowledgement] = {}
    for tid in setup.ceremony.trustee_ids:
        rel = acknowledgement_file(tid)
        a = _read(root, rel, lambda v: acknowledgement_from_json(setup.group, v))
        if a is not None:
            _named(rel, (tid,), (a.trustee_id,))
            found[tid] = a
    return _collected(setup, found)


# ---- context --------------------------------------------------------------------------
def write_context(root: Path, context: codec.PublishedContext) -> str:
    """context.json (the record's format); returns the relative path written."""
    _write(root, CONTEXT_FILE, codec.context_to_json(context))
    return CONTEXT_FILE


def read_context(root: Path, setup: CeremonySetup) -> codec.PublishedContext | None:
    """context.json as published (None if the authority has not written it yet)."""
    return _read(root, CONTEXT_FILE, lambda v: codec.context_from_json(setup.group, v))


# ---- single files: tally shares --------------------------------------------------------
def write_tally_share_file(path: Path, share: TrusteeTallyShare, *, overwrite: bool = False) -> None:
    """One trustee's tally shares, in the record's tally/shares format (§5.13), written
    atomically to ``path``; FileExistsError if it exists and ``overwrite`` is False."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(17, "File exists", str(path))
    _write(path.parent, path.name, codec.trustee_tally_share_to_json(share))


def read_tally_share_file(path: Path, group: Group) -> TrusteeTallyShare:
    """A tally-shares document written by :func:`write_tally_share_file` (MalformedRecord
    "path: reason" if it is missing or malformed)."""
    path = Path(path)
    share = _read(path.parent, path.name, lambda v: codec.trustee_tally_share_from_json(group, v), str(path))
    if share is None:
        raise MalformedRecord(f"{path}: does not exist")
    return share


# ---- private files (sealed trustee state) -----------------------------------------------
def write_private_file(path: Path, data: bytes, *, overwrite: bool) -> None:
    """Write ``data`` to ``path`` with mode 0600, atomically.

    The bytes go to a temporary file created exclusively with mode 0600 in the same
    directory (so they are never readable by others, whatever the umask), are flushed
    and fsynced, and the file then takes the final name: ``os.replace`` when
    ``overwrite``, else a hard link that fails with FileExistsError if the name exists
    (no race).  On any failure the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
    tmp = directory / f".{path.name}.tmp-{secrets.token_hex(6)}"
    fd = os.open(tmp, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            if hasattr(os, "fchmod"):
                os.fchmod(f.fileno(), 0o600)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise
            except OSError:  # pragma: no cover - file systems without hard links
                if path.exists() or path.is_symlink():
                    raise FileExistsError(17, "File exists", str(path)) from None
                os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(directory)


def read_private_file(path: Path) -> bytes:
    """The bytes of a sealed state file (at most MAX_PRIVATE_FILE_BYTES)."""
    with open(Path(path), "rb") as f:
        data = f.read(MAX_PRIVATE_FILE_BYTES + 1)
    if len(data) > MAX_PRIVATE_FILE_BYTES:
        raise MalformedRecord(f"{path}: larger than {MAX_PRIVATE_FILE_BYTES} bytes: not a sealed trustee state")
    return data


def is_exposed(path: Path) -> bool:
    """True if group or others may read or write the file (POSIX mode bits 0o077)."""
    try:
        return os.name == "posix" and bool(Path(path).stat().st_mode & 0o077)
    except OSError:
        return False


def sealed_scrypt_log2_n(blob: bytes) -> int | None:
    """The scrypt cost log2(N) recorded in a sealed state's header (threshold/dkg.py
    :func:`~pilwu_crypto.threshold.sealing.seal`), or None if ``blob`` is not a sealed state."""
    m = len(SEAL_MAGIC)
    if len(blob) < SEAL_HEADER_SIZE or blob[:m] != SEAL_MAGIC:
        return None
    return blob[m + 2]


__all__ = [
    "CEREMONY_FILE",
    "COMPLAINTS_DIR",
    "CONTEXT_FILE",
    "FINISHED_DIR",
    "KIND_ACKNOWLEDGEMENT",
    "KIND_SHARE",
    "MANIFEST_FILE",
    "PARAMETERS_FILE",
    "ROUND1_DIR",
    "ROUND2_DIR",
    "ROUND3_DIR",
    "SETUP_FILE",
    "Acknowledgement",
    "CeremonyDirectoryUnreadable",
    "CeremonySetup",
    "Collected",
    "acknowledgement_file",
    "acknowledgement_from_json",
    "acknowledgement_to_json",
    "check_trustee_ids",
    "complaint_file",
    "digest_file",
    "is_exposed",
    "manifest_from_file",
    "read_acknowledgements",
    "read_all_shares",
    "read_complaints",
    "read_context",
    "read_digests",
    "read_private_file",
    "read_reveals",
    "read_setup",
    "read_share",
    "read_shares_to",
    "read_tally_share_file",
    "reveal_file",
    "sealed_scrypt_log2_n",
    "setup_from_file",
    "share_file",
    "share_from_json",
    "share_to_json",
    "write_acknowledgement",
    "write_complaint",
    "write_context",
    "write_digest",
    "write_private_file",
    "write_reveal",
    "write_setup",
    "write_share",
    "write_tally_share_file",
]
