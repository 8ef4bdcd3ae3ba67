"""Independent generators, derived verifiably from a public seed (checklist A4).

h_i = hash_to_group(DST_GENERATORS, uint32_be(len(seed)) || seed || uint32_be(i)) for
i = 0 … n-1.  Nobody knows log_g h_i or any relation between them (the 2019 Swiss Post
mix-net flaw came from commitment generators with a known relation).  A verifier
re-derives the list from the seed and rejects any other list; the derivation also
rejects the identity, g and duplicates, which hash-to-group makes negligible anyway.
"""

from __future__ import annotations

from concurrent.futures import Executor

from pilwu_crypto.algebra.domains import DST_GENERATORS
from pilwu_crypto.algebra.group import Element, Group
from pilwu_crypto.errors import InvalidParameters, OutOfRange

MAX_GENERATORS = 10_000_000


GENERATOR_CHUNK = 256
"""Generators derived per task when an executor derives a long list in parallel."""


def independent_generators(group: Group, seed: bytes, count: int, executor: Executor | None = None
                           ) -> list[Element]:
    """The first ``count`` independent generators for ``seed`` (e.g. derived from H_E).

    The last few lists are cached (they are public and deterministic, and a derivation
    costs about ten exponentiations per generator): a mix server, a verifier or a
    trustee that derives them and then checks a list against them pays once.  With
    ``executor``, ranges of GENERATOR_CHUNK indices are derived in parallel (the list is
    the same; degenerate and duplicate generators are refused over the whole list)."""
    if not 0 <= count <= MAX_GENERATORS:
        raise OutOfRange(f"generator count {count} not in [0, {MAX_GENERATORS}]")
    key = (group, bytes(seed), count)
    cached = _CACHE.get(key)
    if cached is None:
        if executor is None or count <= GENERATOR_CHUNK:
            derived = generator_range(group, bytes(seed), 0, count)
        else:
            futures = [executor.submit(generator_range, group, bytes(seed), start, min(count, start + GENERATOR_CHUNK))
                       for start in range(0, count, GENERATOR_CHUNK)]
            derived = [h for f in futures for h in f.result()]
        _check_distinct(group, derived)
        cached = _CACHE[key] = tuple(derived)
        while len(_CACHE) > 4:
            _CACHE.pop(next(iter(_CACHE)))
    return list(cached)


_CACHE: dict[tuple[Group, bytes, int], tuple[Element, ...]] = {}


def generator_range(group: Group, seed: bytes, start: int, stop: int) -> list[Element]:
    """h_start … h_(stop-1) for ``seed`` (a task of a parallel derivation)."""
    prefix = len(seed).to_bytes(4, "big") + seed
    return [group.hash_to_group(DST_GENERATORS, prefix + i.to_bytes(4, "big")) for i in range(start, stop)]


def _check_distinct(group: Group, generators: list[Element]) -> None:
    """Refuse the identity, g or a repeated generator (probability ~2^-256 each)."""
    g = group.generator()
    seen: set[bytes] = set()
    for i, h in enumerate(generators):
        enc = h.to_bytes()
        if group.is_identity(h) or h == g or enc in seen:
            raise InvalidParameters(f"generator {i} for this seed is degenerate")
        seen.add(enc)


def check_generators(group: Group, seed: bytes, claimed: list[Element]) -> None:
    """Raise InvalidParameters unless ``claimed`` is exactly the derived list for seed."""
    expected = independent_generators(group, seed, len(claimed))
    for i, (e, c) in enumerate(zip(expected, claimed, strict=True)):
        if e != c:
            raise InvalidParameters(f"generator {i} is not the one derived from the seed")
