"""The election setup: every key the verifier will trust, fixed before the key ceremony.

docs/record-format.md §5.4a.  The voting devices (spares included) and the mix servers of
an election are registered here, each with its Ed25519 public key, before the trustees'
round 1.  The setup hash is part of H_B, so every ceremony proof, H_E, every ballot proof,
every confirmation code and every device or mix-server signature binds it: a record
publisher cannot add, remove or replace a device or a mix server afterwards.

    setup hash = H("PILWU-V2-election-setup"; u32(d), text(device id_1), pk_1, …,
                   text(device id_d), pk_d, u32(m), text(server id_1), spk_1, …)

devices and mix servers each in increasing order of their ids (code-point order).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pilwu_crypto.algebra.domains import DST_BALLOT_BOX, DST_ELECTION_SETUP
from pilwu_crypto.algebra.hashing import tagged_hash, text, u32
from pilwu_crypto.election.device import ClosingEntry, DeviceRegistration
from pilwu_crypto.election.mixnet import MixServerRegistration
from pilwu_crypto.errors import InvalidParameters

MAX_DEVICES = 100_000
"""Most voting devices one setup may register."""
MAX_MIX_SERVERS = 64
"""Most mix servers one setup may register."""


def key_fingerprint(public_key: bytes) -> str:
    """A signing key as people compare it aloud: the first 20 hex digits of SHA-256 of the
    raw key, in groups of four (docs/trustee-guide.md §2)."""
    digest = hashlib.sha256(public_key).hexdigest()[:20]
    return " ".join(digest[i:i + 4] for i in range(0, 20, 4))


@dataclass(frozen=True)
class ElectionSetup:
    """The registered voting devices and mix servers, sorted by id (validated on construction).

    Ids are unique within each list and no public key appears twice anywhere in the setup
    (one key cannot play two parties: two "distinct" mix servers must be two keys)."""

    devices: tuple[DeviceRegistration, ...]
    mix_servers: tuple[MixServerRegistration, ...] = ()

    def __post_init__(self) -> None:
        devices = tuple(sorted(self.devices, key=lambda r: r.device_id))
        servers = tuple(sorted(self.mix_servers, key=lambda r: r.server_id))
        object.__setattr__(self, "devices", devices)
        object.__setattr__(self, "mix_servers", servers)
        if not devices:
            raise InvalidParameters("election setup: at least one voting device must be registered")
        if len(devices) > MAX_DEVICES:
            raise InvalidParameters(f"election setup: {len(devices)} devices, at most {MAX_DEVICES}")
        if len(servers) > MAX_MIX_SERVERS:
            raise InvalidParameters(f"election setup: {len(servers)} mix servers, at most {MAX_MIX_SERVERS}")
        for r in devices:
            if not isinstance(r, DeviceRegistration):
                raise InvalidParameters("election setup: devices must be DeviceRegistration values")
        for s in servers:
            if not isinstance(s, MixServerRegistration):
                raise InvalidParameters("election setup: mix servers must be MixServerRegistration values")
        _unique((r.device_id for r in devices), "device id")
        _unique((s.server_id for s in servers), "mix server id")
        seen: dict[bytes, str] = {}
        for who, key in [*((f"device {r.device_id}", r.public_key) for r in devices),
                         *((f"mix server {s.server_id}", s.public_key) for s in servers)]:
            if key in seen:
                raise InvalidParameters(f"election setup: {who} has the same public key as {seen[key]}")
            seen[key] = who

    def hash(self) -> bytes:
        """The setup hash (module doc; docs/record-format.md §5.4a)."""
        parts = [u32(len(self.devices))]
        for r in self.devices:
            parts += [text(r.device_id), r.public_key]
        parts.append(u32(len(self.mix_servers)))
        for s in self.mix_servers:
            parts += [text(s.server_id), s.public_key]
        return tagged_hash(DST_ELECTION_SETUP, parts)

    def device_registrations(self) -> dict[str, DeviceRegistration]:
        """The registered devices by id."""
        return {r.device_id: r for r in self.devices}

    def server_registrations(self) -> Mapping[str, MixServerRegistration]:
        """The registered mix servers by id."""
        return {s.server_id: s for s in self.mix_servers}


def _unique(ids: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise InvalidParameters(f"election setup: {what} {i} is registered twice")
        seen.add(i)


def ballot_box_digest(election_hash: bytes, setup: ElectionSetup, closings: Mapping[str, ClosingEntry]) -> bytes:
    """The ballot box at the close of polls (docs/record-format.md §5.10): every device of the
    setup, in id order, with its closing entry's last code (which chains every ballot digest
    of the device), ballot count and challenged positions.  The authority announces it when
    polls close, witnesses note it, and trustees decrypt only the ballot box it names.
    InvalidParameters naming a device of the setup without a closing entry."""
    parts = [bytes(election_hash), setup.hash(), u32(len(setup.devices))]
    for r in setup.devices:
        c = closings.get(r.device_id)
        if c is None:
            raise InvalidParameters(f"ballot box: device {r.device_id} of the setup has no closing entry")
        positions = u32(len(c.challenged_positions)) + b"".join(u32(k) for k in c.challenged_positions)
        parts += [text(r.device_id), c.last_code, u32(c.ballot_count), positions]
    return tagged_hash(DST_BALLOT_BOX, parts)
