"""``pilwu verify-vmn`` through the real entry point (a subprocess running ``python -m
pilwu_crypto``): exit 0 on both given cases, 1 with one line naming party/proof/equation or
file, 2 for misuse or an unreadable protocol-info file, and the versioned --json report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.interop.conftest import CASES, copy_case, nizkp_dir, protinfo


def pilwu(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pilwu_crypto", "verify-vmn", *args], capture_output=True,
                          text=True, timeout=120)


def no_traceback(res: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in res.stderr + res.stdout, res.stderr


@pytest.mark.parametrize("case", CASES)
def test_given_cases_are_valid(case: str, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    # modp512 is below the 2048-bit floor; P-256 meets every floor and needs no flag
    flag = ["--allow-insecure-parameters"] if case.startswith("modp") else []
    res = pilwu(str(protinfo(case)), str(nizkp_dir(case)), "--type", "mixing", "--json", str(report), *flag)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "VALID" in res.stdout and "100 plaintexts match" in res.stdout
    no_traceback(res)
    data = json.loads(report.read_text())
    assert data["version"] == 1 and data["valid"] is True and data["failure"] is None
    assert data["type"] == "mixing" and data["valid_shuffles"] == 2 and data["plaintexts"] == 100
    assert [s["party"] for s in data["shuffles"]] == [1, 2]
    assert data["decryption"]["delta"] == [1, 2]


def test_invalid_transcript_exits_1_with_one_line(tmp_path: Path) -> None:
    prot, nizkp = copy_case(CASES[0], tmp_path)
    reply = nizkp / "proofs" / "PoSReply02.bt"
    data = bytearray(reply.read_bytes())
    data[-1] ^= 1
    reply.write_bytes(bytes(data))
    res = pilwu(str(prot), str(nizkp), "--type", "mixing", "--json", "-", "--allow-insecure-parameters")
    assert res.returncode == 1, res.stdout + res.stderr
    no_traceback(res)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pilwu verify-vmn: not valid: party 2, PoS:"), res.stderr
    report = json.loads(res.stdout)  # --json - : the report alone on stdout
    assert report["valid"] is False and report["failure"]["party"] == 2 and report["failure"]["proof"] == "PoS"


def test_wrong_type_is_refused(tmp_path: Path) -> None:
    res = pilwu(str(protinfo(CASES[0])), str(nizkp_dir(CASES[0])), "--type", "shuffling",
                "--allow-insecure-parameters")
    assert res.returncode == 1 and "type:" in res.stderr, res.stderr
    no_traceback(res)


@pytest.mark.parametrize("args", [
    [],                                                         # nothing
    ["--type", "mixing"],                                       # no paths
    ["PROT", "NIZKP"],                                          # --type missing (required)
    ["PROT", "NIZKP", "--type", "mix"],                         # not a type
    ["PROT", "NIZKP", "--type", "mixing", "--width", "0"],
    ["PROT", "NIZKP", "--type", "mixing", "--auxsid", "1bad"],
    ["PROT", "/nonexistent/nizkp", "--type", "mixing"],
])
def test_misuse_exits_2(args: list[str]) -> None:
    real = [str(protinfo(CASES[0])) if a == "PROT" else str(nizkp_dir(CASES[0])) if a == "NIZKP" else a
            for a in args]
    res = pilwu(*real)
    assert res.returncode == 2, res.stdout + res.stderr
    no_traceback(res)


@pytest.mark.parametrize("content", [
    b"not xml at all",
    b'<?xml version="1.0"?><!DOCTYPE protocol [<!ENTITY x SYSTEM "file:///etc/passwd">]><protocol>&x;</protocol>',
    b"<protocol><version>3.1.0</version></protocol>",
])
def test_unreadable_protinfo_exits_2(tmp_path: Path, content: bytes) -> None:
    prot = tmp_path / "protInfo.xml"
    prot.write_bytes(content)
    res = pilwu(str(prot), str(nizkp_dir(CASES[0])), "--type", "mixing")
    assert res.returncode == 2, res.stdout + res.stderr
    assert "cannot read the protocol info" in res.stderr
    no_traceback(res)
