"""atheris harness: the key-ceremony message files of record/messages.py.

Each input is offered, as a parsed JSON value, to the decoder of every file of a ceremony
directory: a "ceremony-share" (round 3), a "ceremony-acknowledgement" (finished/), the
one-digest, one-reveal and one-complaint documents of rounds 1 and 2 and of complaints/,
the election setup (setup.json, also the file ``pilwu trustee setup --setup`` reads) and a
hand-written manifest without its hash (messages.manifest_from_file).  The decoders
are called directly: the file readers turn any exception into MalformedRecord, so a
foreign exception is only visible here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pilwu_fuzz_common import groups, main, only_pilwu_errors

from pilwu_crypto.algebra.group import Group
from pilwu_crypto.errors import PilwuError
from pilwu_crypto.record import codec, messages, setupcodec
from pilwu_crypto.record.layout import KIND_MANIFEST

GROUPS = groups()


def unhashed_manifest(value: Any) -> object:
    """What messages.manifest_from_file does with a parsed document."""
    if isinstance(value, dict) and "hash" not in value and value.get("kind") == KIND_MANIFEST:
        value = dict(value)
        value["hash"] = messages._manifest_hash_of(value)
    return codec.manifest_from_json(None, value)


PARSERS: tuple[Callable[[Group, Any], object], ...] = (
    messages.share_from_json, messages.acknowledgement_from_json,
    lambda g, v: messages._one(codec.digests_from_json(g, v), "digest"),
    lambda g, v: messages._one(codec.reveals_from_json(g, v), "reveal"),
    lambda g, v: messages._one(codec.complaints_from_json(g, v), "complaint"),
    codec.ceremony_from_json, codec.context_from_json, codec.trustee_tally_share_from_json,
)
"""The decoders of the files of a ceremony directory (round 1-3, complaints, finished,
ceremony.json, context.json, a trustee's tally-share file): (group, value)."""


def TestOneInput(data: bytes) -> None:  # noqa: N802 - the name atheris and libFuzzer expect
    """Parse ``data`` as every ceremony-directory message; only PilwuError may escape."""
    try:
        value = codec.parse_json(data)
    except PilwuError:
        return
    only_pilwu_errors(unhashed_manifest, value)
    only_pilwu_errors(codec.parameters_from_json, value)
    only_pilwu_errors(setupcodec.election_setup_from_json, value)
    for g in GROUPS:
        for parse in PARSERS:
            only_pilwu_errors(parse, g, value)

if __name__ == "__main__":
    main(TestOneInput)
