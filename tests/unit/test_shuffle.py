"""Re-encryption shuffles and the Terelius–Wikström proof of shuffle (proofs/shuffle.py).

Completeness for N in {1, 2, 3, 10, 100} and widths 1–3 (decrypting the outputs gives the
inputs' plaintexts as a multiset); soundness: every tampering of a shuffle is rejected
with InvalidProof whose message names the failing equation (checklist A4, A5, A24);
the permutation sampler is a uniform-looking permutation.  Runs on an integer group and on
P-256 (tests/conftest.py); the N = 100 case on pilwu-test-512 only.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pilwu_crypto import elgamal as eg
from pilwu_crypto.algebra.domains import DST_SHUFFLE
from pilwu_crypto.algebra.generators import check_generators, independent_generators
from pilwu_crypto.algebra.group import Element, Group, Scalar, SecretScalar
from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.algebra.modp import ModPGroup
from pilwu_crypto.algebra.transcript import Transcript
from pilwu_crypto.errors import InvalidParameters, InvalidProof, NotInGroup, OutOfRange
from pilwu_crypto.proofs.shuffle import (
    CiphertextVector,
    ShuffleProof,
    ShuffleWitness,
    check_permutation,
    check_shuffle_equations,
    inverse_permutation,
    prove_shuffle,
    random_permutation,
    reencrypt_vector,
    shuffle,
    shuffle_challenges,
    verify_shuffle,
)

CTX = b"\x22" * 32
SEED = b"pilwu-test-election/mix-generators"
PROPS = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
MAX_MESSAGE = 40


def tr(group: Group, context: bytes = CTX, domain: str = "mix", server: str = "mix-1", stage: int = 1) -> Transcript:
    """The transcript a mix chain would build: H_E as context, then server id and position."""
    t = Transcript(group, domain, context)
    t.append_text("mix-server", server)
    t.append_int("stage", stage)
    return t


def bump_element(x: Element) -> Element:
    return x * x.group.generator()


def bump_scalar(s: Scalar) -> Scalar:
    return s + 1


@pytest.fixture(scope="module")
def keys(group: Group) -> eg.SecretKey:
    return eg.SecretKey.generate(group)


def encrypt_vectors(pk: eg.PublicKey, messages: Sequence[Sequence[int]]) -> list[CiphertextVector]:
    return [CiphertextVector(tuple(eg.encrypt(pk, m).ciphertext for m in row)) for row in messages]


def decrypt_vectors(sk: eg.SecretKey, vectors: Sequence[CiphertextVector]) -> list[tuple[int, ...]]:
    dlog = eg.DiscreteLog(sk.group, MAX_MESSAGE)
    return [tuple(dlog.solve(eg.decrypt_to_element(sk, c)) for c in vec) for vec in vectors]


@dataclass(frozen=True)
class Case:
    """One honest shuffle with its proof, and everything needed to verify it."""

    group: Group
    sk: eg.SecretKey
    h: list[Element]
    messages: list[tuple[int, ...]]
    inputs: list[CiphertextVector]
    outputs: list[CiphertextVector]
    witness: ShuffleWitness
    proof: ShuffleProof

    @property
    def pk(self) -> eg.PublicKey:
        return self.sk.public_key

    def verify(self, *, transcript: Transcript | None = None, h: Sequence[Element] | None = None,
               inputs: Sequence[CiphertextVector] | None = None,
               outputs: Sequence[CiphertextVector] | None = None, proof: ShuffleProof | None = None) -> None:
        verify_shuffle(tr(self.group) if transcript is None else transcript, self.pk,
                       self.h if h is None else h, self.inputs if inputs is None else inputs,
                       self.outputs if outputs is None else outputs, self.proof if proof is None else proof)

    def challenges(self) -> tuple[list[int], Scalar]:
        return shuffle_challenges(tr(self.group), self.pk, self.h, self.inputs, self.outputs, self.proof)

    def check(self, e: Sequence[int], v: Scalar | int, proof: ShuffleProof | None = None) -> None:
        p = self.proof if proof is None else proof
        check_shuffle_equations(self.group, self.pk, self.h, self.inputs, self.outputs, p.u, p.commitment,
                                p.reply, e, v)


def make_case(group: Group, sk: eg.SecretKey, n: int, width: int, *, permutation: Sequence[int] | None = None,
              inputs: list[CiphertextVector] | None = None, messages: list[tuple[int, ...]] | None = None,
              use_h0_table: bool | None = None) -> Case:
    if messages is None:
        messages = [tuple((3 * i + 7 * lc) % MAX_MESSAGE for lc in range(width)) for i in range(n)]
    if inputs is None:
        inputs = encrypt_vectors(sk.public_key, messages)
    h = independent_generators(group, SEED, n)
    outputs, witness = shuffle(sk.public_key, inputs, permutation=permutation)
    proof = prove_shuffle(tr(group), sk.public_key, h, inputs, outputs, witness, use_h0_table=use_h0_table)
    return Case(group, sk, h, messages, inputs, outputs, witness, proof)


def assert_rejected(check: Callable[[], None], *equations: str, only: bool = False) -> str:
    """check() raises InvalidProof naming every listed equation (and, with only=True, no other)."""
    with pytest.raises(InvalidProof) as info:
        check()
    msg = str(info.value)
    named = set(re.findall(r"equation ([ABCDF]) fails", msg))
    assert named or not equations, msg
    for eq in equations:
        assert eq in named, msg
    if only:
        assert named == set(equations), msg
    return msg


@pytest.fixture(scope="module")
def case(group: Group, keys: eg.SecretKey) -> Case:
    return make_case(group, keys, 5, 2)


@pytest.fixture(scope="module")
def other(case: Case) -> Case:
    """Another honest shuffle of the same inputs (other permutation, nonces and proof)."""
    perm = list(reversed(range(len(case.inputs))))
    if tuple(perm) == case.witness.permutation:
        perm = perm[1:] + perm[:1]
    return make_case(case.group, case.sk, len(case.inputs), case.inputs[0].width, permutation=perm,
                     inputs=case.inputs, messages=case.messages)


# ---------------------------------------------------------------- permutations ----------
def test_random_permutation_is_always_a_permutation() -> None:
    for n in range(0, 25):
        for _ in range(20):
            p = random_permutation(n)
            assert sorted(p) == list(range(n))
            assert check_permutation(p, n) == tuple(p)


def test_random_permutation_reaches_every_permutation_of_three() -> None:
    counts = Counter(tuple(random_permutation(3)) for _ in range(600))
    assert len(counts) == 6, counts  # each has probability 1/6: missing one has probability < 2^-150
    assert min(counts.values()) > 40, counts  # expected 100 each; below 41 has probability < 1e-10


def test_random_permutation_rejects_bad_sizes() -> None:
    with pytest.raises(OutOfRange):
        random_permutation(-1)


@pytest.mark.parametrize("bad", [[0, 0, 1], [0, 1, 3], [0, 1], [0, 1, 2, 3], [0, True, 2], [-1, 0, 1]])
def test_check_permutation_rejects_non_permutations(bad: list[int]) -> None:
    with pytest.raises(OutOfRange):
        check_permutation(bad, 3)


def test_inverse_permutation() -> None:
    p = random_permutation(17)
    inv = inverse_permutation(p)
    assert [inv[p[i]] for i in range(17)] == list(range(17))


# ---------------------------------------------------------------- vectors and the shuffle ----
def test_ciphertext_vector_checks(group: Group, keys: eg.SecretKey) -> None:
    with pytest.raises(OutOfRange):
        CiphertextVector(())
    other = get_group("P-256" if group.name != "P-256" else "pilwu-test-512", allow_test=True)
    with pytest.raises(NotInGroup):
        CiphertextVector.of(eg.Ciphertext.identity(group), eg.Ciphertext.identity(other))
    vec = encrypt_vectors(keys.public_key, [(1, 2, 3)])[0]
    assert vec.width == len(vec) == 3 and vec.group is group
    assert len(vec.to_bytes()) == 6 * group.element_size
    nonces = [group.random_scalar() for _ in range(3)]
    re_vec = reencrypt_vector(keys.public_key, vec, nonces)
    assert re_vec != vec
    assert decrypt_vectors(keys, [re_vec]) == [(1, 2, 3)]
    assert decrypt_vectors(keys, [vec * CiphertextVector.identity(group, 3)]) == [(1, 2, 3)]
    with pytest.raises(OutOfRange):
        reencrypt_vector(keys.public_key, vec, nonces[:2])


def test_shuffle_convention_output_pi_i_is_input_i(group: Group, keys: eg.SecretKey) -> None:
    """output_{π(i)} = ReEnc(input_i): Verificatum's convention, stated in the docstring."""
    messages = [(i, i + 10) for i in range(6)]
    inputs = encrypt_vectors(keys.public_key, messages)
    perm = [2, 0, 5, 1, 4, 3]
    outputs, witness = shuffle(keys.public_key, inputs, permutation=perm)
    assert witness.permutation == tuple(perm)
    plain = decrypt_vectors(keys, outputs)
    for i in range(6):
        assert plain[perm[i]] == messages[i]
    # the nonces belong to the outputs: output_j = input_{π^-1(j)} * Enc(0, s_j)
    inv = inverse_permutation(perm)
    for j in range(6):
        assert reencrypt_vector(keys.public_key, inputs[inv[j]], witness.nonces[j]) == outputs[j]
    assert all(outputs[perm[i]] != inputs[i] for i in range(6))


def test_shuffle_refuses_bad_input(group: Group, keys: eg.SecretKey) -> None:
    pk = keys.public_key
    with pytest.raises(OutOfRange):
        shuffle(pk, [])
    mixed = encrypt_vectors(pk, [(1,)]) + encrypt_vectors(pk, [(1, 2)])
    with pytest.raises(OutOfRange):
        shuffle(pk, mixed)
    with pytest.raises(OutOfRange):
        shuffle(pk, encrypt_vectors(pk, [(1,), (2,)]), permutation=[1, 1])


def test_witness_repr_is_redacted(case: Case) -> None:
    text = repr(case.witness) + str(case.witness) + f"{case.witness}"
    assert "redacted" in text
    for row in case.witness.nonces:
        for s in row:
            assert format(s.value, "x") not in text and str(s.value) not in text
    assert str(case.witness.permutation) not in text


# ---------------------------------------------------------------- completeness -----------
@PROPS
@given(data=st.data(), n=st.integers(1, 3), width=st.integers(1, 3))
def test_completeness_small(group: Group, keys: eg.SecretKey, data: st.DataObject, n: int, width: int) -> None:
    perm = data.draw(st.permutations(list(range(n))))
    messages = data.draw(st.lists(st.tuples(*[st.integers(0, MAX_MESSAGE)] * width), min_size=n, max_size=n))
    c = make_case(group, keys, n, width, permutation=perm, messages=messages)
    c.verify()
    assert Counter(decrypt_vectors(keys, c.outputs)) == Counter(messages)


@pytest.mark.parametrize("width", [1, 2, 3])
def test_completeness_ten(group: Group, keys: eg.SecretKey, width: int) -> None:
    c = make_case(group, keys, 10, width)
    c.verify()
    assert Counter(decrypt_vectors(keys, c.outputs)) == Counter(c.messages)


@pytest.mark.parametrize("use_h0_table", [False, True])
def test_completeness_both_chain_paths(group: Group, keys: eg.SecretKey, use_h0_table: bool) -> None:
    """The direct chain and the one through a table for h_0 (N = 20: the table gets built)."""
    make_case(group, keys, 20, 1, use_h0_table=use_h0_table).verify()


def test_completeness_hundred_on_the_test_group() -> None:
    group = get_group("pilwu-test-512", allow_test=True)
    sk = eg.SecretKey.generate(group)
    c = make_case(group, sk, 100, 1, use_h0_table=True)
    c.verify()
    assert Counter(decrypt_vectors(sk, c.outputs)) == Counter(c.messages)


def test_identity_shuffle_with_zero_nonces_is_a_valid_shuffle(group: Group, keys: eg.SecretKey) -> None:
    """Outputs equal to the inputs (π = id, s = 0) are a correct re-encryption shuffle: the
    proof accepts them (it proves correctness, not that mixing happened)."""
    pk = keys.public_key
    inputs = encrypt_vectors(pk, [(1, 2), (3, 4), (5, 6)])
    zero = SecretScalar(group, 0)
    witness = ShuffleWitness((0, 1, 2), tuple((zero, zero) for _ in range(3)))
    h = independent_generators(group, SEED, 3)
    proof = prove_shuffle(tr(group), pk, h, inputs, inputs, witness)
    verify_shuffle(tr(group), pk, h, inputs, inputs, proof)


# ---------------------------------------------------------------- soundness: the statement --
def test_two_outputs_swapped_after_proving(case: Case) -> None:
    outs = list(case.outputs)
    outs[0], outs[3] = outs[3], outs[0]
    assert_rejected(lambda: case.verify(outputs=outs), "A")


def test_output_replaced_by_reencryption_of_another_input(case: Case) -> None:
    outs = list(case.outputs)
    inv = inverse_permutation(case.witness.permutation)
    # output 2 should hold input inv[2]; put a re-encryption of a different input there
    other_input = case.inputs[(inv[2] + 1) % len(case.inputs)]
    outs[2] = reencrypt_vector(case.pk, other_input, [case.group.random_scalar() for _ in range(other_input.width)])
    assert_rejected(lambda: case.verify(outputs=outs), "A")


def test_output_replaced_same_challenges_fails_equation_f(case: Case) -> None:
    """With e and v kept (the math core alone), a replaced output breaks exactly equation F."""
    e, v = case.challenges()
    outs = list(case.outputs)
    inv = inverse_permutation(case.witness.permutation)
    other_input = case.inputs[(inv[2] + 1) % len(case.inputs)]
    outs[2] = reencrypt_vector(case.pk, other_input, [case.group.random_scalar() for _ in range(other_input.width)])
    p = case.proof
    assert_rejected(lambda: check_shuffle_equations(case.group, case.pk, case.h, case.inputs, outs, p.u,
                                                    p.commitment, p.reply, e, v), "F", only=True)


def test_output_dropped(case: Case) -> None:
    msg = assert_rejected(lambda: case.verify(outputs=case.outputs[:-1]))
    assert "output list has 4 entries, input list 5" in msg


def test_output_duplicated(case: Case) -> None:
    # in place of another one (same length) ...
    outs = list(case.outputs)
    outs[1] = outs[0]
    assert_rejected(lambda: case.verify(outputs=outs), "A")
    # ... and appended (length mismatch)
    msg = assert_rejected(lambda: case.verify(outputs=[*case.outputs, case.outputs[0]]))
    assert "output list has 6 entries" in msg


def test_input_changed(case: Case) -> None:
    ins = list(case.inputs)
    ins[4] = encrypt_vectors(case.pk, [case.messages[4]])[0]
    assert_rejected(lambda: case.verify(inputs=ins), "A")


def test_width_mismatch_is_invalid(case: Case) -> None:
    narrow = [CiphertextVector(v.components[:1]) for v in case.outputs]
    assert_rejected(lambda: case.verify(outputs=narrow))


def test_permutation_commitment_from_another_proof(case: Case, other: Case) -> None:
    forged = dataclasses.replace(case.proof, u=other.proof.u)
    assert_rejected(lambda: case.verify(proof=forged), "A")


@pytest.mark.parametrize("where", ["election", "domain", "server", "stage"])
def test_proof_replayed_on_another_context(case: Case, where: str) -> None:
    transcripts = {
        "election": lambda: tr(case.group, context=b"\x23" * 32),
        "domain": lambda: tr(case.group, domain="mix-other"),
        "server": lambda: tr(case.group, server="mix-2"),
        "stage": lambda: tr(case.group, stage=2),
    }
    t = transcripts[where]()
    assert_rejected(lambda: case.verify(transcript=t), "A")


def test_proof_replayed_without_the_shuffle_tag(case: Case) -> None:
    assert DST_SHUFFLE == "PILWU-V1-shuffle"
    t = tr(case.group)
    t.append_bytes("proof", b"PILWU-V1-something-else")  # a transcript already used by another proof
    assert_rejected(lambda: case.verify(transcript=t), "A")


def test_stage_whose_output_is_its_input_with_a_forged_proof(case: Case, other: Case) -> None:
    # the proof of another (honest) shuffle of the same inputs
    assert_rejected(lambda: case.verify(outputs=case.inputs, proof=other.proof), "A")
    assert_rejected(lambda: case.verify(outputs=case.inputs), "A")
    # a proof computed over (inputs -> inputs) with a witness that does not fit
    bad = prove_shuffle(tr(case.group), case.pk, case.h, case.inputs, case.inputs, case.witness)
    assert_rejected(lambda: case.verify(outputs=case.inputs, proof=bad), "F")


# ---------------------------------------------------------------- Fiat–Shamir binding -----
def test_challenges_bind_the_whole_statement_and_the_commitments(case: Case, other: Case) -> None:
    """e depends on g, K, every generator, u, every input and output; v also on τ^pos."""
    group = case.group
    e0, v0 = case.challenges()
    ins, outs = list(case.inputs), list(case.outputs)
    ins[0], ins[1] = ins[1], ins[0]
    outs[2], outs[4] = outs[4], outs[2]
    other_h = list(case.h)
    other_h[4] = independent_generators(group, b"another seed", 5)[4]
    statement_changes = {
        "pk": lambda: shuffle_challenges(tr(group), eg.SecretKey.generate(group).public_key, case.h,
                                         case.inputs, case.outputs, case.proof),
        "h": lambda: shuffle_challenges(tr(group), case.pk, other_h, case.inputs, case.outputs, case.proof),
        "u": lambda: shuffle_challenges(tr(group), case.pk, case.h, case.inputs, case.outputs,
                                        dataclasses.replace(case.proof, u=other.proof.u)),
        "inputs": lambda: shuffle_challenges(tr(group), case.pk, case.h, ins, case.outputs, case.proof),
        "outputs": lambda: shuffle_challenges(tr(group), case.pk, case.h, case.inputs, outs, case.proof),
        "context": lambda: shuffle_challenges(tr(group, stage=7), case.pk, case.h, case.inputs, case.outputs,
                                              case.proof),
    }
    for name, derive in statement_changes.items():
        e, v = derive()
        assert e != e0 and v != v0, name
    e, v = shuffle_challenges(tr(group), case.pk, case.h, case.inputs, case.outputs,
                              dataclasses.replace(case.proof, commitment=other.proof.commitment))
    assert e == e0 and v != v0
    # the replies are not hashed (they are checked by the equations)
    e, v = shuffle_challenges(tr(group), case.pk, case.h, case.inputs, case.outputs,
                              dataclasses.replace(case.proof, reply=other.proof.reply))
    assert (e, v) == (e0, v0)


# ---------------------------------------------------------------- soundness: the proof ------
def test_honest_challenges_pass_the_math_core(case: Case) -> None:
    e, v = case.challenges()
    assert len(e) == len(case.inputs) and all(0 <= x < 2**128 for x in e)
    case.check(e, v)


def test_challenge_v_changed(case: Case) -> None:
    e, v = case.challenges()
    assert_rejected(lambda: case.check(e, v + 1), "A", "B", "C", "D", "F")


@pytest.mark.parametrize("i", [0, 4])
def test_batching_value_e_i_changed(case: Case, i: int) -> None:
    e, v = case.challenges()
    e2 = list(e)
    e2[i] += 1
    assert_rejected(lambda: case.check(e2, v), "A")


def test_batching_vector_of_wrong_length(case: Case) -> None:
    e, v = case.challenges()
    assert_rejected(lambda: case.check(e[:-1], v))


def replace_reply(proof: ShuffleProof, **changes: object) -> ShuffleProof:
    return dataclasses.replace(proof, reply=dataclasses.replace(proof.reply, **changes))  # type: ignore[arg-type]


def replace_commitment(proof: ShuffleProof, **changes: object) -> ShuffleProof:
    return dataclasses.replace(proof, commitment=dataclasses.replace(proof.commitment, **changes))  # type: ignore[arg-type]


def bump_at(values: tuple[Scalar, ...], i: int) -> tuple[Scalar, ...]:
    return tuple(bump_scalar(s) if k == i else s for k, s in enumerate(values))


def bump_element_at(values: tuple[Element, ...], i: int) -> tuple[Element, ...]:
    return tuple(bump_element(x) if k == i else x for k, x in enumerate(values))


def test_reply_k_a_changed(case: Case) -> None:
    p = replace_reply(case.proof, k_A=bump_scalar(case.proof.reply.k_A))
    assert_rejected(lambda: case.verify(proof=p), "A", only=True)


@pytest.mark.parametrize("i", [0, 2, 4])
def test_reply_k_b_i_changed(case: Case, i: int) -> None:
    p = replace_reply(case.proof, k_B=bump_at(case.proof.reply.k_B, i))
    msg = assert_rejected(lambda: case.verify(proof=p), "B", only=True)
    assert f"equation B fails at i = {i}:" in msg


def test_reply_k_c_changed(case: Case) -> None:
    p = replace_reply(case.proof, k_C=bump_scalar(case.proof.reply.k_C))
    assert_rejected(lambda: case.verify(proof=p), "C", only=True)


def test_reply_k_d_changed(case: Case) -> None:
    p = replace_reply(case.proof, k_D=bump_scalar(case.proof.reply.k_D))
    assert_rejected(lambda: case.verify(proof=p), "D", only=True)


@pytest.mark.parametrize("i", [0, 3])
def test_reply_k_e_i_changed(case: Case, i: int) -> None:
    p = replace_reply(case.proof, k_E=bump_at(case.proof.reply.k_E, i))
    msg = assert_rejected(lambda: case.verify(proof=p), "A", "B", "F", only=True)
    assert f"equation B fails at i = {i}:" in msg


@pytest.mark.parametrize("j", [0, 1])
def test_reply_k_f_j_changed(case: Case, j: int) -> None:
    p = replace_reply(case.proof, k_F=bump_at(case.proof.reply.k_F, j))
    msg = assert_rejected(lambda: case.verify(proof=p), "F", only=True)
    assert f"equation F fails for component {j} (alpha and beta)" in msg


COMMITMENT_CHANGES: dict[str, tuple[Callable[[ShuffleProof], ShuffleProof], tuple[str, ...]]] = {
    # name: (tampering, equations that fail when e and v are kept)
    "B[0]": (lambda p: replace_commitment(p, B=bump_element_at(p.commitment.B, 0)), ("B",)),
    "B[N-1]": (lambda p: replace_commitment(p, B=bump_element_at(p.commitment.B, len(p.u) - 1)), ("B", "D")),
    "A'": (lambda p: replace_commitment(p, A_prime=bump_element(p.commitment.A_prime)), ("A",)),
    "B'[2]": (lambda p: replace_commitment(p, B_prime=bump_element_at(p.commitment.B_prime, 2)), ("B",)),
    "C'": (lambda p: replace_commitment(p, C_prime=bump_element(p.commitment.C_prime)), ("C",)),
    "D'": (lambda p: replace_commitment(p, D_prime=bump_element(p.commitment.D_prime)), ("D",)),
    "F'[1].alpha": (lambda p: replace_commitment(p, F_prime=CiphertextVector(tuple(
        eg.Ciphertext(bump_element(c.alpha), c.beta) if k == 1 else c
        for k, c in enumerate(p.commitment.F_prime)))), ("F",)),
    "F'[0].beta": (lambda p: replace_commitment(p, F_prime=CiphertextVector(tuple(
        eg.Ciphertext(c.alpha, bump_element(c.beta)) if k == 0 else c
        for k, c in enumerate(p.commitment.F_prime)))), ("F",)),
}


@pytest.mark.parametrize("name", sorted(COMMITMENT_CHANGES))
def test_commitment_changed(case: Case, name: str) -> None:
    tamper, expected = COMMITMENT_CHANGES[name]
    p = tamper(case.proof)
    # through Fiat–Shamir: v changes, the proof fails
    assert_rejected(lambda: case.verify(proof=p), "A")
    # the math core with the honest e and v: exactly the equations using that commitment
    e, v = case.challenges()
    assert_rejected(lambda: case.check(e, v, proof=p), *expected, only=True)


def test_u_changed(case: Case) -> None:
    p = dataclasses.replace(case.proof, u=bump_element_at(case.proof.u, 1))
    assert_rejected(lambda: case.verify(proof=p), "A")
    e, v = case.challenges()
    assert_rejected(lambda: case.check(e, v, proof=p), "A", "C", only=True)


@pytest.mark.parametrize("field", ["u", "B", "B_prime", "k_B", "k_E", "k_F", "F_prime"])
def test_truncated_proof_is_invalid(case: Case, field: str) -> None:
    p = case.proof
    if field == "u":
        p = dataclasses.replace(p, u=p.u[:-1])
    elif field in ("B", "B_prime"):
        p = replace_commitment(p, **{field: getattr(p.commitment, field)[:-1]})
    elif field == "F_prime":
        p = replace_commitment(p, F_prime=CiphertextVector(p.commitment.F_prime.components[:1]))
    else:
        p = replace_reply(p, **{field: getattr(p.reply, field)[:-1]})
    msg = assert_rejected(lambda: case.verify(proof=p))
    assert "entries, expected" in msg


# ---------------------------------------------------------------- generators (A4) ---------
def test_a4_generators_not_from_seed_rejected(case: Case) -> None:
    """Checklist A4: generators must be the ones hash-derived from the election's seed.

    A prover who chose h_i = g^{x_i} knows their discrete logs (a trapdoor: Swiss Post
    2019).  The proof binds the generators it was made with, so the verifier must
    re-derive them from the seed; check_generators refuses any other list.
    """
    group, n = case.group, len(case.inputs)
    check_generators(group, SEED, case.h)  # the honest ones pass
    trapdoor = [group.exp_g(group.random_nonzero_scalar()) for _ in range(n)]
    with pytest.raises(InvalidParameters, match="generator 0"):
        check_generators(group, SEED, trapdoor)
    other_seed = independent_generators(group, b"another seed", n)
    with pytest.raises(InvalidParameters):
        check_generators(group, SEED, other_seed)
    one_swapped = [*case.h[:2], other_seed[2], *case.h[3:]]
    with pytest.raises(InvalidParameters, match="generator 2"):
        check_generators(group, SEED, one_swapped)
    # a proof made over trapdoor generators is consistent with them (which is why the
    # verifier must re-derive them) and fails against the seed's generators
    outs, wit = shuffle(case.pk, case.inputs)
    p = prove_shuffle(tr(group), case.pk, trapdoor, case.inputs, outs, wit)
    verify_shuffle(tr(group), case.pk, trapdoor, case.inputs, outs, p)
    assert_rejected(lambda: verify_shuffle(tr(group), case.pk, case.h, case.inputs, outs, p), "A")
    # the honest proof, checked against other generators, fails too
    assert_rejected(lambda: case.verify(h=other_seed), "A")


@pytest.mark.parametrize("kind", ["identity", "g", "duplicate"])
def test_degenerate_generators_refused(case: Case, kind: str) -> None:
    group = case.group
    bad = list(case.h)
    bad[3] = {"identity": group.identity(), "g": group.generator(), "duplicate": bad[0]}[kind]
    with pytest.raises(InvalidParameters, match="generator 3"):
        case.verify(h=bad)
    with pytest.raises(InvalidParameters, match="generator 3"):
        prove_shuffle(tr(group), case.pk, bad, case.inputs, case.outputs, case.witness)


def test_wrong_number_of_generators(case: Case) -> None:
    msg = assert_rejected(lambda: case.verify(h=case.h[:-1]))
    assert "generators for 5" in msg
    with pytest.raises(OutOfRange):
        prove_shuffle(tr(case.group), case.pk, case.h[:-1], case.inputs, case.outputs, case.witness)


def test_prover_refuses_a_malformed_witness(case: Case) -> None:
    w = case.witness
    with pytest.raises(OutOfRange):
        prove_shuffle(tr(case.group), case.pk, case.h, case.inputs, case.outputs,
                      ShuffleWitness((0, 0, 1, 2, 3), w.nonces))
    with pytest.raises(OutOfRange):
        prove_shuffle(tr(case.group), case.pk, case.h, case.inputs, case.outputs,
                      ShuffleWitness(w.permutation, w.nonces[:-1]))


def test_b_prime_with_order_two_component_is_caught_at_its_index() -> None:
    """Boyd–Pavlovski for the batched B equations: -B'_i (a valid element times -1, which
    exists only in Z_p*, hence the integer group alone) must not slip through the weighted
    product; the per-index check names i (with the same e, v)."""
    group = get_group("pilwu-test-512", allow_test=True)
    assert isinstance(group, ModPGroup)
    case = make_case(group, eg.SecretKey.generate(group), 8, 1)
    e, v = case.challenges()
    neg = Element(case.group, case.group.p - case.proof.commitment.B_prime[4].raw)
    primes = tuple(neg if k == 4 else b for k, b in enumerate(case.proof.commitment.B_prime))
    p = replace_commitment(case.proof, B_prime=primes)
    msg = assert_rejected(lambda: case.check(e, v, proof=p), "B", only=True)
    assert "equation B fails at i = 4:" in msg
