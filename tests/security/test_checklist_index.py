"""Every row of the security checklist has a test, or a documented reason why it cannot.

The checklist (the project's security checklist, whose rows docs/threat-model.md names; not read at test
time) has rows A1–A27 and, below the table, an untitled list of attack classes that the
specifications guard against.  This suite names those:

- **U1** — identical nonce reuse across selections (ElectionGuard deterministic nonces, py#655);
- **U2** — decryption of challenged ballots only, never of cast ones;
- **U3** — uniqueness of selection-encryption identifiers (ElectionGuard Verification 5);
- **U4** — trustees' public keys carry a proof of knowledge (EG Verification 2, Belenios).

A row is covered when some test function anywhere under tests/ is named
``test_<id>_…`` (lower case, e.g. ``test_a12_…``, ``test_u3_…``), found by parsing every
test module (names in comments or strings do not count), **or** when docs/threat-model.md
lists it as out of the library's scope: a ``### <ID> — title`` heading in its section
"Checklist rows outside the library's scope", followed by a paragraph that says why and
who must handle it.  A row may have both (A26 does: the record keeps replacements
detectable, authentication is someone else's job).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
THREAT_MODEL = TESTS.parent / "docs" / "threat-model.md"
ROWS = [f"A{i}" for i in range(1, 28)] + ["U1", "U2", "U3", "U4"]
OUT_OF_SCOPE_SECTION = "## Checklist rows outside the library's scope"


ROW_TEST = re.compile(r"test_([au]\d{1,2})_")


def row_tests(paths: list[Path], base: Path) -> dict[str, list[str]]:
    """Row id -> "file::test" of every test function named after it in ``paths``, from
    their syntax trees (functions and methods; a name in a comment or a string does not
    count)."""
    found: dict[str, list[str]] = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and (m := ROW_TEST.match(node.name)):
                found.setdefault(m.group(1).upper(), []).append(f"{path.relative_to(base)}::{node.name}")
    return found


def named_tests() -> dict[str, list[str]]:
    """:func:`row_tests` of the whole test tree."""
    return row_tests(sorted(TESTS.rglob("test_*.py")), TESTS)


def out_of_scope_paragraphs() -> dict[str, str]:
    """Row id -> the text under its heading in the out-of-scope section of the threat model."""
    text = THREAT_MODEL.read_text(encoding="utf-8")
    assert OUT_OF_SCOPE_SECTION in text, f"{THREAT_MODEL.name} has no section {OUT_OF_SCOPE_SECTION!r}"
    section = text.split(OUT_OF_SCOPE_SECTION, 1)[1]
    section = re.split(r"^## ", section, maxsplit=1, flags=re.M)[0]
    out: dict[str, str] = {}
    for m in re.finditer(r"^### ([AU]\d{1,2})\b[^\n]*\n(.*?)(?=^### |\Z)", section, flags=re.M | re.S):
        out[m.group(1)] = m.group(2).strip()
    return out


def test_every_checklist_row_has_a_test_or_a_documented_scope() -> None:
    """The index itself: no row is left without a named test or an out-of-scope paragraph."""
    tests, documented = named_tests(), out_of_scope_paragraphs()
    missing = [row for row in ROWS if row not in tests and row not in documented]
    assert not missing, f"checklist rows with neither a test_<id>_ test nor a threat-model paragraph: {missing}"


def test_out_of_scope_paragraphs_say_why_and_who() -> None:
    """Each out-of-scope paragraph is a real paragraph naming who handles the row."""
    documented = out_of_scope_paragraphs()
    assert documented, "the out-of-scope section lists no row"
    for row, paragraph in documented.items():
        assert row in ROWS, f"unknown checklist row {row}"
        words = paragraph.split()
        assert len(words) >= 40, f"{row}: the paragraph is too short to say why and who ({len(words)} words)"
        assert re.search(r"\b(who|responsib|must be handled|handled by|is the job of)", paragraph, re.I), row


def test_the_rows_known_to_have_no_test_before_issue_7_now_have_one() -> None:
    """A2, A8, A13, A18, A24, A26 and U1–U4 had no test when the security suite began; each now has
    at least one in tests/security (not only a documentation paragraph)."""
    tests = named_tests()
    for row in ["A2", "A8", "A13", "A18", "A24", "A26", "U1", "U2", "U3", "U4"]:
        assert any(t.startswith("security/") for t in tests.get(row, [])), (row, tests.get(row))


def test_the_index_finds_real_tests_only(tmp_path: Path) -> None:
    """The scanner counts function definitions, not mentions in comments or strings."""
    sample = tmp_path / "test_sample.py"
    sample.write_text('"""test_a5_in_a_docstring"""\n# def test_a6_commented_out():\n'
                      'NAME = "test_a7_in_a_string"\n\ndef test_a8_real() -> None:\n    pass\n')
    assert row_tests([sample], tmp_path) == {"A8": ["test_sample.py::test_a8_real"]}
