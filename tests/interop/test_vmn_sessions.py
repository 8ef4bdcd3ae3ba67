"""Shuffling-only and decryption-only sessions, derived from the real mixing transcripts (the
proofs do not depend on the session type: ρ hashes version, sid, auxsid and parameters only),
and the two places where we are stricter than vmnv (NOTES.md §11 step 4, §11a)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pilwu_crypto.interop.verificatum import verify_transcript
from tests.interop.conftest import CASES, EXHAUSTIVE, copy_case

SESSION_CASES = CASES if EXHAUSTIVE else CASES[:1]


def make_shuffling(case: str, tmp: Path) -> tuple[Path, Path]:
    """The mixing transcript as VMN writes a shuffle-only session: ShuffledCiphertexts.bt, no decryption."""
    prot, nizkp = copy_case(case, tmp)
    (nizkp / "type").write_text("shuffling")
    shutil.copy(nizkp / "proofs" / "Ciphertexts02.bt", nizkp / "ShuffledCiphertexts.bt")
    (nizkp / "Plaintexts.bt").unlink()
    for pattern in ("PolynomialInExponent.bt", "CorrectIndices.bt", "Decr*", "DecryptionFactors*"):
        for f in (nizkp / "proofs").glob(pattern):
            f.unlink()
    return prot, nizkp


def make_decryption(case: str, tmp: Path) -> tuple[Path, Path]:
    """A decryption-only session of the mixed list: L_0 is the final list of the mixing session."""
    prot, nizkp = copy_case(case, tmp)
    (nizkp / "type").write_text("decryption")
    shutil.copy(nizkp / "proofs" / "Ciphertexts02.bt", nizkp / "Ciphertexts.bt")
    for pattern in ("Ciphertexts0*", "PermutationCommitment*", "PoS*"):
        for f in (nizkp / "proofs").glob(pattern):
            f.unlink()
    return prot, nizkp


@pytest.mark.parametrize("case", SESSION_CASES)
def test_shuffling_session_verifies(tmp_path: Path, case: str) -> None:
    prot, nizkp = make_shuffling(case, tmp_path)
    res = verify_transcript(prot, nizkp, "shuffling", allow_insecure_parameters=True)
    assert res.valid, res.failure
    assert res.valid_shuffles == 2 and res.decryption is None and res.plaintexts is None
    # the session type is the caller's: a shuffling transcript is not a mixing one
    res = verify_transcript(prot, nizkp, "mixing", allow_insecure_parameters=True)
    assert not res.valid and res.failure is not None and res.failure.file == "type"


@pytest.mark.parametrize("case", SESSION_CASES)
def test_shuffling_final_list_from_shuffled_ciphertexts(tmp_path: Path, case: str) -> None:
    """Without Ciphertexts<λ_a>.bt the last shuffler's output is ShuffledCiphertexts.bt (NOTES §11 step 3)."""
    prot, nizkp = make_shuffling(case, tmp_path)
    (nizkp / "proofs" / "Ciphertexts02.bt").unlink()
    assert verify_transcript(prot, nizkp, "shuffling", allow_insecure_parameters=True).valid


def test_stricter_than_vmnv_tampered_final_list(tmp_path: Path) -> None:
    """Two ciphertexts swapped in ShuffledCiphertexts.bt only: vmnv accepts (NOTES §11 step 4); we reject."""
    from pilwu_crypto.interop.verificatum import bytetree as bt
    from tests.interop.test_vmn_mutations import _rebuild

    prot, nizkp = make_shuffling(CASES[0], tmp_path)
    final = nizkp / "ShuffledCiphertexts.bt"
    data = final.read_bytes()
    for path in ((0,), (1,)):
        data = _rebuild(bt.parse(data), path, 0, 1)
    final.write_bytes(data)
    res = verify_transcript(prot, nizkp, "shuffling", allow_insecure_parameters=True)
    assert not res.valid and res.failure is not None
    assert res.failure.file == "ShuffledCiphertexts.bt" and "last valid shuffle" in res.failure.reason


def test_stricter_than_vmnv_too_few_valid_shuffles(tmp_path: Path) -> None:
    """One shuffler's output replaced by its input: vmnv -shuffle exits 0 (NOTES §11a); we reject."""
    prot, nizkp = make_shuffling(CASES[0], tmp_path)
    shutil.copy(nizkp / "proofs" / "Ciphertexts01.bt", nizkp / "proofs" / "Ciphertexts02.bt")
    shutil.copy(nizkp / "proofs" / "Ciphertexts01.bt", nizkp / "ShuffledCiphertexts.bt")
    res = verify_transcript(prot, nizkp, "shuffling", allow_insecure_parameters=True)
    assert not res.valid and res.failure is not None
    assert res.failure.party == 2 and res.failure.proof == "PoS"
    assert "only 1 valid shuffle proofs, the threshold is 2" in res.failure.reason
    assert [s.valid for s in res.shufflers] == [True, False]


@pytest.mark.parametrize("case", SESSION_CASES)
def test_decryption_session_verifies(tmp_path: Path, case: str) -> None:
    prot, nizkp = make_decryption(case, tmp_path)
    res = verify_transcript(prot, nizkp, "decryption", allow_insecure_parameters=True)
    assert res.valid, res.failure
    assert res.shufflers == [] and res.plaintexts is not None and len(res.plaintexts) == 100


def test_decryption_session_with_wrong_plaintexts(tmp_path: Path) -> None:
    prot, nizkp = make_decryption(CASES[0], tmp_path)
    shutil.copy(nizkp / "proofs" / "DecryptionFactors01.bt", nizkp / "Plaintexts.bt")
    res = verify_transcript(prot, nizkp, "decryption", allow_insecure_parameters=True)
    assert not res.valid and res.failure is not None and res.failure.file == "Plaintexts.bt"


def test_auxsid_and_width_must_match(tmp_path: Path) -> None:
    prot, nizkp = copy_case(CASES[0], tmp_path)
    res = verify_transcript(prot, nizkp, "mixing", auxsid="other", allow_insecure_parameters=True)
    assert not res.valid and res.failure is not None and res.failure.file == "auxsid"
    res = verify_transcript(prot, nizkp, "mixing", width=2, allow_insecure_parameters=True)
    assert not res.valid and res.failure is not None and res.failure.file == "width"
    # a renamed session (auxsid file and caller agree) changes ρ: every proof then fails
    (nizkp / "auxsid").write_text("other")
    res = verify_transcript(prot, nizkp, "mixing", auxsid="other", allow_insecure_parameters=True)
    assert not res.valid and res.failure is not None and res.failure.party == 1 and res.failure.proof == "PoS"


def test_active_threshold_out_of_range(tmp_path: Path) -> None:
    prot, nizkp = copy_case(CASES[0], tmp_path)
    for value in ("1", "4"):
        (nizkp / "proofs" / "activethreshold").write_text(value)
        res = verify_transcript(prot, nizkp, "mixing", allow_insecure_parameters=True)
        assert not res.valid and res.failure is not None and res.failure.file == "proofs/activethreshold"


def test_precomputation_files_are_checked_not_crashed(tmp_path: Path) -> None:
    """Smoke test of the PoSC + keep list + CCPoS path (NOTES §9b): no real pre-computation
    transcript exists here, so the PoS pieces are re-packed into PoSC/CCPoS files; their
    Fiat–Shamir challenges then differ, and each shuffler must be rejected by name."""
    from pilwu_crypto.interop.verificatum import bytetree as bt

    prot, nizkp = copy_case(CASES[0], tmp_path)
    proofs = nizkp / "proofs"
    (proofs / "maxciph").write_text("100")
    for ll in ("01", "02"):
        com = bt.parse((proofs / f"PoSCommitment{ll}.bt").read_bytes()).node_children("c", 6)
        rep = bt.parse((proofs / f"PoSReply{ll}.bt").read_bytes()).node_children("r", 6)
        (proofs / f"PoSCCommitment{ll}.bt").write_bytes(bt.ser_node([c.raw for c in com[:5]]))
        (proofs / f"PoSCReply{ll}.bt").write_bytes(bt.ser_node([r.raw for r in rep[:5]]))
        (proofs / f"CCPoSCommitment{ll}.bt").write_bytes(bt.ser_node([com[1].raw, com[5].raw]))
        (proofs / f"CCPoSReply{ll}.bt").write_bytes(bt.ser_node([rep[0].raw, rep[5].raw, rep[4].raw]))
        (proofs / f"KeepList{ll}.bt").write_bytes(bt.ser_leaf(b"\x01" * 100))
    res = verify_transcript(prot, nizkp, "mixing", allow_insecure_parameters=True)
    assert res.precomputation and not res.valid and res.failure is not None
    assert res.failure.party == 1 and res.failure.proof == "PoSC", res.failure
    assert [p.proof for p in res.shufflers[0].proofs] == ["PoSC", "CCPoS"]
    assert not any(p.valid for s in res.shufflers for p in s.proofs)
    # a keep list that does not keep exactly N positions is refused by name
    (proofs / "KeepList01.bt").write_bytes(bt.ser_leaf(b"\x01" * 99 + b"\x00"))
    res = verify_transcript(prot, nizkp, "mixing", allow_insecure_parameters=True)
    assert res.failure is not None and res.failure.file == "proofs/KeepList01.bt" and res.failure.party == 1
