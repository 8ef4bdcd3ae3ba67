"""Fuzzing RecordReader: JSON Lines streaming, documents through the reader, index and parameters.

A mixed election record (pilwu-test-512) is written once.  Each example changes one file —
a JSON Lines file line by line (lines dropped, doubled, swapped, emptied, given a CR or
no final newline, one line mutated structurally) or any file byte by byte — and, as an
attacker would, rewrites index.json with the new SHA-256 and size, so that the parsers
and not the hash check meet the change.  The reader's method for that file is then run
to the end.  Only PilwuError may come out, and not as the reader's last-resort wrap of a
foreign exception (tests/fuzz/common.py).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.record import codec
from pilwu_crypto.record.io import RecordReader
from tests.fuzz.common import fuzz_settings, only_pilwu_errors, seed_decorator
from tests.fuzz.mutations import byte_mutations, encode, structural
from tests.fuzz.samples import interesting_hex
from tests.mixed_record import write_mixed_election

GROUP = get_group("pilwu-test-512", allow_test=True)


def _drain(items: Any) -> None:
    for _ in items:
        pass


READERS: dict[str, Callable[[RecordReader], object]] = {
    "ballots/device-1.jsonl": lambda r: _drain(r.ballot_lines("ballots/device-1.jsonl")),
    "ceremony/shares.jsonl": lambda r: _drain(r.encrypted_shares()),
    "mixnet/stage-1.jsonl": lambda r: r.mix_stages(),
    "mixnet/stage-2.json": lambda r: r.mix_stages(),
    "manifest.json": lambda r: r.manifest(),
    "ceremony/reveals.json": lambda r: r.ceremony(),
    "context.json": lambda r: r.context(),
    "devices.json": lambda r: r.devices(),
    "tally/encrypted_tally.json": lambda r: r.encrypted_tally(),
    "tally/result.json": lambda r: r.result(),
    "setup.json": lambda r: (r.setup(), r.devices(), r.mix_servers()),
    "mixnet/result.json": lambda r: r.mix_result(),
    "parameters.json": lambda r: r,
    "index.json": lambda r: r,
}
"""A file of the record -> what reads it (given an opened reader)."""
LINES = ("ballots/device-1.jsonl", "ceremony/shares.jsonl", "mixnet/stage-1.jsonl")


@dataclass(frozen=True)
class Record:
    root: Path

    def read(self, rel: str) -> bytes:
        return (self.root / rel).read_bytes()

    def run(self, rel: str, data: bytes) -> None:
        """Replace ``rel`` by ``data`` (index.json updated to match), open the record and
        run the reader of ``rel``; restore both files afterwards."""
        index_path = self.root / "index.json"
        original, original_index = self.read(rel), index_path.read_bytes()
        try:
            (self.root / rel).write_bytes(data)
            if rel != "index.json":
                index = json.loads(original_index)
                for entry in index["files"]:
                    if entry["path"] == rel:
                        entry.update(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
                index_path.write_bytes(codec.dumps_canonical(index))
            only_pilwu_errors(lambda _: READERS[rel](RecordReader(self.root)), None)
        finally:
            (self.root / rel).write_bytes(original)
            index_path.write_bytes(original_index)


@pytest.fixture(scope="module")
def record() -> Iterator[Record]:
    with tempfile.TemporaryDirectory(prefix="pilwu-fuzz-record-") as tmp:
        root = Path(tmp) / "record"
        write_mixed_election(GROUP, root, voters=3, mix_servers=2, seed=5)
        yield Record(root)


def test_valid_record_reads(record: Record) -> None:
    for rel, read in READERS.items():
        assert only_pilwu_errors(lambda reader: reader(RecordReader(record.root)), read), rel


@st.composite
def line_mutations(draw: st.DrawFn, data: bytes) -> bytes:
    """A JSON Lines file changed line by line (or one line structurally)."""
    lines = data.split(b"\n")[:-1]
    for _ in range(draw(st.integers(1, 2))):
        op = draw(st.sampled_from(("drop", "double", "swap", "empty", "cr", "no_newline", "structural",
                                   "structural", "blank_last", "nul")))
        if not lines:
            lines = [b"{}"]
        i = draw(st.integers(0, len(lines) - 1))
        if op == "drop":
            del lines[i]
        elif op == "double":
            lines.insert(i, lines[i])
        elif op == "swap":
            lines[0], lines[i] = lines[i], lines[0]
        elif op == "empty":
            lines[i] = b""
        elif op == "cr":
            lines[i] += b"\r"
        elif op == "nul":
            lines[i] += b"\x00"
        elif op == "structural":
            try:
                value = json.loads(lines[i])
            except ValueError:
                continue
            lines[i] = encode(draw(structural(value, interesting_hex(GROUP))))
        elif op == "blank_last":
            lines.append(b"")
        else:  # no_newline
            return b"\n".join(lines)
    return b"".join(line + b"\n" for line in lines)


@pytest.mark.parametrize("rel", LINES)
@fuzz_settings(40)
@seed_decorator()
@given(data=st.data())
def test_json_lines_mutations(record: Record, rel: str, data: st.DataObject) -> None:
    record.run(rel, data.draw(line_mutations(record.read(rel)), label="mutated"))


@pytest.mark.parametrize("rel", sorted(READERS))
@fuzz_settings(15)
@seed_decorator()
@given(data=st.data())
def test_byte_mutations_through_the_reader(record: Record, rel: str, data: st.DataObject) -> None:
    record.run(rel, data.draw(byte_mutations(record.read(rel)), label="mutated"))


@pytest.mark.parametrize("rel", ["index.json", "parameters.json", "manifest.json", "mixnet/stage-2.json"])
@fuzz_settings(20)
@seed_decorator()
@given(data=st.data())
def test_structural_mutations_through_the_reader(record: Record, rel: str, data: st.DataObject) -> None:
    value = json.loads(record.read(rel))
    record.run(rel, encode(data.draw(structural(value, interesting_hex(GROUP)), label="mutated")))
