"""The real command line, as a subprocess: demo, verify, check-ballot, and misuse.

Small elections on the test-only group keep this within its budget; one run of the
demo on the default group checks the default path end to end.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TEST_GROUP = ["--group", "pilwu-test-512", "--insecure-test-group"]
INSECURE = "--insecure-test-group"


def pilwu(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pilwu_crypto", *args], capture_output=True, text=True,
                          timeout=600, cwd=cwd)


def no_traceback(res: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in res.stderr and "Traceback" not in res.stdout, res.stderr


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A demo record and what the demo printed."""
    out = tmp_path_factory.mktemp("cli") / "record"
    res = pilwu("demo", "--out", str(out), "--voters", "8", "--challenged", "2", "--devices", "2",
                "--seed", "5", "--quiet", *TEST_GROUP)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "VALID" in res.stdout
    assert "verified counts equal the votes" in res.stdout
    no_traceback(res)
    return out, res.stdout


@pytest.fixture(scope="module")
def demo_record(demo_run: tuple[Path, str]) -> Path:
    return demo_run[0]


def test_demo_default_group_small(tmp_path: Path) -> None:
    res = pilwu("demo", "--out", str(tmp_path / "r"), "--voters", "3", "--challenged", "1", "--quiet")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "group pilwu-3072" in res.stdout and "VALID" in res.stdout


def test_verify_valid_record_and_json(demo_record: Path, tmp_path: Path) -> None:
    res = pilwu("verify", str(demo_record), "--quiet", INSECURE)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "fingerprint" in res.stdout
    # the manifest's place, polling day and register in the header (docs/record-format.md §5.3)
    assert "village     Sukamaju, district Sumber, regency Cirebon   polling day 2026-06-14   " \
           "registered voters 8" in res.stdout
    text = res.stdout
    res = pilwu("verify", str(demo_record), "--json", "-", "--quiet", INSECURE)
    assert res.returncode == 0
    report = json.loads(res.stdout)
    assert report["schema"] == "pilwu-verification-report" and report["version"] == 2
    assert report["format_version"] == 2 and report["notes"] == []  # format 2: nothing left unbound
    box = report["ballot_box"]
    assert len(box) == 64 and " ".join(box[i:i + 4] for i in range(0, 64, 4)) in text  # announced at poll close
    assert report["valid"] is True and report["ballots_cast"] == 8 and report["ballots_challenged"] == 2
    assert (report["village"], report["district"], report["regency"], report["date"], report["registered_voters"]) \
        == ("Sukamaju", "Sumber", "Cirebon", "2026-06-14", 8)
    assert [c["number"] for c in report["checks"]] == list(range(1, 12))
    assert sum(c["count"] for c in report["counts"]) == 8
    out = tmp_path / "report.json"
    assert pilwu("verify", str(demo_record), "--json", str(out), "--quiet", INSECURE).returncode == 0
    assert json.loads(out.read_text())["fingerprint"] == report["fingerprint"]


def test_verify_tampered_record_exits_1_naming_the_item(demo_record: Path, tmp_path: Path) -> None:
    root = tmp_path / "tampered"
    shutil.copytree(demo_record, root)
    result = root / "tally" / "result.json"
    doc = json.loads(result.read_text())
    doc["contests"][0]["options"][0]["count"] += 1
    result.write_text(json.dumps(doc))
    res = pilwu("verify", str(root), "--quiet", INSECURE)
    assert res.returncode == 1
    assert "NOT VALID" in res.stdout and "result.json" in res.stdout
    no_traceback(res)


@pytest.mark.parametrize("damage", ["truncate", "delete", "nonhex", "version"])
def test_malformed_record_exits_1_with_a_reason(demo_record: Path, tmp_path: Path, damage: str) -> None:
    root = tmp_path / "damaged"
    shutil.copytree(demo_record, root)
    ballots = sorted((root / "ballots").glob("*.jsonl"))[0]
    if damage == "truncate":
        data = ballots.read_bytes()
        ballots.write_bytes(data[: len(data) - 200])
    elif damage == "delete":
        (root / "tally" / "encrypted_tally.json").unlink()
    elif damage == "nonhex":
        text = (root / "context.json").read_text()
        doc = json.loads(text)
        doc["joint_key"] = "zz" + doc["joint_key"][2:]
        (root / "context.json").write_text(json.dumps(doc))
    else:
        doc = json.loads((root / "manifest.json").read_text())
        doc["version"] = 3
        (root / "manifest.json").write_text(json.dumps(doc))
    res = pilwu("verify", str(root), "--quiet", INSECURE)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "NOT VALID" in res.stdout
    no_traceback(res)


def test_unreadable_record_exits_2(tmp_path: Path, demo_record: Path) -> None:
    res = pilwu("verify", str(tmp_path / "nothing-here"))
    assert res.returncode == 2 and res.stderr.strip()
    no_traceback(res)
    root = tmp_path / "noindex"
    shutil.copytree(demo_record, root)
    (root / "index.json").write_text("{not json")
    res = pilwu("verify", str(root))
    assert res.returncode == 2
    assert len(res.stderr.strip().splitlines()) == 1
    no_traceback(res)


def test_check_ballot_cast_and_challenged(demo_record: Path) -> None:
    cast = challenged = None
    for path in sorted((demo_record / "ballots").glob("*.jsonl")):
        for line in path.read_text().splitlines():
            doc = json.loads(line)
            if doc["status"] == "cast" and cast is None:
                cast = doc["ballot"]["confirmation_code"]
            if doc["status"] == "challenged" and challenged is None:
                challenged = doc["ballot"]["confirmation_code"]
    assert cast and challenged
    res = pilwu("check-ballot", str(demo_record), cast[:16], INSECURE)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Counted" in res.stdout
    res = pilwu("check-ballot", str(demo_record), challenged, INSECURE)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "challenged" in res.stdout and "x1" in res.stdout
    res = pilwu("check-ballot", str(demo_record), "00000000deadbeef")
    assert res.returncode == 1 and "No ballot" in res.stdout
    res = pilwu("check-ballot", str(demo_record), "not-a-code")
    assert res.returncode == 2
    no_traceback(res)


def first_cast_code(record: Path) -> str:
    for path in sorted((record / "ballots").glob("*.jsonl")):
        for line in path.read_text().splitlines():
            doc = json.loads(line)
            if doc["status"] == "cast":
                return str(doc["ballot"]["confirmation_code"])
    raise AssertionError("no cast ballot")


def test_check_ballot_needs_16_hex_digits(demo_record: Path) -> None:
    """8 digits (32 bits) would let a device grind a replacement ballot with a matching
    prefix in about a day on one core: fewer than 16 digits are refused, exit 2, one line."""
    code = first_cast_code(demo_record)
    for short in (code[:8], "-".join(code[i:i + 4] for i in (0, 4, 8)) + code[12:15]):
        res = pilwu("check-ballot", str(demo_record), short, "--quick", INSECURE)
        assert res.returncode == 2, (short, res.stdout, res.stderr)
        no_traceback(res)
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and "at least the first 16" in lines[0], res.stderr
        assert res.stdout == ""


def test_check_ballot_accepts_the_code_as_printed_on_a_receipt(demo_record: Path) -> None:
    """Groups of four separated by spaces or dashes, any case; the full code is shown grouped."""
    code = first_cast_code(demo_record)
    grouped = " ".join(code[i:i + 4] for i in range(0, 64, 4))
    for typed in (grouped[:19], grouped[:19].upper().replace(" ", "-"), grouped):
        res = pilwu("check-ballot", str(demo_record), typed, "--quick", INSECURE)
        assert res.returncode == 0, (typed, res.stdout, res.stderr)
        assert f"code {grouped}, status: cast" in res.stdout, res.stdout


def test_demo_prints_the_place_and_register(demo_run: tuple[Path, str]) -> None:
    """The demo's manifest (kuwu_manifest's defaults, its voters as the register) is shown before it runs."""
    printed = demo_run[1]
    assert "village Sukamaju, district Sumber, regency Cirebon; polling day 2026-06-14; 8 registered voters" \
        in printed, printed


def test_demo_shows_the_code_in_groups_and_a_check_that_works(demo_run: tuple[Path, str]) -> None:
    record, printed = demo_run
    shown = re.search(r"confirmation code, as their device showed it: ((?:[0-9a-f]{4} ){15}[0-9a-f]{4})$",
                      printed, flags=re.M)
    assert shown, printed
    command = re.search(r"pilwu check-ballot (\S+) ([0-9a-f]{4}(?:-[0-9a-f]{4}){3})$", printed, flags=re.M)
    assert command and command.group(1) == str(record), printed
    assert shown.group(1).replace(" ", "").startswith(command.group(2).replace("-", ""))
    res = pilwu("check-ballot", str(record), command.group(2), "--quick", INSECURE)
    assert res.returncode == 0, res.stdout + res.stderr


def test_misuse_exits_2_with_one_line(tmp_path: Path, demo_record: Path) -> None:
    cases = [
        ["demo", "--group", "pilwu-test-512"],  # test group without the flag
        ["demo", "--group", "nope"],
        ["demo", "--voters", "0"],
        ["demo", "--threshold", "4"],
        ["demo", "--out", str(demo_record), *TEST_GROUP],  # existing non-empty directory
        ["frobnicate"],
        [],
        ["verify"],
    ]
    for args in cases:
        res = pilwu(*args)
        assert res.returncode == 2, (args, res.stdout, res.stderr)
        assert res.stderr.strip(), args
        no_traceback(res)


def test_module_entry_points() -> None:
    for mod in ("pilwu_crypto", "pilwu_crypto.cli"):
        res = subprocess.run([sys.executable, "-m", mod, "--help"], capture_output=True, text=True, timeout=60)
        assert res.returncode == 0 and "demo" in res.stdout


def test_test_group_record_not_verified_without_flag(demo_record: Path) -> None:
    res = pilwu("verify", str(demo_record), "--quiet")
    assert res.returncode == 1
    assert "for tests only" in res.stdout
    no_traceback(res)


def test_internal_error_is_one_line_and_not_verified(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    import pilwu_crypto.cli as cli
    import pilwu_crypto.cli.verify as verify_cmd

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(verify_cmd, "verify_record", broken)
    assert cli.main(["verify", "anything", "--quiet", "--workers", "1"]) == 2  # not verified, never "not valid"
    err = capsys.readouterr().err
    assert "internal error" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


# ---- demo --mix ------------------------------------------------------------------------------
def test_demo_mix_counts_agree(tmp_path: Path) -> None:
    out = tmp_path / "mixed"
    res = pilwu("demo", "--mix", "--mix-servers", "2", "--voters", "4", "--challenged", "1", "--seed", "3",
                "--quiet", "--out", str(out), *TEST_GROUP)
    assert res.returncode == 0, res.stdout + res.stderr
    no_traceback(res)
    assert "mixed by 2 mix servers" in res.stdout
    assert "mix-result" in res.stdout and "VALID" in res.stdout
    assert "Mixed result" in res.stdout
    assert "The mixed counts equal the homomorphic tally." in res.stdout
    assert (out / "mixnet" / "stage-2.json").is_file() and not (out / "mixnet" / "stage-3.json").exists()
    assert pilwu("verify", str(out), "--quiet", INSECURE).returncode == 0


def test_demo_mix_write_ins_on_p256(tmp_path: Path) -> None:
    from pilwu_crypto.election.simulation import WRITE_IN_NAMES

    res = pilwu("demo", "--mix", "--write-ins", "--group", "P-256", "--voters", "3", "--challenged", "1",
                "--seed", "4", "--quiet", "--out", str(tmp_path / "write-ins"))
    assert res.returncode == 0, res.stdout + res.stderr
    no_traceback(res)
    assert "write-in names" in res.stdout and "VALID" in res.stdout
    assert sum(res.stdout.count(name) for name in WRITE_IN_NAMES) >= 1


def test_demo_write_ins_refused_on_integer_group(tmp_path: Path) -> None:
    res = pilwu("demo", "--mix", "--write-ins", "--voters", "2", "--quiet", "--out", str(tmp_path / "r"),
                *TEST_GROUP)
    assert res.returncode == 2
    no_traceback(res)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "P-256, P-384, P-521" in lines[0], res.stderr
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("extra", [["--write-ins"], ["--mix-servers", "2"], ["--mix", "--mix-servers", "1"],
                                   ["--mix", "--mix-servers", "11"]])
def test_demo_mix_misuse_exits_2(tmp_path: Path, extra: list[str]) -> None:
    res = pilwu("demo", *extra, "--voters", "2", "--quiet", "--out", str(tmp_path / "r"), *TEST_GROUP)
    assert res.returncode == 2, res.stdout + res.stderr
    no_traceback(res)
    assert len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()
