"""The election manifest: contests, options and limits.  No cryptography here.

A kuwu election has one contest (the village head) with a few candidates and a
selection limit of 1; the model is general: an election has contests, a contest has
options, a selection limit (vote for up to k options) and an option limit (the most
votes one option may receive from one ballot: 1, or more for cumulative voting).  A
contest may also take a *write-in* name, carried on every ballot as
``write_in_elements`` encrypted group elements (only the elliptic-curve groups can
carry text, election/plaintext.py) and counted only through the mix-net.

A manifest of record format 2 also says where and when the election is held and how many
people are on the voter register: ``village``, ``district`` (kecamatan), ``regency``
(kabupaten), ``date`` (polling day, ISO 8601 ``YYYY-MM-DD``) and ``registered_voters``.
They are informational (nothing is counted against them) but bound by the manifest hash.
A manifest without them (all None) is one of record format 1, read only inside a format-1
record; a manifest has all five or none.

Everything is validated on construction, with errors naming the offending item.  The
manifest's hash is defined on canonical bytes (docs/record-format.md §5.3), never on JSON.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from pilwu_crypto.algebra.domains import DST_MANIFEST, DST_MANIFEST_V2
from pilwu_crypto.algebra.hashing import tagged_hash, text, u32
from pilwu_crypto.election.text import escape_character, first_unsafe
from pilwu_crypto.errors import InvalidManifest

ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
"""Identifiers: 1–64 characters, letters, digits, '.', '_', '-', starting alphanumeric."""
MAX_NAME_LENGTH = 256
MAX_OPTIONS = 64
MAX_CONTESTS = 64
MAX_LIMIT = 64
MAX_WRITE_IN_ELEMENTS = 8
"""Most group elements one write-in name may span (8 x 28 = 224 bytes on P-256)."""
WRITE_IN_MARKER = b"write-in"
"""Prefix of a contest's write-in part in the canonical bytes (see Manifest.canonical_bytes)."""
MAX_REGISTERED_VOTERS = 2**32 - 1
"""Largest number of registered voters (it is encoded as a u32)."""
DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
"""The polling date: ISO 8601 calendar date, extended form, ASCII digits (YYYY-MM-DD)."""
PLACE_FIELDS = ("village", "district", "regency", "date", "registered_voters")
"""The manifest fields of record format 2 that format 1 lacks (docs/record-format.md §9)."""


def check_id(value: object, what: str) -> str:
    """Return ``value`` if it is a valid identifier, else raise InvalidManifest naming it."""
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        raise InvalidManifest(f"{what}: {value!r} is not a valid identifier (1-64 of A-Z a-z 0-9 . _ -)")
    return value


def _check_name(value: object, what: str) -> str:
    """A name people read (election, contest, option): non-empty text of at most
    MAX_NAME_LENGTH characters, without control or bidirectional characters (election/text.py),
    which could make a terminal show something else than the record holds."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME_LENGTH:
        raise InvalidManifest(f"{what}: name must be non-empty text of at most {MAX_NAME_LENGTH} characters")
    at = first_unsafe(value)
    if at is not None:
        raise InvalidManifest(f"{what}: name has the control or bidirectional character "
                              f"{escape_character(value[at])} at position {at + 1}; names must be plain text")
    return value


@dataclass(frozen=True)
class Option:
    """A candidate (or other choice) in a contest."""

    option_id: str
    name: str

    def __post_init__(self) -> None:
        check_id(self.option_id, "option id")
        _check_name(self.name, f"option {self.option_id}")


@dataclass(frozen=True)
class Contest:
    """One race: vote for up to ``selection_limit`` options, at most ``option_limit`` each."""

    contest_id: str
    name: str
    options: tuple[Option, ...]
    selection_limit: int = 1
    option_limit: int = 1
    write_in_elements: int = 0
    """Group elements of the write-in name every ballot carries for this contest (0: none)."""

    def __post_init__(self) -> None:
        cid = check_id(self.contest_id, "contest id")
        _check_name(self.name, f"contest {cid}")
        if not isinstance(self.options, tuple) or not self.options:
            raise InvalidManifest(f"contest {cid}: has no options")
        if len(self.options) > MAX_OPTIONS:
            raise InvalidManifest(f"contest {cid}: more than {MAX_OPTIONS} options")
        seen: set[str] = set()
        for o in self.options:
            if not isinstance(o, Option):
                raise InvalidManifest(f"contest {cid}: option of wrong type")
            if o.option_id in seen:
                raise InvalidManifest(f"contest {cid}: duplicate option id {o.option_id!r}")
            seen.add(o.option_id)
        for label, v in (("selection_limit", self.selection_limit), ("option_limit", self.option_limit)):
            if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= MAX_LIMIT:
                raise InvalidManifest(f"contest {cid}: {label} {v!r} not in [1, {MAX_LIMIT}]")
        if self.option_limit > self.selection_limit:
            raise InvalidManifest(f"contest {cid}: option_limit {self.option_limit} exceeds "
                                  f"selection_limit {self.selection_limit}")
        if self.selection_limit > len(self.options) * self.option_limit:
            raise InvalidManifest(f"contest {cid}: selection_limit {self.selection_limit} exceeds what "
                                  f"{len(self.options)} options can receive")
        w = self.write_in_elements
        if not isinstance(w, int) or isinstance(w, bool) or not 0 <= w <= MAX_WRITE_IN_ELEMENTS:
            raise InvalidManifest(f"contest {cid}: write_in_elements {w!r} not in [0, {MAX_WRITE_IN_ELEMENTS}]")

    def option_index(self, option_id: str) -> int:
        for i, o in enumerate(self.options):
            if o.option_id == option_id:
                return i
        raise InvalidManifest(f"contest {self.contest_id}: no option {option_id!r}")


def check_date(value: object, what: str) -> str:
    """``value`` if it is a real calendar date written YYYY-MM-DD, else InvalidManifest."""
    if not isinstance(value, str) or not DATE_PATTERN.fullmatch(value):
        raise InvalidManifest(f"{what}: {str(value)[:40]!r} is not a date written YYYY-MM-DD")
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        raise InvalidManifest(f"{what}: {value!r} is not a date of the calendar") from None
    return value


@dataclass(frozen=True)
class Manifest:
    """An election: an id, a name and its contests (a kuwu election has one); in record
    format 2 also its place, polling date and number of registered voters."""

    election_id: str
    name: str
    contests: tuple[Contest, ...]
    village: str | None = None
    """The village (desa) that elects its head."""
    district: str | None = None
    """The village's district (kecamatan)."""
    regency: str | None = None
    """The village's regency (kabupaten), e.g. "Cirebon"."""
    date: str | None = None
    """Polling day, ISO 8601 calendar date YYYY-MM-DD."""
    registered_voters: int | None = None
    """Number of people on the voter register (informational; bound by the hash)."""

    def __post_init__(self) -> None:
        eid = check_id(self.election_id, "election id")
        _check_name(self.name, f"election {eid}")
        self._check_place(eid)
        if not isinstance(self.contests, tuple) or not self.contests:
            raise InvalidManifest(f"election {eid}: has no contests")
        if len(self.contests) > MAX_CONTESTS:
            raise InvalidManifest(f"election {eid}: more than {MAX_CONTESTS} contests")
        seen: set[str] = set()
        for c in self.contests:
            if not isinstance(c, Contest):
                raise InvalidManifest(f"election {eid}: contest of wrong type")
            if c.contest_id in seen:
                raise InvalidManifest(f"election {eid}: duplicate contest id {c.contest_id!r}")
            seen.add(c.contest_id)

    def _check_place(self, eid: str) -> None:
        """All five place fields or none (record-format.md §5.3, §9)."""
        given = [f for f in PLACE_FIELDS if getattr(self, f) is not None]
        if not given:
            return
        if len(given) != len(PLACE_FIELDS):
            missing = ", ".join(f for f in PLACE_FIELDS if f not in given)
            raise InvalidManifest(f"election {eid}: missing {missing} (a manifest has all of "
                                  f"{', '.join(PLACE_FIELDS)} or none)")
        _check_name(self.village, f"election {eid}: village")
        _check_name(self.district, f"election {eid}: district")
        _check_name(self.regency, f"election {eid}: regency")
        check_date(self.date, f"election {eid}: date")
        v = self.registered_voters
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= MAX_REGISTERED_VOTERS:
            raise InvalidManifest(f"election {eid}: registered_voters {v!r} not an integer in "
                                  f"[0, {MAX_REGISTERED_VOTERS}]")

    @property
    def format_version(self) -> int:
        """2 when the manifest has its place fields, 1 when it has none (format 1)."""
        return 1 if self.village is None else 2

    def contest(self, contest_id: str) -> Contest:
        for c in self.contests:
            if c.contest_id == contest_id:
                return c
        raise InvalidManifest(f"election {self.election_id}: no contest {contest_id!r}")

    def canonical_bytes(self) -> bytes:
        """Length-prefixed encoding of every field, in order (docs/record-format.md §5.3).

        Format 2 puts the place fields after the name: village, district, regency, date,
        u32(registered_voters); format 1 has none.  A contest with write-ins adds one part
        after its options, WRITE_IN_MARKER || u32(write_in_elements); a contest without adds
        nothing, so manifests without write-ins keep their hash.  The part contains zero
        bytes, which no identifier (the next contest's first part) can, so the encoding
        stays injective.
        """
        parts: list[bytes] = [text(self.election_id), text(self.name)]
        if self.format_version == 2:  # docs/record-format.md §5.3
            assert self.village is not None and self.district is not None and self.regency is not None
            assert self.date is not None and self.registered_voters is not None
            parts += [text(self.village), text(self.district), text(self.regency), text(self.date),
                      u32(self.registered_voters)]
        parts.append(u32(len(self.contests)))
        for c in self.contests:
            parts += [text(c.contest_id), text(c.name), u32(c.selection_limit), u32(c.option_limit),
                      u32(len(c.options))]
            for o in c.options:
                parts += [text(o.option_id), text(o.name)]
            if c.write_in_elements:
                parts.append(WRITE_IN_MARKER + u32(c.write_in_elements))
        return b"".join(len(p).to_bytes(4, "big") + p for p in parts)

    def hash(self) -> bytes:
        """H(manifest) = tagged_hash(DST_MANIFEST_V2, canonical_bytes), DST_MANIFEST for a
        manifest of format 1 (docs/record-format.md §5.3, §9)."""
        dst = DST_MANIFEST_V2 if self.format_version == 2 else DST_MANIFEST
        return tagged_hash(dst, [self.canonical_bytes()])
