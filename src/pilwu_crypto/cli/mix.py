"""``pilwu mix …``: one mix server's stage of the mix-net, run on its own machine.

=========  ==========================  =================================================
who        command                     what it does
=========  ==========================  =================================================
server     ``keygen``                  an Ed25519 signing key (PKCS#8 PEM encrypted with
                                       the passphrase, mode 0600) and its public
                                       registration JSON (``server_id``, ``public_key``),
                                       which the authority lists in the election setup
                                       before the key ceremony
server     ``stage``                   verifies the record up to its first mix input (one
                                       read, checks 1-9 and 12), checks every existing
                                       stage, runs the next stage and adds it (index.json
                                       rewritten last)
=========  ==========================  =================================================

The record's setup.json must list this server with this key (the setup is bound by H_B,
docs/record-format.md §5.4a); the first input is the cast ballots' mix vectors
(election/mixballot.py) recomputed in the verification pass, each later server reads
the previous stage's output and writes its own.
The passphrase comes, as for ``pilwu trustee``, from ``--passphrase-file PATH``, else
PILWU_PASSPHRASE, else a prompt (twice for a new key) — never from an argument.

Exit codes as for every ``pilwu`` command: 0 done; 1 refused (a server that is not
registered or already mixed (checklist A25), a key that does not match its
registration, a wrong passphrase, an existing stage that does not verify, a manifest that cannot be mixed,
a record already decrypted); 2 misuse (bad arguments, a file that exists, a record that
cannot be read at all).  Every error is one line on stderr; no secret is ever printed.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from Crypto.PublicKey import ECC

from pilwu_crypto.cli.setup import new_signing_key
from pilwu_crypto.cli.steps import EXIT_OK, Refused, keygen_options, say, step_command
from pilwu_crypto.cli.trustee import allow_group, read_passphrase, require_verified
from pilwu_crypto.election.mixnet import MixServer, mix_generators, run_stage, verify_chain
from pilwu_crypto.election.setup import key_fingerprint
from pilwu_crypto.errors import InvalidParameters, PilwuError
from pilwu_crypto.record.codec import dumps_canonical
from pilwu_crypto.record.io import RecordReader, atomic_write, reopen_record
from pilwu_crypto.record.layout import MIX_RESULT_PATH
from pilwu_crypto.record.messages import read_private_file
from pilwu_crypto.record.mixcodec import mix_servers_to_json
from pilwu_crypto.verify.checks import UP_TO_MIX_INPUT

_P = TypeVar("_P", bound=argparse.ArgumentParser)


def _command(step: str, func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    return step_command("mix", step, func)




# ====================================================================== keygen ======
def cmd_keygen(args: argparse.Namespace) -> int:
    """Mix server: create its signing key (0600, encrypted) and its public registration."""
    key_path, reg_path = Path(args.key), Path(args.registration)
    server = new_signing_key(args, lambda key: MixServer(args.id, key))
    reg = server.registration
    target = reg_path.resolve()  # a one-server mixnet/servers.json document, written atomically
    atomic_write(target.parent, target.name, dumps_canonical(mix_servers_to_json([reg])))
    say(f"mix server {reg.server_id}: key written to {key_path} (mode 0600); registration {reg_path} "
         f"(public key {reg.public_key.hex()}, fingerprint {key_fingerprint(reg.public_key)}) goes into the "
         "election setup before the key ceremony (pilwu trustee setup --setup)")
    return EXIT_OK


# ====================================================================== stage =======
def _load_server(args: argparse.Namespace) -> MixServer:
    """The mix server of --id with the private key of --key (Refused on a wrong passphrase)."""
    path = Path(args.key)
    data = read_private_file(path)
    passphrase = read_passphrase(args, path, new=False)
    try:
        key = ECC.import_key(data, passphrase=passphrase)
    except (ValueError, TypeError, IndexError):
        raise Refused(f"{path}: not a mix server key, or a wrong passphrase") from None
    try:
        return MixServer(args.id, key)
    except InvalidParameters as exc:
        raise Refused(f"{path}: {exc}") from None


def cmd_stage(args: argparse.Namespace) -> int:
    """Mix server: recompute the first input, check the existing stages, run and add the next stage."""
    root = Path(args.record)
    reader = RecordReader(root)
    allow_group(reader.group, args)
    listed = set(reader.index_paths())
    if MIX_RESULT_PATH in listed or reader.mix_decryption_files():
        raise Refused("the record's final list is already being decrypted; no stage can be added")
    regs = reader.mix_servers()
    if not regs:
        raise Refused("the record's election setup registers no mix server: this election has no mix-net")
    server = _load_server(args)
    registered = {r.server_id: r for r in regs}
    if server.server_id not in registered:
        raise Refused(f"mix server {server.server_id} is not registered in the record's election setup "
                      "(setup.json)")
    if registered[server.server_id].public_key != server.registration.public_key:
        raise Refused(f"mix server {server.server_id}: the key {args.key} is not the registered one")
    stages = reader.mix_stages()
    for stage in stages:
        if stage.server_id == server.server_id:
            raise Refused(f"mix server {server.server_id} already mixed at stage {stage.position}; each stage "
                          "needs a distinct server (checklist A25)")
    snap = require_verified(reader, args, f"mix server {server.server_id} refuses to mix",
                            "up to its mix input", UP_TO_MIX_INPUT, mixnet=True)
    assert snap.context is not None and snap.mix_input is not None  # checks 1-9 and 12 passed in that pass
    context, first = snap.context, snap.mix_input
    generators = mix_generators(context, len(first))
    if stages:
        try:
            current = verify_chain(context, regs, generators, first, stages, min_servers=1)
        except PilwuError as exc:
            raise Refused(f"the record's mix chain does not verify: {exc}") from None
    else:
        current = first
    position = len(stages) + 1
    stage = run_stage(context, server, position, generators, current)
    writer = reopen_record(root)
    writer.write_mix_stage(stage)
    fingerprint_hex = writer.finish()
    say(f"record {root} verified up to its mix input (fingerprint {reader.fingerprint}); stage {position} by mix "
        f"server {server.server_id} added; new fingerprint {fingerprint_hex}")
    return EXIT_OK


# ====================================================================== parser ======
def _passphrase_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--passphrase-file", metavar="PATH",
                   help="read the passphrase from the first line of PATH (else $PILWU_PASSPHRASE, else a prompt)")


def register(sub: argparse._SubParsersAction[_P]) -> None:
    """Add ``pilwu mix`` and its steps to the ``pilwu`` parser's subcommands."""
    mix = sub.add_parser(
        "mix", help="one mix server's stage of the mix-net, on its own machine",
        description="A mix server's key (keygen) and its stage of the mix-net (stage): each server reads the "
                    "previous stage from the record and adds its own.")
    steps = mix.add_subparsers(dest="step", required=True, metavar="STEP")

    p = steps.add_parser("keygen", help="create a mix server's signing key and public registration")
    keygen_options(p, "mix server")
    p.set_defaults(func=_command("keygen", cmd_keygen))

    p = steps.add_parser("stage", help="check the record's mix chain, run and add the next stage")
    p.add_argument("record", metavar="RECORD_DIR")
    p.add_argument("--id", required=True, help="this mix server's id (as registered)")
    p.add_argument("--key", required=True, metavar="KEYFILE", help="this server's key from 'pilwu mix keygen'")
    p.add_argument("--insecure-test-group", action="store_true",
                   help="accept a test-only group (never for a real election)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    _passphrase_option(p)
    p.set_defaults(func=_command("stage", cmd_stage))


__all__ = ["register"]
