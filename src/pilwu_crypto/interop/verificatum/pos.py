"""Verificatum's proofs of a shuffle: PoS, and PoSC + CCPoS with a keep list (NOTES.md §9, §9b; VMNV §8.3–§8.5).

Only the Fiat–Shamir and the encodings are Verificatum's here; the Terelius–Wikström
equations of the PoS (and the A–D equations of the PoSC) are the core's
:func:`pilwu_crypto.proofs.shuffle.check_shuffle_equations`, called with the batching
vector e and the challenge v derived as VMN derives them:

    s = RO_{n_s}(ρ || ser(node(g, h, u, pk_ω, w, w')))          n_s = 8·|H_prg|
    e_0 … e_{N−1} = n_e-bit integers from PRG_{H_prg}(s)
    v = RO_{n_v}(ρ || ser(node(leaf(s), τ)))

Malformed-input semantics mirror VMN (NOTES §9 item 8): an unparsable permutation
commitment becomes u := h (by the caller), an unparsable commitment τ becomes all units
(hashed as such), an unparsable reply σ rejects the proof.  A rejected proof never
aborts: the caller skips that shuffler.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pilwu_crypto.algebra.group import Element, Scalar
from pilwu_crypto.elgamal import Ciphertext, PublicKey
from pilwu_crypto.errors import InvalidProof, PilwuError
from pilwu_crypto.interop.verificatum import bytetree as bt
from pilwu_crypto.interop.verificatum.arithm import VmnGroup
from pilwu_crypto.interop.verificatum.bytetree import ByteTree
from pilwu_crypto.interop.verificatum.generators import Generators
from pilwu_crypto.interop.verificatum.hashing import PRG, Challenger, HashFunction
from pilwu_crypto.proofs.shuffle import (
    CiphertextVector,
    ShuffleCommitment,
    ShuffleReply,
    check_shuffle_equations,
)


@dataclass(frozen=True)
class CiphertextList:
    """A list of ciphertexts with its serialization ser(node(U, V)) as published (NOTES §2)."""

    vectors: tuple[CiphertextVector, ...]
    ser: bytes


@dataclass(frozen=True)
class ShuffleSetting:
    """What every shuffle proof of a session shares (NOTES §9 inputs)."""

    vgroup: VmnGroup
    challenger: Challenger
    prg_hash: HashFunction
    """H of ``<prg>``: seeds the batching PRG and fixes n_s = 8·|H_prg|."""
    n_e: int
    n_v: int
    width: int
    public_key: PublicKey
    pk_wide_ser: bytes
    """ser(pk_ω) = ser(node((g … g)_ω, (y … y)_ω)), node(g, y) when ω = 1 (NOTES §9, §13)."""
    generators: Generators


@dataclass(frozen=True)
class ProofOutcome:
    """The verdict on one proof, with VMN's intermediate values (compared with ``vmnv -t``)."""

    proof: str
    """"PoS", "PoSC" or "CCPoS"."""
    valid: bool
    reason: str | None
    """Why it failed: the file that did not parse or the equations that fail."""
    seed: bytes
    """s, the seed of the batching vector."""
    challenge: int
    """v, the Fiat–Shamir challenge as an integer."""
    batching: tuple[int, ...]
    """e_0 … e_{N−1}."""


def _seed_and_batching(setting: ShuffleSetting, statement: Sequence[bytes], count: int) -> tuple[bytes, list[int]]:
    """s = RO_{n_s}(ρ || ser(node(statement))) and e from PRG_{H_prg}(s) (NOTES §9 steps 1–2)."""
    n_s = 8 * setting.prg_hash.digest_size
    seed = setting.challenger.challenge((bt.ser_node(list(statement)),), n_s)
    e = PRG(setting.prg_hash, seed).random_ints(setting.n_e, count)
    return seed, e


def _challenge(setting: ShuffleSetting, seed: bytes, commitment_ser: bytes) -> int:
    """v = RO_{n_v}(ρ || ser(node(leaf(s), τ))) as an integer (NOTES §9 step 4)."""
    data = bt.ser_node([bt.ser_leaf(seed), commitment_ser])
    return int.from_bytes(setting.challenger.challenge((data,), setting.n_v), "big")


def _unit_array_ser(vg: VmnGroup, n: int) -> bytes:
    unit = vg.ser_element(vg.group.identity())
    return bt.ser_node([unit] * n)


# ---- PoS -------------------------------------------------------------------------------------


def _parse_pos_commitment(vg: VmnGroup, t: ByteTree, n: int, width: int) -> ShuffleCommitment:
    """τ^pos = node(B, A', B', C', D', F') (NOTES §9 step 3)."""
    Bt, Apt, Bpt, Cpt, Dpt, Fpt = t.node_children("PoS commitment", 6)
    return ShuffleCommitment(
        B=tuple(vg.elements(Bt, "PoS commitment B", n)), A_prime=vg.element(Apt, "PoS commitment A'"),
        B_prime=tuple(vg.elements(Bpt, "PoS commitment B'", n)), C_prime=vg.element(Cpt, "PoS commitment C'"),
        D_prime=vg.element(Dpt, "PoS commitment D'"), F_prime=vg.ciphertext(Fpt, width, "PoS commitment F'"))


def _unit_pos_commitment(vg: VmnGroup, n: int, width: int) -> tuple[ShuffleCommitment, bytes]:
    """The all-unit substitute for an unparsable τ^pos, and its serialization (NOTES §9 item 8)."""
    one = vg.group.identity()
    units = _unit_array_ser(vg, n)
    unit = vg.ser_element(one)
    wide = vg.ser_unit_wide(width)
    ser = bt.ser_node([units, unit, units, unit, unit, bt.ser_node([wide, wide])])
    com = ShuffleCommitment(B=(one,) * n, A_prime=one, B_prime=(one,) * n, C_prime=one, D_prime=one,
                            F_prime=CiphertextVector.identity(vg.group, width))
    return com, ser


def _parse_pos_reply(vg: VmnGroup, t: ByteTree, n: int, width: int) -> ShuffleReply:
    """σ^pos = node(k_A, k_B, k_C, k_D, k_E, k_F) (NOTES §9 step 5)."""
    kA, kB, kC, kD, kE, kF = t.node_children("PoS reply", 6)
    return ShuffleReply(k_A=vg.scalar(kA, "PoS reply k_A"), k_B=tuple(vg.scalars(kB, "PoS reply k_B", n)),
                        k_C=vg.scalar(kC, "PoS reply k_C"), k_D=vg.scalar(kD, "PoS reply k_D"),
                        k_E=tuple(vg.scalars(kE, "PoS reply k_E", n)),
                        k_F=tuple(vg.wide_scalar(kF, width, "PoS reply k_F")))


def verify_pos(setting: ShuffleSetting, u: Sequence[Element], u_ser: bytes, w: CiphertextList,
               w_out: CiphertextList, commitment: ByteTree | None, reply: ByteTree | None) -> ProofOutcome:
    """Verify one PoS (NOTES §9); never raises on a bad proof, returns the verdict and why.

    ``commitment``/``reply`` are the parsed files, None when missing or not a byte tree.
    """
    vg = setting.vgroup
    n, width = len(w.vectors), setting.width
    h = setting.generators
    statement = [vg.ser_generator(), h.ser_array(n), u_ser, setting.pk_wide_ser, w.ser, w_out.ser]
    seed, e = _seed_and_batching(setting, statement, n)
    reason: str | None = None
    com: ShuffleCommitment
    try:
        if commitment is None:
            raise InvalidProof("PoSCommitment is missing or not a byte tree")
        com = _parse_pos_commitment(vg, commitment, n, width)
        com_ser = commitment.raw
    except PilwuError as exc:
        reason = f"commitment replaced by units ({exc})"
        com, com_ser = _unit_pos_commitment(vg, n, width)
    v = _challenge(setting, seed, com_ser)
    try:
        if reply is None:
            raise InvalidProof("PoSReply is missing or not a byte tree")
        rep = _parse_pos_reply(vg, reply, n, width)
    except PilwuError as exc:
        return ProofOutcome("PoS", False, f"reply does not parse: {exc}", seed, v, tuple(e))
    try:
        check_shuffle_equations(vg.group, setting.public_key, h.elements[:n], w.vectors, w_out.vectors, u,
                                com, rep, e, v)
    except PilwuError as exc:
        why = str(exc) if reason is None else f"{reason}; {exc}"
        return ProofOutcome("PoS", False, why, seed, v, tuple(e))
    return ProofOutcome("PoS", True, None, seed, v, tuple(e))


# ---- PoSC + CCPoS (pre-computation) ----------------------------------------------------------


def verify_posc(setting: ShuffleSetting, u: Sequence[Element], u_ser: bytes, n0: int,
                commitment: ByteTree | None, reply: ByteTree | None) -> ProofOutcome:
    """Proof of a shuffle of commitments (NOTES §9b): equations A–D of the PoS over all N0 generators.

    The core's check_shuffle_equations is reused with identity ciphertexts as w and w',
    F' = 1 and k_F = 0: its equation F then holds for every prover (1^v·1 = g^0·∏1^k_E),
    so the verdict is exactly that of A, B, C and D, which is what the PoSC proves.
    """
    vg = setting.vgroup
    group = vg.group
    h = setting.generators
    statement = [vg.ser_generator(), h.ser_array(n0), u_ser]
    seed, e = _seed_and_batching(setting, statement, n0)
    one = group.identity()
    reason: str | None = None
    try:
        if commitment is None:
            raise InvalidProof("PoSCCommitment is missing or not a byte tree")
        Bt, Apt, Bpt, Cpt, Dpt = commitment.node_children("PoSC commitment", 5)
        com = ShuffleCommitment(
            B=tuple(vg.elements(Bt, "PoSC commitment B", n0)), A_prime=vg.element(Apt, "PoSC commitment A'"),
            B_prime=tuple(vg.elements(Bpt, "PoSC commitment B'", n0)),
            C_prime=vg.element(Cpt, "PoSC commitment C'"), D_prime=vg.element(Dpt, "PoSC commitment D'"),
            F_prime=CiphertextVector.identity(group, 1))
        com_ser = commitment.raw
    except PilwuError as exc:
        reason = f"commitment replaced by units ({exc})"
        units = _unit_array_ser(vg, n0)
        unit = vg.ser_element(one)
        com_ser = bt.ser_node([units, unit, units, unit, unit])
        com = ShuffleCommitment(B=(one,) * n0, A_prime=one, B_prime=(one,) * n0, C_prime=one, D_prime=one,
                                F_prime=CiphertextVector.identity(group, 1))
    v = _challenge(setting, seed, com_ser)
    try:
        if reply is None:
            raise InvalidProof("PoSCReply is missing or not a byte tree")
        kA, kB, kC, kD, kE = reply.node_children("PoSC reply", 5)
        rep = ShuffleReply(k_A=vg.scalar(kA, "PoSC reply k_A"), k_B=tuple(vg.scalars(kB, "PoSC reply k_B", n0)),
                           k_C=vg.scalar(kC, "PoSC reply k_C"), k_D=vg.scalar(kD, "PoSC reply k_D"),
                           k_E=tuple(vg.scalars(kE, "PoSC reply k_E", n0)), k_F=(Scalar(group, 0),))
    except PilwuError as exc:
        return ProofOutcome("PoSC", False, f"reply does not parse: {exc}", seed, v, tuple(e))
    units_list = [CiphertextVector.identity(group, 1)] * n0
    try:
        check_shuffle_equations(group, setting.public_key, h.elements[:n0], units_list, units_list, u, com, rep,
                                e, v)
    except PilwuError as exc:
        why = str(exc).replace("shuffle proof", "PoSC")
        return ProofOutcome("PoSC", False, why if reason is None else f"{reason}; {why}", seed, v, tuple(e))
    return ProofOutcome("PoSC", True, None, seed, v, tuple(e))


def shrink(u: Sequence[Element], keep: Sequence[bool], n: int) -> list[Element]:
    """u restricted to the positions the keep list marks (exactly ``n`` of them, NOTES §9b)."""
    if sum(keep) != n:
        raise InvalidProof(f"keep list marks {sum(keep)} positions, expected {n}")
    return [x for x, k in zip(u, keep, strict=True) if k]


def verify_ccpos(setting: ShuffleSetting, u_kept: Sequence[Element], u_kept_ser: bytes, w: CiphertextList,
                 w_out: CiphertextList, commitment: ByteTree | None, reply: ByteTree | None) -> ProofOutcome:
    """Commitment-consistent proof of a shuffle (NOTES §9b), with h' = h[0:N] and u' the kept u.

    Accept iff  A^v·A' = g^{k_A}·∏h'_i^{k_E,i}  with A = ∏u'_i^{e_i}, and
                B^v·B' = Enc_pk(1, −k_B)·∏w'_i^{k_E,i}  with B = ∏w_i^{e_i} (component-wise in C_ω).
    """
    vg = setting.vgroup
    group = vg.group
    n, width = len(w.vectors), setting.width
    h = setting.generators
    statement = [vg.ser_generator(), h.ser_array(n), u_kept_ser, setting.pk_wide_ser, w.ser, w_out.ser]
    seed, e = _seed_and_batching(setting, statement, n)
    one = group.identity()
    reason: str | None = None
    try:
        if commitment is None:
            raise InvalidProof("CCPoSCommitment is missing or not a byte tree")
        Apt, Bpt = commitment.node_children("CCPoS commitment", 2)
        A_prime = vg.element(Apt, "CCPoS commitment A'")
        B_prime = vg.ciphertext(Bpt, width, "CCPoS commitment B'")
        com_ser = commitment.raw
    except PilwuError as exc:
        reason = f"commitment replaced by units ({exc})"
        wide = vg.ser_unit_wide(width)
        com_ser = bt.ser_node([vg.ser_element(one), bt.ser_node([wide, wide])])
        A_prime, B_prime = one, CiphertextVector.identity(group, width)
    v = _challenge(setting, seed, com_ser)
    try:
        if reply is None:
            raise InvalidProof("CCPoSReply is missing or not a byte tree")
        kA, kB, kE = reply.node_children("CCPoS reply", 3)
        k_A = vg.scalar(kA, "CCPoS reply k_A")
        k_B = vg.wide_scalar(kB, width, "CCPoS reply k_B")
        k_E = [s.value for s in vg.scalars(kE, "CCPoS reply k_E", n)]
    except PilwuError as exc:
        return ProofOutcome("CCPoS", False, f"reply does not parse: {exc}", seed, v, tuple(e))
    q = group.q
    vq = v % q
    exp_g = group.exp_g
    failures: list[str] = []
    # A = ∏u'_i^{e_i};   A^v·A' = g^{k_A}·∏h'_i^{k_E,i}
    A = group.multi_exp(list(u_kept), e)
    if A ** vq * A_prime != exp_g(k_A) * group.multi_exp(list(h.elements[:n]), k_E):
        failures.append("equation A fails: A^v·A' != g^k_A·∏h'_i^k_E,i")
    # B = ∏w_i^{e_i};   B^v·B' = Enc_pk(1, −k_B)·∏w'_i^{k_E,i}, component by component
    pk_pow = setting.public_key.table().pow
    bad: list[int] = []
    for j in range(width):
        minus_k = (q - k_B[j].value) % q
        Ba = group.multi_exp([c.components[j].alpha for c in w.vectors], e)
        Bb = group.multi_exp([c.components[j].beta for c in w.vectors], e)
        Bp: Ciphertext = B_prime.components[j]
        ok_a = Ba ** vq * Bp.alpha == exp_g(minus_k) * group.multi_exp(
            [c.components[j].alpha for c in w_out.vectors], k_E)
        ok_b = Bb ** vq * Bp.beta == pk_pow(minus_k) * group.multi_exp(
            [c.components[j].beta for c in w_out.vectors], k_E)
        if not (ok_a and ok_b):
            bad.append(j)
    if bad:
        failures.append(f"equation B fails for component {', '.join(map(str, bad))}: "
                        "B^v·B' != Enc_pk(1,-k_B)·∏w'_i^k_E,i")
    if failures:
        why = "CCPoS rejected: " + "; ".join(failures)
        return ProofOutcome("CCPoS", False, why if reason is None else f"{reason}; {why}", seed, v, tuple(e))
    return ProofOutcome("CCPoS", True, None, seed, v, tuple(e))
