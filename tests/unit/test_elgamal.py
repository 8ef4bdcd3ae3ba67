"""Exponential ElGamal: round trips, homomorphism, re-encryption, bounded discrete log."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pilwu_crypto import elgamal as eg
from pilwu_crypto.algebra.group import Group
from pilwu_crypto.errors import DecryptionError, NotInGroup, OutOfRange

FAST = settings(max_examples=15, deadline=None)


@pytest.fixture(scope="module")
def keys(group: Group) -> eg.SecretKey:
    return eg.SecretKey.generate(group)


@FAST
@given(m=st.integers(0, 300))
def test_round_trip(keys: eg.SecretKey, m: int) -> None:
    enc = eg.encrypt(keys.public_key, m)
    assert eg.decrypt(keys, enc.ciphertext, 300) == m


@FAST
@given(m1=st.integers(0, 100), m2=st.integers(0, 100))
def test_homomorphic_addition(keys: eg.SecretKey, m1: int, m2: int) -> None:
    c = eg.encrypt(keys.public_key, m1).ciphertext * eg.encrypt(keys.public_key, m2).ciphertext
    assert eg.decrypt(keys, c, 200) == m1 + m2


def test_sum_ciphertexts_and_identity(keys: eg.SecretKey, group: Group) -> None:
    cts = [eg.encrypt(keys.public_key, m).ciphertext for m in (1, 0, 1, 1)]
    assert eg.decrypt(keys, eg.sum_ciphertexts(group, cts), 10) == 3
    empty = eg.sum_ciphertexts(group, [])
    assert empty == eg.Ciphertext.identity(group)
    assert eg.decrypt(keys, empty, 10) == 0  # an empty tally (1, 1) decrypts to 0


def test_reencryption_changes_ciphertext_not_plaintext(keys: eg.SecretKey) -> None:
    c = eg.encrypt(keys.public_key, 7).ciphertext
    r = eg.reencrypt(keys.public_key, c).ciphertext
    assert r != c
    assert eg.decrypt(keys, r, 10) == 7


def test_known_nonce_is_deterministic_and_constant_time_mode_agrees(keys: eg.SecretKey, group: Group) -> None:
    nonce = group.scalar(123456789)
    a = eg.encrypt_with_nonce(keys.public_key, 5, nonce)
    b = eg.encrypt_with_nonce(keys.public_key, 5, nonce, constant_time=True)
    assert a == b
    assert a.alpha == group.generator() ** 123456789
    assert a.beta == group.generator() ** 5 * keys.public_key.element ** 123456789


def test_a15_encryption_nonces_drawn_from_zq(keys: eg.SecretKey, group: Group) -> None:
    # checklist A15 (ElectionGuard C SDK drew 4096-bit nonces): nonces come from Z_q
    for _ in range(20):
        assert 0 <= eg.encrypt(keys.public_key, 1).nonce.value < group.q


def test_a22_discrete_log_is_bounded(keys: eg.SecretKey, group: Group) -> None:
    c = eg.encrypt(keys.public_key, 1001).ciphertext
    with pytest.raises(DecryptionError, match="not in \\[0, 1000\\]"):
        eg.decrypt(keys, c, 1000)
    # a random element fails fast and cleanly
    random_elem = group.generator() ** group.random_scalar()
    with pytest.raises(DecryptionError):
        eg.DiscreteLog(group, 10_000).solve(random_elem)
    with pytest.raises(OutOfRange):
        eg.DiscreteLog(group, eg.MAX_DLOG_BOUND + 1)


def test_discrete_log_edges(group: Group) -> None:
    dl = eg.DiscreteLog(group, 50)
    g = group.generator()
    for m in (0, 1, 7, 8, 49, 50):
        assert dl.solve(g ** m) == m
    with pytest.raises(DecryptionError):
        dl.solve(g ** 51)
    assert eg.DiscreteLog(group, 0).solve(group.identity()) == 0


def test_identity_public_key_refused(group: Group) -> None:
    with pytest.raises(NotInGroup):
        eg.PublicKey(group.identity())
    with pytest.raises(OutOfRange):
        eg.SecretKey(group.scalar(0))


def test_message_range(keys: eg.SecretKey, group: Group) -> None:
    with pytest.raises(OutOfRange):
        eg.encrypt(keys.public_key, -1)
    with pytest.raises(OutOfRange):
        eg.encrypt(keys.public_key, group.q)


def test_secrets_are_redacted(keys: eg.SecretKey) -> None:
    secret_hex = format(keys.secret.value, "x")
    enc = eg.encrypt(keys.public_key, 1)
    for text in (repr(keys), str(keys), repr(keys.secret), str(keys.secret), repr(enc), repr(enc.nonce)):
        assert "redacted" in text
        assert secret_hex not in text
        assert format(enc.nonce.value, "x") not in text


def test_secret_taint_survives_arithmetic(keys: eg.SecretKey) -> None:
    # a value computed from a secret stays redacted until explicitly declassified
    derived = [keys.secret * 2, keys.secret + 1, -keys.secret, 3 - keys.secret, keys.secret.inverse()]
    for d in derived:
        assert "redacted" in repr(d) and "redacted" in f"{d}"
    assert "redacted" not in repr((keys.secret * 2).public())
