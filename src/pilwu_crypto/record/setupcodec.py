"""JSON codec of setup.json, the election setup (docs/record-format.md §5.4a).

Same conventions and strictness as :mod:`pilwu_crypto.record.codec`.  The document lists
the registered voting devices and mix servers, each sorted by id, with raw Ed25519 keys
(validated as points not of small order); the lists must be in that order as written, so
that the document has exactly one encoding of a setup.
"""

from __future__ import annotations

from typing import Any

from pilwu_crypto.election.setup import MAX_DEVICES, MAX_MIX_SERVERS, ElectionSetup
from pilwu_crypto.record.codec import (
    JsonObject,
    _at,
    _build,
    _document,
    _fail,
    _header,
    _items,
    device_registration_from_json,
    device_registration_to_json,
)
from pilwu_crypto.record.layout import KIND_SETUP
from pilwu_crypto.record.mixcodec import _registration_from_json as mix_server_from_json


def election_setup_to_json(setup: ElectionSetup) -> JsonObject:
    """setup.json: the devices and mix servers, each sorted by id."""
    doc = _header(KIND_SETUP)
    doc["devices"] = [device_registration_to_json(r) for r in setup.devices]
    doc["mix_servers"] = [{"server_id": s.server_id, "public_key": s.public_key.hex()} for s in setup.mix_servers]
    return doc


def election_setup_from_json(value: object, where: str = "") -> ElectionSetup:
    """The setup, strictly: ids sorted and unique, keys valid and distinct (MalformedRecord
    naming the field otherwise)."""
    obj = _document(value, where, KIND_SETUP, ("devices", "mix_servers"))
    devices = _items(obj["devices"], _at(where, "devices"), MAX_DEVICES,
                     lambda v, w: device_registration_from_json(None, v, w), min_length=1)
    servers = _items(obj["mix_servers"], _at(where, "mix_servers"), MAX_MIX_SERVERS, mix_server_from_json)
    _sorted([d.device_id for d in devices], _at(where, "devices"))
    _sorted([s.server_id for s in servers], _at(where, "mix_servers"))
    return _build(where, lambda: ElectionSetup(devices, servers))


def _sorted(ids: list[Any], where: str) -> None:
    for i in range(1, len(ids)):
        if ids[i] <= ids[i - 1]:
            _fail(f"{where}[{i}]", f"{ids[i]} is not after {ids[i - 1]} (ids must be unique and sorted)")
