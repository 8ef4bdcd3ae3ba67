"""atheris harness: Verificatum byte trees and every object a transcript reads from one.

The input is parsed as a byte tree; if it parses, it is read as an int4, a string, a big
integer, a boolean array, and with the groups of the two transcripts in
tests/data/verificatum (ModP-512 and P-256) as group and field elements, arrays of them,
ciphertexts and PoS commitments and replies.  Only PilwuError may escape.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from pilwu_fuzz_common import main, only_pilwu_errors

from pilwu_crypto.errors import PilwuError
from pilwu_crypto.interop.verificatum import bytetree as bt
from pilwu_crypto.interop.verificatum.arithm import VmnGroup, curve_group, parse_group
from pilwu_crypto.interop.verificatum.bytetree import ByteTree
from pilwu_crypto.interop.verificatum.pos import _parse_pos_commitment, _parse_pos_reply
from pilwu_crypto.interop.verificatum.protinfo import parse_protinfo

CASES = Path(__file__).resolve().parents[1] / "tests" / "data" / "verificatum" / "cases"
N = 100
"""Ciphertexts per list in the sample transcripts (array lengths are checked against it)."""


@functools.cache
def vmn_groups() -> tuple[VmnGroup, ...]:
    """The transcripts' groups (or P-256 alone when the test data is not there)."""
    found = [parse_group(parse_protinfo(p.read_bytes()).s_group) for p in sorted(CASES.glob("*/protInfo.xml"))]
    return tuple(found) or (curve_group("P-256"),)


PLAIN: tuple[Callable[[ByteTree], object], ...] = (
    lambda t: bt.read_int4(t, "x"), lambda t: bt.read_str(t, "x"), lambda t: bt.read_bigint(t, "x"),
    lambda t: bt.read_bools(t, "x", len(t)),
)
"""The conventional leaves (NOTES §1)."""
WITH_GROUP: tuple[Callable[[VmnGroup, ByteTree], object], ...] = (
    lambda vg, t: vg.element(t, "x"), lambda vg, t: vg.scalar(t, "x"), lambda vg, t: vg.elements(t, "x"),
    lambda vg, t: vg.scalars(t, "x"), lambda vg, t: vg.wide_element(t, 2, "x"),
    lambda vg, t: vg.wide_scalar(t, 2, "x"), lambda vg, t: vg.wide_elements(t, 2, "x"),
    lambda vg, t: vg.ciphertext(t, 1, "x"), lambda vg, t: vg.ciphertexts(t, 1, "x"),
    lambda vg, t: vg.ciphertexts(t, 2, "x"), lambda vg, t: _parse_pos_commitment(vg, t, N, 1),
    lambda vg, t: _parse_pos_reply(vg, t, N, 1),
)
"""Group objects, arrays, ciphertexts and PoS proof parts (NOTES §2, §9)."""


def TestOneInput(data: bytes) -> None:  # noqa: N802 - the name atheris and libFuzzer expect
    """Parse ``data`` as a byte tree and read it as every transcript object; only PilwuError may escape."""
    try:
        t = bt.parse(data)
    except PilwuError:
        return
    for read in PLAIN:
        only_pilwu_errors(read, t)
    for vg in vmn_groups():
        for read_g in WITH_GROUP:
            only_pilwu_errors(read_g, vg, t)

if __name__ == "__main__":
    main(TestOneInput)
