"""Unit tests of each encoding rule of NOTES.md §1–§5 and §12 (byte trees, integers, field and
group elements, transposed arrays, marshalled groups, hash/PRG/RO, protocol info, plaintexts), the
"never trust the group" checks (checklist A3, A9, A23), and hypothesis fuzzing of the byte-tree,
protocol-info and group parsers: only the project's own errors may escape."""

from __future__ import annotations

import contextlib
import functools
import hashlib

import gmpy2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pilwu_crypto.errors import InvalidParameters, PilwuError
from pilwu_crypto.interop.verificatum import bytetree as bt
from pilwu_crypto.interop.verificatum.arithm import (
    MODP_CLASS,
    ModPParameters,
    VmnGroup,
    curve_group,
    modp_group,
    parse_group,
)
from pilwu_crypto.interop.verificatum.decryption import alpha, modified_lagrange
from pilwu_crypto.interop.verificatum.errors import ProtInfoError, VmnFormatError
from pilwu_crypto.interop.verificatum.hashing import PRG, HashFunction, random_oracle
from pilwu_crypto.interop.verificatum.plaintexts import decode_plaintext, modp_encode_length
from pilwu_crypto.interop.verificatum.protinfo import parse_protinfo
from tests.interop.conftest import CASES, protinfo

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---- §1 byte trees --------------------------------------------------------------------------------


def test_byte_tree_wire_format() -> None:
    leaf = bt.ser_leaf(b"\xab")
    assert leaf == bytes.fromhex("0100000001ab")
    node = bt.ser_node([leaf, bt.ser_node([])])
    assert node == bytes.fromhex("00000000020100000001ab0000000000")
    t = bt.parse(node)
    assert not t.is_leaf and len(t) == 2 and t.node_children("t")[0].leaf_data("x") == b"\xab"
    assert t.node_children("t")[1].raw == bytes.fromhex("0000000000") and t.raw == node


@pytest.mark.parametrize(("data", "why"), [
    (b"", "truncated"),
    (bytes.fromhex("01000000"), "truncated"),
    (bytes.fromhex("0100000002ab"), "truncated"),
    (bytes.fromhex("0100000001abcd"), "trailing"),
    (bytes.fromhex("0200000000"), "invalid tag"),
    (bytes.fromhex("0000000002") + bt.ser_leaf(b""), "announces 2 children"),
    (bytes.fromhex("00ffffffff"), "announces"),
])
def test_byte_tree_strictness(data: bytes, why: str) -> None:
    with pytest.raises(VmnFormatError, match=why):
        bt.parse(data)


def test_byte_tree_depth_and_size_bounds() -> None:
    deep = bt.ser_leaf(b"")
    for _ in range(bt.MAX_DEPTH + 1):
        deep = bt.ser_node([deep])
    with pytest.raises(VmnFormatError, match="nested deeper"):
        bt.parse(deep)
    with pytest.raises(VmnFormatError, match="exceed the limit"):
        bt.parse(bt.ser_leaf(b"x" * 100), max_bytes=50)


def test_conventional_leaves() -> None:
    assert bt.read_int4(bt.parse(bt.ser_int4(-2)), "i") == -2
    assert bt.ser_int4(7) == bytes.fromhex("010000000400000007")
    with pytest.raises(VmnFormatError):
        bt.read_int4(bt.parse(bt.ser_leaf(b"\x00\x07")), "i")
    assert bt.read_str(bt.parse(bt.ser_str("généré")), "s") == "généré"
    with pytest.raises(VmnFormatError, match="UTF-8"):
        bt.read_str(bt.parse(bt.ser_leaf(b"\xff")), "s")
    assert bt.read_bools(bt.parse(bt.ser_leaf(b"\x00\x01")), "b", 2) == [False, True]
    for bad in (b"\x00\x02", b"\x01"):
        with pytest.raises(VmnFormatError):
            bt.read_bools(bt.parse(bt.ser_leaf(bad)), "b", 2)


# ---- §2 integers, field and group elements, arrays ------------------------------------------------


@pytest.mark.parametrize(("value", "hexa"), [(263, "0107"), (-263, "fef9"), (128, "0080"), (127, "7f"), (0, "00")])
def test_minimal_twos_complement_integers(value: int, hexa: str) -> None:
    """VMNV §6.1 Ex. 5/6: Java BigInteger.toByteArray; non-minimal forms are refused."""
    assert bt.read_bigint(bt.parse(bt.ser_leaf(bytes.fromhex(hexa))), "n") == value
    with pytest.raises(VmnFormatError, match="minimal"):
        bt.read_bigint(bt.parse(bt.ser_leaf(bytes.fromhex(("00" if value >= 0 else "ff") + hexa))), "n")


@pytest.fixture(scope="module")
def p256() -> VmnGroup:
    return curve_group("P-256")


@pytest.fixture(scope="module")
def modp512() -> VmnGroup:
    info = parse_protinfo(protinfo(CASES[0]).read_bytes())
    return parse_group(info.s_group)


def test_field_elements_have_fixed_length(p256: VmnGroup, modp512: VmnGroup) -> None:
    """len(q.toByteArray()): 33 bytes on P-256, 65 for a 511-bit q (VMNV §6.2 Ex. 9–11)."""
    assert p256.field_len == 33 and modp512.field_len == 64
    assert p256.scalar(bt.parse(p256.ser_scalar(5)), "x").value == 5
    with pytest.raises(VmnFormatError, match="bytes"):
        p256.scalar(bt.parse(bt.ser_leaf((5).to_bytes(32, "big"))), "x")
    with pytest.raises(VmnFormatError, match="below q"):
        p256.scalar(bt.parse(bt.ser_leaf(p256.q.to_bytes(33, "big"))), "x")


def test_modp_elements(modp512: VmnGroup) -> None:
    p = modp512.p
    assert modp512.coord_len == 65
    g = modp512.group.generator()
    assert modp512.element(bt.parse(modp512.ser_element(g)), "g") == g
    for bad in (0, p, p - 1):  # out of range, and p - 1 (order 2: not a quadratic residue)
        with pytest.raises(VmnFormatError):
            modp512.element(bt.parse(bt.ser_leaf(bad.to_bytes(65, "big"))), "x")
    with pytest.raises(VmnFormatError, match="bytes"):
        modp512.element(bt.parse(bt.ser_leaf((4).to_bytes(64, "big"))), "x")


def test_curve_points_and_infinity(p256: VmnGroup) -> None:
    g = p256.group.generator()
    ser = p256.ser_element(g)
    assert len(ser) == 81 and p256.element(bt.parse(ser), "g") == g  # P-256 element: 81 bytes
    inf = bt.ser_node([bt.ser_leaf(b"\xff" * 33)] * 2)  # (-1, -1)
    one = p256.element(bt.parse(inf), "inf")
    assert p256.group.is_identity(one) and p256.ser_element(one) == inf
    x, y = g.raw.xy
    off = bt.ser_node([bt.ser_leaf(int(x).to_bytes(33, "big")), bt.ser_leaf((int(y) + 1).to_bytes(33, "big"))])
    with pytest.raises(VmnFormatError, match="curve"):
        p256.element(bt.parse(off), "off")
    with pytest.raises(VmnFormatError):
        p256.element(bt.parse(bt.ser_node([bt.ser_leaf(b"\xff" * 33), bt.ser_leaf(b"\x00" * 33)])), "half")


def test_arrays_of_product_elements_are_transposed(p256: VmnGroup) -> None:
    """VMNV §6.3 Ex. 14: N width-2 ciphertexts are node(node(U_1, U_2), node(V_1, V_2))."""
    g = p256.group.generator()
    h = g * g
    e = [p256.ser_element(x) for x in (g, h)]
    col = bt.ser_node(e)  # array (g, h)
    wide = bt.ser_node([col, col])
    cts = p256.ciphertexts(bt.parse(bt.ser_node([wide, wide])), 2, "L")
    assert len(cts) == 2 and cts[1].components[0].alpha == h and cts[1].components[1].beta == h
    with pytest.raises(VmnFormatError):
        p256.ciphertexts(bt.parse(bt.ser_node([wide, wide])), 3, "L")
    assert p256.ciphertexts(bt.parse(bt.ser_node([col, col])), 1, "L")[0].components[0].alpha == g


# ---- §3 marshalled groups, never trusted ---------------------------------------------------------


def _marshal_modp(p: int, q: int, g: int, enc: int) -> str:
    obj = bt.ser_node([bt.ser_leaf(p.to_bytes(bt.java_len(p), "big")), bt.ser_leaf(q.to_bytes(bt.java_len(q), "big")),
                       bt.ser_leaf(g.to_bytes(bt.java_len(p), "big")), bt.ser_int4(enc)])
    return "ModPGroup(test)::" + bt.ser_node([bt.ser_str(MODP_CLASS), obj]).hex()


def test_p256_marshalled_exactly_as_notes() -> None:
    hexa = "00000000020100000020636f6d2e766572696669636174756d2e61726974686d2e4543715047726f75700100000005502d323536"
    assert parse_group("ECqPGroup(P-256)::" + hexa).description == "ECqPGroup(P-256)"


def test_curve_names() -> None:
    assert curve_group("secp256r1").group is curve_group("P-256").group
    assert curve_group("prime192v1").group is curve_group("P-192").group is curve_group("secp192r1").group
    assert curve_group("brainpoolp256r1").description == "ECqPGroup(brainpoolp256r1)"
    for name in ("Curve25519", "brainpoolP256r1", "brainpoolp256t1", "secp160r1", "P-256 "):
        with pytest.raises(InvalidParameters, match="not a Verificatum curve name"):
            curve_group(name)


@functools.cache
def _schnorr_group() -> tuple[int, int, int]:
    """p = 2rq + 1 with q a 256-bit prime and r a small odd prime: cofactor > 2."""
    q = 2**255 + 12345
    for _ in range(2000):
        q = int(gmpy2.next_prime(q))
        for r in (3, 5, 7, 11, 13):
            p = 2 * r * q + 1
            if gmpy2.is_prime(p, 50):
                return p, q, r
    raise AssertionError("no Schnorr group found")  # pragma: no cover


def test_a9_legendre_only_for_checked_safe_primes() -> None:
    """Checklist A9: in a group with cofactor 2r, an element of order r passes a Legendre test;
    it must be refused (x^q != 1), and a false safe-prime claim must be refused outright."""
    p, q, r = _schnorr_group()
    g = pow(2, (p - 1) // q, p)
    group = modp_group(ModPParameters(p, q, g, 2))
    assert not group.safe_prime
    order_r = pow(3, (p - 1) // r, p)
    assert order_r != 1 and gmpy2.legendre(order_r, p) == 1  # passes Legendre
    with pytest.raises(VmnFormatError, match="x\\^q != 1"):
        group.element(bt.parse(bt.ser_leaf(order_r.to_bytes(group.coord_len, "big"))), "x")
    with pytest.raises(InvalidParameters, match="p != 2q \\+ 1"):
        modp_group(ModPParameters(p, q, g, 1))
    assert parse_group(_marshal_modp(p, q, g, 2)).group.q == q


def test_a3_group_parameters_are_checked() -> None:
    p, q, _ = _schnorr_group()
    g = pow(2, (p - 1) // q, p)
    for params, why in [
        (ModPParameters(p + 2, q, g, 2), "p is not prime|does not divide"),
        (ModPParameters(p, q + 2, g, 2), "q is not prime|does not divide"),
        (ModPParameters(p, q, 1, 2), "order q"),
        (ModPParameters(p, q, p - 1, 2), "order q"),
        (ModPParameters(p, q, g, 7), "unknown encoding"),
        (ModPParameters(2 * 1019 + 1, 1019, 4, 1), "bits"),
    ]:
        with pytest.raises(InvalidParameters, match=why):
            modp_group(params)


# ---- §4 hash, PRG, random oracle ------------------------------------------------------------------


def test_prg_stream_and_integers() -> None:
    h = HashFunction("SHA-256")
    seed = bytes(range(32))
    expected = hashlib.sha256(seed + b"\0\0\0\0").digest() + hashlib.sha256(seed + b"\0\0\0\1").digest()
    prg = PRG(h, seed)
    assert prg.read(10) + prg.read(22) + prg.read(32) == expected  # consumed contiguously
    assert PRG(h, seed).random_int(12) == int.from_bytes(expected[:2], "big") & 0xFFF
    assert PRG(h, seed).random_ints(256, 2) == [int.from_bytes(expected[:32], "big"),
                                                int.from_bytes(expected[32:], "big")]
    with pytest.raises(VmnFormatError):
        PRG(h, bytes(16))
    assert HashFunction("SHA-512").digest_size == 64 and HashFunction("SHA-384").digest_size == 48
    with pytest.raises(VmnFormatError):
        HashFunction("SHA-1")


@pytest.mark.parametrize("name", ["SHA-256", "SHA-384", "SHA-512"])
def test_random_oracle(name: str) -> None:
    h = HashFunction(name)
    seed = h.digest((b"\x00\x00\x01\x04", b"data"))  # u32(260) || d
    out = PRG(h, seed).read(33)
    ro = random_oracle(h, 260, (b"da", b"ta"))
    assert len(ro) == 33 and ro[0] == out[0] & 0x0F and ro[1:] == out[1:]


# ---- §5 protocol info ------------------------------------------------------------------------------


def _protinfo_text() -> str:
    return protinfo(CASES[1]).read_text()


@pytest.mark.parametrize(("edit", "why"), [
    (lambda s: s.replace("<version>3.1.0</version>", "<version>3.0.4</version>"), "version"),
    (lambda s: s.replace("<keywidth>1</keywidth>", "<keywidth>2</keywidth>"), "key width"),
    (lambda s: s.replace("<thres>2</thres>", "<thres>4</thres>"), "thres"),
    (lambda s: s.replace("<corr>noninteractive</corr>", "<corr>interactive</corr>"), "noninteractive"),
    (lambda s: s.replace("<sid>PilwuP256Mix</sid>", "<sid>1x</sid>"), "session id"),
    (lambda s: s.replace("<width>1</width>", "<width>1</width><width>1</width>"), "twice"),
    (lambda s: s.replace("<nopart>3</nopart>", ""), "missing"),
    (lambda s: s.replace("<statdist>100</statdist>", "<statdist>-1</statdist>"), "decimal"),
    (lambda s: '<!DOCTYPE x [<!ENTITY a "b">]>' + s, "DOCTYPE"),
    (lambda s: s.replace("</protocol>", ""), "well-formed"),
])
def test_protinfo_rules(edit: object, why: str) -> None:
    assert callable(edit)
    parse_protinfo(_protinfo_text().encode())  # the original parses
    with pytest.raises(ProtInfoError, match=why):
        parse_protinfo(edit(_protinfo_text()).encode())


# ---- §10 α and the modified Lagrange coefficients -------------------------------------------------


def test_alpha_and_coefficients() -> None:
    assert [alpha(k) for k in (1, 2, 3, 4, 6)] == [1, 4, 36, 144, 3600]
    q = curve_group("P-256").q
    assert modified_lagrange((1, 2), 3, q) == {1: 72, 2: -36}  # α·(2, -1) with α = 36
    c = modified_lagrange((1, 3), 3, q)
    assert (c[1] * 1 + c[3] * 3) % q == 0 and (c[1] + c[3]) % q == 36  # interpolates at 0, scaled by α


# ---- §12 plaintexts ----------------------------------------------------------------------------------


def test_modp_message_encoding(modp512: VmnGroup) -> None:
    p = modp512.p
    assert modp_encode_length(p) == 59
    for msg in (b"", b"hello", b"x" * 59):
        raw = bytearray(len(msg).to_bytes(4, "big") + msg + bytes(59 - len(msg)))
        if not msg:
            raw[4] = 1  # empty message: byte 5 set to 1
        m = int.from_bytes(raw, "big")
        x = m if gmpy2.legendre(m, p) == 1 else p - m
        el = modp512.element(bt.parse(bt.ser_leaf(x.to_bytes(65, "big"))), "m")
        assert decode_plaintext(modp512, el) == msg


# ---- fuzzing: only our own errors escape ---------------------------------------------------------


trees = st.recursive(st.binary(max_size=12).map(bt.ser_leaf),
                     lambda kids: st.lists(kids, max_size=4).map(bt.ser_node), max_leaves=20)


@FUZZ
@given(trees)
def test_fuzz_byte_tree_round_trip(ser: bytes) -> None:
    assert bt.parse(ser).raw == ser


@FUZZ
@given(trees, st.data())
def test_fuzz_byte_tree_mutations(ser: bytes, data: st.DataObject) -> None:
    buf = bytearray(ser)
    for _ in range(data.draw(st.integers(1, 3))):
        kind = data.draw(st.sampled_from(["flip", "cut", "add"]))
        if kind == "flip" and buf:
            i = data.draw(st.integers(0, len(buf) - 1))
            buf[i] = data.draw(st.integers(0, 255))
        elif kind == "cut":
            buf = buf[:data.draw(st.integers(0, len(buf)))]
        else:
            buf += data.draw(st.binary(min_size=1, max_size=4))
    try:
        t = bt.parse(bytes(buf))
    except VmnFormatError:
        return
    assert t.raw == bytes(buf)


@FUZZ
@given(st.binary(max_size=64))
def test_fuzz_byte_tree_random_bytes(data: bytes) -> None:
    with contextlib.suppress(VmnFormatError):
        bt.parse(data)


@FUZZ
@given(st.data())
def test_fuzz_protinfo(data: st.DataObject) -> None:
    text = _protinfo_text()
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 40)))
    junk = data.draw(st.text(max_size=20))
    try:
        info = parse_protinfo((text[:start] + junk + text[end:]).encode("utf-8", "surrogatepass"))
    except ProtInfoError:
        return
    with contextlib.suppress(PilwuError):
        parse_group(info.s_group)


@FUZZ
@given(st.binary(max_size=200))
def test_fuzz_protinfo_bytes(data: bytes) -> None:
    with contextlib.suppress(ProtInfoError):
        parse_protinfo(b"<protocol>" + data + b"</protocol>")


@FUZZ
@given(st.data())
def test_fuzz_marshalled_group(data: st.DataObject) -> None:
    s_group = parse_protinfo(protinfo(CASES[0]).read_bytes()).s_group
    hexpart = bytearray(bytes.fromhex(s_group.rsplit("::", 1)[1]))
    i = data.draw(st.integers(0, len(hexpart) - 1))
    hexpart[i] = data.draw(st.integers(0, 255))
    with contextlib.suppress(PilwuError):
        parse_group("ModPGroup(x)::" + hexpart.hex())
