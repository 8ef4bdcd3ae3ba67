"""The election record v1: on-disk layout, strict JSON codec, atomic writer, streaming reader.

docs/record-format.md specifies the format (every file, field, encoding, hash input and
domain tag); this package implements it:

- :mod:`pilwu_crypto.record.layout` — file names, document kinds, limits, path rules;
- :mod:`pilwu_crypto.record.codec` — pure JSON value <-> object functions, strict parsing;
- :mod:`pilwu_crypto.record.io` — :class:`RecordWriter` (atomic files, index last) and
  :class:`RecordReader` (hash-checked, streaming, never lets a non-PilwuError escape).

It is the only layer below the verifier that imports ``json`` or touches files.
"""

from pilwu_crypto.record.codec import (
    BallotLine,
    BallotStatus,
    CeremonyRecord,
    DevicesRecord,
    IndexEntry,
    PublishedContext,
    PublishedResult,
)
from pilwu_crypto.record.io import (
    BallotStream,
    RecordExists,
    RecordReader,
    RecordWriteError,
    RecordWriter,
    write_simulated_election,
)
from pilwu_crypto.record.layout import FORMAT_VERSION

__all__ = [
    "FORMAT_VERSION",
    "BallotLine",
    "BallotStatus",
    "BallotStream",
    "CeremonyRecord",
    "DevicesRecord",
    "IndexEntry",
    "PublishedContext",
    "PublishedResult",
    "RecordExists",
    "RecordReader",
    "RecordWriteError",
    "RecordWriter",
    "write_simulated_election",
]
