"""Fuzzing every record document, JSON Lines line and ceremony message parser.

For each kind (tests/fuzz/samples.py: parameters, manifest, election setup, ceremony, digests,
reveals, shares lines, complaints, context, devices, encrypted tally, tally shares, result, index,
mix servers, mix stage and stage output lines, mix decryption shares, mix result; ballot
lines cast and challenged, write-ins on P-256, with and without the deferred subgroup
check and through io.parse_ballot_line; the ceremony-directory messages of
record/messages.py) and each group (pilwu-test-512, P-256):

- the valid sample parses (the mutations start from a valid document);
- structural mutations of its JSON value, parsed both as a value and from their bytes;
- byte mutations of its canonical bytes;

and only a PilwuError may come out.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzz.common import fuzz_settings, only_pilwu_errors, seed_decorator
from tests.fuzz.mutations import byte_mutations, encode, structural
from tests.fuzz.samples import BALLOT_LINES, GROUPS, KINDS, interesting_hex, sample


def _cases(kinds: tuple[str, ...]) -> list[object]:
    return [pytest.param(kind, group, id=f"{kind}@{group}") for kind in kinds for group in GROUPS]


OTHERS = tuple(k for k in KINDS if k not in BALLOT_LINES)
"""Documents, non-ballot lines and ceremony messages: small parsers, fewer examples each."""


def _structural(kind: str, group: str, data: st.DataObject) -> None:
    s = sample(kind, group)
    mutated = data.draw(structural(s.value, interesting_hex(s.group)), label="mutated")
    only_pilwu_errors(s.parse, mutated)
    only_pilwu_errors(s.parse_bytes, encode(mutated, ascii_only=data.draw(st.booleans(), label="ascii")))


def _bytes(kind: str, group: str, data: st.DataObject) -> None:
    s = sample(kind, group)
    only_pilwu_errors(s.parse_bytes, data.draw(byte_mutations(s.data), label="mutated"))


@pytest.mark.parametrize(("kind", "group"), _cases(KINDS))
def test_valid_sample_parses(kind: str, group: str) -> None:
    s = sample(kind, group)
    assert only_pilwu_errors(s.parse, s.value), f"{s.id}: the valid sample is refused"
    assert only_pilwu_errors(s.parse_bytes, s.data), f"{s.id}: the valid sample's bytes are refused"


def test_samples_cover_write_ins() -> None:
    """The P-256 samples carry write-ins (ballot contests, the reveal, the mix result)."""
    for kind in ("ballot-cast", "ballot-challenged", "mix-result", "manifest"):
        assert b"write_in" in sample(kind, "P-256").data, kind
    assert b"write_in_nonces" in sample("ballot-challenged", "P-256").data


@pytest.mark.parametrize(("kind", "group"), _cases(OTHERS))
@fuzz_settings(30)
@seed_decorator()
@given(data=st.data())
def test_structural_mutations(kind: str, group: str, data: st.DataObject) -> None:
    _structural(kind, group, data)


@pytest.mark.parametrize(("kind", "group"), _cases(BALLOT_LINES))
@fuzz_settings(60)
@seed_decorator()
@given(data=st.data())
def test_structural_mutations_ballots(kind: str, group: str, data: st.DataObject) -> None:
    _structural(kind, group, data)


@pytest.mark.parametrize(("kind", "group"), _cases(OTHERS))
@fuzz_settings(30)
@seed_decorator()
@given(data=st.data())
def test_byte_mutations(kind: str, group: str, data: st.DataObject) -> None:
    _bytes(kind, group, data)


@pytest.mark.parametrize(("kind", "group"), _cases(BALLOT_LINES))
@fuzz_settings(60)
@seed_decorator()
@given(data=st.data())
def test_byte_mutations_ballots(kind: str, group: str, data: st.DataObject) -> None:
    _bytes(kind, group, data)


@pytest.mark.parametrize(("kind", "group"), _cases(KINDS))
@fuzz_settings(10)
@seed_decorator()
@given(junk=st.binary(max_size=64))
@example(junk=b"")
@example(junk=b"\xef\xbb\xbf{}")
@example(junk=b"[]")
@example(junk=b"null")
def test_random_bytes(kind: str, group: str, junk: bytes) -> None:
    only_pilwu_errors(sample(kind, group).parse_bytes, junk)
