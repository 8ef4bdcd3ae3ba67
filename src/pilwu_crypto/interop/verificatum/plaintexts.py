"""Decoding Verificatum plaintext elements to byte strings (NOTES.md §12).

Only needed to show what was decrypted (the proofs are checked on group elements):

* ModP, safe-prime encoding: encodeLength = ⌊(bits(p) − 2)/8⌋ − 4; the integer
  u32(len) || data || zero padding (encodeLength + 4 bytes) is mapped to m or p − m,
  whichever is a quadratic residue.  Decoding takes min(m, p − m).  An empty message has
  byte 5 set to 1.
* Curves: x = data || u16(len) || counter with encodeLength M = ⌊(bits(p) − 1)/8⌋ − 3;
  decoded by the core's :func:`pilwu_crypto.algebra.plaintext.decode_bytes` with
  ``canonical=False`` (VMN reads x alone) on the core's NIST curves, and by the same rule
  here (:func:`decode_curve_x`) on the other curves (:mod:`.curves`).
"""

from __future__ import annotations

from pilwu_crypto.algebra.ec import ECGroup
from pilwu_crypto.algebra.group import Element
from pilwu_crypto.algebra.plaintext import decode_bytes
from pilwu_crypto.errors import EncodingError, UnsupportedEncoding
from pilwu_crypto.interop.verificatum.arithm import VmnGroup
from pilwu_crypto.interop.verificatum.curves import WeierstrassCurve


def modp_encode_length(p: int) -> int:
    """encodeLength = ⌊(bits(p) − 2)/8⌋ − 4 of the safe-prime encoding (NOTES §12)."""
    return (p.bit_length() - 2) // 8 - 4


def decode_plaintext(vg: VmnGroup, element: Element, what: str = "plaintext") -> bytes:
    """The bytes VMN encoded in ``element``; EncodingError if it carries none."""
    group = vg.group
    if isinstance(group, ECGroup):
        return decode_bytes(group, element, what, canonical=False)
    if isinstance(group, WeierstrassCurve):
        if group.is_identity(element):
            raise EncodingError(f"{what}: the identity carries no byte string")
        return decode_curve_x(group.affine(element)[0], group.p, what)
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


def curve_encode_length(p: int) -> int:
    """encodeLength M = ⌊(bits(p) − 1)/8⌋ − 3 of the curve encoding (NOTES §12; 28 on P-256)."""
    return (p.bit_length() - 1) // 8 - 3


def decode_curve_x(x: int, p: int, what: str = "plaintext") -> bytes:
    """The bytes in x = 0…0 || data || u16(len) || counter (NOTES §12), read as VMN reads them.

    The last M + 3 bytes of x are the layout; bytes above it must be zero, the length
    at bytes [−3, −1) at most M, and the padding in front of the data zero (as the core's
    decode_bytes with ``canonical=False``).
    """
    m = curve_encode_length(p)
    size = (p.bit_length() + 7) // 8
    raw = x.to_bytes(size, "big")
    above = size - (m + 3)
    if any(raw[:above]):
        raise EncodingError(f"{what}: x has non-zero bytes above the {m + 3}-byte layout (not an encoded string)")
    layout = raw[above:]
    n = int.from_bytes(layout[m:m + 2], "big")
    if n > m:
        raise EncodingError(f"{what}: length field {n} exceeds the {m} bytes an element carries")
    if any(layout[:m - n]):
        raise EncodingError(f"{what}: non-zero padding in front of the {n} data bytes")
    return bytes(layout[m - n:m])
