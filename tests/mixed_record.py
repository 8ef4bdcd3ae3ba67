"""Test helper: a complete election record with a mix-net part (docs/record-format.md §5.15).

The election, the mixing and the writing are the library's
(:func:`~pilwu_crypto.election.simulation.simulate_mixing`,
:func:`~pilwu_crypto.record.io.write_simulated_mix`); this helper only picks the shape:
a two-contest manifest on an integer group (selection codes only) or, on a curve, a
kuwu contest that takes write-ins.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from pathlib import Path

from pilwu_crypto.algebra.group import Group
from pilwu_crypto.election.manifest import Contest, Manifest, Option
from pilwu_crypto.election.simulation import (
    SimulatedElection,
    SimulatedMix,
    cast_ids_in_record_order,
    kuwu_manifest,
    simulate_election,
    simulate_mixing,
)
from pilwu_crypto.record.io import write_simulated_election, write_simulated_mix

__all__ = ["MixedElection", "cast_ids_in_record_order", "two_contest_manifest", "write_mixed_election"]


@dataclass(frozen=True)
class MixedElection:
    """What :func:`write_mixed_election` wrote, for tests to compare with."""

    sim: SimulatedElection
    mix: SimulatedMix
    fingerprint: str


def two_contest_manifest() -> Manifest:
    """A kuwu contest (vote for one of four) and a council contest (vote for up to two of three)."""
    kuwu = kuwu_manifest(["A", "B", "C", "D"]).contests[0]
    council = Contest("bpd", "Badan Permusyawaratan Desa",
                      (Option("bpd-1", "X"), Option("bpd-2", "Y"), Option("bpd-3", "Z")), 2, 1)
    return dataclasses.replace(kuwu_manifest(["A"]), election_id="pilwu-mix-test", name="Pemilihan (mix test)",
                               contests=(kuwu, council))


def write_mixed_election(group: Group, root: Path, *, voters: int = 5, mix_servers: int = 3, seed: int = 7,
                         write_ins: bool = False, absent: int = 1, challenged: int = 1) -> MixedElection:
    """Simulate an election (3 trustees, threshold 2, ``absent`` of them absent; ``challenged``
    of the voters challenge), mix its cast ballots through ``mix_servers`` stages, decrypt
    with the present trustees and write it all (write-ins: a kuwu contest with one write-in
    element, on a curve group)."""
    rng = random.Random(seed)
    manifest = kuwu_manifest(["A", "B"], write_in_elements=1) if write_ins else two_contest_manifest()
    sim = simulate_election(group, manifest, trustees=3, threshold=2, absent=absent, voters=voters,
                            challenged=challenged, devices=2, mix_servers=mix_servers, rng=rng)
    mix = simulate_mixing(sim)
    write_simulated_election(sim, root)
    fingerprint = write_simulated_mix(sim, mix, root)
    return MixedElection(sim, mix, fingerprint)
