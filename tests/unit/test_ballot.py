"""Ballots: encryption with proofs, verification, challenge, replay.

Completeness (encrypt → verify → decrypt), refusal of bad plaintexts, and rejection of
every tampering a record may carry: over-votes proved against a larger limit (A14), proofs
copied between ballots or positions and replayed ballots (A10), unregistered devices, bad
signatures, changed bytes, lying challenged ballots, reused nonces.  Runs on an integer
group and on P-256 (tests/conftest.py).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from pilwu_crypto import elgamal as eg
from pilwu_crypto.algebra.group import Element, Group, SecretScalar
from pilwu_crypto.election.ballot import (
    BallotSecrets,
    ChallengedBallot,
    EncryptedBallot,
    EncryptedContest,
    EncryptedOption,
    PlaintextBallot,
    ReplayGuard,
    RevealedOption,
    challenge_ballot,
    encrypt_ballot,
    proof_transcript,
    seal_ballot,
    verify_ballot,
    verify_challenged,
)
from pilwu_crypto.election.context import ElectionContext, base_hash, ceremony_shares_hash, election_hash
from pilwu_crypto.election.device import (
    ChainVerifier,
    DeviceRegistration,
    VotingDevice,
    initial_code,
    next_code,
    verify_chain,
)
from pilwu_crypto.election.manifest import Contest, Manifest, Option
from pilwu_crypto.election.setup import ElectionSetup
from pilwu_crypto.errors import InvalidBallot, InvalidProof, PilwuError
from pilwu_crypto.proofs.range import RangeProof, prove_range
from pilwu_crypto.threshold.dkg import Ceremony

KUWU = Manifest("kaliwedi-2026", "Pilwu Desa Kaliwedi", (
    Contest("kuwu", "Kuwu", tuple(Option(f"cand-{i}", f"Candidate {i}") for i in range(5))),))
"""1 contest x 5 options, vote for 1."""
TWO = Manifest("kaliwedi-2026", "Pilwu Desa Kaliwedi", (
    Contest("kuwu", "Kuwu", tuple(Option(f"cand-{i}", f"Candidate {i}") for i in range(3))),
    Contest("bpd", "Badan Permusyawaratan Desa", tuple(Option(f"seat-{i}", f"Member {i}") for i in range(3)),
            selection_limit=3, option_limit=2),
))
"""2 contests, the second cumulative: up to 2 votes per option, 3 in all."""


@dataclass(frozen=True)
class Env:
    """An election with a single ElGamal key as joint key and two registered devices."""

    ctx: ElectionContext
    sk: eg.SecretKey
    device: VotingDevice
    other: VotingDevice
    regs: dict[str, DeviceRegistration]

    @property
    def code0(self) -> bytes:
        return initial_code(self.ctx, self.device.device_id)


def make_env(group: Group, manifest: Manifest) -> Env:
    sk = eg.SecretKey.generate(group)
    K = sk.public_key.element
    device, other = VotingDevice.generate("dev-1"), VotingDevice.generate("dev-2")
    setup = ElectionSetup((device.registration, other.registration))
    hb = base_hash(group, manifest, ["t1"], 1, setup.hash())
    shares_hash = ceremony_shares_hash(Ceremony(group, hb, ("t1",), 1), ())  # one trustee: no shares
    ctx = ElectionContext(group, manifest, ("t1",), 1, sk.public_key, hb, election_hash(hb, K, [[K]], shares_hash))
    return Env(ctx, sk, device, other, {d.device_id: d.registration for d in (device, other)})


@pytest.fixture(scope="module")
def kuwu(group: Group) -> Env:
    return make_env(group, KUWU)


@pytest.fixture(scope="module")
def two(group: Group) -> Env:
    return make_env(group, TWO)


@pytest.fixture(scope="module")
def cast(kuwu: Env) -> tuple[EncryptedBallot, BallotSecrets]:
    """One honest ballot for cand-2, shared by the tampering tests (never mutated)."""
    return encrypt_ballot(kuwu.ctx, kuwu.device, PlaintextBallot("b-1", {"kuwu": {"cand-2": 1}}), kuwu.code0)


def vote(env: Env, bid: str, selections: dict[str, dict[str, int]],
         previous: bytes | None = None) -> tuple[EncryptedBallot, BallotSecrets]:
    return encrypt_ballot(env.ctx, env.device, PlaintextBallot(bid, selections),
                          env.code0 if previous is None else previous)


def reseal(env: Env, ballot: EncryptedBallot, *, ballot_id: str | None = None,
           contests: tuple[EncryptedContest, ...] | None = None,
           device: VotingDevice | None = None) -> EncryptedBallot:
    """The ballot with some parts changed, correctly coded and signed again (a dishonest device)."""
    dev = device or env.device
    return seal_ballot(env.ctx, dev, ballot_id or ballot.ballot_id, contests or ballot.contests,
                       initial_code(env.ctx, dev.device_id))


def replace_option(ballot: EncryptedBallot, c: int, o: int,
                   **changes: object) -> tuple[EncryptedContest, ...]:
    contests = list(ballot.contests)
    options = list(contests[c].options)
    options[o] = dataclasses.replace(options[o], **changes)  # type: ignore[arg-type]
    contests[c] = dataclasses.replace(contests[c], options=tuple(options))
    return tuple(contests)


def hand_ballot(env: Env, bid: str, votes: list[list[int]], *, option_limits: list[int] | None = None,
                selection_limits: list[int] | None = None) -> EncryptedBallot:
    """A ballot built step by step with honest proofs for the given (possibly wrong) limits."""
    ctx, K, did = env.ctx, env.ctx.joint_key, env.device.device_id
    contests = []
    for k, (mc, values) in enumerate(zip(ctx.manifest.contests, votes, strict=True)):
        ol = option_limits[k] if option_limits else mc.option_limit
        sl = selection_limits[k] if selection_limits else mc.selection_limit
        options, nonces = [], []
        for option, v in zip(mc.options, values, strict=True):
            enc = eg.encrypt(K, v)
            proof = prove_range(proof_transcript(ctx, bid, did, mc.contest_id, option.option_id), K,
                                enc.ciphertext, v, enc.nonce, ol)
            options.append(EncryptedOption(option.option_id, enc.ciphertext, proof))
            nonces.append(enc.nonce)
        total = eg.sum_ciphertexts(ctx.group, [o.ciphertext for o in options])
        nonce = ctx.group.scalar_mod(sum(n.value for n in nonces))
        sum_proof = prove_range(proof_transcript(ctx, bid, did, mc.contest_id, None), K, total, sum(values),
                                nonce, sl)
        contests.append(EncryptedContest(mc.contest_id, tuple(options), sum_proof))
    return seal_ballot(ctx, env.device, bid, tuple(contests), env.code0)


# ---------------------------------------------------------------- completeness ---------
@pytest.mark.parametrize("which, selections", [
    ("kuwu", {"kuwu": {"cand-3": 1}}),
    ("kuwu", {}),                                             # blank ballot
    ("two", {"kuwu": {"cand-0": 1}, "bpd": {"seat-0": 2, "seat-2": 1}}),
    ("two", {"bpd": {"seat-1": 2}}),
])
def test_round_trip_encrypt_verify_decrypt(request: pytest.FixtureRequest, group: Group, which: str,
                                           selections: dict[str, dict[str, int]]) -> None:
    env: Env = request.getfixturevalue(which)
    assert env.ctx.group is group
    ballot, secrets = vote(env, "b-rt", selections)
    verify_ballot(env.ctx, env.regs, ballot)
    assert ballot.device_id == "dev-1" and ballot.previous_code == env.code0
    assert ballot.confirmation_code == next_code(env.ctx, "dev-1", env.code0, ballot.digest())
    for mc, bc, values in zip(env.ctx.manifest.contests, ballot.contests, secrets.selections, strict=True):
        assert [o.option_id for o in bc.options] == [o.option_id for o in mc.options]
        assert bc.sum_proof.limit == mc.selection_limit
        chosen = selections.get(mc.contest_id, {})
        for option, eo, v in zip(mc.options, bc.options, values, strict=True):
            assert eo.proof.limit == mc.option_limit
            expected = chosen.get(option.option_id, 0)
            assert eg.decrypt(env.sk, eo.ciphertext, bound=mc.option_limit) == expected == v
        assert eg.decrypt(env.sk, bc.sum_ciphertext(), bound=mc.selection_limit) == sum(chosen.values())


def test_constant_time_mode_gives_valid_ballots(kuwu: Env) -> None:
    ballot, _ = encrypt_ballot(kuwu.ctx, kuwu.device, PlaintextBallot("b-ct", {"kuwu": {"cand-0": 1}}),
                               kuwu.code0, constant_time=True)
    verify_ballot(kuwu.ctx, kuwu.regs, ballot)
    assert eg.decrypt(kuwu.sk, ballot.contests[0].options[0].ciphertext, bound=1) == 1


# ---------------------------------------------------------------- plaintext checks -----
@pytest.mark.parametrize("bid, selections, message", [
    ("b-9", {"camat": {"x": 1}}, "ballot b-9: unknown contest 'camat'"),
    ("b-9", {"kuwu": {"cand-7": 1}}, "ballot b-9, contest kuwu: unknown option 'cand-7'"),
    ("b-9", {"kuwu": {"cand-1": -1}}, "ballot b-9, contest kuwu, option cand-1: negative value -1"),
    ("b-9", {"kuwu": {"cand-1": 2}}, "ballot b-9, contest kuwu, option cand-1: value 2 exceeds the option "
                                     "limit 1"),
    ("b-9", {"bpd": {"seat-1": 3}}, "ballot b-9, contest bpd, option seat-1: value 3 exceeds the option "
                                    "limit 2"),
    ("b-9", {"kuwu": {"cand-1": True}}, "option cand-1: value True is not an integer"),
    ("b-9", {"kuwu": {"cand-1": 1.0}}, "option cand-1: value 1.0 is not an integer"),
    ("b-9", {"kuwu": {"cand-0": 1, "cand-1": 1}}, "ballot b-9, contest kuwu: over-vote, 2 votes exceed the "
                                                   "selection limit 1"),
    ("b-9", {"bpd": {"seat-0": 2, "seat-1": 2}}, "ballot b-9, contest bpd: over-vote, 4 votes"),
    ("b 9", {}, "ballot id: 'b 9' is not a valid identifier"),
])
def test_bad_plaintexts_refused_and_named(two: Env, bid: str, selections: dict[str, dict[str, int]],
                                          message: str) -> None:
    with pytest.raises(InvalidBallot, match=re.escape(message)):
        vote(two, bid, selections)


def test_previous_code_must_be_a_code(kuwu: Env) -> None:
    with pytest.raises(InvalidBallot, match="previous code"):
        vote(kuwu, "b-1", {}, previous=b"\x00" * 31)


# ---------------------------------------------------------------- A14 --------------------
def test_a14_overvote_refused_at_encryption_and_by_verifier(kuwu: Env, two: Env) -> None:
    # The device refuses to encrypt an over-vote ...
    with pytest.raises(InvalidBallot, match="over-vote"):
        vote(kuwu, "b-ov", {"kuwu": {"cand-0": 1, "cand-1": 1}})
    # ... and a ballot built by hand with honest proofs for a LARGER limit is rejected:
    # the verifier takes the limit from the manifest, never from the proof.
    two_votes = hand_ballot(kuwu, "b-ov", [[1, 1, 0, 0, 0]], selection_limits=[2])
    with pytest.raises(InvalidProof, match=r"ballot b-ov, contest kuwu, contest-sum: range proof 0\.\.1: "
                                           r"range proof has 3 branches"):
        verify_ballot(kuwu.ctx, kuwu.regs, two_votes)
    # A proof for the larger limit with one branch dropped has the right shape but fails.
    bc = two_votes.contests[0]
    cut = (dataclasses.replace(bc, sum_proof=RangeProof(bc.sum_proof.branches[:2])),)
    with pytest.raises(InvalidProof, match=re.escape("contest-sum: range proof 0..1")):
        verify_ballot(kuwu.ctx, kuwu.regs, reseal(kuwu, two_votes, contests=cut))
    # Same for a per-option limit: 3 votes for one seat of a cumulative contest (limit 2),
    # the contest total (3) being within its selection limit.
    three = hand_ballot(two, "b-ov2", [[1, 0, 0], [3, 0, 0]], option_limits=[1, 3])
    with pytest.raises(InvalidProof, match=r"ballot b-ov2, contest bpd, option seat-0: range proof 0\.\.2"):
        verify_ballot(two.ctx, two.regs, three)
    # The honest prover cannot make a proof for the manifest's limit.
    with pytest.raises(PilwuError):
        hand_ballot(kuwu, "b-ov3", [[1, 1, 0, 0, 0]])
    # Control: the same construction with a legal vote verifies.
    verify_ballot(two.ctx, two.regs, hand_ballot(two, "b-ok", [[1, 0, 0], [2, 1, 0]]))


# ---------------------------------------------------------------- A10 --------------------
def test_a10_proof_copied_to_another_ballot_rejected(kuwu: Env,
                                                     cast: tuple[EncryptedBallot, BallotSecrets]) -> None:
    b1, _ = cast
    b2, _ = vote(kuwu, "b-2", {"kuwu": {"cand-2": 1}})  # same choice, so the same statements are true
    verify_ballot(kuwu.ctx, kuwu.regs, b2)
    o2 = b2.contests[0].options[2]
    cases: list[tuple[str, EncryptedBallot]] = [
        # b2's proof for cand-2 in b1 (b1's ciphertext kept)
        ("option cand-2", reseal(kuwu, b1, contests=replace_option(b1, 0, 2, proof=o2.proof))),
        # b2's whole option (ciphertext and its proof) in b1: statement true, but bound to b-2
        ("option cand-2", reseal(kuwu, b1, contests=replace_option(b1, 0, 2, ciphertext=o2.ciphertext,
                                                                   proof=o2.proof))),
        # b2's contest-sum proof in b1
        ("contest-sum", reseal(kuwu, b1, contests=(dataclasses.replace(
            b1.contests[0], sum_proof=b2.contests[0].sum_proof),))),
        # b1 entirely, re-signed under another ballot id
        ("option cand-0", reseal(kuwu, b1, ballot_id="b-copy")),
        # b1 entirely, same id, re-signed by another registered device
        ("option cand-0", reseal(kuwu, b1, device=kuwu.other)),
    ]
    # Two positions of b1 exchanged with their proofs (both encrypt 0): bound to the option id.
    opts = list(b1.contests[0].options)
    opts[0], opts[1] = (dataclasses.replace(opts[1], option_id="cand-0"),
                        dataclasses.replace(opts[0], option_id="cand-1"))
    cases.append(("option cand-0", reseal(kuwu, b1, contests=(dataclasses.replace(
        b1.contests[0], options=tuple(opts)),))))
    for where, forged in cases:
        expected = f"ballot {forged.ballot_id}, contest kuwu, {where}: range proof"
        with pytest.raises(InvalidProof, match=expected):
            verify_ballot(kuwu.ctx, kuwu.regs, forged)


def test_a10_replayed_ballot_rejected(kuwu: Env, cast: tuple[EncryptedBallot, BallotSecrets]) -> None:
    b1, _ = cast
    guard = ReplayGuard()
    guard.add(b1)
    K, g = kuwu.ctx.joint_key, kuwu.ctx.group.generator()
    ct = b1.contests[0].options[0].ciphertext
    replayed = reseal(kuwu, b1, ballot_id="b-replay")
    shifted = reseal(kuwu, b1, ballot_id="b-shift",
                     contests=replace_option(b1, 0, 0, ciphertext=eg.Ciphertext(ct.alpha, ct.beta * g)))
    rerandomized = reseal(kuwu, b1, ballot_id="b-rerand", contests=tuple(
        dataclasses.replace(c, options=tuple(
            dataclasses.replace(o, ciphertext=eg.reencrypt(K, o.ciphertext).ciphertext) for o in c.options))
        for c in b1.contests))
    cases = [
        (b1, "ballot b-1: duplicate ballot id"),
        (replayed, "ballot b-replay, contest kuwu, option cand-0 ciphertext alpha: repeats one of "
                   "ballot b-1"),
        (shifted, "ballot b-shift, contest kuwu, option cand-0 ciphertext alpha: repeats one of ballot b-1"),
        (rerandomized, "ballot b-rerand, contest kuwu, option cand-0 commitment a[0]: repeats one of "
                       "ballot b-1"),
    ]
    for ballot, message in cases:
        with pytest.raises(InvalidBallot, match=re.escape(message)):
            guard.add(ballot)
        if ballot is not b1:  # and the verifier rejects each copy on its own
            with pytest.raises(InvalidProof, match=f"ballot {ballot.ballot_id}, contest kuwu"):
                verify_ballot(kuwu.ctx, kuwu.regs, ballot)
    # A rejected ballot leaves nothing behind; honest ballots still pass.
    assert len(guard) == 1
    b3, _ = vote(kuwu, "b-3", {"kuwu": {"cand-2": 1}})
    guard.add(b3)
    assert len(guard) == 2
    # A challenged ballot (fed to the guard too) cannot be cast again under a new id.
    b4, s4 = vote(kuwu, "b-4", {"kuwu": {"cand-1": 1}})
    guard.add(challenge_ballot(b4, s4).ballot)
    with pytest.raises(InvalidBallot, match="repeats one of ballot b-4"):
        guard.add(reseal(kuwu, b4, ballot_id="b-4-recast"))


def test_reused_nonce_inside_a_ballot_caught_by_guard(kuwu: Env) -> None:
    K = kuwu.ctx.joint_key
    r = kuwu.ctx.group.random_scalar()
    ballot, _ = vote(kuwu, "b-nr", {})
    same_alpha = replace_option(ballot, 0, 1, ciphertext=eg.encrypt_with_nonce(K, 0, r))
    same_alpha = replace_option(dataclasses.replace(ballot, contests=same_alpha), 0, 3,
                                ciphertext=eg.encrypt_with_nonce(K, 0, r))
    with pytest.raises(InvalidBallot, match="option cand-3 ciphertext alpha: repeats contest kuwu, "
                                            "option cand-1 ciphertext alpha of the same ballot"):
        ReplayGuard().add(reseal(kuwu, ballot, contests=same_alpha))


# ---------------------------------------------------------------- devices, signatures --
def test_unregistered_device_refused(kuwu: Env, cast: tuple[EncryptedBallot, BallotSecrets]) -> None:
    b1, _ = cast
    with pytest.raises(InvalidBallot, match="ballot b-1: unregistered device dev-1"):
        verify_ballot(kuwu.ctx, {"dev-2": kuwu.other.registration}, b1)
    rogue = VotingDevice.generate("dev-9")
    forged = reseal(kuwu, b1, device=rogue)
    with pytest.raises(InvalidBallot, match="unregistered device dev-9"):
        verify_ballot(kuwu.ctx, kuwu.regs, forged)
    # An impostor using a registered id with its own key: the signature fails.
    impostor = VotingDevice.generate("dev-1")
    with pytest.raises(InvalidBallot, match="ballot b-1: device dev-1: signature does not verify"):
        verify_ballot(kuwu.ctx, kuwu.regs, reseal(kuwu, b1, device=impostor))


def test_bad_signature_refused(kuwu: Env, cast: tuple[EncryptedBallot, BallotSecrets]) -> None:
    b1, _ = cast
    b2, _ = vote(kuwu, "b-sig", {"kuwu": {"cand-2": 1}})
    flipped = bytes([b1.signature[0] ^ 1]) + b1.signature[1:]
    for sig in (flipped, b2.signature, b1.signature[32:] + b1.signature[:32], b"\x00" * 64, b"\xff" * 64):
        with pytest.raises(InvalidBallot, match="ballot b-1: device dev-1: signature does not verify"):
            verify_ballot(kuwu.ctx, kuwu.regs, dataclasses.replace(b1, signature=sig))
    with pytest.raises(InvalidBallot, match="signature must be 64 bytes"):
        dataclasses.replace(b1, signature=b1.signature[:63])


def mutations(b: EncryptedBallot, g: Group) -> list[tuple[str, EncryptedBallot]]:
    """The ballot with one field of its canonical bytes changed (code and signature kept)."""
    def bump(e: Element) -> Element:
        return e * g.generator()

    c0 = b.contests[0]
    o0 = c0.options[0]
    ct = o0.ciphertext
    br = o0.proof.branches[0]
    sbr = c0.sum_proof.branches[1]

    def branch(proof: RangeProof, j: int, **ch: object) -> RangeProof:
        bs = list(proof.branches)
        bs[j] = dataclasses.replace(bs[j], **ch)  # type: ignore[arg-type]
        return RangeProof(tuple(bs))

    def option(**ch: object) -> EncryptedBallot:
        return dataclasses.replace(b, contests=replace_option(b, 0, 0, **ch))

    def contest(**ch: object) -> EncryptedBallot:
        return dataclasses.replace(b, contests=(dataclasses.replace(c0, **ch), *b.contests[1:]))  # type: ignore[arg-type]

    return [
        ("ballot_id", dataclasses.replace(b, ballot_id="b-other")),
        ("device_id", dataclasses.replace(b, device_id="dev-2")),
        ("previous_code", dataclasses.replace(b, previous_code=bytes(32))),
        ("contest_id", contest(contest_id="camat")),
        ("option_id", option(option_id="cand-x")),
        ("alpha", option(ciphertext=eg.Ciphertext(bump(ct.alpha), ct.beta))),
        ("beta", option(ciphertext=eg.Ciphertext(ct.alpha, bump(ct.beta)))),
        ("proof a", option(proof=branch(o0.proof, 0, a=bump(br.a)))),
        ("proof b", option(proof=branch(o0.proof, 0, b=bump(br.b)))),
        ("proof c", option(proof=branch(o0.proof, 0, c=br.c + 1))),
        ("proof v", option(proof=branch(o0.proof, 0, v=br.v + 1))),
        ("sum proof c", contest(sum_proof=branch(c0.sum_proof, 1, c=sbr.c + 1))),
        ("sum proof v", contest(sum_proof=branch(c0.sum_proof, 1, v=sbr.v + 1))),
        ("branch count", option(proof=RangeProof(o0.proof.branches[:1]))),
        ("option order", contest(options=(c0.options[1], c0.options[0], *c0.options[2:]))),
        ("option dropped", contest(options=c0.options[1:])),
        ("contest dropped", dataclasses.replace(b, contests=b.contests[1:] or (c0, c0))),
    ]


def test_every_field_of_canonical_bytes_changes_the_code(two: Env) -> None:
    ballot, _ = vote(two, "b-cb", {"kuwu": {"cand-1": 1}, "bpd": {"seat-0": 1, "seat-2": 2}})
    digests = {ballot.digest()}
    for name, changed in mutations(ballot, two.ctx.group):
        assert changed.canonical_bytes() != ballot.canonical_bytes(), name
        digests.add(changed.digest())
        code = next_code(two.ctx, changed.device_id, changed.previous_code, changed.digest())
        assert code != ballot.confirmation_code, name
        with pytest.raises(InvalidBallot, match=f"ballot {changed.ballot_id}"):  # code, order or shape
            verify_ballot(two.ctx, two.regs, changed)
    assert len(digests) == len(mutations(ballot, two.ctx.group)) + 1
    # Neither the code nor the signature is part of the bytes they are computed from.
    assert dataclasses.replace(ballot, signature=bytes(64)).canonical_bytes() == ballot.canonical_bytes()
    assert dataclasses.replace(ballot, confirmation_code=bytes(32)).digest() == ballot.digest()


def test_canonical_bytes_follow_the_documented_layout(two: Env) -> None:
    """An independent parser of the layout in EncryptedBallot.canonical_bytes (record-format spec)."""
    ballot, _ = vote(two, "b-lay", {"bpd": {"seat-1": 2}})
    data = ballot.canonical_bytes()
    g = two.ctx.group
    pos = 0

    def take(n: int) -> bytes:
        nonlocal pos
        out = data[pos:pos + n]
        assert len(out) == n
        pos += n
        return out

    def u32() -> int:
        return int.from_bytes(take(4), "big")

    def text() -> str:
        return take(u32()).decode("utf-8")

    def proof(expected: RangeProof) -> None:
        assert u32() == len(expected.branches)
        for br in expected.branches:
            assert take(g.element_size) == br.a.to_bytes() and take(g.element_size) == br.b.to_bytes()
            assert g.decode_scalar(take(g.scalar_size)) == br.c
            assert g.decode_scalar(take(g.scalar_size)) == br.v

    assert text() == "PILWU-V1-ballot"
    assert (text(), text(), take(32)) == (ballot.ballot_id, ballot.device_id, ballot.previous_code)
    assert u32() == len(ballot.contests) == 2
    for c in ballot.contests:
        assert text() == c.contest_id and u32() == len(c.options)
        for o in c.options:
            assert text() == o.option_id
            assert g.decode_element(take(g.element_size)) == o.ciphertext.alpha
            assert g.decode_element(take(g.element_size)) == o.ciphertext.beta
            proof(o.proof)
        proof(c.sum_proof)
        assert u32() == 0  # no write-in in these contests
    assert pos == len(data)
    assert not data.startswith(b"{")  # binary, never JSON (A21)


def test_contests_and_options_must_match_the_manifest(two: Env) -> None:
    ballot, _ = vote(two, "b-st", {})
    c0, c1 = ballot.contests
    extra = dataclasses.replace(c0.options[0], option_id="cand-9")
    cases = [
        ((c0,), r"ballot b-st: contests do not match the manifest \(missing \['bpd'\]\)"),
        ((c1, c0), r"ballot b-st: contests do not match the manifest \(order"),
        ((c0, c1, dataclasses.replace(c1, contest_id="camat")), r"\(extra \['camat'\]\)"),
        ((dataclasses.replace(c0, options=c0.options[:2]), c1),
         r"ballot b-st, contest kuwu: options do not match the manifest \(missing \['cand-2'\]\)"),
        ((dataclasses.replace(c0, options=(*c0.options, extra)), c1), r"\(extra \['cand-9'\]\)"),
        ((dataclasses.replace(c0, options=(*c0.options, c0.options[0])), c1), "duplicated ids"),
    ]
    for contests, message in cases:
        with pytest.raises(InvalidBallot, match=message):
            verify_ballot(two.ctx, two.regs, reseal(two, ballot, contests=contests))


def test_verifier_names_the_failing_equation(kuwu: Env, cast: tuple[EncryptedBallot, BallotSecrets]) -> None:
    b1, _ = cast
    proof = b1.contests[0].options[3].proof
    bad = RangeProof((dataclasses.replace(proof.branches[0], v=proof.branches[0].v + 1), proof.branches[1]))
    message = "ballot b-1, contest kuwu, option cand-3: range proof 0..1: range branch 0: g^v != a * alpha^c"
    with pytest.raises(InvalidProof, match=re.escape(message)):
        verify_ballot(kuwu.ctx, kuwu.regs, reseal(kuwu, b1, contests=replace_option(b1, 0, 3, proof=bad)))


# ---------------------------------------------------------------- chain --------------
def test_cast_and_challenged_ballots_share_the_chain(kuwu: Env) -> None:
    b1, _ = vote(kuwu, "c-1", {"kuwu": {"cand-0": 1}})
    b2, s2 = vote(kuwu, "c-2", {"kuwu": {"cand-1": 1}}, previous=b1.confirmation_code)
    b3, _ = vote(kuwu, "c-3", {"kuwu": {"cand-1": 1}}, previous=b2.confirmation_code)
    challenged = challenge_ballot(b2, s2)
    closing = kuwu.device.close(kuwu.ctx, b3.confirmation_code, 3)
    chain = [b1, challenged.ballot, b3]
    verify_chain(kuwu.ctx, kuwu.device.registration, chain, closing)
    streaming = ChainVerifier(kuwu.ctx, kuwu.device.registration)
    for b in chain:
        verify_ballot(kuwu.ctx, kuwu.regs, b)
        streaming.add(b)
    streaming.close(closing)
    assert streaming.count == 3 and streaming.last_code == b3.confirmation_code
    with pytest.raises(InvalidBallot, match="device dev-1: ballot c-3 at position 2: broken link"):
        verify_chain(kuwu.ctx, kuwu.device.registration, [b1, b3], closing)  # challenged one dropped


# ---------------------------------------------------------------- Benaloh challenge ----
def test_challenged_ballot_verifies_and_a_lie_is_named(two: Env) -> None:
    selections = {"kuwu": {"cand-2": 1}, "bpd": {"seat-0": 1, "seat-1": 2}}
    ballot, secrets = vote(two, "b-ch", selections)
    challenged = challenge_ballot(ballot, secrets)
    verify_challenged(two.ctx, two.regs, challenged)
    assert challenged.selections() == {"kuwu": {"cand-0": 0, "cand-1": 0, "cand-2": 1},
                                       "bpd": {"seat-0": 1, "seat-1": 2, "seat-2": 0}}

    def lie(c: int, o: int, **changes: object) -> ChallengedBallot:
        contests = list(challenged.contests)
        options = list(contests[c].options)
        options[o] = dataclasses.replace(options[o], **changes)  # type: ignore[arg-type]
        contests[c] = dataclasses.replace(contests[c], options=tuple(options))
        return dataclasses.replace(challenged, contests=tuple(contests))

    seat1 = challenged.contests[1].options[1]
    cases: list[tuple[ChallengedBallot, str]] = [
        # the device shows "cand-1" while it encrypted cand-2
        (lie(0, 1, value=1), "challenged ballot b-ch, contest kuwu, option cand-1: revealed value 1 and "
                             "nonce do not re-encrypt to the published ciphertext"),
        (lie(1, 1, value=1), "contest bpd, option seat-1: revealed value 1 and nonce do not re-encrypt"),
        (lie(1, 1, nonce=seat1.nonce + 1), "contest bpd, option seat-1: revealed value 2 and nonce do not"),
        (lie(1, 1, value=5), "contest bpd, option seat-1: revealed value 5 not in [0, 2]"),
        (lie(1, 1, option_id="seat-9"), "revealed options do not match the manifest"),
    ]
    for forged, message in cases:
        with pytest.raises(InvalidBallot, match=re.escape(message)):
            verify_challenged(two.ctx, two.regs, forged)
    # The ballot part is verified too, and secrets of another ballot are refused.
    with pytest.raises(InvalidBallot, match="unregistered device"):
        verify_challenged(two.ctx, {}, challenged)
    _, other_secrets = vote(two, "b-ch2", {})
    with pytest.raises(InvalidBallot, match="secrets belong to ballot b-ch2"):
        challenge_ballot(ballot, other_secrets)
    assert isinstance(challenged.contests[0].options[0], RevealedOption)
    assert not isinstance(challenged.contests[0].options[0].nonce, SecretScalar)  # published on purpose


# ---------------------------------------------------------------- nonces and secrets ---
def test_nonces_never_reused(two: Env) -> None:
    nonces: list[int] = []
    alphas: set[bytes] = set()
    for i in range(12):
        ballot, secrets = vote(two, f"b-n{i}", {"kuwu": {f"cand-{i % 3}": 1}, "bpd": {"seat-1": i % 3}})
        for bc, ns in zip(ballot.contests, secrets.nonces, strict=True):
            for option, r in zip(bc.options, ns, strict=True):
                assert isinstance(r, SecretScalar)
                assert option.ciphertext.alpha == two.ctx.group.exp_g(r)  # alpha = g^r for this very nonce
                nonces.append(r.value)
                alphas.add(option.ciphertext.alpha.to_bytes())
    assert len(nonces) == 12 * 6
    assert len(set(nonces)) == len(nonces) == len(alphas)
    assert 0 not in nonces


def test_secrets_redacted(kuwu: Env, cast: tuple[EncryptedBallot, BallotSecrets]) -> None:
    _, secrets = cast
    leaks: list[Callable[[], str]] = [lambda: repr(secrets), lambda: str(secrets), lambda: f"{secrets}",
                                      lambda: repr(secrets.nonces)]
    for show in leaks:
        text = show()
        for r in (n for ns in secrets.nonces for n in ns):
            assert f"{r.value:x}" not in text and str(r.value) not in text
        assert "(0, 0, 1, 0, 0)" not in text
    assert "redacted" in repr(secrets)
