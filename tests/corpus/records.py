"""The valid demo records the tamper corpus mutates (test group pilwu-test-512).

``homomorphic``: :func:`simulate_election` + :func:`write_simulated_election`, 3 trustees
(threshold 2, one absent), 2 devices, 3 voters of which 1 challenges.  ``mixed``: the
two-contest election of tests/mixed_record.py through 2 mix servers.  Keys and nonces
are fresh on every run; the *structure* (files, fields, lines) is fixed, so the
mutation ids are stable.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from pilwu_crypto.algebra.group import Group
from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.election.simulation import kuwu_manifest, simulate_election
from pilwu_crypto.elgamal import PublicKey
from pilwu_crypto.record.io import write_simulated_election
from tests.corpus.corpus import Files, Mutation, generate, load_files
from tests.mixed_record import write_mixed_election

GROUP = "pilwu-test-512"
RECORDS = ("homomorphic", "mixed")


@dataclass(frozen=True)
class Corpus:
    """A valid record on disk, its files in memory and every mutation of it."""

    name: str
    root: Path
    files: Files
    group: Group
    mutations: list[Mutation]


def build(name: str, root: Path) -> Corpus:
    """Write the valid record ``name`` under ``root`` and generate its mutations."""
    group = get_group(GROUP, allow_test=True)
    key: PublicKey
    if name == "homomorphic":
        sim = simulate_election(group, kuwu_manifest(["A", "B", "C"]), trustees=3, threshold=2, absent=1,
                                voters=3, challenged=1, devices=2, rng=random.Random(2024))
        write_simulated_election(sim, root)
        key = sim.context.joint_key
    elif name == "mixed":
        election = write_mixed_election(group, root, voters=3, mix_servers=2, seed=2024)
        key = election.sim.context.joint_key
    else:  # pragma: no cover - programming error
        raise ValueError(name)
    files = load_files(root)
    return Corpus(name, root, files, group, generate(name, files, group, key))
