"""Injective encoding of short byte strings as curve points (write-in names), and back.

Exponential ElGamal carries small integers as g^m; a write-in name needs the opposite: a
byte string placed *inside* a group element so that decryption gives the element and the
element gives the bytes back.  On the NIST curves this is done as Verificatum does it
(docs/plaintext-encodings.md §2): the bytes, their length and a counter form the
x-coordinate of a point.  An integer subgroup with a 256-bit q (pilwu-3072 and friends)
has no such encoding: its q elements are a fraction of about 2^-(bits(p) - 256) of Z_p*,
and the known integer encodings (Verificatum's "m or p - m") need a safe prime, whose
subgroup is half of Z_p*; the only injective map left, m -> g^m, cannot be inverted for
strings.  So every function here refuses such a group with
:class:`~pilwu_crypto.errors.UnsupportedEncoding`, naming the groups that work.

One element (docs/plaintext-encodings.md §2).  For a curve over F_p let

    M = floor((bits(p) - 1) / 8) - 3        (max_bytes: 28 on P-256, 44 on P-384, 62 on P-521)
    L = M + 3                               (bytes of the layout; 8 L <= bits(p) - 1, so x < p)

A string of n <= M bytes is laid out in L bytes, big-endian, data at the low end of its
field (zero padding in front, as Verificatum's encoder does):

    X = 0x00^(M - n) || data || u16_be(n) || counter        (counter: one byte, 0..255)

and x is X read as a big-endian integer.  The counter starts at 0 and is incremented
until f(x) = x^3 + a x + b is a square mod p (about two tries on average; all 256 failing
has probability 2^-256 and raises EncodingError).  Of the two roots y and p - y the one
taken is y = f(x)^((p+1)/4) mod p (p = 3 mod 4 on all three curves), the root that is
itself a square: that is what Verificatum's Java encoder (VCR 3.1.0 ``ECqPGroup.encode``)
computes, so our points equal Verificatum's bit for bit — checked on the 100 plaintexts
of a real VMN 3.1.0 P-256 session in tests/unit/test_plaintext.py.  In the SEC 1 encoding
of the point x has ceil(bits(p) / 8) bytes, so its first ceil(bits(p) / 8) - L bytes (one
on all three curves) are zero.

Decoding reads the length at bytes [M, M + 2) of X and the data just before it.  It
rejects, with an EncodingError naming the problem: the identity, a non-zero byte above
the layout, a length field above M, non-zero padding, and (``canonical=True``, the
default) a counter that is not the first one giving a point or a y other than
f(x)^((p+1)/4).  With those checks encode and decode are mutually inverse bijections
between byte strings of at most M bytes and the accepted points: one name, one point.
``canonical=False`` reads only x, as Verificatum's decoder does, for foreign plaintexts.

Several elements (§3).  :func:`encode_text` splits the UTF-8 bytes of a text greedily:
element i carries bytes [i M, (i + 1) M) — full chunks, then one partial chunk (possibly
empty), then empty chunks.  Each chunk carries its own length, so there is no NUL-padding
ambiguity, and :func:`decode_text` refuses any other split (a short chunk followed by a
non-empty one), keeping the text-to-elements map a bijection too.

Timing: encoding depends on the data through the counter loop; the encrypting device
knows its own write-in, as for the table-based encryption of docs/side-channels.md.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence

import gmpy2
from gmpy2 import mpz

from pilwu_crypto.algebra.ec import CURVE_NAMES, ECGroup
from pilwu_crypto.algebra.group import Element, Group
from pilwu_crypto.errors import EncodingError, OutOfRange, UnsupportedEncoding

BYTE_ENCODING_GROUPS: tuple[str, ...] = CURVE_NAMES
"""Names of the registered groups that have a byte-string encoding (the NIST curves)."""

COUNTER_LIMIT = 256
"""Values of the one-byte counter tried before giving up (probability 2^-256)."""


def supports_bytes(group: Group) -> bool:
    """Whether ``group`` can carry byte strings (write-in names): the elliptic curves only."""
    return isinstance(group, ECGroup)


def require_curve(group: Group, what: str = "byte-string encoding") -> ECGroup:
    """``group`` as an ECGroup, or UnsupportedEncoding naming the groups that have an encoding."""
    if isinstance(group, ECGroup):
        return group
    raise UnsupportedEncoding(
        f"{what}: group {group.name} cannot carry write-in text (an integer subgroup with a "
        f"{group.q.bit_length()}-bit q has no injective encoding of byte strings); "
        f"write-ins need one of the groups {', '.join(BYTE_ENCODING_GROUPS)}")


def max_bytes(group: Group) -> int:
    """M = floor((bits(p) - 1) / 8) - 3: the most bytes one element carries (28 on P-256)."""
    curve = require_curve(group)
    return (curve.p.bit_length() - 1) // 8 - 3


def max_text_bytes(group: Group, width: int) -> int:
    """width * M: the most UTF-8 bytes :func:`encode_text` fits into ``width`` elements."""
    return _check_width(width) * max_bytes(group)


# ---- field arithmetic -------------------------------------------------------------------


def _rhs(curve: ECGroup, x: int) -> mpz:
    """f(x) = x^3 + a x + b mod p."""
    p = mpz(curve.p)
    xz = mpz(x)
    return (xz * xz % p * xz + curve.a * xz + curve.b) % p


def _is_square(curve: ECGroup, z: mpz) -> bool:
    """Whether z is a non-zero square mod p (Legendre symbol 1; f(x) = 0 has no point here)."""
    return gmpy2.legendre(z, curve.p) == 1


def _square_root(curve: ECGroup, z: mpz) -> int:
    """y = z^((p+1)/4) mod p: for a square z and p = 3 mod 4, the square root of z that is
    itself a square (of y and p - y exactly one is, since -1 is not a square mod p)."""
    p = curve.p
    return int(gmpy2.powmod(z, (p + 1) // 4, p))


def _layout_prefix(curve: ECGroup, data: bytes) -> int:
    """The integer of X without its counter byte: 0x00^(M - n) || data || u16_be(n)."""
    m = max_bytes(curve)
    n = len(data)
    return int.from_bytes(bytes(m - n) + data + n.to_bytes(2, "big"), "big")


# ---- one element --------------------------------------------------------------------------


def encode_bytes(group: Group, data: bytes) -> Element:
    """The point whose x is 0x00^(M - n) || data || u16_be(n) || counter (module docstring).

    Raises UnsupportedEncoding on an integer group, EncodingError for a non-bytes
    argument and OutOfRange for more than M = max_bytes(group) bytes.
    """
    curve = require_curve(group, "encode_bytes")
    if not isinstance(data, (bytes, bytearray)):
        raise EncodingError(f"encode_bytes: expected bytes, got {type(data).__name__}")
    m = max_bytes(curve)
    if len(data) > m:
        raise OutOfRange(f"{len(data)} bytes do not fit in one element of {curve.name} (at most {m})")
    base = _layout_prefix(curve, bytes(data)) << 8
    for counter in range(COUNTER_LIMIT):
        x = base | counter
        fx = _rhs(curve, x)
        # the first counter with f(x) a square: y = f(x)^((p+1)/4), so y^2 = f(x)
        if _is_square(curve, fx):
            return curve.element_from_affine(x, _square_root(curve, fx), "encoded plaintext")
    raise EncodingError(f"no point on {curve.name} for this byte string after {COUNTER_LIMIT} counters")


def decode_bytes(group: Group, element: Element, what: str = "plaintext", *, canonical: bool = True) -> bytes:
    """The byte string carried by ``element``; EncodingError (naming ``what``) if there is none.

    Rejected: the identity; a non-zero byte of x above the L-byte layout; a length field
    above M; non-zero padding in front of the data; and with ``canonical`` (default) a
    counter that is not the first giving a point, or a y other than f(x)^((p+1)/4).
    ``canonical=False`` reads x alone (Verificatum's decoder does the same).
    """
    curve = require_curve(group, what)
    curve.check_element(element, what)
    if curve.is_identity(element):
        raise EncodingError(f"{what}: the identity carries no byte string")
    sec1 = element.to_bytes()  # 02/03 (parity of y) || x, fixed width
    x_bytes = sec1[1:]
    m = max_bytes(curve)
    above = len(x_bytes) - (m + 3)
    if any(x_bytes[:above]):
        raise EncodingError(f"{what}: x has non-zero bytes above the {m + 3}-byte layout (not an encoded string)")
    layout = x_bytes[above:]  # 0x00^(M - n) || data || u16(n) || counter
    n = int.from_bytes(layout[m:m + 2], "big")
    if n > m:
        raise EncodingError(f"{what}: length field {n} exceeds the {m} bytes an element of {curve.name} carries")
    if any(layout[:m - n]):
        raise EncodingError(f"{what}: non-zero padding in front of the {n} data bytes")
    if canonical:
        counter = layout[-1]
        base = int.from_bytes(layout[:-1], "big") << 8
        for earlier in range(counter):
            if _is_square(curve, _rhs(curve, base | earlier)):
                raise EncodingError(f"{what}: counter {counter} is not the first giving a point ({earlier} does)")
        y = _square_root(curve, _rhs(curve, base | counter))  # y and p - y differ in parity (p odd)
        if (y & 1) != (sec1[0] & 1):
            raise EncodingError(f"{what}: y is not the square root f(x)^((p+1)/4) (the point is negated)")
    return bytes(layout[m - n:m])


# ---- text over several elements --------------------------------------------------------------


def _check_width(width: int) -> int:
    w = operator.index(width)
    if isinstance(width, bool) or w < 1:
        raise OutOfRange(f"width {width!r} is not a positive number of elements")
    return w


def encode_text(group: Group, text: str, width: int) -> list[Element]:
    """UTF-8 of ``text`` split greedily over ``width`` elements (element i: bytes [i M, (i + 1) M)).

    Raises UnsupportedEncoding on an integer group, EncodingError for a non-string or a
    string with lone surrogates (no UTF-8 form), and OutOfRange when the UTF-8 bytes
    exceed width * M.
    """
    curve = require_curve(group, "encode_text")
    w = _check_width(width)
    if not isinstance(text, str):
        raise EncodingError(f"encode_text: expected str, got {type(text).__name__}")
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise EncodingError(f"text has no UTF-8 form (character {exc.start} is a lone surrogate)") from None
    m = max_bytes(curve)
    if len(data) > w * m:
        raise OutOfRange(f"text of {len(data)} UTF-8 bytes does not fit in {w} element(s) of {curve.name} "
                         f"(at most {w * m} bytes, {m} per element)")
    return [encode_bytes(curve, data[i * m:(i + 1) * m]) for i in range(w)]


def decode_text(group: Group, elements: Sequence[Element], what: str = "text", *, canonical: bool = True) -> str:
    """The text carried by ``elements`` (the inverse of :func:`encode_text`).

    Each element is decoded with :func:`decode_bytes`; the chunks must form the greedy
    split (full chunks, at most one partial, then empty ones) and their concatenation must
    be valid UTF-8, otherwise EncodingError names the element or byte at fault.
    """
    curve = require_curve(group, what)
    if len(elements) == 0:
        raise OutOfRange(f"{what}: no elements to decode")
    m = max_bytes(curve)
    chunks: list[bytes] = []
    short_at: int | None = None
    for i, element in enumerate(elements):
        chunk = decode_bytes(curve, element, f"{what}[{i}]", canonical=canonical)
        if chunk and short_at is not None:
            raise EncodingError(f"{what}[{i}]: carries bytes after the short chunk {what}[{short_at}] "
                                "(not the greedy split)")
        if len(chunk) < m and short_at is None:
            short_at = i
        chunks.append(chunk)
    data = b"".join(chunks)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EncodingError(f"{what}: not valid UTF-8 (at byte {exc.start} of {len(data)})") from None
