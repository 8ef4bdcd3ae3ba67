"""Σ-proofs: completeness, and soundness against every single-field tampering.

For each proof kind, an honest proof verifies; changing any one statement element,
commitment, challenge or response — or the context, domain or group the transcript is
bound to — makes verification raise InvalidProof (checklist A1, A3, A5, A6, A12).
Runs on an integer group and on P-256 (tests/conftest.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pilwu_crypto import elgamal as eg
from pilwu_crypto.algebra.group import Element, Group, Scalar
from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.algebra.transcript import Transcript
from pilwu_crypto.errors import InvalidProof, OutOfRange
from pilwu_crypto.proofs.decryption import decryption_share, verify_decryption
from pilwu_crypto.proofs.dleq import DleqStatement, prove_dleq, verify_dleq
from pilwu_crypto.proofs.range import RangeProof, prove_range, verify_range
from pilwu_crypto.proofs.schnorr import prove_schnorr, verify_schnorr

CTX = b"\x11" * 32
PROPS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def tr(group: Group, context: bytes = CTX, domain: str = "test") -> Transcript:
    return Transcript(group, domain, context)


def bump_element(e: Element) -> Element:
    return e * e.group.generator()


def bump_scalar(s: Scalar) -> Scalar:
    return s + 1


@pytest.fixture(scope="module")
def keys(group: Group) -> eg.SecretKey:
    return eg.SecretKey.generate(group)


# ---------------------------------------------------------------- Schnorr ----------
def test_schnorr_complete_and_sound(group: Group, keys: eg.SecretKey) -> None:
    X = keys.public_key.element
    proof = prove_schnorr(tr(group), X, keys.secret)
    verify_schnorr(tr(group), X, proof)
    tampered: list[tuple[str, Callable[[], None]]] = [
        ("X", lambda: verify_schnorr(tr(group), bump_element(X), proof)),
        ("h", lambda: verify_schnorr(tr(group), X, dataclasses.replace(proof, h=bump_element(proof.h)))),
        ("v", lambda: verify_schnorr(tr(group), X, dataclasses.replace(proof, v=bump_scalar(proof.v)))),
        ("context", lambda: verify_schnorr(tr(group, context=b"\x12" * 32), X, proof)),
        ("domain", lambda: verify_schnorr(tr(group, domain="other"), X, proof)),
    ]
    for name, check in tampered:
        with pytest.raises(InvalidProof):
            check()
        assert name


def test_a12_schnorr_challenge_is_recomputed(group: Group, keys: eg.SecretKey) -> None:
    # electionguard-python #514: a verifier that computes the challenge but never uses it.
    # A "proof" built for an arbitrary challenge must not verify.
    u = group.random_scalar()
    c = group.random_scalar()
    h = group.exp_g(u)
    forged = dataclasses.replace(prove_schnorr(tr(group), keys.public_key.element, keys.secret),
                                 h=h, v=u + c * keys.secret)
    with pytest.raises(InvalidProof):
        verify_schnorr(tr(group), keys.public_key.element, forged)


# ---------------------------------------------------------------- DLEQ -------------
def test_dleq_complete_and_sound(group: Group) -> None:
    x = group.random_scalar()
    g2 = group.hash_to_group(b"test", b"g2")
    st_ = DleqStatement(g1=group.generator(), A=group.exp_g(x), g2=g2, B=g2 ** x)
    proof = prove_dleq(tr(group), st_, x)
    verify_dleq(tr(group), st_, proof)
    for field in ("g1", "A", "g2", "B"):
        bad = dataclasses.replace(st_, **{field: bump_element(getattr(st_, field))})
        with pytest.raises(InvalidProof):
            verify_dleq(tr(group), bad, proof)
    for field in ("a", "b"):
        with pytest.raises(InvalidProof):
            bad_proof = dataclasses.replace(proof, **{field: bump_element(getattr(proof, field))})
            verify_dleq(tr(group), st_, bad_proof)
    with pytest.raises(InvalidProof):
        verify_dleq(tr(group), st_, dataclasses.replace(proof, v=bump_scalar(proof.v)))
    with pytest.raises(InvalidProof):
        verify_dleq(tr(group, context=b""), st_, proof)


def test_dleq_unequal_logs_cannot_be_proved(group: Group) -> None:
    x = group.random_scalar()
    g2 = group.hash_to_group(b"test", b"g2")
    st_ = DleqStatement(g1=group.generator(), A=group.exp_g(x), g2=g2, B=g2 ** (x + 1))
    with pytest.raises(InvalidProof):
        verify_dleq(tr(group), st_, prove_dleq(tr(group), st_, x))


# ---------------------------------------------------------------- decryption -------
def test_decryption_complete_and_sound(group: Group, keys: eg.SecretKey) -> None:
    K = keys.public_key.element
    ct = eg.encrypt(keys.public_key, 3).ciphertext
    M, proof = decryption_share(tr(group), K, ct, keys.secret)
    verify_decryption(tr(group), K, ct, M, proof)
    assert ct.beta / M == group.exp_g(3)
    other_ct = eg.encrypt(keys.public_key, 3).ciphertext
    cases: list[tuple[Element, eg.Ciphertext, Element, Any]] = [
        (bump_element(K), ct, M, proof),
        (K, eg.Ciphertext(bump_element(ct.alpha), ct.beta), M, proof),
        (K, eg.Ciphertext(ct.alpha, bump_element(ct.beta)), M, proof),  # beta is bound too
        (K, ct, bump_element(M), proof),  # another claimed plaintext (A5)
        (K, other_ct, M, proof),  # same share, another ciphertext (A5)
        (K, ct, M, dataclasses.replace(proof, a=bump_element(proof.a))),
        (K, ct, M, dataclasses.replace(proof, b=bump_element(proof.b))),
        (K, ct, M, dataclasses.replace(proof, v=bump_scalar(proof.v))),
    ]
    for k, c, m, p in cases:
        with pytest.raises(InvalidProof):
            verify_decryption(tr(group), k, c, m, p)


def test_a5_decryption_proof_bound_to_ciphertext_and_claimed_value(group: Group, keys: eg.SecretKey) -> None:
    # Haines et al. S&P 2020 (Swiss Post): a decryption proof that did not bind the full
    # statement.  A proof for ciphertext c must fail for c' with the same share, and for
    # any other claimed partial decryption of c.
    K = keys.public_key.element
    c1 = eg.encrypt(keys.public_key, 0).ciphertext
    c2 = eg.encrypt(keys.public_key, 1).ciphertext
    m1, proof = decryption_share(tr(group), K, c1, keys.secret)
    verify_decryption(tr(group), K, c1, m1, proof)
    with pytest.raises(InvalidProof):
        verify_decryption(tr(group), K, c2, m1, proof)
    with pytest.raises(InvalidProof):
        verify_decryption(tr(group), K, c1, m1 * group.generator(), proof)
    with pytest.raises(InvalidProof):
        verify_decryption(tr(group), K, eg.Ciphertext(c1.alpha, c2.beta), m1, proof)


def test_a1_adaptive_statement_forgery_fails(group: Group, keys: eg.SecretKey) -> None:
    # Bernhard–Pereira–Warinschi 2012 on Helios: a trustee who knows x picks a = g^u1 and
    # b = alpha^u2 with u1 != u2, takes c from the commitments, sets v = u1 + c x and
    # solves alpha^v = b M'^c for a *wrong* decryption factor M'.  That works when M' is
    # not hashed; here c depends on M', so the solved M' no longer matches its challenge.
    from pilwu_crypto.algebra.domains import DST_DECRYPTION
    from pilwu_crypto.proofs import decryption as dec_mod
    from pilwu_crypto.proofs import dleq as dleq_mod

    K = keys.public_key.element
    x = keys.secret
    ct = eg.encrypt(keys.public_key, 1).ciphertext
    honest_m = group.exp_secret(ct.alpha, x)
    u1, u2 = group.random_scalar(), group.random_scalar()
    a, b = group.exp_g(u1), ct.alpha ** u2
    stmt = dec_mod._statement(tr(group), K, ct, honest_m)
    c = dleq_mod._challenge(tr(group), DST_DECRYPTION, stmt, dec_mod._binder(ct), a, b)
    v = u1 + c * x
    m_forged = (ct.alpha ** v / b) ** c.inverse()
    assert m_forged != honest_m
    forged = dleq_mod.DleqProof(a=a, b=b, v=v)
    with pytest.raises(InvalidProof):
        verify_decryption(tr(group), K, ct, m_forged, forged)
    # the same forgery against a verifier that hashed only the commitments would pass:
    assert group.exp_g(v) == a * K ** c and ct.alpha ** v == b * m_forged ** c


# ---------------------------------------------------------------- range ------------
@PROPS
@given(data=st.data())
def test_range_complete(group: Group, keys: eg.SecretKey, data: st.DataObject) -> None:
    limit = data.draw(st.integers(0, 4), label="limit")
    m = data.draw(st.integers(0, limit), label="m")
    enc = eg.encrypt(keys.public_key, m)
    proof = prove_range(tr(group), keys.public_key, enc.ciphertext, m, enc.nonce, limit)
    verify_range(tr(group), keys.public_key, enc.ciphertext, limit, proof)
    assert proof.limit == limit


def test_range_constant_time_mode_verifies(group: Group, keys: eg.SecretKey) -> None:
    enc = eg.encrypt(keys.public_key, 1, constant_time=True)
    proof = prove_range(tr(group), keys.public_key, enc.ciphertext, 1, enc.nonce, 2, constant_time=True)
    verify_range(tr(group), keys.public_key, enc.ciphertext, 2, proof)


def _replace_branch(proof: RangeProof, j: int, **changes: Any) -> RangeProof:
    branches = list(proof.branches)
    branches[j] = dataclasses.replace(branches[j], **changes)
    return RangeProof(branches=tuple(branches))


def test_range_sound_against_every_field(group: Group, keys: eg.SecretKey) -> None:
    pk = keys.public_key
    enc = eg.encrypt(pk, 1)
    ct = enc.ciphertext
    proof = prove_range(tr(group), pk, ct, 1, enc.nonce, 1)
    verify_range(tr(group), pk, ct, 1, proof)
    other_key = eg.SecretKey.generate(group).public_key
    statement_changes = [
        (other_key, ct),
        (pk, eg.Ciphertext(bump_element(ct.alpha), ct.beta)),
        (pk, eg.Ciphertext(ct.alpha, bump_element(ct.beta))),
    ]
    for k, c in statement_changes:
        with pytest.raises(InvalidProof):
            verify_range(tr(group), k, c, 1, proof)
    for j in range(2):
        for field in ("a", "b"):
            bad = _replace_branch(proof, j, **{field: bump_element(getattr(proof.branches[j], field))})
            with pytest.raises(InvalidProof):
                verify_range(tr(group), pk, ct, 1, bad)
        for field in ("c", "v"):
            bad = _replace_branch(proof, j, **{field: bump_scalar(getattr(proof.branches[j], field))})
            with pytest.raises(InvalidProof):
                verify_range(tr(group), pk, ct, 1, bad)
    # moving challenge mass between branches keeps the sum but breaks the equations
    shifted = _replace_branch(_replace_branch(proof, 0, c=proof.branches[0].c + 1), 1,
                              c=proof.branches[1].c - 1)
    with pytest.raises(InvalidProof):
        verify_range(tr(group), pk, ct, 1, shifted)
    with pytest.raises(InvalidProof):
        verify_range(tr(group, context=b"other ballot"), pk, ct, 1, proof)


def test_a14_limit_comes_from_the_verifier(group: Group, keys: eg.SecretKey) -> None:
    # An over-vote: the ciphertext encrypts 2, with an honest proof for limit 2; the
    # manifest says limit 1.  The verifier's limit is hashed and checked.
    pk = keys.public_key
    enc = eg.encrypt(pk, 2)
    proof = prove_range(tr(group), pk, enc.ciphertext, 2, enc.nonce, 2)
    verify_range(tr(group), pk, enc.ciphertext, 2, proof)
    with pytest.raises(InvalidProof, match="branches"):
        verify_range(tr(group), pk, enc.ciphertext, 1, proof)
    # dropping the branch j = 2 does not help either
    truncated = RangeProof(branches=proof.branches[:2])
    with pytest.raises(InvalidProof):
        verify_range(tr(group), pk, enc.ciphertext, 1, truncated)


def test_honest_prover_refuses_out_of_range_value(group: Group, keys: eg.SecretKey) -> None:
    enc = eg.encrypt(keys.public_key, 2)
    with pytest.raises(OutOfRange):
        prove_range(tr(group), keys.public_key, enc.ciphertext, 2, enc.nonce, 1)


def test_a3_proof_bound_to_group_description() -> None:
    # Belenios <= 1.16: proofs could be faked when the group was not hashed.  Here the
    # group's full description (kind, name, p, q, g) is the first thing in every
    # transcript: a proof made in one group does not verify in a group with the same
    # arithmetic but another description, and the description covers g.
    from pilwu_crypto.algebra.modp import ModPGroup

    g1 = get_group("pilwu-test-512", allow_test=True)
    assert isinstance(g1, ModPGroup)
    twin = ModPGroup("pilwu-test-512-twin", g1.p, g1.q, int(g1.generator().raw), is_test_only=True)
    other_g = ModPGroup("pilwu-test-512", g1.p, g1.q, int((g1.generator() ** 2).raw), is_test_only=True)
    assert len({g1.fingerprint(), twin.fingerprint(), other_g.fingerprint()}) == 3
    sk = eg.SecretKey.generate(g1)
    proof = prove_schnorr(tr(g1), sk.public_key.element, sk.secret)
    verify_schnorr(tr(g1), sk.public_key.element, proof)
    moved_x = twin.element_from_int(int(sk.public_key.element.raw))
    moved = dataclasses.replace(proof, h=twin.element_from_int(int(proof.h.raw)),
                                v=twin.scalar(proof.v.value))
    with pytest.raises(InvalidProof):
        verify_schnorr(tr(twin), moved_x, moved)


@PROPS
@given(data=st.data())
def test_range_sound_against_random_single_field_tampering(group: Group, keys: eg.SecretKey,
                                                           data: st.DataObject) -> None:
    # Property form of the soundness tests: any nonzero change of any one field fails.
    pk = keys.public_key
    limit = data.draw(st.integers(1, 3), label="limit")
    m = data.draw(st.integers(0, limit), label="m")
    enc = eg.encrypt(pk, m)
    proof = prove_range(tr(group), pk, enc.ciphertext, m, enc.nonce, limit)
    delta = data.draw(st.integers(1, group.q - 1), label="delta")
    target = data.draw(st.sampled_from(["alpha", "beta", "a", "b", "c", "v"]), label="field")
    ct = enc.ciphertext
    shift = group.exp_g(delta)
    if target == "alpha":
        ct = eg.Ciphertext(ct.alpha * shift, ct.beta)
    elif target == "beta":
        ct = eg.Ciphertext(ct.alpha, ct.beta * shift)
    else:
        j = data.draw(st.integers(0, limit), label="branch")
        old = getattr(proof.branches[j], target)
        new = old * shift if target in ("a", "b") else old + delta
        proof = _replace_branch(proof, j, **{target: new})
    with pytest.raises(InvalidProof):
        verify_range(tr(group), pk, ct, limit, proof)
