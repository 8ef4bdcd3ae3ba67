"""The real command line: `pilwu demo` end to end, and its error handling."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pilwu_crypto import cli


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pilwu_crypto.cli", *args],
                          capture_output=True, text=True, timeout=300)


def test_demo_on_default_group_verifies() -> None:
    res = run("demo", "--voters", "8")
    assert res.returncode == 0, res.stderr
    assert "group pilwu-3072" in res.stdout
    assert "verified: the decrypted counts equal the votes cast" in res.stdout
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize("group", ["P-256", "electionguard-4096"])
def test_demo_on_other_groups(group: str) -> None:
    assert cli.main(["demo", "--group", group, "--voters", "3"]) == 0


def test_test_group_refused_without_flag() -> None:
    res = run("demo", "--group", "pilwu-test-512")
    assert res.returncode == 2
    assert "for tests only" in res.stderr
    assert "Traceback" not in res.stderr
    assert cli.main(["demo", "--group", "pilwu-test-512", "--allow-test-group", "--voters", "3"]) == 0


def test_misuse_exits_2_with_one_line() -> None:
    for args in (["demo", "--group", "nope"], ["demo", "--voters", "0"], ["frobnicate"], []):
        res = run(*args)
        assert res.returncode == 2, args
        assert "Traceback" not in res.stderr
        assert res.stderr.strip()
