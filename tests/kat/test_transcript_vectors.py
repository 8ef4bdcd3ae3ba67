"""Golden vectors of the Fiat–Shamir transcript (checklist A6; docs/transcript.md).

tests/kat/vectors/transcript.json was produced by tools/gen_transcript_vectors.py, an
independent hashlib-only implementation of the byte format (see the file's ``source``
field).  Each case is replayed here through the real Transcript; every challenge must
match.  A change of the format must come with new vectors *and* a new DST version.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.algebra.modp import ModPGroup
from pilwu_crypto.algebra.transcript import Transcript

VECTORS = json.loads((Path(__file__).parent / "vectors" / "transcript.json").read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = VECTORS["cases"]


def test_vector_file_records_its_source() -> None:
    source = VECTORS["source"]
    assert "tools/gen_transcript_vectors.py" in source and "2026-11-27" in source
    assert "independent" in source
    assert {c["group"] for c in CASES} == {"pilwu-test-512", "pilwu-3072"}
    assert sum(op["op"].startswith("challenge") for c in CASES for op in c["operations"]) >= 20


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_transcript_vector(case: dict[str, Any]) -> None:
    group = get_group(case["group"], allow_test=True)
    assert isinstance(group, ModPGroup)
    assert group.fingerprint().hex() == case["group_fingerprint"]
    g = group.generator()
    t = Transcript(group, case["domain"], bytes.fromhex(case["context"]))
    checked = 0
    for op in case["operations"]:
        kind, label = op["op"], op["label"]
        if kind == "append_bytes":
            t.append_bytes(label, bytes.fromhex(op["value"]))
        elif kind == "append_text":
            t.append_text(label, op["value"])
        elif kind == "append_int":
            t.append_int(label, int(op["value"]))
        elif kind == "append_element":
            e = group.decode_element(bytes.fromhex(op["value"]), label)
            assert e == group.exp(g, op["k"])
            t.append_element(label, e)
        elif kind == "append_elements":
            es = [group.decode_element(bytes.fromhex(v), label) for v in op["value"]]
            assert es == [group.exp(g, k) for k in op["k"]]
            t.append_elements(label, es)
        elif kind == "append_scalar":
            t.append_scalar(label, group.decode_scalar(bytes.fromhex(op["value"]), label))
        elif kind == "challenge_bytes":
            out = t.challenge_bytes(label, op["nbytes"])
            assert out.hex() == op["expected"], f"{case['name']}: challenge_bytes {label!r}"
            checked += 1
        elif kind == "challenge_scalar":
            c = t.challenge_scalar(label)
            assert c.to_bytes().hex() == op["expected"], f"{case['name']}: challenge_scalar {label!r}"
            checked += 1
        else:
            raise AssertionError(f"unknown operation {kind!r} in {case['name']}")
    assert checked >= 1


def test_split_cases_differ() -> None:
    by_name = {c["name"]: c for c in CASES}
    for grp in ("pilwu-test-512", "pilwu-3072"):
        a = by_name[f"{grp}/split-ab-c"]["operations"][-1]["expected"]
        b = by_name[f"{grp}/split-a-bc"]["operations"][-1]["expected"]
        assert a != b
