"""The mix-net part of a record as the election objects see it: first input and final list.

``pilwu mix stage`` (before adding a stage), ``pilwu trustee`` (before decrypting the
final list: a trustee must never decrypt a list whose chain does not verify, or it could
be made to decrypt one ballot alone) and the verifier need the same two things, computed
from the record by the same rules (docs/record-format.md §5.15).
"""

from __future__ import annotations

from collections.abc import Iterator

from pilwu_crypto.election.ballot import EncryptedBallot
from pilwu_crypto.election.context import ElectionContext
from pilwu_crypto.election.mixballot import cast_mix_input
from pilwu_crypto.election.mixnet import DEFAULT_MIN_SERVERS, mix_generators, verify_chain
from pilwu_crypto.proofs.shuffle import CiphertextVector
from pilwu_crypto.record.io import RecordReader


def cast_ballots(reader: RecordReader) -> Iterator[EncryptedBallot]:
    """The record's cast ballots in record order (record-format.md §2): ballot files by
    device id (RecordReader.ballot_files, device_order), each file in its chain order,
    challenged ballots skipped.  Streamed; hashes checked per file."""
    for path in reader.ballot_files():
        for line in reader.ballot_lines(path):
            if line.status == "cast":
                yield line.ballot


def first_mix_input(reader: RecordReader, context: ElectionContext) -> list[CiphertextVector]:
    """The first stage's input: the mix vector of every cast ballot of the record, in
    record order (election/mixballot.py).  The ballots' proofs are the verifier's to check."""
    return cast_mix_input(context, cast_ballots(reader))


def verified_final_list(reader: RecordReader, context: ElectionContext, *,
                        min_servers: int = DEFAULT_MIN_SERVERS) -> list[CiphertextVector]:
    """The last stage's output once the whole chain verifies: at least ``min_servers``
    stages by distinct registered servers (InvalidProof / InvalidParameters naming the
    stage otherwise; never the unmixed input, which a caller could decrypt ballot by ballot)."""
    first = first_mix_input(reader, context)
    stages = reader.mix_stages()
    return verify_chain(context, reader.mix_servers(), mix_generators(context, len(first)), first, stages,
                        min_servers=min_servers)
