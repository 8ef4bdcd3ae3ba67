"""``pilwu device keygen`` and ``pilwu setup combine``: the election setup, as files.

Before the key ceremony every voting device (spares included) and every mix server is
registered with its Ed25519 key in the election setup (docs/record-format.md §5.4a), which
``pilwu trustee setup --setup FILE`` binds into H_B:

=========  ==========================  =================================================
who        command                     what it does
=========  ==========================  =================================================
device     ``device keygen``           an Ed25519 signing key (PKCS#8 PEM encrypted with
                                       the passphrase, mode 0600) and its public
                                       registration (``device-registration`` JSON)
server     ``mix keygen``              the same for a mix server (cli/mix.py)
authority  ``setup combine``           every registration into one ``election-setup``
                                       document, checked (ids unique, no key twice), with
                                       each key's fingerprint printed for comparison
=========  ==========================  =================================================

Exit codes: 0 done; 1 refused (a registration that is not valid, an id or key twice);
2 misuse (bad arguments, an existing file without --force, an unreadable file).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from Crypto.PublicKey import ECC
from Crypto.PublicKey.ECC import EccKey

from pilwu_crypto.cli.steps import EXIT_OK, Misuse, Refused, keygen_options, read_input_document, say, step_command
from pilwu_crypto.cli.trustee import read_passphrase
from pilwu_crypto.election.device import DeviceRegistration, VotingDevice
from pilwu_crypto.election.mixnet import MixServerRegistration
from pilwu_crypto.election.setup import ElectionSetup, key_fingerprint
from pilwu_crypto.errors import PilwuError
from pilwu_crypto.record.codec import (
    JsonObject,
    _document,
    _header,
    device_registration_from_json,
    dumps_canonical,
)
from pilwu_crypto.record.io import atomic_write
from pilwu_crypto.record.layout import MAX_DOCUMENT_BYTES
from pilwu_crypto.record.messages import write_private_file
from pilwu_crypto.record.mixcodec import mix_servers_from_json
from pilwu_crypto.record.setupcodec import election_setup_to_json

KIND_DEVICE_REGISTRATION = "device-registration"
"""A device's public registration file: ``version``, ``kind``, ``device_id``, ``public_key``."""
KEY_PROTECTION = "scryptAndAES256-CBC"
"""PKCS#8 protection of a device's or mix server's private key file (scrypt, then AES-256-CBC)."""

_P = TypeVar("_P", bound=argparse.ArgumentParser)
_R = TypeVar("_R")


def device_registration_to_json(registration: DeviceRegistration) -> JsonObject:
    """The ``device-registration`` document of one device."""
    doc = _header(KIND_DEVICE_REGISTRATION)
    doc.update({"device_id": registration.device_id, "public_key": registration.public_key.hex()})
    return doc


def device_registration_document(value: object, where: str = "") -> DeviceRegistration:
    """Parse a ``device-registration`` document strictly (MalformedRecord naming the field)."""
    obj = _document(value, where, KIND_DEVICE_REGISTRATION, ("device_id", "public_key"))
    return device_registration_from_json(None, {"device_id": obj["device_id"], "public_key": obj["public_key"]},
                                         where)


def _write_new(path: Path, data: bytes, force: bool) -> None:
    if (path.exists() or path.is_symlink()) and not force:
        raise Misuse(f"{path} exists; use --force to replace it")
    target = path.resolve()
    atomic_write(target.parent, target.name, data)


def new_signing_key(args: argparse.Namespace, make: Callable[[EccKey], _R]) -> _R:
    """A new Ed25519 key for ``--id`` (a device or a mix server, built by ``make``, which
    validates the id): refuses existing ``--key``/``--registration`` files without
    ``--force``, then seals the key under a new passphrase (PKCS#8, mode 0600)."""
    key_path = Path(args.key)
    for path in (key_path, Path(args.registration)):
        if (path.exists() or path.is_symlink()) and not args.force:
            raise Misuse(f"{path} exists; use --force to replace it (a new key)")
    key = ECC.generate(curve="Ed25519")
    try:
        party = make(key)
    except PilwuError as exc:
        raise Misuse(str(exc)) from None
    passphrase = read_passphrase(args, key_path, new=True)
    pem = key.export_key(format="PEM", passphrase=passphrase, protection=KEY_PROTECTION).encode("ascii")
    write_private_file(key_path, pem, overwrite=args.force)
    return party


def cmd_device_keygen(args: argparse.Namespace) -> int:
    """Voting device: create its signing key (0600, encrypted) and its public registration."""
    key_path, reg_path = Path(args.key), Path(args.registration)
    reg = new_signing_key(args, lambda key: VotingDevice(args.id, key)).registration
    _write_new(reg_path, dumps_canonical(device_registration_to_json(reg)), True)
    say(f"device {reg.device_id}: key written to {key_path} (mode 0600); registration {reg_path} "
        f"(fingerprint {key_fingerprint(reg.public_key)}) goes into the election setup (pilwu setup combine)")
    return EXIT_OK


def _read(path: Path, decode: Callable[[Any], _R]) -> _R:
    return read_input_document(path, MAX_DOCUMENT_BYTES, "JSON", decode)


def cmd_combine(args: argparse.Namespace) -> int:
    """Authority: every device and mix-server registration into one checked setup file."""
    devices: list[DeviceRegistration] = [_read(Path(p), device_registration_document) for p in args.device]
    servers: list[MixServerRegistration] = []
    for p in args.mix_server:
        servers += _read(Path(p), lambda v: mix_servers_from_json(None, v))
    try:
        setup = ElectionSetup(tuple(devices), tuple(servers))
    except PilwuError as exc:
        raise Refused(str(exc)) from None
    _write_new(Path(args.out), dumps_canonical(election_setup_to_json(setup)), args.force)
    say(f"election setup {args.out}: {len(setup.devices)} voting device(s), {len(setup.mix_servers)} mix server(s)")
    for r in setup.devices:
        say(f"  device {r.device_id}: {key_fingerprint(r.public_key)}")
    for m in setup.mix_servers:
        say(f"  mix server {m.server_id}: {key_fingerprint(m.public_key)}")
    say("Compare every fingerprint with its operator, then: pilwu trustee setup ... --setup " + str(args.out))
    return EXIT_OK


def register(sub: argparse._SubParsersAction[_P]) -> None:
    """Add ``pilwu device keygen`` and ``pilwu setup combine`` to the command line."""
    device = sub.add_parser("device", help="a voting device's signing key and registration",
                            description="A voting device's Ed25519 key, created before the key ceremony.")
    steps = device.add_subparsers(dest="step", required=True, metavar="STEP")
    p = steps.add_parser("keygen", help="create a device's signing key and public registration")
    keygen_options(p, "device")
    p.set_defaults(func=step_command("device", "keygen", cmd_device_keygen))

    setup = sub.add_parser("setup", help="the election setup: devices and mix servers with their keys",
                           description="Combine registrations into the election setup (record-format.md §5.4a).")
    steps = setup.add_subparsers(dest="step", required=True, metavar="STEP")
    p = steps.add_parser("combine", help="combine device and mix-server registrations into one setup file")
    p.add_argument("--device", action="append", default=[], metavar="REG.json",
                   help="a registration from 'pilwu device keygen' (repeat for every device, spares included)")
    p.add_argument("--mix-server", action="append", default=[], metavar="REG.json",
                   help="a registration from 'pilwu mix keygen' (repeat for every mix server)")
    p.add_argument("--out", required=True, metavar="SETUP.json", help="the election-setup file to write")
    p.add_argument("--force", action="store_true", help="replace an existing --out file")
    p.set_defaults(func=step_command("setup", "combine", cmd_combine))


__all__ = [
    "cmd_combine",
    "cmd_device_keygen",
    "device_registration_document",
    "device_registration_to_json",
    "new_signing_key",
    "register",
]
