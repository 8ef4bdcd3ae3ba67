"""Disjunctive (CDS) proof that a ciphertext encrypts a value in {0, …, L}.

Cramer–Damgård–Schoenmakers OR-composition of Chaum–Pedersen proofs, as in
ElectionGuard 2.1 §3.3.5 (range proofs): L = 1 is the 0/1 proof of a selection, larger
L the selection-limit proof on a contest's homomorphic sum.  For the ciphertext
(alpha, beta) = (g^r, g^m K^r) and each j in {0, …, L} the branch statement is

    log_g alpha == log_K (beta / g^j)

The real branch j = m is proved honestly; the others are simulated.  The proof carries
every branch's commitments (a_j, b_j), challenge c_j and response v_j (not the compact
form) so that proofs can be verified in batches later.  Verification:

    c = H(transcript, DST_RANGE, g, K, alpha, beta, L, (a_j, b_j) for all j)
    sum_j c_j == c (mod q)
    g^v_j == a_j * alpha^c_j          for every j
    K^v_j == b_j * (beta / g^j)^c_j   for every j

The limit L is part of the hashed statement and must come from the manifest, never from
the proof (checklist A14).  The caller binds the ballot id and H_E through the
transcript (checklist A10).

Prover cost: because it knows r, a simulated branch with random (c_j, t_j) is
a_j = g^t_j, b_j = K^t_j * g^((j - m) c_j), v_j = t_j + r c_j: only fixed-base
exponentiations (tables for g and K), 2 + 3L in all for the proof.
"""

from __future__ import annotations

from dataclasses import dataclass

from pilwu_crypto.algebra.batch import LinearBatch, no_small_component, weight
from pilwu_crypto.algebra.domains import DST_RANGE
from pilwu_crypto.algebra.group import Element, Group, Scalar
from pilwu_crypto.algebra.transcript import Transcript
from pilwu_crypto.elgamal import Ciphertext, PublicKey
from pilwu_crypto.errors import InvalidProof, OutOfRange

MAX_RANGE_LIMIT = 1024
"""Largest L accepted (a proof has L + 1 branches)."""


@dataclass(frozen=True)
class RangeBranch:
    """One branch j of a disjunctive proof."""

    a: Element
    """a_j, commitment for log_g alpha."""
    b: Element
    """b_j, commitment for log_K (beta / g^j)."""
    c: Scalar
    """c_j, this branch's challenge (the c_j sum to the transcript challenge)."""
    v: Scalar
    """v_j, this branch's response."""


@dataclass(frozen=True)
class RangeProof:
    """Proof that a ciphertext encrypts one of 0, …, L = len(branches) - 1."""

    branches: tuple[RangeBranch, ...]

    @property
    def limit(self) -> int:
        return len(self.branches) - 1


def _check_limit(limit: int) -> None:
    if not 0 <= limit <= MAX_RANGE_LIMIT:
        raise OutOfRange(f"range limit {limit} not in [0, {MAX_RANGE_LIMIT}]")


def _challenge(transcript: Transcript, pk: PublicKey, ct: Ciphertext, limit: int,
               commitments: list[tuple[Element, Element]]) -> Scalar:
    group = transcript.group
    transcript.append_bytes("proof", DST_RANGE.encode())
    transcript.append_element("g", group.generator())
    transcript.append_element("K", pk.element)
    transcript.append_element("alpha", ct.alpha)
    transcript.append_element("beta", ct.beta)
    transcript.append_int("L", limit)
    for j, (a, b) in enumerate(commitments):
        transcript.append_element(f"a[{j}]", a)
        transcript.append_element(f"b[{j}]", b)
    return transcript.challenge_scalar("c")


def _fixed(group: Group, pk: PublicKey, k: Scalar, constant_time: bool) -> tuple[Element, Element]:
    """(g^k, K^k) through tables, or constant-time exponentiations."""
    if constant_time:
        return group.exp_secret(group.generator(), k), group.exp_secret(pk.element, k)
    return group.exp_g(k), pk.table().pow(k)


def prove_range(transcript: Transcript, public_key: PublicKey, ciphertext: Ciphertext,
                value: int, nonce: Scalar, limit: int, *, constant_time: bool = False) -> RangeProof:
    """Prove that ``ciphertext`` = Enc(value; nonce) with 0 <= value <= limit.

    Raises OutOfRange if value is outside [0, limit] (the honest prover refuses to lie).
    """
    _check_limit(limit)
    if not 0 <= value <= limit:
        raise OutOfRange(f"value {value} not in [0, {limit}]")
    group = transcript.group
    commitments: list[tuple[Element, Element]] = []
    sims: dict[int, tuple[Scalar, Scalar]] = {}
    u = group.random_scalar()
    for j in range(limit + 1):
        if j == value:
            commitments.append(_fixed(group, public_key, u, constant_time))
        else:
            cj, tj = group.random_scalar(), group.random_scalar()
            a, kt = _fixed(group, public_key, tj, constant_time)
            shift = group.scalar_mod((j - value) * cj.value)
            gs = group.exp_secret(group.generator(), shift) if constant_time else group.exp_g(shift)
            commitments.append((a, kt * gs))
            sims[j] = (cj, tj)
    c = _challenge(transcript, public_key, ciphertext, limit, commitments)
    c_real = c - sum((cj.value for cj, _ in sims.values()), 0)
    branches = []
    for j, (a, b) in enumerate(commitments):
        if j == value:
            branches.append(RangeBranch(a=a, b=b, c=c_real.public(), v=(u + c_real * nonce).public()))
        else:
            c_sim, t_sim = sims[j]
            branches.append(RangeBranch(a=a, b=b, c=c_sim.public(), v=(t_sim + c_sim * nonce).public()))
    return RangeProof(branches=tuple(branches))


def verify_range(transcript: Transcript, public_key: PublicKey, ciphertext: Ciphertext,
                 limit: int, proof: RangeProof) -> None:
    """Check the proof for the statement "ciphertext encrypts a value in [0, limit]".

    ``limit`` must come from the manifest; a proof with a different number of branches
    is rejected.  Raises InvalidProof naming the failed equation and branch.
    """
    _check_limit(limit)
    group = transcript.group
    if len(proof.branches) != limit + 1:
        raise InvalidProof(f"range proof has {len(proof.branches)} branches, limit {limit} needs {limit + 1}")
    for j, br in enumerate(proof.branches):
        group.check_element(br.a, f"range a[{j}]")
        group.check_element(br.b, f"range b[{j}]")
    c = _challenge(transcript, public_key, ciphertext, limit, [(br.a, br.b) for br in proof.branches])
    # sum_j c_j = c
    if sum((br.c.value for br in proof.branches), 0) % group.q != c.value:
        raise InvalidProof("range: sum of branch challenges != transcript challenge")
    k_table = public_key.table()
    g_inv = group.generator().inverse()
    shifted = ciphertext.beta  # beta / g^j, updated incrementally
    for j, br in enumerate(proof.branches):
        # g^v_j = a_j * alpha^c_j
        if group.exp_g(br.v) != br.a * ciphertext.alpha ** br.c:
            raise InvalidProof(f"range branch {j}: g^v != a * alpha^c")
        # K^v_j = b_j * (beta / g^j)^c_j
        if k_table.pow(br.v) != br.b * shifted ** br.c:
            raise InvalidProof(f"range branch {j}: K^v != b * (beta / g^j)^c")
        shifted = shifted * g_inv


def batch_range(batch: LinearBatch, transcript: Transcript, public_key: PublicKey, ciphertext: Ciphertext,
                limit: int, proof: RangeProof) -> None:
    """Add the proof's 2(L + 1) branch equations to ``batch`` (algebra/batch.py) after the
    checks that need no exponentiation: branch count, commitments free of small-order
    components, sum of the branch challenges.  Raises InvalidProof when one of those fails
    (the caller then verifies the item with :func:`verify_range` for its exact message).

    With independent weights rho_j, sigma_j for the two equations of branch j::

        prod_j a_j^rho_j b_j^sigma_j * alpha^(sum rho_j c_j) * beta^(sum sigma_j c_j)
            == g^(sum rho_j v_j + sum sigma_j j c_j) * K^(sum sigma_j v_j)

    which is the weighted product of g^v_j = a_j alpha^c_j and K^v_j = b_j (beta/g^j)^c_j.
    """
    _check_limit(limit)
    group = transcript.group
    if len(proof.branches) != limit + 1:
        raise InvalidProof(f"range proof has {len(proof.branches)} branches, limit {limit} needs {limit + 1}")
    for j, br in enumerate(proof.branches):
        group.check_element(br.a, f"range a[{j}]")
        group.check_element(br.b, f"range b[{j}]")
        if not (no_small_component(group, br.a) and no_small_component(group, br.b)):
            raise InvalidProof(f"range branch {j}: a commitment has a small-order component")
    c = _challenge(transcript, public_key, ciphertext, limit, [(br.a, br.b) for br in proof.branches])
    if sum((br.c.value for br in proof.branches), 0) % group.q != c.value:
        raise InvalidProof("range: sum of branch challenges != transcript challenge")
    alpha_exp = beta_exp = g_exp = k_exp = 0
    for j, br in enumerate(proof.branches):
        rho, sigma = weight(), weight()
        batch.left(br.a, rho)
        batch.left(br.b, sigma)
        alpha_exp += rho * br.c.value
        beta_exp += sigma * br.c.value
        g_exp += rho * br.v.value + sigma * j * br.c.value
        k_exp += sigma * br.v.value
    batch.left(ciphertext.alpha, alpha_exp)
    batch.left(ciphertext.beta, beta_exp)
    batch.right_g(g_exp)
    batch.right_k(k_exp)
