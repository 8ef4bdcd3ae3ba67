"""Proof of knowledge of the encryption nonces of a mix-net input ballot (checklist A10).

A ballot that enters the mix-net is a vector of ciphertexts (alpha_j, beta_j) =
(g^r_j, m_j K^r_j), j = 1..w.  Without a proof, anyone could take a cast ballot,
re-randomise it (alpha_j g^r'_j, beta_j K^r'_j) and cast the copy under their own ballot
id; after mixing and decryption the same plaintext appears twice, which tells the copier
how the victim voted in a small election (Cortier–Smyth's attack on Helios).  The copier
knows r'_j but not r_j + r'_j, so a proof of knowledge of the nonces stops the copy:

    PK{ (r_1, …, r_w) : alpha_j = g^r_j  for all j }

one Schnorr commitment per component and a single challenge over everything:

    prover:   u_j <- Z_q,  a_j = g^u_j
              c = H(transcript, DST_NONCE_POK, g, K, w, (alpha_j, beta_j) for all j, a_j for all j)
              v_j = u_j + c r_j
    verifier: c recomputed;  g^v_j == a_j * alpha_j^c  for every j

The hashed statement holds the *whole* ciphertexts, beta as well as alpha (A1/A5 habit),
so a proof is bound to exactly one ciphertext vector: changing any component changes c.
The caller's transcript binds the group, the domain and the context hash H_E, and the
caller appends the ballot id before calling (so the same ballot and proof cast under
another id fail, A10), e.g.::

    t = Transcript(group, "mix-input", election_hash)
    t.append_text("ballot", ballot_id)
    proof = prove_nonce_knowledge(t, public_key, ciphertexts, nonces)

Side channels (docs/side-channels.md): the nonces r_j are ephemeral ballot secrets, like
the encryption nonces themselves, so the prover's u_j go through the generator's
fixed-base table (``group.exp_g``, not constant time) unless ``constant_time=True``
selects ``group.exp_secret``.  The responses v_j are public.

Prover cost: w fixed-base exponentiations.  Verifier cost: w two-base multi-exponentiations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pilwu_crypto.algebra.batch import LinearBatch, no_small_component, weight
from pilwu_crypto.algebra.domains import DST_NONCE_POK
from pilwu_crypto.algebra.group import Element, Scalar
from pilwu_crypto.algebra.transcript import Transcript
from pilwu_crypto.elgamal import Ciphertext, PublicKey
from pilwu_crypto.errors import InvalidProof, OutOfRange


@dataclass(frozen=True)
class NonceProof:
    """Commitments and responses, one per ciphertext component; the challenge is recomputed."""

    commitments: tuple[Element, ...]
    """a_j = g^u_j, the commitment for component j."""
    responses: tuple[Scalar, ...]
    """v_j = u_j + c r_j mod q, the response for component j."""

    @property
    def width(self) -> int:
        """Number of components the proof speaks about."""
        return len(self.commitments)


def _check_ciphertexts(transcript: Transcript, public_key: PublicKey, ciphertexts: Sequence[Ciphertext]) -> None:
    group = transcript.group
    if len(ciphertexts) == 0:
        raise OutOfRange("nonce proof: a ballot needs at least one ciphertext")
    group.check_element(public_key.element, "nonce proof public key K")
    for j, ct in enumerate(ciphertexts):
        group.check_element(ct.alpha, f"ciphertext {j} alpha")
        group.check_element(ct.beta, f"ciphertext {j} beta")


def _challenge(transcript: Transcript, public_key: PublicKey, ciphertexts: Sequence[Ciphertext],
               commitments: Sequence[Element]) -> Scalar:
    """c = H(transcript, DST_NONCE_POK, g, K, w, alpha_j, beta_j for all j, a_j for all j)."""
    group = transcript.group
    transcript.append_bytes("proof", DST_NONCE_POK.encode())
    transcript.append_element("g", group.generator())
    transcript.append_element("K", public_key.element)
    transcript.append_int("w", len(ciphertexts))
    for j, ct in enumerate(ciphertexts):
        transcript.append_element(f"alpha[{j}]", ct.alpha)
        transcript.append_element(f"beta[{j}]", ct.beta)
    for j, a in enumerate(commitments):
        transcript.append_element(f"a[{j}]", a)
    return transcript.challenge_scalar("c")


def prove_nonce_knowledge(transcript: Transcript, public_key: PublicKey, ciphertexts: Sequence[Ciphertext],
                          nonces: Sequence[Scalar], *, constant_time: bool = False) -> NonceProof:
    """Prove knowledge of r_j with alpha_j = g^r_j for every component of ``ciphertexts``.

    ``nonces[j]`` must be the nonce that encrypted ``ciphertexts[j]`` (the prover does not
    re-check it: a wrong nonce gives a proof that fails verification).  The caller has
    appended the ballot id to ``transcript``.  OutOfRange for an empty ballot or a nonce
    count that differs from the width.
    """
    group = transcript.group
    _check_ciphertexts(transcript, public_key, ciphertexts)
    if len(nonces) != len(ciphertexts):
        raise OutOfRange(f"nonce proof: {len(nonces)} nonces for {len(ciphertexts)} ciphertexts")
    us = [group.random_scalar() for _ in ciphertexts]
    g = group.generator()
    # a_j = g^u_j
    commitments = [group.exp_secret(g, u) if constant_time else group.exp_g(u) for u in us]
    c = _challenge(transcript, public_key, ciphertexts, commitments)
    # v_j = u_j + c r_j
    responses = tuple((u + c * r).public() for u, r in zip(us, nonces, strict=True))
    return NonceProof(commitments=tuple(commitments), responses=responses)


def verify_nonce_knowledge(transcript: Transcript, public_key: PublicKey, ciphertexts: Sequence[Ciphertext],
                           proof: NonceProof) -> None:
    """Check the proof for ``ciphertexts`` with c recomputed; InvalidProof names the component.

    The ciphertexts are the ballot's as cast (from the record), never taken from the
    proof; a proof whose width differs from theirs is rejected.
    """
    group = transcript.group
    _check_ciphertexts(transcript, public_key, ciphertexts)
    w = len(ciphertexts)
    if len(proof.commitments) != w or len(proof.responses) != w:
        raise InvalidProof(f"nonce proof has {len(proof.commitments)} commitments and {len(proof.responses)} "
                           f"responses, the ballot has {w} ciphertexts")
    for j, (a, v) in enumerate(zip(proof.commitments, proof.responses, strict=True)):
        group.check_element(a, f"nonce proof a[{j}]")
        if v.group.q != group.q:
            raise InvalidProof(f"nonce proof v[{j}] is not a scalar of {group.name}")
    c = _challenge(transcript, public_key, ciphertexts, proof.commitments)
    g = group.generator()
    minus_c = -c
    for j, (ct, a, v) in enumerate(zip(ciphertexts, proof.commitments, proof.responses, strict=True)):
        # g^v_j = a_j * alpha_j^c  <=>  g^v_j * alpha_j^(-c) = a_j
        if group.multi_exp([g, ct.alpha], [v, minus_c]) != a:
            raise InvalidProof(f"nonce proof component {j}: g^v != a * alpha^c")


def batch_nonce_knowledge(batch: LinearBatch, transcript: Transcript, public_key: PublicKey,
                          ciphertexts: Sequence[Ciphertext], proof: NonceProof) -> None:
    """Add the proof's w equations g^v_j = a_j alpha_j^c to ``batch`` (algebra/batch.py),
    weighted: prod a_j^rho_j alpha_j^(rho_j c) == g^(sum rho_j v_j).  The shape and the
    commitments' small-order components are checked first (InvalidProof; the caller
    then verifies with :func:`verify_nonce_knowledge` for the exact message)."""
    group = transcript.group
    _check_ciphertexts(transcript, public_key, ciphertexts)
    w = len(ciphertexts)
    if len(proof.commitments) != w or len(proof.responses) != w:
        raise InvalidProof(f"nonce proof has {len(proof.commitments)} commitments and {len(proof.responses)} "
                           f"responses, the ballot has {w} ciphertexts")
    for j, (a, v) in enumerate(zip(proof.commitments, proof.responses, strict=True)):
        group.check_element(a, f"nonce proof a[{j}]")
        if v.group.q != group.q or not no_small_component(group, a):
            raise InvalidProof(f"nonce proof component {j}: not batchable")
    c = _challenge(transcript, public_key, ciphertexts, proof.commitments).value
    g_exp = 0
    for ct, a, v in zip(ciphertexts, proof.commitments, proof.responses, strict=True):
        rho = weight()
        batch.left(a, rho)
        batch.left(ct.alpha, rho * c)
        g_exp += rho * v.value
    batch.right_g(g_exp)
