"""Field coverage: every field path of every document and line kind, changed, swapped, replaced.

The tamper corpus (corpus.py) throws many kinds of bad values at the record; this module
asks the narrower question of record-format.md's principle — *every published item is
verified or bound by a verified hash or signature* — field by field.  For every document
and JSON Lines line kind of a valid record (:func:`unit_kind`: ``ballots/*.jsonl#cast``,
``tally/shares/*.json``, ``mixnet/stage-*.jsonl``, …) it enumerates every **field path**
(:func:`field_path`: the JSON path with list indices written ``[]`` and the decimal keys
of ``verification_keys`` written ``{l}``) and generates three categories of mutation,
each re-sealing index.json as the attacker would:

``change`` (a)
    one leaf changed a little: a hex digit (``digit-last``; exhaustive also the first and
    a middle one), an integer ±1, a character of a text (``char``).
``swap`` (b)
    a leaf or a whole object/list swapped with the same field path of another line or
    entry of the same kind (``swap``: e.g. the alpha of ballot A with that of ballot B,
    the ciphertext of share line 1 with that of line 2), or of another index in the same
    line or document (``swap-within``: e.g. a proof between two options), when the two
    values differ.
``element`` (c)
    a group element replaced by another *valid* element: the generator, another element
    found in the record, the identity — so that decoding succeeds and only a
    cryptographic or binding check can refuse it.

Every mutation must be refused (test_coverage.py).  :func:`default_selection` picks what
the default test run executes: every leaf field path at least once per category (per kind
of swap), every variant at least once per document and line kind; ``PILWU_EXHAUSTIVE=1``
runs every mutation: every leaf and object of every line, with every variant.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pilwu_crypto.algebra.group import Group
from pilwu_crypto.errors import PilwuError
from pilwu_crypto.record.layout import INDEX_PATH, PARAMETERS_PATH
from tests.corpus.corpus import (
    HEX_RE,
    Expect,
    Files,
    JsonPath,
    _is_lines,
    _join_lines,
    _split_lines,
    _walk,
    canonical,
    classification,
    reindexed,
    show_path,
)

CATEGORIES = ("change", "swap", "element")

_UNIT_PATTERNS = (
    (re.compile(r"ballots/[^/]+\.jsonl"), "ballots/*.jsonl"),
    (re.compile(r"tally/shares/[^/]+\.json"), "tally/shares/*.json"),
    (re.compile(r"mixnet/decryption/[^/]+\.json"), "mixnet/decryption/*.json"),
    (re.compile(r"mixnet/stage-\d+\.json"), "mixnet/stage-*.json"),
    (re.compile(r"mixnet/stage-\d+\.jsonl"), "mixnet/stage-*.jsonl"),
)


def unit_kind(path: str, doc: Any) -> str:
    """The kind of a document or line: its file with the variable part of the name
    written ``*`` and, for a ballot line, its status (``ballots/*.jsonl#cast``)."""
    kind = next((k for pattern, k in _UNIT_PATTERNS if pattern.fullmatch(path)), path)
    if kind == "ballots/*.jsonl" and isinstance(doc, dict):
        kind += f"#{doc.get('status')}"
    return kind


def field_path(jpath: JsonPath) -> str:
    """The field path of a node: list indices as ``[]``, a trustee index key as ``{l}``."""
    out = ""
    for key in jpath:
        if isinstance(key, int):
            out += "[]"
        else:
            out += f".{'{l}' if key.isdecimal() else key}" if out else key
    return out


@dataclass(frozen=True)
class Site:
    """One node of the record: a file, its line (JSON Lines, from 1) and a JSON path."""

    path: str
    line: int | None
    jpath: JsonPath

    @property
    def where(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"

    @property
    def shown(self) -> str:
        return show_path(self.jpath) or "(root)"


@dataclass(frozen=True)
class Node:
    """A node with its value and its field path (``kind field-path``)."""

    site: Site
    value: Any
    field: str
    leaf: bool


@dataclass(frozen=True)
class CoverMutation:
    """One mutation of the field-coverage test."""

    id: str
    """``category/where/json path/variant`` prefixed with the record's name."""
    category: str
    variant: str
    """The variant class (``digit-last``, ``plus-1``, ``swap``, ``generator``, …)."""
    field: str
    """``unit kind`` and field path: what the default run covers at least once per variant."""
    edits: tuple[tuple[Site, Any], ...]
    expect: Expect = "invalid"
    reason: str = ""

    @property
    def files_changed(self) -> frozenset[str]:
        return frozenset(site.path for site, _ in self.edits)

    @property
    def unreadable_ok(self) -> bool:
        """RecordUnreadable is a refusal only for the two files without which nothing can be read."""
        return self.files_changed <= {PARAMETERS_PATH, INDEX_PATH}

    def apply(self, files: Files) -> Files:
        return apply_edits(files, self.edits)


def apply_edits(files: Files, edits: tuple[tuple[Site, Any], ...]) -> Files:
    """The files with every edit (a new value at a site) made, and index.json re-sealed."""
    docs: dict[tuple[str, int | None], Any] = {}
    for site, _ in edits:
        key = (site.path, site.line)
        if key not in docs:
            data = files[site.path] if site.line is None else _split_lines(files[site.path])[site.line - 1]
            docs[key] = json.loads(data)
    for site, new in edits:
        doc = docs[(site.path, site.line)]
        parent = doc
        for k in site.jpath[:-1]:
            parent = parent[k]
        parent[site.jpath[-1]] = json.loads(json.dumps(new))
    out = dict(files)
    for (path, line), doc in docs.items():
        if line is None:
            out[path] = canonical(doc)
        else:
            lines = _split_lines(out[path])
            lines[line - 1] = canonical(doc)[:-1]
            out[path] = _join_lines(lines)
    return reindexed(out)


# ====================================================================== the nodes =====
def nodes(files: Files) -> Iterator[Node]:
    """Every node below the root of every document and line (index.json excepted)."""
    for path in sorted(files):
        if path == INDEX_PATH:
            continue
        units: list[tuple[int | None, Any]]
        if _is_lines(path):
            units = [(i, json.loads(raw)) for i, raw in enumerate(_split_lines(files[path]), start=1)]
        else:
            units = [(None, json.loads(files[path]))]
        for line, doc in units:
            kind = unit_kind(path, doc)
            for jpath, value in _walk(doc):
                if jpath:
                    leaf = not isinstance(value, (dict, list))
                    yield Node(Site(path, line, jpath), value, f"{kind} {field_path(jpath)}", leaf)


def is_element(group: Group, node: Node) -> bool:
    """Whether a leaf is a group element (hex of element_size bytes that decodes with the
    full check; a signature of the same length does not)."""
    value = node.value
    if not isinstance(value, str) or len(value) != 2 * group.element_size or not HEX_RE.fullmatch(value):
        return False
    if node.site.jpath[-1] in ("signature", "public_key"):
        return False
    try:
        group.decode_element(bytes.fromhex(value), "x")
    except PilwuError:
        return False
    return True


# ====================================================================== variants ======
def _digit(value: str, pos: int) -> str:
    return value[:pos] + f"{(int(value[pos], 16) + 1) % 16:x}" + value[pos + 1:]


def _char(value: str) -> str:
    """The text with its last character changed into another of the same class."""
    if not value:
        return "x"
    c = value[-1]
    if c.isdigit() and c.isascii():
        new = str((int(c) + 1) % 10)
    elif c.isascii() and c.isalpha():
        base = ord("a") if c.islower() else ord("A")
        new = chr(base + (ord(c) - base + 1) % 26)
    else:
        new = "x"
    return value[:-1] + new


def change_variants(value: Any, exhaustive: bool) -> list[tuple[str, Any]]:
    """Category (a): the small changes of one leaf."""
    if isinstance(value, bool):
        return [("flip", not value)]
    if isinstance(value, int):
        return [("plus-1", value + 1), ("minus-1", value - 1)]
    if isinstance(value, str) and HEX_RE.fullmatch(value):
        out = [("digit-last", _digit(value, len(value) - 1))]
        if exhaustive:
            out += [("digit-first", _digit(value, 0)), ("digit-middle", _digit(value, len(value) // 2))]
        return out
    if isinstance(value, str):
        return [("char", _char(value))]
    return []


class CoverageGenerator:
    """Every field-coverage mutation of one record (``name`` prefixes the ids)."""

    def __init__(self, name: str, files: Files, group: Group) -> None:
        self.name = name
        self.files = files
        self.group = group
        self.nodes = list(nodes(files))
        self.fields: dict[str, list[Node]] = {}
        for node in self.nodes:
            self.fields.setdefault(node.field, []).append(node)
        self.elements = sorted({n.value for n in self.nodes if n.leaf and is_element(group, n)})
        self.generator_hex = group.generator().to_bytes().hex()
        self.identity_hex = group.identity().to_bytes().hex()

    def _mutation(self, category: str, node: Node, variant: str, edits: tuple[tuple[Site, Any], ...],
                  detail: str = "") -> CoverMutation:
        local = f"{category}/{node.site.where}/{node.site.shown}/{variant}{detail}"
        expect, reason = classification(local)
        return CoverMutation(f"{self.name}/{local}", category, variant, node.field, edits, expect, reason)

    def all(self, exhaustive: bool = True) -> Iterator[CoverMutation]:
        """Every mutation (``exhaustive`` False: without the extra digit positions)."""
        for node in self.nodes:
            if node.leaf:
                for variant, new in change_variants(node.value, exhaustive):
                    yield self._mutation("change", node, variant, ((node.site, new),))
        for field_nodes in self.fields.values():
            yield from self.swaps(field_nodes)
        for node in self.nodes:
            if node.leaf and is_element(self.group, node):
                yield from self.replacements(node)

    def swaps(self, field_nodes: list[Node]) -> Iterator[CoverMutation]:
        """Category (b): each node swapped with the next node of its field path whose value
        differs, in another line or document of the same kind (``swap``) and in the same
        one (``swap-within``); each unordered pair once."""
        seen: set[tuple[Site, Site]] = set()
        n = len(field_nodes)
        for i, a in enumerate(field_nodes):
            for within in (False, True):
                for k in range(1, n):
                    b = field_nodes[(i + k) % n]
                    same_unit = (a.site.path, a.site.line) == (b.site.path, b.site.line)
                    if same_unit != within or a.value == b.value:
                        continue
                    pair = (a.site, b.site) if (a.site.where, a.site.jpath) < (b.site.where, b.site.jpath) \
                        else (b.site, a.site)
                    if pair not in seen:
                        seen.add(pair)
                        variant = ("swap-within" if within else "swap") + ("" if a.leaf else "-object")
                        yield self._mutation("swap", a, variant, ((a.site, b.value), (b.site, a.value)),
                                             f"/with:{b.site.where}:{b.site.shown}")
                    break

    def replacements(self, node: Node) -> Iterator[CoverMutation]:
        """Category (c): the element replaced by the generator, by another element of the
        record and by the identity (each when it differs)."""
        rng = random.Random(f"{self.name}/{node.site.where}/{node.site.shown}")
        others = [e for e in self.elements if e != node.value]
        candidates = [("generator", self.generator_hex), ("identity", self.identity_hex)]
        if others:
            candidates.append(("record-element", rng.choice(others)))
        for variant, new in candidates:
            if new != node.value:
                yield self._mutation("element", node, variant, ((node.site, new),))


def generate_coverage(name: str, files: Files, group: Group, exhaustive: bool = True) -> list[CoverMutation]:
    """Every field-coverage mutation of the record ``files``, in a deterministic order."""
    out = list(CoverageGenerator(name, files, group).all(exhaustive))
    ids = [m.id for m in out]
    assert len(set(ids)) == len(ids), "duplicate mutation ids"
    return out


def variant_class(m: CoverMutation) -> str:
    """The category and the variant (``change:plus-1``, ``swap:swap-within-object``, …)."""
    return f"{m.category}:{m.variant}"


def coverage_key(m: CoverMutation) -> tuple[str, str]:
    """What the default run covers once: a leaf's field path with the category (a swap:
    with its variant, since a swap with another line and one inside the line are different
    attacks); a whole object or list swapped, once per document or line kind and variant
    (its leaves are each swapped on their own)."""
    if m.variant.endswith("-object"):
        return unit_of(m), m.variant
    return m.field, m.variant if m.category == "swap" else m.category


def unit_of(m: CoverMutation) -> str:
    """The document or line kind a mutation changes."""
    return m.field.split(" ", 1)[0]


def default_selection(mutations: list[CoverMutation], seed: str = "pilwu-coverage-1") -> list[CoverMutation]:
    """The default run: per leaf field path and category (:func:`coverage_key`) the
    mutation whose id hashes first, so that every field path of every document and line
    kind is changed, swapped and replaced at least once; then, per document or line kind and
    variant class, one more where that variant was not picked yet (every variant meets
    every kind); and every mutation classified harmless or gap (so that the tables are
    checked).  Deterministic, in generation order."""
    def rank(m: CoverMutation) -> bytes:
        return hashlib.sha256(f"{seed}/{m.id}".encode()).digest()

    ranked = sorted((m for m in mutations if m.expect == "invalid"), key=rank)
    chosen: dict[tuple[str, str], CoverMutation] = {}
    for m in ranked:
        chosen.setdefault(coverage_key(m), m)
    by_kind = {(unit_of(m), variant_class(m)) for m in chosen.values()}
    extra: dict[tuple[str, str], CoverMutation] = {}
    for m in ranked:
        if (unit_of(m), variant_class(m)) not in by_kind:
            extra.setdefault((unit_of(m), variant_class(m)), m)
    picked = {m.id for m in (*chosen.values(), *extra.values())} | {m.id for m in mutations if m.expect != "invalid"}
    return [m for m in mutations if m.id in picked]


def fields_by_category(mutations: list[CoverMutation]) -> dict[str, set[str]]:
    """The field paths each category reaches."""
    out: dict[str, set[str]] = {c: set() for c in CATEGORIES}
    for m in mutations:
        out[m.category].add(m.field)
    return out

