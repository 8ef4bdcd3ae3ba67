"""Independent generators, derived verifiably from a public seed (checklist A4).

h_i = hash_to_group(DST_GENERATORS, uint32_be(len(seed)) || seed || uint32_be(i)) for
i = 0 … n-1.  Nobody knows log_g h_i or any relation between them (the 2019 Swiss Post
mix-net flaw came from commitment generators with a known relation).  A verifier
re-derives the list from the seed and rejects any other list; the derivation also
rejects the identity, g and duplicates, which hash-to-group makes negligible anyway.
"""

from __future__ import annotations

from functools import lru_cache

from pilwu_crypto.algebra.domains import DST_GENERATORS
from pilwu_crypto.algebra.group import Element, Group
from pilwu_crypto.errors import InvalidParameters, OutOfRange

MAX_GENERATORS = 10_000_000


def independent_generators(group: Group, seed: bytes, count: int) -> list[Element]:
    """The first ``count`` independent generators for ``seed`` (e.g. derived from H_E).

    The last few lists are cached (they are public and deterministic, and a derivation
    costs about ten exponentiations per generator): a mix server, a verifier or a
    trustee that derives them and then checks a list against them pays once."""
    if not 0 <= count <= MAX_GENERATORS:
        raise OutOfRange(f"generator count {count} not in [0, {MAX_GENERATORS}]")
    return list(_derive(group, bytes(seed), count))


@lru_cache(maxsize=4)
def _derive(group: Group, seed: bytes, count: int) -> tuple[Element, ...]:
    prefix = len(seed).to_bytes(4, "big") + seed
    g = group.generator()
    out: list[Element] = []
    seen: set[bytes] = set()
    for i in range(count):
        h = group.hash_to_group(DST_GENERATORS, prefix + i.to_bytes(4, "big"))
        enc = h.to_bytes()
        if group.is_identity(h) or h == g or enc in seen:  # probability ~2^-256
            raise InvalidParameters(f"generator {i} for this seed is degenerate")
        seen.add(enc)
        out.append(h)
    return tuple(out)


def check_generators(group: Group, seed: bytes, claimed: list[Element]) -> None:
    """Raise InvalidParameters unless ``claimed`` is exactly the derived list for seed."""
    expected = independent_generators(group, seed, len(claimed))
    for i, (e, c) in enumerate(zip(expected, claimed, strict=True)):
        if e != c:
            raise InvalidParameters(f"generator {i} is not the one derived from the seed")
