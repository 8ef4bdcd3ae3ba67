"""Chaum–Pedersen proof of equality of discrete logs: PK{ x : A = g1^x and B = g2^x }.

The building block of decryption shares (ElectionGuard 2.1 §3.6.3, Chaum–Pedersen 1992).

    prover:   u <- Z_q,  a = g1^u,  b = g2^u,
              c = H(transcript, tag, g1, A, g2, B, extra statement, a, b),  v = u + c x
    verifier: g1^v == a * A^c  and  g2^v == b * B^c

The tag defaults to DST_DLEQ; protocols with their own statement (decryption proofs)
pass their own tag and bind the rest of their statement through ``bind``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pilwu_crypto.algebra.batch import LinearBatch, no_small_component, weight
from pilwu_crypto.algebra.domains import DST_DLEQ
from pilwu_crypto.algebra.group import Element, Scalar
from pilwu_crypto.algebra.transcript import Transcript
from pilwu_crypto.errors import InvalidProof

Binder = Callable[[Transcript], None]


@dataclass(frozen=True)
class DleqProof:
    """Commitments and response of a Chaum–Pedersen proof; the challenge is recomputed."""

    a: Element
    """a = g1^u."""
    b: Element
    """b = g2^u."""
    v: Scalar
    """v = u + c x mod q."""


@dataclass(frozen=True)
class DleqStatement:
    """log_{g1} A == log_{g2} B."""

    g1: Element
    A: Element
    g2: Element
    B: Element


def _challenge(transcript: Transcript, tag: str, st: DleqStatement, bind: Binder | None,
               a: Element, b: Element) -> Scalar:
    group = transcript.group
    for label, e in (("g1", st.g1), ("A", st.A), ("g2", st.g2), ("B", st.B), ("a", a), ("b", b)):
        group.check_element(e, label)
    transcript.append_bytes("proof", tag.encode())
    transcript.append_element("g1", st.g1)
    transcript.append_element("A", st.A)
    transcript.append_element("g2", st.g2)
    transcript.append_element("B", st.B)
    if bind is not None:
        bind(transcript)
    transcript.append_element("a", a)
    transcript.append_element("b", b)
    return transcript.challenge_scalar("c")


def prove_dleq(transcript: Transcript, statement: DleqStatement, secret: Scalar, *,
               tag: str = DST_DLEQ, bind: Binder | None = None,
               nonce: Scalar | None = None) -> DleqProof:
    """Prove log_{g1} A == log_{g2} B == secret.  The nonce exponentiations are
    constant time (the secret is typically a long-term key or share)."""
    group = transcript.group
    u = group.random_scalar() if nonce is None else nonce
    a = group.exp_secret(statement.g1, u)
    b = group.exp_secret(statement.g2, u)
    c = _challenge(transcript, tag, statement, bind, a, b)
    return DleqProof(a=a, b=b, v=(u + c * secret).public())


def verify_dleq(transcript: Transcript, statement: DleqStatement, proof: DleqProof, *,
                tag: str = DST_DLEQ, bind: Binder | None = None, name: str = "dleq") -> None:
    """Check both equations with c recomputed; raises InvalidProof naming the failed one."""
    group = transcript.group
    c = _challenge(transcript, tag, statement, bind, proof.a, proof.b)
    minus_c = -c
    # g1^v = a * A^c, evaluated as g1^v * A^-c == a (the generator through its table)
    if statement.g1 == group.generator():
        lhs1 = group.exp_g(proof.v) * statement.A ** minus_c
    else:
        lhs1 = group.multi_exp([statement.g1, statement.A], [proof.v, minus_c])
    if lhs1 != proof.a:
        raise InvalidProof(f"{name}: g1^v != a * A^c")
    # g2^v = b * B^c, evaluated as g2^v * B^-c == b by simultaneous exponentiation
    if group.multi_exp([statement.g2, statement.B], [proof.v, minus_c]) != proof.b:
        raise InvalidProof(f"{name}: g2^v != b * B^c")


def batch_dleq(batch: LinearBatch, transcript: Transcript, statement: DleqStatement, proof: DleqProof, *,
               tag: str = DST_DLEQ, bind: Binder | None = None) -> None:
    """Add both equations of the proof to ``batch`` (algebra/batch.py), weighted by
    independent rho, sigma::

        a^rho * A^(rho c) * b^sigma * B^(sigma c) * g2^(-sigma v) [* g1^(-rho v)]  ==  g^(rho v)

    (g1^(rho v) goes to the right-hand side's generator table when g1 = g).  The
    challenge is recomputed exactly; commitments with a small-order component raise
    InvalidProof before anything is added (the caller then runs :func:`verify_dleq`)."""
    group = transcript.group
    c = _challenge(transcript, tag, statement, bind, proof.a, proof.b).value
    if not (no_small_component(group, proof.a) and no_small_component(group, proof.b)):
        raise InvalidProof("dleq: a commitment has a small-order component")
    v = proof.v.value
    rho, sigma = weight(), weight()
    batch.left(proof.a, rho)
    batch.left(proof.b, sigma)
    batch.left(statement.A, rho * c)
    batch.left(statement.B, sigma * c)
    batch.left(statement.g2, -sigma * v)
    if statement.g1 == group.generator():
        batch.right_g(rho * v)
    else:
        batch.left(statement.g1, -rho * v)
