"""Fuzzing the file readers of a ceremony directory (record/messages.py).

A complete ceremony directory (setup with its election setup, round 1-3 messages, a complaint, acknowledgements,
the context, a tally-share file) is written once with the module's own writers; each
example replaces one file by a mutated version (structurally or as bytes), reads it with
the reader a trustee's laptop would use, and restores it.  The readers must return or
raise a PilwuError, and the error must not be one of their last-resort wraps of a
foreign exception (tests/fuzz/common.py).
"""

from __future__ import annotations

import dataclasses
import json
import random
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.election.simulation import kuwu_manifest, simulate_election
from pilwu_crypto.record import codec, messages
from tests.fuzz.common import fuzz_settings, only_pilwu_errors, seed_decorator
from tests.fuzz.mutations import byte_mutations, encode, structural
from tests.fuzz.samples import _complaint, interesting_hex

GROUP = get_group("pilwu-test-512", allow_test=True)


@dataclasses.dataclass(frozen=True)
class CeremonyDir:
    root: Path
    setup: messages.CeremonySetup
    readers: dict[str, Callable[[], object]]
    """Relative path of a file -> the reader that parses it."""


@pytest.fixture(scope="module")
def ceremony_dir() -> Iterator[CeremonyDir]:
    sim = simulate_election(GROUP, kuwu_manifest(["A", "B"]), trustees=3, threshold=2, absent=1, voters=2,
                            challenged=0, devices=1, rng=random.Random(3))
    cer = sim.ceremony
    with tempfile.TemporaryDirectory(prefix="pilwu-fuzz-ceremony-") as tmp:
        root = Path(tmp)
        messages.write_setup(root, messages.CeremonySetup(GROUP, sim.context.manifest, cer.ceremony, sim.setup))
        for d in cer.digests:
            messages.write_digest(root, d)
        for r in cer.reveals:
            messages.write_reveal(root, r)
        for s in cer.shares:
            messages.write_share(root, s)
        complaint = dataclasses.replace(_complaint(GROUP), complainer_id="trustee-2", complainer_index=2,
                                        accused_id="trustee-1", accused_index=1)
        messages.write_complaint(root, complaint)
        keys = sim.verification_keys
        for i, tid in enumerate(cer.ceremony.trustee_ids, start=1):
            messages.write_acknowledgement(root, messages.Acknowledgement(
                tid, i, cer.ceremony.base_hash, sim.context.joint_key.element, keys[i]))
        messages.write_context(root, codec.PublishedContext(cer.ceremony.base_hash, sim.context.election_hash,
                                                            sim.context.joint_key.element, dict(keys)))
        messages.write_tally_share_file(root / "tally-share.json", sim.tally_shares[0])
        setup = messages.read_setup(root)
        readers: dict[str, Callable[[], object]] = {
            messages.PARAMETERS_FILE: lambda: messages.read_setup(root),
            messages.MANIFEST_FILE: lambda: (messages.read_setup(root),
                                             messages.manifest_from_file(root / messages.MANIFEST_FILE)),
            messages.CEREMONY_FILE: lambda: messages.read_setup(root),
            messages.SETUP_FILE: lambda: (messages.read_setup(root),
                                          messages.setup_from_file(root / messages.SETUP_FILE)),
            messages.digest_file("trustee-1"): lambda: messages.read_digests(root, setup),
            messages.reveal_file("trustee-2"): lambda: messages.read_reveals(root, setup),
            messages.share_file("trustee-1", "trustee-3"): lambda: messages.read_all_shares(root, setup),
            messages.complaint_file("trustee-2", "trustee-1"): lambda: messages.read_complaints(root, setup),
            messages.acknowledgement_file("trustee-3"): lambda: messages.read_acknowledgements(root, setup),
            messages.CONTEXT_FILE: lambda: messages.read_context(root, setup),
            "tally-share.json": lambda: messages.read_tally_share_file(root / "tally-share.json", GROUP),
        }
        yield CeremonyDir(root, setup, readers)


FILES = (messages.PARAMETERS_FILE, messages.MANIFEST_FILE, messages.CEREMONY_FILE, messages.SETUP_FILE,
         "round1/trustee-1.json",
         "round2/trustee-2.json", "round3/trustee-1-to-trustee-3.json", "complaints/trustee-2-against-trustee-1.json",
         "finished/trustee-3.json", messages.CONTEXT_FILE, "tally-share.json")


def test_directory_reads_back(ceremony_dir: CeremonyDir) -> None:
    assert sorted(ceremony_dir.readers) == sorted(FILES)
    for rel, read in ceremony_dir.readers.items():
        assert only_pilwu_errors(lambda reader: reader(), read), rel
    assert len(messages.read_complaints(ceremony_dir.root, ceremony_dir.setup)) == 1


def _with_file(cd: CeremonyDir, rel: str, data: bytes) -> None:
    """Write ``data`` over ``rel``, run its reader (only PilwuError), restore the file."""
    path = cd.root / rel
    original = path.read_bytes()
    try:
        path.write_bytes(data)
        only_pilwu_errors(lambda _: cd.readers[rel](), None)
    finally:
        path.write_bytes(original)


@pytest.mark.parametrize("rel", FILES)
@fuzz_settings(20)
@seed_decorator()
@given(data=st.data())
def test_structural_mutations(ceremony_dir: CeremonyDir, rel: str, data: st.DataObject) -> None:
    value: Any = json.loads((ceremony_dir.root / rel).read_bytes())
    mutated = data.draw(structural(value, interesting_hex(GROUP)), label="mutated")
    _with_file(ceremony_dir, rel, encode(mutated))


@pytest.mark.parametrize("rel", FILES)
@fuzz_settings(20)
@seed_decorator()
@given(data=st.data())
def test_byte_mutations(ceremony_dir: CeremonyDir, rel: str, data: st.DataObject) -> None:
    original = (ceremony_dir.root / rel).read_bytes()
    _with_file(ceremony_dir, rel, data.draw(byte_mutations(original), label="mutated"))


@pytest.mark.parametrize("rel", FILES)
def test_missing_and_empty_files(ceremony_dir: CeremonyDir, rel: str) -> None:
    """An empty file, a directory in its place, and a missing file: PilwuError or None."""
    _with_file(ceremony_dir, rel, b"")
    path = ceremony_dir.root / rel
    original = path.read_bytes()
    path.unlink()
    try:
        only_pilwu_errors(lambda _: ceremony_dir.readers[rel](), None)
        path.mkdir()
        only_pilwu_errors(lambda _: ceremony_dir.readers[rel](), None)
        path.rmdir()
    finally:
        path.write_bytes(original)
