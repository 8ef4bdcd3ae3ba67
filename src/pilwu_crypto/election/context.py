"""The election context: the two hashes that bind everything (DESIGN.md §1).

    H_B = tagged_hash(DST_BASE_HASH, group fingerprint, H(manifest), u32(n), u32(t),
                      trustee id 1, …, trustee id n)
    H_E = tagged_hash(DST_ELECTION_HASH, H_B, K, commitment C_1,0, …, C_1,t-1, …, C_n,t-1)

H_B fixes the parameter set, the manifest, the trustee list and the threshold before
the key ceremony (every ceremony proof binds it); H_E additionally fixes the joint key
K and every coefficient commitment, and is the context of every ballot, tally and
decryption transcript.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pilwu_crypto.algebra.domains import DST_BASE_HASH, DST_ELECTION_HASH
from pilwu_crypto.algebra.group import Element, Group
from pilwu_crypto.algebra.hashing import tagged_hash, text, u32
from pilwu_crypto.algebra.transcript import Transcript
from pilwu_crypto.election.manifest import Manifest, check_id
from pilwu_crypto.elgamal import PublicKey
from pilwu_crypto.errors import InvalidManifest


def base_hash(group: Group, manifest: Manifest, trustee_ids: Sequence[str], threshold: int) -> bytes:
    """H_B for a parameter set, manifest, ordered trustee list and threshold t."""
    n = len(trustee_ids)
    if len(set(trustee_ids)) != n:
        raise InvalidManifest("duplicate trustee id")
    for tid in trustee_ids:
        check_id(tid, "trustee id")
    if not 1 <= threshold <= n:
        raise InvalidManifest(f"threshold {threshold} not in [1, {n}]")
    return tagged_hash(DST_BASE_HASH, [group.fingerprint(), manifest.hash(), u32(n), u32(threshold),
                                       *(text(t) for t in trustee_ids)])


def election_hash(h_b: bytes, joint_key: Element, commitments: Sequence[Sequence[Element]]) -> bytes:
    """H_E from H_B, the joint key and every trustee's coefficient commitments, in order."""
    parts = [h_b, joint_key.to_bytes()]
    for trustee_commitments in commitments:
        parts.extend(c.to_bytes() for c in trustee_commitments)
    return tagged_hash(DST_ELECTION_HASH, parts)


@dataclass(frozen=True)
class ElectionContext:
    """Everything a ballot, tally or decryption transcript is bound to."""

    group: Group
    manifest: Manifest
    trustee_ids: tuple[str, ...]
    threshold: int
    joint_key: PublicKey
    base_hash: bytes
    """H_B."""
    election_hash: bytes
    """H_E."""

    def transcript(self, domain: str) -> Transcript:
        """A fresh Fiat–Shamir transcript for ``domain`` bound to the group and H_E."""
        return Transcript(self.group, domain, self.election_hash)
