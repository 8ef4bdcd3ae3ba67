"""``pilwu device keygen`` and ``pilwu setup combine`` as subprocesses: the election setup
made from files, then taken by ``pilwu trustee setup --setup``."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from pilwu_crypto.record.codec import parse_json
from pilwu_crypto.record.setupcodec import election_setup_from_json

ENV = {**os.environ, "PILWU_PASSPHRASE": "correct horse battery staple"}


def pilwu(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    res = subprocess.run([sys.executable, "-m", "pilwu_crypto", *args], capture_output=True, text=True, timeout=120,
                         env=ENV, cwd=cwd, stdin=subprocess.DEVNULL)
    assert "Traceback" not in res.stdout + res.stderr, res.stderr
    return res


def test_devices_and_servers_into_one_setup(tmp_path: Path) -> None:
    for did in ("tps-2", "tps-1"):
        res = pilwu("device", "keygen", "--id", did, "--key", f"{did}.pem", "--registration", f"{did}.json",
                    cwd=tmp_path)
        assert res.returncode == 0, res.stderr
        assert stat.S_IMODE((tmp_path / f"{did}.pem").stat().st_mode) == 0o600
        assert b"PRIVATE" not in (tmp_path / f"{did}.json").read_bytes()
    assert pilwu("mix", "keygen", "--id", "mix-1", "--key", "m1.pem", "--registration", "m1.json",
                 cwd=tmp_path).returncode == 0
    res = pilwu("setup", "combine", "--device", "tps-2.json", "--device", "tps-1.json", "--mix-server", "m1.json",
                "--out", "setup.json", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    setup = election_setup_from_json(parse_json((tmp_path / "setup.json").read_bytes()))
    assert [d.device_id for d in setup.devices] == ["tps-1", "tps-2"] and [m.server_id for m in setup.mix_servers] \
        == ["mix-1"]
    for did in ("tps-1", "tps-2"):
        key = json.loads((tmp_path / f"{did}.json").read_bytes())["public_key"]
        assert f"device {did}: " in res.stdout and key == setup.device_registrations()[did].public_key.hex()
    res = pilwu("trustee", "setup", "--group", "pilwu-test-512", "--insecure-test-group", "--kuwu", "A,B",
                "--election-id", "desa-1", "--village", "Sukamaju", "--district", "Sumber", "--date", "2026-06-14",
                "--registered-voters", "1500", "--trustees", "ayu,budi", "--threshold", "2", "--setup", "setup.json",
                "--out", "ceremony", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "ceremony" / "setup.json").read_bytes() == (tmp_path / "setup.json").read_bytes()


def test_bad_setups_are_refused(tmp_path: Path) -> None:
    assert pilwu("device", "keygen", "--id", "tps-1", "--key", "k.pem", "--registration", "tps-1.json",
                 cwd=tmp_path).returncode == 0
    twice = pilwu("setup", "combine", "--device", "tps-1.json", "--device", "tps-1.json", "--out", "s.json",
                  cwd=tmp_path)
    assert twice.returncode == 1 and "tps-1 is registered twice" in twice.stderr and not (tmp_path / "s.json").exists()
    none = pilwu("setup", "combine", "--out", "s.json", cwd=tmp_path)
    assert none.returncode == 1 and "at least one voting device" in none.stderr
    (tmp_path / "bad.json").write_text(json.dumps({"device_id": "tps-9", "kind": "device-registration",
                                                   "public_key": "00", "version": 2}))
    bad = pilwu("setup", "combine", "--device", "bad.json", "--out", "s.json", cwd=tmp_path)
    assert bad.returncode == 1 and "bad.json" in bad.stderr and "public_key" in bad.stderr
    assert pilwu("setup", "combine", "--device", "tps-1.json", "--out", "s.json", cwd=tmp_path).returncode == 0
    again = pilwu("setup", "combine", "--device", "tps-1.json", "--out", "s.json", cwd=tmp_path)
    assert again.returncode == 2 and "exists" in again.stderr
    missing = pilwu("setup", "combine", "--device", "nothing.json", "--out", "t.json", cwd=tmp_path)
    assert missing.returncode == 2 and "no such file" in missing.stderr
    exists = pilwu("device", "keygen", "--id", "tps-1", "--key", "k.pem", "--registration", "x.json", cwd=tmp_path)
    assert exists.returncode == 2
