"""atheris harness: every record document and JSON Lines line parser (docs/record-format.md §5).

The input is parsed with the record's strict JSON parser and then offered to every document
parser on every group of PILWU_FUZZ_GROUPS (a parser refuses a document of another kind at
its header, cheaply).  Only PilwuError may escape.  Run: see README.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pilwu_fuzz_common import groups, main, only_pilwu_errors

from pilwu_crypto.algebra.group import Group
from pilwu_crypto.errors import PilwuError
from pilwu_crypto.record import codec, mixcodec, setupcodec

GROUPS = groups()
"""The groups of PILWU_FUZZ_GROUPS."""


GROUP_FREE: tuple[Callable[[Any], object], ...] = (
    codec.parameters_from_json, codec.index_from_json,
    lambda v: codec.manifest_from_json(None, v), lambda v: codec.result_from_json(None, v),
    lambda v: codec.devices_from_json(None, v), lambda v: mixcodec.mix_servers_from_json(None, v),
    lambda v: mixcodec.mix_result_from_json(None, v), setupcodec.election_setup_from_json,
)
"""Parsers that need no group."""
WITH_GROUP: tuple[Callable[[Group, Any], object], ...] = (
    codec.ceremony_from_json, codec.digests_from_json, codec.reveals_from_json, codec.encrypted_share_from_json,
    codec.complaints_from_json, codec.context_from_json, codec.encrypted_tally_from_json,
    codec.trustee_tally_share_from_json, mixcodec.mix_stage_from_json, mixcodec.mix_output_line_from_json,
    mixcodec.mix_decryption_share_from_json,
)
"""Parsers of documents holding group elements or scalars: (group, value)."""


def parse_all(value: Any) -> None:
    """Offer one JSON value to every document and line parser."""
    for parse in GROUP_FREE:
        only_pilwu_errors(parse, value)
    for g in GROUPS:
        for parse_g in WITH_GROUP:
            only_pilwu_errors(parse_g, g, value)


def TestOneInput(data: bytes) -> None:  # noqa: N802 - the name atheris and libFuzzer expect
    """Parse ``data`` as JSON, then as every record document; only PilwuError may escape."""
    try:
        value = codec.parse_json(data)
    except PilwuError:
        return
    parse_all(value)


if __name__ == "__main__":
    main(TestOneInput)
