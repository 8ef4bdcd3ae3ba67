"""The mix-net part of a record as the election objects see it: first input and final list.

Both ``pilwu mix stage`` (before adding a stage) and ``pilwu trustee`` (before decrypting
the final list: a trustee must never decrypt a list whose chain does not verify, or it
could be made to decrypt one ballot alone) need the same two things, computed from the
record by the same rules the verifier applies (docs/record-format.md §5.15).
"""

from __future__ import annotations

from pilwu_crypto.election.context import ElectionContext
from pilwu_crypto.election.mixnet import DEFAULT_MIN_SERVERS, mix_generators, mix_input, verify_chain
from pilwu_crypto.proofs.shuffle import CiphertextVector
from pilwu_crypto.record.io import RecordReader


def first_mix_input(reader: RecordReader, context: ElectionContext) -> list[CiphertextVector]:
    """The first stage's input, checked against the record's cast ballots."""
    ballots = [ballot for _, ballot in reader.mix_input()]
    return mix_input(context, ballots)


def verified_final_list(reader: RecordReader, context: ElectionContext, *,
                        min_servers: int = DEFAULT_MIN_SERVERS) -> list[CiphertextVector]:
    """The last stage's output once the whole chain verifies (InvalidProof / InvalidParameters
    naming the stage otherwise); the first input itself when no stage exists yet."""
    first = first_mix_input(reader, context)
    stages = reader.mix_stages()
    if not stages:
        return first
    return verify_chain(context, reader.mix_servers(), mix_generators(context, len(first)), first, stages,
                        min_servers=min_servers)
