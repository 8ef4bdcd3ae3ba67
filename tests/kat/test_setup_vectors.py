"""Golden vectors of record format 2 (docs/record-format.md §5.3, §5.4, §5.4a, §5.7, §5.9, §5.10).

Each vector is recomputed twice: with hashlib alone from the formulas of the page, and
with the library; both must give the value printed in the docs (which this test also reads,
so the page and the code cannot drift apart).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from pilwu_crypto.algebra.domains import DST_CEREMONY_SHARES
from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.algebra.hashing import tagged_hash
from pilwu_crypto.election.context import base_hash, election_hash
from pilwu_crypto.election.device import ClosingEntry, DeviceRegistration
from pilwu_crypto.election.manifest import Manifest
from pilwu_crypto.election.mixnet import MixServerRegistration
from pilwu_crypto.election.setup import ElectionSetup, ballot_box_digest
from pilwu_crypto.election.simulation import kuwu_manifest

DOC = (Path(__file__).resolve().parents[2] / "docs" / "record-format.md").read_text(encoding="utf-8")
# RFC 8032 §7.1, tests 1-3: public keys
RFC8032 = [bytes.fromhex(h) for h in (
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
    "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025")]
MANIFEST_HASH = "b4906b67d875f889b7b6becd7378d2bf0810dba6cb411fc9e4bae47513cde7be"
SETUP_HASH = "8f8349b9d4aa92393951c97d390862405e52870a20318c0cd3d0d0e1d7c8b156"
BASE_HASH = "456e260eb8c232a6ee571bb425fbd9d78bd0d8e0f8ffbbcc5c8bae4d8a9d96de"
SHARES_HASH = "6e0c938f89f1f6e99efb1412d9ce9553ab5c293975e0e7f1e003b4c1b0a541df"
ELECTION_HASH = "a7cd02998a726f417cfafb23353767a3d2baf8b89993331bc964e9acfc4573e1"
BALLOT_BOX = "6f901ef08b4116af881ab2468285663bbe859b974d2d2914a7c8451d3417e992"


def _tagged(dst: bytes, parts: list[bytes]) -> bytes:
    """H(dst; parts) of record-format.md §1, with hashlib only."""
    h = hashlib.sha256(len(dst).to_bytes(4, "big") + dst + len(parts).to_bytes(4, "big"))
    for p in parts:
        h.update(len(p).to_bytes(8, "big") + p)
    return h.digest()


def _u32(n: int) -> bytes:
    return n.to_bytes(4, "big")


def _lp(x: bytes) -> bytes:
    return len(x).to_bytes(4, "big") + x


def test_the_vectors_are_the_documented_ones() -> None:
    for value in (MANIFEST_HASH, SETUP_HASH, BASE_HASH, SHARES_HASH, ELECTION_HASH, BALLOT_BOX):
        assert re.search(rf"`{value}`", DOC), value


def test_manifest_hash() -> None:
    """§5.3: the §8 manifest, its place parts after the name, under the format-2 tag."""
    parts = [b"pilwu-demo", b"Pemilihan Kuwu (demo)", b"Sukamaju", b"Sumber", b"Cirebon", b"2026-06-14",
             _u32(1500), _u32(1), b"kuwu", b"Kuwu", _u32(1), _u32(1), _u32(2),
             b"candidate-1", b"Ki Ahmad", b"candidate-2", b"Nyi Siti"]
    canonical = b"".join(_lp(p) for p in parts)
    manifest = kuwu_manifest(["Ki Ahmad", "Nyi Siti"])
    assert (manifest.village, manifest.district, manifest.regency, manifest.date, manifest.registered_voters) \
        == ("Sukamaju", "Sumber", "Cirebon", "2026-06-14", 1500)
    assert manifest.canonical_bytes() == canonical and len(canonical) == 196
    by_hand = _tagged(b"PILWU-V2-manifest", [canonical])
    assert by_hand.hex() == manifest.hash().hex() == MANIFEST_HASH
    # §8 lists the same canonical bytes, in pieces
    listed = re.search(r"manifest canonical bytes \((\d+) bytes\)(.*?);\n", DOC, re.S)
    assert listed is not None and int(listed.group(1)) == len(canonical)
    assert "".join(re.findall(r"`([0-9a-f]+)`", listed.group(2))) == canonical.hex()
    # format 1: no place parts, the format-1 tag
    v1 = Manifest(manifest.election_id, manifest.name, manifest.contests)
    v1_parts = [parts[0], parts[1], *parts[7:]]
    assert v1.hash() == _tagged(b"PILWU-V1-manifest", [b"".join(_lp(p) for p in v1_parts)])


def test_setup_hash() -> None:
    by_hand = _tagged(b"PILWU-V2-election-setup", [_u32(2), b"tps-1", RFC8032[0], b"tps-2", RFC8032[1],
                                                  _u32(1), b"mix-1", RFC8032[2]])
    setup = ElectionSetup((DeviceRegistration("tps-2", RFC8032[1]), DeviceRegistration("tps-1", RFC8032[0])),
                          (MixServerRegistration("mix-1", RFC8032[2]),))
    assert by_hand.hex() == setup.hash().hex() == SETUP_HASH


def test_base_hash() -> None:
    group = get_group("pilwu-test-512", allow_test=True)
    manifest = kuwu_manifest(["Ki Ahmad", "Nyi Siti"])
    ids = ["trustee-1", "trustee-2", "trustee-3"]
    by_hand = _tagged(b"PILWU-V2-base-hash", [group.fingerprint(), bytes.fromhex(MANIFEST_HASH), _u32(3), _u32(2),
                                             *(i.encode() for i in ids), bytes.fromhex(SETUP_HASH)])
    assert by_hand.hex() == base_hash(group, manifest, ids, 2, bytes.fromhex(SETUP_HASH)).hex() == BASE_HASH
    # format 1: the same parts without the setup hash, under the format-1 tag
    assert base_hash(group, manifest, ids, 2, None) == _tagged(
        b"PILWU-V1-base-hash", [group.fingerprint(), manifest.hash(), _u32(3), _u32(2), *(i.encode() for i in ids)])


def test_shares_and_election_hash() -> None:
    shares = _tagged(b"PILWU-V2-ceremony-shares", [b"\x11" * 32, b"\x22" * 32])
    assert shares.hex() == tagged_hash(DST_CEREMONY_SHARES, [b"\x11" * 32, b"\x22" * 32]).hex() == SHARES_HASH
    group = get_group("pilwu-test-512", allow_test=True)
    g = group.generator()
    commitments = [[g ** 2, g ** 3], [g ** 3, g ** 2]]
    by_hand = _tagged(b"PILWU-V2-election-hash", [bytes.fromhex(BASE_HASH), (g ** 5).to_bytes(),
                                                 *(c.to_bytes() for cs in commitments for c in cs), shares])
    library = election_hash(bytes.fromhex(BASE_HASH), g ** 5, commitments, shares)
    assert by_hand.hex() == library.hex() == ELECTION_HASH


def test_ballot_box() -> None:
    setup = ElectionSetup((DeviceRegistration("tps-1", RFC8032[0]), DeviceRegistration("tps-2", RFC8032[1])),
                          (MixServerRegistration("mix-1", RFC8032[2]),))
    by_hand = _tagged(b"PILWU-V2-ballot-box", [bytes.fromhex(ELECTION_HASH), bytes.fromhex(SETUP_HASH), _u32(2),
                                              b"tps-1", b"\x33" * 32, _u32(5), _u32(1) + _u32(2),
                                              b"tps-2", b"\x44" * 32, _u32(0), _u32(0)])
    closings = {"tps-1": ClosingEntry("tps-1", b"\x33" * 32, 5, bytes(64), (2,)),
                "tps-2": ClosingEntry("tps-2", b"\x44" * 32, 0, bytes(64), ())}
    library = ballot_box_digest(bytes.fromhex(ELECTION_HASH), setup, closings)
    assert by_hand.hex() == library.hex() == BALLOT_BOX
