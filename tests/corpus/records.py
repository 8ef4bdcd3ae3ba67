"""The valid demo records the tamper corpus and the field-coverage test mutate.

``homomorphic``: :func:`simulate_election` + :func:`write_simulated_election`, 3 trustees
(threshold 2, one absent), 2 devices, 3 voters of which 1 challenges.  ``mixed``: the
two-contest election of tests/mixed_record.py through 2 mix servers.  Both on the test
group pilwu-test-512; the tamper corpus mutates these two (:data:`RECORDS`).

The field-coverage test (:data:`COVERAGE_RECORDS`) also mutates ``plain`` (homomorphic,
no ballot challenged, every trustee present, so a share that is verified but not
combined is published) and ``write-ins`` (P-256: a kuwu contest with one write-in
element through 2 mix servers, 4 voters of which 2 challenge, so that two reveals can be
swapped, and every trustee present, so that a tally share and a mix decryption share that
are verified but not combined are published).

Keys and nonces are fresh on every run; the *structure* (files, fields, lines) is fixed,
so the mutation ids are stable.
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
"""The records of the tamper corpus."""
COVERAGE_RECORDS = ("plain", "homomorphic", "mixed", "write-ins")
"""The records of the field-coverage test: homomorphic (plain, with a challenged ballot and an
absent trustee), mixed, and mixed with write-ins."""


@dataclass(frozen=True)
class Corpus:
    """A valid record on disk, its files in memory and every mutation of it."""

    name: str
    root: Path
    files: Files
    group: Group
    mutations: list[Mutation]


def write_record(name: str, root: Path) -> tuple[Group, PublicKey]:
    """Write the valid record ``name`` under ``root``; its group and joint key."""
    if name in ("homomorphic", "plain"):
        group = get_group(GROUP, allow_test=True)
        some = name == "homomorphic"
        sim = simulate_election(group, kuwu_manifest(["A", "B", "C"]), trustees=3, threshold=2, absent=int(some),
                                voters=3, challenged=int(some), devices=2, rng=random.Random(2024))
        write_simulated_election(sim, root)
        return group, sim.context.joint_key
    if name in ("mixed", "write-ins"):
        write_ins = name == "write-ins"
        group = get_group("P-256") if write_ins else get_group(GROUP, allow_test=True)
        election = write_mixed_election(group, root, voters=3 + write_ins, mix_servers=2, seed=2024,
                                        write_ins=write_ins, absent=int(not write_ins), challenged=1 + write_ins)
        return group, election.sim.context.joint_key
    raise ValueError(name)  # pragma: no cover - programming error


def build(name: str, root: Path) -> Corpus:
    """Write the valid record ``name`` under ``root`` and generate its mutations."""
    group, key = write_record(name, root)
    files = load_files(root)
    return Corpus(name, root, files, group, generate(name, files, group, key))
