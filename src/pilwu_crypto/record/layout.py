"""Layout of an election record directory: file names, document kinds and limits (format 2;
format 1 is still read on request).

Pure constants and path helpers shared by the codec (:mod:`pilwu_crypto.record.codec`)
and the reader/writer (:mod:`pilwu_crypto.record.io`); docs/record-format.md §2 is the
normative description.  Every path is relative to the record's root and written with
forward slashes; its segments use only ``A-Z a-z 0-9 . _ -`` (ids follow the manifest's
identifier rule, so a device or trustee id is always a safe file name).
"""

from __future__ import annotations

import re

from pilwu_crypto.errors import MalformedRecord

FORMAT_VERSION = 2
"""The record format the library writes: the ``version`` of index.json and of every
document of a record (docs/record-format.md §9)."""
LEGACY_FORMAT_VERSION = 1
"""Record format 1: read and verified only on request (``accept_format_v1``), by its own
rules; it binds no setup (docs/record-format.md §9)."""
SUPPORTED_FORMAT_VERSIONS = (LEGACY_FORMAT_VERSION, FORMAT_VERSION)

MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
"""Largest JSON document accepted (16 MiB), index.json included."""
MAX_MIX_DOCUMENT_BYTES = 512 * 1024 * 1024
"""Largest mix stage or mix decryption document (512 MiB): their size grows with the list
(about 2.4 KB per ciphertext component and 3 elements per vector at 3072 bits), so a
list of 100,000 ballots of width 1 fits; see document_limit."""
MAX_LINE_BYTES = 1024 * 1024
"""Largest JSON Lines line accepted (1 MiB, not counting its newline)."""
MAX_DEPTH = 32
"""Deepest nesting of JSON arrays and objects accepted (a top-level object is depth 1)."""
MAX_PATH_LENGTH = 1024
"""Longest relative path accepted in index.json (characters)."""

# ---- file names ---------------------------------------------------------------------
INDEX_PATH = "index.json"
PARAMETERS_PATH = "parameters.json"
MANIFEST_PATH = "manifest.json"
CEREMONY_PATH = "ceremony/ceremony.json"
DIGESTS_PATH = "ceremony/digests.json"
REVEALS_PATH = "ceremony/reveals.json"
SHARES_PATH = "ceremony/shares.jsonl"
COMPLAINTS_PATH = "ceremony/complaints.json"
CONTEXT_PATH = "context.json"
SETUP_PATH = "setup.json"
DEVICES_PATH = "devices.json"
BALLOTS_DIR = "ballots"
ENCRYPTED_TALLY_PATH = "tally/encrypted_tally.json"
TALLY_SHARES_DIR = "tally/shares"
RESULT_PATH = "tally/result.json"

# ---- document kinds -----------------------------------------------------------------
KIND_INDEX = "pilwu-record-index"
KIND_PARAMETERS = "parameters"
KIND_MANIFEST = "manifest"
KIND_CEREMONY = "ceremony"
KIND_DIGESTS = "ceremony-digests"
KIND_REVEALS = "ceremony-reveals"
KIND_COMPLAINTS = "ceremony-complaints"
KIND_CONTEXT = "context"
KIND_SETUP = "election-setup"
KIND_DEVICES = "devices"
KIND_ENCRYPTED_TALLY = "encrypted-tally"
KIND_TALLY_SHARES = "tally-shares"
KIND_RESULT = "result"

ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
"""Identifiers (election, contest, option, ballot, device, trustee), matched in full:
1–64 characters of ``A-Z a-z 0-9 . _ -``, starting with a letter or digit."""
SEGMENT_RE = re.compile(r"[A-Za-z0-9._-]{1,255}")
"""One segment of a record path (matched in full; "." and ".." are refused separately)."""
_BALLOT_FILE_RE = re.compile(r"ballots/([^/]+)\.jsonl")
_TALLY_SHARE_FILE_RE = re.compile(r"tally/shares/([^/]+)\.json")


def ballot_path(device_id: str) -> str:
    """``ballots/<device_id>.jsonl``: the JSON Lines file of one device's ballots."""
    return f"{BALLOTS_DIR}/{_safe_id(device_id, 'device id')}.jsonl"


def tally_share_path(trustee_id: str) -> str:
    """``tally/shares/<trustee_id>.json``: one trustee's decryption shares of the tally."""
    return f"{TALLY_SHARES_DIR}/{_safe_id(trustee_id, 'trustee id')}.json"


def is_ballot_path(path: str) -> bool:
    """True for a path of the form ``ballots/<name>.jsonl`` (one segment below ballots/)."""
    return _BALLOT_FILE_RE.fullmatch(path) is not None


def is_tally_share_path(path: str) -> bool:
    """True for a path of the form ``tally/shares/<name>.json``."""
    return _TALLY_SHARE_FILE_RE.fullmatch(path) is not None


def ballot_file_device(path: str) -> str:
    """The name ``<device id>`` of a ballot file ``ballots/<device id>.jsonl``, as written
    (not checked as an id: the verifier reports a file of an unregistered device)."""
    m = _BALLOT_FILE_RE.fullmatch(path)
    if m is None:
        raise MalformedRecord(f"{path}: not a ballot file (ballots/<device id>.jsonl)")
    return m.group(1)


def device_of_ballot_path(path: str) -> str:
    """The device id a ballot file is named after (MalformedRecord if it is not a valid id)."""
    return _checked_name(path, ballot_file_device(path), "device id")


def trustee_of_share_path(path: str) -> str:
    """The trustee id a tally-share file is named after (MalformedRecord if not a valid id)."""
    m = _TALLY_SHARE_FILE_RE.fullmatch(path)
    if m is None:
        raise MalformedRecord(f"{path}: not a tally-share file (tally/shares/<trustee id>.json)")
    return _checked_name(path, m.group(1), "trustee id")


def _checked_name(path: str, name: str, what: str) -> str:
    if ID_RE.fullmatch(name) is None:
        raise MalformedRecord(f"{path}: the file name is not a valid {what}")
    return name


def _safe_id(value: str, what: str) -> str:
    if not isinstance(value, str) or ID_RE.fullmatch(value) is None:
        raise MalformedRecord(f"{what} {value!r:.80} is not a valid identifier and cannot name a record file")
    return value


def check_relative_path(path: object) -> str:
    """``path`` if it is a safe, normalized relative record path, else MalformedRecord.

    Refused: anything but text, the empty path, absolute paths, backslashes, empty
    segments (``a//b``, a trailing slash), ``.`` and ``..`` segments, characters outside
    ``A-Z a-z 0-9 . _ -``, paths longer than MAX_PATH_LENGTH, and index.json itself.
    Symbolic links are the reader's business (it resolves every path under the root).
    """
    if not isinstance(path, str):
        raise MalformedRecord(f"expected a path as text, got {type(path).__name__}")
    shown = repr(path) if len(path) <= 80 else repr(path[:77] + "...")
    if not path:
        raise MalformedRecord("empty path")
    if len(path) > MAX_PATH_LENGTH:
        raise MalformedRecord(f"path {shown} is longer than {MAX_PATH_LENGTH} characters")
    if "\\" in path:
        raise MalformedRecord(f"path {shown} contains a backslash")
    if path.startswith("/"):
        raise MalformedRecord(f"path {shown} is absolute")
    for segment in path.split("/"):
        if segment in ("", ".", ".."):
            raise MalformedRecord(f"path {shown} is not normalized (empty, '.' or '..' segment)")
        if SEGMENT_RE.fullmatch(segment) is None:
            raise MalformedRecord(f"path {shown} has characters outside A-Z a-z 0-9 . _ -")
    if path == INDEX_PATH:
        raise MalformedRecord("index.json cannot list itself")
    return path


# ---- the optional mix-net part (docs/record-format.md §5.15) ------------------------
MIXNET_DIR = "mixnet"
MIX_SERVERS_PATH = "mixnet/servers.json"
MIX_DECRYPTION_DIR = "mixnet/decryption"
MIX_RESULT_PATH = "mixnet/result.json"
KIND_MIX_SERVERS = "mix-servers"
KIND_MIX_STAGE = "mix-stage"
KIND_MIX_DECRYPTION = "mix-decryption-share"
KIND_MIX_RESULT = "mix-result"
_MIX_STAGE_FILE_RE = re.compile(r"mixnet/stage-([1-9][0-9]{0,8})\.json")
_MIX_STAGE_OUTPUT_RE = re.compile(r"mixnet/stage-([1-9][0-9]{0,8})\.jsonl")
_MIX_DECRYPTION_FILE_RE = re.compile(r"mixnet/decryption/([^/]+)\.json")


def mix_stage_path(position: int) -> str:
    """``mixnet/stage-<position>.json``: a stage's proof and signature (position from 1)."""
    if isinstance(position, bool) or not isinstance(position, int) or not 1 <= position <= 999_999_999:
        raise MalformedRecord(f"mix stage position {position!r:.80} cannot name a record file")
    return f"{MIXNET_DIR}/stage-{position}.json"


def mix_stage_output_path(position: int) -> str:
    """``mixnet/stage-<position>.jsonl``: a stage's output list, one vector per line."""
    return mix_stage_path(position) + "l"


def mix_decryption_path(trustee_id: str) -> str:
    """``mixnet/decryption/<trustee_id>.json``: one trustee's shares of the final list."""
    return f"{MIX_DECRYPTION_DIR}/{_safe_id(trustee_id, 'trustee id')}.json"


def mix_stage_position(path: str) -> int | None:
    """The position a ``mixnet/stage-<pos>.json`` path names, None for any other path."""
    m = _MIX_STAGE_FILE_RE.fullmatch(path)
    return int(m.group(1)) if m is not None else None


def is_mix_stage_output_path(path: str) -> bool:
    """True for ``mixnet/stage-<pos>.jsonl``."""
    return _MIX_STAGE_OUTPUT_RE.fullmatch(path) is not None


def is_mix_decryption_path(path: str) -> bool:
    """True for ``mixnet/decryption/<name>.json``."""
    return _MIX_DECRYPTION_FILE_RE.fullmatch(path) is not None


def trustee_of_mix_decryption_path(path: str) -> str:
    """The trustee id a mix decryption file is named after (MalformedRecord if not valid)."""
    m = _MIX_DECRYPTION_FILE_RE.fullmatch(path)
    if m is None:
        raise MalformedRecord(f"{path}: not a mix decryption file (mixnet/decryption/<trustee id>.json)")
    return _checked_name(path, m.group(1), "trustee id")


def is_mixnet_path(path: str) -> bool:
    """True for any file of the mix-net part (mixnet/...)."""
    return path.startswith(MIXNET_DIR + "/")


def is_record_path(path: str, version: int = FORMAT_VERSION) -> bool:
    """True for a file of the layout of record format ``version`` other than index.json:
    the fixed documents, a ballot file, a tally-share file or a file of the mix-net part
    (docs/record-format.md §2).  Format 2 has setup.json and no mixnet/servers.json (the mix
    servers are part of the setup); format 1 the reverse."""
    fixed = {PARAMETERS_PATH, MANIFEST_PATH, CEREMONY_PATH, DIGESTS_PATH, REVEALS_PATH, SHARES_PATH,
             COMPLAINTS_PATH, CONTEXT_PATH, DEVICES_PATH, ENCRYPTED_TALLY_PATH, RESULT_PATH, MIX_RESULT_PATH}
    fixed.add(MIX_SERVERS_PATH if version == LEGACY_FORMAT_VERSION else SETUP_PATH)
    return (path in fixed or is_ballot_path(path) or is_tally_share_path(path)
            or mix_stage_position(path) is not None or is_mix_stage_output_path(path)
            or is_mix_decryption_path(path))


# ---- files that operating systems leave (docs/record-format.md §2) --------------------
OS_JUNK_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
"""File names Finder and Explorer leave in a directory they showed (any depth)."""
OS_JUNK_PREFIX = "._"
"""AppleDouble files (``._<name>``, macOS metadata on a non-Apple file system; any depth)."""
OS_JUNK_DIR = "__MACOSX"
"""The directory macOS's archiver adds to a zip file (any depth, with anything under it)."""


def is_os_junk(path: str) -> bool:
    """True for a relative path operating systems and file managers leave when a record is
    copied: such a file, when the index does not list it, is ignored (reported, never read,
    never a failure).  A listed file is checked as usual, whatever its name."""
    *directories, name = path.split("/")
    return name in OS_JUNK_FILES or name.startswith(OS_JUNK_PREFIX) or OS_JUNK_DIR in directories


def document_limit(path: str) -> int:
    """The size limit of the JSON document at ``path``: MAX_MIX_DOCUMENT_BYTES for a mix
    stage or mix decryption share (proportional to the mixed list), MAX_DOCUMENT_BYTES
    for every other document."""
    if mix_stage_position(path) is not None or is_mix_decryption_path(path):
        return MAX_MIX_DOCUMENT_BYTES
    return MAX_DOCUMENT_BYTES


# ---- file size limits (docs/record-format.md §3) -------------------------------------
# Every listed file is held to one of these before a byte of it is hashed or read, both
# from its index entry and from the size of the opened file (RecordReader.check_file_size).
SCALE_BALLOTS = 1_000_000
"""The election size the per-file and whole-record limits are sized for: 1,000,000
ballots (docs/performance.md projects this scale; its 100,000-ballot run fits 10×)."""
LINE_SLOT_BYTES = MAX_LINE_BYTES + 1
"""The most one JSON Lines line can take in a file: MAX_LINE_BYTES and its newline."""
MAX_SHARE_LINE_BYTES = 4096
"""Bound used for one ceremony/shares.jsonl line (4 KiB): two 64-character ids, two
indices, a 12-byte nonce, the ciphertext of one scalar and a 16-byte tag take about 500
bytes at the widest registered group, canonical or not far from it."""
_MAX_TRUSTEES = 1000  # threshold/dkg.MAX_TRUSTEES (layout imports nothing; a test compares)
MAX_SHARES_FILE_BYTES = _MAX_TRUSTEES * (_MAX_TRUSTEES - 1) * MAX_SHARE_LINE_BYTES
"""Largest ceremony/shares.jsonl accepted: n(n−1) lines for the largest n of the ceremony
(1000 trustees) × MAX_SHARE_LINE_BYTES ≈ 4.1 GB."""
MAX_BALLOT_FILE_BYTES = SCALE_BALLOTS * LINE_SLOT_BYTES
"""Largest ballot file accepted: SCALE_BALLOTS lines at the line limit (≈ 1.05 TB).  Sound
whatever the manifest (a ballot line may use the whole line limit); a real ballot of 1
contest × 5 options is ≈ 10 KB, so one device could hold 100 million of them."""
MAX_MIX_OUTPUT_FILE_BYTES = SCALE_BALLOTS * LINE_SLOT_BYTES
"""Largest mix stage output (``stage-<pos>.jsonl``) accepted before its stage is read
(≈ 1.05 TB); once it is, the output is held to the tighter mix_output_limit."""
MAX_RECORD_BYTES = 4 * SCALE_BALLOTS * LINE_SLOT_BYTES
"""Largest sum of the sizes index.json lists (≈ 4.2 TB): the ballots of SCALE_BALLOTS
ballots at the line limit, a mixed list of them at the line limit, and as much again for
the ceremony, the tally and the mix-net documents (several stages and trustees' shares)."""


def mix_output_limit(output_count: int) -> int:
    """The size limit of a stage output declaring ``output_count`` vectors: that many lines
    at the line limit (a vector of the widest mix, 64 ciphertexts, fits one line)."""
    return output_count * LINE_SLOT_BYTES


def file_limit(path: str) -> tuple[int, str]:
    """(size limit in bytes, what the limit is of) for the listed file at ``path``:
    document_limit for a document, else the JSON Lines file's own limit."""
    if path == SHARES_PATH:
        return MAX_SHARES_FILE_BYTES, SHARES_PATH
    if is_ballot_path(path):
        return MAX_BALLOT_FILE_BYTES, "a ballot file"
    if is_mix_stage_output_path(path):
        return MAX_MIX_OUTPUT_FILE_BYTES, "a mix stage output"
    mix = mix_stage_position(path) is not None or is_mix_decryption_path(path)
    return document_limit(path), "a mix document" if mix else "this JSON document"
