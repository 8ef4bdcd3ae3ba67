"""The election context: the two hashes that bind everything (docs/record-format.md §5.4, §5.9).

Record format 2 (what the library writes):

    H_B = tagged_hash(DST_BASE_HASH_V2, group fingerprint, H(manifest), u32(n), u32(t),
                      trustee id 1, …, trustee id n, setup hash)
    H_E = tagged_hash(DST_ELECTION_HASH_V2, H_B, K, commitment C_1,0, …, C_n,t-1,
                      ceremony-shares hash)

H_B fixes the parameter set, the manifest, the trustee list, the threshold and the setup
(every voting device and mix server with its key, election/setup.py) before the key
ceremony (every ceremony proof binds it); H_E additionally fixes the joint key K, every
coefficient commitment and every published encrypted share, and is the context of every
ballot, tally and decryption transcript.  Record format 1 used DST_BASE_HASH and
DST_ELECTION_HASH without the last part (no setup, shares unbound); it is verified only
on request (``setup_hash=None``, ``shares_hash=None``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pilwu_crypto.algebra.domains import (
    DST_BASE_HASH,
    DST_BASE_HASH_V2,
    DST_CEREMONY_SHARES,
    DST_ELECTION_HASH,
    DST_ELECTION_HASH_V2,
)
from pilwu_crypto.algebra.group import Element, Group
from pilwu_crypto.algebra.hashing import tagged_hash, text, u32
from pilwu_crypto.algebra.transcript import Transcript
from pilwu_crypto.election.manifest import Manifest, check_id
from pilwu_crypto.elgamal import PublicKey
from pilwu_crypto.errors import InvalidManifest
from pilwu_crypto.threshold.dkg import Ceremony, EncryptedShare, share_message_hash


def base_hash(group: Group, manifest: Manifest, trustee_ids: Sequence[str], threshold: int,
              setup_hash: bytes | None) -> bytes:
    """H_B for a parameter set, manifest, ordered trustee list, threshold t and setup hash
    (ElectionSetup.hash); ``setup_hash=None`` gives H_B of record format 1 (no setup)."""
    n = len(trustee_ids)
    if len(set(trustee_ids)) != n:
        raise InvalidManifest("duplicate trustee id")
    for tid in trustee_ids:
        check_id(tid, "trustee id")
    if not 1 <= threshold <= n:
        raise InvalidManifest(f"threshold {threshold} not in [1, {n}]")
    parts = [group.fingerprint(), manifest.hash(), u32(n), u32(threshold), *(text(t) for t in trustee_ids)]
    if setup_hash is None:  # record format 1, docs/record-format.md §5.4
        return tagged_hash(DST_BASE_HASH, parts)
    return tagged_hash(DST_BASE_HASH_V2, [*parts, bytes(setup_hash)])


def election_hash(h_b: bytes, joint_key: Element, commitments: Sequence[Sequence[Element]],
                  shares_hash: bytes | None) -> bytes:
    """H_E from H_B, the joint key, every trustee's coefficient commitments in order and the
    ceremony-shares hash (:func:`ceremony_shares_hash`); ``shares_hash=None`` gives H_E of
    record format 1 (shares unbound)."""
    parts = [h_b, joint_key.to_bytes()]
    for trustee_commitments in commitments:
        parts.extend(c.to_bytes() for c in trustee_commitments)
    if shares_hash is None:  # record format 1, docs/record-format.md §5.9
        return tagged_hash(DST_ELECTION_HASH, parts)
    return tagged_hash(DST_ELECTION_HASH_V2, [*parts, bytes(shares_hash)])


def ceremony_shares_hash(ceremony: Ceremony, shares: Iterable[EncryptedShare]) -> bytes:
    """H(DST_CEREMONY_SHARES; share hash of every encrypted share, by (sender, recipient)
    index): binds every byte of ceremony/shares.jsonl, opaque ciphertexts included
    (docs/record-format.md §5.9)."""
    ordered = sorted(shares, key=lambda s: (s.sender_index, s.recipient_index))
    return tagged_hash(DST_CEREMONY_SHARES, [share_message_hash(ceremony, s) for s in ordered])


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
