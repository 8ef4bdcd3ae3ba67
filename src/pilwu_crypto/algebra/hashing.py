"""Domain-separated hashing of byte strings (not Fiat–Shamir challenges).

    tagged_hash(dst, p_1, …, p_k) = SHA-256( u32(len(dst)) || dst || u32(k) ||
                                             u64(len(p_1)) || p_1 || … )

Injective in (dst, parts) thanks to the count and the length prefixes (checklist A6).
Used for the context hashes H_B and H_E, the manifest hash and confirmation codes;
docs/record-format.md gives the parts of each.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def tagged_hash(dst: bytes, parts: Iterable[bytes]) -> bytes:
    """SHA-256 over the tag and the length-prefixed parts (32 bytes)."""
    items = [bytes(p) for p in parts]
    h = hashlib.sha256()
    h.update(len(dst).to_bytes(4, "big") + dst + len(items).to_bytes(4, "big"))
    for p in items:
        h.update(len(p).to_bytes(8, "big"))
        h.update(p)
    return h.digest()


def u32(value: int) -> bytes:
    """4-byte big-endian encoding of a count or index (0 <= value < 2^32)."""
    return value.to_bytes(4, "big")


def text(value: str) -> bytes:
    """UTF-8 bytes of an identifier or name."""
    return value.encode("utf-8")
