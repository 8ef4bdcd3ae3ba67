"""Hypothesis strategies that mutate valid documents: structurally (as JSON values) and as bytes.

A structural mutation picks any sub-value of a JSON document by its path and changes it:
replaces it by another JSON value of any type (edge integers, floats, hex of the wrong
width or of out-of-range values, unicode, lone surrogates, nested containers), deletes or
inserts keys, truncates, extends, empties or reorders lists, flips hex digits, changes
string lengths and case, wraps a value in an array or an object.  A byte mutation flips,
deletes, inserts or duplicates bytes, truncates, and splices in hostile tokens (a BOM,
invalid UTF-8, NaN, ``1e999``, ``-0``, deep brackets, a duplicate key, an overlong number).

Every strategy starts from a valid value, so that most examples get deep into a parser
before something is wrong (a random byte string is refused at its first byte).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

JsonPath = tuple[str | int, ...]

EDGE_INTS = (0, 1, -1, 2, 255, 256, 2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**53 - 1, 2**53, 2**63 - 1, 2**63,
             2**64, -(2**63), 10**19, 10**20, 10**30, 2**256, -(2**256))
"""Integers at the edges of every range a record uses (u32, JSON-safe 2^53, u64, digits)."""

EDGE_STRINGS = ("", " ", "0", "1", "-1", "00", "0" * 64, "f" * 64, "F" * 64, "g" * 64, "0x" + "0" * 62,
                "00" * 33, "00" * 31, "a" * 65, "\x00", "\ud800", "\udfff", "a\ud800b",
                "é", "Ω" * 32, "\u202e", "\ufeff", "𝔭" * 8, "../x", "/etc/passwd", "a/b", ".", "..", "cast",
                "challenged", "manifest", "ceremony", "mix-stage", "null", "true", "NaN", "Infinity")
"""Strings at the edges: empty, wrong hex widths, non-hex, uppercase, non-ASCII, lone surrogates,
NUL, path tricks and the words a parser dispatches on."""

EXTRA_KEYS = ("version", "kind", "status", "write_in", "write_in_nonces", "write_in_elements", "hash",
              "unknown", "", "\ud800", "é", "a" * 100)
"""Keys to insert: the optional keys parsers switch on, and junk."""

HEX_CHARS = "0123456789abcdefABCDEFgxz G\u00e9\x00"


_long_strings = st.sampled_from(((512, "ff"), (2500, "a"), (5000, "é"))).map(lambda n_c: n_c[1] * n_c[0])
"""Long strings (hex of 512 bytes, 2500 and 5000 characters), built on demand."""


def json_leaves(extra_strings: Sequence[str] = ()) -> st.SearchStrategy[Any]:
    """Any JSON scalar, with edge values drawn often (``extra_strings``: e.g. group-specific hex)."""
    return st.one_of(
        st.none(), st.booleans(), st.sampled_from(EDGE_INTS), st.integers(),
        st.floats(allow_nan=False, allow_infinity=False), st.sampled_from((0.0, -0.0, 1.0, 0.5, 1e300)),
        st.sampled_from(EDGE_STRINGS + tuple(extra_strings)), st.text(max_size=24), _long_strings,
        st.text(alphabet="0123456789abcdef", max_size=140))


def json_values(extra_strings: Sequence[str] = ()) -> st.SearchStrategy[Any]:
    """Any JSON value (scalars and small nested lists and objects)."""
    return st.recursive(
        json_leaves(extra_strings),
        lambda inner: st.one_of(st.lists(inner, max_size=4),
                                st.dictionaries(st.one_of(st.sampled_from(EXTRA_KEYS), st.text(max_size=8)),
                                                inner, max_size=4)),
        max_leaves=8)


# ---- paths into a JSON value -----------------------------------------------------------------------
def paths(value: Any, prefix: JsonPath = ()) -> list[JsonPath]:
    """Every path to a sub-value of ``value``, the root first (depth-first, document order)."""
    out = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            out += paths(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            out += paths(child, (*prefix, i))
    return out


def get(value: Any, path: JsonPath) -> Any:
    """The sub-value at ``path``."""
    for step in path:
        value = value[step]
    return value


def replaced(value: Any, path: JsonPath, new: Any) -> Any:
    """A copy of ``value`` with the sub-value at ``path`` replaced by ``new`` (only the
    containers along the path are copied; the original is never modified)."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        copy_d = dict(value)
        copy_d[head] = replaced(value[head], rest, new)
        return copy_d
    copy_l = list(value)
    assert isinstance(head, int)
    copy_l[head] = replaced(value[head], rest, new)
    return copy_l


_MISSING = object()


def _removed(value: Any, path: JsonPath) -> Any:
    """A copy of ``value`` without the sub-value at ``path`` (a key or a list item)."""
    parent = get(value, path[:-1])
    last = path[-1]
    if isinstance(parent, dict):
        new_parent: Any = {k: v for k, v in parent.items() if k != last}
    else:
        new_parent = [v for i, v in enumerate(parent) if i != last]
    return replaced(value, path[:-1], new_parent)


# ---- one structural mutation -------------------------------------------------------------------------
def _mutate_value(draw: st.DrawFn, target: Any, doc: Any, extra: Sequence[str]) -> Any:
    """A changed version of ``target`` (a sub-value of ``doc``), or _MISSING to delete it."""
    ops = ["replace", "replace", "wrap_list", "wrap_object", "delete", "copy_other"]
    if isinstance(target, dict):
        ops += ["del_key", "add_key", "rename_key", "empty", "swap_values"]
    elif isinstance(target, list):
        ops += ["truncate", "extend", "duplicate", "reverse", "empty", "drop"]
    elif isinstance(target, str):
        ops += ["flip_char", "flip_char", "cut", "grow", "upper", "unicode", "hex_width"]
    elif isinstance(target, bool):
        ops += ["not", "to_int"]
    elif isinstance(target, int):
        ops += ["plus_minus", "negate", "to_float", "to_str", "to_bool", "huge"]
    op = draw(st.sampled_from(ops))
    if op == "replace":
        return draw(json_values(extra))
    if op == "wrap_list":
        return [target]
    if op == "wrap_object":
        return {draw(st.sampled_from(EXTRA_KEYS)): target}
    if op == "delete":
        return _MISSING
    if op == "copy_other":  # another sub-value of the same document: right type, wrong place
        return get(doc, draw(st.sampled_from(paths(doc))))
    if isinstance(target, dict):
        keys = list(target)
        if op == "empty" or not keys:
            return {}
        if op == "del_key":
            gone = draw(st.sampled_from(keys))
            return {k: v for k, v in target.items() if k != gone}
        if op == "add_key":
            key = draw(st.one_of(st.sampled_from(EXTRA_KEYS), st.text(max_size=10)))
            return {**target, key: draw(json_values(extra))}
        if op == "rename_key":
            old = draw(st.sampled_from(keys))
            new = draw(st.one_of(st.sampled_from(EXTRA_KEYS), st.just(old.upper()), st.just(old + " ")))
            return {(new if k == old else k): v for k, v in target.items()}
        a, b = draw(st.sampled_from(keys)), draw(st.sampled_from(keys))  # swap_values
        return {k: (target[b] if k == a else target[a] if k == b else v) for k, v in target.items()}
    if isinstance(target, list):
        n = len(target)
        if op == "empty" or n == 0:
            return [] if op == "empty" or draw(st.booleans()) else [draw(json_values(extra))]
        if op == "truncate":
            return target[:draw(st.integers(0, n - 1))]
        if op == "extend":
            return target + [draw(st.one_of(st.sampled_from(target), json_values(extra)))
                             for _ in range(draw(st.integers(1, 3)))]
        if op == "duplicate":
            i = draw(st.integers(0, n - 1))
            return [*target[:i + 1], target[i], *target[i + 1:]]
        if op == "reverse":
            return target[::-1]
        i = draw(st.integers(0, n - 1))  # drop
        return target[:i] + target[i + 1:]
    if isinstance(target, str):
        n = len(target)
        if op == "flip_char":
            if n == 0:
                return draw(st.sampled_from(HEX_CHARS))
            i = draw(st.integers(0, n - 1))
            return target[:i] + draw(st.sampled_from(HEX_CHARS)) + target[i + 1:]
        if op == "cut":
            return target[:draw(st.integers(0, max(0, n - 1)))]
        if op == "grow":
            return target + draw(st.sampled_from(("0", "00", "a", target, " ", "\n")))
        if op == "upper":
            return target.upper()
        if op == "unicode":
            i = draw(st.integers(0, n))
            return target[:i] + draw(st.sampled_from(("é", "\ud800", "\x00", "\u202e", "𝔭", "\ufeff"))) + target[i:]
        width = draw(st.sampled_from((0, 1, 2, max(0, n - 2), n + 2, 2 * n)))  # hex_width
        return target[n - width:] if width < n else "0" * (width - n) + target
    if isinstance(target, bool):
        return (not target) if op == "not" else int(target)
    assert isinstance(target, int)
    if op == "plus_minus":
        return target + draw(st.sampled_from((1, -1, 2, -2, 2**32, -(2**32))))
    if op == "negate":
        return -target
    if op == "to_float":
        return float(target)
    if op == "to_str":
        return str(target)
    if op == "to_bool":
        return bool(target)
    return draw(st.sampled_from(EDGE_INTS))  # huge


@st.composite
def structural(draw: st.DrawFn, doc: Any, extra_strings: Sequence[str] = (), max_mutations: int = 3) -> Any:
    """``doc`` with 1 … ``max_mutations`` structural mutations at random paths."""
    value = doc
    for _ in range(draw(st.integers(1, max_mutations))):
        path = draw(st.sampled_from(paths(value)))
        new = _mutate_value(draw, get(value, path), value, extra_strings)
        deleted = new is _MISSING
        value = (_removed(value, path) if path else None) if deleted else replaced(value, path, new)
    return value


def encode(value: Any, *, ascii_only: bool = True) -> bytes:
    """JSON bytes of a (mutated) value; lone surrogates are written as escapes, which
    parse back to the same string.  NaN cannot occur (the strategies draw none)."""
    return json.dumps(value, ensure_ascii=ascii_only, separators=(",", ":")).encode("utf-8", "surrogatepass")


# ---- byte mutations ------------------------------------------------------------------------------------
TOKENS = (b'"version":1,', b"NaN", b"Infinity", b"-Infinity", b"1e999", b"-1e999", b"-0", b"0.5", b"1E2",
          b"[" * 40, b'{"a":' * 40, b"]" * 3, b"}", b'\\ud800', b'"\\u0000"', b"\xff", b"\xc0\x80",
          b"\xed\xa0\x80", b"\xef\xbb\xbf", b"\x00", b"9" * 25, b"true", b"null", b",", b":", b'"', b"\\",
          b"\n", b"\r\n", b" ", b"\t", b"\xe2\x80\xae", b"\xf4\x90\x80\x80")
"""Hostile splices: a duplicate key, NaN and Infinity, an overflowing float, -0, a float, deep
nesting, escapes of a lone surrogate and of NUL, invalid UTF-8 (lone continuation byte,
overlong, encoded surrogate, beyond U+10FFFF), a BOM, an overlong integer, separators."""


@st.composite
def byte_mutations(draw: st.DrawFn, data: bytes, max_mutations: int = 3) -> bytes:
    """``data`` with 1 … ``max_mutations`` byte-level mutations."""
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, max_mutations))):
        op = draw(st.sampled_from(("bit", "byte", "delete", "insert", "duplicate", "truncate", "token",
                                   "token", "dup_key", "bom")))
        n = len(buf)
        i = draw(st.integers(0, n))
        if op == "bit" and n:
            j = min(i, n - 1)
            buf[j] ^= 1 << draw(st.integers(0, 7))
        elif op == "byte" and n:
            buf[min(i, n - 1)] = draw(st.integers(0, 255))
        elif op == "delete":
            del buf[i:i + draw(st.integers(1, 64))]
        elif op == "insert":
            buf[i:i] = draw(st.binary(min_size=1, max_size=16))
        elif op == "duplicate":
            buf[i:i] = buf[i:i + draw(st.integers(1, 256))]
        elif op == "truncate":
            del buf[i:]
        elif op == "token":
            buf[i:i] = draw(st.sampled_from(TOKENS))
        elif op == "dup_key":  # repeat a key right after some '{': a duplicate or an unknown key
            starts = [k for k, b in enumerate(buf) if b == 0x7B]
            if starts:
                k = draw(st.sampled_from(starts)) + 1
                buf[k:k] = draw(st.sampled_from((b'"version":1,', b'"kind":"x",', b'"status":"cast",',
                                                 b'"a":1,"a":2,')))
        elif op == "bom":
            buf[0:0] = b"\xef\xbb\xbf"
    return bytes(buf)
