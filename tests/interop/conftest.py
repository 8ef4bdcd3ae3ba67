"""Shared data of the Verificatum interop tests: the two real VMN 3.1.0 transcripts in
tests/data/verificatum/cases (copied into the project, never read from elsewhere), their
``vmnv -t`` test vectors, and their verification results, computed once per module.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pilwu_crypto.interop.verificatum import VerificationResult, verifier, verify_transcript

CASES_DIR = Path(__file__).resolve().parents[1] / "data" / "verificatum" / "cases"
CASES = ("modp512_n100_mix", "p256_n100_mix")
EXHAUSTIVE = os.environ.get("PILWU_EXHAUSTIVE") == "1"


def case_dir(case: str) -> Path:
    return CASES_DIR / case


def nizkp_dir(case: str) -> Path:
    return CASES_DIR / case / "nizkp" / "default"


def protinfo(case: str) -> Path:
    return CASES_DIR / case / "protInfo.xml"


def copy_case(case: str, dest: Path) -> tuple[Path, Path]:
    """A writable copy of a case: (protInfo.xml, nizkp dir)."""
    target = dest / case
    shutil.copytree(case_dir(case) / "nizkp", target / "nizkp")
    shutil.copy(protinfo(case), target / "protInfo.xml")
    return target / "protInfo.xml", target / "nizkp" / "default"


@dataclass(frozen=True)
class TestVector:
    """One ``TEST VECTOR`` block of vmnv -t: its name, the party section it is in, its value."""

    __test__ = False
    name: str
    party: int | None
    value: str


def parse_testvectors(text: str) -> list[TestVector]:
    """Every block of a testvectors.txt, in order, with the party section it belongs to."""
    out: list[TestVector] = []
    party: int | None = None
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"#+ (BEGIN|END) PARTY (\d+) #+", line)
        if m:
            party = int(m.group(2)) if m.group(1) == "BEGIN" else None
        elif line == "TEST VECTOR":
            name = lines[i + 1].split(" - ")[0]
            out.append(TestVector(name, party, lines[i + 2]))
            i += 2
        i += 1
    return out


def parse_nested(value: str) -> object:
    """vmnv's printed form "(a,(b, c),…)" as nested lists of ints (hex); a bare hex is an int."""
    tokens = re.findall(r"[0-9a-fA-F]+|[(),]", value.replace(" ", ""))
    pos = 0

    def item() -> object:
        nonlocal pos
        tok = tokens[pos]
        if tok == "(":
            pos += 1
            items: list[object] = []
            while tokens[pos] != ")":
                if tokens[pos] == ",":
                    pos += 1
                    continue
                items.append(item())
            pos += 1
            return items
        pos += 1
        return int(tok, 16)

    result = item()
    assert pos == len(tokens), f"unparsed tokens in {value[:60]}"
    return result


@pytest.fixture(scope="session")
def verified() -> dict[str, VerificationResult]:
    """Both given cases verified once (the real PoS on modp512 and P-256), shared by all tests."""
    # the 512-bit ModP case is below the group floor: checked with insecure parameters allowed
    return {case: verify_transcript(protinfo(case), nizkp_dir(case), "mixing", allow_insecure_parameters=True)
            for case in CASES}


@pytest.fixture(scope="session")
def testvectors() -> dict[str, list[TestVector]]:
    return {case: parse_testvectors((case_dir(case) / "testvectors.txt").read_text()) for case in CASES}


@pytest.fixture
def derived(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The count of every generator derivation of the verifier (more than 1000 fails at once)."""
    calls: list[int] = []
    real = verifier.derive_generators

    def counting(*args: Any) -> Any:
        calls.append(args[-1])
        assert args[-1] <= 1000, f"{args[-1]} generators asked for"
        return real(*args)

    monkeypatch.setattr(verifier, "derive_generators", counting)
    return calls
