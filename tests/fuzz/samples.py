"""Valid documents to start fuzzing from: one small mixed election per group, written once.

:func:`samples` simulates an election on the test-only group pilwu-test-512 (two contests)
and on P-256 (a contest that takes write-ins), mixes it through two stages, writes the
record with the library's writer into a temporary directory and returns every document
kind, JSON Lines line and ceremony message of it as a :class:`Sample`: its canonical bytes,
its JSON value and the parser that reads it.  Built once per process (a fraction of a
second per group); nothing is read from outside the repository.
"""

from __future__ import annotations

import functools
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pilwu_crypto.algebra.group import Group
from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.algebra.modp import ModPGroup
from pilwu_crypto.record import codec, messages, mixcodec, setupcodec
from pilwu_crypto.record.io import parse_ballot_line
from pilwu_crypto.record.layout import KIND_MANIFEST
from pilwu_crypto.threshold.dkg import Ceremony, TrusteeRound1
from tests.fuzz.mutations import encode
from tests.mixed_record import write_mixed_election

GROUPS = ("pilwu-test-512", "P-256")
"""pilwu-test-512: an integer group (fast, test-only); P-256: a curve, with write-ins."""


@dataclass(frozen=True)
class Sample:
    """One valid input of one parser."""

    name: str
    """Document kind (or line kind), e.g. ``mix-stage``."""
    group: Group
    value: Any
    """The parsed JSON value."""
    data: bytes
    """The canonical bytes (a whole document, or one line without its newline)."""
    parse: Callable[[Any], object]
    """The parser of a JSON value (from :func:`codec.parse_json`) into an object."""
    raw: Callable[[bytes], object] | None = None
    """The parser of bytes when it is not ``parse(codec.parse_json(data))``."""

    @property
    def id(self) -> str:
        return f"{self.name}@{self.group.name}"

    def parse_bytes(self, data: bytes) -> object:
        """The whole pipeline from bytes: strict JSON, then the document parser."""
        if self.raw is not None:
            return self.raw(data)
        return self.parse(codec.parse_json(data))


def _ballot_line_parser(group: Group, deferred: bool) -> Callable[[Any], object]:
    def parse(value: Any) -> object:
        unchecked: list[Any] | None = [] if deferred else None
        return codec.ballot_line_from_json(group, value, "", unchecked)
    return parse


def interesting_hex(group: Group) -> tuple[str, ...]:
    """Fixed-width hex of edge values for ``group``: 0, 1, q-1, q, p-1, p, all ones, at the
    width of an element and of a scalar (range and subgroup checks)."""
    out: list[str] = []
    for width, values in ((group.scalar_size, (0, 1, group.q - 1, group.q, group.q + 1)),
                          (group.element_size, (0, 1, 2))):
        out += [v.to_bytes(width, "big").hex() for v in values if v.bit_length() <= 8 * width]
        out.append("ff" * width)
    if isinstance(group, ModPGroup):
        p = int(group.p)
        out += [v.to_bytes(group.element_size, "big").hex() for v in (p - 1, p, p + 1)
                if v.bit_length() <= 8 * group.element_size]
    else:  # compressed points: prefixes 02/03/04 with x = 0, and the identity's encoding
        out += [prefix + "00" * (group.element_size - 1) for prefix in ("02", "03", "04", "01")]
    return tuple(out)


@functools.cache
def samples() -> tuple[Sample, ...]:
    """Every sample of both groups (cached: the elections run once per process)."""
    out: list[Sample] = []
    with tempfile.TemporaryDirectory(prefix="pilwu-fuzz-") as tmp:
        for name in GROUPS:
            out += _group_samples(get_group(name, allow_test=True), Path(tmp) / name)
    return tuple(out)


def sample(name: str, group: str) -> Sample:
    """The sample of kind ``name`` on ``group``."""
    for s in samples():
        if s.name == name and s.group.name == group:
            return s
    raise KeyError(f"no sample {name}@{group}")


DOCUMENTS = ("parameters", "manifest", "setup", "ceremony", "digests", "reveals", "shares-line", "complaints",
             "context", "devices", "encrypted-tally", "tally-shares", "result", "index", "mix-servers", "mix-stage",
             "mix-stage-line", "mix-decryption", "mix-result")
"""Record documents and JSON Lines lines other than ballots (docs/record-format.md §5)."""
BALLOT_LINES = ("ballot-cast", "ballot-challenged", "ballot-cast-deferred", "ballot-challenged-deferred",
                "ballot-cast-io", "ballot-challenged-io")
"""Ballot lines: codec.ballot_line_from_json, with the deferred subgroup check, and io.parse_ballot_line."""
MESSAGES = ("msg-share", "msg-acknowledgement", "msg-round1", "msg-round2", "msg-complaint",
            "msg-manifest-unhashed")
"""Ceremony-directory messages (record/messages.py)."""
KINDS = DOCUMENTS + BALLOT_LINES + MESSAGES


def _group_samples(group: Group, root: Path) -> list[Sample]:
    curve = not isinstance(group, ModPGroup)
    election = write_mixed_election(group, root, voters=3, mix_servers=2, seed=11, write_ins=curve)
    out: list[Sample] = []

    def add(name: str, data: bytes, parse: Callable[[Any], object],
            raw: Callable[[bytes], object] | None = None) -> None:
        data = data.rstrip(b"\n")
        out.append(Sample(name, group, json.loads(data), data, parse, raw))

    def doc(rel: str) -> bytes:
        return (root / rel).read_bytes()

    def first_line(rel: str, predicate: Callable[[Any], bool] = lambda v: True) -> bytes:
        for line in doc(rel).splitlines():
            if predicate(json.loads(line)):
                return line
        raise AssertionError(f"{rel}: no matching line")

    g = group
    add("parameters", doc("parameters.json"), codec.parameters_from_json)
    add("manifest", doc("manifest.json"), lambda v: codec.manifest_from_json(None, v))
    add("setup", doc("setup.json"), setupcodec.election_setup_from_json)
    add("ceremony", doc("ceremony/ceremony.json"), lambda v: codec.ceremony_from_json(g, v))
    add("digests", doc("ceremony/digests.json"), lambda v: codec.digests_from_json(g, v))
    add("reveals", doc("ceremony/reveals.json"), lambda v: codec.reveals_from_json(g, v))
    add("shares-line", first_line("ceremony/shares.jsonl"), lambda v: codec.encrypted_share_from_json(g, v))
    complaint = _complaint(group)
    add("complaints", codec.dumps_canonical(codec.complaints_to_json([complaint])),
        lambda v: codec.complaints_from_json(g, v))
    add("context", doc("context.json"), lambda v: codec.context_from_json(g, v))
    add("devices", doc("devices.json"), lambda v: codec.devices_from_json(g, v))
    ballots = sorted(p.relative_to(root).as_posix() for p in (root / "ballots").iterdir())
    lines = [line for rel in ballots for line in doc(rel).splitlines()]
    cast = next(line for line in lines if json.loads(line)["status"] == "cast")
    challenged = next(line for line in lines if json.loads(line)["status"] == "challenged")
    for status, line in (("cast", cast), ("challenged", challenged)):
        add(f"ballot-{status}", line, _ballot_line_parser(g, deferred=False))
        add(f"ballot-{status}-deferred", line, _ballot_line_parser(g, deferred=True))
        add(f"ballot-{status}-io", line, lambda v: parse_ballot_line(g, "ballots/d.jsonl", 1, encode(v)),
            lambda data: parse_ballot_line(g, "ballots/d.jsonl", 1, data))
    add("encrypted-tally", doc("tally/encrypted_tally.json"), lambda v: codec.encrypted_tally_from_json(g, v))
    share_file = sorted((root / "tally" / "shares").iterdir())[0]
    add("tally-shares", share_file.read_bytes(), lambda v: codec.trustee_tally_share_from_json(g, v))
    add("result", doc("tally/result.json"), lambda v: codec.result_from_json(g, v))
    add("index", doc("index.json"), codec.index_from_json)
    # a "mix-servers" document: what `pilwu mix keygen` writes (and format 1's mixnet/servers.json)
    add("mix-servers", codec.dumps_canonical(mixcodec.mix_servers_to_json(election.sim.setup.mix_servers)),
        lambda v: mixcodec.mix_servers_from_json(g, v))
    add("mix-stage", doc("mixnet/stage-1.json"), lambda v: mixcodec.mix_stage_from_json(g, v))
    add("mix-stage-line", first_line("mixnet/stage-1.jsonl"), lambda v: mixcodec.mix_output_line_from_json(g, v))
    decryption = sorted((root / "mixnet" / "decryption").iterdir())[0]
    add("mix-decryption", decryption.read_bytes(), lambda v: mixcodec.mix_decryption_share_from_json(g, v))
    add("mix-result", doc("mixnet/result.json"), lambda v: mixcodec.mix_result_from_json(g, v))
    # ceremony-directory messages (record/messages.py)
    sim = election.sim
    add("msg-share", codec.dumps_canonical(messages.share_to_json(sim.ceremony.shares[0])),
        lambda v: messages.share_from_json(g, v))
    keys = sim.verification_keys
    ack = messages.Acknowledgement(sim.context.trustee_ids[0], 1, sim.context.base_hash,
                                   sim.context.joint_key.element, keys[1])
    add("msg-acknowledgement", codec.dumps_canonical(messages.acknowledgement_to_json(ack)),
        lambda v: messages.acknowledgement_from_json(g, v))
    add("msg-round1", codec.dumps_canonical(codec.digests_to_json(sim.ceremony.digests[:1])),
        lambda v: messages._one(codec.digests_from_json(g, v), "digest"))
    add("msg-round2", codec.dumps_canonical(codec.reveals_to_json(sim.ceremony.reveals[:1])),
        lambda v: messages._one(codec.reveals_from_json(g, v), "reveal"))
    add("msg-complaint", codec.dumps_canonical(codec.complaints_to_json([complaint])),
        lambda v: messages._one(codec.complaints_from_json(g, v), "complaint"))
    manifest = json.loads(doc("manifest.json"))
    del manifest["hash"]  # a hand-written manifest: the hash is computed (messages.manifest_from_file)
    add("msg-manifest-unhashed", codec.dumps_canonical(manifest), _unhashed_manifest)
    return out


def _unhashed_manifest(value: Any) -> object:
    """What messages.manifest_from_file does with a parsed document (the hash computed when absent)."""
    if isinstance(value, dict) and "hash" not in value and value.get("kind") == KIND_MANIFEST:
        value = dict(value)
        value["hash"] = messages._manifest_hash_of(value)
    return codec.manifest_from_json(None, value)


def _complaint(group: Group) -> Any:
    """A real complaint (the recipe of tests/unit/test_record_codec.py): two trustees, one
    complains about the share the other sent it."""
    ceremony = Ceremony(group, bytes(range(32)), ("alice", "bob"), 2)
    r1 = [TrusteeRound1.generate(ceremony, t) for t in ceremony.trustee_ids]
    digests = [t.digest_message() for t in r1]
    r2 = [t.receive_digests(digests) for t in r1]
    r3 = [t.receive_reveals([t2.reveal_message() for t2 in r2]) for t in r2]
    share = next(s for s in r3[0].encrypted_shares() if s.recipient_id == "bob")
    return r3[1].complaint_against(share)

