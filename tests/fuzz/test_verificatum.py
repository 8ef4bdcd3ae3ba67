"""Fuzzing the Verificatum readers: byte trees, the objects read from them, protocol info.

Starts from the two real VMN 3.1.0 transcripts in tests/data/verificatum/cases (ModP-512
and P-256).  Every byte-tree file of a transcript is mutated as a tree (subtrees replaced,
deleted, duplicated, wrapped; leaves cut, grown, flipped) and as bytes (lengths and tags
in the headers changed, bytes flipped, cut, inserted); what still parses is then read as
every kind of object a transcript holds (int4, string, big integer, booleans, group
elements and arrays of them, field elements, ciphertexts, PoS commitments and replies) with
the transcript's own group.  protInfo.xml is mutated as an XML tree (fields removed,
doubled, renamed, emptied, given hostile text, entities, comments, CDATA, a DOCTYPE) and as
bytes; its marshalled group string is mutated and parsed.  Only PilwuError may escape.
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pilwu_crypto.interop.verificatum import bytetree as bt
from pilwu_crypto.interop.verificatum.arithm import VmnGroup, parse_group, unmarshal
from pilwu_crypto.interop.verificatum.pos import _parse_pos_commitment, _parse_pos_reply
from pilwu_crypto.interop.verificatum.protinfo import parse_protinfo
from tests.fuzz.common import fuzz_settings, only_pilwu_errors, seed_decorator
from tests.fuzz.mutations import byte_mutations

CASES_DIR = Path(__file__).resolve().parents[1] / "data" / "verificatum" / "cases"
CASES = ("modp512_n100_mix", "p256_n100_mix")
N = 100
"""Ciphertexts in both transcripts."""

Tree = bytes | list[Any]
"""A byte tree as plain data: bytes for a leaf, a list of subtrees for a node."""


@functools.cache
def protinfo_bytes(case: str) -> bytes:
    return (CASES_DIR / case / "protInfo.xml").read_bytes()


@functools.cache
def group_of(case: str) -> VmnGroup:
    return parse_group(parse_protinfo(protinfo_bytes(case)).s_group)


@functools.cache
def tree_files(case: str) -> tuple[tuple[str, bytes], ...]:
    """(name, bytes) of every byte-tree file of the transcript."""
    nizkp = CASES_DIR / case / "nizkp" / "default"
    files = sorted(nizkp.glob("*.bt")) + sorted((nizkp / "proofs").glob("*.bt"))
    return tuple((f.name, f.read_bytes()) for f in files)


def to_data(t: bt.ByteTree) -> Tree:
    if t.children is None:
        return t.data or b""
    return [to_data(c) for c in t.children]


def serialize(t: Tree) -> bytes:
    if isinstance(t, bytes):
        return bt.ser_leaf(t)
    return bt.ser_node([serialize(c) for c in t])


# ---- tree mutations --------------------------------------------------------------------------------
def _paths(t: Tree, prefix: tuple[int, ...] = ()) -> list[tuple[int, ...]]:
    out = [prefix]
    if isinstance(t, list):
        for i, c in enumerate(t):
            out += _paths(c, (*prefix, i))
    return out


def _get(t: Tree, path: tuple[int, ...]) -> Tree:
    for i in path:
        assert isinstance(t, list)
        t = t[i]
    return t


def _set(t: Tree, path: tuple[int, ...], new: Tree | None) -> Tree:
    """A copy with the subtree at ``path`` replaced (None: removed from its parent)."""
    if not path:
        return new if new is not None else b""
    assert isinstance(t, list)
    head, rest = path[0], path[1:]
    if not rest and new is None:
        return t[:head] + t[head + 1:]
    return [*t[:head], _set(t[head], rest, new), *t[head + 1:]]


def leaves() -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=70), st.sampled_from((b"", b"\x00", b"\xff" * 65, b"\x00" * 65,
                                                              b"\x00\x00\x00\x01", b"\xff\xff\xff\xff",
                                                              b"\x80" + b"\x00" * 64, b"\x02")))


@st.composite
def tree_mutations(draw: st.DrawFn, tree: Tree, max_mutations: int = 3) -> Tree:
    t = tree
    for _ in range(draw(st.integers(1, max_mutations))):
        path = draw(st.sampled_from(_paths(t)))
        target = _get(t, path)
        ops = ["leaf", "empty_node", "wrap", "delete", "copy_other"]
        ops += ["cut", "grow", "flip", "to_node"] if isinstance(target, bytes) else ["drop", "dup", "swap", "to_leaf"]
        op = draw(st.sampled_from(ops))
        new: Tree | None
        if op == "leaf":
            new = draw(leaves())
        elif op == "empty_node":
            new = []
        elif op == "wrap":
            new = [target]
        elif op == "delete":
            new = None
        elif op == "copy_other":
            new = _get(t, draw(st.sampled_from(_paths(t))))
        elif isinstance(target, bytes):
            n = len(target)
            if op == "cut":
                new = target[:draw(st.integers(0, max(0, n - 1)))]
            elif op == "grow":
                new = draw(st.sampled_from((b"\x00", b"\xff"))) + target
            elif op == "flip" and n:
                i = draw(st.integers(0, n - 1))
                new = target[:i] + bytes([target[i] ^ (1 << draw(st.integers(0, 7)))]) + target[i + 1:]
            elif op == "to_node":
                new = [target]
            else:
                new = target + b"\x01"
        else:
            n = len(target)
            if op == "drop" and n:
                i = draw(st.integers(0, n - 1))
                new = target[:i] + target[i + 1:]
            elif op == "dup" and n:
                new = [*target, target[draw(st.integers(0, n - 1))]]
            elif op == "swap" and n > 1:
                new = target[::-1]
            elif op == "to_leaf":
                new = serialize(target)[:64]
            else:
                new = [*target, draw(leaves())]
        t = _set(t, path, new)
    return t


@st.composite
def header_mutations(draw: st.DrawFn, data: bytes) -> bytes:
    """Change the tag or the u32 length of one header of the serialized tree."""
    starts = [0]
    buf = bytearray(data)
    try:  # the header positions of the valid tree
        stack = [bt.parse(data)]
        starts = []
        while stack:
            node = stack.pop()
            starts.append(node._start)
            stack += list(node.children or ())
    except Exception:  # any unparsable seed: mutate its first header only
        starts = [0]
    pos = draw(st.sampled_from(starts))
    if pos + 5 > len(buf):
        return bytes(buf)
    if draw(st.booleans()):
        buf[pos] = draw(st.sampled_from((0, 1, 2, 0x80, 0xFF)))
    else:
        length = int.from_bytes(buf[pos + 1:pos + 5], "big")
        new = draw(st.sampled_from((0, 1, length - 1, length + 1, 2 * length, 2**31 - 1, 2**31, 2**32 - 1)))
        buf[pos + 1:pos + 5] = (new % 2**32).to_bytes(4, "big")
    return bytes(buf)


# ---- reading everything a transcript holds from a tree ---------------------------------------------------
def read_everything(case: str, data: bytes) -> None:
    """Parse ``data`` as a byte tree; if it parses, read it as every object type (each read
    on its own: only PilwuError may come out of any of them)."""
    if not only_pilwu_errors(bt.parse, data):
        return
    t = bt.parse(data)
    vg = group_of(case)
    readers = (
        lambda: bt.read_int4(t, "x"), lambda: bt.read_str(t, "x"), lambda: bt.read_bigint(t, "x"),
        lambda: bt.read_bools(t, "x", len(t)), lambda: vg.element(t, "x"), lambda: vg.scalar(t, "x"),
        lambda: vg.elements(t, "x"), lambda: vg.elements(t, "x", N), lambda: vg.scalars(t, "x"),
        lambda: vg.wide_element(t, 2, "x"), lambda: vg.wide_scalar(t, 2, "x"),
        lambda: vg.wide_elements(t, 1, "x"), lambda: vg.wide_elements(t, 2, "x"),
        lambda: vg.ciphertext(t, 1, "x"), lambda: vg.ciphertexts(t, 1, "x"), lambda: vg.ciphertexts(t, 1, "x", N),
        lambda: vg.ciphertexts(t, 2, "x"), lambda: _parse_pos_commitment(vg, t, N, 1),
        lambda: _parse_pos_reply(vg, t, N, 1),
    )
    for read in readers:
        only_pilwu_errors(lambda _, r=read: r(), None)  # type: ignore[misc]


TREE_CASES = [pytest.param(case, name, id=f"{case}/{name}") for case in CASES
              for name, _ in tree_files(case)]


def _tree(case: str, name: str) -> bytes:
    return dict(tree_files(case))[name]


def test_valid_trees_read() -> None:
    for case in CASES:
        for name, data in tree_files(case):
            assert only_pilwu_errors(bt.parse, data), name
            assert bt.parse(data).raw == data


@pytest.mark.parametrize(("case", "name"), TREE_CASES)
@fuzz_settings(8)
@seed_decorator()
@given(data=st.data())
def test_tree_mutations(case: str, name: str, data: st.DataObject) -> None:
    tree = to_data(bt.parse(_tree(case, name)))
    read_everything(case, serialize(data.draw(tree_mutations(tree), label="mutated")))


@pytest.mark.parametrize(("case", "name"), TREE_CASES)
@fuzz_settings(8)
@seed_decorator()
@given(data=st.data())
def test_byte_and_header_mutations(case: str, name: str, data: st.DataObject) -> None:
    raw = _tree(case, name)
    mutated = data.draw(st.one_of(header_mutations(raw), byte_mutations(raw)), label="mutated")
    read_everything(case, mutated)


@fuzz_settings(200)
@seed_decorator()
@given(data=st.binary(max_size=80))
@example(data=b"\x00\xff\xff\xff\xff")
@example(data=b"\x00" * 5 * 40)
@example(data=b"\x00\x00\x00\x00\x01" * 40 + b"\x01\x00\x00\x00\x00")
def test_random_bytes_as_trees(data: bytes) -> None:
    read_everything(CASES[0], data)
    read_everything(CASES[1], data)


# ---- protocol info -------------------------------------------------------------------------------------
FIELDS = ("version", "sid", "nopart", "thres", "statdist", "vbitlenro", "ebitlenro", "prg", "pgroup", "rohash",
          "keywidth", "width", "maxciph", "corr", "party", "name")
TEXTS = ("", " ", "0", "1", "-1", "01", "999999999", "1000000000", "4294967296", "1e3", "0x10", "١", "3.1.0",
         "noninteractive", "SHA-256", "a" * 2000, "&amp;", "\u0000", "\ud7ff", "é", "<x/>", "ModPGroup::00",
         "com.verificatum.arithm.ModPGroup(safe-prime modulus)::00", "::", "x::zz")
SPLICES = ("<!DOCTYPE x>", '<!ENTITY e "x">', "&lol;", "&#0;", "&#x110000;", "&#xD800;", "<![CDATA[<x>]]>",
           "<!-- -->", "<?pi x?>", '<?xml version="1.0" encoding="latin-1"?>', "\x00", "]]>", "<", "&", "\ufeff",
           "<protocol>", "</protocol>", "<version>3.1.0</version>")


@st.composite
def protinfo_mutations(draw: st.DrawFn, data: bytes) -> bytes:
    """protInfo.xml changed as an XML tree, or by splicing hostile XML into its text."""
    text = data.decode("utf-8")
    if draw(st.booleans()):
        i = draw(st.integers(0, len(text)))
        return (text[:i] + draw(st.sampled_from(SPLICES)) + text[i:]).encode("utf-8", "surrogatepass")
    root = ET.fromstring(text)
    for _ in range(draw(st.integers(1, 3))):
        children = list(root)
        op = draw(st.sampled_from(("delete", "double", "rename", "text", "text", "hex", "child", "root")))
        if not children or op == "root":
            root.tag = draw(st.sampled_from(("protocol", "Protocol", "x", "party")))
            continue
        child = draw(st.sampled_from(children))
        if op == "delete":
            root.remove(child)
        elif op == "double":
            root.append(child)
        elif op == "rename":
            child.tag = draw(st.sampled_from(FIELDS))
        elif op == "text":
            child.text = draw(st.one_of(st.sampled_from(TEXTS), st.text(max_size=30)))
        elif op == "hex" and child.text:
            chars = list(child.text)
            i = draw(st.integers(0, len(chars) - 1))
            chars[i] = draw(st.sampled_from("0123456789abcdefABCDEFg:"))
            child.text = "".join(chars)
        else:
            ET.SubElement(child, draw(st.sampled_from(FIELDS))).text = "1"
    return ET.tostring(root, encoding="unicode").encode("utf-8", "surrogatepass")


def parse_protinfo_and_group(data: bytes) -> None:
    """parse_protinfo, then (if it parsed) the marshalled group it names."""
    if only_pilwu_errors(parse_protinfo, data):
        only_pilwu_errors(parse_group, parse_protinfo(data).s_group)


def test_valid_protinfo_reads() -> None:
    for case in CASES:
        info = parse_protinfo(protinfo_bytes(case))
        assert info.k >= 1 and parse_group(info.s_group) is not None


@pytest.mark.parametrize("case", CASES)
@fuzz_settings(60)
@seed_decorator()
@given(data=st.data())
def test_protinfo_mutations(case: str, data: st.DataObject) -> None:
    raw = protinfo_bytes(case)
    parse_protinfo_and_group(data.draw(st.one_of(protinfo_mutations(raw), byte_mutations(raw)), label="mutated"))


@pytest.mark.parametrize("case", CASES)
@fuzz_settings(40)
@seed_decorator()
@given(data=st.data())
def test_marshalled_group_mutations(case: str, data: st.DataObject) -> None:
    """The ``<pgroup>`` string: its byte tree mutated as a tree and by headers, re-marshalled."""
    s_group = parse_protinfo(protinfo_bytes(case)).s_group
    comment, hexpart = s_group.rsplit("::", 1)
    raw = bytes.fromhex(hexpart.strip())
    tree = to_data(bt.parse(raw))
    mutated = data.draw(st.one_of(tree_mutations(tree).map(serialize), header_mutations(raw), byte_mutations(raw)),
                        label="mutated")
    only_pilwu_errors(parse_group, f"{comment}::{mutated.hex()}")
    only_pilwu_errors(unmarshal, f"{comment}::{mutated.hex()}")
