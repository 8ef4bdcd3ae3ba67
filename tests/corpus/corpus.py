"""Tamper corpus: systematic mutations of a valid election record.

Given the files of a valid record (:func:`load_files`), :func:`generate` yields
:class:`Mutation` objects, each a deterministic recipe that turns the record's files into
a tampered copy (:meth:`Mutation.apply`).  The attacker is assumed to recompute every
hash and size in ``index.json`` after tampering (:func:`reindexed`), so the cryptographic
checks, not the index, must catch each change; only the mutations of kind ``index`` touch
the index alone.

Mutation kinds (``Mutation.kind``):

``field``
    every leaf of every JSON document and of every JSON Lines entry (ballots cast and
    challenged, ceremony shares, mix stage outputs) replaced by: another valid-looking
    value (a group member, a scalar below q, another hash, another id), a non-member,
    0, 1, p-1, p, q, a negative number, a huge value, non-hex, uppercase hex, hex with
    Unicode digits or an underscore, a wrong length, Unicode text, the wrong JSON type.
``object``
    a key of a JSON object dropped, an unknown key added, the object replaced by a list.
``list``
    list items dropped (first, last), duplicated, swapped, reversed, the list emptied.
``lines``
    JSON Lines files: a line dropped, duplicated, swapped with the next, the file reversed.
``file``
    a file missing (still listed, or also dropped from the index), empty, truncated
    (halfway, or its last byte), duplicated under another valid record name, an extra
    file (listed or not).
``index``
    index.json alone: an entry's hash, size or path changed, an entry dropped or added,
    entries reordered or duplicated, unsafe paths, the index truncated, empty, missing,
    not JSON, of another version or kind.
``replay``
    ballots replayed: a cast ballot appended again (same id, a new id, on the other
    device), a challenged ballot cast, ballots swapped between devices, a ballot
    re-randomised (every ciphertext re-encrypted under the joint key, proofs kept).
``encoding``
    byte-level re-encodings that do not change the decoded values: keys reordered,
    whitespace added (classified harmless, see :data:`HARMLESS`), and ones that do: a
    byte-order mark, invalid UTF-8, a document duplicated key, NaN.

Each mutation says what the verifier must do with it (``expect``):

``invalid``
    not valid (exit 1); the failures (or skip reasons) name the item: one of
    ``needles`` occurs in them.  ``unreadable_ok`` allows exit 2 (RecordUnreadable)
    instead: only for index.json and parameters.json, the files without which the
    record cannot be read at all.
``harmless``
    the record still verifies; ``reason`` says why (e.g. the index hashes whole files
    and nothing is hashed over JSON text, so reordering keys changes nothing the
    cryptography covers).
``gap``
    a known gap (the record still verifies although it should not); ``reason`` names
    it.  The test asserts that it still verifies, so that a fix forces reclassification.

Run ``python -m tests.corpus.corpus`` to print the counts by kind.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pilwu_crypto import elgamal as eg
from pilwu_crypto.algebra.group import Group
from pilwu_crypto.algebra.modp import ModPGroup
from pilwu_crypto.elgamal import PublicKey
from pilwu_crypto.record import codec
from pilwu_crypto.record.layout import FORMAT_VERSION, INDEX_PATH, LEGACY_FORMAT_VERSION, PARAMETERS_PATH

Files = dict[str, bytes]
"""A record in memory: relative path -> bytes, index.json included."""
JsonPath = tuple[str | int, ...]
Expect = Literal["invalid", "harmless", "gap"]

KINDS = ("field", "object", "list", "lines", "file", "index", "replay", "encoding")

HEX_RE = re.compile(r"[0-9a-f]{16,}")
ID_LIKE = re.compile(r"[a-z]+-[0-9a-z]+")
"""A replacement value that names itself (``trustee-2``): a failure may name it instead."""


# ====================================================================== mutations ===
@dataclass(frozen=True)
class Mutation:
    """One tampering of a record: a stable id, its kind, what the verifier must report."""

    id: str
    """Stable, unique: ``kind/path[:line]/field/variant``."""
    kind: str
    target: str
    """The file (and line) changed."""
    change: Callable[[Files], Files]
    """Returns the tampered files, index.json included."""
    needles: tuple[str, ...] = ()
    """At least one must occur in the report's failures (expect == "invalid")."""
    expect: Expect = "invalid"
    unreadable_ok: bool = False
    reason: str = ""

    def apply(self, files: Files) -> Files:
        return self.change(files)


def reindexed(files: Files, *, drop: frozenset[str] = frozenset(), add: frozenset[str] = frozenset()) -> Files:
    """The files with index.json recomputed as the attacker would: every file present is
    listed with its true hash and size (minus ``drop``; ``add`` lists paths absent)."""
    out = dict(files)
    entries = []
    for path in sorted((set(out) - {INDEX_PATH} - drop) | add):
        data = out.get(path, b"")
        entries.append({"path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})
    out[INDEX_PATH] = canonical({"version": FORMAT_VERSION, "kind": "pilwu-record-index", "files": entries})
    return out


def canonical(value: Any) -> bytes:
    """The record's canonical JSON bytes (codec.dumps_canonical) of any value, NaN included."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def load_files(root: Path) -> Files:
    """Every file under ``root`` (relative POSIX paths)."""
    out: Files = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            p = Path(dirpath) / name
            out[p.relative_to(root).as_posix()] = p.read_bytes()
    return out


def write_files(files: Files, root: Path) -> None:
    """Materialize ``files`` under ``root`` (which must not exist)."""
    root.mkdir(parents=True)
    for rel, data in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


# ====================================================================== JSON access ===
def _get(value: Any, path: JsonPath) -> Any:
    for key in path:
        value = value[key]
    return value


def _set(value: Any, path: JsonPath, new: Any) -> None:
    _get(value, path[:-1])[path[-1]] = new


def show_path(path: JsonPath) -> str:
    """A JSON path as the codec names it: ``ballot.contests[0].options[2].ciphertext.alpha``."""
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else key)
    return out


def _walk(value: Any, path: JsonPath = ()) -> Iterator[tuple[JsonPath, Any]]:
    """Every node (path, value), parents before children."""
    yield path, value
    if isinstance(value, dict):
        for k in sorted(value):
            yield from _walk(value[k], (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, (*path, i))


def _is_lines(path: str) -> bool:
    return path.endswith(".jsonl")


def _split_lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")[:-1]


def _join_lines(lines: list[bytes]) -> bytes:
    return b"".join(line + b"\n" for line in lines)


def _edit_json(path: str, line: int | None, edit: Callable[[Any], Any]) -> Callable[[Files], Files]:
    """A change that edits one document (or one line, from 1) and reindexes."""

    def change(files: Files) -> Files:
        out = dict(files)
        if line is None:
            out[path] = canonical(edit(json.loads(files[path])))
        else:
            lines = _split_lines(files[path])
            lines[line - 1] = canonical(edit(json.loads(lines[line - 1])))[:-1]
            out[path] = _join_lines(lines)
        return reindexed(out)

    return change


def _edit_bytes(path: str, edit: Callable[[bytes], bytes | None], *, reindex: bool = True
                ) -> Callable[[Files], Files]:
    """A change of one file's bytes (None: the file is deleted)."""

    def change(files: Files) -> Files:
        out = dict(files)
        new = edit(files[path])
        if new is None:
            del out[path]
        else:
            out[path] = new
        return reindexed(out) if reindex else out

    return change


# ====================================================================== values ======
@dataclass
class Values:
    """Replacement values for the record's group (deterministic)."""

    group: Group
    hex_element: int = field(init=False)
    hex_scalar: int = field(init=False)

    def __post_init__(self) -> None:
        self.hex_element = 2 * self.group.element_size
        self.hex_scalar = 2 * self.group.scalar_size

    def member(self, k: int) -> str:
        return self.group.exp_g(k).to_bytes().hex()

    def non_member(self) -> str:
        assert isinstance(self.group, ModPGroup)
        p, q = int(self.group.p), self.group.q
        x = 2
        while pow(x, q, p) == 1:
            x += 1
        return f"{x:0{self.hex_element}x}"

    def p(self) -> int:
        assert isinstance(self.group, ModPGroup)
        return int(self.group.p)


def _hex_variants(v: Values, value: str, rng: random.Random) -> list[tuple[str, Any]]:
    n = len(value)
    out: list[tuple[str, Any]] = []
    if n == v.hex_element:
        out += [("other-member", v.member(rng.randrange(2, 1 << 30))), ("non-member", v.non_member()),
                ("p-1", f"{v.p() - 1:0{n}x}"), ("p", f"{v.p():0{n}x}"), ("max", "f" * n)]
    elif n == v.hex_scalar:
        out += [("other-scalar", f"{rng.randrange(1, v.group.q):0{n}x}"), ("q", f"{v.group.q:0{n}x}"),
                ("q-1", f"{v.group.q - 1:0{n}x}"), ("max", "f" * n)]
    else:
        out += [("other-hex", f"{rng.getrandbits(4 * n):0{n}x}"), ("max", "f" * n)]
    out += [("zero", "0" * n), ("one", "0" * (n - 1) + "1"), ("negative", "-" + value[1:]),
            ("non-hex", "g" + value[1:]), ("uppercase", value.upper()),
            ("unicode-digit", "\u0663" + value[1:]), ("fullwidth", "\uff41" + value[1:]),
            ("underscore", value[:2] + "_" + value[3:]), ("space", " " + value[1:]),
            ("0x", "0x" + value[2:]), ("short", value[:-2]), ("long", value + "00"), ("odd", value[:-1]),
            ("huge", "f" * (n * 64)), ("integer", int(value[:12], 16)), ("null", None)]
    return out


def _int_variants(value: int) -> list[tuple[str, Any]]:
    return [("plus-1", value + 1), ("minus-1", value - 1), ("zero", 0), ("one", 1), ("negative", -abs(value) - 1),
            ("huge", 2**64 + value), ("too-long", 10**25), ("float", float(value)), ("bool", True),
            ("string", str(value)), ("null", None)]


def _text_variants(value: str) -> list[tuple[str, Any]]:
    return [("other", value + "x"), ("other-char", value[:-1] + ("2" if value[-1] != "2" else "3")),
            ("empty", ""), ("unicode", value + "\u00e9"), ("unicode-only", "\u0915\u0941\u0935\u0941"),
            ("space", value + " "), ("slash", "../" + value), ("long", value * (5000 // len(value) + 1)),
            ("integer", 7), ("list", [value]), ("null", None)]


def _leaf_variants(v: Values, value: Any, rng: random.Random) -> list[tuple[str, Any]]:
    if isinstance(value, bool):
        return [("flip", not value), ("integer", int(value))]
    if isinstance(value, int):
        return _int_variants(value)
    if isinstance(value, str) and HEX_RE.fullmatch(value) and len(value) % 2 == 0:
        return _hex_variants(v, value, rng)
    if isinstance(value, str) and value:
        return _text_variants(value)
    return [("null", None)]


# ====================================================================== the generator =
class Generator:
    """Generates every mutation of one record (``name`` prefixes the ids)."""

    def __init__(self, name: str, files: Files, group: Group, joint_key: PublicKey) -> None:
        self.name = name
        self.files = files
        self.values = Values(group)
        self.joint_key = joint_key

    # ---- what names an item ---------------------------------------------------------
    def needles(self, path: str, line: int | None, doc: Any) -> tuple[str, ...]:
        out = [path] if line is None else [f"{path}:{line}"]
        if path.startswith("ballots/"):
            device = path[len("ballots/"):-len(".jsonl")]
            out.append(device)
            if isinstance(doc, dict) and isinstance(doc.get("ballot"), dict):
                bid = doc["ballot"].get("ballot_id")
                if isinstance(bid, str):
                    out.append(f"ballot {bid}")
                    out.append(bid)
        if path.startswith("tally/shares/") and isinstance(doc, dict):
            out.append("tally/shares")
        if path.startswith("mixnet/stage-"):
            pos = path[len("mixnet/stage-"):].split(".")[0]
            out += [f"stage {pos}", f"stage-{pos}"]
        if path.startswith("mixnet/decryption/"):
            out.append("mixnet/decryption")
            out.append(path[len("mixnet/decryption/"):-len(".json")])
        if path.startswith(("tally/shares/", "mixnet/decryption/")):
            out.append(path.rsplit("/", 1)[1].split(".")[0])
        if path == "ceremony/shares.jsonl":
            out.append(path)
        return tuple(out)

    def item_needles(self, doc: Any, jpath: JsonPath) -> tuple[str, ...]:
        """The ids of the list item a mutation changes (or of every item, for a change above
        the items): a failure may name the trustee or device instead of the file."""
        scope = doc
        if len(jpath) >= 2 and isinstance(doc, dict) and isinstance(doc.get(jpath[0]), list):
            scope = doc[jpath[0]][jpath[1]] if isinstance(jpath[1], int) else doc
        ids = sorted({v for p, v in _walk(scope) if p and isinstance(p[-1], str) and p[-1].endswith("_id")
                      and isinstance(v, str)})
        return tuple(f"{i}" for i in ids if not i.startswith(("ballot-", "kuwu", "candidate-", "bpd")))

    def _mutation(self, kind: str, target: str, variant: str, change: Callable[[Files], Files],
                  needles: tuple[str, ...], **kw: Any) -> Mutation:
        unreadable = target.split(":")[0] in (PARAMETERS_PATH, INDEX_PATH)
        kw.setdefault("unreadable_ok", unreadable)
        return Mutation(f"{self.name}/{kind}/{target}/{variant}", kind, target, change, needles, **kw)

    # ---- all --------------------------------------------------------------------------
    def all(self) -> Iterator[Mutation]:
        for path in sorted(self.files):
            if path == INDEX_PATH:
                continue
            if _is_lines(path):
                for i, raw in enumerate(_split_lines(self.files[path]), start=1):
                    yield from self.structural(path, i, json.loads(raw))
                yield from self.line_mutations(path)
            else:
                yield from self.structural(path, None, json.loads(self.files[path]))
            yield from self.encodings(path)
            yield from self.file_mutations(path)
        yield from self.extra_files()
        yield from self.index_mutations()
        yield from self.replays()

    # ---- fields, objects, lists -----------------------------------------------------------
    def structural(self, path: str, line: int | None, doc: Any) -> Iterator[Mutation]:
        where = path if line is None else f"{path}:{line}"
        needles = self.needles(path, line, doc)
        for jpath, value in _walk(doc):
            shown = show_path(jpath) or "(root)"
            if line is None and not path.startswith("mixnet/result"):
                needles = self.needles(path, line, doc) + self.item_needles(doc, jpath)
            rng = random.Random(f"{self.name}/{where}/{shown}")
            if isinstance(value, dict):
                variants: list[tuple[str, Callable[[Any], Any]]] = []
                for key in sorted(value):
                    variants.append((f"drop-key-{key}", _drop_key(jpath, key)))
                variants.append(("unknown-key", _add_key(jpath)))
                variants.append(("as-list", _replace(jpath, [])))
                for variant, edit in variants:
                    yield self._mutation("object", where, f"{shown}/{variant}", _edit_json(path, line, edit),
                                         needles)
            elif isinstance(value, list):
                for variant, edit in _list_variants(jpath, value):
                    if edit(json.loads(json.dumps(doc))) == doc:
                        continue  # e.g. a palindrome reversed: nothing changed
                    yield self._mutation("list", where, f"{shown}/{variant}", _edit_json(path, line, edit),
                                         needles)
            else:
                for variant, new in _leaf_variants(self.values, value, rng):
                    if new == value and type(new) is type(value):
                        continue
                    named = (*needles, new) if isinstance(new, str) and ID_LIKE.fullmatch(new) else needles
                    if jpath[-1:] == ("trustee_index",) and type(new) is int:
                        named = (*named, f"trustee {new} (")  # the failure names the trustee it claims to be
                    yield self._mutation("field", where, f"{shown}/{variant}",
                                         _edit_json(path, line, _replace(jpath, new)), named)

    # ---- JSON Lines -------------------------------------------------------------------------
    def line_mutations(self, path: str) -> Iterator[Mutation]:
        lines = _split_lines(self.files[path])
        n = len(lines)
        needles = self.needles(path, None, None)
        edits: list[tuple[str, Callable[[list[bytes]], list[bytes]]]] = []
        for i in range(n):
            edits.append((f"drop-line-{i + 1}", lambda ls, i=i: ls[:i] + ls[i + 1:]))
            edits.append((f"duplicate-line-{i + 1}", lambda ls, i=i: ls[:i + 1] + ls[i:]))
        for i in range(n - 1):
            edits.append((f"swap-lines-{i + 1}-{i + 2}", lambda ls, i=i: [*ls[:i], ls[i + 1], ls[i], *ls[i + 2:]]))
        if n > 2:
            edits.append(("reverse", lambda ls: ls[::-1]))
        if n:
            edits.append(("blank-line", lambda ls: [*ls, b""]))
            edits.append(("crlf", lambda ls: [ls[0] + b"\r", *ls[1:]]))
        for variant, edit in edits:
            change = _edit_bytes(path, lambda d, e=edit: _join_lines(e(_split_lines(d))))
            yield self._mutation("lines", path, variant, change, needles)

    # ---- byte encodings ---------------------------------------------------------------------
    def encodings(self, path: str) -> Iterator[Mutation]:
        needles = self.needles(path, None, None)
        harmless = "nothing is hashed over JSON text (record-format.md §3, checklist A21): the index hashes " \
                   "whole files and the attacker recomputed it; the reader accepts any valid JSON layout " \
                   "and every hash is over canonical bytes rebuilt from the decoded values"

        def relayout(data: bytes, dump: Callable[[Any], str]) -> bytes:
            if _is_lines(path):
                return _join_lines([dump(json.loads(x)).encode() for x in _split_lines(data)])
            return (dump(json.loads(data)) + "\n").encode()

        def reordered(v: Any) -> str:
            return json.dumps(_reverse_keys(v), separators=(",", ":"), ensure_ascii=False)

        def spaced(v: Any) -> str:
            return json.dumps(v, sort_keys=True, separators=(", ", ": "), ensure_ascii=True)

        if self.files[path].strip():
            yield self._mutation("encoding", path, "keys-reordered",
                                 _edit_bytes(path, lambda d: relayout(d, reordered)), needles,
                                 expect="harmless", reason=harmless)
            yield self._mutation("encoding", path, "whitespace-and-ascii-escapes",
                                 _edit_bytes(path, lambda d: relayout(d, spaced)), needles,
                                 expect="harmless", reason=harmless)
        yield self._mutation("encoding", path, "bom", _edit_bytes(path, lambda d: b"\xef\xbb\xbf" + d), needles)
        if self.files[path]:
            yield self._mutation("encoding", path, "invalid-utf8",
                                 _edit_bytes(path, lambda d: d[:1] + b"\xff" + d[1:]), needles)
            yield self._mutation("encoding", path, "duplicate-key",
                                 _edit_bytes(path, lambda d: b'{"version":1,' + d[1:]), needles)
            yield self._mutation("encoding", path, "nan",
                                 _edit_bytes(path, lambda d: b'{"nan":NaN,' + d[1:]), needles)
            yield self._mutation("encoding", path, "deep-nesting",
                                 _edit_bytes(path, lambda d: b'{"deep":' + b"[" * 40 + b"]" * 40 + b"," + d[1:]),
                                 needles)

    # ---- whole files ------------------------------------------------------------------------
    def file_mutations(self, path: str) -> Iterator[Mutation]:
        needles = self.needles(path, None, None)
        data = self.files[path]
        yield self._mutation("file", path, "missing-still-listed",
                             lambda f: {k: v for k, v in f.items() if k != path}, needles)
        yield self._mutation("file", path, "missing-and-unlisted",
                             lambda f: reindexed({k: v for k, v in f.items() if k != path}), needles,
                             **self._unlisted_expectation(path))
        if data:
            yield self._mutation("file", path, "empty", _edit_bytes(path, lambda d: b""), needles)
            yield self._mutation("file", path, "truncated-half", _edit_bytes(path, lambda d: d[:len(d) // 2]),
                                 needles)
            yield self._mutation("file", path, "truncated-last-byte", _edit_bytes(path, lambda d: d[:-1]), needles)
            yield self._mutation("file", path, "doubled", _edit_bytes(path, lambda d: d + d), needles)
        twin = _twin_name(path)
        if twin is not None and twin not in self.files:
            yield self._mutation("file", path, f"duplicated-as-{twin}",
                                 lambda f: reindexed({**f, twin: f[path]}), (twin, *needles))

    def _unlisted_expectation(self, path: str) -> dict[str, Any]:
        return {}

    def extra_files(self) -> Iterator[Mutation]:
        extra = {"notes.txt": b"hello\n", "ballots/device-9.jsonl": self.files.get("ballots/device-1.jsonl", b""),
                 ".index.json.tmp-0123456789ab": self.files[INDEX_PATH],
                 "ballots/.device-1.jsonl.tmp-0123456789ab": b"{}\n"}
        for name, data in extra.items():
            yield self._mutation("file", name, "extra-unlisted", lambda f, n=name, d=data: {**f, n: d}, (name,))
        yield self._mutation("file", "notes.txt", "extra-listed",
                             lambda f: reindexed({**f, "notes.txt": b"hello\n"}), ("notes.txt",))

    # ---- the index alone ------------------------------------------------------------------
    def index_mutations(self) -> Iterator[Mutation]:
        index = json.loads(self.files[INDEX_PATH])
        entries: list[dict[str, Any]] = index["files"]

        def with_entries(make: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]
                         ) -> Callable[[Files], Files]:
            def change(files: Files) -> Files:
                doc = json.loads(files[INDEX_PATH])
                doc["files"] = make(json.loads(json.dumps(doc["files"])))
                return {**files, INDEX_PATH: canonical(doc)}
            return change

        for i, e in enumerate(entries):
            p = e["path"]

            def sha(es: list[dict[str, Any]], i: int = i) -> list[dict[str, Any]]:
                es[i]["sha256"] = f"{(int(es[i]['sha256'], 16) ^ 1):064x}"
                return es

            def size(es: list[dict[str, Any]], i: int = i) -> list[dict[str, Any]]:
                es[i]["size"] += 1
                return es

            def drop(es: list[dict[str, Any]], i: int = i) -> list[dict[str, Any]]:
                return es[:i] + es[i + 1:]

            params = p == PARAMETERS_PATH
            yield self._mutation("index", p, "sha256-changed", with_entries(sha), (p,), unreadable_ok=params)
            yield self._mutation("index", p, "size-changed", with_entries(size), (p,), unreadable_ok=params)
            yield self._mutation("index", p, "entry-dropped", with_entries(drop), (p,), unreadable_ok=params)
        bad_paths = ["../x", "/etc/passwd", "ballots/../../etc/passwd", "ballots//x.jsonl", "ballots\\x.jsonl",
                     "./manifest.json", "index.json", "ballots/d\u00e9vice.jsonl", "a" * 1100, ""]
        for bad in bad_paths:
            def add(es: list[dict[str, Any]], bad: str = bad) -> list[dict[str, Any]]:
                return sorted([*es, {"path": bad, "sha256": "00" * 32, "size": 0}], key=lambda e: e["path"])
            yield self._mutation("index", INDEX_PATH, f"path-{bad[:30]!r}", with_entries(add), (INDEX_PATH,),
                                 unreadable_ok=True)

        def listed_missing(es: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return sorted([*es, {"path": "ballots/device-9.jsonl", "sha256": hashlib.sha256(b"").hexdigest(),
                                 "size": 0}], key=lambda e: e["path"])

        whole: list[tuple[str, Callable[[Files], Files]]] = [
            ("entry-for-missing-file", with_entries(listed_missing)),
            ("entries-reversed", with_entries(lambda es: es[::-1])),
            ("entry-duplicated", with_entries(lambda es: es[:1] + es)),
            ("no-entries", with_entries(lambda es: [])),
            ("missing", lambda f: {k: v for k, v in f.items() if k != INDEX_PATH}),
            ("empty", lambda f: {**f, INDEX_PATH: b""}),
            ("truncated", lambda f: {**f, INDEX_PATH: f[INDEX_PATH][: len(f[INDEX_PATH]) // 2]}),
            ("not-json", lambda f: {**f, INDEX_PATH: b"index\n"}),
            ("version-3", _index_doc(lambda d: d.__setitem__("version", FORMAT_VERSION + 1))),
            ("version-1", _index_doc(lambda d: d.__setitem__("version", LEGACY_FORMAT_VERSION))),
            ("other-kind", _index_doc(lambda d: d.__setitem__("kind", "manifest"))),
            ("unknown-key", _index_doc(lambda d: d.__setitem__("x", 1))),
            ("a-list", lambda f: {**f, INDEX_PATH: b"[]\n"}),
            ("a-directory", lambda f: {k: v for k, v in f.items() if k != INDEX_PATH} | {"index.json/x": b""}),
        ]
        for variant, change in whole:
            needles = ("ballots/device-9.jsonl",) if variant == "entry-for-missing-file" else (INDEX_PATH,)
            yield self._mutation("index", INDEX_PATH, variant, change, needles, unreadable_ok=True)

    # ---- replays ---------------------------------------------------------------------------
    def replays(self) -> Iterator[Mutation]:
        devices = sorted(p for p in self.files if p.startswith("ballots/") and self.files[p])
        if not devices:
            return
        first = devices[0]
        other = devices[-1]
        lines = [json.loads(x) for x in _split_lines(self.files[first])]
        cast = [i for i, x in enumerate(lines) if x["status"] == "cast"]
        c0 = lines[cast[0]]
        bid = c0["ballot"]["ballot_id"]

        def append_line(target: str, obj: Any) -> Callable[[Files], Files]:
            return _edit_bytes(target, lambda d: d + canonical(obj))

        renamed = json.loads(json.dumps(c0))
        renamed["ballot"]["ballot_id"] = "ballot-replayed"
        yield self._mutation("replay", first, "same-id-appended", append_line(first, c0), (bid, first))
        yield self._mutation("replay", first, "new-id-appended", append_line(first, renamed),
                             ("ballot-replayed",))
        yield self._mutation("replay", other, "on-other-device", append_line(other, c0), (bid, other))
        yield self._mutation("replay", first, "rerandomized-appended",
                             append_line(first, self._rerandomized(c0, "ballot-rerandomized")),
                             ("ballot-rerandomized",))
        yield self._mutation("replay", first, "rerandomized-in-place",
                             _edit_json(first, cast[0] + 1, lambda o: self._rerandomized(o, bid)), (bid,))
        for holder in devices:
            held = [json.loads(x) for x in _split_lines(self.files[holder])]
            challenged = [i for i, x in enumerate(held) if x["status"] == "challenged"]
            if challenged:
                break
        if challenged:
            ch = held[challenged[0]]
            as_cast = {"status": "cast", "ballot": ch["ballot"]}
            cid = ch["ballot"]["ballot_id"]
            device = f"device {holder[len('ballots/'):-len('.jsonl')]}"
            yield self._mutation("replay", holder, "challenged-recast-in-place",
                                 _edit_json(holder, challenged[0] + 1, lambda o, c=as_cast: c), (cid, device))
            yield self._mutation("replay", holder, "challenged-appended-as-cast", append_line(holder, as_cast),
                                 (cid, device))
            as_challenged = {"status": "challenged", "ballot": c0["ballot"], "reveal": ch["reveal"]}
            yield self._mutation("replay", first, "cast-marked-challenged",
                                 _edit_json(first, cast[0] + 1, lambda o, c=as_challenged: c), (bid,))
        if first != other:
            def swap(files: Files) -> Files:
                return reindexed({**files, first: files[other], other: files[first]})
            yield self._mutation("replay", first, "ballot-files-swapped", swap, (first, other))

    def _rerandomized(self, line: Any, new_id: str) -> Any:
        """The line with every option ciphertext re-encrypted (proofs, codes, signature kept)."""
        out = json.loads(json.dumps(line))
        out["ballot"]["ballot_id"] = new_id
        g = self.values.group
        for contest in out["ballot"]["contests"]:
            for option in contest["options"]:
                ct = option["ciphertext"]
                old = eg.Ciphertext(codec.element_from_hex(g, ct["alpha"], "alpha"),
                                    codec.element_from_hex(g, ct["beta"], "beta"))
                new = eg.reencrypt(self.joint_key, old).ciphertext
                option["ciphertext"] = codec.ciphertext_to_json(new)
        return out


def _index_doc(edit: Callable[[Any], None]) -> Callable[[Files], Files]:
    def change(files: Files) -> Files:
        doc = json.loads(files[INDEX_PATH])
        edit(doc)
        return {**files, INDEX_PATH: canonical(doc)}
    return change


def _twin_name(path: str) -> str | None:
    """Another valid record name for a copy of ``path`` (a duplicated file)."""
    if path.startswith("ballots/"):
        return "ballots/device-9.jsonl"
    if path.startswith("tally/shares/"):
        return "tally/shares/trustee-9.json"
    if path.startswith("mixnet/decryption/"):
        return "mixnet/decryption/trustee-9.json"
    if path.startswith("mixnet/stage-"):
        return "mixnet/stage-9" + path[path.index("."):]
    return None


def _reverse_keys(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _reverse_keys(v[k]) for k in sorted(v, reverse=True)}
    if isinstance(v, list):
        return [_reverse_keys(x) for x in v]
    return v


def _replace(jpath: JsonPath, new: Any) -> Callable[[Any], Any]:
    def edit(doc: Any) -> Any:
        if not jpath:
            return new
        _set(doc, jpath, new)
        return doc
    return edit


def _drop_key(jpath: JsonPath, key: str) -> Callable[[Any], Any]:
    def edit(doc: Any) -> Any:
        del _get(doc, jpath)[key]
        return doc
    return edit


def _add_key(jpath: JsonPath) -> Callable[[Any], Any]:
    def edit(doc: Any) -> Any:
        _get(doc, jpath)["zz_unknown"] = 1
        return doc
    return edit


def _list_variants(jpath: JsonPath, value: list[Any]) -> list[tuple[str, Callable[[Any], Any]]]:
    def edit_list(make: Callable[[list[Any]], list[Any]]) -> Callable[[Any], Any]:
        def edit(doc: Any) -> Any:
            items = _get(doc, jpath)
            new = make(list(items))
            if not jpath:
                return new
            _set(doc, jpath, new)
            return doc
        return edit

    out: list[tuple[str, Callable[[Any], Any]]] = [("as-object", _replace(jpath, {}))]
    if value:
        out += [("drop-first", edit_list(lambda xs: xs[1:])), ("duplicate-first", edit_list(lambda xs: xs[:1] + xs)),
                ("emptied", edit_list(lambda xs: []))]
    if len(value) > 1:
        out += [("drop-last", edit_list(lambda xs: xs[:-1])),
                ("swap-first-two", edit_list(lambda xs: [xs[1], xs[0], *xs[2:]]))]
        if value[0] == value[1]:
            out = [o for o in out if o[0] != "swap-first-two"]
    if len(value) > 2:
        out.append(("reversed", edit_list(lambda xs: xs[::-1])))
    return out


# ====================================================================== classification =
_JSON_LAYOUT = ("JSON layout only: the reader accepts any valid JSON text (record-format.md §3 'as read'), "
                "nothing is hashed over JSON text (checklist A21) and the attacker recomputed the index")
_CEREMONY_ORDER = ("the ceremony messages are taken by trustee index (threshold/dkg.py _collect, which returns "
                   "them in index order: the commitments enter K, K_l and H_E in that order, record-format.md "
                   "§5.9); their order in the document carries no meaning and no hash covers it")
_CLOSINGS_ORDER = ("closing entries are looked up by device id, each signed by its device; the ballot-box "
                   "fingerprint takes the devices in setup.json's order (record-format.md §5.10), so this list's "
                   "order means nothing")
_WHOLE_ENTRIES = " (two whole entries of the list swapped is a reordering of it)"
HARMLESS: dict[str, str] = {
    r"lines/[^/]+(/[^/]+)*\.jsonl/crlf":
        _JSON_LAYOUT + ": a carriage return before the newline is JSON whitespace",
    r"file/[^:]+\.json/truncated-last-byte":
        _JSON_LAYOUT + ": a document without its trailing newline parses to the same values (a JSON Lines "
        "line without it is refused as truncated)",
    r"list/ceremony/(digests|reveals)\.json/(digests|reveals)/(swap-first-two|reversed)": _CEREMONY_ORDER,
    r"swap/ceremony/(digests|reveals)\.json/(digests|reveals)\[\d+\]/swap-within-object/"
    r"with:ceremony/\1\.json:\2\[\d+\]": _CEREMONY_ORDER + _WHOLE_ENTRIES,
    r"list/devices\.json/closings/(swap-first-two|reversed)": _CLOSINGS_ORDER,
    r"swap/devices\.json/closings\[\d+\]/swap-within-object/with:devices\.json:closings\[\d+\]":
        _CLOSINGS_ORDER + _WHOLE_ENTRIES,
    r"lines/ceremony/shares\.jsonl/(swap-lines-\d+-\d+|reverse)":
        "encrypted shares are looked up by their (sender, recipient) pair and H_E hashes them in that pair's "
        "order (record-format.md §5.7), so their line order carries no meaning",
}
"""Mutation-id patterns (regular expressions, matched in full, without the record name)
of mutations that are genuinely harmless, with the reason (:func:`classify`)."""
GAPS: dict[str, str] = {}
"""Mutation-id patterns of known gaps (the record still verifies although it should not)."""


def classification(local_id: str) -> tuple[Expect, str]:
    """What the HARMLESS and GAPS tables say of a mutation id (without the record name):
    the expectation and its reason ("invalid" and "" when neither lists it)."""
    tables: tuple[tuple[dict[str, str], Expect], ...] = ((HARMLESS, "harmless"), (GAPS, "gap"))
    for table, expect in tables:
        for pattern, reason in table.items():
            if re.fullmatch(pattern, local_id):
                return expect, reason
    return "invalid", ""


def classify(m: Mutation) -> Mutation:
    """Apply the HARMLESS and GAPS tables to a generated mutation."""
    expect, reason = classification(m.id.split("/", 1)[1])
    if expect == "invalid":
        return m
    return Mutation(m.id, m.kind, m.target, m.change, m.needles, expect, m.unreadable_ok, reason)


def generate(name: str, files: Files, group: Group, joint_key: PublicKey) -> list[Mutation]:
    """Every mutation of the record ``files`` (ids prefixed with ``name``), classified, in a
    deterministic order."""
    out = [classify(m) for m in Generator(name, files, group, joint_key).all()]
    ids = Counter(m.id for m in out)
    dup = [i for i, n in ids.items() if n > 1]
    assert not dup, dup[:5]
    return out


def sample(mutations: list[Mutation], per_kind: dict[str, int], seed: str = "pilwu-corpus-1") -> list[Mutation]:
    """A deterministic, representative sample: for each kind, the ``per_kind[kind]``
    mutations expected invalid whose ids hash first, taken round robin over the files
    they change (so every file is represented), and ``per_kind["classified"]`` of the
    harmless and gap mutations, likewise."""
    def pick(pool: list[Mutation], want: int) -> list[Mutation]:
        by_file: dict[str, list[Mutation]] = {}
        for m in sorted(pool, key=lambda m: hashlib.sha256(f"{seed}/{m.id}".encode()).digest()):
            by_file.setdefault(m.target.split(":")[0], []).append(m)
        queues = [by_file[k] for k in sorted(by_file)]
        picked: list[Mutation] = []
        while len(picked) < want and any(queues):
            for q in queues:
                if q and len(picked) < want:
                    picked.append(q.pop(0))
        return picked

    chosen: list[Mutation] = []
    for kind in KINDS:
        chosen += pick([m for m in mutations if m.kind == kind and m.expect == "invalid"], per_kind.get(kind, 0))
    chosen += pick([m for m in mutations if m.expect != "invalid"], per_kind.get("classified", 0))
    return chosen


def counts(mutations: list[Mutation]) -> dict[str, int]:
    """How many mutations per kind (and per expectation)."""
    c = Counter(m.kind for m in mutations)
    c.update(f"expect={m.expect}" for m in mutations)
    return dict(sorted(c.items()))
