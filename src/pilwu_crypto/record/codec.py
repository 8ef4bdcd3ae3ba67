"""JSON codec of the election record v1: every record type to and from plain JSON values.

Pure functions, no I/O (docs/record-format.md is the normative description):

- ``<type>_to_json(obj) -> dict`` builds the JSON value of an object; documents (a whole
  file) carry ``"version": 1`` and their ``"kind"``.
- ``<type>_from_json(group, obj, where) -> object`` parses an *untrusted* JSON value,
  strictly: exactly the documented keys (no unknown, none missing), exact JSON types (a
  boolean is never an integer), fixed-width lowercase hex, every group element decoded
  with :meth:`Group.decode_element` (range and subgroup checks; Σ-proof commitments skip
  only the subgroup test, as documented in algebra/group.py), every scalar with
  :meth:`Group.decode_scalar` (below q).  Anything else raises :class:`MalformedRecord`
  whose message starts with the field path below ``where``, e.g.
  ``ballot.contests[0].options[2].ciphertext.alpha: expected 64 bytes of hex ...``;
  the reader prefixes the file and line.
- :func:`parse_json` and :func:`dumps_canonical` turn bytes into JSON values (strictly:
  UTF-8, no NaN/Infinity, no duplicate keys, nesting depth at most MAX_DEPTH) and JSON
  values into canonical bytes (sorted keys, no spaces, UTF-8, one trailing newline), so
  that writing the same objects twice gives identical bytes (checklist A21: nothing is
  ever hashed over JSON, but a record must still be reproducible byte for byte).

Parsing does not check the cryptography (proofs, hashes, signatures): the verifier does,
on the objects returned here.  The only values computed while parsing are the manifest's
hash (compared with the one published next to it) and the pinning of the parameter set
to the registered constants.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NoReturn, TypeVar

from pilwu_crypto.algebra.ec import ECGroup
from pilwu_crypto.algebra.group import Element, Group, Scalar
from pilwu_crypto.algebra.groups import DERIVATIONS, SeededDerivation, get_group
from pilwu_crypto.algebra.modp import ModPGroup
from pilwu_crypto.election.ballot import (
    ChallengedBallot,
    EncryptedBallot,
    EncryptedContest,
    EncryptedOption,
    RevealedContest,
    RevealedOption,
)
from pilwu_crypto.election.decryption import TallyResult, TrusteeTallyShare
from pilwu_crypto.election.device import (
    CODE_SIZE,
    MAX_BALLOTS_PER_DEVICE,
    PUBLIC_KEY_SIZE,
    SIGNATURE_SIZE,
    ClosingEntry,
    DeviceRegistration,
)
from pilwu_crypto.election.manifest import (
    MAX_CONTESTS,
    MAX_NAME_LENGTH,
    MAX_OPTIONS,
    MAX_REGISTERED_VOTERS,
    MAX_WRITE_IN_ELEMENTS,
    PLACE_FIELDS,
    Contest,
    Manifest,
    Option,
    check_date,
)
from pilwu_crypto.election.tally import ContestTally, EncryptedTally, OptionTally
from pilwu_crypto.election.writein import EncryptedWriteIn
from pilwu_crypto.elgamal import Ciphertext
from pilwu_crypto.errors import InvalidManifest, MalformedRecord, PilwuError
from pilwu_crypto.proofs.dleq import DleqProof
from pilwu_crypto.proofs.nonce import NonceProof
from pilwu_crypto.proofs.range import MAX_RANGE_LIMIT, RangeBranch, RangeProof
from pilwu_crypto.proofs.schnorr import SchnorrProof
from pilwu_crypto.record.layout import (
    FORMAT_VERSION,
    ID_RE,
    KIND_CEREMONY,
    KIND_COMPLAINTS,
    KIND_CONTEXT,
    KIND_DEVICES,
    KIND_DIGESTS,
    KIND_ENCRYPTED_TALLY,
    KIND_INDEX,
    KIND_MANIFEST,
    KIND_PARAMETERS,
    KIND_RESULT,
    KIND_REVEALS,
    KIND_TALLY_SHARES,
    LEGACY_FORMAT_VERSION,
    MAX_DEPTH,
    SUPPORTED_FORMAT_VERSIONS,
    check_relative_path,
)
from pilwu_crypto.threshold.dkg import (
    BASE_HASH_SIZE,
    DIGEST_SIZE,
    MAX_TRUSTEES,
    SHARE_NONCE_SIZE,
    TAG_SIZE,
    Ceremony,
    CommitmentDigest,
    CommitmentReveal,
    Complaint,
    EncryptedShare,
)

JsonObject = dict[str, Any]
BallotStatus = Literal["cast", "challenged"]
_T = TypeVar("_T")

MAX_JSON_INT = 2**53 - 1
"""Largest integer in a record (counts, sizes): exactly representable in every JSON reader."""
MAX_INT_DIGITS = 20
"""Longest integer literal parsed at all (a bound before Python converts it)."""
MAX_TALLY_ENTRIES = MAX_CONTESTS * MAX_OPTIONS
MAX_WRITE_IN_CHARS = 4096
"""Longest write-in name a document may hold (characters): a revealed one or a decoded one."""
"""Most (contest, option) entries in a tally: bounds the lists of a tally-shares document."""
MAX_INDEX_FILES = 10_000_000
"""Most files listed in index.json."""
HASH_SIZE = 32
"""Bytes of every SHA-256 based hash in the record (H_B, H_E, manifest hash, digests, codes)."""



# ====================================================================== records =====
@dataclass(frozen=True)
class IndexEntry:
    """One file of the record as listed in index.json."""

    path: str
    """Relative POSIX path below the record root."""
    sha256: str
    """Lowercase hex SHA-256 of the file's bytes."""
    size: int
    """Size of the file in bytes."""


@dataclass(frozen=True)
class CeremonyRecord:
    """The published key-ceremony messages (ceremony/*), as parsed: not yet checked."""

    ceremony: Ceremony
    digests: tuple[CommitmentDigest, ...]
    reveals: tuple[CommitmentReveal, ...]
    shares: tuple[EncryptedShare, ...]
    complaints: tuple[Complaint, ...]


@dataclass(frozen=True)
class PublishedContext:
    """context.json as published.  Nothing here is recomputed by the reader: a verifier
    recomputes H_B, K, H_E and every K_l from the manifest and the ceremony and compares."""

    base_hash: bytes
    """H_B as published (32 bytes)."""
    election_hash: bytes
    """H_E as published (32 bytes)."""
    joint_key: Element
    """K as published."""
    verification_keys: dict[int, Element]
    """{trustee index l: K_l} as published, in increasing index order."""


@dataclass(frozen=True)
class DevicesRecord:
    """devices.json: the registered voting devices and their signed closing entries."""

    registrations: tuple[DeviceRegistration, ...]
    closings: tuple[ClosingEntry, ...]


@dataclass(frozen=True)
class BallotLine:
    """One line of a ballot file: a cast ballot, or a challenged one with its reveal."""

    path: str
    """The ballot file (``ballots/<device id>.jsonl``)."""
    line_no: int
    """Line number in the file, from 1 (the ballot's position in its device's chain)."""
    status: BallotStatus
    ballot: EncryptedBallot
    challenged: ChallengedBallot | None
    """The reveal (selections and nonces) for a challenged ballot; None for a cast one."""


@dataclass(frozen=True)
class PublishedResult:
    """tally/result.json as published (the verifier recomputes the counts and compares)."""

    ballot_count: int
    counts: dict[tuple[str, str], int]
    """{(contest id, option id): count}, in the order published (manifest order)."""
    used_trustees: tuple[int, ...]
    """Shamir indices of the trustees whose shares were combined."""
    absent: tuple[str, ...]
    """Ids of the trustees that published no decryption share."""


# ====================================================================== JSON bytes ==
_STRUCTURAL = re.compile(r'["\\\[\]{}]')


def check_depth(text: str) -> None:
    """Raise MalformedRecord if arrays/objects in ``text`` nest deeper than MAX_DEPTH.

    Runs before the JSON parser, so a hostile document never drives it into deep
    recursion.  A linear scan over the quote, backslash and bracket characters only
    (brackets inside strings, escapes included, are skipped); for valid JSON the count
    is exact, and invalid JSON is refused by the parser anyway.  No backtracking regular
    expression: its cost must stay linear whatever the input (a string of 10^6 ``\\"``
    must not take quadratic time).
    """
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    depth = 0
    in_string = False
    skip = -1  # position of a character escaped by a backslash
    for m in _STRUCTURAL.finditer(text):
        i = m.start()
        if i == skip:
            continue
        ch = text[i]
        if in_string:
            if ch == "\\":
                skip = i + 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise MalformedRecord(f"JSON nested deeper than {MAX_DEPTH} levels")
        elif ch in "]}":
            depth -= 1


def _pairs(pairs: list[tuple[str, Any]]) -> JsonObject:
    out: JsonObject = {}
    for key, value in pairs:
        if key in out:
            raise MalformedRecord(f"duplicate key {_show(key)}")
        out[key] = value
    return out


def _no_constant(name: str) -> NoReturn:
    raise MalformedRecord(f"{name} is not allowed in a record (JSON has no NaN or Infinity)")


def _int_literal(literal: str) -> int:
    if len(literal) > MAX_INT_DIGITS:
        raise MalformedRecord(f"integer literal of {len(literal)} characters is too long")
    if literal == "-0":
        raise MalformedRecord("-0 is not a canonical integer")
    return int(literal)


def _float_literal(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):  # 1e999 is Infinity by another name
        raise MalformedRecord(f"number {_short(literal, 40)} overflows a double (JSON has no Infinity)")
    return value


def parse_json(data: bytes) -> Any:
    """Parse one JSON text from untrusted bytes, strictly; MalformedRecord on any problem.

    Refuses invalid UTF-8 (and a byte-order mark), nesting deeper than MAX_DEPTH, NaN and
    Infinity (also as a number that overflows a double, such as 1e999), duplicate keys in
    an object, integer literals longer than MAX_INT_DIGITS and ``-0``.  Numbers with a
    fraction or exponent come back as float (and are refused, with their field path, by
    the ``*_from_json`` functions, which accept only integers).
    """
    try:
        text = bytes(data).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedRecord(f"not valid UTF-8 (byte {exc.start})") from None
    check_depth(text)
    try:
        return json.loads(text, object_pairs_hook=_pairs, parse_constant=_no_constant,
                          parse_int=_int_literal, parse_float=_float_literal)
    except MalformedRecord:
        raise
    except json.JSONDecodeError as exc:
        where = f"column {exc.colno}" if exc.lineno == 1 else f"line {exc.lineno} column {exc.colno}"
        raise MalformedRecord(f"invalid JSON ({exc.msg} at {where})") from None
    except RecursionError:
        raise MalformedRecord("JSON nested too deeply") from None
    except (ValueError, TypeError, OverflowError) as exc:
        raise MalformedRecord(f"invalid JSON ({_short(str(exc))})") from None


def dumps_canonical(value: Any) -> bytes:
    """Canonical bytes of a JSON value: sorted keys, separators "," and ":", UTF-8 without
    escaping non-ASCII, no NaN, one trailing newline.  Used for every document and line."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


# ====================================================================== helpers =====
def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _show(value: object) -> str:
    """A short repr of an untrusted value for an error message."""
    return _short(repr(value))


def _at(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _item(where: str, i: int) -> str:
    return f"{where}[{i}]"


def _fail(where: str, reason: str) -> NoReturn:
    raise MalformedRecord(f"{where}: {reason}" if where else reason)


def _kind(value: object) -> str:
    """The JSON type of a parsed value, for messages ("a boolean", "null", ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number with a fraction or exponent"
    if isinstance(value, str):
        return f"a string of {len(value)} characters"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _object(value: object, where: str, keys: Iterable[str]) -> JsonObject:
    """``value`` as a JSON object with exactly ``keys`` (MalformedRecord names the first
    missing or unknown key by its path)."""
    if not isinstance(value, dict):
        _fail(where, f"expected a JSON object, got {_kind(value)}")
    wanted = tuple(keys)
    for key in wanted:
        if key not in value:
            _fail(_at(where, key), "missing key")
    for key in value:
        if key not in wanted:
            _fail(_at(where, key if ID_RE.fullmatch(key) else _show(key)), "unknown key")
    return value


def document_version(value: object) -> int | None:
    """The ``version`` of a parsed document, or None when it has none an integer (the
    header check then names the problem)."""
    version = value.get("version") if isinstance(value, dict) else None
    return version if type(version) is int else None


def _check_header(value: object, where: str, kind: str) -> JsonObject:
    """``value`` as an object whose ``version`` is a supported one and ``kind`` is ``kind`` (checked first,
    so that a document of another version is named as such, not by its unknown keys)."""
    if not isinstance(value, dict):
        _fail(where, f"expected a JSON object, got {_kind(value)}")
    if "version" not in value:
        _fail(_at(where, "version"), "missing key")
    version = value["version"]
    if type(version) is not int:
        _fail(_at(where, "version"), f"expected an integer, got {_kind(version)}")
    if version not in SUPPORTED_FORMAT_VERSIONS:
        _fail(_at(where, "version"), f"unsupported record format version {version} "
                                     f"(this reader knows versions {', '.join(map(str, SUPPORTED_FORMAT_VERSIONS))})")
    if "kind" not in value:
        _fail(_at(where, "kind"), "missing key")
    if value["kind"] != kind:
        _fail(_at(where, "kind"), f"expected {kind!r}, got {_show(value['kind'])}")
    return value


def _document(value: object, where: str, kind: str, keys: Iterable[str]) -> JsonObject:
    """A whole document: version 1 and ``kind`` first, then exactly ``keys`` besides them."""
    return _object(_check_header(value, where, kind), where, ("version", "kind", *keys))


def _header(kind: str) -> JsonObject:
    return {"version": FORMAT_VERSION, "kind": kind}


def _int(value: object, where: str, lo: int, hi: int) -> int:
    if type(value) is not int:
        _fail(where, f"expected an integer, got {_kind(value)}")
    if not lo <= value <= hi:
        _fail(where, f"integer {value} not in [{lo}, {hi}]")
    return value


def _text(value: object, where: str, max_length: int = MAX_NAME_LENGTH) -> str:
    if not isinstance(value, str):
        _fail(where, f"expected text, got {_kind(value)}")
    if not 1 <= len(value) <= max_length:
        _fail(where, f"expected 1 to {max_length} characters, got {len(value)}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        _fail(where, "not valid Unicode text (lone surrogate)")
    return value


def _id(value: object, where: str) -> str:
    if not isinstance(value, str):
        _fail(where, f"expected an identifier, got {_kind(value)}")
    if ID_RE.fullmatch(value) is None:
        _fail(where, f"{_show(value)} is not a valid identifier (1-64 of A-Z a-z 0-9 . _ -)")
    return value


def _list(value: object, where: str, max_length: int, min_length: int = 0) -> list[Any]:
    if not isinstance(value, list):
        _fail(where, f"expected a list, got {_kind(value)}")
    if not min_length <= len(value) <= max_length:
        _fail(where, f"expected {min_length} to {max_length} items, got {len(value)}")
    return value


def _items(value: object, where: str, max_length: int, parse: Callable[[Any, str], _T],
           min_length: int = 0) -> tuple[_T, ...]:
    return tuple(parse(v, _item(where, i))
                 for i, v in enumerate(_list(value, where, max_length, min_length)))


_HEX_RE = re.compile(r"[0-9a-f]*")
_HEX_ANY_CASE_RE = re.compile(r"[0-9a-fA-F]*")


def hex_from_json(value: object, where: str, size: int) -> bytes:
    """Exactly ``size`` bytes written as 2*size lowercase hex digits, else MalformedRecord."""
    if not isinstance(value, str):
        _fail(where, f"expected {size} bytes of hex, got {_kind(value)}")
    if len(value) != 2 * size:
        _fail(where, f"expected {size} bytes of hex ({2 * size} lowercase hex digits), "
                     f"got {len(value)} characters")
    if _HEX_RE.fullmatch(value) is None:
        if _HEX_ANY_CASE_RE.fullmatch(value) is not None:
            _fail(where, "expected lowercase hex, got uppercase digits")
        _fail(where, "not hex (only 0-9 and a-f are allowed)")
    return bytes.fromhex(value)


def _build(where: str, make: Callable[[], _T]) -> _T:
    """Run a constructor whose own validation may raise; name ``where`` in the error."""
    try:
        return make()
    except MalformedRecord:
        raise
    except PilwuError as exc:
        _fail(where, str(exc))
    except (TypeError, ValueError, OverflowError) as exc:
        _fail(where, _short(str(exc)))


# ====================================================================== elements ====
def element_to_hex(element: Element) -> str:
    """Lowercase hex of the element's canonical fixed-width encoding (element_size bytes)."""
    return element.to_bytes().hex()


def element_from_hex(group: Group, s: object, what: str, *, subgroup_check: bool = True) -> Element:
    """Decode an element of ``group`` from fixed-width lowercase hex.

    Full validation (range and order-q subgroup, or curve) unless ``subgroup_check`` is
    False, which is only for Σ-proof commitments (see :meth:`Group.decode_element`).
    """
    data = hex_from_json(s, what, group.element_size)
    try:
        return group.decode_element(data, what, subgroup_check=subgroup_check)
    except PilwuError as exc:
        raise MalformedRecord(str(exc)) from None
    except (TypeError, ValueError, ArithmeticError) as exc:
        _fail(what, f"cannot decode the element ({_short(str(exc))})")


def scalar_to_hex(scalar: Scalar) -> str:
    """Lowercase hex of the scalar's canonical fixed-width encoding (scalar_size bytes)."""
    return scalar.to_bytes().hex()


def scalar_from_hex(group: Group, s: object, what: str) -> Scalar:
    """Decode a scalar of ``group`` from fixed-width lowercase hex; the value must be < q."""
    data = hex_from_json(s, what, group.scalar_size)
    try:
        return group.decode_scalar(data, what)
    except PilwuError as exc:
        raise MalformedRecord(str(exc)) from None


def _elements(group: Group, value: object, where: str, max_length: int) -> tuple[Element, ...]:
    return _items(value, where, max_length, lambda v, w: element_from_hex(group, v, w))


# ====================================================================== parameters ==
def parameters_to_json(group: Group) -> JsonObject:
    """parameters.json: the group's name and, for Z_p* groups, p, q, g (fixed-width hex)
    and, for ``pilwu-*`` groups, the seeded derivation they come from; curves: the name."""
    doc = _header(KIND_PARAMETERS)
    doc["group"] = group.name
    if isinstance(group, ModPGroup):
        doc["p"] = int(group.p).to_bytes(group.element_size, "big").hex()
        doc["q"] = group.q.to_bytes(group.scalar_size, "big").hex()
        doc["g"] = element_to_hex(group.generator())
        derivation = DERIVATIONS.get(group.name)
        if derivation is not None:
            doc["derivation"] = derivation_to_json(derivation)
        elif group.name.startswith("pilwu-"):
            raise MalformedRecord(f"parameter set {group.name}: no recorded derivation")
    elif not isinstance(group, ECGroup):
        raise MalformedRecord(f"parameter set {group.name}: unknown kind of group")
    return doc


def derivation_to_json(d: SeededDerivation) -> JsonObject:
    """The seeded derivation (docs/parameters.md): label as text, seed index, counter, L, N."""
    return {"label": d.label.decode("utf-8"), "seed_index": d.seed_index, "counter": d.counter,
            "L": d.l_bits, "N": d.n_bits}


def derivation_from_json(value: object, where: str) -> SeededDerivation:
    obj = _object(value, where, ("label", "seed_index", "counter", "L", "N"))
    return SeededDerivation(
        label=_text(obj["label"], _at(where, "label"), 1024).encode("utf-8"),
        seed_index=_int(obj["seed_index"], _at(where, "seed_index"), 0, 2**32 - 1),
        counter=_int(obj["counter"], _at(where, "counter"), 0, MAX_JSON_INT),
        l_bits=_int(obj["L"], _at(where, "L"), 1, 2**16),
        n_bits=_int(obj["N"], _at(where, "N"), 1, 2**16))


def parameters_from_json(value: object, where: str = "") -> Group:
    """The registered group that parameters.json names, after pinning it byte for byte.

    The name must be a registered parameter set (test-only sets included: refusing them
    is the caller's policy, through ``group.is_test_only``); for Z_p* groups p, q and g
    must be exactly the registered values in their fixed-width encodings, and for
    ``pilwu-*`` groups the derivation must be the recorded one.  Re-deriving p, q, g from
    the derivation (and checking primality) is the verifier's first check, not done here.
    """
    header = _check_header(value, where, KIND_PARAMETERS)
    if "group" not in header:
        _fail(_at(where, "group"), "missing key")
    name = _text(header["group"], _at(where, "group"), 64)
    try:
        group = get_group(name, allow_test=True)
    except PilwuError:
        _fail(_at(where, "group"), f"unknown parameter set {_show(name)}")
    expected = parameters_to_json(group)
    obj = _document(value, where, KIND_PARAMETERS, [k for k in expected if k not in ("version", "kind")])
    for key in ("p", "q", "g"):
        if key in expected:
            got = obj[key]
            if not isinstance(got, str):
                _fail(_at(where, key), f"expected hex, got {_kind(got)}")
            if got != expected[key]:
                _fail(_at(where, key), f"does not match the registered parameter set {name} "
                                       "(fixed-width lowercase hex, byte for byte)")
    if "derivation" in expected:
        derivation = derivation_from_json(obj["derivation"], _at(where, "derivation"))
        if derivation != DERIVATIONS[name]:
            _fail(_at(where, "derivation"), f"is not the recorded derivation of {name}")
    return group


# ====================================================================== manifest ====
def manifest_to_json(manifest: Manifest, version: int = FORMAT_VERSION) -> JsonObject:
    """manifest.json of record format ``version``: every Manifest field, plus ``hash`` = hex
    of Manifest.hash().  InvalidManifest when the manifest is not of that format (format 2
    needs the place fields, format 1 has none; docs/record-format.md §5.3, §9)."""
    if manifest.format_version != version:
        if version == FORMAT_VERSION:
            raise InvalidManifest(f"election {manifest.election_id}: a manifest of record format {version} needs "
                                  f"{', '.join(PLACE_FIELDS)} (docs/record-format.md §5.3)")
        raise InvalidManifest(f"election {manifest.election_id}: a manifest of record format {version} has no "
                              f"{', '.join(PLACE_FIELDS)}")
    doc = _header(KIND_MANIFEST)
    doc["version"] = version
    doc.update({"election_id": manifest.election_id, "name": manifest.name})
    if version == FORMAT_VERSION:  # docs/record-format.md §5.3
        doc.update({"village": manifest.village, "district": manifest.district, "regency": manifest.regency,
                    "date": manifest.date, "registered_voters": manifest.registered_voters})
    doc.update({
        "contests": [_contest_to_json(c) for c in manifest.contests],
        "hash": manifest.hash().hex(),
    })
    return doc


def _contest_to_json(c: Contest) -> JsonObject:
    """One contest; ``write_in_elements`` only when the contest takes write-ins."""
    obj: JsonObject = {
        "contest_id": c.contest_id,
        "name": c.name,
        "selection_limit": c.selection_limit,
        "option_limit": c.option_limit,
        "options": [{"option_id": o.option_id, "name": o.name} for o in c.options],
    }
    if c.write_in_elements:
        obj["write_in_elements"] = c.write_in_elements
    return obj


def _option_from_json(value: object, where: str) -> Option:
    obj = _object(value, where, ("option_id", "name"))
    oid = _id(obj["option_id"], _at(where, "option_id"))
    name = _text(obj["name"], _at(where, "name"))
    return _build(where, lambda: Option(oid, name))


def _contest_from_json(value: object, where: str) -> Contest:
    keys: tuple[str, ...] = ("contest_id", "name", "selection_limit", "option_limit", "options")
    if isinstance(value, dict) and "write_in_elements" in value:
        keys = (*keys, "write_in_elements")
    obj = _object(value, where, keys)
    cid = _id(obj["contest_id"], _at(where, "contest_id"))
    name = _text(obj["name"], _at(where, "name"))
    sel = _int(obj["selection_limit"], _at(where, "selection_limit"), 0, 2**32 - 1)
    opt = _int(obj["option_limit"], _at(where, "option_limit"), 0, 2**32 - 1)
    options = _items(obj["options"], _at(where, "options"), MAX_OPTIONS, _option_from_json)
    write_in = 0
    if "write_in_elements" in obj:  # present only for a contest with write-ins: 0 is not canonical
        write_in = _int(obj["write_in_elements"], _at(where, "write_in_elements"), 1, MAX_WRITE_IN_ELEMENTS)
    return _build(where, lambda: Contest(cid, name, options, sel, opt, write_in))


MAX_DATE_CHARS = 10
"""Length of a polling date, YYYY-MM-DD."""


def _manifest_body(value: object, where: str, extra: tuple[str, ...]) -> tuple[Manifest, JsonObject]:
    """The Manifest of a manifest document and the document, with exactly its version's keys
    plus ``extra``: format 2 requires the place fields, format 1 has none (§5.3, §9)."""
    header = _check_header(value, where, KIND_MANIFEST)
    legacy = header["version"] == LEGACY_FORMAT_VERSION
    obj = _document(value, where, KIND_MANIFEST,
                    ("election_id", "name", "contests", *(() if legacy else PLACE_FIELDS), *extra))
    eid = _id(obj["election_id"], _at(where, "election_id"))
    name = _text(obj["name"], _at(where, "name"))
    place: dict[str, Any] = {}
    if not legacy:
        for key in ("village", "district", "regency"):
            place[key] = _text(obj[key], _at(where, key))
        date = _text(obj["date"], _at(where, "date"), MAX_DATE_CHARS)
        place["date"] = _build(_at(where, "date"), lambda: check_date(date, "polling date"))
        place["registered_voters"] = _int(obj["registered_voters"], _at(where, "registered_voters"), 0,
                                          MAX_REGISTERED_VOTERS)
    contests = _items(obj["contests"], _at(where, "contests"), MAX_CONTESTS, _contest_from_json)
    return _build(where, lambda: Manifest(eid, name, contests, **place)), obj


def unhashed_manifest_from_json(value: object, where: str = "") -> Manifest:
    """A manifest document written without ``hash`` (a hand-written manifest file)."""
    return _manifest_body(value, where, ())[0]


def manifest_from_json(group: Group | None, value: object, where: str = "") -> Manifest:
    """Parse manifest.json (validated as a Manifest of the document's format version) and
    check its published ``hash``.

    ``group`` is unused (the manifest knows no group); it keeps the signature uniform.
    """
    manifest, obj = _manifest_body(value, where, ("hash",))
    published = hex_from_json(obj["hash"], _at(where, "hash"), HASH_SIZE)
    if manifest.hash() != published:
        _fail(_at(where, "hash"), "does not match the manifest (tagged hash of its canonical bytes)")
    return manifest


# ====================================================================== proofs ======
def schnorr_proof_to_json(proof: SchnorrProof) -> JsonObject:
    """{"h": commitment, "v": response}."""
    return {"h": element_to_hex(proof.h), "v": scalar_to_hex(proof.v)}


def schnorr_proof_from_json(group: Group, value: object, where: str) -> SchnorrProof:
    obj = _object(value, where, ("h", "v"))
    return SchnorrProof(h=element_from_hex(group, obj["h"], _at(where, "h"), subgroup_check=False),
                        v=scalar_from_hex(group, obj["v"], _at(where, "v")))


def dleq_proof_to_json(proof: DleqProof) -> JsonObject:
    """{"a", "b": commitments, "v": response} (also decryption proofs)."""
    return {"a": element_to_hex(proof.a), "b": element_to_hex(proof.b), "v": scalar_to_hex(proof.v)}


def dleq_proof_from_json(group: Group, value: object, where: str) -> DleqProof:
    obj = _object(value, where, ("a", "b", "v"))
    return DleqProof(a=element_from_hex(group, obj["a"], _at(where, "a"), subgroup_check=False),
                     b=element_from_hex(group, obj["b"], _at(where, "b"), subgroup_check=False),
                     v=scalar_from_hex(group, obj["v"], _at(where, "v")))


def range_proof_to_json(proof: RangeProof) -> JsonObject:
    """{"branches": [{"a", "b", "c", "v"}, ...]}: every branch j = 0..L."""
    return {"branches": [{"a": element_to_hex(br.a), "b": element_to_hex(br.b),
                          "c": scalar_to_hex(br.c), "v": scalar_to_hex(br.v)} for br in proof.branches]}


def _branch_from_json(group: Group, value: object, where: str) -> RangeBranch:
    obj = _object(value, where, ("a", "b", "c", "v"))
    return RangeBranch(a=element_from_hex(group, obj["a"], _at(where, "a"), subgroup_check=False),
                       b=element_from_hex(group, obj["b"], _at(where, "b"), subgroup_check=False),
                       c=scalar_from_hex(group, obj["c"], _at(where, "c")),
                       v=scalar_from_hex(group, obj["v"], _at(where, "v")))


def range_proof_from_json(group: Group, value: object, where: str) -> RangeProof:
    obj = _object(value, where, ("branches",))
    branches = _items(obj["branches"], _at(where, "branches"), MAX_RANGE_LIMIT + 1,
                      lambda v, w: _branch_from_json(group, v, w), min_length=1)
    return RangeProof(branches=branches)


def ciphertext_to_json(ct: Ciphertext) -> JsonObject:
    """{"alpha", "beta"}."""
    return {"alpha": element_to_hex(ct.alpha), "beta": element_to_hex(ct.beta)}


def ciphertext_from_json(group: Group, value: object, where: str, unchecked: list[Element] | None = None
                         ) -> Ciphertext:
    """A ciphertext: both components fully validated (range and subgroup, checklist A7).

    With ``unchecked`` (a list), the subgroup check is deferred: the components are
    checked for encoding and range only and appended to the list, which the caller MUST
    pass through a membership check (algebra/batch.py) before using them — the verifier's
    batched path (verify/ballots.py), where it costs a fraction of an exponentiation."""
    obj = _object(value, where, ("alpha", "beta"))
    if unchecked is None:
        return Ciphertext(element_from_hex(group, obj["alpha"], _at(where, "alpha")),
                          element_from_hex(group, obj["beta"], _at(where, "beta")))
    alpha = element_from_hex(group, obj["alpha"], _at(where, "alpha"), subgroup_check=False)
    beta = element_from_hex(group, obj["beta"], _at(where, "beta"), subgroup_check=False)
    unchecked += (alpha, beta)
    return Ciphertext(alpha, beta)


# ====================================================================== ceremony ====
def ceremony_to_json(ceremony: Ceremony) -> JsonObject:
    """ceremony/ceremony.json: ordered trustee ids, threshold, H_B."""
    doc = _header(KIND_CEREMONY)
    doc.update({"trustee_ids": list(ceremony.trustee_ids), "threshold": ceremony.threshold,
                "base_hash": ceremony.base_hash.hex()})
    return doc


def ceremony_from_json(group: Group, value: object, where: str = "") -> Ceremony:
    obj = _document(value, where, KIND_CEREMONY, ("trustee_ids", "threshold", "base_hash"))
    ids = _items(obj["trustee_ids"], _at(where, "trustee_ids"), MAX_TRUSTEES, _id, min_length=1)
    threshold = _int(obj["threshold"], _at(where, "threshold"), 1, MAX_TRUSTEES)
    h_b = hex_from_json(obj["base_hash"], _at(where, "base_hash"), BASE_HASH_SIZE)
    return _build(where, lambda: Ceremony(group, h_b, ids, threshold))


def _trustee_index(value: object, where: str) -> int:
    return _int(value, where, 1, MAX_TRUSTEES)


def commitment_digest_to_json(d: CommitmentDigest) -> JsonObject:
    return {"trustee_id": d.trustee_id, "trustee_index": d.trustee_index, "digest": d.digest.hex()}


def commitment_digest_from_json(group: Group, value: object, where: str) -> CommitmentDigest:
    obj = _object(value, where, ("trustee_id", "trustee_index", "digest"))
    return CommitmentDigest(_id(obj["trustee_id"], _at(where, "trustee_id")),
                            _trustee_index(obj["trustee_index"], _at(where, "trustee_index")),
                            hex_from_json(obj["digest"], _at(where, "digest"), DIGEST_SIZE))


def digests_to_json(digests: Iterable[CommitmentDigest]) -> JsonObject:
    """ceremony/digests.json: every trustee's round-1 digest."""
    doc = _header(KIND_DIGESTS)
    doc["digests"] = [commitment_digest_to_json(d) for d in digests]
    return doc


def digests_from_json(group: Group, value: object, where: str = "") -> tuple[CommitmentDigest, ...]:
    obj = _document(value, where, KIND_DIGESTS, ("digests",))
    return _items(obj["digests"], _at(where, "digests"), MAX_TRUSTEES,
                  lambda v, w: commitment_digest_from_json(group, v, w))


def commitment_reveal_to_json(r: CommitmentReveal) -> JsonObject:
    return {"trustee_id": r.trustee_id, "trustee_index": r.trustee_index,
            "commitments": [element_to_hex(c) for c in r.commitments],
            "coefficient_proofs": [schnorr_proof_to_json(p) for p in r.coefficient_proofs],
            "aux_key": element_to_hex(r.aux_key), "aux_key_proof": schnorr_proof_to_json(r.aux_key_proof)}


def commitment_reveal_from_json(group: Group, value: object, where: str) -> CommitmentReveal:
    """A reveal: commitments and auxiliary key fully validated; proof commitments h range-checked."""
    obj = _object(value, where, ("trustee_id", "trustee_index", "commitments", "coefficient_proofs",
                                 "aux_key", "aux_key_proof"))
    return CommitmentReveal(
        trustee_id=_id(obj["trustee_id"], _at(where, "trustee_id")),
        trustee_index=_trustee_index(obj["trustee_index"], _at(where, "trustee_index")),
        commitments=_elements(group, obj["commitments"], _at(where, "commitments"), MAX_TRUSTEES),
        coefficient_proofs=_items(obj["coefficient_proofs"], _at(where, "coefficient_proofs"), MAX_TRUSTEES,
                                  lambda v, w: schnorr_proof_from_json(group, v, w)),
        aux_key=element_from_hex(group, obj["aux_key"], _at(where, "aux_key")),
        aux_key_proof=schnorr_proof_from_json(group, obj["aux_key_proof"], _at(where, "aux_key_proof")))


def reveals_to_json(reveals: Iterable[CommitmentReveal]) -> JsonObject:
    """ceremony/reveals.json: every trustee's round-2 reveal."""
    doc = _header(KIND_REVEALS)
    doc["reveals"] = [commitment_reveal_to_json(r) for r in reveals]
    return doc


def reveals_from_json(group: Group, value: object, where: str = "") -> tuple[CommitmentReveal, ...]:
    obj = _document(value, where, KIND_REVEALS, ("reveals",))
    return _items(obj["reveals"], _at(where, "reveals"), MAX_TRUSTEES,
                  lambda v, w: commitment_reveal_from_json(group, v, w))


def encrypted_share_to_json(s: EncryptedShare) -> JsonObject:
    """One line of ceremony/shares.jsonl."""
    return {"sender_id": s.sender_id, "sender_index": s.sender_index,
            "recipient_id": s.recipient_id, "recipient_index": s.recipient_index,
            "nonce": s.nonce.hex(), "ciphertext": s.ciphertext.hex(), "tag": s.tag.hex()}


def encrypted_share_from_json(group: Group, value: object, where: str = "") -> EncryptedShare:
    """An encrypted share: nonce 12 bytes, ciphertext scalar_size bytes, tag 16 bytes."""
    obj = _object(value, where, ("sender_id", "sender_index", "recipient_id", "recipient_index",
                                 "nonce", "ciphertext", "tag"))
    return EncryptedShare(
        sender_id=_id(obj["sender_id"], _at(where, "sender_id")),
        sender_index=_trustee_index(obj["sender_index"], _at(where, "sender_index")),
        recipient_id=_id(obj["recipient_id"], _at(where, "recipient_id")),
        recipient_index=_trustee_index(obj["recipient_index"], _at(where, "recipient_index")),
        nonce=hex_from_json(obj["nonce"], _at(where, "nonce"), SHARE_NONCE_SIZE),
        ciphertext=hex_from_json(obj["ciphertext"], _at(where, "ciphertext"), group.scalar_size),
        tag=hex_from_json(obj["tag"], _at(where, "tag"), TAG_SIZE))


def complaint_to_json(c: Complaint) -> JsonObject:
    return {"complainer_id": c.complainer_id, "complainer_index": c.complainer_index,
            "accused_id": c.accused_id, "accused_index": c.accused_index,
            "share_hash": c.share_hash.hex(), "dh_value": element_to_hex(c.dh_value),
            "proof": dleq_proof_to_json(c.proof)}


def complaint_from_json(group: Group, value: object, where: str) -> Complaint:
    obj = _object(value, where, ("complainer_id", "complainer_index", "accused_id", "accused_index",
                                 "share_hash", "dh_value", "proof"))
    return Complaint(
        complainer_id=_id(obj["complainer_id"], _at(where, "complainer_id")),
        complainer_index=_trustee_index(obj["complainer_index"], _at(where, "complainer_index")),
        accused_id=_id(obj["accused_id"], _at(where, "accused_id")),
        accused_index=_trustee_index(obj["accused_index"], _at(where, "accused_index")),
        share_hash=hex_from_json(obj["share_hash"], _at(where, "share_hash"), DIGEST_SIZE),
        dh_value=element_from_hex(group, obj["dh_value"], _at(where, "dh_value")),
        proof=dleq_proof_from_json(group, obj["proof"], _at(where, "proof")))


def complaints_to_json(complaints: Iterable[Complaint]) -> JsonObject:
    """ceremony/complaints.json: published complaints (an empty list for a clean ceremony)."""
    doc = _header(KIND_COMPLAINTS)
    doc["complaints"] = [complaint_to_json(c) for c in complaints]
    return doc


def complaints_from_json(group: Group, value: object, where: str = "") -> tuple[Complaint, ...]:
    obj = _document(value, where, KIND_COMPLAINTS, ("complaints",))
    return _items(obj["complaints"], _at(where, "complaints"), MAX_TRUSTEES * MAX_TRUSTEES,
                  lambda v, w: complaint_from_json(group, v, w))


# ====================================================================== context =====
def context_to_json(context: PublishedContext) -> JsonObject:
    """context.json: H_B, H_E, K and {"l": K_l} (keys are the decimal trustee indices)."""
    doc = _header(KIND_CONTEXT)
    doc.update({"base_hash": context.base_hash.hex(), "election_hash": context.election_hash.hex(),
                "joint_key": element_to_hex(context.joint_key),
                "verification_keys": {str(int(i)): element_to_hex(k)
                                      for i, k in sorted(context.verification_keys.items())}})
    return doc


_INDEX_KEY_RE = re.compile(r"[1-9][0-9]{0,3}")


def context_from_json(group: Group, value: object, where: str = "") -> PublishedContext:
    """context.json as published; every key fully validated, nothing recomputed."""
    obj = _document(value, where, KIND_CONTEXT, ("base_hash", "election_hash", "joint_key",
                                                 "verification_keys"))
    vk_where = _at(where, "verification_keys")
    raw = obj["verification_keys"]
    if not isinstance(raw, dict):
        _fail(vk_where, f"expected a JSON object, got {_kind(raw)}")
    if len(raw) > MAX_TRUSTEES:
        _fail(vk_where, f"more than {MAX_TRUSTEES} keys")
    keys: dict[int, Element] = {}
    for k, v in raw.items():
        if _INDEX_KEY_RE.fullmatch(k) is None or not 1 <= int(k) <= MAX_TRUSTEES:
            _fail(_at(vk_where, _show(k)), f"not a trustee index (a decimal integer in [1, {MAX_TRUSTEES}] "
                                           "without leading zeros)")
        keys[int(k)] = element_from_hex(group, v, _at(vk_where, k))
    return PublishedContext(
        base_hash=hex_from_json(obj["base_hash"], _at(where, "base_hash"), BASE_HASH_SIZE),
        election_hash=hex_from_json(obj["election_hash"], _at(where, "election_hash"), HASH_SIZE),
        joint_key=element_from_hex(group, obj["joint_key"], _at(where, "joint_key")),
        verification_keys=dict(sorted(keys.items())))


# ====================================================================== devices =====
def device_registration_to_json(r: DeviceRegistration) -> JsonObject:
    return {"device_id": r.device_id, "public_key": r.public_key.hex()}


def device_registration_from_json(group: Group | None, value: object, where: str) -> DeviceRegistration:
    """A registration: id and raw 32-byte Ed25519 key (validated as a point, not small order)."""
    obj = _object(value, where, ("device_id", "public_key"))
    did = _id(obj["device_id"], _at(where, "device_id"))
    key = hex_from_json(obj["public_key"], _at(where, "public_key"), PUBLIC_KEY_SIZE)
    return _build(_at(where, "public_key"), lambda: DeviceRegistration(did, key))


def closing_entry_to_json(c: ClosingEntry) -> JsonObject:
    return {"device_id": c.device_id, "last_code": c.last_code.hex(), "ballot_count": c.ballot_count,
            "challenged_positions": list(c.challenged_positions), "signature": c.signature.hex()}


def closing_entry_from_json(group: Group | None, value: object, where: str) -> ClosingEntry:
    obj = _object(value, where, ("device_id", "last_code", "ballot_count", "challenged_positions", "signature"))
    did = _id(obj["device_id"], _at(where, "device_id"))
    code = hex_from_json(obj["last_code"], _at(where, "last_code"), CODE_SIZE)
    count = _int(obj["ballot_count"], _at(where, "ballot_count"), 0, MAX_BALLOTS_PER_DEVICE)
    positions = _items(obj["challenged_positions"], _at(where, "challenged_positions"), MAX_BALLOTS_PER_DEVICE,
                       lambda v, w: _int(v, w, 1, MAX_BALLOTS_PER_DEVICE))
    signature = hex_from_json(obj["signature"], _at(where, "signature"), SIGNATURE_SIZE)
    return _build(where, lambda: ClosingEntry(did, code, count, signature, positions))


MAX_DEVICES = 100_000
"""Most registrations (and closing entries) in devices.json."""


def devices_to_json(closings: Iterable[ClosingEntry]) -> JsonObject:
    """devices.json of record format 2: the closing entries, in the order given (the
    registrations are in setup.json, docs/record-format.md §5.10)."""
    doc = _header(KIND_DEVICES)
    doc["closings"] = [closing_entry_to_json(c) for c in closings]
    return doc


def devices_from_json(group: Group | None, value: object, where: str = "") -> DevicesRecord:
    """devices.json: format 2 holds the closing entries only (``registrations`` is then
    empty: they come from setup.json); format 1 also the self-asserted registrations."""
    header = _check_header(value, where, KIND_DEVICES)
    legacy = header["version"] == LEGACY_FORMAT_VERSION
    obj = _document(value, where, KIND_DEVICES, ("registrations", "closings") if legacy else ("closings",))
    registrations: tuple[DeviceRegistration, ...] = ()
    if legacy:
        registrations = _items(obj["registrations"], _at(where, "registrations"), MAX_DEVICES,
                               lambda v, w: device_registration_from_json(group, v, w))
    return DevicesRecord(
        registrations=registrations,
        closings=_items(obj["closings"], _at(where, "closings"), MAX_DEVICES,
                        lambda v, w: closing_entry_from_json(group, v, w)))


# ====================================================================== ballots =====
def encrypted_ballot_to_json(b: EncryptedBallot) -> JsonObject:
    """A ballot: ids, previous and confirmation codes, signature, contests in manifest order."""
    return {
        "ballot_id": b.ballot_id,
        "device_id": b.device_id,
        "previous_code": b.previous_code.hex(),
        "confirmation_code": b.confirmation_code.hex(),
        "signature": b.signature.hex(),
        "contests": [_encrypted_contest_to_json(c) for c in b.contests],
    }


def _encrypted_contest_to_json(c: EncryptedContest) -> JsonObject:
    """A contest of a ballot; ``write_in`` only for a contest that takes write-ins."""
    obj: JsonObject = {
        "contest_id": c.contest_id,
        "options": [{"option_id": o.option_id, "ciphertext": ciphertext_to_json(o.ciphertext),
                     "proof": range_proof_to_json(o.proof)} for o in c.options],
        "sum_proof": range_proof_to_json(c.sum_proof),
    }
    if c.write_in is not None:
        obj["write_in"] = {"ciphertexts": [ciphertext_to_json(ct) for ct in c.write_in.ciphertexts],
                           "proof": nonce_proof_to_json(c.write_in.proof)}
    return obj


def nonce_proof_to_json(proof: NonceProof) -> JsonObject:
    """{"commitments": [a_j], "responses": [v_j]}."""
    return {"commitments": [element_to_hex(a) for a in proof.commitments],
            "responses": [scalar_to_hex(v) for v in proof.responses]}


def nonce_proof_from_json(group: Group, value: object, where: str, max_width: int = MAX_WRITE_IN_ELEMENTS
                          ) -> NonceProof:
    """A proof of knowledge of nonces: 1 … ``max_width`` commitments (Σ-commitments, checked
    for encoding and range, not for subgroup membership) and as many responses below q."""
    obj = _object(value, where, ("commitments", "responses"))
    commitments = _items(obj["commitments"], _at(where, "commitments"), max_width,
                         lambda v, w: element_from_hex(group, v, w, subgroup_check=False), min_length=1)
    responses = _items(obj["responses"], _at(where, "responses"), max_width,
                       lambda v, w: scalar_from_hex(group, v, w), min_length=1)
    return NonceProof(commitments, responses)


def _write_in_from_json(group: Group, value: object, where: str,
                        unchecked: list[Element] | None = None) -> EncryptedWriteIn:
    obj = _object(value, where, ("ciphertexts", "proof"))
    cts = _items(obj["ciphertexts"], _at(where, "ciphertexts"), MAX_WRITE_IN_ELEMENTS,
                 lambda v, w: ciphertext_from_json(group, v, w, unchecked), min_length=1)
    proof = nonce_proof_from_json(group, obj["proof"], _at(where, "proof"))
    return _build(where, lambda: EncryptedWriteIn(cts, proof))


def _encrypted_option_from_json(group: Group, value: object, where: str,
                                unchecked: list[Element] | None = None) -> EncryptedOption:
    obj = _object(value, where, ("option_id", "ciphertext", "proof"))
    oid = _id(obj["option_id"], _at(where, "option_id"))
    ct = ciphertext_from_json(group, obj["ciphertext"], _at(where, "ciphertext"), unchecked)
    proof = range_proof_from_json(group, obj["proof"], _at(where, "proof"))
    return _build(where, lambda: EncryptedOption(oid, ct, proof))


def _encrypted_contest_from_json(group: Group, value: object, where: str,
                                 unchecked: list[Element] | None = None) -> EncryptedContest:
    keys = ("contest_id", "options", "sum_proof")
    obj = _object(value, where, keys + (("write_in",) if isinstance(value, dict) and "write_in" in value else ()))
    cid = _id(obj["contest_id"], _at(where, "contest_id"))
    options = _items(obj["options"], _at(where, "options"), MAX_OPTIONS,
                     lambda v, w: _encrypted_option_from_json(group, v, w, unchecked))
    sum_proof = range_proof_from_json(group, obj["sum_proof"], _at(where, "sum_proof"))
    write_in = (_write_in_from_json(group, obj["write_in"], _at(where, "write_in"), unchecked)
                if "write_in" in obj else None)
    return _build(where, lambda: EncryptedContest(cid, options, sum_proof, write_in))


def encrypted_ballot_from_json(group: Group, value: object, where: str,
                               unchecked: list[Element] | None = None) -> EncryptedBallot:
    """A ballot; ciphertexts fully validated (or deferred into ``unchecked``, see
    ciphertext_from_json), proof commitments range-checked (A7)."""
    obj = _object(value, where, ("ballot_id", "device_id", "previous_code", "confirmation_code",
                                 "signature", "contests"))
    bid = _id(obj["ballot_id"], _at(where, "ballot_id"))
    did = _id(obj["device_id"], _at(where, "device_id"))
    previous = hex_from_json(obj["previous_code"], _at(where, "previous_code"), CODE_SIZE)
    code = hex_from_json(obj["confirmation_code"], _at(where, "confirmation_code"), CODE_SIZE)
    signature = hex_from_json(obj["signature"], _at(where, "signature"), SIGNATURE_SIZE)
    contests = _items(obj["contests"], _at(where, "contests"), MAX_CONTESTS,
                      lambda v, w: _encrypted_contest_from_json(group, v, w, unchecked))
    return _build(where, lambda: EncryptedBallot(bid, did, contests, previous, code, signature))


def revealed_contests_to_json(contests: Iterable[RevealedContest]) -> list[JsonObject]:
    """The reveal of a challenged ballot: per contest, every option's value and nonce, and
    for a contest with write-ins the name and its nonces."""
    out: list[JsonObject] = []
    for c in contests:
        obj: JsonObject = {"contest_id": c.contest_id,
                           "options": [{"option_id": o.option_id, "value": o.value, "nonce": scalar_to_hex(o.nonce)}
                                       for o in c.options]}
        if c.write_in is not None:
            obj["write_in"] = c.write_in
            obj["write_in_nonces"] = [scalar_to_hex(n) for n in c.write_in_nonces]
        out.append(obj)
    return out


def _revealed_option_from_json(group: Group, value: object, where: str) -> RevealedOption:
    obj = _object(value, where, ("option_id", "value", "nonce"))
    return RevealedOption(option_id=_id(obj["option_id"], _at(where, "option_id")),
                          value=_int(obj["value"], _at(where, "value"), 0, 2**32 - 1),
                          nonce=scalar_from_hex(group, obj["nonce"], _at(where, "nonce")))


def _revealed_contest_from_json(group: Group, value: object, where: str) -> RevealedContest:
    with_write_in = isinstance(value, dict) and ("write_in" in value or "write_in_nonces" in value)
    obj = _object(value, where, ("contest_id", "options") + (("write_in", "write_in_nonces") if with_write_in else ()))
    contest = RevealedContest(contest_id=_id(obj["contest_id"], _at(where, "contest_id")),
                              options=_items(obj["options"], _at(where, "options"), MAX_OPTIONS,
                                             lambda v, w: _revealed_option_from_json(group, v, w)))
    if not with_write_in:
        return contest
    name = obj["write_in"]
    if name != "":
        name = _text(name, _at(where, "write_in"), MAX_WRITE_IN_CHARS)
    nonces = _items(obj["write_in_nonces"], _at(where, "write_in_nonces"), MAX_WRITE_IN_ELEMENTS,
                    lambda v, w: scalar_from_hex(group, v, w), min_length=1)
    return RevealedContest(contest.contest_id, contest.options, name, nonces)


def revealed_contests_from_json(group: Group, value: object, where: str) -> tuple[RevealedContest, ...]:
    return _items(value, where, MAX_CONTESTS, lambda v, w: _revealed_contest_from_json(group, v, w))


def ballot_line_to_json(entry: EncryptedBallot | ChallengedBallot) -> JsonObject:
    """One line of a ballot file: {"status": "cast", "ballot"} or
    {"status": "challenged", "ballot", "reveal"}."""
    if isinstance(entry, ChallengedBallot):
        return {"status": "challenged", "ballot": encrypted_ballot_to_json(entry.ballot),
                "reveal": revealed_contests_to_json(entry.contests)}
    if isinstance(entry, EncryptedBallot):
        return {"status": "cast", "ballot": encrypted_ballot_to_json(entry)}
    raise TypeError(f"expected an EncryptedBallot or a ChallengedBallot, got {type(entry).__name__}")


def ballot_line_from_json(group: Group, value: object, where: str = "",
                          unchecked: list[Element] | None = None) -> EncryptedBallot | ChallengedBallot:
    """One parsed line of a ballot file: an EncryptedBallot for a cast ballot, a
    ChallengedBallot (the ballot and its reveal) for a challenged one.  ``unchecked``:
    defer the ciphertexts' subgroup check (ciphertext_from_json)."""
    if not isinstance(value, dict):
        _fail(where, f"expected a JSON object, got {_kind(value)}")
    status = value.get("status")
    if status == "cast":
        obj = _object(value, where, ("status", "ballot"))
        return encrypted_ballot_from_json(group, obj["ballot"], _at(where, "ballot"), unchecked)
    if status == "challenged":
        obj = _object(value, where, ("status", "ballot", "reveal"))
        ballot = encrypted_ballot_from_json(group, obj["ballot"], _at(where, "ballot"), unchecked)
        reveal = revealed_contests_from_json(group, obj["reveal"], _at(where, "reveal"))
        return ChallengedBallot(ballot, reveal)
    if "status" not in value:
        _fail(_at(where, "status"), "missing key")
    _fail(_at(where, "status"), f"expected 'cast' or 'challenged', got {_show(status)}")


# ====================================================================== tally =======
def encrypted_tally_to_json(tally: EncryptedTally) -> JsonObject:
    """tally/encrypted_tally.json: ballot count and every (contest, option) ciphertext."""
    doc = _header(KIND_ENCRYPTED_TALLY)
    doc.update({"ballot_count": tally.ballot_count,
                "contests": [{"contest_id": c.contest_id,
                              "options": [{"option_id": o.option_id,
                                           "ciphertext": ciphertext_to_json(o.ciphertext)}
                                          for o in c.options]} for c in tally.contests]})
    return doc


def _option_tally_from_json(group: Group, value: object, where: str) -> OptionTally:
    obj = _object(value, where, ("option_id", "ciphertext"))
    return OptionTally(_id(obj["option_id"], _at(where, "option_id")),
                       ciphertext_from_json(group, obj["ciphertext"], _at(where, "ciphertext")))


def _contest_tally_from_json(group: Group, value: object, where: str) -> ContestTally:
    obj = _object(value, where, ("contest_id", "options"))
    return ContestTally(_id(obj["contest_id"], _at(where, "contest_id")),
                        _items(obj["options"], _at(where, "options"), MAX_OPTIONS,
                               lambda v, w: _option_tally_from_json(group, v, w)))


def encrypted_tally_from_json(group: Group, value: object, where: str = "") -> EncryptedTally:
    obj = _document(value, where, KIND_ENCRYPTED_TALLY, ("ballot_count", "contests"))
    return EncryptedTally(_int(obj["ballot_count"], _at(where, "ballot_count"), 0, MAX_JSON_INT),
                          _items(obj["contests"], _at(where, "contests"), MAX_CONTESTS,
                                 lambda v, w: _contest_tally_from_json(group, v, w)))


def trustee_tally_share_to_json(share: TrusteeTallyShare) -> JsonObject:
    """tally/shares/<trustee id>.json: partial decryptions and proofs, in tally order."""
    doc = _header(KIND_TALLY_SHARES)
    doc.update({"trustee_id": share.trustee_id, "trustee_index": share.trustee_index,
                "partials": [element_to_hex(m) for m in share.partials],
                "proofs": [dleq_proof_to_json(p) for p in share.proofs]})
    return doc


def trustee_tally_share_from_json(group: Group, value: object, where: str = "") -> TrusteeTallyShare:
    """Partial decryptions fully validated; proof commitments a, b range-checked."""
    obj = _document(value, where, KIND_TALLY_SHARES, ("trustee_id", "trustee_index", "partials", "proofs"))
    return TrusteeTallyShare(
        trustee_id=_id(obj["trustee_id"], _at(where, "trustee_id")),
        trustee_index=_trustee_index(obj["trustee_index"], _at(where, "trustee_index")),
        partials=_elements(group, obj["partials"], _at(where, "partials"), MAX_TALLY_ENTRIES),
        proofs=_items(obj["proofs"], _at(where, "proofs"), MAX_TALLY_ENTRIES,
                      lambda v, w: dleq_proof_from_json(group, v, w)))


def published_result(result: TallyResult, absent: Sequence[str]) -> PublishedResult:
    """What tally/result.json publishes of a TallyResult: counts, trustees used, absent ids."""
    return PublishedResult(ballot_count=result.ballot_count,
                           counts={(r.contest_id, r.option_id): r.count for r in result.results},
                           used_trustees=tuple(int(i) for i in result.used_trustees),
                           absent=tuple(absent))


def result_to_json(result: PublishedResult) -> JsonObject:
    """tally/result.json: ballot count, counts per contest and option (contests in the order
    of the counts), the trustees whose shares were combined and the absent ones."""
    contests: list[JsonObject] = []
    for (cid, oid), count in result.counts.items():
        if not contests or contests[-1]["contest_id"] != cid:
            contests.append({"contest_id": cid, "options": []})
        contests[-1]["options"].append({"option_id": oid, "count": count})
    doc = _header(KIND_RESULT)
    doc.update({"ballot_count": result.ballot_count, "contests": contests,
                "used_trustees": list(result.used_trustees), "absent": list(result.absent)})
    return doc


def result_from_json(group: Group | None, value: object, where: str = "") -> PublishedResult:
    obj = _document(value, where, KIND_RESULT, ("ballot_count", "contests", "used_trustees", "absent"))
    counts: dict[tuple[str, str], int] = {}
    cwhere = _at(where, "contests")
    for ci, contest in enumerate(_list(obj["contests"], cwhere, MAX_CONTESTS)):
        cw = _item(cwhere, ci)
        cobj = _object(contest, cw, ("contest_id", "options"))
        cid = _id(cobj["contest_id"], _at(cw, "contest_id"))
        if any(k[0] == cid for k in counts):
            _fail(_at(cw, "contest_id"), f"contest {cid} listed twice")
        owhere = _at(cw, "options")
        for oi, option in enumerate(_list(cobj["options"], owhere, MAX_OPTIONS)):
            ow = _item(owhere, oi)
            oobj = _object(option, ow, ("option_id", "count"))
            oid = _id(oobj["option_id"], _at(ow, "option_id"))
            if (cid, oid) in counts:
                _fail(_at(ow, "option_id"), f"option {oid} listed twice")
            counts[(cid, oid)] = _int(oobj["count"], _at(ow, "count"), 0, MAX_JSON_INT)
    return PublishedResult(
        ballot_count=_int(obj["ballot_count"], _at(where, "ballot_count"), 0, MAX_JSON_INT),
        counts=counts,
        used_trustees=_items(obj["used_trustees"], _at(where, "used_trustees"), MAX_TRUSTEES, _trustee_index),
        absent=_items(obj["absent"], _at(where, "absent"), MAX_TRUSTEES, _id))


# ====================================================================== index =======
def index_to_json(entries: Iterable[IndexEntry]) -> JsonObject:
    """index.json: every other file of the record with its SHA-256 and size, sorted by path."""
    doc = _header(KIND_INDEX)
    doc["files"] = [{"path": e.path, "sha256": e.sha256, "size": e.size}
                    for e in sorted(entries, key=lambda e: e.path)]
    return doc


def index_from_json(value: object, where: str = "") -> tuple[IndexEntry, ...]:
    """The index entries: safe relative paths, strictly increasing (sorted, unique)."""
    obj = _document(value, where, KIND_INDEX, ("files",))
    fwhere = _at(where, "files")
    out: list[IndexEntry] = []
    for i, item in enumerate(_list(obj["files"], fwhere, MAX_INDEX_FILES)):
        w = _item(fwhere, i)
        e = _object(item, w, ("path", "sha256", "size"))
        try:
            path = check_relative_path(e["path"])
        except MalformedRecord as exc:
            _fail(_at(w, "path"), str(exc))
        if out and path <= out[-1].path:
            _fail(_at(w, "path"), f"{_show(path)} is not after {_show(out[-1].path)} "
                                  "(paths must be unique and sorted)")
        sha = hex_from_json(e["sha256"], _at(w, "sha256"), 32).hex()
        out.append(IndexEntry(path, sha, _int(e["size"], _at(w, "size"), 0, MAX_JSON_INT)))
    return tuple(out)


__all__ = [
    "DERIVATIONS",
    "MAX_JSON_INT",
    "BallotLine",
    "BallotStatus",
    "CeremonyRecord",
    "DevicesRecord",
    "IndexEntry",
    "JsonObject",
    "PublishedContext",
    "PublishedResult",
    "ballot_line_from_json",
    "ballot_line_to_json",
    "ceremony_from_json",
    "ceremony_to_json",
    "check_depth",
    "ciphertext_from_json",
    "ciphertext_to_json",
    "closing_entry_from_json",
    "closing_entry_to_json",
    "commitment_digest_from_json",
    "commitment_digest_to_json",
    "commitment_reveal_from_json",
    "commitment_reveal_to_json",
    "complaint_from_json",
    "complaint_to_json",
    "complaints_from_json",
    "complaints_to_json",
    "context_from_json",
    "context_to_json",
    "derivation_from_json",
    "derivation_to_json",
    "device_registration_from_json",
    "device_registration_to_json",
    "devices_from_json",
    "devices_to_json",
    "digests_from_json",
    "digests_to_json",
    "dleq_proof_from_json",
    "dleq_proof_to_json",
    "dumps_canonical",
    "element_from_hex",
    "element_to_hex",
    "encrypted_ballot_from_json",
    "encrypted_ballot_to_json",
    "encrypted_share_from_json",
    "encrypted_share_to_json",
    "encrypted_tally_from_json",
    "encrypted_tally_to_json",
    "hex_from_json",
    "index_from_json",
    "index_to_json",
    "manifest_from_json",
    "manifest_to_json",
    "parameters_from_json",
    "parameters_to_json",
    "parse_json",
    "published_result",
    "range_proof_from_json",
    "range_proof_to_json",
    "result_from_json",
    "result_to_json",
    "revealed_contests_from_json",
    "revealed_contests_to_json",
    "reveals_from_json",
    "reveals_to_json",
    "scalar_from_hex",
    "scalar_to_hex",
    "schnorr_proof_from_json",
    "schnorr_proof_to_json",
    "trustee_tally_share_from_json",
    "trustee_tally_share_to_json",
    "unhashed_manifest_from_json",
]
