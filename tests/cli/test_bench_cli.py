"""``pilwu bench`` through the real entry point.

One quick run on the test-only pilwu-test-512 group (about a second of measuring): it
exits 0, prints the table, and writes a JSON report of schema ``pilwu-bench`` version 1
with every expected row and positive figures, no timing asserted (the raw-powmod row
*is* the unit, so only noise separates it from 1).  The Verificatum row may say "not
available" (its verifier is optional to this command) but must then say why.  Misuse
exits 2 with one line on stderr and writes nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

EXPECTED_ROWS = ["powmod", "mulmod", "exp_g", "multi_exp", "encrypt_ballot", "verify_ballot",
                 "verify_ballots_batched", "tally", "trustee_decrypt", "decrypt_tally", "prove_shuffle",
                 "verify_shuffle", "mix_generators", "verificatum"]
OPTIONAL_ROWS = {"verificatum"}
"""Rows that may be "not available" (the Verificatum verifier or its transcript missing)."""


def pilwu(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pilwu_crypto", *args], capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    path = tmp_path_factory.mktemp("bench") / "bench.json"
    res = pilwu("bench", "--group", "pilwu-test-512", "--insecure-test-group", "--quick", "--json", str(path))
    assert res.returncode == 0, res.stderr
    return res, json.loads(path.read_text(encoding="utf-8"))


def test_quick_run_prints_one_table(quick_run: tuple[subprocess.CompletedProcess[str], dict[str, Any]]) -> None:
    res, _ = quick_run
    assert "Traceback" not in res.stderr
    assert res.stdout.count("pilwu bench: pilwu-test-512") == 1  # the table's title
    for words in ("raw powmod", "encrypt ballot", "verify shuffle", "pe / item", "1 pe ="):
        assert words in res.stdout
    assert "JSON written to" in res.stdout


def test_json_report_is_versioned_and_complete(
        quick_run: tuple[subprocess.CompletedProcess[str], dict[str, Any]]) -> None:
    _, doc = quick_run
    assert doc["schema"] == "pilwu-bench"
    assert doc["version"] == 1
    assert doc["group"] == "pilwu-test-512"
    assert doc["quick"] is True
    machine = doc["machine"]
    for key in ("platform", "python", "gmpy2", "gmp", "cpu_count"):
        assert machine[key], key
    assert doc["pe_unit"]["seconds"] > 0
    rows = {r["key"]: r for r in doc["rows"]}
    assert list(rows) == EXPECTED_ROWS
    for key, row in rows.items():
        assert row["name"]
        if key in OPTIONAL_ROWS and not row["available"]:
            assert row["seconds_per_item"] is None and row["pe"] is None
            assert row["note"].startswith("not available: ")
            continue
        assert row["available"], (key, row["note"])
        assert row["items"] >= 1, key
        assert row["seconds_per_item"] > 0, key
        assert row["pe"] > 0, key
    # no timing is asserted (a loaded machine moves every figure); the unit row is the unit
    # by construction, measured against itself, so it only has to exist and be positive
    assert rows["verificatum"]["group"] != "pilwu-test-512" or not rows["verificatum"]["available"]


@pytest.mark.parametrize(("args", "message"), [
    (["--group", "no-such-group"], "unknown parameter set"),
    (["--group", "pilwu-test-512", "--quick"], "--insecure-test-group"),
    (["--quick", "--json", "/nonexistent-dir/x.json"], "does not exist"),
])
def test_misuse_exits_2_with_one_line(args: list[str], message: str) -> None:
    res = pilwu("bench", *args)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("pilwu bench: error: ")
    assert message in lines[0]
    assert res.stdout == ""
