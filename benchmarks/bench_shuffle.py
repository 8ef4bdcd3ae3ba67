"""Benchmarks of the re-encryption shuffle and its Terelius–Wikström proof, in pe.

Width 1 (one ciphertext per vector), N = 100 and 1,000 on pilwu-3072 and P-256; with
PILWU_BENCH_LARGE=1 also N = 10,000 on pilwu-3072, where the project sets its targets
(several minutes: deriving 10,000 generators alone takes about a minute).  Every figure is
per ciphertext (``per = N``):

- the shuffle itself (re-encryption with fixed-base tables for g and K, and permutation);
- proof generation (``prove_shuffle``), target <= 3 pe at N = 10,000 on pilwu-3072;
- verification (``verify_shuffle``) before batching of the per-item B_i equations (the
  batched verification came later; the target of 3 pe applies to it);
- the verifier's re-derivation of the generators (hash-to-group), per generator, which a
  record verifier pays once per seed (shared by every stage of a mix chain).

Tables of g and K are built before timing (as in bench_core.py).  The fixed-base table
of h_0 that the prover builds for N >= H0_TABLE_MIN_N is built in the warm-up call and
then cached by the group, so the figures exclude its one-off cost (~0.27 s at
pilwu-3072, i.e. ~0.04 pe per ciphertext at N = 10,000).

Run: ``.venv/bin/python -m pytest benchmarks -k bench_shuffle -q -p no:cacheprovider
--benchmark-only --benchmark-json=/tmp/shuffle.json && .venv/bin/python
benchmarks/report.py /tmp/shuffle.json`` (prefix PILWU_BENCH_LARGE=1 for N = 10,000).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from pe_units import PeRunner
from pilwu_crypto import elgamal as eg
from pilwu_crypto.algebra.generators import independent_generators
from pilwu_crypto.algebra.group import Element, Group
from pilwu_crypto.algebra.groups import TEST_ONLY_GROUPS, get_group
from pilwu_crypto.algebra.transcript import Transcript
from pilwu_crypto.proofs.shuffle import (
    CiphertextVector,
    ShuffleProof,
    ShuffleWitness,
    prove_shuffle,
    shuffle,
    verify_shuffle,
)

GROUPS = ["pilwu-3072", "P-256"]
if os.environ.get("PILWU_BENCH_TEST_GROUP") == "1":
    GROUPS.append("pilwu-test-512")
TARGET_GROUP = "pilwu-3072"
LARGE = os.environ.get("PILWU_BENCH_LARGE") == "1"
SIZES = [100, 1000, *([10_000] if LARGE else [])]
TARGET_N = 10_000
"""The targets are stated for N = 10,000 at pilwu-3072."""
TARGET_PROVE_PE = 3.0
CONTEXT = b"\x42" * 32
"""Stands in for H_E."""
SEED = b"bench-election/mix-generators"
PEER_VERIFY = "Verificatum (Java): 6.6-6.9 s for N=100, 2 shufflers, 2048-bit"
PEER_PROVE = "ElectionGuard Kotlin: ~17 s to shuffle+prove 34,000 P-256 ciphertexts, 1 thread"


def transcript(group: Group) -> Transcript:
    """A mix stage's transcript: H_E as context, then the server's id and position."""
    t = Transcript(group, "bench-mix", CONTEXT)
    t.append_text("mix-server", "mix-1")
    t.append_int("stage", 1)
    return t


@dataclass(frozen=True)
class MixEnv:
    """A group with an election key whose fixed-base tables are built."""

    group: Group
    sk: eg.SecretKey

    @property
    def pk(self) -> eg.PublicKey:
        return self.sk.public_key


@dataclass(frozen=True)
class Stage:
    """N encrypted ballots of width 1, their generators, one shuffle and its proof."""

    env: MixEnv
    h: list[Element]
    inputs: list[CiphertextVector]
    outputs: list[CiphertextVector]
    witness: ShuffleWitness
    proof: ShuffleProof

    @property
    def n(self) -> int:
        return len(self.inputs)


_ENVS: dict[str, MixEnv] = {}
_STAGES: dict[tuple[str, int], Stage] = {}


@pytest.fixture(scope="module", params=GROUPS)
def mix_env(request: pytest.FixtureRequest) -> Iterator[MixEnv]:
    """One key per group for the whole module (pytest may set this fixture up more than once)."""
    name: str = request.param
    if name not in _ENVS:
        group = get_group(name, allow_test=name in TEST_ONLY_GROUPS)
        sk = eg.SecretKey.generate(group)
        for _ in range(40):  # build the tables of g and K (lazy) before any timing
            group.exp_g(group.random_scalar())
            sk.public_key.table().pow(group.random_scalar())
        _ENVS[name] = MixEnv(group, sk)
    yield _ENVS[name]


def stage_for(env: MixEnv, n: int) -> Stage:
    """The (cached) stage of size n in env's group; skips N = 10,000 outside the target group."""
    if n >= TARGET_N and env.group.name != TARGET_GROUP:
        pytest.skip(f"N = {n} is measured on {TARGET_GROUP} only")
    key = (env.group.name, n)
    if key not in _STAGES:
        pk = env.pk
        inputs = [CiphertextVector.of(eg.encrypt(pk, i % 5).ciphertext) for i in range(n)]
        h = independent_generators(env.group, SEED, n)
        outputs, witness = shuffle(pk, inputs)
        proof = prove_shuffle(transcript(env.group), pk, h, inputs, outputs, witness)
        _STAGES[key] = Stage(env, h, inputs, outputs, witness, proof)
    return _STAGES[key]


def rounds_for(n: int) -> int:
    return 3 if n <= 1000 else 1


def prove_target(env: MixEnv, n: int) -> float | None:
    return TARGET_PROVE_PE if env.group.name == TARGET_GROUP and n == TARGET_N else None


@pytest.mark.parametrize("n", SIZES)
def test_shuffle_reencrypt(pe: PeRunner, mix_env: MixEnv, n: int) -> None:
    """The shuffle alone: N re-encryptions (g and K tables) and the permutation."""
    st = stage_for(mix_env, n)
    pe.run(mix_env.group, f"shuffle N={n} w=1: re-encrypt+permute (per ciphertext)", shuffle,
           setup=lambda: ((mix_env.pk, st.inputs), {}), per=n, unit="ciphertext", min_rounds=rounds_for(n))


@pytest.mark.parametrize("n", SIZES)
def test_prove_shuffle(pe: PeRunner, mix_env: MixEnv, n: int) -> None:
    """prove_shuffle: permutation commitment, chain, commitments, replies (per ciphertext)."""
    st = stage_for(mix_env, n)
    g, pk = mix_env.group, mix_env.pk

    def prove(t: Transcript) -> ShuffleProof:
        return prove_shuffle(t, pk, st.h, st.inputs, st.outputs, st.witness)

    pe.run(g, f"prove shuffle N={n} w=1 (per ciphertext)", prove, setup=lambda: ((transcript(g),), {}),
           per=n, unit="ciphertext", min_rounds=rounds_for(n), target_pe=prove_target(mix_env, n),
           peer=PEER_PROVE if g.name == "P-256" else "")


@pytest.mark.parametrize("n", SIZES)
def test_verify_shuffle(pe: PeRunner, mix_env: MixEnv, n: int) -> None:
    """verify_shuffle, B_i equations one by one (before batching), per ciphertext."""
    st = stage_for(mix_env, n)
    g, pk = mix_env.group, mix_env.pk

    def verify(t: Transcript) -> None:
        verify_shuffle(t, pk, st.h, st.inputs, st.outputs, st.proof)

    pe.run(g, f"verify shuffle N={n} w=1, B equations batched (per ciphertext)", verify,
           setup=lambda: ((transcript(g),), {}), per=n, unit="ciphertext", min_rounds=rounds_for(n),
           peer=PEER_VERIFY if n == 100 else "")


def test_derive_generators(pe: PeRunner, mix_env: MixEnv) -> None:
    """independent_generators(group, seed, 100): the verifier's re-derivation, per generator."""
    g = mix_env.group
    counter = iter(range(1 << 30))

    def setup() -> tuple[tuple[object, ...], dict[str, object]]:
        return (g, SEED + next(counter).to_bytes(4, "big"), 100), {}

    pe.run(g, "derive 100 generators (hash-to-group, per generator)", independent_generators,
           setup=setup, per=100, unit="generator", min_rounds=3)
