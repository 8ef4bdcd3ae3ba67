"""Plaintexts of ballots that go through the mix-net: small integers and write-in names.

A mixed ballot is a vector of ``width`` ciphertexts that moves through the mix as one
unit; after the final verifiable decryption each component is a group element, and this
module turns those elements into votes (docs/plaintext-encodings.md):

- **small integers in the exponent** (an option index, a rank): m is carried as g^m, the
  same map as exponential ElGamal (:func:`pilwu_crypto.elgamal.encode_message`), and read
  back by a bounded discrete log (:class:`pilwu_crypto.elgamal.DiscreteLog`, baby-step
  giant-step).  Works in every group.  Encoding is limited to m <= MAX_SMALL_PLAINTEXT so
  that everything encodable is also decodable at a known cost (about 2^10 steps); an
  element whose log is above the caller's bound (a malformed or malicious ballot) gives a
  DecryptionError after at most sqrt(bound) + 1 giant steps (checklist A22).
- **write-in names** (UTF-8 text over the ballot's width): the byte-string encoding of
  :mod:`pilwu_crypto.algebra.plaintext` (Verificatum's x = data || u16(len) || counter),
  28 bytes per element on P-256.  Names are normalised to Unicode NFC before encoding so
  that the same name typed on different devices gives the same points.  Only the
  elliptic-curve groups have this encoding; :func:`require_write_ins` refuses any other
  group with UnsupportedEncoding naming P-256, P-384 and P-521, so that a write-in election
  is refused before any ballot is cast.
"""

from __future__ import annotations

import operator
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from pilwu_crypto.algebra import plaintext as _pt
from pilwu_crypto.algebra.group import Element, Group
from pilwu_crypto.elgamal import DiscreteLog, encode_message
from pilwu_crypto.errors import EncodingError, OutOfRange

MAX_SMALL_PLAINTEXT = 2**20 - 1
"""Largest small integer carried in the exponent (inclusive): 1,048,575.

Both :func:`encode_small` and the ``bound`` of :func:`decode_small` are limited to it, so a
decoder's baby-step table has at most 2^10 entries."""

WRITE_IN_GROUPS: tuple[str, ...] = _pt.BYTE_ENCODING_GROUPS
"""Groups that can carry write-in names: P-256, P-384, P-521."""


# ---- small integers in the exponent ---------------------------------------------------------


def _check_small(value: int, what: str) -> int:
    v = operator.index(value)
    if isinstance(value, bool) or not 0 <= v <= MAX_SMALL_PLAINTEXT:
        raise OutOfRange(f"{what} {value!r} not in [0, {MAX_SMALL_PLAINTEXT}]")
    return v


def encode_small(group: Group, m: int) -> Element:
    """g^m for an integer 0 <= m <= MAX_SMALL_PLAINTEXT (OutOfRange otherwise)."""
    return encode_message(group, _check_small(m, "small plaintext"))


@lru_cache(maxsize=16)
def _solver(group: Group, bound: int) -> DiscreteLog:
    """A baby-step table per (group, bound), shared by all decodings of a list."""
    return DiscreteLog(group, bound)


def decode_small(group: Group, element: Element, bound: int, what: str = "plaintext") -> int:
    """m with g^m == element and 0 <= m <= bound (inclusive, as elgamal.DiscreteLog).

    ``bound`` comes from the election (e.g. the number of options minus one), never
    from the ballot; it must be in [0, MAX_SMALL_PLAINTEXT] (OutOfRange).  An element
    whose log is above the bound raises DecryptionError naming ``what``.
    """
    b = _check_small(bound, "discrete-log bound")
    return _solver(group, b).solve(element, what)


# ---- write-in names --------------------------------------------------------------------------


def supports_write_ins(group: Group) -> bool:
    """Whether write-in names can be encoded in ``group`` (the elliptic curves only)."""
    return _pt.supports_bytes(group)


def require_write_ins(group: Group) -> None:
    """Refuse a group without a byte-string encoding: UnsupportedEncoding naming P-256, P-384, P-521."""
    _pt.require_curve(group, "write-in election")


def write_in_capacity(group: Group, width: int) -> int:
    """How many UTF-8 bytes a write-in of ``width`` elements holds (width * 28 on P-256)."""
    return _pt.max_text_bytes(group, width)


def encode_write_in(group: Group, name: str, width: int) -> list[Element]:
    """The ``width`` elements carrying ``name`` (normalised to NFC) for encryption.

    Raises UnsupportedEncoding on an integer group, OutOfRange when the NFC form's UTF-8
    bytes exceed write_in_capacity(group, width), EncodingError for a non-string or a
    string with no UTF-8 form.  The empty name is encodable (it may stand for "no write-in").
    """
    require_write_ins(group)
    if not isinstance(name, str):
        raise EncodingError(f"write-in name: expected str, got {type(name).__name__}")
    return _pt.encode_text(group, unicodedata.normalize("NFC", name), width)


def decode_write_in(group: Group, elements: Sequence[Element], what: str = "write-in") -> str:
    """The name carried by decrypted ``elements``, exactly as encoded.

    EncodingError (naming the element) for anything that is not an output of
    :func:`encode_write_in`'s encoding: the identity, a random point, a bad length field
    or padding, a non-canonical split, invalid UTF-8.  A name encoded elsewhere is
    returned as it is, NFC or not: whoever counts write-ins should compare NFC forms.
    """
    require_write_ins(group)
    return _pt.decode_text(group, elements, what)
