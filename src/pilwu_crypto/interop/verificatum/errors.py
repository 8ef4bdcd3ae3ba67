"""Errors of the Verificatum verifier: the project's own types, named for this reader.

Every failure while reading or checking a Verificatum transcript is one of these (all
:class:`~pilwu_crypto.errors.PilwuError`), so callers and the command line never see
anything else.
"""

from __future__ import annotations

from pilwu_crypto.errors import MalformedRecord, RecordUnreadable


class VmnFormatError(MalformedRecord):
    """A byte tree, file or field of a Verificatum transcript that does not parse (names it)."""


class ProtInfoError(RecordUnreadable):
    """The protocol-info file cannot be read: not well-formed, unsafe XML, missing or malformed
    fields.  Nothing can be verified without it (the command line exits 2 on it)."""


__all__ = ["ProtInfoError", "VmnFormatError"]
