"""The pilwu_crypto exception hierarchy.

Every error the library raises on bad input descends from :class:`PilwuError`, and its
message names the offending item (which element, which proof equation, which ballot),
so that the command line can print one clear line and an auditor knows what failed.
This module imports nothing from the package.
"""

from __future__ import annotations


class PilwuError(Exception):
    """Base class of every error raised by pilwu_crypto on bad input or failed checks."""


class InvalidParameters(PilwuError):
    """A group or parameter set is unknown, malformed, or fails its derivation checks."""


class TestGroupRefused(InvalidParameters):
    """A test-only group was used where real use was requested without ``allow_test=True``."""

    __test__ = False  # not a pytest test class


class EncodingError(PilwuError):
    """Bytes or hex that are not the one canonical encoding of a value (wrong length, non-canonical)."""


class NotInGroup(EncodingError):
    """A value that is not an element of the prime-order group (range, subgroup or curve check)."""


class OutOfRange(EncodingError):
    """An integer (scalar, count, index) outside its allowed range."""


class InvalidProof(PilwuError):
    """A zero-knowledge proof whose verification equation or challenge does not hold."""


class DecryptionError(PilwuError):
    """Decryption cannot produce a value, e.g. a discrete log beyond its explicit bound."""


class NotEnoughShares(DecryptionError):
    """Fewer valid decryption shares than the threshold (names who is missing)."""


class InvalidManifest(PilwuError):
    """An election manifest that breaks its rules (empty contest, duplicate id, bad limit)."""


class InvalidBallot(PilwuError):
    """A ballot that cannot be encrypted or accepted (over-vote, unknown option, bad signature)."""


class CeremonyError(PilwuError):
    """A key-ceremony message that is malformed, out of order or inconsistent (names the trustee)."""


class MalformedRecord(PilwuError):
    """An election-record file or field that cannot be parsed (names file, line and field)."""


class SealedStateError(CeremonyError):
    """A trustee's secret state that cannot be unsealed or parsed: wrong passphrase, a
    modified or truncated blob, an unknown version (never says which secret it held)."""


class RecordUnreadable(MalformedRecord):
    """An election record that cannot be read at all: its root directory, its index.json or
    its parameters.json is missing, unparsable, unsafe (a path escaping the root) or names
    a parameter set that is not the registered one.  Nothing else in the record can be
    trusted or even decoded without these, so the command line exits 2 on it (and 1 on any
    other MalformedRecord)."""


class FormatRefused(RecordUnreadable):
    """A record of format version 1, which binds no election setup, read without the
    caller's explicit acceptance (docs/record-format.md §9): nothing was verified."""


class CopyUnreadable(RecordUnreadable):
    """The auditor's own copy of a record cannot be read: a file or directory that exists
    gives a permission or I/O error.  That is no fault of the record and no verdict on
    it: nothing was verified (the command line exits 2).  ``path`` is the local path that
    failed, ``reason`` the operating system's error."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot read {path} (your copy): {reason}")
        self.path = path
        self.reason = reason

    def __reduce__(self) -> tuple[type[CopyUnreadable], tuple[str, str]]:
        return CopyUnreadable, (self.path, self.reason)


class UnsupportedEncoding(InvalidParameters):
    """A plaintext encoding the group does not have: write-in text (byte strings) needs an
    elliptic-curve group, since an integer subgroup with a 256-bit q has no injective
    encoding of byte strings; the message names the groups that support it."""


__all__ = [
    "CeremonyError",
    "CopyUnreadable",
    "DecryptionError",
    "EncodingError",
    "InvalidBallot",
    "InvalidManifest",
    "InvalidParameters",
    "InvalidProof",
    "MalformedRecord",
    "NotEnoughShares",
    "NotInGroup",
    "OutOfRange",
    "PilwuError",
    "RecordUnreadable",
    "SealedStateError",
    "TestGroupRefused",
    "UnsupportedEncoding",
]
