"""Benchmarks of the whole mix-net pipeline of an election, in pe per ciphertext.

pilwu-3072, N = 100 cast ballots (N = 1,000 with PILWU_BENCH_LARGE=1), a kuwu ballot
(1 contest, 5 candidates, vote for 1), so each mix vector has width 1: the contest's
selection code (election/mixballot.py); 3 mix servers, a 2-of-3 trustee key from a real
ceremony (``hold_ceremony``).  Every figure is per ciphertext of the list (``per = N``);
the steps are the library calls the CLI makes (``pilwu mix stage``, ``pilwu trustee
mix-decrypt`` / ``mix-combine``, ``pilwu verify``):

(a) ``cast_mix_input``: the first input derived from the cast ballots (one selection
    code per contest by Horner's rule: squarings and products, no exponentiation for a
    vote-for-one contest) — what every mix server, trustee and verifier recomputes; the
    cast ballots' own proofs are checked by verify_record's checks 6-9 and not counted;
(a') ``mix_generators``: the N independent generators h_i derived from H_E by
    hash-to-group (paid by every party that proves or verifies a stage, once per run);
(b) ``run_stage``: one mix server's shuffle, Terelius–Wikström proof and signature;
(c) ``verify_chain`` over the 3 stages, including the re-derivation of the generators
    it does itself (``check_generators``) to refuse any other set (A4);
(d) ``decrypt_final_list``: one trustee's partial decryption of the final list with a
    Chaum–Pedersen proof per ciphertext;
(e) ``verify_and_decode_ballots``: verification of 2 trustees' shares, Lagrange
    combination and decoding by the ballot layout (a bounded discrete log of each
    selection code, here below 2^5);
(f) end to end: (a) + (a') + 3 x (b) + (c) + 2 x (d) + (e), i.e. from the cast
    ballots to the decoded list, with the chain verified once (as a trustee does before
    decrypting; a real deployment also has each mix server verify the chain before its
    own stage and the verifier redo (a), (c) and (e)).

The ballots themselves (``encrypt_ballot``, a device's work) are made once before
timing.  Fixed-base tables of g and K are built in the fixture, as in bench_shuffle.py.

Run: ``.venv/bin/python -m pytest benchmarks/bench_mix_pipeline.py -q -p no:cacheprovider
--benchmark-only --benchmark-json=/tmp/mixpipe.json && .venv/bin/python
benchmarks/report.py --header /tmp/mixpipe.json`` (prefix PILWU_BENCH_LARGE=1 for N = 1,000).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from pe_units import PeRunner
from pilwu_crypto.algebra.group import Element, Group
from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.election.ballot import EncryptedBallot, PlaintextBallot, encrypt_ballot
from pilwu_crypto.election.context import ElectionContext
from pilwu_crypto.election.device import VotingDevice, initial_code
from pilwu_crypto.election.mixballot import MixedBallot, cast_mix_input, count_mixed, verify_and_decode_ballots
from pilwu_crypto.election.mixnet import (
    MixDecryptionShare,
    MixServer,
    MixStage,
    decrypt_final_list,
    mix_generators,
    run_stage,
    verify_chain,
)
from pilwu_crypto.election.setup import ElectionSetup
from pilwu_crypto.election.simulation import CeremonyOutcome, context_from_ceremony, hold_ceremony, kuwu_manifest
from pilwu_crypto.proofs.shuffle import CiphertextVector

GROUP = "pilwu-3072"
LARGE = os.environ.get("PILWU_BENCH_LARGE") == "1"
N = 1000 if LARGE else 100
"""Mixed ballots (ciphertexts of width 1)."""
MIX_SERVERS = 3
TRUSTEES = ("trustee-1", "trustee-2", "trustee-3")
THRESHOLD = 2
CANDIDATES = ["A", "B", "C", "D", "E"]
MIN_ROUNDS = 3 if N <= 100 else 1
BUDGET_S = 2.0


@dataclass(frozen=True)
class Pipeline:
    """One election's mix-net run, every intermediate result kept for the benchmarks."""

    group: Group
    context: ElectionContext
    outcome: CeremonyOutcome
    ballots: list[EncryptedBallot]
    expected: dict[tuple[str, str], int]
    servers: tuple[MixServer, ...]
    generators: list[Element]
    first: list[CiphertextVector]
    stages: list[MixStage]
    shares: list[MixDecryptionShare]

    @property
    def final(self) -> list[CiphertextVector]:
        return list(self.stages[-1].outputs)

    @property
    def verification_keys(self) -> dict[int, Element]:
        return self.outcome.trustees[0].verification_keys


def run_pipeline(context: ElectionContext, outcome: CeremonyOutcome, servers: tuple[MixServer, ...],
                 ballots: list[EncryptedBallot]) -> list[MixedBallot]:
    """(f): input derived, generators, every stage, the chain verified, t trustees decrypt, decode."""
    first = cast_mix_input(context, ballots)
    generators = mix_generators(context, len(first))
    current = first
    stages = []
    for k, server in enumerate(servers):
        stage = run_stage(context, server, k + 1, generators, current)
        stages.append(stage)
        current = list(stage.outputs)
    final = verify_chain(context, [s.registration for s in servers], generators, first, stages)
    shares = [decrypt_final_list(context, t, final) for t in outcome.trustees[:THRESHOLD]]
    return verify_and_decode_ballots(context, final, shares, outcome.trustees[0].verification_keys)


_CACHE: list[Pipeline] = []


@pytest.fixture(scope="module")
def pipeline() -> Iterator[Pipeline]:
    """The ceremony, N cast ballots, 3 stages and 2 trustees' shares (made once, untimed)."""
    if not _CACHE:
        group = get_group(GROUP)
        manifest = kuwu_manifest(CANDIDATES)
        # the device and the mix servers are registered in the setup before the ceremony
        device = VotingDevice.generate("device-1")
        servers = tuple(MixServer.generate(f"mix-{k + 1}") for k in range(MIX_SERVERS))
        setup = ElectionSetup((device.registration,), tuple(s.registration for s in servers))
        outcome = hold_ceremony(group, manifest, TRUSTEES, THRESHOLD, setup)
        context = context_from_ceremony(manifest, outcome.ceremony, outcome.digests, outcome.reveals, outcome.shares)
        code = initial_code(context, device.device_id)
        ballots: list[EncryptedBallot] = []
        expected = {("kuwu", f"candidate-{i + 1}"): 0 for i in range(len(CANDIDATES))}
        for i in range(N):  # also builds the fixed-base tables of g and K
            choice = f"candidate-{i % len(CANDIDATES) + 1}"
            ballot, _ = encrypt_ballot(context, device, PlaintextBallot(f"ballot-{i + 1:06d}", {"kuwu": {choice: 1}}),
                                       code)
            code = ballot.confirmation_code
            ballots.append(ballot)
            expected[("kuwu", choice)] += 1
        first = cast_mix_input(context, ballots)
        generators = mix_generators(context, N)
        stages: list[MixStage] = []
        current = first
        for k, server in enumerate(servers):
            stages.append(run_stage(context, server, k + 1, generators, current))
            current = list(stages[-1].outputs)
        shares = [decrypt_final_list(context, t, current) for t in outcome.trustees[:THRESHOLD]]
        decoded = verify_and_decode_ballots(context, current, shares, outcome.trustees[0].verification_keys)
        assert count_mixed(manifest, decoded)[0] == expected
        _CACHE.append(Pipeline(group, context, outcome, ballots, expected, servers, generators, first, stages,
                               shares))
    yield _CACHE[0]


def _label(step: str) -> str:
    return f"mix pipeline N={N}, 3 servers, 2-of-3: {step} (per ciphertext)"


def test_a_mix_input(pe: PeRunner, pipeline: Pipeline) -> None:
    """(a) The first stage's input derived from the cast ballots (selection codes)."""
    p = pipeline
    pe.run(p.group, _label("(a) mix input from cast ballots"), cast_mix_input,
           setup=lambda: ((p.context, p.ballots), {}),
           per=N, unit="ciphertext", min_rounds=MIN_ROUNDS, budget_s=BUDGET_S)


def test_a_generators(pe: PeRunner, pipeline: Pipeline) -> None:
    """(a') The N generators h_i from H_E (hash-to-group), paid once per prover or verifier."""
    p = pipeline
    pe.run(p.group, _label("(a') derive mix generators"), mix_generators, setup=lambda: ((p.context, N), {}),
           per=N, unit="ciphertext", min_rounds=MIN_ROUNDS, budget_s=BUDGET_S)


def test_b_stage(pe: PeRunner, pipeline: Pipeline) -> None:
    """(b) One mix server's stage: re-encrypt, permute, prove the shuffle, sign."""
    p = pipeline
    server = p.servers[1]
    pe.run(p.group, _label("(b) one stage: shuffle + prove + sign"), run_stage,
           setup=lambda: ((p.context, server, 2, p.generators, list(p.stages[0].outputs)), {}),
           per=N, unit="ciphertext", min_rounds=MIN_ROUNDS, budget_s=BUDGET_S)


def test_c_verify_chain(pe: PeRunner, pipeline: Pipeline) -> None:
    """(c) verify_chain over the 3 stages (signatures, proofs, generators re-derived)."""
    p = pipeline
    regs = [s.registration for s in p.servers]
    pe.run(p.group, _label("(c) verify chain of 3 stages"), verify_chain,
           setup=lambda: ((p.context, regs, p.generators, p.first, p.stages), {}),
           per=N, unit="ciphertext", min_rounds=MIN_ROUNDS, budget_s=BUDGET_S)


def test_d_trustee_share(pe: PeRunner, pipeline: Pipeline) -> None:
    """(d) One trustee's decryption share of the final list, with its proofs."""
    p = pipeline
    trustee = p.outcome.trustees[0]
    final = p.final
    pe.run(p.group, _label("(d) one trustee's decryption share"), decrypt_final_list,
           setup=lambda: ((p.context, trustee, final), {}),
           per=N, unit="ciphertext", min_rounds=MIN_ROUNDS, budget_s=BUDGET_S)


def test_e_verify_combine_decode(pe: PeRunner, pipeline: Pipeline) -> None:
    """(e) Verify 2 trustees' shares, combine them, decode each mixed ballot."""
    p = pipeline
    final, vkeys = p.final, p.verification_keys

    def decode() -> list[MixedBallot]:
        return verify_and_decode_ballots(p.context, final, p.shares, vkeys)

    pe.run(p.group, _label("(e) verify 2 shares + combine + decode"), decode,
           per=N, unit="ciphertext", min_rounds=MIN_ROUNDS, budget_s=BUDGET_S)


def test_f_end_to_end(pe: PeRunner, pipeline: Pipeline) -> None:
    """(f) The whole pipeline from the cast ballots to the decoded list."""
    p = pipeline
    pe.run(p.group, _label("(f) end to end"), run_pipeline,
           setup=lambda: ((p.context, p.outcome, p.servers, p.ballots), {}),
           per=N, unit="ciphertext", min_rounds=1 if LARGE else 2, budget_s=BUDGET_S)
