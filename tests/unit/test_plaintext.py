"""Plaintext encodings of mixed ballots (docs/plaintext-encodings.md).

Byte strings on curves (pilwu_crypto.algebra.plaintext): round trips, the exact layout
x = 0x00^(M - n) || data || u16(n) || counter, agreement with points produced by
Verificatum 3.1.0, and rejection of every kind of element that is not an encoding.
Text over several elements, write-ins at the ballot level, the refusal of integer groups,
and small integers in the exponent (pilwu_crypto.election.plaintext).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pilwu_crypto import elgamal as eg
from pilwu_crypto.algebra import plaintext as pt
from pilwu_crypto.algebra.ec import ECGroup
from pilwu_crypto.algebra.group import Element, Group
from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.election import plaintext as ep
from pilwu_crypto.errors import (
    DecryptionError,
    EncodingError,
    InvalidParameters,
    NotInGroup,
    OutOfRange,
    PilwuError,
    UnsupportedEncoding,
)

CURVES = ["P-256", "P-384"]
PROPS = settings(max_examples=100, deadline=None)
NAMES = ["Ki Ahmad Sobari", "Nyi Siti", "Kuwu Désa Ñ 漢字", ""]


@pytest.fixture(params=CURVES, scope="module")
def curve(request: pytest.FixtureRequest) -> ECGroup:
    group = get_group(request.param)
    assert isinstance(group, ECGroup)
    return group


def point_with_x(curve: ECGroup, x: int) -> Element | None:
    """The point (x, f(x)^((p+1)/4)) if f(x) is a square, else None (independent of the module)."""
    p = curve.p
    fx = (x * x * x + curve.a * x + curve.b) % p
    y = pow(fx, (p + 1) // 4, p)
    if y * y % p != fx:
        return None
    return curve.element_from_affine(x, y)


def first_point(curve: ECGroup, layout_without_counter: bytes, start: int = 0) -> tuple[int, Element]:
    """(counter, point) for the first counter >= start that gives a point."""
    base = int.from_bytes(layout_without_counter, "big") << 8
    for counter in range(start, 256):
        e = point_with_x(curve, base | counter)
        if e is not None:
            return counter, e
    raise AssertionError("no point")  # probability 2^-256


def x_layout(curve: ECGroup, e: Element) -> bytes:
    """The last M + 3 bytes of the x-coordinate of e."""
    return e.to_bytes()[1:][-(pt.max_bytes(curve) + 3):]


# ---------------------------------------------------------------- one element -------
def test_max_bytes_per_curve() -> None:
    # floor((bits(p) - 1) / 8) - 3, as Verificatum's encodeLength (NOTES §12)
    assert {n: pt.max_bytes(get_group(n)) for n in ("P-256", "P-384", "P-521")} == \
        {"P-256": 28, "P-384": 44, "P-521": 62}
    assert pt.max_text_bytes(get_group("P-256"), 3) == 84


@PROPS
@given(data=st.data())
def test_bytes_round_trip_and_layout(curve: ECGroup, data: st.DataObject) -> None:
    m = pt.max_bytes(curve)
    payload = data.draw(st.one_of(
        st.binary(max_size=m),
        st.integers(0, m).map(lambda n: b"\x00" * n),
        st.integers(0, m).map(lambda n: b"\xff" * n)), label="payload")
    e = pt.encode_bytes(curve, payload)
    assert pt.decode_bytes(curve, e) == payload
    n = len(payload)
    x = e.to_bytes()[1:]
    assert not any(x[:len(x) - (m + 3)])  # nothing above the layout
    layout = x_layout(curve, e)
    # X = 0x00^(M - n) || data || u16(n) || counter
    assert layout[:m - n] == bytes(m - n)
    assert layout[m - n:m] == payload
    assert layout[m:m + 2] == n.to_bytes(2, "big")
    assert e == pt.encode_bytes(curve, payload)  # deterministic


@pytest.mark.parametrize("kind", ["empty", "zeros", "ones", "one-zero", "leading-zero"])
def test_bytes_edge_cases(curve: ECGroup, kind: str) -> None:
    m = pt.max_bytes(curve)
    payload = {"empty": b"", "zeros": bytes(m), "ones": b"\xff" * m, "one-zero": b"\x00",
               "leading-zero": b"\x00abc"}[kind]
    assert pt.decode_bytes(curve, pt.encode_bytes(curve, payload)) == payload


def test_bytes_injective_on_zero_strings(curve: ECGroup) -> None:
    # leading zero bytes are kept apart by the length field
    m = pt.max_bytes(curve)
    points = [pt.encode_bytes(curve, bytes(n)) for n in range(m + 1)]
    assert len({e.to_bytes() for e in points}) == m + 1


def test_bytes_too_long_and_wrong_type(curve: ECGroup) -> None:
    m = pt.max_bytes(curve)
    with pytest.raises(OutOfRange, match=f"at most {m}"):
        pt.encode_bytes(curve, bytes(m + 1))
    with pytest.raises(EncodingError, match="expected bytes"):
        pt.encode_bytes(curve, "abc")  # type: ignore[arg-type]


def test_rejects_identity_and_random_points(curve: ECGroup) -> None:
    with pytest.raises(EncodingError, match="identity"):
        pt.decode_bytes(curve, curve.identity())
    g = curve.generator()
    randoms = [g, g * g, g.inverse()] + [curve.hash_to_group(b"test-plaintext", bytes([i])) for i in range(40)]
    for e in randoms:
        with pytest.raises(EncodingError):
            pt.decode_bytes(curve, e)
        with pytest.raises(EncodingError):
            pt.decode_bytes(curve, e, canonical=False)


def test_rejects_malformed_layouts(curve: ECGroup) -> None:
    m = pt.max_bytes(curve)
    # length field above M
    _, bad_len = first_point(curve, bytes(m) + (m + 1).to_bytes(2, "big"))
    with pytest.raises(EncodingError, match="length field"):
        pt.decode_bytes(curve, bad_len)
    # non-zero padding in front of the data
    _, bad_pad = first_point(curve, b"\x01" + bytes(m - 4) + b"abc" + (3).to_bytes(2, "big"))
    with pytest.raises(EncodingError, match="padding"):
        pt.decode_bytes(curve, bad_pad)
    # a non-zero byte of x above the layout (still below p)
    _, above = first_point(curve, b"\x01" + bytes(m) + (0).to_bytes(2, "big"))
    with pytest.raises(EncodingError, match="above"):
        pt.decode_bytes(curve, above)
    for e in (bad_len, bad_pad, above):  # not even a lenient decoder accepts these
        with pytest.raises(EncodingError):
            pt.decode_bytes(curve, e, canonical=False)


def test_rejects_non_canonical_points(curve: ECGroup) -> None:
    m = pt.max_bytes(curve)
    payload = b"Nyi Siti"
    e = pt.encode_bytes(curve, payload)
    # the other y: same x, so a lenient decoder reads the same bytes
    with pytest.raises(EncodingError, match="square root"):
        pt.decode_bytes(curve, e.inverse())
    assert pt.decode_bytes(curve, e.inverse(), canonical=False) == payload
    # a later counter that also gives a point
    head = bytes(m - len(payload)) + payload + len(payload).to_bytes(2, "big")
    first, _ = first_point(curve, head)
    later, e_later = first_point(curve, head, first + 1)
    assert x_layout(curve, e)[-1] == first
    with pytest.raises(EncodingError, match=f"counter {later} is not the first"):
        pt.decode_bytes(curve, e_later)
    assert pt.decode_bytes(curve, e_later, canonical=False) == payload


def test_element_of_another_group_is_refused() -> None:
    p256, p384 = get_group("P-256"), get_group("P-384")
    with pytest.raises(NotInGroup):
        pt.decode_bytes(p256, pt.encode_bytes(p384, b"abc"))


# ---------------------------------------------------------------- Verificatum --------
# Plaintext points of a real Verificatum 3.1.0 P-256 session (tests/data/verificatum/cases/
# p256_n100_mix, nizkp/default/Plaintexts.bt, entries 0, 2, 8, 83): counters 1, 0, 3, 10;
# x and y as 32-byte big-endian hex; the decoded strings are from its `plaintexts` file.
VERIFICATUM_P256 = [
    ("0030303030303030303030303030303030303030303030303030303638001c01",
     "03a5438d0e35dfa17f0b5469cacc851fb1768d5269db56d46a455e1e07f549ce", "0000000000000000000000000068"),
    ("0030303030303030303030303030303030303030303030303030303138001c00",
     "b01abd2128b9653bbab487dbf684f624be15e444f15e215835f0ad73aacaf1a1", "0000000000000000000000000018"),
    ("0030303030303030303030303030303030303030303030303030303135001c03",
     "1f1d71f1f2c86fd59491c29245f9913692e0206867e659de806351ae6fe68124", "0000000000000000000000000015"),
    ("0030303030303030303030303030303030303030303030303030303139001c0a",
     "6537db4f1d88696bef8f6826465c9f47af1e1c8b498b88fcff6a3a80d81b94c1", "0000000000000000000000000019"),
]


@pytest.mark.parametrize(("x", "y", "text"), VERIFICATUM_P256)
def test_verificatum_plaintexts_decode_and_reencode(x: str, y: str, text: str) -> None:
    group = get_group("P-256")
    assert isinstance(group, ECGroup)
    e = group.element_from_affine(int(x, 16), int(y, 16))
    assert pt.decode_bytes(group, e) == text.encode()
    assert pt.encode_bytes(group, text.encode()) == e  # same point, y included


CASE = Path(__file__).resolve().parents[1] / "data" / "verificatum" / "cases" / "p256_n100_mix"


def _byte_tree(data: bytes, i: int = 0) -> tuple[object, int]:
    """Parse one Verificatum byte tree (leaf 01 || u32 len || bytes, node 00 || u32 n || children)."""
    tag, n = data[i], int.from_bytes(data[i + 1:i + 5], "big")
    i += 5
    if tag == 1:
        return data[i:i + n], i + n
    assert tag == 0
    children = []
    for _ in range(n):
        child, i = _byte_tree(data, i)
        children.append(child)
    return children, i


def test_all_verificatum_session_plaintexts() -> None:
    group = get_group("P-256")
    assert isinstance(group, ECGroup)
    raw = (CASE / "nizkp" / "default" / "Plaintexts.bt").read_bytes()
    tree, end = _byte_tree(raw)
    assert end == len(raw) and isinstance(tree, list)
    texts = (CASE / "plaintexts").read_text().split()
    assert len(tree) == len(texts) == 100
    for (xb, yb), text in zip(tree, texts, strict=True):
        e = group.element_from_affine(int.from_bytes(xb, "big"), int.from_bytes(yb, "big"))
        assert pt.decode_bytes(group, e) == text.encode()
        assert pt.encode_bytes(group, text.encode()) == e


# ---------------------------------------------------------------- text ---------------
@pytest.mark.parametrize("width", [1, 2, 3])
@pytest.mark.parametrize("name", NAMES)
def test_text_round_trip_named(curve: ECGroup, width: int, name: str) -> None:
    elements = pt.encode_text(curve, name, width)
    assert len(elements) == width
    assert pt.decode_text(curve, elements) == name


@PROPS
@given(data=st.data())
def test_text_round_trip_property(curve: ECGroup, data: st.DataObject) -> None:
    width = data.draw(st.integers(1, 3), label="width")
    cap = width * pt.max_bytes(curve)
    text = data.draw(st.text(max_size=cap).filter(lambda s: len(s.encode()) <= cap), label="text")
    assert pt.decode_text(curve, pt.encode_text(curve, text, width)) == text


def test_text_split_is_greedy_and_crosses_characters() -> None:
    group = get_group("P-256")
    m = pt.max_bytes(group)
    name = "a" * (m - 1) + "é" + "xyz"  # é's two UTF-8 bytes straddle the element boundary
    elements = pt.encode_text(group, name, 3)
    chunks = [pt.decode_bytes(group, e) for e in elements]
    data = name.encode()
    assert chunks == [data[:m], data[m:], b""]
    assert pt.decode_text(group, elements) == name


def test_text_that_does_not_fit(curve: ECGroup) -> None:
    m = pt.max_bytes(curve)
    for width in (1, 2, 3):
        with pytest.raises(OutOfRange, match=f"at most {width * m} bytes"):
            pt.encode_text(curve, "x" * (width * m + 1), width)
    # counted in UTF-8 bytes, not characters: 15 CJK characters are 45 bytes
    with pytest.raises(OutOfRange, match="45 UTF-8 bytes"):
        pt.encode_text(curve, "漢" * 15, 1)
    with pytest.raises(OutOfRange):
        pt.encode_text(curve, "x", 0)
    with pytest.raises(EncodingError, match="surrogate"):
        pt.encode_text(curve, "Siti \ud800", 1)


def test_text_rejects_non_canonical_split_and_bad_utf8(curve: ECGroup) -> None:
    split = [pt.encode_bytes(curve, b"Ki "), pt.encode_bytes(curve, b"Ahmad")]
    with pytest.raises(EncodingError, match=r"text\[1\].*greedy split"):
        pt.decode_text(curve, split)
    with pytest.raises(EncodingError, match="UTF-8"):
        pt.decode_text(curve, [pt.encode_bytes(curve, b"Siti \xff")])
    with pytest.raises(EncodingError, match=r"text\[1\]: the identity"):
        pt.decode_text(curve, [pt.encode_bytes(curve, b"ab"), curve.identity()])
    with pytest.raises(OutOfRange):
        pt.decode_text(curve, [])


# ---------------------------------------------------------------- write-ins -----------
def test_write_in_round_trip_through_elgamal() -> None:
    # A write-in encrypted as (g^r, M K^r), decrypted to M and decoded (no mix in between).
    group = get_group("P-256")
    sk = eg.SecretKey.generate(group)
    K = sk.public_key.element
    elements = ep.encode_write_in(group, "Kuwu Désa Ñ 漢字", 2)
    decrypted = []
    for M in elements:
        r = group.random_scalar()
        ct = eg.Ciphertext(group.exp_g(r), M * K ** r)
        decrypted.append(eg.decrypt_to_element(sk, ct))
    assert ep.decode_write_in(group, decrypted) == "Kuwu Désa Ñ 漢字"


def test_write_in_names_are_nfc_normalised() -> None:
    group = get_group("P-256")
    nfd = "Kuwu De\u0301sa N\u0303"
    nfc = "Kuwu Désa Ñ"
    assert nfd != nfc
    assert ep.encode_write_in(group, nfd, 1) == ep.encode_write_in(group, nfc, 1)
    assert ep.decode_write_in(group, ep.encode_write_in(group, nfd, 1)) == nfc
    assert ep.write_in_capacity(group, 2) == 56
    assert ep.supports_write_ins(group)


@pytest.mark.parametrize("name", ["pilwu-test-512", "pilwu-3072"])
def test_integer_groups_refuse_write_ins(name: str) -> None:
    group = get_group(name, allow_test=True)
    assert not ep.supports_write_ins(group) and not pt.supports_bytes(group)
    g = group.generator()
    calls = [
        lambda: ep.require_write_ins(group),
        lambda: ep.encode_write_in(group, "Nyi Siti", 2),
        lambda: ep.decode_write_in(group, [g]),
        lambda: ep.write_in_capacity(group, 1),
        lambda: pt.max_bytes(group),
        lambda: pt.encode_bytes(group, b"x"),
        lambda: pt.decode_bytes(group, g),
        lambda: pt.encode_text(group, "x", 1),
        lambda: pt.decode_text(group, [g]),
    ]
    for call in calls:
        with pytest.raises(UnsupportedEncoding, match="P-256, P-384, P-521") as info:
            call()
        assert isinstance(info.value, InvalidParameters) and isinstance(info.value, PilwuError)
        assert name in str(info.value)


# ---------------------------------------------------------------- small integers ------
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_small_round_trip(group: Group, data: st.DataObject) -> None:
    bound = data.draw(st.sampled_from([0, 1, 9, 1000, ep.MAX_SMALL_PLAINTEXT]), label="bound")
    m = data.draw(st.integers(0, bound), label="m")
    e = ep.encode_small(group, m)
    assert e == group.exp_g(m)
    assert ep.decode_small(group, e, bound) == m


def test_small_edges(group: Group) -> None:
    top = ep.MAX_SMALL_PLAINTEXT
    assert ep.decode_small(group, ep.encode_small(group, top), top) == top
    assert ep.decode_small(group, ep.encode_small(group, 0), 0) == 0
    for bad in (-1, top + 1, True):
        with pytest.raises(OutOfRange):
            ep.encode_small(group, bad)
    with pytest.raises(OutOfRange):
        ep.decode_small(group, group.generator(), top + 1)


def test_small_bounded_decode_errors(group: Group) -> None:
    with pytest.raises(DecryptionError, match=r"rank: discrete log not in \[0, 4\]"):
        ep.decode_small(group, ep.encode_small(group, 5), 4, "rank")
    with pytest.raises(DecryptionError):
        ep.decode_small(group, group.hash_to_group(b"test", b"not a small power"), 1000)
    # an element of another group is refused, not decoded
    other = get_group("P-384") if group.name != "P-384" else get_group("P-256")
    with pytest.raises(NotInGroup):
        ep.decode_small(group, other.generator(), 10)


def test_small_decrypts_like_elgamal(group: Group) -> None:
    sk = eg.SecretKey.generate(group)
    ct = eg.encrypt(sk.public_key, 7).ciphertext
    assert ep.decode_small(group, eg.decrypt_to_element(sk, ct), 10) == eg.decrypt(sk, ct, 10) == 7
