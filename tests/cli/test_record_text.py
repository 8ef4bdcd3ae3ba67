"""Text from a record reaches the terminal as the literal text it is.

A record's publisher chooses its names, keys and directory names.  Printed as rich
markup, a candidate "[/]" turned a valid record into "internal error … nothing was
verified" and "[conceal]" hid part of a name; printed raw, ESC and bidi overrides could
clear the screen or reverse a verdict.  Each case runs the real ``pilwu`` (a subprocess)
on a small record of the test-only group and checks the output: the text shown
literally, every control or bidirectional character escaped, the right verdict.
"""

from __future__ import annotations

import copy
import io
import json
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.cli import render
from pilwu_crypto.election.manifest import Manifest
from pilwu_crypto.election.simulation import kuwu_manifest, simulate_election
from pilwu_crypto.election.text import UNSAFE_PATTERN, visible
from pilwu_crypto.record.io import write_simulated_election
from tests.cli.test_cli import INSECURE, no_traceback, pilwu
from tests.security.kit import edit_document

MARKUP_NAMES = ["Ki [/] Ahmad", "Nyi [conceal]Siti[/conceal] Aminah"]
TERMINAL_CONTROLS = ["\x1b[2J", "\x1b]0;title\x07", "Ki \u202eAhmad"]


def write_record(root: Path, names: list[str]) -> Path:
    """A small valid record (1 trustee, 3 cast and 1 challenged ballot) with these candidates."""
    sim = simulate_election(get_group("pilwu-test-512", allow_test=True), kuwu_manifest(names), trustees=1,
                            threshold=1, absent=0, voters=3, challenged=1, devices=1, rng=random.Random(7))
    write_simulated_election(sim, root)
    return root


@pytest.fixture(scope="module")
def markup_record(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_record(tmp_path_factory.mktemp("text") / "markup", MARKUP_NAMES)


@pytest.fixture
def plain_record(tmp_path: Path) -> Path:
    return write_record(tmp_path / "plain", ["Ki Ahmad", "Nyi Siti"])


def raw_controls(text: str) -> list[str]:
    """The unsafe characters of ``text`` other than the newlines between lines."""
    return [m.group() for m in UNSAFE_PATTERN.finditer(text) if m.group() != "\n"]


def assert_shown_safely(stdout: str, stderr: str) -> None:
    assert "internal error" not in stdout + stderr, stderr
    assert raw_controls(stdout) == [] and raw_controls(stderr) == [], (stdout, stderr)


def test_markup_in_candidate_names_is_shown_literally(markup_record: Path) -> None:
    res = pilwu("verify", str(markup_record), "--quiet", "--workers", "1", INSECURE)
    assert res.returncode == 0, res.stdout + res.stderr
    no_traceback(res)
    assert "VALID: every check passed." in res.stdout
    for name in MARKUP_NAMES:
        assert name in res.stdout, res.stdout


def test_check_ballot_shows_markup_names_literally(markup_record: Path) -> None:
    lines = [json.loads(x) for x in (markup_record / "ballots" / "device-1.jsonl").read_text().splitlines()]
    challenged = next(x["ballot"]["confirmation_code"] for x in lines if x["status"] == "challenged")
    res = pilwu("check-ballot", str(markup_record), challenged, "--quick", INSECURE)
    assert res.returncode == 0, res.stdout + res.stderr
    no_traceback(res)
    assert any(f"{name} x1" in res.stdout for name in MARKUP_NAMES), res.stdout


@pytest.mark.parametrize("document, key", [("tally/result.json", "[/]"), ("manifest.json", "\x1b[31m[conceal]"),
                                           ("context.json", "\u202e[bold]")])
def test_unknown_key_in_a_failure_message_is_shown_escaped(plain_record: Path, document: str, key: str) -> None:
    """The codec names an unknown key in its message; the verdict line shows it literally."""
    edit_document(plain_record, document, lambda doc: doc.update({key: 1}))
    res = pilwu("verify", str(plain_record), "--quiet", "--workers", "1", INSECURE)
    assert res.returncode == 1, res.stdout + res.stderr
    no_traceback(res)
    assert_shown_safely(res.stdout, res.stderr)
    verdict = [line for line in res.stdout.splitlines() if line.startswith("NOT VALID: ")]
    assert len(verdict) == 1 and "unknown key" in verdict[0], res.stdout
    shown = repr(key)[1:-1]  # the codec names a key that is not an identifier by its repr
    assert shown in verdict[0], verdict


def forged(obj: Any, **changes: Any) -> Any:
    """A copy of a frozen manifest object with fields replaced and its validation skipped,
    as a forger computing the hash of a manifest the library refuses would do."""
    new = copy.copy(obj)
    for name, value in changes.items():
        object.__setattr__(new, name, value)
    return new


FORGERIES: dict[str, Callable[[Manifest, str], Manifest]] = {
    "name": lambda m, bad: forged(m, name=bad),
    "contests[0]": lambda m, bad: forged(m, contests=(forged(m.contests[0], name=bad),)),
    "contests[0].options[1]": lambda m, bad: forged(m, contests=(forged(
        m.contests[0], options=(m.contests[0].options[0], forged(m.contests[0].options[1], name=bad))),)),
}


@pytest.mark.parametrize("field, bad", list(zip(FORGERIES, TERMINAL_CONTROLS, strict=True)))
def test_forged_manifest_name_is_not_valid_in_one_line(plain_record: Path, field: str, bad: str) -> None:
    """A manifest.json edited to hold a terminal control in a name, its hash recomputed and
    the index re-sealed: NOT VALID naming the field, the character shown escaped."""
    manifest = kuwu_manifest(["Ki Ahmad", "Nyi Siti"])
    fake = FORGERIES[field](manifest, bad)

    def change(doc: dict[str, Any]) -> None:
        target: dict[str, Any] = doc
        if field != "name":
            target = doc["contests"][0] if field == "contests[0]" else doc["contests"][0]["options"][1]
        target["name"] = bad
        doc["hash"] = fake.hash().hex()

    edit_document(plain_record, "manifest.json", change)
    res = pilwu("verify", str(plain_record), "--quiet", "--workers", "1", INSECURE)
    assert res.returncode == 1, res.stdout + res.stderr
    no_traceback(res)
    assert_shown_safely(res.stdout, res.stderr)
    verdict = [line for line in res.stdout.splitlines() if line.startswith("NOT VALID: ")]
    assert len(verdict) == 1, res.stdout
    escaped = UNSAFE_PATTERN.search(bad)
    assert escaped is not None
    assert "manifest.json" in verdict[0] and "name has the control or bidirectional character" in verdict[0]
    assert visible(escaped.group()) in verdict[0], verdict
    if field != "name":
        assert field in verdict[0], verdict


def test_village_directory_names_are_shown_escaped(plain_record: Path, tmp_path: Path) -> None:
    """A directory of village records: the directory names (chosen by whoever assembled it)
    are printed in the summary table escaped, never as markup or control sequences, and
    ``--json -`` (which may go to a terminal too) is plain ASCII holding the same names."""
    villages = tmp_path / "villages"
    names = ["[conceal]desa", "desa-\x1b]0;pwned\x07", "desa-\u202eabc"]
    for name in names:
        shutil.copytree(plain_record, villages / name)
    res = pilwu("verify", str(villages), "--quiet", "--workers", "1", INSECURE)
    assert res.returncode == 0, res.stdout + res.stderr
    no_traceback(res)
    assert_shown_safely(res.stdout, res.stderr)
    assert "VALID: all 3 village records verify." in res.stdout
    for shown in ["[conceal]desa", "desa-\\x1b]0;pwned\\x07", "desa-\\u202eabc"]:
        assert shown in res.stdout, res.stdout
    res = pilwu("verify", str(villages), "--json", "-", "--quiet", "--workers", "1", INSECURE)
    assert res.returncode == 0 and res.stdout.isascii(), res.stdout
    summary = json.loads(res.stdout)
    assert sorted(v["name"] for v in summary["villages"]) == sorted(names)
    assert sorted(Path(v["report"]["record"]).name for v in summary["villages"]) == sorted(names)


def test_write_in_names_are_shown_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    """Write-in names come from voters through the mix-net: never refused, always escaped."""
    written = ["\x1b[2J", "\x1b]0;title\x07", "Ki \u202eAhmad", "[/]", "[conceal]Joko"]
    render.out.print(render.write_ins_table([*written, "[/]"]))
    shown = capsys.readouterr().out
    assert raw_controls(shown) == [], shown
    for text in ["\\x1b[2J", "\\x1b]0;title\\x07", "Ki \\u202eAhmad", "[/]", "[conceal]Joko"]:
        assert text in shown, shown


def test_styles_never_reach_record_text() -> None:
    """With colour on, the console's own escape sequences style the verdict, while record
    text inside it stays escaped; markup asked for explicitly is still not applied."""
    buffer = io.StringIO()
    console = render.LiteralConsole(file=buffer, force_terminal=True, color_system="standard", width=200,
                                    markup=False, emoji=False, highlight=False)
    console.print(render.not_valid_line("option \x1b[2J [bold]x[/] \u202e :warning:"))
    console.print("[bold]not markup[/]", markup=True, emoji=True)
    shown = buffer.getvalue()
    assert "\x1b[1;31mNOT VALID" in shown, repr(shown)  # the style: bold red
    assert "\x1b[2J" not in shown and "\u202e" not in shown, repr(shown)
    assert "option \\x1b[2J [bold]x[/] \\u202e :warning:" in shown, repr(shown)
    assert "[bold]not markup[/]" in shown, repr(shown)


def test_only_render_builds_rich_text() -> None:
    """The rule that keeps a future print safe: outside cli/render.py the command line
    uses rich only for tables (whose string cells go through the literal console)."""
    cli = Path(render.__file__).parent
    offenders = []
    for path in sorted(cli.glob("*.py")):
        if path.name == "render.py":
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if stripped.startswith(("import rich", "from rich")) and stripped != "from rich.table import Table":
                offenders.append(f"{path.name}: {stripped}")
    assert offenders == [], offenders
