"""The election's mix-net (election/mixnet.py): mix input, mix chain, decryption of the final list.

Completeness: N in {1, 3, 10} ballots of width 1–2 through k = 3 registered mix servers,
decrypted by t = 2 of n = 3 trustees (one absent); the decoded multiset equals what was
cast and, for option-index ballots, the counts equal a homomorphic tally of the same
choices.  Write-in names round-trip on P-256 and are refused on the integer group.
Refusals: a copied ballot entering the mix (A10), a mix input that is not the cast list,
and every chain fault (bad proof, unregistered server, bad signature, one server twice
(A25), stages out of order, proofs replayed from another position or election), each
named by stage and server; a bad decryption share is named and dropped.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from pilwu_crypto import elgamal as eg
from pilwu_crypto.algebra.domains import DST_MIX_INPUT
from pilwu_crypto.algebra.group import Element, Group
from pilwu_crypto.election.context import ElectionContext
from pilwu_crypto.election.device import VotingDevice
from pilwu_crypto.election.mixnet import (
    MixBallot,
    MixDecryptionShare,
    MixServer,
    MixServerRegistration,
    MixStage,
    check_mix_input,
    decode_verified,
    decrypt_final_list,
    encrypt_mix_ballot,
    mix_generators,
    mix_input,
    run_stage,
    stage_message,
    verify_and_decode,
    verify_chain,
    verify_mix_ballot,
    verify_mix_decryption_shares,
)
from pilwu_crypto.election.plaintext import encode_small, encode_write_in
from pilwu_crypto.election.setup import ElectionSetup
from pilwu_crypto.election.simulation import context_from_ceremony, hold_ceremony, kuwu_manifest
from pilwu_crypto.errors import (
    DecryptionError,
    InvalidBallot,
    InvalidParameters,
    InvalidProof,
    NotEnoughShares,
    UnsupportedEncoding,
)
from pilwu_crypto.proofs.nonce import prove_nonce_knowledge
from pilwu_crypto.proofs.shuffle import CiphertextVector, reencrypt_vector
from pilwu_crypto.threshold import decryption as tdec
from pilwu_crypto.threshold.dkg import KeyedTrustee

CANDIDATES = ["Ki Ahmad", "Nyi Siti", "Ki Darma"]
OPTIONS = len(CANDIDATES)
SERVER_IDS = ("mix-a", "mix-b", "mix-c")


@dataclass(frozen=True)
class Election:
    """A held key ceremony: the context, the keyed trustees and their verification keys."""

    context: ElectionContext
    trustees: tuple[KeyedTrustee, ...]
    verification_keys: dict[int, Element]

    @property
    def present(self) -> tuple[KeyedTrustee, ...]:
        """Trustees 1 and 3: trustee 2 is absent, t = 2 of n = 3 decrypt."""
        return self.trustees[0], self.trustees[2]


@pytest.fixture(scope="module")
def servers() -> tuple[MixServer, ...]:
    return tuple(MixServer.generate(sid) for sid in SERVER_IDS)


@pytest.fixture(scope="module")
def election(group: Group, servers: tuple[MixServer, ...]) -> Election:
    """The mix servers are registered in the setup before the ceremony (H_B binds them)."""
    manifest = kuwu_manifest(CANDIDATES)
    setup = ElectionSetup((VotingDevice.generate("device-1").registration,), tuple(registrations(servers)))
    outcome = hold_ceremony(group, manifest, ["trustee-1", "trustee-2", "trustee-3"], 2, setup)
    context = context_from_ceremony(manifest, outcome.ceremony, outcome.digests, outcome.reveals, outcome.shares)
    return Election(context, outcome.trustees, outcome.trustees[0].verification_keys)


def registrations(servers: Sequence[MixServer]) -> list[MixServerRegistration]:
    return [s.registration for s in servers]


def cast_small(context: ElectionContext, choices: Sequence[Sequence[int]]) -> list[MixBallot]:
    """One mix ballot per voter, each component an option index or rank in the exponent."""
    return [encrypt_mix_ballot(context, f"ballot-{i:04d}", [encode_small(context.group, m) for m in row])[0]
            for i, row in enumerate(choices)]


def run_chain(context: ElectionContext, servers: Sequence[MixServer],
              first_input: Sequence[CiphertextVector]) -> list[MixStage]:
    generators = mix_generators(context, len(first_input))
    stages: list[MixStage] = []
    current = list(first_input)
    for k, server in enumerate(servers, start=1):
        stage = run_stage(context, server, k, generators, current)
        stages.append(stage)
        current = list(stage.outputs)
    return stages


def resign(context: ElectionContext, server: MixServer, stage: MixStage,
           inputs: Sequence[CiphertextVector]) -> MixStage:
    """The stage as its server would publish it after tampering: signed again with its own key."""
    return dataclasses.replace(stage, signature=server.sign(stage_message(context, stage, inputs)))


def decrypt(election: Election, final_list: Sequence[CiphertextVector]) -> list[MixDecryptionShare]:
    return [decrypt_final_list(election.context, t, final_list) for t in election.present]


def homomorphic_counts(election: Election, choices: Sequence[int]) -> Counter[int]:
    """Counts per option from a homomorphic tally of one-hot encryptions of the same choices,
    decrypted by the present trustees (t = 2 of 3, proofs checked)."""
    context = election.context
    key = context.joint_key
    counts: Counter[int] = Counter()
    dlog = eg.DiscreteLog(context.group, len(choices))
    for option in range(OPTIONS):
        total = eg.sum_ciphertexts(context.group, [eg.encrypt(key, int(c == option)).ciphertext for c in choices])
        base = context.transcript("test-homomorphic-tally")
        partials = {}
        for t in election.present:
            share = t.decryption_share(base.copy(), total)
            tdec.verify_decryption_share(base.copy(), t.index, t.verification_key, total, share.partial, share.proof)
            partials[t.index] = share.partial
        count = dlog.solve(tdec.combine(context.group, total, partials, context.threshold))
        if count:
            counts[option] = count
    return counts


# ---- completeness ---------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 3, 10])
@pytest.mark.parametrize("width", [1, 2])
def test_full_pipeline_small_integers(election: Election, servers: tuple[MixServer, ...],
                                      n: int, width: int) -> None:
    context = election.context
    rng = random.Random(100 * n + width)
    choices = [tuple(rng.randrange(OPTIONS) for _ in range(width)) for _ in range(n)]
    ballots = cast_small(context, choices)
    first_input = mix_input(context, ballots)
    check_mix_input(context, ballots, first_input)
    stages = run_chain(context, servers, first_input)
    generators = mix_generators(context, n)
    final = verify_chain(context, registrations(servers), generators, first_input, stages, min_servers=3)
    assert final == list(stages[-1].outputs)
    assert {v.to_bytes() for v in final}.isdisjoint(v.to_bytes() for v in first_input)
    shares = decrypt(election, final)
    decoded = verify_and_decode(context, final, shares, election.verification_keys, encoding="small",
                                bound=OPTIONS - 1)
    assert Counter(decoded) == Counter(choices)
    # option-index ballots (the first component): mixed counts == homomorphic tally counts
    mixed_counts = Counter(row[0] for row in decoded)
    assert mixed_counts == homomorphic_counts(election, [row[0] for row in choices])


def test_write_ins_on_curves_and_refused_on_integer_groups(election: Election,
                                                           servers: tuple[MixServer, ...]) -> None:
    context = election.context
    group = context.group
    if group.name != "P-256":
        with pytest.raises(UnsupportedEncoding, match="P-256"):
            encode_write_in(group, "Ki Ahmad", 2)
        # even a list of small-integer ballots cannot be decoded as text on this group
        ballots = cast_small(context, [(1,), (2,)])
        final = list(mix_input(context, ballots))
        with pytest.raises(UnsupportedEncoding, match="P-256"):
            verify_and_decode(context, final, [], election.verification_keys, encoding="text")
        return
    names = ["Ki Ahmad", "Nyi Siti Ñoñó", "", "Raden Mas Panji Asmarabangun Jayaningrat"]
    assert len(names[3].encode()) > 28  # needs both elements of the width
    ballots = [encrypt_mix_ballot(context, f"w-{i}", encode_write_in(group, name, 2))[0]
               for i, name in enumerate(names)]
    first_input = mix_input(context, ballots)
    stages = run_chain(context, servers, first_input)
    final = verify_chain(context, registrations(servers), mix_generators(context, len(names)), first_input,
                         stages, min_servers=3)
    decoded = verify_and_decode(context, final, decrypt(election, final), election.verification_keys,
                                encoding="text")
    assert Counter(decoded) == Counter(names)


# ---- mix input (A10) ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cast(election: Election) -> list[MixBallot]:
    return cast_small(election.context, [(0,), (1,), (2,), (1,)])


def test_mix_ballot_proof_is_bound_to_id_and_election(election: Election, cast: list[MixBallot]) -> None:
    context = election.context
    for b in cast:
        verify_mix_ballot(context, b)
    victim = cast[0]
    with pytest.raises(InvalidBallot, match="mix ballot ballot-9999"):
        verify_mix_ballot(context, dataclasses.replace(victim, ballot_id="ballot-9999"))
    other = dataclasses.replace(context, election_hash=hashlib.sha256(b"another election").digest())
    with pytest.raises(InvalidBallot, match="ballot-0000"):
        verify_mix_ballot(other, victim)
    with pytest.raises(InvalidBallot, match="ballot id"):
        encrypt_mix_ballot(context, "bad id!", [context.group.generator()])
    with pytest.raises(InvalidBallot, match="at least one"):
        encrypt_mix_ballot(context, "ballot-x", [])


def test_a10_copied_ballots_are_refused(election: Election, cast: list[MixBallot]) -> None:
    context = election.context
    group, key = context.group, context.joint_key
    victim = cast[1]
    r_prime = [group.random_scalar()]
    rerandomized = reencrypt_vector(key, victim.ciphertexts, r_prime)
    shifted = CiphertextVector.of(rerandomized.components[0]
                                  * eg.encrypt_with_nonce(key, 1, group.random_scalar()))

    def attempt(copy: MixBallot) -> None:
        with pytest.raises(InvalidBallot, match=copy.ballot_id):
            mix_input(context, [*cast, copy])

    # a re-randomised copy under the attacker's id, with the victim's proof
    attempt(MixBallot("ballot-evil", rerandomized, victim.proof))
    # ... with a proof made from the only nonce the attacker knows (r')
    t = context.transcript(DST_MIX_INPUT)
    t.append_text("ballot", "ballot-evil")
    attempt(MixBallot("ballot-evil", rerandomized, prove_nonce_knowledge(t, key, rerandomized.components, r_prime)))
    # a homomorphically shifted copy, and a verbatim copy under another id
    attempt(MixBallot("ballot-evil", shifted, victim.proof))
    attempt(MixBallot("ballot-evil", victim.ciphertexts, victim.proof))
    # the same ballot twice
    with pytest.raises(InvalidBallot, match="ballot-0001 appears twice"):
        mix_input(context, [*cast, victim])


def test_a10_repeated_alpha_is_refused_even_with_a_valid_proof(election: Election) -> None:
    # whoever knows a ballot's nonces (its own voter, a leaky device) can prove them under a
    # second id: the repeated alpha still stops the duplicate from entering the mix
    context = election.context
    original, nonces = encrypt_mix_ballot(context, "ballot-a", [encode_small(context.group, 2)])
    t = context.transcript(DST_MIX_INPUT)
    t.append_text("ballot", "ballot-b")
    twin = MixBallot("ballot-b", original.ciphertexts,
                     prove_nonce_knowledge(t, context.joint_key, original.ciphertexts.components, nonces))
    verify_mix_ballot(context, twin)
    with pytest.raises(InvalidBallot, match="ballot-b component 0 repeats an alpha of ballot ballot-a"):
        mix_input(context, [original, twin])


def test_mix_input_must_be_exactly_the_cast_ballots(election: Election, cast: list[MixBallot]) -> None:
    context = election.context
    first = mix_input(context, cast)
    assert first == [b.ciphertexts for b in cast]
    check_mix_input(context, cast, first)
    extra, _ = encrypt_mix_ballot(context, "ballot-extra", [encode_small(context.group, 0)])
    cases = {
        "dropped": ([*first[:1], *first[2:]], r"position 1: not the cast ballot ballot-0001 \(it was dropped\)"),
        "dropped last": (first[:-1], "position 3: cast ballot ballot-0003 is missing"),
        "added": ([*first[:2], extra.ciphertexts, *first[2:]],
                  r"position 2: not the cast ballot ballot-0002 \(an entry was added before it\)"),
        "added last": ([*first, extra.ciphertexts], "position 4: an entry that is not a cast ballot was added"),
        "replaced": ([*first[:2], extra.ciphertexts, *first[3:]],
                     r"position 2: not the cast ballot ballot-0002 \(it was replaced\)"),
        "reordered": ([first[1], first[0], *first[2:]], "position 0: not the cast ballot ballot-0000"),
    }
    for claimed, message in cases.values():
        with pytest.raises(InvalidBallot, match=message):
            check_mix_input(context, cast, claimed)


# ---- the chain ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chain:
    first_input: list[CiphertextVector]
    generators: list[Element]
    stages: list[MixStage]


@pytest.fixture(scope="module")
def chain(election: Election, servers: tuple[MixServer, ...], cast: list[MixBallot]) -> Chain:
    context = election.context
    first = mix_input(context, cast)
    return Chain(first, mix_generators(context, len(first)), run_chain(context, servers, first))


def verify(election: Election, servers: Sequence[MixServer], chain: Chain, stages: Sequence[MixStage],
           min_servers: int = 2) -> list[CiphertextVector]:
    return verify_chain(election.context, registrations(servers), chain.generators, chain.first_input,
                        stages, min_servers=min_servers)


def test_honest_chain_verifies(election: Election, servers: tuple[MixServer, ...], chain: Chain) -> None:
    assert verify(election, servers, chain, chain.stages, min_servers=3) == list(chain.stages[-1].outputs)
    with pytest.raises(InvalidProof, match=r"2 stage\(s\) by distinct mix servers, at least 3 required"):
        verify(election, servers, chain, chain.stages[:2], min_servers=3)
    # generators not derived from the election's seed (A4)
    other = dataclasses.replace(election.context, election_hash=hashlib.sha256(b"x").digest())
    with pytest.raises(InvalidParameters, match="generator 0"):
        verify_chain(election.context, registrations(servers), mix_generators(other, 4), chain.first_input,
                     chain.stages)


def test_bad_proof_is_attributed_to_its_server(election: Election, servers: tuple[MixServer, ...],
                                               chain: Chain) -> None:
    context = election.context
    s2 = chain.stages[1]
    outs = list(s2.outputs)
    outs[0], outs[1] = outs[1], outs[0]  # two outputs swapped after proving
    bad = resign(context, servers[1], dataclasses.replace(s2, outputs=tuple(outs)), chain.stages[0].outputs)
    stages = [chain.stages[0], bad, chain.stages[2]]
    with pytest.raises(InvalidProof, match=r"stage 2 \(mix server mix-b\): shuffle proof rejected"):
        verify(election, servers, chain, stages)


def test_unregistered_server_and_bad_signature(election: Election, servers: tuple[MixServer, ...],
                                               chain: Chain) -> None:
    with pytest.raises(InvalidProof, match=r"stage 3 \(mix server mix-c\): mix server mix-c is not registered"):
        verify_chain(election.context, registrations(servers[:2]), chain.generators, chain.first_input,
                     chain.stages)
    s1, s2, s3 = chain.stages
    forged = bytes([s2.signature[0] ^ 1]) + s2.signature[1:]
    for signature in (forged, s1.signature, b"\x00" * 10):
        stages = [s1, dataclasses.replace(s2, signature=signature), s3]
        with pytest.raises(InvalidProof, match=r"stage 2 \(mix server mix-b\): .*signature"):
            verify(election, servers, chain, stages)
    # a stage signed by another registered server's key
    impostor = dataclasses.replace(s2, signature=servers[0].sign(stage_message(election.context, s2, s1.outputs)))
    with pytest.raises(InvalidProof, match=r"stage 2 \(mix server mix-b\): the stage signature does not verify"):
        verify(election, servers, chain, [s1, impostor, s3])
    # a server that registers one key under two names is one server
    twin = MixServerRegistration("mix-d", servers[0].registration.public_key)
    with pytest.raises(InvalidParameters, match="share a public key"):
        verify_chain(election.context, [*registrations(servers), twin], chain.generators, chain.first_input,
                     chain.stages)


def test_a25_one_server_cannot_mix_twice(election: Election, servers: tuple[MixServer, ...],
                                         chain: Chain) -> None:
    context = election.context
    a, b = servers[0], servers[1]
    s1 = chain.stages[0]
    again = run_stage(context, a, 2, chain.generators, s1.outputs)
    with pytest.raises(InvalidProof, match=r"stage 2 \(mix server mix-a\): mix server mix-a already mixed at "
                                           r"stage 1.*A25"):
        verify(election, servers, chain, [s1, again])
    third = run_stage(context, b, 3, chain.generators, again.outputs)
    with pytest.raises(InvalidProof, match=r"stage 2 \(mix server mix-a\).*A25"):
        verify(election, servers, chain, [s1, again, third])
    # a single server (even one stage) is below the default minimum of 2 distinct servers
    with pytest.raises(InvalidProof, match="at least 2 required"):
        verify(election, servers, chain, [s1])


def test_stages_out_of_order(election: Election, servers: tuple[MixServer, ...], chain: Chain) -> None:
    s1, s2, s3 = chain.stages
    with pytest.raises(InvalidProof, match=r"stage 2 \(mix server mix-b\): is number 1 in the chain"):
        verify(election, servers, chain, [s2, s1, s3])
    with pytest.raises(InvalidProof, match=r"stage 3 \(mix server mix-c\): is number 2 in the chain"):
        verify(election, servers, chain, [s1, s3])


def test_proof_replayed_from_another_position_or_election(election: Election, servers: tuple[MixServer, ...],
                                                          chain: Chain) -> None:
    context = election.context
    a = servers[0]
    first = chain.first_input
    # a stage proved for position 2, published (and signed by its server) as position 1
    at_two = run_stage(context, a, 2, chain.generators, first)
    moved = resign(context, a, dataclasses.replace(at_two, position=1), first)
    with pytest.raises(InvalidProof, match=r"stage 1 \(mix server mix-a\): shuffle proof rejected"):
        verify(election, servers, chain, [moved, *chain.stages[1:]])
    # a stage proved by server a, published as server b's (signed by b)
    relabelled = resign(context, servers[1], dataclasses.replace(chain.stages[0], server_id="mix-b"), first)
    with pytest.raises(InvalidProof, match=r"stage 1 \(mix server mix-b\): shuffle proof rejected"):
        verify(election, servers, chain, [relabelled], min_servers=1)
    # a stage from another election with the same key: its signature, then its proof fail
    other = dataclasses.replace(context, election_hash=hashlib.sha256(b"another election").digest())
    foreign = run_stage(other, a, 1, chain.generators, first)
    with pytest.raises(InvalidProof, match=r"stage 1 \(mix server mix-a\): the stage signature does not verify"):
        verify(election, servers, chain, [foreign, *chain.stages[1:]])
    with pytest.raises(InvalidProof, match=r"stage 1 \(mix server mix-a\): shuffle proof rejected"):
        verify(election, servers, chain, [resign(context, a, foreign, first), *chain.stages[1:]])


def test_mix_server_keys_and_signing_policy(servers: tuple[MixServer, ...]) -> None:
    a = servers[0]
    assert "redacted" in repr(a) and "redacted" in str(a)
    with pytest.raises(InvalidParameters, match="refuses to sign"):
        a.sign(b"\x00\x00\x00\x05hello")
    with pytest.raises(InvalidParameters, match="32 raw bytes"):
        MixServerRegistration("mix-x", b"\x01" * 31)
    with pytest.raises(InvalidParameters, match=r"small order|not an Ed25519 point|canonical"):
        MixServerRegistration("mix-x", b"\x01" + b"\x00" * 31)  # the identity point
    with pytest.raises(InvalidParameters, match="mix server id"):
        MixServerRegistration("bad id", a.registration.public_key)


# ---- verifiable decryption ------------------------------------------------------------------------


def test_bad_decryption_share_is_named_and_dropped(election: Election, chain: Chain) -> None:
    context = election.context
    final = list(chain.stages[-1].outputs)
    shares = [decrypt_final_list(context, t, final) for t in election.trustees]  # all three present
    good = verify_and_decode(context, final, shares, election.verification_keys, encoding="small",
                             bound=OPTIONS - 1)
    assert Counter(good) == Counter([(0,), (1,), (2,), (1,)])
    bad = shares[0]
    g = context.group.generator()
    row = (bad.partials[2][0] * g,)
    cheat = dataclasses.replace(bad, partials=(*bad.partials[:2], row, *bad.partials[3:]))
    valid, rejected = verify_mix_decryption_shares(context, final, [cheat, *shares[1:]], election.verification_keys)
    assert sorted(valid) == [2, 3]
    assert list(rejected) == [1]
    assert "trustee 1 (trustee-1), vector 2 component 0" in rejected[1]
    decoded = verify_and_decode(context, final, [cheat, *shares[1:]], election.verification_keys,
                                encoding="small", bound=OPTIONS - 1)
    assert Counter(decoded) == Counter(good)
    # the verifier's path: shares verified once, then decoded without re-checking
    assert decode_verified(context, final, valid, encoding="small", bound=OPTIONS - 1) == decoded
    with pytest.raises(NotEnoughShares):
        decode_verified(context, final, {2: valid[2]}, encoding="small", bound=OPTIONS - 1)
    with pytest.raises(NotEnoughShares, match=r"1 valid mix decryption shares, 2 needed.*trustee 1 \(trustee-1\)"):
        verify_and_decode(context, final, [cheat, shares[2]], election.verification_keys, encoding="small",
                          bound=OPTIONS - 1)
    # shares of another list (or another election) do not verify for this one
    other_list = list(chain.stages[-2].outputs)
    _, rejected = verify_mix_decryption_shares(context, other_list, shares, election.verification_keys)
    assert sorted(rejected) == [1, 2, 3]
    # a bound below a decrypted value is a DecryptionError naming the vector
    with pytest.raises(DecryptionError, match="vector"):
        verify_and_decode(context, final, shares, election.verification_keys, encoding="small", bound=0)
