"""Verificatum's proof of correct distributed decryption (NOTES.md §10; VMNV §8.6, ``DistrElGamalSessionBasic``).

Each party l publishes factors f_{l,i} = u_i^{−x_l/α} with α = lcm(1..k)², a commitment
τ_l = (y'_l, B'_l) and a reply k_{x,l}.  The verifier combines the first λ parties marked
correct (Δ) with the modified Lagrange coefficients c'_l = α·∏_{j∈Δ, j≠l} j/(j−l) mod q
(smallest absolute representative):

    f_i = ∏_{l∈Δ} f_{l,i}^{c'_l}  (= u_i^{−x})
    s = RO_{n_s}(ρ || ser(node(node(g, L), node(Γ, node(f_1 … f_k)))))
    e = n_e-bit integers from PRG_{H_prg}(s);   A = ∏u_i^{e_i},  B = ∏f_i^{e_i}   (in G^ω)
    v = RO_{n_v}(ρ || ser(node(leaf(s), node(τ_1 … τ_k))))
    y' = ∏ y'_l^{c'_l},  B' = ∏ B'_l^{c'_l},  k_x = Σ c'_l k_{x,l} mod q
    accept iff  y^{−v}·y' = g^{k_x}  and  B^v·B' = A^{k_x}

and the plaintexts are m_i = v_i·f_i.  VMN combines the proofs with α·c_l, not with the
plain c_l the PDF writes (NOTES §10 "discrepancy"); we do as VMN does.  An unparsable
commitment counts as units and an unparsable reply as 0 (both hashed/used as such).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pilwu_crypto.algebra.group import Element, Group
from pilwu_crypto.errors import InvalidProof, PilwuError
from pilwu_crypto.interop.verificatum import bytetree as bt
from pilwu_crypto.interop.verificatum.arithm import VmnGroup
from pilwu_crypto.interop.verificatum.bytetree import ByteTree
from pilwu_crypto.interop.verificatum.hashing import PRG, Challenger, HashFunction
from pilwu_crypto.interop.verificatum.pos import CiphertextList


def alpha(k: int) -> int:
    """α = lcm(1..k)² = (∏_{prime p ≤ k} p^⌊log_p k⌋)² (NOTES §10 step 1)."""
    lcm = 1
    for p in range(2, k + 1):
        if all(p % d for d in range(2, int(p**0.5) + 1)):
            power = p
            while power * p <= k:
                power *= p
            lcm *= power
    return lcm * lcm


def modified_lagrange(delta: Sequence[int], k: int, q: int) -> dict[int, int]:
    """c'_l = α·∏_{j∈Δ, j≠l} j/(j−l) mod q for l in Δ, as the integer of smallest absolute value."""
    a = alpha(k)
    out: dict[int, int] = {}
    for pl in delta:
        num, den = a, 1
        for j in delta:
            if j != pl:
                num *= j
                den *= j - pl
        c = num * pow(den % q, -1, q) % q
        out[pl] = c - q if c > q // 2 else c
    return out


def signed_pow(group: Group, a: Element, c: int) -> Element:
    """a^c for a small signed c (|c| is small here, so no full-size exponent for c < 0)."""
    if c >= 0:
        return group.exp(a, c)
    return group.inverse(group.exp(a, -c))


def party_keys(group: Group, gamma: Sequence[Element], indices: Sequence[int]) -> list[Element]:
    """y_l = ∏_s Γ_s^{l^s} (NOTES §10; not needed by the combined check, reported as ``bas.y_l``)."""
    return [group.multi_exp(list(gamma), [pl**s for s in range(len(gamma))]) for pl in indices]


@dataclass(frozen=True)
class PartyDecryption:
    """One party's published decryption data, as parsed (NOTES §6 file list)."""

    factors: list[list[Element]]
    """f_{l,i}, i = 0 … N−1, each in G^ω."""
    factors_ser: bytes
    commitment: ByteTree | None
    """τ^dec_l = node(y'_l, B'_l); None if the file is missing or not a byte tree."""
    reply: ByteTree | None
    """σ^dec_l = k_{x,l}; None if missing or not a byte tree."""


@dataclass(frozen=True)
class DecryptionOutcome:
    """Verdict on the decryption proof with VMN's intermediate values (``Dec.s``, ``Dec.v``)."""

    valid: bool
    reason: str | None
    delta: tuple[int, ...]
    seed: bytes
    challenge: int
    plaintexts: tuple[tuple[Element, ...], ...]
    """m_i = v_i·f_i (computed, compared with Plaintexts.bt by the caller)."""
    substituted: tuple[str, ...]
    """Commitments/replies that did not parse and were replaced (units / 0)."""


def verify_decryption(vg: VmnGroup, challenger: Challenger, prg_hash: HashFunction, n_e: int, n_v: int,
                      width: int, threshold: int, y: Element, gamma_ser: bytes, ciphertexts: CiphertextList,
                      correct: Sequence[bool], parties: Sequence[PartyDecryption]) -> DecryptionOutcome:
    """Verify the combined proof of decryption and compute the plaintexts (NOTES §10 steps 1–7).

    ``correct`` is CorrectIndices (index 0 unused), ``parties[l−1]`` party l's data.
    """
    group = vg.group
    q = group.q
    k = len(parties)
    n = len(ciphertexts.vectors)
    delta = tuple(pl for pl in range(1, k + 1) if correct[pl])[:threshold]
    if len(delta) < threshold:
        raise InvalidProof(f"decryption: only {len(delta)} parties are marked correct in CorrectIndices, "
                           f"the threshold is {threshold}")
    coeff = modified_lagrange(delta, k, q)

    # f_i = ∏_{l∈Δ} f_{l,i}^{c'_l}, component-wise (NOTES §10 step 1)
    combined: list[list[Element]] = []
    for i in range(n):
        row: list[Element] = []
        for j in range(width):
            acc = group.identity()
            for pl in delta:
                acc = acc * signed_pow(group, parties[pl - 1].factors[i][j], coeff[pl])
            row.append(acc)
        combined.append(row)

    # seed over node(node(g, L), node(Γ, node(f_1 … f_k))) — every party's factors (step 2)
    data = bt.ser_node([bt.ser_node([vg.ser_generator(), ciphertexts.ser]),
                        bt.ser_node([gamma_ser, bt.ser_node([p.factors_ser for p in parties])])])
    seed = challenger.challenge((data,), 8 * prg_hash.digest_size)
    e = PRG(prg_hash, seed).random_ints(n_e, n)

    # commitments of all k parties enter the challenge; unparsable ones as units (step 4)
    substituted: list[str] = []
    one = group.identity()
    y_primes: list[Element] = []
    b_primes: list[list[Element]] = []
    com_sers: list[bytes] = []
    for pl, party in enumerate(parties, start=1):
        try:
            if party.commitment is None:
                raise InvalidProof("missing or not a byte tree")
            yt, bt_ = party.commitment.node_children(f"DecrFactCommitment{pl:02d}", 2)
            y_primes.append(vg.element(yt, f"DecrFactCommitment{pl:02d} y'"))
            b_primes.append(vg.wide_element(bt_, width, f"DecrFactCommitment{pl:02d} B'"))
            com_sers.append(party.commitment.raw)
        except PilwuError as exc:
            substituted.append(f"DecrFactCommitment{pl:02d} replaced by units ({exc})")
            y_primes.append(one)
            b_primes.append([one] * width)
            com_sers.append(bt.ser_node([vg.ser_element(one), vg.ser_unit_wide(width)]))
    v = int.from_bytes(challenger.challenge((bt.ser_node([bt.ser_leaf(seed), bt.ser_node(com_sers)]),), n_v),
                       "big")
    replies: dict[int, int] = {}
    for pl in delta:
        party = parties[pl - 1]
        try:
            if party.reply is None:
                raise InvalidProof("missing or not a byte tree")
            replies[pl] = vg.scalar(party.reply, f"DecrFactReply{pl:02d}").value
        except PilwuError as exc:
            substituted.append(f"DecrFactReply{pl:02d} replaced by 0 ({exc})")
            replies[pl] = 0

    # combine over Δ with the same c'_l (step 5) and check (step 6)
    y_comb = group.identity()
    b_comb = [group.identity()] * width
    k_x = 0
    for pl in delta:
        c = coeff[pl]
        y_comb = y_comb * signed_pow(group, y_primes[pl - 1], c)
        b_comb = [b * signed_pow(group, x, c) for b, x in zip(b_comb, b_primes[pl - 1], strict=True)]
        k_x = (k_x + c * replies[pl]) % q
    vq = v % q
    failures: list[str] = []
    # y^{−v}·y' = g^{k_x}
    if y ** ((q - vq) % q) * y_comb != group.exp_g(k_x):
        failures.append("y^-v·y' != g^k_x")
    # B^v·B' = A^{k_x}, A = ∏u_i^{e_i}, B = ∏f_i^{e_i}, component-wise in G^ω
    bad: list[int] = []
    for j in range(width):
        A = group.multi_exp([c.components[j].alpha for c in ciphertexts.vectors], e)
        B = group.multi_exp([row[j] for row in combined], e)
        if B ** vq * b_comb[j] != A ** k_x:
            bad.append(j)
    if bad:
        failures.append(f"B^v·B' != A^k_x (component {', '.join(map(str, bad))})")
    plaintexts = tuple(tuple(c.components[j].beta * combined[i][j] for j in range(width))
                       for i, c in enumerate(ciphertexts.vectors))
    reason = None
    if failures:
        reason = "combined proof of decryption fails: " + "; ".join(failures)
        if substituted:
            reason += " (" + "; ".join(substituted) + ")"
    return DecryptionOutcome(not failures, reason, delta, seed, v, plaintexts, tuple(substituted))
