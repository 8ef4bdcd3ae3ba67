"""Test helper: an election-setup file for ``pilwu trustee setup --setup FILE``.

Record format 2 registers every voting device and mix server, with its Ed25519 key, before
the key ceremony (docs/record-format.md §5.4a).  A CLI test creates its devices (and mix
servers) first, then writes their registrations here with the library's own codec, the
same bytes as the record's setup.json.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pilwu_crypto.election.device import DeviceRegistration, VotingDevice
from pilwu_crypto.election.mixnet import MixServer, MixServerRegistration
from pilwu_crypto.election.setup import ElectionSetup
from pilwu_crypto.record import codec, setupcodec

__all__ = ["write_setup_file"]


def write_setup_file(path: Path, devices: Sequence[VotingDevice | DeviceRegistration],
                     mix_servers: Sequence[MixServer | MixServerRegistration] = ()) -> ElectionSetup:
    """Write the election setup of ``devices`` and ``mix_servers`` (objects or their public
    registrations) to ``path`` as canonical JSON; return it."""
    setup = ElectionSetup(tuple(d.registration if isinstance(d, VotingDevice) else d for d in devices),
                          tuple(m.registration if isinstance(m, MixServer) else m for m in mix_servers))
    Path(path).write_bytes(codec.dumps_canonical(setupcodec.election_setup_to_json(setup)))
    return setup
