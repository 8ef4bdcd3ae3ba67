"""The Fiat–Shamir transcript (pilwu_crypto.algebra.transcript; docs/transcript.md).

Injectivity (checklist A6): any change in what is absorbed — a boundary between two
values, a label/value boundary, a kind, the domain, the context or the group — changes
every later challenge.  Golden vectors are in tests/kat/test_transcript_vectors.py.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pilwu_crypto.algebra import domains
from pilwu_crypto.algebra.group import Group, Scalar
from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.algebra.transcript import Transcript, encode_record
from pilwu_crypto.errors import NotInGroup, OutOfRange
from tests.strategies import scalars

GRP = get_group("pilwu-test-512", allow_test=True)
BIG = get_group("pilwu-3072")
CONTEXT = bytes(range(32))

Ops = Callable[[Transcript], object]


def challenge(ops: Ops, *, group: Group = GRP, domain: str = domains.DST_SCHNORR,
              context: bytes = CONTEXT) -> bytes:
    t = Transcript(group, domain, context)
    ops(t)
    return t.challenge_bytes("c", 64)


def nothing(t: Transcript) -> None:
    pass


# ---- injectivity (A6) ------------------------------------------------------------------------

def appends(*steps: tuple[str, str, object]) -> Ops:
    """Ops appending each (kind, label, value) in turn, e.g. ("text", "x", "ab") -> append_text."""
    def run(t: Transcript) -> None:
        for kind, label, value in steps:
            getattr(t, f"append_{kind}")(label, value)

    return run


def test_a6_injective_encoding() -> None:
    g = GRP.generator()
    variants: dict[str, Ops] = {
        # value boundaries
        "text ab|c": appends(("text", "x", "ab"), ("text", "x", "c")),
        "text a|bc": appends(("text", "x", "a"), ("text", "x", "bc")),
        "text abc": appends(("text", "x", "abc")),
        "bytes ab|c": appends(("bytes", "x", b"ab"), ("bytes", "x", b"c")),
        "bytes a|bc": appends(("bytes", "x", b"a"), ("bytes", "x", b"bc")),
        # kinds: int 1 vs bytes 0x01 vs text "\x01" vs scalar 1; int 0 vs empty bytes
        "int 1": appends(("int", "v", 1)),
        "bytes 01": appends(("bytes", "v", b"\x01")),
        "text \\x01": appends(("text", "v", "\x01")),
        "scalar 1": appends(("scalar", "v", GRP.scalar(1))),
        "int 0": appends(("int", "v", 0)),
        "bytes empty": appends(("bytes", "v", b"")),
        "text empty": appends(("text", "v", "")),
        "nothing": nothing,
        # label/value boundary shifts
        "label ab value c": appends(("bytes", "ab", b"c")),
        "label a value bc": appends(("bytes", "a", b"bc")),
        "label empty value abc": appends(("bytes", "", b"abc")),
        "label abc value empty": appends(("bytes", "abc", b"")),
        # order of two appends
        "x then y": appends(("int", "x", 1), ("int", "y", 2)),
        "y then x": appends(("int", "y", 2), ("int", "x", 1)),
        # an element vs its encoding as plain bytes
        "element g": appends(("element", "v", g)),
        "bytes enc(g)": appends(("bytes", "v", g.to_bytes())),
        # lists of elements of different lengths
        "elements [g, g]": appends(("elements", "L", [g, g])),
        "elements [g]": appends(("elements", "L", [g])),
        "elements []": appends(("elements", "L", [])),
    }
    outs = {name: challenge(ops) for name, ops in variants.items()}
    assert len(set(outs.values())) == len(outs), "two different transcripts give the same challenge"
    # the transcript header: domain, context and group each change the challenge
    header = {
        "base": challenge(nothing),
        "domain": challenge(nothing, domain=domains.DST_DLEQ),
        "domain prefix": challenge(nothing, domain=domains.DST_SCHNORR + "x"),
        "context": challenge(nothing, context=CONTEXT[:-1] + b"\x00"),
        "context longer": challenge(nothing, context=CONTEXT + b"\x00"),
        "context empty": challenge(nothing, context=b""),
        "group": challenge(nothing, group=BIG),
    }
    assert len(set(header.values()) | set(outs.values())) == len(header) + len(outs) - 1  # base == nothing
    assert header["base"] == outs["nothing"]


def test_a6_challenge_label_and_history_matter() -> None:
    t1, t2 = Transcript(GRP, "d", CONTEXT), Transcript(GRP, "d", CONTEXT)
    assert t1.challenge_bytes("a", 32) != t2.challenge_bytes("b", 32)
    # a challenge is absorbed: asking twice gives two different answers
    t = Transcript(GRP, "d", CONTEXT)
    assert t.challenge_bytes("c", 32) != t.challenge_bytes("c", 32)
    # and the same label with a different length is not a prefix of the longer output
    u, v = Transcript(GRP, "d", CONTEXT), Transcript(GRP, "d", CONTEXT)
    assert u.challenge_bytes("c", 64)[:32] == v.challenge_bytes("c", 32)  # one expansion...
    assert u.challenge_bytes("c", 32) != v.challenge_bytes("c", 32)  # ...but different absorption


@settings(max_examples=60, deadline=None)
@given(a=st.lists(st.tuples(st.text(max_size=4), st.binary(max_size=4)), max_size=4),
       b=st.lists(st.tuples(st.text(max_size=4), st.binary(max_size=4)), max_size=4))
def test_a6_injective_on_random_sequences(a: list[tuple[str, bytes]], b: list[tuple[str, bytes]]) -> None:
    def ops(seq: list[tuple[str, bytes]]) -> Ops:
        def run(t: Transcript) -> None:
            for label, value in seq:
                t.append_bytes(label, value)

        return run

    assert (challenge(ops(a)) == challenge(ops(b))) == (a == b)
    assert (b"".join(encode_record(1, lb, v) for lb, v in a)
            == b"".join(encode_record(1, lb, v) for lb, v in b)) == (a == b)


def test_encode_record_layout() -> None:
    assert encode_record(0x04, "n", b"\x01") == bytes.fromhex("04" "00000001" "6e" "0000000000000001" "01")
    assert encode_record(0x05, "é", b"") == b"\x05\x00\x00\x00\x02\xc3\xa9" + b"\x00" * 8


# ---- challenges ----------------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(ctx=st.binary(max_size=64), label=st.text(max_size=8), s=scalars(GRP))
def test_challenge_scalar_in_range(ctx: bytes, label: str, s: Scalar) -> None:
    t = Transcript(GRP, domains.DST_RANGE, ctx)
    t.append_scalar("s", s)
    c = t.challenge_scalar(label)
    assert isinstance(c, Scalar) and 0 <= c.value < GRP.q and c.group is GRP


def test_challenge_scalar_uses_q_plus_128_bits() -> None:
    # |q| + 128 bits = 48 bytes for a 256-bit q: the scalar is those bytes mod q
    t1, t2 = Transcript(GRP, "d", CONTEXT), Transcript(GRP, "d", CONTEXT)
    raw = t2.challenge_bytes("c", 48)
    assert t1.challenge_scalar("c").value == int.from_bytes(raw, "big") % GRP.q
    # absorbed identically afterwards
    assert t1.challenge_bytes("next", 32) == t2.challenge_bytes("next", 32)


@pytest.mark.parametrize("n", [0, 1, 31, 32, 33, 64, 100, 1000])
def test_challenge_bytes_length(n: int) -> None:
    out = Transcript(GRP, "d", CONTEXT).challenge_bytes("c", n)
    assert isinstance(out, bytes) and len(out) == n


# ---- copy, appends --------------------------------------------------------------------------------

def test_copy_is_independent() -> None:
    t = Transcript(GRP, "d", CONTEXT)
    t.append_int("n", 3)
    u = t.copy()
    assert u.group is t.group and u.domain == t.domain
    u.append_int("extra", 1)
    a = t.copy().challenge_bytes("c", 32)
    assert a != u.copy().challenge_bytes("c", 32)  # u moved on, t did not
    assert t.challenge_bytes("c", 32) == a  # copying does not disturb the original
    fresh = Transcript(GRP, "d", CONTEXT)
    fresh.append_int("n", 3)
    fresh.append_int("extra", 1)
    assert fresh.challenge_bytes("c", 32) == u.challenge_bytes("c", 32)


@pytest.mark.parametrize("value", [-1, -(2**300)])
def test_append_int_rejects_negatives(value: int) -> None:
    t = Transcript(GRP, "d", CONTEXT)
    with pytest.raises(OutOfRange, match="count"):
        t.append_int("count", value)


def test_append_int_is_minimal_big_endian() -> None:
    cases = [(0, b""), (1, b"\x01"), (255, b"\xff"), (256, b"\x01\x00"), (2**64, b"\x01" + b"\x00" * 8)]
    for v, enc in cases:
        t1, t2 = Transcript(GRP, "d", CONTEXT), Transcript(GRP, "d", CONTEXT)
        t1.append_int("v", v)
        t2._h.update(encode_record(0x04, "v", enc))  # the documented record, bypassing the API
        assert t1.challenge_bytes("c", 32) == t2.challenge_bytes("c", 32)


def test_append_element_refuses_elements_of_another_group() -> None:
    t = Transcript(GRP, "d", CONTEXT)
    with pytest.raises(NotInGroup, match="commitment"):
        t.append_element("commitment", BIG.generator())
    with pytest.raises(NotInGroup, match=r"L\[1\]"):
        t.append_elements("L", [GRP.generator(), BIG.generator()])


def test_domains_are_versioned_and_distinct() -> None:
    tags = [v if isinstance(v, str) else v.decode() for k, v in vars(domains).items() if k.startswith("DST_")]
    assert len(tags) == len(set(tags)) >= 7
    assert all(tag.startswith(("PILWU-V1-", "PILWU-V2-")) for tag in tags)


def test_every_domain_tag_is_documented() -> None:
    # docs/transcript.md lists every DST constant with its value (A20: producer and
    # independent verifiers work from the same written list).
    from pathlib import Path

    from pilwu_crypto.algebra import domains

    doc = (Path(__file__).resolve().parents[2] / "docs" / "transcript.md").read_text(encoding="utf-8")
    for name in dir(domains):
        if name.startswith("DST_"):
            value = getattr(domains, name)
            text = value.decode() if isinstance(value, bytes) else value
            assert f"`{name}` | `{text}`" in doc, name
