"""Proof of knowledge of the encryption nonces of a mix input ballot (checklist A10).

Completeness for widths 1–3; soundness against a change of any ciphertext component
(alpha or beta), commitment or response, and against another ballot id, election hash,
key or width; and the attack the proof exists for: a re-randomised copy of someone
else's ballot cannot be cast, neither with the original proof nor with a proof made
from the only nonce its submitter knows.  Runs on an integer group and on P-256.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pilwu_crypto import elgamal as eg
from pilwu_crypto.algebra.group import Group, Scalar
from pilwu_crypto.algebra.transcript import Transcript
from pilwu_crypto.errors import InvalidProof, OutOfRange
from pilwu_crypto.proofs.nonce import NonceProof, prove_nonce_knowledge, verify_nonce_knowledge

H_E = b"\x5a" * 32
BALLOT = "ballot-0001"
PROPS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def tr(group: Group, ballot_id: str = BALLOT, context: bytes = H_E) -> Transcript:
    """The caller's transcript: group, domain and H_E first, then the ballot id."""
    t = Transcript(group, "mix-input", context)
    t.append_text("ballot", ballot_id)
    return t


@pytest.fixture(scope="module")
def keys(group: Group) -> eg.SecretKey:
    return eg.SecretKey.generate(group)


def cast(pk: eg.PublicKey, width: int) -> tuple[list[eg.Ciphertext], list[Scalar]]:
    """A ballot of ``width`` ciphertexts (votes 0, 1, 2, …) and its nonces."""
    encs = [eg.encrypt(pk, j) for j in range(width)]
    return [e.ciphertext for e in encs], [e.nonce for e in encs]


def replace_at(proof: NonceProof, j: int, **change: Any) -> NonceProof:
    commitments, responses = list(proof.commitments), list(proof.responses)
    if "a" in change:
        commitments[j] = change["a"]
    if "v" in change:
        responses[j] = change["v"]
    return NonceProof(commitments=tuple(commitments), responses=tuple(responses))


# ---------------------------------------------------------------- completeness -------
@pytest.mark.parametrize("width", [1, 2, 3])
def test_complete(group: Group, keys: eg.SecretKey, width: int) -> None:
    pk = keys.public_key
    cts, nonces = cast(pk, width)
    proof = prove_nonce_knowledge(tr(group), pk, cts, nonces)
    assert proof.width == width
    verify_nonce_knowledge(tr(group), pk, cts, proof)


def test_complete_constant_time(group: Group, keys: eg.SecretKey) -> None:
    pk = keys.public_key
    cts, nonces = cast(pk, 2)
    proof = prove_nonce_knowledge(tr(group), pk, cts, nonces, constant_time=True)
    verify_nonce_knowledge(tr(group), pk, cts, proof)


# ---------------------------------------------------------------- soundness ----------
def test_sound_against_every_component(group: Group, keys: eg.SecretKey) -> None:
    pk = keys.public_key
    g = group.generator()
    cts, nonces = cast(pk, 3)
    proof = prove_nonce_knowledge(tr(group), pk, cts, nonces)
    for j in range(3):
        for changed in (eg.Ciphertext(cts[j].alpha * g, cts[j].beta),   # alpha
                        eg.Ciphertext(cts[j].alpha, cts[j].beta * g)):   # beta is bound too (A5)
            bad = list(cts)
            bad[j] = changed
            with pytest.raises(InvalidProof):
                verify_nonce_knowledge(tr(group), pk, bad, proof)
        with pytest.raises(InvalidProof):
            verify_nonce_knowledge(tr(group), pk, cts, replace_at(proof, j, a=proof.commitments[j] * g))
        # a response alone leaves the challenge as it is: the failing component is named
        with pytest.raises(InvalidProof, match=f"component {j}"):
            verify_nonce_knowledge(tr(group), pk, cts, replace_at(proof, j, v=proof.responses[j] + 1))


def test_bound_to_ballot_id_election_and_key(group: Group, keys: eg.SecretKey) -> None:
    pk = keys.public_key
    cts, nonces = cast(pk, 2)
    proof = prove_nonce_knowledge(tr(group), pk, cts, nonces)
    with pytest.raises(InvalidProof):  # the same ballot cast under another id (A10)
        verify_nonce_knowledge(tr(group, ballot_id="ballot-0002"), pk, cts, proof)
    with pytest.raises(InvalidProof):  # another election
        verify_nonce_knowledge(tr(group, context=b"\x5b" * 32), pk, cts, proof)
    with pytest.raises(InvalidProof):  # another key
        verify_nonce_knowledge(tr(group), eg.SecretKey.generate(group).public_key, cts, proof)


def test_order_and_width_are_bound(group: Group, keys: eg.SecretKey) -> None:
    pk = keys.public_key
    cts, nonces = cast(pk, 3)
    proof = prove_nonce_knowledge(tr(group), pk, cts, nonces)
    # components swapped together with their proof parts: the challenge binds the order
    swapped = NonceProof(commitments=(proof.commitments[1], proof.commitments[0], proof.commitments[2]),
                         responses=(proof.responses[1], proof.responses[0], proof.responses[2]))
    with pytest.raises(InvalidProof):
        verify_nonce_knowledge(tr(group), pk, [cts[1], cts[0], cts[2]], swapped)
    # a component dropped from the ballot or from the proof
    with pytest.raises(InvalidProof, match="3 commitments"):
        verify_nonce_knowledge(tr(group), pk, cts[:2], proof)
    short = NonceProof(commitments=proof.commitments[:2], responses=proof.responses[:2])
    with pytest.raises(InvalidProof, match="2 commitments"):
        verify_nonce_knowledge(tr(group), pk, cts, short)
    # an honest proof of the first two components does not verify for them under three
    two = prove_nonce_knowledge(tr(group), pk, cts[:2], nonces[:2])
    verify_nonce_knowledge(tr(group), pk, cts[:2], two)
    with pytest.raises(InvalidProof):
        verify_nonce_knowledge(tr(group), pk, cts, dataclasses.replace(
            two, commitments=(*two.commitments, proof.commitments[2]),
            responses=(*two.responses, proof.responses[2])))


def test_a10_rerandomised_copy_is_refused(group: Group, keys: eg.SecretKey) -> None:
    # Cortier–Smyth: Mallory copies Alice's cast ballot, re-randomises it and casts the
    # copy as her own to see Alice's vote twice in the mix output.
    pk = keys.public_key
    alice_cts, alice_nonces = cast(pk, 2)
    alice_proof = prove_nonce_knowledge(tr(group, "alice"), pk, alice_cts, alice_nonces)
    verify_nonce_knowledge(tr(group, "alice"), pk, alice_cts, alice_proof)
    rerand = [eg.reencrypt(pk, ct) for ct in alice_cts]  # alpha' = alpha g^r', beta' = beta K^r'
    copy = [e.ciphertext for e in rerand]
    mallory_nonces = [e.nonce for e in rerand]  # r': all Mallory knows, not r + r'
    # the original proof, under her id or Alice's
    for ballot_id in ("mallory", "alice"):
        with pytest.raises(InvalidProof):
            verify_nonce_knowledge(tr(group, ballot_id), pk, copy, alice_proof)
    # a proof made with the nonces she knows
    with pytest.raises(InvalidProof, match="component 0"):
        verify_nonce_knowledge(tr(group, "mallory"), pk, copy,
                               prove_nonce_knowledge(tr(group, "mallory"), pk, copy, mallory_nonces))
    # or with Alice's nonces (had she stolen the proof, not the nonces, she has neither)
    with pytest.raises(InvalidProof):
        verify_nonce_knowledge(tr(group, "mallory"), pk, copy,
                               prove_nonce_knowledge(tr(group, "mallory"), pk, copy, alice_nonces))
    # an exact copy under another id, with Alice's proof
    with pytest.raises(InvalidProof):
        verify_nonce_knowledge(tr(group, "mallory"), pk, alice_cts, alice_proof)
    # the owner of the nonces can prove the re-randomised ballot: r + r' is the witness
    sums = [a + m for a, m in zip(alice_nonces, mallory_nonces, strict=True)]
    verify_nonce_knowledge(tr(group, "mallory"), pk, copy, prove_nonce_knowledge(tr(group, "mallory"), pk, copy, sums))


def test_a12_challenge_is_recomputed(group: Group, keys: eg.SecretKey) -> None:
    # A "proof" that satisfies g^v = a alpha^c for a challenge of the forger's choosing.
    pk = keys.public_key
    cts, _ = cast(pk, 1)
    c, v = group.random_scalar(), group.random_scalar()
    a = group.exp_g(v) / cts[0].alpha ** c
    forged = NonceProof(commitments=(a,), responses=(v.public(),))
    with pytest.raises(InvalidProof, match="component 0"):
        verify_nonce_knowledge(tr(group), pk, cts, forged)


def test_malformed_statements(group: Group, keys: eg.SecretKey) -> None:
    pk = keys.public_key
    cts, nonces = cast(pk, 2)
    with pytest.raises(OutOfRange):
        prove_nonce_knowledge(tr(group), pk, [], [])
    with pytest.raises(OutOfRange, match="1 nonces for 2 ciphertexts"):
        prove_nonce_knowledge(tr(group), pk, cts, nonces[:1])
    with pytest.raises(OutOfRange):
        verify_nonce_knowledge(tr(group), pk, [], NonceProof(commitments=(), responses=()))


@PROPS
@given(data=st.data())
def test_sound_against_random_single_field_tampering(group: Group, keys: eg.SecretKey,
                                                     data: st.DataObject) -> None:
    pk = keys.public_key
    width = data.draw(st.integers(1, 3), label="width")
    cts, nonces = cast(pk, width)
    proof = prove_nonce_knowledge(tr(group), pk, cts, nonces)
    j = data.draw(st.integers(0, width - 1), label="component")
    delta = data.draw(st.integers(1, group.q - 1), label="delta")
    target = data.draw(st.sampled_from(["alpha", "beta", "a", "v"]), label="field")
    shift = group.exp_g(delta)
    if target == "alpha":
        cts[j] = eg.Ciphertext(cts[j].alpha * shift, cts[j].beta)
    elif target == "beta":
        cts[j] = eg.Ciphertext(cts[j].alpha, cts[j].beta * shift)
    elif target == "a":
        proof = replace_at(proof, j, a=proof.commitments[j] * shift)
    else:
        proof = replace_at(proof, j, v=proof.responses[j] + delta)
    with pytest.raises(InvalidProof):
        verify_nonce_knowledge(tr(group), pk, cts, proof)
