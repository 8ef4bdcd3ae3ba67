"""Test helper: a complete election record with a mix-net part (docs/record-format.md §5.15).

The mixing and the writing are the library's (:func:`pilwu_crypto.election.simulation.mix_and_decrypt`,
:func:`pilwu_crypto.record.io.write_simulated_mix`); this helper only chooses recognisable
small-integer plaintexts of any width, for the tampering tests.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from pilwu_crypto.algebra.group import Group
from pilwu_crypto.election.mixnet import MixBallot, MixDecryptionShare, MixServer, MixStage
from pilwu_crypto.election.plaintext import encode_small
from pilwu_crypto.election.simulation import (
    SimulatedElection,
    cast_ids_in_record_order,
    kuwu_manifest,
    mix_and_decrypt,
    simulate_election,
)
from pilwu_crypto.record.io import write_simulated_election, write_simulated_mix

__all__ = ["MixedElection", "cast_ids_in_record_order", "write_mixed_election"]


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


def write_mixed_election(group: Group, root: Path, *, voters: int = 5, width: int = 2, mix_servers: int = 3,
                         seed: int = 7) -> MixedElection:
    """Simulate an election, mix one small-integer vector of ``width`` per cast ballot
    through ``mix_servers`` stages, decrypt with the present trustees and write it all.

    Each cast ballot's mix vector encodes (option index, position mod 4, ...) so the
    plaintexts are recognisable; the bound is 3 (four options)."""
    rng = random.Random(seed)
    sim = simulate_election(group, kuwu_manifest(["A", "B", "C", "D"]), trustees=3, threshold=2, absent=1,
                            voters=voters, challenged=1, devices=2, rng=rng)
    bound = 3
    vectors = []
    for i, _ in enumerate(cast_ids_in_record_order(sim)):
        values = [rng.randint(0, bound) if c == 0 else (i + c) % (bound + 1) for c in range(width)]
        vectors.append([encode_small(group, v) for v in values])
    mix = mix_and_decrypt(sim, vectors, encoding="small", bound=bound, mix_servers=mix_servers)
    write_simulated_election(sim, root)
    fingerprint = write_simulated_mix(sim, mix, root)
    plaintexts = tuple(p for p in mix.plaintexts if not isinstance(p, str))
    return MixedElection(sim, mix.servers, mix.ballots, mix.stages, mix.shares, plaintexts, bound, fingerprint)
