"""atheris harness: one line of a ballot file (cast or challenged, with write-ins on a curve).

Each input is parsed as the codec parses it (every ciphertext fully checked, and with the
subgroup check deferred as the batched verifier does) and through io.parse_ballot_line,
on every group of PILWU_FUZZ_GROUPS.  The codec is called directly, not only through
parse_ballot_line, because the latter turns any exception into MalformedRecord: a
foreign exception from the codec is the bug this harness looks for.
"""

from __future__ import annotations

from pilwu_fuzz_common import groups, main, only_pilwu_errors

from pilwu_crypto.errors import PilwuError
from pilwu_crypto.record import codec
from pilwu_crypto.record.io import parse_ballot_line

GROUPS = groups()


def TestOneInput(data: bytes) -> None:  # noqa: N802 - the name atheris and libFuzzer expect
    """Parse ``data`` as a ballot line in every way the record is read; only PilwuError may escape."""
    try:
        value = codec.parse_json(data)
    except PilwuError:
        value = None
    for g in GROUPS:
        only_pilwu_errors(codec.ballot_line_from_json, g, value)
        only_pilwu_errors(codec.ballot_line_from_json, g, value, "", [])
        only_pilwu_errors(parse_ballot_line, g, "ballots/fuzz.jsonl", 1, data)


if __name__ == "__main__":
    main(TestOneInput)
