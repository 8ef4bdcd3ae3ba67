"""Write-in names on ballots (election/writein.py) and the mix vector of a cast ballot
(election/mixballot.py): selection codes, write-in ciphertexts, decoding."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pilwu_crypto import elgamal as eg
from pilwu_crypto.algebra.group import Element
from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.election.ballot import (
    BallotSecrets,
    EncryptedBallot,
    PlaintextBallot,
    ReplayGuard,
    challenge_ballot,
    encrypt_ballot,
    seal_ballot,
    verify_ballot,
    verify_challenged,
)
from pilwu_crypto.election.manifest import Contest, Manifest, Option
from pilwu_crypto.election.mixballot import (
    MixedContest,
    ballot_vector,
    cast_mix_input,
    count_mixed,
    decode_row,
    mix_layout,
)
from pilwu_crypto.election.plaintext import encode_small
from pilwu_crypto.errors import DecryptionError, InvalidBallot, InvalidManifest, InvalidParameters, PilwuError
from pilwu_crypto.proofs.shuffle import CiphertextVector
from pilwu_crypto.record.codec import manifest_from_json, manifest_to_json, parse_json
from tests.unit.test_ballot import Env, make_env

WRITE_IN = Manifest("kaliwedi-2026", "Pilwu Desa Kaliwedi", (
    Contest("kuwu", "Kuwu", (Option("cand-1", "A"), Option("cand-2", "B"), Option("write-in", "Tulis nama")),
            write_in_elements=2),
    Contest("bpd", "BPD", tuple(Option(f"seat-{i}", f"Member {i}") for i in range(3)),
            selection_limit=3, option_limit=2),
), village="Kaliwedi Kidul", district="Kaliwedi", regency="Cirebon", date="2026-06-14", registered_voters=2873)
"""A kuwu contest with a two-element write-in, and a cumulative contest (base 3 codes)."""


@pytest.fixture(scope="module")
def env() -> Env:
    return make_env(get_group("P-256"), WRITE_IN)


def vote(env: Env, bid: str, selections: dict[str, dict[str, int]],
         write_ins: dict[str, str] | None = None) -> tuple[EncryptedBallot, BallotSecrets]:
    return encrypt_ballot(env.ctx, env.device, PlaintextBallot(bid, selections, write_ins or {}), env.code0)


def decrypt_row(env: Env, vector: CiphertextVector) -> list[Element]:
    return [eg.decrypt_to_element(env.sk, ct) for ct in vector.components]


# ---- manifest -----------------------------------------------------------------------------------
def test_manifest_write_in_elements_round_trip_and_hash() -> None:
    back = manifest_from_json(None, parse_json(json.dumps(manifest_to_json(WRITE_IN)).encode()))
    assert back == WRITE_IN and back.hash() == WRITE_IN.hash()
    without = dataclasses.replace(WRITE_IN.contests[0], write_in_elements=0)
    plain = dataclasses.replace(WRITE_IN, contests=(without, WRITE_IN.contests[1]))
    assert plain.hash() != WRITE_IN.hash()
    assert "write_in_elements" not in manifest_to_json(plain)["contests"][0]  # absent when 0: old hashes kept


@pytest.mark.parametrize("bad", [-1, 9, True, "2"])
def test_manifest_refuses_bad_write_in_elements(bad: object) -> None:
    with pytest.raises(InvalidManifest, match="write_in_elements"):
        Contest("kuwu", "Kuwu", (Option("a", "A"), Option("b", "B")), write_in_elements=bad)  # type: ignore[arg-type]


# ---- ballots with write-ins -----------------------------------------------------------------------
def test_write_in_ballot_verifies_and_carries_the_name(env: Env) -> None:
    ballot, _ = vote(env, "b-1", {"kuwu": {"write-in": 1}, "bpd": {"seat-0": 2, "seat-2": 1}},
                     {"kuwu": "Ki Sanusi Cikahuripan"})
    verify_ballot(env.ctx, env.regs, ballot)
    assert ballot.contests[0].write_in is not None and len(ballot.contests[0].write_in.ciphertexts) == 2
    assert ballot.contests[1].write_in is None
    layout = mix_layout(env.ctx)
    assert layout.width == 1 + 2 + 1
    row = decode_row(layout, decrypt_row(env, ballot_vector(layout, ballot)), "ballot b-1")
    assert row == (MixedContest("kuwu", (0, 0, 1), "Ki Sanusi Cikahuripan"), MixedContest("bpd", (2, 0, 1)))


def test_no_write_in_is_the_empty_name(env: Env) -> None:
    ballot, _ = vote(env, "b-2", {"kuwu": {"cand-1": 1}})
    layout = mix_layout(env.ctx)
    row = decode_row(layout, decrypt_row(env, ballot_vector(layout, ballot)), "ballot b-2")
    assert row[0] == MixedContest("kuwu", (1, 0, 0), "")


def test_write_in_for_a_contest_without_write_ins_is_refused(env: Env) -> None:
    with pytest.raises(InvalidBallot, match="bpd: the contest takes no write-ins"):
        vote(env, "b-3", {}, {"bpd": "X"})
    with pytest.raises(InvalidBallot, match="unknown contest"):
        vote(env, "b-3", {}, {"nope": "X"})


def test_write_in_too_long_is_refused(env: Env) -> None:
    with pytest.raises(InvalidBallot, match="ballot b-4, contest kuwu"):
        vote(env, "b-4", {}, {"kuwu": "x" * 200})


def test_write_ins_refused_on_an_integer_group() -> None:
    ienv = make_env(get_group("pilwu-test-512", allow_test=True), WRITE_IN)
    with pytest.raises(PilwuError, match="P-256"):
        encrypt_ballot(ienv.ctx, ienv.device, PlaintextBallot("b-5", {}, {"kuwu": "A"}), ienv.code0)
    with pytest.raises(PilwuError, match="P-256"):
        mix_layout(ienv.ctx)


def test_write_in_moved_to_another_ballot_fails(env: Env) -> None:
    """A10: the victim's write-in (ciphertexts and proof) in another ballot, correctly signed
    by a device: the nonce proof is bound to the ballot id and fails."""
    victim, _ = vote(env, "b-6", {"kuwu": {"write-in": 1}}, {"kuwu": "Nyi Euis"})
    mine, _ = vote(env, "b-7", {"kuwu": {"write-in": 1}}, {"kuwu": "Ki Udin"})
    contests = (dataclasses.replace(mine.contests[0], write_in=victim.contests[0].write_in), mine.contests[1])
    forged = seal_ballot(env.ctx, env.device, "b-7", contests, env.code0)
    with pytest.raises(InvalidBallot, match="ballot b-7, contest kuwu, write-in: nonce proof"):
        verify_ballot(env.ctx, env.regs, forged)


def test_rerandomized_write_in_with_kept_proof_fails(env: Env) -> None:
    ballot, _ = vote(env, "b-8", {"kuwu": {"write-in": 1}}, {"kuwu": "Nyi Lilis"})
    wi = ballot.contests[0].write_in
    assert wi is not None
    r = env.ctx.group.scalar(99)
    moved = tuple(eg.reencrypt_with_nonce(env.ctx.joint_key, ct, r) for ct in wi.ciphertexts)
    contests = (dataclasses.replace(ballot.contests[0], write_in=dataclasses.replace(wi, ciphertexts=moved)),
                ballot.contests[1])
    forged = seal_ballot(env.ctx, env.device, "b-8", contests, env.code0)
    with pytest.raises(InvalidBallot, match="write-in"):
        verify_ballot(env.ctx, env.regs, forged)


def test_replay_guard_sees_write_in_alphas(env: Env) -> None:
    ballot, _ = vote(env, "b-9", {"kuwu": {"write-in": 1}}, {"kuwu": "Ki Asep"})
    other, _ = vote(env, "b-10", {"kuwu": {"cand-2": 1}})
    wi = ballot.contests[0].write_in
    copied = dataclasses.replace(other, contests=(dataclasses.replace(other.contests[0], write_in=wi),
                                                  other.contests[1]))
    guard = ReplayGuard()
    guard.add(ballot)
    with pytest.raises(InvalidBallot, match="write-in ciphertext 0 alpha: repeats one of ballot b-9"):
        guard.add(copied)


def test_challenged_write_in_is_checked(env: Env) -> None:
    ballot, secrets = vote(env, "b-11", {"kuwu": {"write-in": 1}}, {"kuwu": "Nyi Euis"})
    challenged = challenge_ballot(ballot, secrets)
    verify_challenged(env.ctx, env.regs, challenged)
    assert challenged.contests[0].write_in == "Nyi Euis"
    lie = dataclasses.replace(challenged, contests=(dataclasses.replace(challenged.contests[0], write_in="Ki Udin"),
                                                    challenged.contests[1]))
    with pytest.raises(InvalidBallot, match="b-11, contest kuwu, write-in: revealed write-in and nonce 0"):
        verify_challenged(env.ctx, env.regs, lie)
    hidden = dataclasses.replace(challenged, contests=(dataclasses.replace(challenged.contests[0], write_in=None),
                                                       challenged.contests[1]))
    with pytest.raises(InvalidBallot, match="not revealed"):
        verify_challenged(env.ctx, env.regs, hidden)


# ---- selection codes -----------------------------------------------------------------------------
@settings(max_examples=15, deadline=None)
@given(kuwu=st.integers(0, 2), bpd=st.lists(st.integers(0, 2), min_size=3, max_size=3).filter(lambda v: sum(v) <= 3))
def test_selection_code_decodes_to_the_votes(env: Env, kuwu: int, bpd: list[int]) -> None:
    """Completeness of the mix vector: any valid ballot decodes back to exactly its votes."""
    options = ["cand-1", "cand-2", "write-in"]
    ballot, _ = vote(env, "b-h", {"kuwu": {options[kuwu]: 1},
                                  "bpd": {f"seat-{i}": v for i, v in enumerate(bpd) if v}})
    layout = mix_layout(env.ctx)
    row = decode_row(layout, decrypt_row(env, ballot_vector(layout, ballot)), "ballot b-h")
    assert row[0].votes == tuple(int(i == kuwu) for i in range(3))
    assert row[1].votes == tuple(bpd)


def test_decode_refuses_codes_above_the_bound_or_over_the_limit(env: Env) -> None:
    group = env.ctx.group
    layout = mix_layout(env.ctx)
    name = decrypt_row(env, ballot_vector(layout, vote(env, "b-12", {})[0]))[1:3]
    with pytest.raises(DecryptionError, match="contest kuwu selection code"):
        decode_row(layout, [encode_small(group, 8), *name, encode_small(group, 0)], "vector 0")
    # kuwu: options 0 and 1 both chosen (code 0b011) exceeds the selection limit 1
    with pytest.raises(DecryptionError, match="contest kuwu: 2 votes exceed the selection limit 1"):
        decode_row(layout, [encode_small(group, 3), *name, encode_small(group, 0)], "vector 0")


def test_contest_with_too_many_options_cannot_be_mixed() -> None:
    big = Manifest("e", "E", (Contest("c", "C", tuple(Option(f"o{i}", f"O{i}") for i in range(21))),))
    env = make_env(get_group("pilwu-test-512", allow_test=True), big)
    with pytest.raises(InvalidParameters, match=r"contest c: 21 options .* cannot be mixed"):
        mix_layout(env.ctx)


def test_cast_mix_input_and_counts(env: Env) -> None:
    ballots = [vote(env, f"c-{i}", {"kuwu": {"cand-2": 1}}, {"kuwu": "Ki Udin" if i else ""})[0] for i in range(3)]
    vectors = cast_mix_input(env.ctx, ballots)
    layout = mix_layout(env.ctx)
    rows = [decode_row(layout, decrypt_row(env, v), f"v{i}") for i, v in enumerate(vectors)]
    counts, names = count_mixed(env.ctx.manifest, rows)
    assert counts[("kuwu", "cand-2")] == 3 and names == {"kuwu": {"Ki Udin": 2}}
    with pytest.raises(InvalidBallot, match="no cast ballots"):
        cast_mix_input(env.ctx, [])


@pytest.mark.parametrize(("row", "named"), [
    ((MixedContest("kuwu", (1, 0, 0), ""),), "mixed ballot 1: 1 contests, the manifest has 2"),
    ((MixedContest("kuwu", (1, 0, 0, 0), ""), MixedContest("bpd", (1, 0, 0))), "mixed ballot 1, contest kuwu"),
    ((MixedContest("kuwu", (1, 0, 0), "X"), MixedContest("bpd", (1, 0, 0), "Y")), "mixed ballot 1, contest bpd"),
    ((MixedContest("kuwu", (1, 0, 0)), MixedContest("bpd", (1, 0, 0))), "mixed ballot 1, contest kuwu"),
    ((MixedContest("bpd", (1, 0, 0)), MixedContest("kuwu", (1, 0, 0), "")), "mixed ballot 1, contest bpd"),
])
def test_counting_mixed_ballots_of_another_manifest_names_them(row: tuple[MixedContest, ...], named: str) -> None:
    """A ballot not of the manifest's shape (another election's) is refused by name, never a
    KeyError or a ValueError from the counting."""
    good = (MixedContest("kuwu", (0, 1, 0), ""), MixedContest("bpd", (0, 2, 1)))
    with pytest.raises(InvalidBallot, match=f"^{named}"):
        count_mixed(WRITE_IN, [good, row])
