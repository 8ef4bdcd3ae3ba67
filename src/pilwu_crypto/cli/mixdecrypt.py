"""``pilwu trustee mix-decrypt`` and ``pilwu trustee mix-combine``: the mixed list decrypted.

After the mix servers have added their stages to the record (``pilwu mix stage``), the
trustees decrypt the chain's final list on their own laptops and the election
authority combines their shares (docs/trustee-guide.md, section 8):

=========  ==========================  =================================================
who        command                     what it does
=========  ==========================  =================================================
trustee    ``mix-decrypt``             verifies the mix chain and the record, writes its
                                       decryption shares of the final list (--out)
authority  ``mix-combine``             checks every share file (a bad one is named and
                                       left out), decodes the final list with t valid
                                       ones, adds mixnet/decryption/<trustee>.json and
                                       mixnet/result.json to the record
=========  ==========================  =================================================

Why a trustee verifies before decrypting: a decryption share opens whatever list it is
computed on.  A list that is not the verified output of a chain of at least
DEFAULT_MIN_SERVERS distinct, registered mix servers could be the cast ballots in their
original order, or one voter's ballot among ballots the requester made up: decrypting
it would reveal how individual voters voted.  So ``mix-decrypt`` reads the record once
and verifies it (checks 1-9, 12 and 13 of ``pilwu verify``: the first input recomputed from
the record's cast ballots, then every stage's signature and shuffle proof by distinct
servers of the setup, the generators re-derived from H_E), and decrypts only the final
list that very pass produced (verify/checks.py Snapshot): checks 6-9 are what make those
cast ballots genuine (device signatures, proofs, code chains, no replay), so the
authority cannot surround one voter's ballot with ballots of its own making, and the
``--fingerprint`` of the ballot box the authority announced at the close of polls must be
the record's, so no record with fewer ballots than the one announced is decrypted.

Exit codes as for every ``pilwu`` command: 0 done (``mix-combine`` also when some share
files were rejected but t valid ones remain: each rejected file is named in a warning);
1 refused (a chain or record that does not verify, fewer than t valid shares, a record
whose mixed list is already decrypted, a wrong passphrase); 2 misuse (an --out file that
exists without --force, a share file that cannot be read, a record that cannot be read
at all).  Every error is one line on stderr; no secret is ever printed.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from pilwu_crypto.algebra.group import Element, Group
from pilwu_crypto.cli import render
from pilwu_crypto.cli.steps import EXIT_OK, Refused, hex_prefix, read_input_document, say
from pilwu_crypto.cli.trustee import (
    allow_group,
    ballot_box_option,
    check_ballot_box,
    checked_out_path,
    command,
    keyed_for_record,
    passphrase_option,
    record_context,
    require_verified,
    test_group_option,
)
from pilwu_crypto.election.context import ElectionContext
from pilwu_crypto.election.manifest import Manifest
from pilwu_crypto.election.mixballot import count_mixed, decode_mixed_ballots, invalid_write_ins, mix_layout
from pilwu_crypto.election.mixnet import (
    DEFAULT_MIN_SERVERS,
    MixDecryptionShare,
    decrypt_final_list,
    verify_mix_decryption_shares,
)
from pilwu_crypto.errors import MalformedRecord, PilwuError
from pilwu_crypto.proofs.shuffle import CiphertextVector
from pilwu_crypto.record.codec import dumps_canonical
from pilwu_crypto.record.io import RecordReader, atomic_write, reopen_record
from pilwu_crypto.record.layout import MAX_MIX_DOCUMENT_BYTES, MIX_RESULT_PATH, RESULT_PATH
from pilwu_crypto.record.mixcodec import (
    PublishedMixResult,
    mix_decryption_share_from_json,
    mix_decryption_share_to_json,
)
from pilwu_crypto.record.mixread import verified_final_list
from pilwu_crypto.verify.checks import UP_TO_MIX_CHAIN

_P = TypeVar("_P", bound=argparse.ArgumentParser)


def _warn(text: str) -> None:
    render.err.print(f"pilwu: warning: {text}")


# ====================================================================== shared ======
def _mixnet_record(root: Path, reader: RecordReader) -> None:
    """Refuse a record without a mix-net part or whose mixed list already has shares or a result."""
    listed = set(reader.index_paths())
    if not reader.mix_stage_files():
        raise Refused(f"the record {root} has no mix-net part (no mixnet/stage-<pos>.json): nothing to decrypt")
    if MIX_RESULT_PATH in listed or reader.mix_decryption_files():
        raise Refused(f"the record {root} already has the mixed list's decryption ({MIX_RESULT_PATH} or "
                      "mixnet/decryption/); it cannot be decrypted again")


def _layout(context: ElectionContext, refusal: str) -> None:
    """Refuse (``refusal: reason``) an election whose ballots cannot be mixed: a contest whose
    selection codes are too large, or write-ins on a group without a text encoding."""
    try:
        mix_layout(context)
    except PilwuError as exc:
        raise Refused(f"{refusal}: {exc}") from None


def _enough_stages(reader: RecordReader, refusal: str) -> None:
    """Refuse (``refusal: reason``) a chain of fewer than DEFAULT_MIN_SERVERS stages."""
    stages = len(reader.mix_stage_files())
    if stages < DEFAULT_MIN_SERVERS:
        raise Refused(f"{refusal}: the record has {stages} mix stage(s), at least {DEFAULT_MIN_SERVERS} by "
                      "distinct mix servers are required (with fewer, one server could link every ballot to "
                      "its plaintext)")


def _final_list(reader: RecordReader, context: ElectionContext, refusal: str) -> list[CiphertextVector]:
    """The verified final list of the record's chain, refusing (``refusal: reason``) a chain
    of fewer than DEFAULT_MIN_SERVERS stages or one that does not verify (the failing stage
    and its server named)."""
    _enough_stages(reader, refusal)
    try:
        return verified_final_list(reader, context, min_servers=DEFAULT_MIN_SERVERS)
    except PilwuError as exc:
        raise Refused(f"{refusal}: the mix chain does not verify: {exc}") from None


# ====================================================================== decrypt =====
def cmd_mix_decrypt(args: argparse.Namespace) -> int:
    """Trustee: verify the record's mix chain (at least two distinct servers) and the rest of
    the record, then write this trustee's decryption shares of the chain's final list.

    The final list comes only from :func:`verified_final_list`: a trustee must never
    decrypt a list whose chain does not verify or that fewer than two distinct mix servers
    shuffled, or it could be made to open single ballots (see the module docstring).
    """
    root = Path(args.record)
    reader = RecordReader(root)
    allow_group(reader.group, args)
    out = checked_out_path(args)
    box = hex_prefix(args.fingerprint, "--fingerprint")
    _mixnet_record(root, reader)
    keyed, context, _ = keyed_for_record(args, reader, root, "mix-decrypt")
    refusal = f"trustee {keyed.trustee_id} refuses to decrypt the mixed list"
    _layout(context, refusal)
    _enough_stages(reader, refusal)
    snap = require_verified(reader, args, refusal, "up to its mixed list", UP_TO_MIX_CHAIN)
    check_ballot_box(snap, box, refusal)
    assert snap.context is not None and snap.final_list is not None  # checks 1-9, 12, 13 passed in that pass
    final = snap.final_list
    share = decrypt_final_list(snap.context, keyed, final)
    data = dumps_canonical(mix_decryption_share_to_json(share))
    if len(data) > MAX_MIX_DOCUMENT_BYTES:
        raise Refused(f"the shares of {len(final)} vectors take {len(data)} bytes, more than the "
                      f"{MAX_MIX_DOCUMENT_BYTES}-byte limit of a mix decryption document")
    atomic_write(out.parent, out.name, data)  # replaces the name itself (a symlink is not followed)
    say(f"trustee {keyed.trustee_id} (#{keyed.index}): the mix chain of {len(reader.mix_stage_files())} stages "
        "verifies and the record verifies up to its mixed list")
    say(f"record {root}, fingerprint {reader.fingerprint}, ballot box {snap.ballot_box_hex()}")
    say(f"wrote the decryption shares of {len(final)} mixed ballots with proofs to {out}; give this file to the "
        "election authority")
    return EXIT_OK


# ====================================================================== combine =====
def read_share_file(path: Path, group: Group) -> MixDecryptionShare:
    """A share file written by ``mix-decrypt``: Misuse if it cannot be read at all,
    MalformedRecord ``path: reason`` if it is not such a document."""
    return read_input_document(path, MAX_MIX_DOCUMENT_BYTES, "mix decryption",
                               lambda v: mix_decryption_share_from_json(group, v), "share file")


def _checked_shares(context: ElectionContext, final: Sequence[CiphertextVector], paths: Sequence[str],
                    vkeys: Mapping[int, Element]) -> tuple[dict[int, MixDecryptionShare], list[str]]:
    """({trustee index: share} for every valid file, [one reason per rejected file]).

    Each file is checked on its own against the verified final list (trustee of this
    election under its index, shape, every Chaum–Pedersen proof), so one bad or repeated
    file never hides the others."""
    valid: dict[int, MixDecryptionShare] = {}
    rejected: list[str] = []
    for raw in paths:
        path = Path(raw)
        try:
            share = read_share_file(path, context.group)
        except MalformedRecord as exc:
            rejected.append(str(exc))
            continue
        if share.trustee_index in valid:
            rejected.append(f"{path}: a second share file of trustee {share.trustee_index} ({share.trustee_id})")
            continue
        good, bad = verify_mix_decryption_shares(context, final, [share], vkeys)
        if bad:
            rejected.append(f"{path}: {bad[share.trustee_index]}")
            continue
        valid.update(good)
    return valid, rejected


def decode_mixed_list(context: ElectionContext, final: Sequence[CiphertextVector],
                      valid: Mapping[int, MixDecryptionShare]) -> PublishedMixResult:
    """The one place that turns verified shares into the published result (mixnet/result.json):
    combine t of them and read every vector back by the manifest's ballot layout (votes per
    option and write-in names, election/mixballot.py), in final-list order."""
    return PublishedMixResult(tuple(decode_mixed_ballots(context, final, valid)))


def _report_result(reader: RecordReader, manifest: Manifest, result: PublishedMixResult) -> None:
    """Print the counts per option of the mixed ballots (compared with tally/result.json when
    the record has one) and, per contest with write-ins, the names written, most frequent first."""
    counts, names = count_mixed(manifest, result.ballots)
    options = {(c.contest_id, o.option_id): o.name for c in manifest.contests for o in c.options}
    for (cid, oid), n in counts.items():
        say(f"  {cid} / {options[(cid, oid)]} ({oid}): {n}")
    invalid = invalid_write_ins(manifest, result.ballots)
    for cid, written in names.items():
        for name, n in sorted(written.items(), key=lambda item: (-item[1], item[0])):
            say(f"  {cid} / written in: {name!r}: {n}")
        if invalid.get(cid):
            say(f"  {cid} / invalid write-ins (no name encoded, plaintext-encodings.md §6): {invalid[cid]}")
    if RESULT_PATH in reader.index_paths():
        if reader.result().counts == counts:
            say(f"the mixed ballots' counts agree with the homomorphic tally in {RESULT_PATH}")
        else:
            _warn(f"the mixed ballots' counts differ from the homomorphic tally in {RESULT_PATH}")


def cmd_mix_combine(args: argparse.Namespace) -> int:
    """Authority: check the trustees' share files against the verified final list, decode
    the list with t valid ones, add the valid shares and the result to the record."""
    root = Path(args.record)
    reader = RecordReader(root)
    allow_group(reader.group, args)
    _mixnet_record(root, reader)
    _, context, vkeys, _ = record_context(reader)
    _layout(context, "cannot decrypt the mixed list")
    final = _final_list(reader, context, "cannot decrypt the mixed list")
    valid, rejected = _checked_shares(context, final, args.shares, vkeys)
    if len(valid) < context.threshold:
        raise Refused(f"{len(valid)} valid mix decryption share file(s), {context.threshold} needed"
                      + (f"; rejected: {'; '.join(rejected)}" if rejected else ""))
    for reason in rejected:
        _warn(f"rejected {reason}")
    result = decode_mixed_list(context, final, valid)
    writer = reopen_record(root)
    for index in sorted(valid):
        writer.write_mix_decryption(valid[index])
    writer.write_mix_result(result)
    fingerprint_hex = writer.finish()
    used = ", ".join(valid[i].trustee_id for i in sorted(valid))
    say(f"the mixed list of {len(final)} ballots decrypted; valid shares of {used}"
        + (f" ({len(rejected)} share file(s) rejected)" if rejected else ""))
    _report_result(reader, context.manifest, result)
    say(f"record {root} completed; fingerprint {fingerprint_hex} (publish it). Check it with: pilwu verify {root}")
    return EXIT_OK


__all__ = ["cmd_mix_combine", "cmd_mix_decrypt", "decode_mixed_list", "read_share_file"]


# ====================================================================== parser ======
def register(steps: argparse._SubParsersAction[_P]) -> None:
    """Add ``mix-decrypt`` and ``mix-combine`` to ``pilwu trustee``'s steps."""
    p = steps.add_parser("mix-decrypt", help="trustee: verify a record's mix chain, write shares of its final list")
    p.add_argument("record", metavar="RECORD_DIR")
    p.add_argument("--state", required=True, metavar="PATH", help="this trustee's sealed (keyed) state file")
    p.add_argument("--out", required=True, metavar="SHARE.json",
                   help="where to write the decryption shares of the mixed list")
    ballot_box_option(p)
    p.add_argument("--force", action="store_true", help="overwrite an existing --out file")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    passphrase_option(p)
    test_group_option(p)
    p.set_defaults(func=command("mix-decrypt", cmd_mix_decrypt))

    p = steps.add_parser("mix-combine", help="authority: add the mixed list's shares and decoded result to the record")
    p.add_argument("record", metavar="RECORD_DIR")
    p.add_argument("shares", nargs="+", metavar="SHARE.json", help="share files from 'pilwu trustee mix-decrypt'")
    test_group_option(p)
    p.set_defaults(func=command("mix-combine", cmd_mix_combine))
