"""Fuzzing the strict JSON parser itself (codec.parse_json) and its depth pre-scan.

parse_json takes untrusted bytes: it must return a JSON value or raise MalformedRecord,
for any input — duplicate keys, NaN and Infinity, deep nesting, huge numbers, invalid
UTF-8, a byte-order mark, lone surrogates — and valid JSON within the limits must come
back unchanged.
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pilwu_crypto.errors import MalformedRecord
from pilwu_crypto.record import codec
from pilwu_crypto.record.layout import MAX_DEPTH
from tests.fuzz.common import fuzz_settings, only_pilwu_errors, seed_decorator
from tests.fuzz.mutations import byte_mutations, encode, json_values

JSON_PIECES = (b"{", b"}", b"[", b"]", b",", b":", b'"a"', b'"b"', b'"\\u0000"', b'"\\ud800"', b'"\\"', b"1",
               b"-0", b"0", b"-1", b"1.5", b"1e999", b"9" * 21, b"9" * 20, b"true", b"false", b"null", b"NaN",
               b"Infinity", b"-Infinity", b" ", b"\n", b"\xef\xbb\xbf", b"\xff", b"\xc3", b"\xed\xa0\x80", b"'")
"""Pieces of JSON text (and of almost-JSON) to concatenate."""


def _within_limits(value: Any, depth: int = 0) -> bool:
    """A value parse_json must accept: integers of at most MAX_INT_DIGITS characters,
    nesting at most MAX_DEPTH, finite floats."""
    if isinstance(value, (bool, str)) or value is None:
        return True
    if isinstance(value, int):
        return len(str(value)) <= codec.MAX_INT_DIGITS
    if isinstance(value, float):
        return math.isfinite(value)
    if depth >= MAX_DEPTH:
        return False
    if isinstance(value, list):
        return all(_within_limits(v, depth + 1) for v in value)
    return all(_within_limits(k) and _within_limits(v, depth + 1) for k, v in value.items())


def _surrogates(value: Any) -> bool:
    if isinstance(value, str):
        return any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, list):
        return any(_surrogates(v) for v in value)
    if isinstance(value, dict):
        return any(_surrogates(k) or _surrogates(v) for k, v in value.items())
    return False


@fuzz_settings(300)
@seed_decorator()
@given(data=st.binary(max_size=200))
@example(data=b"\xef\xbb\xbf{}")
@example(data=b'{"a":1,"a":1}')
@example(data=b'{"a":{"b":1,"b":2}}')
@example(data=b"NaN")
@example(data=b"[Infinity]")
@example(data=b"-Infinity")
@example(data=b"1e999")
@example(data=b"-0")
@example(data=b"9" * 21)
@example(data=b"\xff")
@example(data=b'"\xed\xa0\x80"')
@example(data=b'"\\ud800"')
@example(data=b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))
@example(data=b'"' + b"[" * 100 + b'"')
def test_random_bytes(data: bytes) -> None:
    only_pilwu_errors(codec.parse_json, data)


@fuzz_settings(300)
@seed_decorator()
@given(pieces=st.lists(st.sampled_from(JSON_PIECES), max_size=40))
def test_json_like_text(pieces: list[bytes]) -> None:
    only_pilwu_errors(codec.parse_json, b"".join(pieces))


@fuzz_settings(200)
@seed_decorator()
@given(value=json_values(), data=st.data())
def test_mutated_json_text(value: Any, data: st.DataObject) -> None:
    only_pilwu_errors(codec.parse_json, data.draw(byte_mutations(encode(value))))


@fuzz_settings(200)
@seed_decorator()
@given(value=json_values())
def test_valid_json_round_trips(value: Any) -> None:
    """Valid JSON within the limits parses to itself (canonical and escaped forms)."""
    if not _within_limits(value):
        with pytest.raises(MalformedRecord):
            codec.parse_json(encode(value))
        return
    assert codec.parse_json(encode(value)) == value  # escaped: lone surrogates as \\ud800
    if not _surrogates(value):  # canonical bytes are UTF-8, which cannot hold a lone surrogate
        assert codec.parse_json(codec.dumps_canonical(value)) == value


@fuzz_settings(100)
@seed_decorator()
@given(depth=st.integers(0, 3 * MAX_DEPTH), opener=st.sampled_from(("[", '{"k":')), inner=st.sampled_from(("1", "")))
def test_nesting_limit(depth: int, opener: str, inner: str) -> None:
    """Exactly MAX_DEPTH levels parse; one more is refused by name (before the parser)."""
    closer = "]" if opener == "[" else "}"
    text = (opener * depth + (inner or ("1" if opener != "[" else "")) + closer * depth).encode()
    if depth <= MAX_DEPTH:
        codec.parse_json(text)
    else:
        with pytest.raises(MalformedRecord, match="nested deeper"):
            codec.parse_json(text)


@pytest.mark.parametrize("data", [
    b'{"a":1,"a":2}', b'[{"x":{"y":1,"y":1}}]', b"NaN", b"[Infinity]", b'{"a":-Infinity}',
    b"\xef\xbb\xbf{}", b"\xff{}", b'{"a":"\xc0\x80"}', b'"\xed\xa0\x80"', b"1" * 21, b"-0", b'{"a":-0}',
    b"", b" ", b"{", b'{"a"}', b"[1,]", b"{'a':1}", b"01", b"1 2",
], ids=lambda d: repr(d)[:30])
def test_pinned_refusals(data: bytes) -> None:
    with pytest.raises(MalformedRecord):
        codec.parse_json(data)


@pytest.mark.parametrize("data", [b"1e999", b"-1e999", b"[1E400]", b'{"a":-2e308}'])
def test_overflowing_floats_are_refused(data: bytes) -> None:
    """1e999 is not Infinity by another name: a number that overflows a double is refused
    like Infinity itself (parse_json documents "no NaN/Infinity")."""
    with pytest.raises(MalformedRecord):
        codec.parse_json(data)


def test_lone_surrogate_escape_is_parsed_and_refused_by_text_fields() -> None:
    """JSON may escape a lone surrogate; parse_json returns it, and text fields refuse it."""
    assert codec.parse_json(b'"\\ud800"') == "\ud800"
    with pytest.raises(MalformedRecord, match="surrogate"):
        codec._text("\ud800", "name")


@pytest.mark.parametrize("data", [
    b"[" * 1_000_000,
    b'"' + b'\\"' * 500_000 + b'"',
    b"[" + b"[]," * 300_000 + b"1]",
    b"9" * 1_000_000,
    b'"' + b"\\u0000" * 150_000 + b'"',
    b"1." + b"5" * 1_000_000,
], ids=["open-brackets", "escaped-quotes", "wide-array", "long-integer", "escapes", "long-float"])
def test_large_hostile_inputs_are_fast(data: bytes) -> None:
    """About 1 MB of hostile JSON is parsed or refused in linear time (a generous bound)."""
    start = time.perf_counter()
    try:
        value = codec.parse_json(data)
    except MalformedRecord:
        value = None
    assert time.perf_counter() - start < 5.0
    if data.startswith(b"1."):
        assert isinstance(value, float)


def test_canonical_dump_of_parsed_duplicates_is_impossible() -> None:
    """The object hook refuses duplicates before a later key could silently win."""
    assert json.loads('{"a":1,"a":2}') == {"a": 2}  # what the standard library would do
    with pytest.raises(MalformedRecord, match="duplicate key"):
        codec.parse_json(b'{"a":1,"a":2}')


def test_check_depth_ignores_brackets_in_strings() -> None:
    text = '["' + "[" * 100 + '\\"' + "{" * 100 + '"]'
    codec.check_depth(text)
    assert codec.parse_json(text.encode()) == ["[" * 100 + '"' + "{" * 100]
