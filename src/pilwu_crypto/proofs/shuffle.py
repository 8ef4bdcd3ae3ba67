"""Re-encryption shuffle of ciphertext vectors and its Terelius–Wikström proof.

A mix server receives N ciphertext vectors of width w >= 1 (a ballot of w ciphertexts
moves as one unit), re-encrypts every component with a fresh nonce and permutes the
vectors.  The proof of shuffle is the Terelius–Wikström proof in the form that
Verificatum deploys it (VMNV §8.3, ``PoSBasicTW``; docs/verificatum.md) and
that Haenni, Locher, Koenig and Dubuis write out as pseudo-code ("Pseudo-Code Algorithms
for Verifiable Re-Encryption Mix-Nets", FC 2017: GenShuffle, GenPermutation,
GenCommitment, GenCommitmentChain, GenProof, CheckProof).

Convention (Verificatum's)
--------------------------
The permutation π maps an *input* position to an *output* position::

    output_{π(i)} = ReEnc(input_i, s_{π(i)}),   i.e.   output_j = ReEnc(input_{π^-1(j)}, s_j)

where ReEnc((a_l, b_l)_l, (s_l)_l) = (a_l g^{s_l}, b_l K^{s_l})_l and the nonce vector s_j
belongs to output j.  Haenni et al. write the same shuffle with ψ = π^-1
(e'_i = ReEnc(e_{ψ(i)})).  ``ShuffleWitness.permutation[i]`` is π(i).

The proof (NOTES §9 symbols; K the election key, g the group's generator)
--------------------------------------------------------------------------
Statement: g, K, generators h_0 … h_{N-1}, inputs w_0 … w_{N-1}, outputs w'_0 … w'_{N-1}.

1. Permutation commitment (GenCommitment): r_i <- Z_q,  u_i = g^{r_i} h_{π(i)}.
2. Batching vector: e_0 … e_{N-1}, 128-bit integers drawn from the transcript after the
   whole statement and u are absorbed.  e'_j = e_{π^-1(j)} is e in output order.
3. Commitment chain (GenCommitmentChain): B_{-1} = h_0,  B_j = g^{b_j} B_{j-1}^{e'_j}.
4. Commitments, with α, β_j, γ, δ, ε_j, φ_l uniform in Z_q:
   A' = g^α ∏ h_j^{ε_j},  B'_j = g^{β_j} B_{j-1}^{ε_j},  C' = g^γ,  D' = g^δ,
   F'_l = Enc_K(1, -φ_l) ∏ w'_{j,l}^{ε_j}  (one ciphertext per component l < w).
5. Challenge v in Z_q from the transcript after the commitments.
6. Replies (Z_q): k_A = α + v <r, e>,  k_B,j = β_j + v b_j,  k_C = γ + v Σ r_i,
   k_D = δ + v x_{N-1} (x_{N-1} = log_g of B_{N-1} / h_0^{∏e}),  k_E,j = ε_j + v e'_j,
   k_F,l = φ_l + v Σ_j s_{j,l} e'_j.
7. The verifier computes A = ∏ u_i^{e_i},  C = ∏ u_i / ∏ h_i,
   D = B_{N-1} h_0^{-∏ e_i},  F = ∏ w_i^{e_i} (component-wise), and accepts iff

       (A)   A^v A'       = g^{k_A} ∏ h_i^{k_E,i}
       (B)   B_i^v B'_i   = g^{k_B,i} B_{i-1}^{k_E,i}      for i = 0 … N-1
       (C)   C^v C'       = g^{k_C}
       (D)   D^v D'       = g^{k_D}
       (F)   F^v F'       = Enc_K(1, -k_F) ∏ w'_i^{k_E,i},  Enc_K(1, -k) = (g^-k, K^-k)

Fiat–Shamir and what the caller binds
-------------------------------------
The caller creates the transcript (``Transcript(group, domain, H_E)``: group and H_E are
absorbed first) and appends the mix server's id and its position in the chain before
calling :func:`prove_shuffle` / :func:`verify_shuffle`, e.g.
``t.append_text("mix-server", server_id); t.append_int("stage", k)``; a proof made for
another election, server or stage then fails.  The proof itself appends, in order::

    bytes "proof" = DST_SHUFFLE;  element "g";  element "pk" (K);  int "N";  int "width";
    elements "h" (h_0 … h_{N-1});  elements "u";
    elements "w"  (inputs,  flattened: for i, for l: alpha_{i,l}, beta_{i,l});
    elements "w'" (outputs, flattened the same way);
    challenge bytes "e" (16 N bytes: e_i is bytes [16 i, 16 i + 16) big-endian);
    elements "B";  element "A'";  elements "B'";  element "C'";  element "D'";
    elements "F'" (flattened: for l: alpha_l, beta_l);
    challenge scalar "v" (|q| + 128 bits reduced mod q).

("elements X" is Transcript.append_elements: the count, then every element.)

Generators (checklist A4): the proof takes h_0 … h_{N-1} explicitly and binds every one
of them in the transcript.  It does NOT know where they came from: the caller derives them
with ``algebra.generators.independent_generators(group, seed, N)`` for a seed bound to the
election, and a verifier reading them from a record must re-derive them
(``check_generators(group, seed, h)``) before calling :func:`verify_shuffle`; generators
with a known discrete-log relation would let the prover cheat (Swiss Post 2019).  Both
sides refuse the identity, g and duplicates among them (InvalidParameters).

The math is split from the Fiat–Shamir: :func:`check_shuffle_equations` takes e and v as
arguments, so that an interoperability module can derive them with another random oracle
(Verificatum's) and reuse the checks; :func:`verify_shuffle` derives them from the
transcript (:func:`shuffle_challenges`) and then calls the same checks.

Performance (docs/side-channels.md, docs/performance.md)
--------------------------
Prover: g^x and K^x go through the fixed-base tables (``group.exp_g``,
``PublicKey.table``); A' and F' are multi-exponentiations over the h_j and the outputs.
The chain uses its representation B_j = g^{x_j} h_0^{y_j} (x_j = b_j + e'_j x_{j-1},
y_j = e'_j y_{j-1}, x_{-1} = 0, y_{-1} = 1; Verificatum's prover does the same), so that from
N >= H0_TABLE_MIN_N on B_j and B'_j = g^{β_j + ε_j x_{j-1}} h_0^{ε_j y_{j-1}} cost four table
exponentiations; below that a table for h_0 does not pay for itself and the chain is
computed directly (a 128-bit and a full exponentiation of B_{j-1}).  Verifier: A, F and
the products over h and w' are multi-exponentiations; each B_i equation is a two-base
multi-exponentiation and one g table exponentiation (not batched yet).

Exponentiations with secret exponents here use the fast, variable-time paths (as ballot
encryption does by default, docs/side-channels.md, docs/performance.md): a mix server must not be timeable by others.
"""

from __future__ import annotations

import operator
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from pilwu_crypto.algebra.batch import LinearBatch, batchable, no_small_component, weight
from pilwu_crypto.algebra.domains import DST_SHUFFLE
from pilwu_crypto.algebra.generators import MAX_GENERATORS
from pilwu_crypto.algebra.group import Element, Group, Scalar, SecretScalar
from pilwu_crypto.algebra.transcript import Transcript
from pilwu_crypto.elgamal import Ciphertext, PublicKey, reencrypt_with_nonce
from pilwu_crypto.errors import InvalidParameters, InvalidProof, NotInGroup, OutOfRange, PilwuError

BATCHING_BITS = 128
"""Bit length of each batching exponent e_i (NOTES §9 n_e; soundness error ~N / 2^128)."""
BATCHING_BYTES = BATCHING_BITS // 8

MAX_SHUFFLE_SIZE = MAX_GENERATORS
"""Largest N accepted (one generator per ciphertext vector)."""

H0_TABLE_MIN_N = 512
"""From this N on the prover builds a fixed-base table for h_0 (2N exponentiations of h_0).
Measured: at pilwu-3072 a table costs ~0.27 s (~440 pe) to build and saves ~1.3 pe per
chain element over the direct chain; on P-256 ~25 ms (~200 pe) and ~1 pe: break-even
N ~ 350 and ~ 200."""

MAX_LISTED_INDICES = 10
"""At most this many failing indices of equation B are listed in an error message."""


# ---- ciphertext vectors -------------------------------------------------------------------


@dataclass(frozen=True)
class CiphertextVector:
    """w >= 1 ciphertexts under one key that a shuffle moves as one unit (one ballot).

    ``components[l]`` is (alpha_l, beta_l); all components belong to the same group.
    Multiplication (``*``) is component-wise; ``to_bytes`` concatenates the components.
    """

    components: tuple[Ciphertext, ...]

    def __post_init__(self) -> None:
        comps = self.components
        if not isinstance(comps, tuple):
            comps = tuple(comps)
            object.__setattr__(self, "components", comps)
        if not comps:
            raise OutOfRange("a ciphertext vector has width >= 1")
        group = None
        for c in comps:
            if not isinstance(c, Ciphertext):
                raise OutOfRange(f"ciphertext vector component is a {type(c).__name__}, not a Ciphertext")
            if group is None:
                group = c.group
            elif c.group is not group:
                raise NotInGroup("ciphertext vector components belong to different groups")

    @staticmethod
    def of(*components: Ciphertext) -> CiphertextVector:
        """CiphertextVector.of(c_0, c_1, …)."""
        return CiphertextVector(tuple(components))

    @staticmethod
    def identity(group: Group, width: int) -> CiphertextVector:
        """w copies of (1, 1): the encryption of 0 with nonce 0 in every component."""
        return CiphertextVector(tuple(Ciphertext.identity(group) for _ in range(width)))

    @property
    def width(self) -> int:
        return len(self.components)

    @property
    def group(self) -> Group:
        return self.components[0].group

    def __len__(self) -> int:
        return len(self.components)

    def __iter__(self) -> Iterator[Ciphertext]:
        return iter(self.components)

    def __getitem__(self, index: int) -> Ciphertext:
        return self.components[index]

    def __mul__(self, other: CiphertextVector) -> CiphertextVector:
        if other.width != self.width:
            raise OutOfRange(f"ciphertext vectors of widths {self.width} and {other.width} multiplied")
        return CiphertextVector(tuple(a * b for a, b in zip(self.components, other.components, strict=True)))

    def to_bytes(self) -> bytes:
        """alpha_0 || beta_0 || alpha_1 || beta_1 || … (fixed width)."""
        return b"".join(c.to_bytes() for c in self.components)


def reencrypt_vector(public_key: PublicKey, vector: CiphertextVector, nonces: Sequence[Scalar]) -> CiphertextVector:
    """(alpha_l g^{s_l}, beta_l K^{s_l})_l: every component re-encrypted with its own nonce
    (fixed-base tables for g and K)."""
    if len(nonces) != vector.width:
        raise OutOfRange(f"{len(nonces)} nonces for a ciphertext vector of width {vector.width}")
    return CiphertextVector(tuple(reencrypt_with_nonce(public_key, c, s)
                                  for c, s in zip(vector.components, nonces, strict=True)))


# ---- permutations and the shuffle ---------------------------------------------------------


def random_permutation(n: int) -> list[int]:
    """A uniformly random permutation of range(n) (Haenni et al. GenPermutation).

    Fisher–Yates (Knuth's Algorithm P) with ``secrets.randbelow``, which samples each
    index without modulo bias.  ``result[i]`` is where input i goes (π(i)).
    """
    if not 0 <= n <= MAX_SHUFFLE_SIZE:
        raise OutOfRange(f"permutation size {n} not in [0, {MAX_SHUFFLE_SIZE}]")
    perm = list(range(n))
    for i in range(n - 1, 0, -1):
        j = secrets.randbelow(i + 1)  # uniform in [0, i]
        perm[i], perm[j] = perm[j], perm[i]
    return perm


def check_permutation(permutation: Sequence[int], n: int) -> tuple[int, ...]:
    """``permutation`` as a tuple if it is a permutation of range(n); else OutOfRange."""
    if len(permutation) != n:
        raise OutOfRange(f"permutation has {len(permutation)} entries, expected {n}")
    seen = bytearray(n)
    out: list[int] = []
    for i, p in enumerate(permutation):
        if isinstance(p, bool):
            raise OutOfRange(f"permutation entry {i} is a bool")
        k = operator.index(p)
        if not 0 <= k < n or seen[k]:
            raise OutOfRange(f"permutation entry {i} = {k} is out of range or repeated")
        seen[k] = 1
        out.append(k)
    return tuple(out)


def inverse_permutation(permutation: Sequence[int]) -> list[int]:
    """π^-1: ``inverse[π[i]] = i``."""
    inv = [0] * len(permutation)
    for i, p in enumerate(permutation):
        inv[p] = i
    return inv


@dataclass(frozen=True, eq=False, repr=False)
class ShuffleWitness:
    """The secret of a shuffle: the permutation and the re-encryption nonces.

    ``repr``/``str`` never show them.  Keep the witness only until the proof is made.
    """

    permutation: tuple[int, ...]
    """π: input i went to output position permutation[i]."""
    nonces: tuple[tuple[SecretScalar, ...], ...]
    """s_j = nonces[j]: the nonces (one per component) that re-encrypted *output* j."""

    def __repr__(self) -> str:
        width = len(self.nonces[0]) if self.nonces else 0
        return f"ShuffleWitness(N={len(self.permutation)}, width={width}, <redacted>)"

    __str__ = __repr__


def shuffle(public_key: PublicKey, inputs: Sequence[CiphertextVector], *,
            permutation: Sequence[int] | None = None) -> tuple[list[CiphertextVector], ShuffleWitness]:
    """Re-encrypt and permute (Haenni et al. GenShuffle, with Verificatum's π).

    ``output_j = ReEnc(input_{π^-1(j)}, s_j)`` with s_j fresh and uniform in Z_q^w (from
    ``secrets``); π is :func:`random_permutation` unless given (tests only).  Re-encryption
    uses the fixed-base tables of g and K.  Returns the outputs and the witness for
    :func:`prove_shuffle`.
    """
    group = public_key.group
    n, width = _vector_shape(group, inputs, "input", OutOfRange)
    perm = tuple(random_permutation(n)) if permutation is None else check_permutation(permutation, n)
    inv = inverse_permutation(perm)
    nonces = tuple(tuple(group.random_scalar() for _ in range(width)) for _ in range(n))
    outputs = [reencrypt_vector(public_key, inputs[inv[j]], nonces[j]) for j in range(n)]
    return outputs, ShuffleWitness(perm, nonces)


# ---- the proof ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShuffleCommitment:
    """The prover's commitments τ^pos = (B, A', B', C', D', F') (NOTES §9 step 3).

    B is the commitment chain (Haenni et al. ĉ, GenCommitmentChain).  When read from a
    record, B must be decoded with the full membership check (its elements are bases in
    equations B and D); A', B'_i, C', D' and F' are only compared with values computed in
    the group and may be decoded with ``subgroup_check=False`` (see Group.decode_element).
    """

    B: tuple[Element, ...]
    """B_0 … B_{N-1}: B_j = g^{b_j} B_{j-1}^{e'_j}, B_{-1} = h_0."""
    A_prime: Element
    """A' = g^α ∏ h_j^{ε_j} (Haenni t_3)."""
    B_prime: tuple[Element, ...]
    """B'_j = g^{β_j} B_{j-1}^{ε_j} (Haenni t̂_j)."""
    C_prime: Element
    """C' = g^γ (Haenni t_1)."""
    D_prime: Element
    """D' = g^δ (Haenni t_2)."""
    F_prime: CiphertextVector
    """F'_l = Enc_K(1, -φ_l) ∏ w'_{j,l}^{ε_j}, width w (Haenni t_4)."""


@dataclass(frozen=True)
class ShuffleReply:
    """The prover's replies σ^pos = (k_A, k_B, k_C, k_D, k_E, k_F) in Z_q (NOTES §9 step 5)."""

    k_A: Scalar
    """k_A = α + v <r, e> (Haenni s_3)."""
    k_B: tuple[Scalar, ...]
    """k_B,j = β_j + v b_j (Haenni ŝ_j)."""
    k_C: Scalar
    """k_C = γ + v Σ r_i (Haenni s_1)."""
    k_D: Scalar
    """k_D = δ + v x_{N-1} (Haenni s_2)."""
    k_E: tuple[Scalar, ...]
    """k_E,j = ε_j + v e'_j (Haenni s'_j)."""
    k_F: tuple[Scalar, ...]
    """k_F,l = φ_l + v Σ_j s_{j,l} e'_j, one per component (Haenni s_4)."""


@dataclass(frozen=True)
class ShuffleProof:
    """A proof that outputs are a re-encryption and permutation of inputs.

    ``u`` (the permutation commitment, N elements) must be decoded with the full
    membership check when read from a record (its elements are bases in equation A).
    """

    u: tuple[Element, ...]
    """u_i = g^{r_i} h_{π(i)} (Haenni c, GenCommitment)."""
    commitment: ShuffleCommitment
    reply: ShuffleReply


def prove_shuffle(transcript: Transcript, public_key: PublicKey, generators: Sequence[Element],
                  inputs: Sequence[CiphertextVector], outputs: Sequence[CiphertextVector],
                  witness: ShuffleWitness, *, use_h0_table: bool | None = None) -> ShuffleProof:
    """Prove that ``outputs`` is a shuffle of ``inputs`` under ``public_key`` (GenProof).

    ``generators`` are h_0 … h_{N-1}, derived by the caller from the election's seed
    (module docstring); the caller has bound H_E, the mix server's id and its position
    through ``transcript``.  ``witness`` comes from :func:`shuffle`; it is not checked
    against the outputs (a wrong witness gives a proof that does not verify).
    ``use_h0_table`` overrides the automatic choice (N >= H0_TABLE_MIN_N) of a fixed-base
    table for h_0; the result is the same either way.
    """
    group = transcript.group
    q = group.q
    n, width = _statement_shape(group, public_key, generators, inputs, outputs, OutOfRange)
    perm = check_permutation(witness.permutation, n)
    if len(witness.nonces) != n or any(len(s) != width for s in witness.nonces):
        raise OutOfRange(f"witness nonces are not {n} vectors of width {width}")
    inv = inverse_permutation(perm)
    h = list(generators)
    exp_g = group.fixed_base(group.generator()).pow

    def rand() -> int:
        return secrets.randbelow(q)  # uniform in Z_q, from the OS CSPRNG (checklist A15)

    # Permutation commitment (GenCommitment): u_i = g^{r_i} h_{π(i)}
    r = [rand() for _ in range(n)]
    u = [exp_g(r[i]) * h[perm[i]] for i in range(n)]

    e = _absorb_statement(transcript, public_key, h, inputs, outputs, u, n, width)
    e_out = [e[inv[j]] for j in range(n)]  # e'_j = e_{π^-1(j)}

    # Commitment chain (GenCommitmentChain) and B' (GenProof t̂), via B_j = g^{x_j} h_0^{y_j}:
    #   B_j  = g^{b_j} B_{j-1}^{e'_j},   x_j = b_j + e'_j x_{j-1},  y_j = e'_j y_{j-1}
    #   B'_j = g^{β_j} B_{j-1}^{ε_j} = g^{β_j + ε_j x_{j-1}} h_0^{ε_j y_{j-1}}
    table = n >= H0_TABLE_MIN_N if use_h0_table is None else use_h0_table
    h0_pow: Callable[[int], Element] | None = group.fixed_base(h[0]).pow if table else None
    B: list[Element] = []
    B_prime: list[Element] = []
    b: list[int] = []
    beta: list[int] = []
    eps: list[int] = []
    x_prev, y_prev, B_prev = 0, 1, h[0]
    for j in range(n):
        ej = e_out[j]
        bj, betaj, epsj = rand(), rand(), rand()
        xj = (bj + ej * x_prev) % q
        yj = ej * y_prev % q
        if h0_pow is not None:
            Bj = exp_g(xj) * h0_pow(yj)
            B_prime.append(exp_g((betaj + epsj * x_prev) % q) * h0_pow(epsj * y_prev % q))
        else:
            Bj = exp_g(bj) * B_prev ** ej
            B_prime.append(exp_g(betaj) * B_prev ** epsj)
        B.append(Bj)
        b.append(bj)
        beta.append(betaj)
        eps.append(epsj)
        x_prev, y_prev, B_prev = xj, yj, Bj

    alpha, gamma, delta = rand(), rand(), rand()
    phi = [rand() for _ in range(width)]
    # A' = g^α ∏ h_j^{ε_j}
    A_prime = exp_g(alpha) * group.multi_exp(h, eps)
    # F'_l = Enc_K(1, -φ_l) ∏ w'_{j,l}^{ε_j} = (g^{-φ_l} ∏ a'_{j,l}^{ε_j}, K^{-φ_l} ∏ b'_{j,l}^{ε_j})
    pk_pow = public_key.table().pow
    F_prime = CiphertextVector(tuple(
        Ciphertext(exp_g((q - phi[lc]) % q) * group.multi_exp([o.components[lc].alpha for o in outputs], eps),
                   pk_pow((q - phi[lc]) % q) * group.multi_exp([o.components[lc].beta for o in outputs], eps))
        for lc in range(width)))
    commitment = ShuffleCommitment(B=tuple(B), A_prime=A_prime, B_prime=tuple(B_prime),
                                   C_prime=exp_g(gamma), D_prime=exp_g(delta), F_prime=F_prime)

    v = int(_absorb_commitment(transcript, commitment))

    nonce = witness.nonces
    reply = ShuffleReply(
        k_A=group.scalar((alpha + v * sum(ri * ei for ri, ei in zip(r, e, strict=True))) % q),
        k_B=tuple(group.scalar((bt + v * bj) % q) for bt, bj in zip(beta, b, strict=True)),
        k_C=group.scalar((gamma + v * sum(r)) % q),
        k_D=group.scalar((delta + v * x_prev) % q),  # x_prev = x_{N-1}
        k_E=tuple(group.scalar((ej + v * ep) % q) for ej, ep in zip(eps, e_out, strict=True)),
        k_F=tuple(group.scalar((phi[lc] + v * sum(nonce[j][lc].value * e_out[j] for j in range(n))) % q)
                  for lc in range(width)),
    )
    return ShuffleProof(u=tuple(u), commitment=commitment, reply=reply)


def shuffle_challenges(transcript: Transcript, public_key: PublicKey, generators: Sequence[Element],
                       inputs: Sequence[CiphertextVector], outputs: Sequence[CiphertextVector],
                       proof: ShuffleProof) -> tuple[list[int], Scalar]:
    """The batching vector e and the challenge v of ``proof``, from the caller's transcript.

    Absorbs the statement and u, draws e (BATCHING_BITS each), absorbs the commitments and
    draws v, exactly as the prover did.  Raises InvalidProof on a malformed proof or
    statement (length mismatches), InvalidParameters on degenerate generators.
    """
    group = transcript.group
    n, width = _statement_shape(group, public_key, generators, inputs, outputs, InvalidProof)
    _proof_shape(group, proof.u, proof.commitment, proof.reply, n, width)
    e = _absorb_statement(transcript, public_key, list(generators), inputs, outputs, list(proof.u), n, width)
    v = _absorb_commitment(transcript, proof.commitment)
    return e, v


def verify_shuffle(transcript: Transcript, public_key: PublicKey, generators: Sequence[Element],
                   inputs: Sequence[CiphertextVector], outputs: Sequence[CiphertextVector],
                   proof: ShuffleProof) -> None:
    """Verify a proof of shuffle (CheckProof); raises InvalidProof naming the failed equations.

    The caller must have re-derived ``generators`` from the election's seed (checklist A4)
    and bound H_E, the mix server's id and its position through ``transcript`` exactly as
    the prover did.  A length mismatch anywhere (an output dropped or duplicated, a
    truncated proof) is an InvalidProof.
    """
    e, v = shuffle_challenges(transcript, public_key, generators, inputs, outputs, proof)
    _equations(transcript.group, public_key, list(generators), inputs, outputs, proof.u,
               proof.commitment, proof.reply, e, int(v))


def check_shuffle_equations(group: Group, public_key: PublicKey, generators: Sequence[Element],
                            inputs: Sequence[CiphertextVector], outputs: Sequence[CiphertextVector],
                            u: Sequence[Element], commitment: ShuffleCommitment, reply: ShuffleReply,
                            e: Sequence[int], v: Scalar | int) -> None:
    """The five verification equations for given e and v (NOTES §9 step 7), no Fiat–Shamir.

    ``e`` are the batching integers (any non-negative size; reduced mod q only as
    exponents), ``v`` the challenge (reduced mod q).  For use by :func:`verify_shuffle` and
    by modules that derive e and v with another random oracle (Verificatum's).  Raises
    InvalidProof listing every failing equation, with the indices i of failing B_i
    equations; InvalidProof too for any length mismatch.
    """
    n, width = _statement_shape(group, public_key, generators, inputs, outputs, InvalidProof)
    _proof_shape(group, u, commitment, reply, n, width)
    if len(e) != n:
        raise InvalidProof(f"shuffle: batching vector has {len(e)} entries, expected {n}")
    ints = [operator.index(x) for x in e]
    if any(x < 0 for x in ints):
        raise InvalidProof("shuffle: negative batching exponent")
    _equations(group, public_key, list(generators), inputs, outputs, u, commitment, reply, ints,
               operator.index(v))


def _b_equations_hold(group: Group, h0: Element, com: ShuffleCommitment, rep: ShuffleReply, k_E: list[int],
                      v: int) -> bool:
    """The N equations B_i^v B'_i = g^(k_B,i) B_(i-1)^(k_E,i) in one weighted product::

        prod_i B'_i^(w_i) * prod_i B_i^(v w_i - k_E,i+1 w_i+1) * h_0^(-k_E,0 w_0)  ==  g^(sum w_i k_B,i)

    False when the group does not batch, a B'_i has a small-order component, or the
    product fails (then the caller checks each i).  B_i and h_0 are group members."""
    if not batchable(group) or not all(no_small_component(group, b) for b in com.B_prime):
        return False
    n = len(com.B)
    w = [weight() for _ in range(n)]
    batch = LinearBatch(group)
    batch.left(h0, -k_E[0] * w[0])
    for i in range(n):
        batch.left(com.B_prime[i], w[i])
        nxt = k_E[i + 1] * w[i + 1] if i + 1 < n else 0
        batch.left(com.B[i], v * w[i] - nxt)
        batch.right_g(w[i] * rep.k_B[i].value)
    return batch.holds()


def _equations(group: Group, public_key: PublicKey, h: list[Element], inputs: Sequence[CiphertextVector],
               outputs: Sequence[CiphertextVector], u: Sequence[Element], com: ShuffleCommitment,
               rep: ShuffleReply, e: list[int], v: int) -> None:
    """Evaluate all five equations (shapes already checked) and raise if any fails."""
    q = group.q
    n = len(h)
    width = inputs[0].width
    v %= q
    exp_g = group.exp_g
    k_E = [s.value for s in rep.k_E]
    failures: list[str] = []

    # A = ∏ u_i^{e_i};   A^v · A' = g^{k_A} · ∏ h_i^{k_E,i}
    A = group.multi_exp(u, e)
    if A ** v * com.A_prime != exp_g(rep.k_A) * group.multi_exp(h, k_E):
        failures.append("equation A fails: A^v·A' != g^k_A·∏h_i^k_E,i")

    # B_i^v · B'_i = g^{k_B,i} · B_{i-1}^{k_E,i}  (B_{-1} = h_0), evaluated for each i as
    # g^{k_B,i} · B_{i-1}^{k_E,i} · B_i^{-v} == B'_i  (one two-base multi-exponentiation)
    # All N equations are first checked in one small-exponent batch (algebra/batch.py); the
    # loop naming every failing i runs only when that batch fails.
    minus_v = (q - v) % q
    bad: list[int] = []
    B_prev = h[0]
    for i in range(0 if _b_equations_hold(group, h[0], com, rep, k_E, v) else n):
        Bi = com.B[i]
        if exp_g(rep.k_B[i]) * group.multi_exp([B_prev, Bi], [k_E[i], minus_v]) != com.B_prime[i]:
            bad.append(i)
        B_prev = Bi
    if bad:
        shown = ", ".join(str(i) for i in bad[:MAX_LISTED_INDICES])
        more = f" (and {len(bad) - MAX_LISTED_INDICES} more)" if len(bad) > MAX_LISTED_INDICES else ""
        failures.append(f"equation B fails at i = {shown}{more}: B_i^v·B'_i != g^k_B,i·B_(i-1)^k_E,i")

    # C = ∏ u_i / ∏ h_i;   C^v · C' = g^{k_C}
    C = group.product(u) / group.product(h)
    if C ** v * com.C_prime != exp_g(rep.k_C):
        failures.append("equation C fails: C^v·C' != g^k_C")

    # D = B_{N-1} · h_0^{-∏ e_i};   D^v · D' = g^{k_D}
    prod_e = 1
    for x in e:
        prod_e = prod_e * x % q
    D = com.B[n - 1] * h[0] ** ((q - prod_e) % q)
    if D ** v * com.D_prime != exp_g(rep.k_D):
        failures.append("equation D fails: D^v·D' != g^k_D")

    # F = ∏ w_i^{e_i};   F^v · F' = Enc_K(1, -k_F) · ∏ w'_i^{k_E,i}, component by component:
    #   Fa_l^v · F'a_l = g^{-k_F,l} · ∏ a'_{i,l}^{k_E,i}   and   Fb_l^v · F'b_l = K^{-k_F,l} · ∏ b'_{i,l}^{k_E,i}
    pk_pow = public_key.table().pow
    bad_components: list[str] = []
    for lc in range(width):
        minus_kF = (q - rep.k_F[lc].value) % q
        Fa = group.multi_exp([w.components[lc].alpha for w in inputs], e)
        Fb = group.multi_exp([w.components[lc].beta for w in inputs], e)
        Fp = com.F_prime.components[lc]
        ok_a = Fa ** v * Fp.alpha == exp_g(minus_kF) * group.multi_exp(
            [w.components[lc].alpha for w in outputs], k_E)
        ok_b = Fb ** v * Fp.beta == pk_pow(minus_kF) * group.multi_exp(
            [w.components[lc].beta for w in outputs], k_E)
        if not (ok_a and ok_b):
            part = "alpha and beta" if not (ok_a or ok_b) else ("alpha" if not ok_a else "beta")
            bad_components.append(f"{lc} ({part})")
    if bad_components:
        failures.append(f"equation F fails for component {', '.join(bad_components)}: "
                        "F^v·F' != Enc_K(1,-k_F)·∏w'_i^k_E,i")

    if failures:
        raise InvalidProof("shuffle proof rejected: " + "; ".join(failures))


# ---- statement shape and the transcript ------------------------------------------------------


def _vector_shape(group: Group, vectors: Sequence[CiphertextVector], what: str,
                  error: type[PilwuError]) -> tuple[int, int]:
    """(N, w) of a non-empty list of ciphertext vectors of one width in ``group``."""
    n = len(vectors)
    if not 1 <= n <= MAX_SHUFFLE_SIZE:
        raise error(f"shuffle: {what} list has {n} entries, not in [1, {MAX_SHUFFLE_SIZE}]")
    width = -1
    for i, vec in enumerate(vectors):
        if not isinstance(vec, CiphertextVector):
            raise error(f"shuffle: {what} {i} is a {type(vec).__name__}, not a CiphertextVector")
        if width < 0:
            width = vec.width
        elif vec.width != width:
            raise error(f"shuffle: {what} {i} has width {vec.width}, {what} 0 has width {width}")
        if vec.group is not group:
            raise NotInGroup(f"shuffle: {what} {i} is not in {group.name}")
    return n, width


def _statement_shape(group: Group, public_key: PublicKey, generators: Sequence[Element],
                     inputs: Sequence[CiphertextVector], outputs: Sequence[CiphertextVector],
                     error: type[PilwuError]) -> tuple[int, int]:
    """Check the statement's shape; (N, w).  Degenerate generators: InvalidParameters."""
    if public_key.group is not group:
        raise NotInGroup(f"shuffle: public key is not in {group.name}")
    n, width = _vector_shape(group, inputs, "input", error)
    if len(outputs) != n:
        raise error(f"shuffle: output list has {len(outputs)} entries, input list {n}")
    _n_out, width_out = _vector_shape(group, outputs, "output", error)
    if width_out != width:
        raise error(f"shuffle: outputs have width {width_out}, inputs {width}")
    if len(generators) != n:
        raise error(f"shuffle: {len(generators)} generators for {n} ciphertext vectors")
    g = group.generator()
    seen: set[bytes] = set()
    for i, hi in enumerate(generators):
        group.check_element(hi, f"generator {i}")
        enc = hi.to_bytes()
        if group.is_identity(hi) or hi == g or enc in seen:
            raise InvalidParameters(f"shuffle: generator {i} is the identity, g or a duplicate")
        seen.add(enc)
    return n, width


def _proof_shape(group: Group, u: Sequence[Element], com: ShuffleCommitment, rep: ShuffleReply,
                 n: int, width: int) -> None:
    """Every list of the proof has its expected length; elements and scalars are of ``group``."""
    lengths = (("u", len(u), n), ("B", len(com.B), n), ("B'", len(com.B_prime), n),
               ("k_B", len(rep.k_B), n), ("k_E", len(rep.k_E), n), ("F'", com.F_prime.width, width),
               ("k_F", len(rep.k_F), width))
    for name, got, want in lengths:
        if got != want:
            raise InvalidProof(f"shuffle: proof {name} has {got} entries, expected {want}")
    for name, elements in (("u", u), ("B", com.B), ("B'", com.B_prime),
                           ("A'", (com.A_prime,)), ("C'", (com.C_prime,)), ("D'", (com.D_prime,))):
        for x in elements:
            group.check_element(x, f"shuffle proof {name}")
    if com.F_prime.group is not group:
        raise NotInGroup(f"shuffle proof F' is not in {group.name}")
    q = group.q
    for name, scalars in (("k_A", (rep.k_A,)), ("k_B", rep.k_B), ("k_C", (rep.k_C,)),
                          ("k_D", (rep.k_D,)), ("k_E", rep.k_E), ("k_F", rep.k_F)):
        for s in scalars:
            if not isinstance(s, Scalar) or s.group.q != q:
                raise InvalidProof(f"shuffle: proof {name} holds a value that is not a scalar of {group.name}")


def _flatten(vectors: Sequence[CiphertextVector]) -> list[Element]:
    """alpha_{0,0}, beta_{0,0}, alpha_{0,1}, … : vector by vector, component by component."""
    out: list[Element] = []
    for vec in vectors:
        for c in vec.components:
            out.append(c.alpha)
            out.append(c.beta)
    return out


def _absorb_statement(transcript: Transcript, public_key: PublicKey, h: list[Element],
                      inputs: Sequence[CiphertextVector], outputs: Sequence[CiphertextVector],
                      u: list[Element], n: int, width: int) -> list[int]:
    """Bind the whole statement and u (module docstring), then draw e_0 … e_{N-1}."""
    transcript.append_bytes("proof", DST_SHUFFLE.encode())
    transcript.append_element("g", transcript.group.generator())
    transcript.append_element("pk", public_key.element)
    transcript.append_int("N", n)
    transcript.append_int("width", width)
    transcript.append_elements("h", h)
    transcript.append_elements("u", u)
    transcript.append_elements("w", _flatten(inputs))
    transcript.append_elements("w'", _flatten(outputs))
    raw = transcript.challenge_bytes("e", n * BATCHING_BYTES)
    return [int.from_bytes(raw[k:k + BATCHING_BYTES], "big") for k in range(0, n * BATCHING_BYTES, BATCHING_BYTES)]


def _absorb_commitment(transcript: Transcript, com: ShuffleCommitment) -> Scalar:
    """Bind τ^pos = (B, A', B', C', D', F'), then draw the challenge v."""
    transcript.append_elements("B", com.B)
    transcript.append_element("A'", com.A_prime)
    transcript.append_elements("B'", com.B_prime)
    transcript.append_element("C'", com.C_prime)
    transcript.append_element("D'", com.D_prime)
    transcript.append_elements("F'", _flatten([com.F_prime]))
    return transcript.challenge_scalar("v")
