"""Decoding Verificatum plaintext elements to byte strings (NOTES.md §12).

Only needed to show what was decrypted (the proofs are checked on group elements):

* ModP, safe-prime encoding: encodeLength = ⌊(bits(p) − 2)/8⌋ − 4; the integer
  u32(len) || data || zero padding (encodeLength + 4 bytes) is mapped to m or p − m,
  whichever is a quadratic residue.  Decoding takes min(m, p − m).  An empty message has
  byte 5 set to 1.
* Curves: x = data || u16(len) || counter; decoded by the core's
  :func:`pilwu_crypto.algebra.plaintext.decode_bytes` with ``canonical=False`` (VMN reads x
  alone).
"""

from __future__ import annotations

from pilwu_crypto.algebra.ec import ECGroup
from pilwu_crypto.algebra.group import Element
from pilwu_crypto.algebra.plaintext import decode_bytes
from pilwu_crypto.errors import EncodingError, UnsupportedEncoding
from pilwu_crypto.interop.verificatum.arithm import VmnGroup


def modp_encode_length(p: int) -> int:
    """encodeLength = ⌊(bits(p) − 2)/8⌋ − 4 of the safe-prime encoding (NOTES §12)."""
    return (p.bit_length() - 2) // 8 - 4


def decode_plaintext(vg: VmnGroup, element: Element, what: str = "plaintext") -> bytes:
    """The bytes VMN encoded in ``element``; EncodingError if it carries none."""
    group = vg.group
    if isinstance(group, ECGroup):
        return decode_bytes(group, element, what, canonical=False)
    if not vg.safe_prime:
        raise UnsupportedEncoding(f"{what}: only safe-prime ModP groups have VMN's byte encoding")
    p = vg.p
    m = int(element.raw)
    x = min(m, p - m)
    size = modp_encode_length(p) + 4
    if x.bit_length() > 8 * size:
        raise EncodingError(f"{what}: element is not an encoded message (too large)")
    raw = x.to_bytes(size, "big")
    n = int.from_bytes(raw[:4], "big")
    if n > size - 4:
        raise EncodingError(f"{what}: length field {n} exceeds {size - 4}")
    return raw[4:4 + n]
