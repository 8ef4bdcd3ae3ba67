"""Attribution of a failed decryption proof: a party is named only when its own files are at
fault; a changed joint statement (list, Γ, factors or a commitment republished after the
others answered) blames nobody."""

from __future__ import annotations

from pathlib import Path

from pilwu_crypto.interop.verificatum import verify_transcript
from tests.interop.conftest import CASES, copy_case
from tests.interop.vmn_writer import Spec, VGroup, write


def test_a_broken_reply_names_only_its_party(tmp_path: Path) -> None:
    prot, nizkp = copy_case(CASES[1], tmp_path)
    (nizkp / "proofs" / "DecrFactReply02.bt").write_bytes(b"\x00\x00\x00\x00\x01\x07")  # not a field element
    res = verify_transcript(prot, nizkp, "mixing")
    assert res.failure is not None and res.failure.proof == "decryption", res.failure
    assert res.failure.party == 2 and "party 1" not in res.failure.reason, res.failure


def test_a_readapted_commitment_blames_no_honest_party(tmp_path: Path) -> None:
    """Party 2 republishes its commitment after party 1 answered and answers the new challenge
    itself: party 1's (honest) reply goes stale, and it must not be blamed."""
    prot, nizkp = write(Spec(VGroup.named("P-256"), n=3, session="decryption", readapt=2), tmp_path / "w")
    res = verify_transcript(prot, nizkp, "decryption")
    assert not res.valid and res.failure is not None and res.failure.proof == "decryption", res.failure
    assert res.failure.party is None, res.failure
    assert "not attributed" in res.failure.reason


def test_a_changed_statement_blames_nobody(tmp_path: Path) -> None:
    prot, nizkp = write(Spec(VGroup.named("P-256"), n=3, session="decryption"), tmp_path / "w")
    assert verify_transcript(prot, nizkp, "decryption").valid
    # Γ_1 replaced by Γ_0: the party keys and the seed change, every party's check fails
    from pilwu_crypto.interop.verificatum import bytetree as bt

    gamma = nizkp / "proofs" / "PolynomialInExponent.bt"
    first = bt.parse(gamma.read_bytes()).node_children("Γ")[0].raw
    gamma.write_bytes(bt.ser_node([first, first]))
    res = verify_transcript(prot, nizkp, "decryption")
    assert res.failure is not None and res.failure.proof == "decryption" and res.failure.party is None, res.failure
