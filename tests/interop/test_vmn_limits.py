"""Work bounded by what is present: counts read from the transcript that drive work (here
N_0 = proofs/maxciph, the number of generators derived) are checked against the sizes of the
files present before the work starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from pilwu_crypto.interop.verificatum import bytetree as bt
from pilwu_crypto.interop.verificatum import verify_transcript
from tests.interop.conftest import CASES, copy_case


def test_huge_maxciph_is_refused_before_any_generator(tmp_path: Path, derived: list[int]) -> None:
    prot, nizkp = copy_case(CASES[0], tmp_path)
    (nizkp / "proofs" / "maxciph").write_text("999999999")  # 9 bytes, no pre-computation proofs
    res = verify_transcript(prot, nizkp, "mixing", allow_insecure_parameters=True)
    assert not res.valid and res.failure is not None and res.failure.file == "proofs/maxciph"
    assert "maxciph 999999999 exceeds" in res.failure.reason, res.failure
    assert derived == []


def _precomp(tmp_path: Path) -> tuple[Path, Path]:
    """The real PoS pieces re-packed as pre-computation files with keep lists of 100 entries."""
    prot, nizkp = copy_case(CASES[0], tmp_path)
    proofs = nizkp / "proofs"
    for ll in ("01", "02"):
        (proofs / f"CCPoSCommitment{ll}.bt").write_bytes((proofs / f"PoSCommitment{ll}.bt").read_bytes())
        (proofs / f"KeepList{ll}.bt").write_bytes(bt.ser_leaf(b"\x01" * 100))
    return prot, nizkp


@pytest.mark.parametrize("maxciph", ["101", "999999999"])
def test_maxciph_beyond_the_keep_lists_is_refused(tmp_path: Path, derived: list[int], maxciph: str) -> None:
    prot, nizkp = _precomp(tmp_path)
    (nizkp / "proofs" / "maxciph").write_text(maxciph)
    res = verify_transcript(prot, nizkp, "mixing", allow_insecure_parameters=True)
    assert res.failure is not None and res.failure.file == "proofs/maxciph", res.failure
    assert f"maxciph {maxciph} exceeds the 100 entries proofs/KeepList01.bt can hold" in res.failure.reason
    assert derived == []


def test_one_short_keep_list_bounds_maxciph(tmp_path: Path, derived: list[int]) -> None:
    prot, nizkp = _precomp(tmp_path)
    (nizkp / "proofs" / "KeepList02.bt").write_bytes(bt.ser_leaf(b"\x01" * 100)[:-1])
    (nizkp / "proofs" / "maxciph").write_text("100")
    res = verify_transcript(prot, nizkp, "mixing", allow_insecure_parameters=True)
    assert res.failure is not None and "proofs/KeepList02.bt can hold" in res.failure.reason, res.failure
    assert derived == []


def test_maxciph_within_the_files_derives_exactly_n0(tmp_path: Path, derived: list[int]) -> None:
    prot, nizkp = _precomp(tmp_path)
    (nizkp / "proofs" / "maxciph").write_text("100")
    res = verify_transcript(prot, nizkp, "mixing", allow_insecure_parameters=True)
    assert not res.valid and derived == [100]  # the re-packed proofs themselves fail, by name
    assert res.failure is not None and res.failure.party == 1, res.failure
