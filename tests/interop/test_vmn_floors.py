"""Soundness floors: protInfo.xml comes from the parties being checked, so challenge and
batching lengths, the statistical distance and the group size are refused below their floors
(before any proof is looked at) unless insecure parameters are explicitly allowed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pilwu_crypto.interop.verificatum import verify_transcript
from tests.interop.conftest import CASES, copy_case
from tests.interop.test_vmn_cli import no_traceback, pilwu
from tests.interop.vmn_writer import Spec, VGroup, write

MODP, P256 = CASES


def _set(prot: Path, name: str, value: int) -> None:
    text = prot.read_text()
    text, count = re.subn(rf"<{name}>\d+</{name}>", f"<{name}>{value}</{name}>", text)
    assert count == 1
    prot.write_text(text)


@pytest.mark.parametrize(("name", "value", "floor"), [
    ("vbitlenro", 1, 128), ("vbitlenro", 127, 128), ("ebitlenro", 8, 128), ("statdist", 0, 64),
    ("statdist", 63, 64),
])
def test_each_scalar_below_its_floor_is_refused_by_name(tmp_path: Path, derived: list[int], name: str,
                                                        value: int, floor: int) -> None:
    prot, nizkp = copy_case(P256, tmp_path)
    _set(prot, name, value)
    res = verify_transcript(prot, nizkp, "mixing")
    assert not res.valid and res.failure is not None
    message = str(res.failure)
    assert message.startswith("insecure protocol parameters: "), message
    assert f"{name} = {value} is below the floor of {floor}" in message
    assert res.insecure_parameters == [f"{name} = {value} is below the floor of {floor}"]
    assert res.parameters[name] == value and res.shufflers == [] and derived == []


def test_several_offending_parameters_are_all_named(tmp_path: Path) -> None:
    prot, nizkp = copy_case(P256, tmp_path)
    _set(prot, "vbitlenro", 64)
    _set(prot, "ebitlenro", 40)
    res = verify_transcript(prot, nizkp, "mixing")
    assert res.failure is not None
    assert "vbitlenro = 64" in str(res.failure) and "ebitlenro = 40" in str(res.failure)


def test_small_modp_group_is_refused_and_allowed_with_a_warning(tmp_path: Path, derived: list[int]) -> None:
    prot, nizkp = copy_case(MODP, tmp_path)
    res = verify_transcript(prot, nizkp, "mixing")
    assert not res.valid and res.failure is not None and derived == []
    assert str(res.failure).startswith("insecure protocol parameters: group: ModP modulus bits = 512 is below "
                                       "the floor of 2048"), res.failure
    assert res.parameters["group_kind"] == "modp" and res.parameters["group_bits"] == 512
    res = verify_transcript(prot, nizkp, "mixing", allow_insecure_parameters=True)
    assert res.valid, res.failure
    assert res.insecure_parameters == ["group: ModP modulus bits = 512 is below the floor of 2048"]
    assert any(n.startswith("warning: insecure protocol parameters accepted: group") for n in res.notes)
    assert res.to_json()["insecure_allowed"] is True


def test_small_curve_is_refused(tmp_path: Path) -> None:
    prot, nizkp = write(Spec(VGroup.named("P-224"), n=3, session="decryption"), tmp_path / "p224")
    res = verify_transcript(prot, nizkp, "decryption")
    assert res.failure is not None
    assert "group: curve order bits = 224 is below the floor of 256" in str(res.failure)
    assert verify_transcript(prot, nizkp, "decryption", allow_insecure_parameters=True).valid


def test_p256_case_meets_every_floor() -> None:
    """The real P-256 transcript: vbitlenro = ebitlenro = 256, statdist = 100, order 256 bits."""
    from tests.interop.conftest import nizkp_dir, protinfo

    res = verify_transcript(protinfo(P256), nizkp_dir(P256), "mixing")
    assert res.valid, res.failure
    assert res.insecure_parameters == []
    prm = res.parameters
    assert (prm["vbitlenro"], prm["ebitlenro"], prm["statdist"]) == (256, 256, 100)
    assert (prm["group_kind"], prm["group_bits"]) == ("curve", 256)


def test_cli_refuses_then_allows_with_warning(tmp_path: Path) -> None:
    prot, nizkp = copy_case(MODP, tmp_path)
    _set(prot, "ebitlenro", 8)
    res = pilwu(str(prot), str(nizkp), "--type", "mixing", "--quiet")
    assert res.returncode == 1, res.stdout + res.stderr
    no_traceback(res)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "pilwu verify-vmn: not valid: insecure protocol parameters: ebitlenro = 8 is below the floor of 128"), lines
    assert "params    vbitlenro 256, ebitlenro 8, statdist 100" in res.stdout
    # allowed: the proofs are checked and the report still lists the parameter below its floor
    prot2, nizkp2 = copy_case(MODP, tmp_path / "b")
    res = pilwu(str(prot2), str(nizkp2), "--type", "mixing", "--quiet", "--json", "-",
                "--allow-insecure-parameters")
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["valid"] is True and report["insecure_allowed"] is True
    assert report["insecure_parameters"] == ["group: ModP modulus bits = 512 is below the floor of 2048"]
    assert report["parameters"]["floors"] == {"vbitlenro": 128, "ebitlenro": 128, "statdist": 64,
                                              "modp_bits": 2048, "curve_order_bits": 256}
