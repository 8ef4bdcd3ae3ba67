"""Shared fixtures: the groups a protocol test runs on.

Protocol tests run on one integer group and one curve ("the same proof and
ElGamal tests run on an integer group and on P-256").  The integer group is the fast
test-only group; tests where the real size matters use pilwu-3072 explicitly.
Set PILWU_EXHAUSTIVE=1 to add the real integer groups and the other curves.
"""

from __future__ import annotations

import os

import pytest

from pilwu_crypto.algebra.group import Group
from pilwu_crypto.algebra.groups import get_group

EXHAUSTIVE = os.environ.get("PILWU_EXHAUSTIVE") == "1"

PROTOCOL_GROUPS = ["pilwu-test-512", "P-256"]
if EXHAUSTIVE:
    PROTOCOL_GROUPS += ["pilwu-3072", "electionguard-4096", "P-384", "P-521"]


@pytest.fixture(params=PROTOCOL_GROUPS, scope="module")
def group(request: pytest.FixtureRequest) -> Group:
    """Each protocol group in turn (test-only groups explicitly allowed)."""
    return get_group(request.param, allow_test=True)
