"""Key ceremony (joint-Feldman DKG, ElectionGuard 2.1 §3.2): rounds, checks, complaints, sealed state.

Every ceremony here runs as the trustees would on separate laptops: each trustee object
only sees the published messages of the previous round.  Covers checklist A17 (commit
before reveal), A19 (shares encrypted to their recipient), the trustee PoK note (every
coefficient proof is checked, and bound to its trustee and index), attributable
complaints, and the passphrase-sealed secret state.  Runs on an integer group and on
P-256 (tests/conftest.py).
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pilwu_crypto.algebra.group import Element, Group, Scalar
from pilwu_crypto.errors import CeremonyError, SealedStateError
from pilwu_crypto.proofs.schnorr import SchnorrProof, prove_schnorr
from pilwu_crypto.threshold import dkg, sealing
from pilwu_crypto.threshold.decryption import lagrange_coefficients
from pilwu_crypto.threshold.dkg import (
    Ceremony,
    CommitmentDigest,
    CommitmentReveal,
    EncryptedShare,
    KeyedTrustee,
    TrusteeRound1,
    TrusteeRound2,
    TrusteeRound3,
)

H_B = bytes(range(32))
IDS = ("alice", "bob", "carol", "dave", "eve")
SHAPES = [(1, 1), (3, 2), (3, 3), (5, 3)]
TEST_SCRYPT = 10
"""scrypt cost 2^10 for tests, passed explicitly (the default stays 2^17)."""
PROPS = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

RAISED: list[str] = []
"""Messages of every exception the library raised in this module (checked for secrets)."""


class raises:  # noqa: N801 - used like pytest.raises
    """pytest.raises that also records the message, for the secrets-in-errors check."""

    def __init__(self, exc: type[Exception], match: str | None = None) -> None:
        self._cm = pytest.raises(exc, match=match)

    def __enter__(self) -> pytest.ExceptionInfo[Exception]:
        self._info = self._cm.__enter__()
        return self._info

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool:
        result = self._cm.__exit__(exc_type, exc, tb)
        RAISED.append(str(self._info.value))
        return bool(result)


# ------------------------------------------------------------------ a whole ceremony
@dataclass
class Run:
    """All messages and every trustee's state at each round of one ceremony."""

    ceremony: Ceremony
    round1: list[TrusteeRound1]
    digests: list[CommitmentDigest]
    round2: list[TrusteeRound2]
    reveals: list[CommitmentReveal]
    round3: list[TrusteeRound3]
    shares: list[EncryptedShare]
    keyed: list[KeyedTrustee]

    @property
    def commitments(self) -> list[tuple[Element, ...]]:
        return [r.commitments for r in self.reveals]

    def share_from_to(self, sender: int, recipient: int) -> EncryptedShare:
        return next(s for s in self.shares if (s.sender_index, s.recipient_index) == (sender, recipient))


def make_ceremony(group: Group, n: int, t: int, base_hash: bytes = H_B) -> Ceremony:
    return Ceremony(group, base_hash, IDS[:n], t)


def run_ceremony(group: Group, n: int, t: int) -> Run:
    """A complete honest ceremony, message by message."""
    c = make_ceremony(group, n, t)
    r1 = [TrusteeRound1.generate(c, tid) for tid in c.trustee_ids]
    digests = [x.digest_message() for x in r1]
    r2 = [x.receive_digests(digests) for x in r1]
    reveals = [x.reveal_message() for x in r2]
    r3 = [x.receive_reveals(reveals) for x in r2]
    shares = [s for x in r3 for s in x.encrypted_shares()]
    for x in r3:
        assert x.check_shares(shares) == []
    keyed = [x.finish(shares) for x in r3]
    return Run(c, r1, digests, r2, reveals, r3, shares, keyed)


@pytest.fixture(scope="module")
def runs(group: Group) -> dict[tuple[int, int], Run]:
    return {shape: run_ceremony(group, *shape) for shape in SHAPES}


@pytest.fixture(scope="module")
def run32(runs: dict[tuple[int, int], Run]) -> Run:
    return runs[(3, 2)]


def evaluate(coefficients: Sequence[Scalar], x: int, q: int) -> int:
    return sum(a.value * pow(x, j, q) for j, a in enumerate(coefficients)) % q


def secret_values(run: Run) -> list[int]:
    """Every secret of a ceremony: coefficients, auxiliary secrets, shares sent and held."""
    q = run.ceremony.group.q
    out: list[int] = []
    for x in run.round1:
        out += [a.value for a in x._coefficients] + [x._aux_secret.value]
        out += [evaluate(x._coefficients, ell, q) for ell in range(1, run.ceremony.n + 1)]
    out += [k.share.value for k in run.keyed]
    return out


def secret_spellings(group: Group, value: int) -> list[str]:
    """How a secret could show up in text: decimal, hex, fixed-width hex."""
    return [str(value), f"{value:x}", f"{value:#x}", value.to_bytes(group.scalar_size, "big").hex()]


# ------------------------------------------------------------------ completeness ----
@pytest.mark.parametrize(("n", "t"), SHAPES)
def test_full_ceremony_keys_agree(group: Group, runs: dict[tuple[int, int], Run], n: int, t: int) -> None:
    run = runs[(n, t)]
    K = dkg.joint_key(group, run.commitments)
    keys = dkg.verification_keys(group, run.commitments)
    assert sorted(keys) == list(range(1, n + 1))
    q = group.q
    for k in run.keyed:
        assert k.joint_key == K and k.public_key.element == K
        assert k.verification_keys == keys
        assert k.verification_key == keys[k.index] == dkg.verification_key(group, run.commitments, k.index)
        assert group.exp_g(k.share) == k.verification_key  # g^{s_l} == K_l
        assert k.commitments == tuple(run.commitments)
    # s_l = sum_i P_i(l), and any t shares interpolate to s with g^s == K
    for k in run.keyed:
        assert k.share.value == sum(evaluate(x._coefficients, k.index, q) for x in run.round1) % q
    chosen = [k.index for k in run.keyed[:t]]
    lambdas = lagrange_coefficients(chosen, q)
    s = sum(lambdas[k.index] * k.share.value for k in run.keyed[:t]) % q
    assert group.exp_g(s) == K
    assert group.exp_g(sum(x._coefficients[0].value for x in run.round1) % q) == K  # K = g^(sum a_i0)


def test_keys_recomputed_from_commitments_alone(group: Group, run32: Run) -> None:
    # A verifier sees only the published messages: it re-checks rounds 1-2 and recomputes K, K_l.
    accepted = dkg.check_reveals(run32.ceremony, list(reversed(run32.digests)), list(reversed(run32.reveals)))
    assert [r.trustee_index for r in accepted] == [1, 2, 3]
    comms = [r.commitments for r in accepted]
    assert dkg.joint_key(group, comms) == run32.keyed[0].joint_key
    assert dkg.verification_keys(group, comms) == {k.index: k.verification_key for k in run32.keyed}
    # K_l = prod_i prod_j C_{i,j}^{l^j}, written out
    for k in run32.keyed:
        direct = group.product(c ** pow(k.index, j, group.q) for cs in comms for j, c in enumerate(cs))
        assert direct == k.verification_key


def test_steps_cannot_be_done_out_of_order(run32: Run) -> None:
    r1, r2, r3, keyed = run32.round1[0], run32.round2[0], run32.round3[0], run32.keyed[0]
    assert not hasattr(r1, "reveal_message") and not hasattr(r1, "encrypted_shares")
    assert not hasattr(r2, "encrypted_shares") and not hasattr(r2, "finish")
    assert not hasattr(r3, "decryption_share") and not hasattr(keyed, "encrypted_shares")
    # and a reveal is only accepted against the digests of round 1
    with raises(CeremonyError, match="no digest from trustee carol"):
        r1.receive_digests(run32.digests[:2])


def test_messages_are_frozen_dataclasses_of_public_values(run32: Run) -> None:
    allowed = (str, int, bytes, Element, Scalar, SchnorrProof, tuple)
    msgs: list[object] = [run32.digests[0], run32.reveals[0], run32.shares[0]]
    msgs.append(run32.round3[1].complaint_against(run32.share_from_to(1, 2)))
    for m in msgs:
        assert dataclasses.is_dataclass(m)
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(m, dataclasses.fields(m)[0].name, "x")
        for f in dataclasses.fields(m):
            value = getattr(m, f.name)
            assert isinstance(value, allowed) or dataclasses.is_dataclass(value), f.name


def test_ceremony_parameters_validated(group: Group) -> None:
    bad: list[Callable[[], object]] = [
        lambda: Ceremony(group, H_B, (), 1),
        lambda: Ceremony(group, H_B, ("a", "a"), 1),
        lambda: Ceremony(group, H_B, ("a", ""), 1),
        lambda: Ceremony(group, H_B, ("a", "b"), 0),
        lambda: Ceremony(group, H_B, ("a", "b"), 3),
        lambda: Ceremony(group, H_B[:31], ("a", "b"), 1),
        lambda: Ceremony(group, H_B, ("a", "b"), 1).index_of("c"),
        lambda: TrusteeRound1.generate(Ceremony(group, H_B, ("a", "b"), 1), "mallory"),
    ]
    for make in bad:
        with raises(CeremonyError):
            make()


# ------------------------------------------------------------------ rounds 1 and 2 --
def test_a17_commitments_changed_after_round1_rejected(group: Group) -> None:
    # Belenios 4.0: a rushing trustee who sees the others' commitments before fixing its
    # own can bias the joint key.  Here bob commits in round 1, then reveals a different
    # polynomial (with perfectly valid proofs): everyone rejects it and names bob.
    c = make_ceremony(group, 3, 2)
    r1 = [TrusteeRound1.generate(c, tid) for tid in c.trustee_ids]
    digests = [x.digest_message() for x in r1]
    r2 = [x.receive_digests(digests) for x in r1]
    reveals = [x.reveal_message() for x in r2]
    # (second_thoughts is bob's new polynomial; it is consistent with its own, never published, digest)
    redo = TrusteeRound1.generate(c, "bob")
    second_thoughts = redo.receive_digests([digests[0], redo.digest_message(), digests[2]])
    changed = [reveals[0], second_thoughts.reveal_message(), reveals[2]]
    for trustee in (r2[0], r2[2]):
        with raises(CeremonyError, match=r"trustee bob \(#2\) changed its commitments after round 1"):
            trustee.receive_reveals(changed)
    with raises(CeremonyError, match="bob.*changed its commitments after round 1"):
        dkg.check_reveals(c, digests, changed)
    # changing a single commitment, or only the auxiliary key, is caught the same way
    one = dataclasses.replace(reveals[1], commitments=(reveals[1].commitments[0], group.generator()))
    aux = dataclasses.replace(reveals[1], aux_key=reveals[0].aux_key)
    for bad in (one, aux):
        with raises(CeremonyError, match="bob.*changed its commitments after round 1"):
            dkg.check_reveals(c, digests, [reveals[0], bad, reveals[2]])
    # and the honest reveals pass
    assert len(dkg.check_reveals(c, digests, reveals)) == 3


def _with_digest(c: Ceremony, digests: list[CommitmentDigest],
                 reveal: CommitmentReveal) -> list[CommitmentDigest]:
    """The round-1 digests with ``reveal``'s trustee committing to exactly ``reveal``
    (so that the check under test is the proof check, not the digest check)."""
    out = list(digests)
    out[reveal.trustee_index - 1] = CommitmentDigest(reveal.trustee_id, reveal.trustee_index,
                                                     dkg.commitment_digest(c, reveal))
    return out


def _expect_reveal_rejected(run: Run, bad: CommitmentReveal, match: str) -> None:
    reveals = list(run.reveals)
    reveals[bad.trustee_index - 1] = bad
    with raises(CeremonyError, match=match):
        dkg.check_reveals(run.ceremony, _with_digest(run.ceremony, run.digests, bad), reveals)


def bump_proof(p: SchnorrProof) -> SchnorrProof:
    return SchnorrProof(h=p.h, v=p.v + 1)


def test_trustee_coefficient_proofs_checked(group: Group, run32: Run) -> None:
    # electionguard-python 1.4 generated a Schnorr proof per coefficient but never checked
    # them.  Here each one is checked: a wrong response, a wrong commitment h, a commitment
    # C_{i,j} that is not the proven one, or a bad auxiliary-key proof are all rejected.
    bob = run32.reveals[1]
    for j in range(2):
        proofs = list(bob.coefficient_proofs)
        proofs[j] = bump_proof(proofs[j])
        _expect_reveal_rejected(run32, dataclasses.replace(bob, coefficient_proofs=tuple(proofs)),
                                rf"bob \(#2\): proof of knowledge of coefficient {j} is invalid")
        proofs = list(bob.coefficient_proofs)
        proofs[j] = SchnorrProof(h=proofs[j].h * group.generator(), v=proofs[j].v)
        _expect_reveal_rejected(run32, dataclasses.replace(bob, coefficient_proofs=tuple(proofs)),
                                rf"bob \(#2\): proof of knowledge of coefficient {j}")
        comms = list(bob.commitments)
        comms[j] = comms[j] * group.generator()
        _expect_reveal_rejected(run32, dataclasses.replace(bob, commitments=tuple(comms)),
                                rf"bob \(#2\): proof of knowledge of coefficient {j}")
    _expect_reveal_rejected(run32, dataclasses.replace(bob, aux_key_proof=bump_proof(bob.aux_key_proof)),
                            r"bob \(#2\): proof of knowledge of the auxiliary key")
    _expect_reveal_rejected(run32, dataclasses.replace(bob, coefficient_proofs=bob.coefficient_proofs[:1]),
                            r"bob \(#2\): 2 commitments and 1 proofs, expected 2")


def test_proof_moved_to_another_trustee_or_index_rejected(group: Group, run32: Run) -> None:
    bob, carol = run32.reveals[1], run32.reveals[2]
    # carol's whole (valid) reveal re-published under bob's name: every proof is bound to carol
    stolen = dataclasses.replace(carol, trustee_id="bob", trustee_index=2)
    _expect_reveal_rejected(run32, stolen, r"bob \(#2\): proof of knowledge of coefficient 0")
    # only carol's auxiliary key and its proof
    _expect_reveal_rejected(run32, dataclasses.replace(bob, aux_key=carol.aux_key,
                                                       aux_key_proof=carol.aux_key_proof),
                            r"bob \(#2\): proof of knowledge of the auxiliary key")
    # bob's own coefficients swapped with their proofs: each proof is bound to its index j
    swapped = dataclasses.replace(bob, commitments=bob.commitments[::-1],
                                  coefficient_proofs=bob.coefficient_proofs[::-1])
    _expect_reveal_rejected(run32, swapped, r"bob \(#2\): proof of knowledge of coefficient 0")
    # a coefficient proof used as the auxiliary-key proof: bound to its purpose
    _expect_reveal_rejected(run32, dataclasses.replace(bob, aux_key=bob.commitments[0],
                                                       aux_key_proof=bob.coefficient_proofs[0]),
                            r"bob \(#2\): proof of knowledge of the auxiliary key")
    # bob's reveal in another election (other H_B): bound to H_B
    other = make_ceremony(group, 3, 2, base_hash=b"\x99" * 32)
    with raises(CeremonyError, match=r"bob \(#2\): proof of knowledge of coefficient 0"):
        dkg.check_reveal(other, CommitmentDigest("bob", 2, dkg.commitment_digest(other, bob)), bob)


def test_identity_key_share_or_auxiliary_key_rejected(group: Group, run32: Run) -> None:
    # x = 0 gives a *valid* proof of knowledge for the identity: the identity check must catch it.
    c = run32.ceremony
    one, zero = group.identity(), group.scalar(0)
    p0 = prove_schnorr(dkg._coefficient_transcript(c, "bob", 2, 0), one, zero)
    r = run32.reveals[1]
    _expect_reveal_rejected(run32, dataclasses.replace(r, commitments=(one, *r.commitments[1:]),
                                                       coefficient_proofs=(p0, *r.coefficient_proofs[1:])),
                            r"bob \(#2\): commitment C_2,0 \(its key share\) is the identity")
    pa = prove_schnorr(dkg._aux_transcript(c, "bob", 2), one, zero)
    _expect_reveal_rejected(run32, dataclasses.replace(r, aux_key=one, aux_key_proof=pa),
                            r"bob \(#2\): auxiliary key X_2 is the identity")


def test_round1_messages_checked(group: Group, run32: Run) -> None:
    c, d = run32.ceremony, run32.digests
    cases: list[tuple[list[CommitmentDigest], str]] = [
        (d[:1], "no digest from trustee bob .*, trustee carol"),
        ([*d, CommitmentDigest("mallory", 4, b"\0" * 32)], "'mallory' is not a trustee"),
        ([d[0], dataclasses.replace(d[1], trustee_index=3), d[2]], "bob has index 2, the message says 3"),
        ([*d, dataclasses.replace(d[1], digest=b"\1" * 32)], r"trustee bob \(#2\) published two different"),
        ([d[0], dataclasses.replace(d[1], digest=b"\1" * 31), d[2]], "digest is not 32 bytes"),
    ]
    for digests, match in cases:
        with raises(CeremonyError, match=match):
            dkg.check_digests(c, digests)
    assert dkg.check_digests(c, [*d, d[1]]) == tuple(d)  # an identical repeat is harmless
    # the digest published under alice's name must be alice's own
    forged = [dataclasses.replace(d[0], digest=d[1].digest), d[1], d[2]]
    with raises(CeremonyError, match="published under this trustee's name is not its own"):
        run32.round1[0].receive_digests(forged)
    with raises(CeremonyError, match="no reveal from trustee carol"):
        run32.round2[0].receive_reveals(run32.reveals[:2])


# ------------------------------------------------------------------ round 3 ---------
def test_a19_shares_encrypted_to_recipient(group: Group, run32: Run) -> None:
    # electionguard-python's guardians once exchanged their Shamir backups unencrypted.
    # Every share here travels AES-GCM encrypted under a key only sender and recipient have.
    q = group.q
    assert len(run32.shares) == 3 * 2
    for s in run32.shares:
        sender = run32.round1[s.sender_index - 1]
        clear = evaluate(sender._coefficients, s.recipient_index, q).to_bytes(group.scalar_size, "big")
        message_bytes = s.nonce + s.ciphertext + s.tag + s.sender_id.encode() + s.recipient_id.encode()
        assert clear not in message_bytes
        assert clear.hex() not in repr(s) and str(int.from_bytes(clear, "big")) not in repr(s)
    # a third trustee cannot read it: carol's DH value with alice does not open alice's share for bob
    s12 = run32.share_from_to(1, 2)
    alice, bob, _ = run32.reveals
    wrong_dh = group.exp(alice.aux_key, run32.round3[2]._aux_secret)  # X_1^{x_3}, not X_1^{x_2}
    value, problem = dkg._open_share(run32.ceremony, s12, wrong_dh, alice, bob, secret=False)
    assert value is None and "authentication" in problem
    # the same share re-addressed to carol does not authenticate for carol
    readdressed = dataclasses.replace(s12, recipient_id="carol", recipient_index=3)
    assert len(run32.round3[2].check_shares([readdressed])) == 1
    # and two encryptions of the same share differ (fresh nonce)
    again = run32.round3[0].encrypted_shares()[0]
    assert again.nonce != s12.nonce and again.ciphertext != s12.ciphertext


def _bad_share(run: Run, sender: int, recipient: int, delta: int) -> EncryptedShare:
    """What a dishonest sender does: a correctly encrypted share that is off by delta."""
    x = run.round3[sender - 1]
    group = run.ceremony.group
    value = group.scalar_mod(evaluate(x._coefficients, recipient, group.q) + delta)
    return dkg._encrypt_share(run.ceremony, run.reveals[sender - 1], run.reveals[recipient - 1],
                              x._aux_secret, value)


def _replace_share(shares: list[EncryptedShare], new: EncryptedShare) -> list[EncryptedShare]:
    return [new if (s.sender_index, s.recipient_index) == (new.sender_index, new.recipient_index) else s
            for s in shares]


def test_bad_share_detected_complaint_verifiable_by_third_party(group: Group, run32: Run) -> None:
    bad = _bad_share(run32, sender=2, recipient=3, delta=1)
    shares = _replace_share(run32.shares, bad)
    carol = run32.round3[2]
    complaints = carol.check_shares(shares)
    assert len(complaints) == 1
    complaint = complaints[0]
    assert (complaint.complainer_id, complaint.accused_id) == ("carol", "bob")
    with raises(CeremonyError, match=r"share from trustee bob \(#2\) does not match"):
        carol.finish(shares)
    # an auditor with only the published messages judges it: bob is at fault
    verdict = dkg.verify_complaint(run32.ceremony, complaint, bad, run32.reveals)
    assert verdict.upheld and (verdict.faulty_id, verdict.faulty_index) == ("bob", 2)
    assert "does not match the sender's commitments" in verdict.reason
    # alice, who got good shares, has nothing to complain about
    assert run32.round3[0].check_shares(shares) == []


def test_false_complaint_attributed_to_complainer(group: Group, run32: Run) -> None:
    good = run32.share_from_to(1, 3)
    lie = run32.round3[2].complaint_against(good)  # carol claims alice's good share is bad
    verdict = dkg.verify_complaint(run32.ceremony, lie, good, run32.reveals)
    assert not verdict.upheld
    assert (verdict.faulty_id, verdict.faulty_index) == ("carol", 3)
    assert "false complaint" in verdict.reason


def test_tampered_encrypted_share_fails_authentication_and_is_attributable(group: Group, run32: Run) -> None:
    original = run32.share_from_to(2, 1)
    flip = bytes([original.ciphertext[0] ^ 1]) + original.ciphertext[1:]
    variants = [
        dataclasses.replace(original, ciphertext=flip),
        dataclasses.replace(original, tag=bytes(16)),
        dataclasses.replace(original, nonce=bytes(12)),
        dataclasses.replace(original, tag=original.tag[:8]),  # malformed
    ]
    alice = run32.round3[0]
    for tampered in variants:
        shares = _replace_share(run32.shares, tampered)
        (complaint,) = alice.check_shares(shares)
        with raises(CeremonyError, match=r"share from trustee bob \(#2\)"):
            alice.finish(shares)
        verdict = dkg.verify_complaint(run32.ceremony, complaint, tampered, run32.reveals)
        assert verdict.upheld and verdict.faulty_id == "bob"
        assert "authentication" in verdict.reason or "malformed" in verdict.reason


def test_forged_or_moved_complaint_rejected(group: Group, run32: Run) -> None:
    bad = _bad_share(run32, sender=2, recipient=3, delta=5)
    complaint = run32.round3[2].complaint_against(bad)
    c = run32.ceremony
    assert dkg.verify_complaint(c, complaint, bad, run32.reveals).upheld
    g = group.generator()
    cases: list[tuple[dkg.Complaint, EncryptedShare, str]] = [
        # another Z: the key re-derived would not be the real one
        (dataclasses.replace(complaint, dh_value=complaint.dh_value * g), bad, "proof of the Diffie-Hellman"),
        (dataclasses.replace(complaint, proof=dataclasses.replace(complaint.proof, v=complaint.proof.v + 1)),
         bad, "proof of the Diffie-Hellman"),
        # alice cannot complain in carol's name, nor carol about another share
        (dataclasses.replace(complaint, complainer_id="alice", complainer_index=1), bad,
         "not one from the accused to the complainer"),
        (complaint, run32.share_from_to(2, 3), "quotes another encrypted share"),
        (complaint, run32.share_from_to(1, 3), "not one from the accused"),
        (dataclasses.replace(complaint, accused_id="carol", accused_index=3), bad,
         "cannot complain about itself"),
    ]
    for forged, share, match in cases:
        with raises(CeremonyError, match=match):
            dkg.verify_complaint(c, forged, share, run32.reveals)
    # a complaint moved to another (equally bad) share of the same pair: the proof binds the share
    bad2 = _bad_share(run32, sender=2, recipient=3, delta=6)
    moved = dataclasses.replace(complaint, share_hash=dkg.share_message_hash(c, bad2))
    with raises(CeremonyError, match="proof of the Diffie-Hellman"):
        dkg.verify_complaint(c, moved, bad2, run32.reveals)


def test_finish_requires_every_share(run32: Run) -> None:
    alice = run32.round3[0]
    with raises(CeremonyError, match=r"no share from trustee carol \(#3\)"):
        alice.finish([s for s in run32.shares if s.sender_index != 3])
    other = dataclasses.replace(run32.share_from_to(2, 1), nonce=bytes(12))
    with raises(CeremonyError, match=r"two different shares from trustee bob"):
        alice.finish([*run32.shares, other])
    with raises(CeremonyError, match="addressed to another trustee"):
        alice.complaint_against(run32.share_from_to(2, 3))


# ------------------------------------------------------------------ secret state ----
def _all_states(run: Run) -> list[dkg._TrusteeState]:
    return [*run.round1, *run.round2, *run.round3, *run.keyed]


def test_secret_state_round_trip_at_every_stage(group: Group, run32: Run) -> None:
    for state in _all_states(run32):
        data = state.export_secret_state()
        back = dkg.import_secret_state(group, data)
        assert type(back) is type(state)
        assert (back.trustee_id, back.index, back.ceremony) == (state.trustee_id, state.index, state.ceremony)
        assert back.export_secret_state() == data
    k = dkg.import_secret_state(group, run32.keyed[1].export_secret_state())
    assert isinstance(k, KeyedTrustee) and k.share == run32.keyed[1].share
    assert k.verification_keys == run32.keyed[1].verification_keys


def test_ceremony_across_processes_through_sealed_files(group: Group) -> None:
    # Each trustee stops after every round: its state is exported, sealed, "written to the
    # USB stick", then unsealed and imported by a fresh process that carries on.
    c = make_ceremony(group, 3, 2)

    def hop(state: dkg._TrusteeState, passphrase: str) -> dkg.TrusteeState:
        blob = dkg.seal(state.export_secret_state(), passphrase, scrypt_log2_n=TEST_SCRYPT)
        return dkg.import_secret_state(group, dkg.unseal(blob, passphrase))

    pw = {tid: f"correct horse {tid}" for tid in c.trustee_ids}
    s1 = [hop(TrusteeRound1.generate(c, tid), pw[tid]) for tid in c.trustee_ids]
    assert all(isinstance(x, TrusteeRound1) for x in s1)
    digests = [x.digest_message() for x in s1 if isinstance(x, TrusteeRound1)]
    s2 = [hop(x.receive_digests(digests), pw[x.trustee_id]) for x in s1 if isinstance(x, TrusteeRound1)]
    reveals = [x.reveal_message() for x in s2 if isinstance(x, TrusteeRound2)]
    s3 = [hop(x.receive_reveals(reveals), pw[x.trustee_id]) for x in s2 if isinstance(x, TrusteeRound2)]
    r3 = [x for x in s3 if isinstance(x, TrusteeRound3)]
    shares = [s for x in r3 for s in x.encrypted_shares()]
    keyed = [hop(x.finish(shares), pw[x.trustee_id]) for x in r3]
    assert all(isinstance(k, KeyedTrustee) for k in keyed)
    K = dkg.joint_key(group, [r.commitments for r in reveals])
    assert all(isinstance(k, KeyedTrustee) and k.joint_key == K for k in keyed)


def test_sealed_state_round_trip_and_wrong_passphrase(group: Group, run32: Run) -> None:
    data = run32.keyed[0].export_secret_state()
    blob = dkg.seal(data, "Kuwu 2025 – ñ", scrypt_log2_n=TEST_SCRYPT)
    assert dkg.unseal(blob, "Kuwu 2025 – ñ") == data
    assert dkg.unseal(blob, unicodedata.normalize("NFD", "Kuwu 2025 – ñ")) == data  # NFC-normalised
    assert data not in blob and run32.keyed[0].share.to_bytes() not in blob
    assert blob[8:13] == bytes([1, 1, TEST_SCRYPT, 8, 1])
    assert dkg.seal(data, "pw", scrypt_log2_n=TEST_SCRYPT) != dkg.seal(data, "pw", scrypt_log2_n=TEST_SCRYPT)
    for wrong in ("Kuwu 2025 – n", "", b"Kuwu"):
        with raises(SealedStateError):
            dkg.unseal(blob, wrong)
    for log2_n in (9, 21):
        with raises(SealedStateError, match="scrypt cost"):
            dkg.seal(data, "pw", scrypt_log2_n=log2_n)
    with raises(SealedStateError, match="empty passphrase"):
        dkg.seal(data, "", scrypt_log2_n=TEST_SCRYPT)
    assert sealing.DEFAULT_SCRYPT_LOG2_N >= 15


@pytest.fixture(scope="module")
def sealed(run32: Run) -> bytes:
    return dkg.seal(run32.keyed[0].export_secret_state(), "pw", scrypt_log2_n=TEST_SCRYPT)


@PROPS
@given(data=st.data())
def test_sealed_state_any_flipped_byte_refused(sealed: bytes, data: st.DataObject) -> None:
    pos = data.draw(st.integers(0, len(sealed) - 1), label="position")
    bit = data.draw(st.integers(0, 7), label="bit")
    blob = bytearray(sealed)
    blob[pos] ^= 1 << bit
    with raises(SealedStateError):
        dkg.unseal(bytes(blob), "pw")


@PROPS
@given(data=st.data())
def test_sealed_state_truncated_or_extended_refused(sealed: bytes, data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(sealed) - 1), label="length")
    with raises(SealedStateError):
        dkg.unseal(sealed[:cut], "pw")
    with raises(SealedStateError):
        dkg.unseal(sealed + data.draw(st.binary(min_size=1, max_size=8)), "pw")


@PROPS
@given(data=st.data())
def test_secret_state_garbage_or_truncated_raises_project_error(group: Group, run32: Run,
                                                                 data: st.DataObject) -> None:
    state = data.draw(st.sampled_from(_all_states(run32)), label="stage")
    raw = state.export_secret_state()
    cut = data.draw(st.integers(0, len(raw) - 1), label="length")
    with raises(SealedStateError):
        dkg.import_secret_state(group, raw[:cut])
    with raises(SealedStateError, match="trailing"):
        dkg.import_secret_state(group, raw + b"\0")
    garbage = data.draw(st.binary(max_size=64), label="garbage")
    with raises(SealedStateError):
        dkg.import_secret_state(group, dkg.STATE_MAGIC + garbage)


def test_secret_state_checks(group: Group, run32: Run) -> None:
    raw = run32.round1[0].export_secret_state()
    with raises(SealedStateError, match="bad magic"):
        dkg.import_secret_state(group, b"X" + raw[1:])
    with raises(SealedStateError, match="unsupported version"):
        dkg.import_secret_state(group, raw[:8] + b"\x02" + raw[9:])
    other = "P-256" if group.name != "P-256" else "pilwu-test-512"
    from pilwu_crypto.algebra.groups import get_group

    with raises(SealedStateError, match=f"made for group '{group.name}', not {other}"):
        dkg.import_secret_state(get_group(other, allow_test=True), raw)
    # a coefficient that does not match the trustee's own commitment is refused
    a0 = run32.round1[0]._coefficients[0].to_bytes()
    pos = raw.index(a0)
    changed = raw[:pos] + (group.scalar_mod(run32.round1[0]._coefficients[0].value + 1)).to_bytes() \
        + raw[pos + len(a0):]
    with raises(SealedStateError, match="do not match the trustee's own commitments"):
        dkg.import_secret_state(group, changed)
    # and a share that does not match K_l
    keyed_raw = run32.keyed[0].export_secret_state()
    s = run32.keyed[0].share.to_bytes()
    pos = keyed_raw.index(s)
    other_share = group.scalar_mod(run32.keyed[0].share.value + 1).to_bytes()
    bad = keyed_raw[:pos] + other_share + keyed_raw[pos + len(s):]
    with raises(SealedStateError, match="does not match the verification key"):
        dkg.import_secret_state(group, bad)


# ------------------------------------------------------------------ secrets ---------
def test_secrets_absent_from_repr_str_and_errors(group: Group, run32: Run) -> None:
    spellings = [s for v in secret_values(run32) if v > 1 for s in secret_spellings(group, v)]
    texts: list[str] = []
    for state in _all_states(run32):
        texts += [repr(state), str(state), f"{state}"]
    for k in run32.keyed:
        texts += [repr(k.share), str(k.share), f"{k.share}"]
    msgs: list[object] = [*run32.digests, *run32.reveals, *run32.shares]
    texts += [repr(m) for m in msgs]
    # errors raised here, and every error raised earlier in this module
    bad = _bad_share(run32, sender=1, recipient=2, delta=1)
    with raises(CeremonyError):
        run32.round3[1].finish(_replace_share(run32.shares, bad))
    with raises(SealedStateError):
        dkg.unseal(dkg.seal(run32.keyed[0].export_secret_state(), "a", scrypt_log2_n=TEST_SCRYPT), "b")
    raw = run32.keyed[0].export_secret_state()
    with raises(SealedStateError):
        dkg.import_secret_state(group, raw[:-3])
    texts += RAISED
    blob = "\n".join(texts)
    leaked = [s for s in spellings if s in blob]
    assert not leaked
    assert "redacted" in repr(run32.keyed[0])


def test_round_states_are_only_built_by_their_predecessor() -> None:
    for cls in (TrusteeRound1, TrusteeRound2, TrusteeRound3):
        with pytest.raises(TypeError, match=r"TrusteeRound1\.generate"):
            cls()
