"""Field coverage: changing, swapping or replacing any field of a valid record makes it not valid.

For the records of records.COVERAGE_RECORDS (homomorphic: plain, with a challenged ballot
and an absent trustee; mixed; mixed with write-ins on P-256) every field path of every
document and line kind is mutated (coverage.py: (a) a small change, (b) a swap with the
same field path elsewhere, (c) another valid group element), index.json re-sealed, and
verified in-process with ``verify_record`` (executor None).  Each mutation must give:

- a report that is not valid (RecordUnreadable only when just index.json or
  parameters.json changed), with no traceback;
- no excluded ballot: the exclusion rule (record-format.md §5.11) is for a ballot its own
  device signed, and no field of a signed ballot can change without breaking its
  signature, so a mutation that excludes a ballot is a finding even if something else
  fails;
- for (b) and (c), whose values decode by construction: no failure that is a decoding
  message (:data:`DECODING`), so that a cryptographic or binding check refused it.

The default run covers every leaf field path at least once per category (and per kind of
swap) and every variant on every document and line kind (coverage.default_selection,
about 1,300 mutations, under a minute and a half on two cores);
``PILWU_EXHAUSTIVE=1`` runs every leaf and object of every line with every variant.
"""

from __future__ import annotations

import os
import re
import shutil
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest

from pilwu_crypto.algebra.group import Group
from pilwu_crypto.errors import RecordUnreadable
from pilwu_crypto.verify.checks import verify_record
from tests.corpus.corpus import Files, load_files, write_files
from tests.corpus.coverage import (
    CATEGORIES,
    CoverMutation,
    Site,
    coverage_key,
    default_selection,
    fields_by_category,
    generate_coverage,
    is_element,
    nodes,
    unit_of,
    variant_class,
)
from tests.corpus.records import COVERAGE_RECORDS, write_record

EXHAUSTIVE = os.environ.get("PILWU_EXHAUSTIVE") == "1"

DECODING = re.compile("|".join((
    # record/codec.py: JSON text and the shape and types of values (_object, _int, _text, _id, _list,
    # hex_from_json, _check_header, parse_json)
    r"missing key$", r"unknown key$",
    r"expected (a JSON object|an integer|text|an identifier|a list|lowercase hex|'cast' or 'challenged')",
    r"expected \d+ (bytes of hex|to \d+ (characters|items))", r"integer -?\d+ not in \[",
    r"not hex \(only 0-9", r"is not a valid identifier", r"not valid Unicode text", r"not valid UTF-8",
    r"invalid JSON", r"duplicate key", r"nested (deeper|too deeply)", r"JSON has no NaN",
    r"integer literal of \d+ characters", r"-0 is not a canonical integer", r"unsupported record format version",
    r"not a trustee index \(a decimal integer", r"truncated line", r"line longer than",
    # algebra/modp.py, algebra/ec.py, algebra/group.py: the encoding of an element or a scalar
    r"value not in \[1, p\)", r"not in the order-q subgroup", r"is not an element of", r"not on the curve",
    r"x coordinate not below p", r"point prefix 0x[0-9a-f]+ is not", r"identity encoding must be",
    r"coordinates not in \[0, p\)", r"scalar not below q", r"expected \d+ bytes, got", r"cannot decode the element",
)))
"""A decoding message: what the record's parsers (record/codec.py, which raise
MalformedRecord as ``file[:line]: field path: reason``) and the groups' decode_element and
decode_scalar say of JSON text, or of one value that is not a well-formed encoding of its
type (a key, a JSON type, a length, hex, an identifier, an integer range, group
membership, a scalar below q).  Every other failure is a cryptographic or binding check: a
proof or signature equation, a recomputed hash, chain, product, decryption or count, a
value that is not the one the parameters, the setup, the ceremony or the manifest fix,
and the rules that relate values to each other (ids sorted and unique, positions
increasing, a file named after its trustee or stage, the manifest's order)."""


def is_decoding(message: str) -> bool:
    """Whether a failure message is a pure decoding failure (:data:`DECODING`)."""
    return DECODING.search(message) is not None


@dataclass(frozen=True)
class Verdict:
    code: int
    """0 valid, 1 not valid, 2 RecordUnreadable, 99 any other exception."""
    failures: tuple[str, ...]
    exclusions: int
    meaning: tuple[object, ...] = ()
    """What a valid record says: the counts, the ballot-box fingerprint, the ballots cast and
    challenged (a harmless mutation must leave it as the pristine record's)."""


@dataclass(frozen=True)
class Record:
    name: str
    root: Path
    files: Files
    group: Group
    mutations: list[CoverMutation]
    pristine: Verdict


@pytest.fixture(scope="module", params=COVERAGE_RECORDS)
def record(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Record:
    name = str(request.param)
    root = tmp_path_factory.mktemp(f"coverage-{name}") / "pristine"
    group, _ = write_record(name, root)
    files = load_files(root)
    return Record(name, root, files, group, generate_coverage(name, files, group, exhaustive=EXHAUSTIVE),
                  verdict(root))


def verdict(root: Path) -> Verdict:
    """What ``pilwu verify`` concludes, in-process: the exit code and every failure."""
    try:
        report = verify_record(root, allow_test_group=True)
    except RecordUnreadable as exc:
        return Verdict(2, (str(exc),), 0)
    except Exception:
        return Verdict(99, (traceback.format_exc(),), 0)
    failures = tuple(f"{c.name}: {f}" for c in report.checks for f in c.failures)
    meaning = (tuple(report.counts), report.ballot_box, report.ballots_cast, report.ballots_challenged)
    return Verdict(0 if report.valid else 1, failures, len(report.exclusions), meaning)


def judge(m: CoverMutation, v: Verdict, pristine: Verdict) -> str | None:
    """None when the verdict is what the mutation requires, else the problem."""
    if v.code == 99 or any("Traceback" in f for f in v.failures):
        return f"traceback: {v.failures[0][-600:]}"
    if m.expect != "invalid":
        if v.code != 0:
            return f"classified {m.expect} ({m.reason[:60]}...) but refused: {v.failures[:2]}"
        return None if v.meaning == pristine.meaning else f"classified {m.expect} but it says otherwise: {v.meaning}"
    if v.exclusions:
        return f"{v.exclusions} ballot(s) excluded (record-format.md §5.11): {v.failures[:2]}"
    if v.code == 0:
        return "accepted as valid"
    if v.code == 2 and not m.unreadable_ok:
        return f"exit 2 (unreadable) for a record whose index and parameters are readable: {v.failures[0][:300]}"
    if m.category != "change":
        decoding = [f for f in v.failures if is_decoding(f)]
        if decoding or not v.failures:
            return f"refused by decoding, not by a cryptographic or binding check: {decoding[:2]}"
    return None


def selected(r: Record) -> list[CoverMutation]:
    return r.mutations if EXHAUSTIVE else default_selection(r.mutations)


# ---- what the mutations cover ------------------------------------------------------------
def test_pristine_record_verifies(record: Record) -> None:
    v = record.pristine
    assert (v.code, v.failures, v.exclusions) == (0, (), 0)
    assert v.meaning[1] and v.meaning[2], v.meaning  # a ballot box, cast ballots


def test_every_field_path_is_covered_by_default(record: Record) -> None:
    """Every leaf field path is changed, every element field path replaced, every field path
    with two differing values swapped; the default run keeps every field path of every
    category and every variant of every document and line kind."""
    everything = list(nodes(record.files))
    leaves = {n.field for n in everything if n.leaf and n.value is not None}
    elements = {n.field for n in everything if n.leaf and is_element(record.group, n)}
    values: dict[str, set[str]] = {}
    for n in everything:
        values.setdefault(n.field, set()).add(repr(n.value))
    swappable = {f for f, vs in values.items() if len(vs) > 1}
    reached = fields_by_category(record.mutations)
    assert leaves <= reached["change"], sorted(leaves - reached["change"])[:10]
    assert elements and elements <= reached["element"], sorted(elements - reached["element"])[:10]
    assert swappable <= reached["swap"], sorted(swappable - reached["swap"])[:10]
    chosen = default_selection(record.mutations)
    assert {coverage_key(m) for m in chosen} == {coverage_key(m) for m in record.mutations}
    assert {(unit_of(m), variant_class(m)) for m in chosen} == {(unit_of(m), variant_class(m))
                                                                for m in record.mutations}
    assert all(m in chosen for m in record.mutations if m.expect != "invalid")
    assert [m.id for m in chosen] == [m.id for m in default_selection(record.mutations)]


def test_decoding_messages_are_told_from_binding_failures(record: Record, tmp_path: Path) -> None:
    """The DECODING rule on real reports: a non-member and a non-hex value are decoding
    failures; a ballot's ciphertext swapped with another ballot's is a signature failure."""
    by_id = {m.id: m for m in record.mutations}
    first = next(m for m in record.mutations if m.category == "element" and m.field.startswith("ballots/")
                 and m.field.endswith("ciphertext.alpha"))
    site, _ = first.edits[0]
    for bad in ("f" * (2 * record.group.element_size), "z" * (2 * record.group.element_size)):
        root = tmp_path / f"bad-{bad[0]}"
        changed = CoverMutation("x", "change", "x", first.field, ((site, bad),))
        write_files(changed.apply(record.files), root)
        v = verdict(root)
        assert v.code == 1 and any(is_decoding(f) for f in v.failures), v
    swap = next(m for m in by_id.values() if m.variant == "swap" and m.field.endswith("ciphertext.alpha")
                and m.field.startswith("ballots/"))
    write_files(swap.apply(record.files), tmp_path / "swapped")
    v = verdict(tmp_path / "swapped")
    assert v.code == 1 and v.failures and not any(is_decoding(f) for f in v.failures), v


def test_judge_refuses_exclusions_decoding_swaps_and_changed_meaning() -> None:
    """The rules of :func:`judge` on made-up verdicts."""
    site = Site("ballots/device-1.jsonl", 1, ("ballot", "ballot_id"))
    swap = CoverMutation("r/swap/x", "swap", "swap", "f", ((site, "b"),))
    change = CoverMutation("r/change/x", "change", "char", "f", ((site, "b"),))
    harmless = CoverMutation("r/swap/y", "swap", "swap", "f", ((site, "b"),), "harmless", "order")
    params = CoverMutation("r/change/p", "change", "digit-last", "f", ((Site("parameters.json", None, ("g",)), "0"),))
    pristine = Verdict(0, (), 0, ((), "ab", 3, 1))
    signature = "ballots: ballots/device-1.jsonl:1: ballot ballot-1: the device signature does not verify"
    decoding = "ballots: ballots/device-1.jsonl:1: ballot.contests[0].options[0].ciphertext.alpha: " \
               "not in the order-q subgroup of pilwu-test-512"
    assert judge(swap, Verdict(1, (signature,), 0), pristine) is None
    assert judge(change, Verdict(1, (decoding,), 0), pristine) is None
    assert "decoding" in str(judge(swap, Verdict(1, (signature, decoding), 0), pristine))
    assert "excluded" in str(judge(swap, Verdict(1, (signature,), 1), pristine))
    assert "excluded" in str(judge(change, Verdict(0, (), 1), pristine))
    assert judge(change, Verdict(0, (), 0), pristine) == "accepted as valid"
    assert "exit 2" in str(judge(change, Verdict(2, ("index.json: bad",), 0), pristine))
    assert judge(params, Verdict(2, ("parameters.json: g: does not match",), 0), pristine) is None
    assert judge(harmless, Verdict(0, (), 0, pristine.meaning), pristine) is None
    assert "says otherwise" in str(judge(harmless, Verdict(0, (), 0, ((), "cd", 3, 1)), pristine))
    assert "refused" in str(judge(harmless, Verdict(1, (signature,), 0), pristine))


# ---- the mutations ---------------------------------------------------------------------------
@pytest.mark.parametrize("category", CATEGORIES)
def test_every_field_mutation_is_refused(record: Record, category: str, tmp_path: Path) -> None:
    mutations = [m for m in selected(record) if m.category == category]
    assert mutations
    start = time.monotonic()
    problems = []
    for i, m in enumerate(mutations):
        root = tmp_path / f"m{i}"
        write_files(m.apply(record.files), root)
        try:
            problem = judge(m, verdict(root), record.pristine)
        finally:
            shutil.rmtree(root)
        if problem is not None:
            problems.append(f"{m.id}: {problem}")
    elapsed = time.monotonic() - start
    print(f"{record.name} {category}: {len(mutations)} mutations in {elapsed:.1f} s")
    assert not problems, f"{len(problems)} of {len(mutations)} mutations:\n" + "\n".join(problems[:60])
    assert verdict(record.root) == record.pristine, "the pristine record was changed"
