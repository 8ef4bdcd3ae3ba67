"""Test helper: a complete election record with a mix-net part (docs/record-format.md §5.15).

Not part of the library: the mix-net CLI and demo write such records in production.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from pilwu_crypto.algebra.group import Group
from pilwu_crypto.election.mixnet import (
    MixBallot,
    MixDecryptionShare,
    MixServer,
    MixStage,
    decrypt_final_list,
    encrypt_mix_ballot,
    mix_generators,
    mix_input,
    run_stage,
    verify_and_decode,
)
from pilwu_crypto.election.plaintext import encode_small
from pilwu_crypto.election.simulation import SimulatedElection, kuwu_manifest, simulate_election
from pilwu_crypto.record.io import reopen_record, write_simulated_election
from pilwu_crypto.record.mixcodec import PublishedMixResult


@dataclass(frozen=True)
class MixedElection:
    """What :func:`write_mixed_election` wrote, for tests to compare with."""

    sim: SimulatedElection
    servers: tuple[MixServer, ...]
    ballots: tuple[MixBallot, ...]
    stages: tuple[MixStage, ...]
    shares: tuple[MixDecryptionShare, ...]
    plaintexts: tuple[tuple[int, ...], ...]
    bound: int
    fingerprint: str


def cast_ids_in_record_order(sim: SimulatedElection) -> list[str]:
    """The cast ballots' ids in the order the verifier reads them: devices by id, chain order."""
    cast = {b.ballot_id for b in sim.cast}
    return [bid for did in sorted(sim.chain_order) for bid in sim.chain_order[did] if bid in cast]


def write_mixed_election(group: Group, root: Path, *, voters: int = 5, width: int = 2, mix_servers: int = 3,
                         seed: int = 7) -> MixedElection:
    """Simulate an election, mix one small-integer vector of ``width`` per cast ballot
    through ``mix_servers`` stages, decrypt with the present trustees and write it all.

    Each cast ballot's mix vector encodes (option index, position mod 4, ...) so the
    plaintexts are recognisable; the bound is 3 (four options)."""
    rng = random.Random(seed)
    sim = simulate_election(group, kuwu_manifest(["A", "B", "C", "D"]), trustees=3, threshold=2, absent=1,
                            voters=voters, challenged=1, devices=2, rng=rng)
    ctx = sim.context
    bound = 3
    ballots: list[MixBallot] = []
    for i, bid in enumerate(cast_ids_in_record_order(sim)):
        values = [rng.randint(0, bound) if c == 0 else (i + c) % (bound + 1) for c in range(width)]
        ballot, _ = encrypt_mix_ballot(ctx, bid, [encode_small(group, v) for v in values])
        ballots.append(ballot)
    current = mix_input(ctx, ballots)
    generators = mix_generators(ctx, len(current))
    servers = tuple(MixServer.generate(f"mix-{k + 1}") for k in range(mix_servers))
    stages: list[MixStage] = []
    for k, server in enumerate(servers):
        stage = run_stage(ctx, server, k + 1, generators, current)
        stages.append(stage)
        current = list(stage.outputs)
    present = [t for t in sim.ceremony.trustees if t.trustee_id not in sim.absent]
    shares = tuple(decrypt_final_list(ctx, t, current) for t in present)
    plaintexts = verify_and_decode(ctx, current, shares, sim.verification_keys, encoding="small", bound=bound)

    write_simulated_election(sim, root)
    writer = reopen_record(root)
    writer.write_mix_servers(s.registration for s in servers)
    writer.write_mix_input(ballots)
    for stage in stages:
        writer.write_mix_stage(stage)
    for share in shares:
        writer.write_mix_decryption(share)
    writer.write_mix_result(PublishedMixResult("small", bound, tuple(plaintexts)))
    fingerprint = writer.finish()
    return MixedElection(sim, servers, tuple(ballots), tuple(stages), shares, tuple(plaintexts), bound, fingerprint)
