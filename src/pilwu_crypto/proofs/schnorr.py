"""Schnorr proof of knowledge of a discrete log: PK{ x : X = g^x }.

Used for trustee key and polynomial-coefficient commitments (ElectionGuard 2.1 §3.2.2,
checklist A17/A18 and "trustee public keys carry a PoK").  The prover's nonce u reveals x
together with the response, so g^u is computed with the constant-time exponentiation.

    prover:   u <- Z_q,  h = g^u,  c = H(transcript, DST_SCHNORR, g, X, h),  v = u + c x
    verifier: c = H(...),  g^v == h * X^c
"""

from __future__ import annotations

from dataclasses import dataclass

from pilwu_crypto.algebra.domains import DST_SCHNORR
from pilwu_crypto.algebra.group import Element, Scalar
from pilwu_crypto.algebra.transcript import Transcript
from pilwu_crypto.errors import InvalidProof


@dataclass(frozen=True)
class SchnorrProof:
    """Commitment and response of a Schnorr proof; the challenge is recomputed."""

    h: Element
    """h = g^u, the commitment."""
    v: Scalar
    """v = u + c x mod q, the response."""


def _challenge(transcript: Transcript, public: Element, h: Element) -> Scalar:
    transcript.append_bytes("proof", DST_SCHNORR.encode())
    transcript.append_element("g", transcript.group.generator())
    transcript.append_element("X", public)
    transcript.append_element("h", h)
    return transcript.challenge_scalar("c")


def prove_schnorr(transcript: Transcript, public: Element, secret: Scalar,
                  *, nonce: Scalar | None = None) -> SchnorrProof:
    """Prove knowledge of x with public = g^x.  ``nonce`` is for known-answer tests only."""
    group = transcript.group
    group.check_element(public, "X")
    u = group.random_scalar() if nonce is None else nonce
    h = group.exp_secret(group.generator(), u)
    c = _challenge(transcript, public, h)
    return SchnorrProof(h=h, v=(u + c * secret).public())


def verify_schnorr(transcript: Transcript, public: Element, proof: SchnorrProof) -> None:
    """Check g^v == h * X^c with c recomputed; raises InvalidProof."""
    group = transcript.group
    group.check_element(public, "X")
    group.check_element(proof.h, "schnorr h")
    c = _challenge(transcript, public, proof.h)
    # g^v = h * X^c
    if group.exp_g(proof.v) != proof.h * public ** c:
        raise InvalidProof("schnorr: g^v != h * X^c")
