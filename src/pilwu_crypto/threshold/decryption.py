"""Threshold decryption: decryption shares with proofs, Lagrange combination (docs/record-format.md §5.13).

After the key ceremony (:mod:`pilwu_crypto.threshold.dkg`) trustee l holds the Shamir share
s_l = P(l) of the joint secret s = P(0), where P = sum_i P_i, and everyone knows its
verification key K_l = g^{s_l}.  A ciphertext (alpha, beta) = (g^r, g^m K^r) is decrypted
without ever reconstructing s (ElectionGuard 2.1 §3.6):

- each present trustee l publishes the partial decryption M_l = alpha^{s_l} with a
  Chaum–Pedersen proof that log_g K_l == log_alpha M_l (:mod:`pilwu_crypto.proofs.decryption`,
  which hashes the whole statement, checklist A1/A5; the trustee's index is bound too);
- any t of them are combined with the Lagrange coefficients at 0 of their index set S,

      lambda_l = prod_{j in S, j != l} j / (j - l)  (mod q),
      g^m = beta / prod_{l in S} M_l^{lambda_l}

  because prod M_l^{lambda_l} = alpha^{sum lambda_l P(l)} = alpha^{P(0)} = K^r.

:func:`combine` does not check proofs: verify the shares first
(:func:`verify_decryption_shares`, or :func:`partition_decryption_shares` to carry on
without a trustee whose share is bad).

Transcripts: the caller creates the base transcript (group, domain, H_E).  Functions for
one share consume it, like every ``prove_*``/``verify_*``; functions over many shares or
many ciphertexts leave it untouched and use a fresh copy of it for each item, so a prover
and a verifier that both follow this rule derive the same challenges.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from pilwu_crypto.algebra.batch import LinearBatch, batchable
from pilwu_crypto.algebra.group import Element, Group, Scalar
from pilwu_crypto.algebra.transcript import Transcript
from pilwu_crypto.elgamal import Ciphertext
from pilwu_crypto.errors import DecryptionError, InvalidProof, NotEnoughShares, OutOfRange, PilwuError
from pilwu_crypto.proofs.decryption import DecryptionProof, batch_decryption, prove_decryption, verify_decryption


class DecryptionShare(NamedTuple):
    """One trustee's partial decryption of one ciphertext, with its proof.

    A plain ``(partial, proof)`` pair (it unpacks as a tuple); the trustee's index is
    the key of the mapping it is published in.
    """

    partial: Element
    """M_l = alpha^{s_l}, the partial decryption (ElectionGuard 2.1 §3.6.2 M_i)."""
    proof: DecryptionProof
    """Chaum–Pedersen proof that log_g K_l == log_alpha M_l (commitments a, b; response v)."""


# ------------------------------------------------------------------ Lagrange --------
def _check_indices(indices: Sequence[int], q: int) -> list[int]:
    idx = [int(i) for i in indices]
    if len(set(idx)) != len(idx):
        raise OutOfRange(f"trustee indices {sorted(idx)} are not distinct")
    for i in idx:
        if not 1 <= i < q:
            raise OutOfRange(f"trustee index {i} is not a Shamir index (1 <= index < q)")
    return idx


def lagrange_coefficient(index: int, indices: Sequence[int], q: int) -> int:
    """lambda_index = prod_{j in indices, j != index} j / (j - index) mod q: the Lagrange
    coefficient at 0 of ``index`` within the distinct Shamir indices ``indices``."""
    idx = _check_indices(indices, q)
    if index not in idx:
        raise OutOfRange(f"trustee index {index} is not among the indices {sorted(idx)}")
    num, den = 1, 1
    for j in idx:
        if j != index:
            num = num * j % q
            den = den * (j - index) % q
    return num * pow(den, -1, q) % q


def lagrange_coefficients(indices: Sequence[int], q: int) -> dict[int, int]:
    """{l: lambda_l} for every l in ``indices`` (one call per index set, reused per ciphertext)."""
    idx = _check_indices(indices, q)
    return {i: lagrange_coefficient(i, idx, q) for i in idx}


# ------------------------------------------------------------------ shares ----------
def decryption_share(transcript: Transcript, trustee_index: int, share: Scalar,
                     verification_key: Element, ciphertext: Ciphertext) -> DecryptionShare:
    """M_l = alpha^{s_l} (constant-time exponent) and its proof, for trustee ``trustee_index``.

    ``share`` is s_l and ``verification_key`` K_l = g^{s_l}; the transcript gets the
    trustee's index appended before the proof, so a share cannot be passed off as another
    trustee's.  Consumes ``transcript``.
    """
    group = transcript.group
    group.check_element(ciphertext.alpha, "ciphertext alpha")
    transcript.append_int("trustee", trustee_index)
    partial = group.exp_secret(ciphertext.alpha, share)
    proof = prove_decryption(transcript, verification_key, ciphertext, partial, share)
    return DecryptionShare(partial, proof)


def decryption_shares(transcript: Transcript, trustee_index: int, share: Scalar,
                      verification_key: Element,
                      ciphertexts: Sequence[Ciphertext]) -> list[DecryptionShare]:
    """:func:`decryption_share` for each ciphertext, each on a fresh copy of ``transcript``."""
    return [decryption_share(transcript.copy(), trustee_index, share, verification_key, ct)
            for ct in ciphertexts]


def _who(index: int, names: Mapping[int, str] | None) -> str:
    if names is not None and index in names:
        return f"trustee {index} ({names[index]})"
    return f"trustee {index}"


def verify_decryption_share(transcript: Transcript, trustee_index: int, verification_key: Element,
                            ciphertext: Ciphertext, partial: Element, proof: DecryptionProof) -> None:
    """Check trustee ``trustee_index``'s proof that partial == alpha^{s_l} for K_l = g^{s_l}.

    Raises InvalidProof naming the trustee and the failed equation.  Consumes ``transcript``.
    """
    transcript.append_int("trustee", trustee_index)
    try:
        verify_decryption(transcript, verification_key, ciphertext, partial, proof)
    except InvalidProof as exc:
        raise InvalidProof(f"decryption share of trustee {trustee_index}: {exc}") from None


def batch_decryption_share(batch: LinearBatch, transcript: Transcript, trustee_index: int,
                           verification_key: Element, ciphertext: Ciphertext, partial: Element,
                           proof: DecryptionProof) -> None:
    """The equations of :func:`verify_decryption_share` into ``batch`` (algebra/batch.py);
    a caller whose batch fails re-runs verify_decryption_share for the exact message."""
    transcript.append_int("trustee", trustee_index)
    batch_decryption(batch, transcript, verification_key, ciphertext, partial, proof)


def decryption_shares_hold(group: Group, items: Iterable[tuple[Transcript, int, Element, Ciphertext, Element,
                                                            DecryptionProof]]) -> bool:
    """All (transcript, trustee index, K_l, ciphertext, partial, proof) in one batch: True
    when every proof holds (error <= 2^-128), False when the batch fails or cannot be
    formed — never an exception; callers then verify one by one for the exact message.
    Partials and ciphertexts must be group members (decoded with the check)."""
    if not batchable(group):
        return False
    batch = LinearBatch(group)
    try:
        for transcript, index, key, ct, partial, proof in items:
            batch_decryption_share(batch, transcript, index, key, ct, partial, proof)
    except PilwuError:
        return False
    return batch.holds()


def partition_decryption_shares(
        transcript: Transcript, ciphertext: Ciphertext,
        shares: Mapping[int, tuple[Element, DecryptionProof]],
        verification_keys: Mapping[int, Element], *,
        names: Mapping[int, str] | None = None,
) -> tuple[dict[int, Element], dict[int, str]]:
    """Split the shares of one ciphertext into (valid partials, {index: reason} of invalid ones).

    Each proof is checked against K_l on a fresh copy of ``transcript``.  A share from
    an index with no verification key counts as invalid.  ``names`` (index -> trustee
    id) only improves the reasons.
    """
    valid: dict[int, Element] = {}
    invalid: dict[int, str] = {}
    for index in sorted(shares):
        partial, proof = shares[index]
        key = verification_keys.get(index)
        if key is None:
            invalid[index] = f"{_who(index, names)}: no verification key for this trustee"
            continue
        try:
            verify_decryption_share(transcript.copy(), index, key, ciphertext, partial, proof)
        except InvalidProof as exc:
            invalid[index] = f"{_who(index, names)}: {exc}"
            continue
        valid[index] = partial
    return valid, invalid


def verify_decryption_shares(transcript: Transcript, ciphertext: Ciphertext,
                             shares: Mapping[int, tuple[Element, DecryptionProof]],
                             verification_keys: Mapping[int, Element], *,
                             names: Mapping[int, str] | None = None) -> None:
    """Check every share's proof against its trustee's K_l; raises InvalidProof naming
    every trustee whose share fails (the first reason in full)."""
    _, invalid = partition_decryption_shares(transcript, ciphertext, shares, verification_keys,
                                             names=names)
    if invalid:
        first = invalid[min(invalid)]
        others = ", ".join(_who(i, names) for i in sorted(invalid)[1:])
        raise InvalidProof(first + (f" (also invalid: {others})" if others else ""))


# ------------------------------------------------------------------ combination -----
def _chosen_indices(partial_indices: Sequence[int], threshold: int, q: int) -> list[int]:
    if threshold < 1:
        raise OutOfRange(f"threshold {threshold} is below 1")
    present = sorted(_check_indices(partial_indices, q))
    if len(present) < threshold:
        listed = ", ".join(str(i) for i in present) or "none"
        raise NotEnoughShares(f"{len(present)} decryption share(s) present (trustees {listed}), "
                              f"{threshold} needed")
    return present[:threshold]


def combine(group: Group, ciphertext: Ciphertext, partials: Mapping[int, Element],
            threshold: int) -> Element:
    """g^m = beta / prod_{l in S} M_l^{lambda_l}, S = the ``threshold`` smallest indices present.

    Exactly t shares are used (any t valid shares give the same result; using more would
    only cost exponentiations), so shares beyond those are ignored: check every
    published share's proof before combining.  Raises NotEnoughShares with fewer than t.
    """
    return combine_batch(group, [ciphertext], {i: [m] for i, m in partials.items()}, threshold)[0]


def combine_batch(group: Group, ciphertexts: Sequence[Ciphertext],
                  partials: Mapping[int, Sequence[Element]], threshold: int) -> list[Element]:
    """:func:`combine` for many ciphertexts: ``partials[l][k]`` is M_l for ciphertexts[k].

    The Lagrange coefficients are computed once for the chosen index set.
    """
    chosen = _chosen_indices(list(partials), threshold, group.q)
    lambdas = lagrange_coefficients(chosen, group.q)
    for i in chosen:
        if len(partials[i]) != len(ciphertexts):
            raise DecryptionError(f"trustee {i}: {len(partials[i])} partial decryptions "
                                  f"for {len(ciphertexts)} ciphertexts")
    exps = [lambdas[i] for i in chosen]
    out = []
    for k, ct in enumerate(ciphertexts):
        bases = [group.check_element(partials[i][k], f"partial decryption of trustee {i}")
                 for i in chosen]
        # g^m = beta / prod M_l^{lambda_l}
        out.append(group.check_element(ct.beta, "ciphertext beta") / group.multi_exp(bases, exps))
    return out


__all__ = [
    "DecryptionShare",
    "combine",
    "combine_batch",
    "decryption_share",
    "decryption_shares",
    "lagrange_coefficient",
    "lagrange_coefficients",
    "partition_decryption_shares",
    "verify_decryption_share",
    "verify_decryption_shares",
]
