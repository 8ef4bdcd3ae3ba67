"""Fiat–Shamir transcript: labelled, length-prefixed, domain-separated (docs/transcript.md).

The caller creates a transcript with a domain label, the group and a context hash (e.g.
the election hash H_E); those are absorbed first, so every challenge hashes the
parameter set and the context before any statement.  Proofs then append their own
versioned tag, the whole statement and their commitments, and draw challenges.

Encoding (docs/transcript.md): the state is SHA-256 over a sequence of records

    record = kind (1 byte) || uint32_be(len(label)) || label || uint64_be(len(value)) || value

with kind 0x01 bytes, 0x02 element, 0x03 scalar, 0x04 unsigned integer (minimal
big-endian), 0x05 UTF-8 text, 0x06 challenge output.  The encoding is injective: no two
different sequences of (kind, label, value) give the same bytes (checklist A6).

A challenge of n bits needs ceil((n + 128) / 256) SHA-256 blocks:

    block_i = SHA-256(DST_CHALLENGE || state_digest || uint32_be(len(label)) || label || uint32_be(i))

the concatenation, read big-endian, is reduced mod q (|q| + 128 bits or more: bias
below 2^-128, checklist A16).  The challenge is then absorbed as a 0x06 record.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from pilwu_crypto.algebra.domains import DST_CHALLENGE, DST_TRANSCRIPT
from pilwu_crypto.algebra.group import Element, Group, Scalar
from pilwu_crypto.errors import OutOfRange

KIND_BYTES = 0x01
KIND_ELEMENT = 0x02
KIND_SCALAR = 0x03
KIND_INT = 0x04
KIND_TEXT = 0x05
KIND_CHALLENGE = 0x06


def encode_record(kind: int, label: str, value: bytes) -> bytes:
    """One transcript record: kind || u32 len(label) || label || u64 len(value) || value."""
    lb = label.encode("utf-8")
    return bytes([kind]) + len(lb).to_bytes(4, "big") + lb + len(value).to_bytes(8, "big") + value


class Transcript:
    """A Fiat–Shamir transcript bound to a group, a domain label and a context hash."""

    __slots__ = ("_h", "domain", "group")

    def __init__(self, group: Group, domain: str, context: bytes) -> None:
        self.group = group
        self.domain = domain
        self._h = hashlib.sha256()
        self._h.update(encode_record(KIND_BYTES, "dst", DST_TRANSCRIPT))
        self._h.update(encode_record(KIND_TEXT, "domain", domain.encode("utf-8")))
        self._h.update(encode_record(KIND_BYTES, "group", group.fingerprint()))
        self._h.update(encode_record(KIND_BYTES, "context", bytes(context)))

    def copy(self) -> Transcript:
        """An independent transcript with the same state (for a second proof in parallel)."""
        t = Transcript.__new__(Transcript)
        t.group = self.group
        t.domain = self.domain
        t._h = self._h.copy()
        return t

    # ---- appends ----------------------------------------------------------------------
    def append_bytes(self, label: str, value: bytes) -> None:
        self._h.update(encode_record(KIND_BYTES, label, bytes(value)))

    def append_text(self, label: str, value: str) -> None:
        self._h.update(encode_record(KIND_TEXT, label, value.encode("utf-8")))

    def append_int(self, label: str, value: int) -> None:
        """A non-negative integer (counts, limits, indices), minimal big-endian."""
        if value < 0:
            raise OutOfRange(f"transcript integer {label} is negative")
        self._h.update(encode_record(KIND_INT, label, value.to_bytes((value.bit_length() + 7) // 8, "big")))

    def append_element(self, label: str, value: Element) -> None:
        self.group.check_element(value, label)
        self._h.update(encode_record(KIND_ELEMENT, label, value.to_bytes()))

    def append_elements(self, label: str, values: Iterable[Element]) -> None:
        """A list of elements: its length, then each element under label[i]."""
        vals = list(values)
        self.append_int(label + ".len", len(vals))
        for i, v in enumerate(vals):
            self.append_element(f"{label}[{i}]", v)

    def append_scalar(self, label: str, value: Scalar) -> None:
        if value.group.q != self.group.q:
            raise OutOfRange(f"transcript scalar {label} is not a scalar of {self.group.name}")
        self._h.update(encode_record(KIND_SCALAR, label, value.to_bytes()))

    # ---- challenges -------------------------------------------------------------------
    def challenge_bytes(self, label: str, nbytes: int) -> bytes:
        """nbytes of challenge output; the output is absorbed into the state afterwards."""
        state = self._h.digest()
        lb = label.encode("utf-8")
        prefix = DST_CHALLENGE + state + len(lb).to_bytes(4, "big") + lb
        out = b"".join(hashlib.sha256(prefix + i.to_bytes(4, "big")).digest()
                       for i in range(-(-nbytes // 32)))[:nbytes]
        self._h.update(encode_record(KIND_CHALLENGE, label, out))
        return out

    def challenge_scalar(self, label: str) -> Scalar:
        """A challenge in Z_q from |q| + 128 bits (rounded up to whole bytes) of output."""
        q = self.group.q
        nbytes = (q.bit_length() + 128 + 7) // 8
        value = int.from_bytes(self.challenge_bytes(label, nbytes), "big") % q
        return self.group.scalar(value)
