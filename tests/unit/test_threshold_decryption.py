"""Threshold decryption: Lagrange coefficients, decryption shares with proofs, combination.

After a real key ceremony (tests/unit/test_dkg.py), ciphertexts under the joint key K are
decrypted by every subset of t trustees and by all n, without the secret key ever being
reconstructed; absent trustees are tolerated down to t; fewer than t is NotEnoughShares;
a tampered share or proof names its trustee.  Runs on an integer group and on P-256.
"""

from __future__ import annotations

import dataclasses
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pilwu_crypto import elgamal as eg
from pilwu_crypto.algebra.group import Element, Group
from pilwu_crypto.algebra.transcript import Transcript
from pilwu_crypto.errors import InvalidProof, NotEnoughShares, OutOfRange
from pilwu_crypto.threshold import decryption as td
from pilwu_crypto.threshold.decryption import DecryptionShare
from tests.unit.test_dkg import SHAPES, Run, run_ceremony

H_E = b"\x5a" * 32
PROPS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def tr(group: Group, context: bytes = H_E) -> Transcript:
    """A tally transcript bound to H_E, as the election layer will create it."""
    return Transcript(group, "tally-decryption", context)


@pytest.fixture(scope="module")
def runs(group: Group) -> dict[tuple[int, int], Run]:
    return {shape: run_ceremony(group, *shape) for shape in SHAPES}


@pytest.fixture(scope="module")
def run53(runs: dict[tuple[int, int], Run]) -> Run:
    return runs[(5, 3)]


@pytest.fixture(scope="module")
def run32(runs: dict[tuple[int, int], Run]) -> Run:
    return runs[(3, 2)]


def all_shares(run: Run, ct: eg.Ciphertext) -> dict[int, DecryptionShare]:
    """Every trustee's share of ``ct``, each made on its own laptop from a fresh transcript."""
    group = run.ceremony.group
    return {k.index: k.decryption_share(tr(group), ct) for k in run.keyed}


# ------------------------------------------------------------------ Lagrange --------
@PROPS
@given(data=st.data())
def test_lagrange_coefficients_interpolate_at_zero(group: Group, data: st.DataObject) -> None:
    q = group.q
    t = data.draw(st.integers(1, 6), label="t")
    coefficients = data.draw(st.lists(st.integers(0, q - 1), min_size=t, max_size=t), label="P")
    indices = data.draw(st.lists(st.integers(1, 40), min_size=t, max_size=t + 3, unique=True), label="S")

    def p(x: int) -> int:
        return sum(a * pow(x, j, q) for j, a in enumerate(coefficients)) % q

    lambdas = td.lagrange_coefficients(indices, q)
    assert sum(lambdas[i] * p(i) for i in indices) % q == coefficients[0]
    assert all(td.lagrange_coefficient(i, indices, q) == lambdas[i] for i in indices)


def test_lagrange_coefficient_values_and_errors(group: Group) -> None:
    q = group.q
    assert td.lagrange_coefficient(3, [3], q) == 1  # t = 1: the share is the key
    # {1, 2}: lambda_1 = 2/(2-1) = 2, lambda_2 = 1/(1-2) = -1
    assert td.lagrange_coefficient(1, [1, 2], q) == 2
    assert td.lagrange_coefficient(2, [1, 2], q) == q - 1
    for index, indices in ((1, [1, 1, 2]), (0, [0, 1]), (4, [1, 2, 3]), (1, [1, q])):
        with pytest.raises(OutOfRange):
            td.lagrange_coefficient(index, indices, q)


# ------------------------------------------------------------------ end to end ------
@pytest.mark.parametrize(("n", "t"), SHAPES)
def test_threshold_decryption_with_every_subset(group: Group, runs: dict[tuple[int, int], Run],
                                                n: int, t: int) -> None:
    run = runs[(n, t)]
    K = eg.PublicKey(run.keyed[0].joint_key)
    keys = run.keyed[0].verification_keys
    dlog = eg.DiscreteLog(group, 50)
    for m in (0, 1, 42):
        ct = eg.encrypt(K, m).ciphertext
        shares = all_shares(run, ct)
        td.verify_decryption_shares(tr(group), ct, shares, keys)
        partials = {i: s.partial for i, s in shares.items()}
        results = set()
        for subset in [*itertools.combinations(range(1, n + 1), t), tuple(range(1, n + 1))]:
            gm = td.combine(group, ct, {i: partials[i] for i in subset}, t)
            results.add(gm.to_bytes())
            assert dlog.solve(gm) == m
        assert results == {(group.exp_g(m) if m else group.identity()).to_bytes()}


def test_absent_trustees_and_not_enough_shares(group: Group, run53: Run) -> None:
    K = eg.PublicKey(run53.keyed[0].joint_key)
    ct = eg.encrypt(K, 7).ciphertext
    present = [run53.keyed[1], run53.keyed[4], run53.keyed[2]]  # n - t = 2 trustees absent
    partials = {k.index: k.decryption_share(tr(group), ct).partial for k in present}
    assert td.combine(group, ct, partials, 3) == group.exp_g(7)
    two = {i: partials[i] for i in (2, 5)}
    with pytest.raises(NotEnoughShares, match=r"2 decryption share\(s\) present \(trustees 2, 5\), 3 needed"):
        td.combine(group, ct, two, 3)
    with pytest.raises(NotEnoughShares, match="0 decryption share"):
        td.combine(group, ct, {}, 1)
    with pytest.raises(OutOfRange):
        td.combine(group, ct, partials, 0)


def test_combine_uses_the_first_t_sorted_indices(group: Group, run53: Run) -> None:
    # documented: with more than t shares, exactly the t smallest indices are combined,
    # so a garbage share at a larger index is ignored (which is why shares are verified first).
    K = eg.PublicKey(run53.keyed[0].joint_key)
    ct = eg.encrypt(K, 3).ciphertext
    partials = {i: s.partial for i, s in all_shares(run53, ct).items()}
    partials[5] = group.generator()
    assert td.combine(group, ct, partials, 3) == group.exp_g(3)
    partials[1] = group.generator()
    assert td.combine(group, ct, partials, 3) != group.exp_g(3)


def test_combine_batch_and_decryption_shares_batch(group: Group, run32: Run) -> None:
    K = eg.PublicKey(run32.keyed[0].joint_key)
    messages = [0, 1, 2, 5, 9]
    cts = [eg.encrypt(K, m).ciphertext for m in messages]
    base = tr(group)
    per_trustee = {k.index: k.decryption_shares(base, cts) for k in run32.keyed[1:]}  # trustee 1 absent
    keys = run32.keyed[0].verification_keys
    for pos, ct in enumerate(cts):
        td.verify_decryption_shares(base, ct, {i: s[pos] for i, s in per_trustee.items()}, keys)
    partials = {i: [s.partial for s in shares] for i, shares in per_trustee.items()}
    assert td.combine_batch(group, cts, partials, 2) == [group.exp_g(m) for m in messages]
    # the module-level function gives verifiable shares too
    k = run32.keyed[2]
    shares = td.decryption_shares(base, k.index, k.share, k.verification_key, cts)
    for ct, s in zip(cts, shares, strict=True):
        td.verify_decryption_share(base.copy(), k.index, k.verification_key, ct, s.partial, s.proof)


def test_decryption_share_is_a_partial_and_proof_pair(group: Group, run32: Run) -> None:
    k = run32.keyed[0]
    ct = eg.encrypt(eg.PublicKey(k.joint_key), 1).ciphertext
    partial, proof = td.decryption_share(tr(group), k.index, k.share, k.verification_key, ct)
    assert partial == group.exp(ct.alpha, k.share)  # M_l = alpha^{s_l}
    td.verify_decryption_share(tr(group), k.index, k.verification_key, ct, partial, proof)
    assert "redacted" in repr(k.share) and str(k.share.value) not in repr(td.DecryptionShare(partial, proof))


# ------------------------------------------------------------------ bad shares ------
def _tampered_cases(group: Group, share: DecryptionShare) -> dict[str, DecryptionShare]:
    g = group.generator()
    p = share.proof
    return {
        "partial": DecryptionShare(share.partial * g, p),
        "v": DecryptionShare(share.partial, dataclasses.replace(p, v=p.v + 1)),
        "a": DecryptionShare(share.partial, dataclasses.replace(p, a=p.a * g)),
        "b": DecryptionShare(share.partial, dataclasses.replace(p, b=p.b * g)),
    }


def test_tampered_decryption_share_is_named(group: Group, run53: Run) -> None:
    K = eg.PublicKey(run53.keyed[0].joint_key)
    ct = eg.encrypt(K, 4).ciphertext
    shares = all_shares(run53, ct)
    keys = run53.keyed[0].verification_keys
    names = {k.index: k.trustee_id for k in run53.keyed}
    for field, bad in _tampered_cases(group, shares[4]).items():
        with pytest.raises(InvalidProof, match=r"trustee 4 \(dave\)"):
            td.verify_decryption_shares(tr(group), ct, {**shares, 4: bad}, keys, names=names)
        valid, invalid = td.partition_decryption_shares(tr(group), ct, {**shares, 4: bad}, keys)
        assert sorted(invalid) == [4] and sorted(valid) == [1, 2, 3, 5], field
        # the election carries on with the valid shares (>= t of them)
        assert td.combine(group, ct, valid, 3) == group.exp_g(4)
    # two bad shares: both are named
    bad2 = _tampered_cases(group, shares[2])["v"]
    bad4 = _tampered_cases(group, shares[4])["partial"]
    with pytest.raises(InvalidProof, match=r"trustee 2 \(bob\).*also invalid: trustee 4 \(dave\)"):
        td.verify_decryption_shares(tr(group), ct, {**shares, 2: bad2, 4: bad4}, keys, names=names)
    # a share with no verification key (unknown trustee) is refused
    with pytest.raises(InvalidProof, match="trustee 9: no verification key"):
        td.verify_decryption_shares(tr(group), ct, {**shares, 9: shares[1]}, keys)


def test_decryption_share_bound_to_trustee_ciphertext_and_context(group: Group, run32: Run) -> None:
    k1, k2 = run32.keyed[0], run32.keyed[1]
    K = eg.PublicKey(k1.joint_key)
    ct, other = eg.encrypt(K, 1).ciphertext, eg.encrypt(K, 1).ciphertext
    partial, proof = k1.decryption_share(tr(group), ct)
    tries: list[tuple[int, Element, eg.Ciphertext, Transcript]] = [
        (2, k1.verification_key, ct, tr(group)),          # trustee 1's share claimed as trustee 2's
        (2, k2.verification_key, ct, tr(group)),          # ... against trustee 2's key
        (1, k1.verification_key, other, tr(group)),       # for another ciphertext (A5)
        (1, k1.verification_key, ct, tr(group, b"\0" * 32)),  # in another election (H_E)
    ]
    for index, key, c, t in tries:
        with pytest.raises(InvalidProof, match=f"decryption share of trustee {index}"):
            td.verify_decryption_share(t, index, key, c, partial, proof)
    td.verify_decryption_share(tr(group), 1, k1.verification_key, ct, partial, proof)
