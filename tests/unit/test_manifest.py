"""Manifest validation and the context hashes H_B and H_E."""

from __future__ import annotations

import dataclasses
import re

import pytest

from pilwu_crypto.algebra.group import Group
from pilwu_crypto.election.context import base_hash, election_hash
from pilwu_crypto.election.device import VotingDevice
from pilwu_crypto.election.manifest import Contest, Manifest, Option
from pilwu_crypto.election.mixnet import MixServer
from pilwu_crypto.election.setup import ElectionSetup
from pilwu_crypto.errors import InvalidManifest

PLACE = {"village": "Kaliwedi Kidul", "district": "Kaliwedi", "regency": "Cirebon", "date": "2026-06-14",
         "registered_voters": 2873}
"""The place fields of a format-2 manifest (docs/record-format.md §5.3)."""


def kuwu(n: int = 3, limit: int = 1) -> Manifest:
    opts = tuple(Option(f"cand-{i}", f"Candidate {i}") for i in range(n))
    return Manifest("kaliwedi-2026", "Pilwu Desa Kaliwedi", (Contest("kuwu", "Kuwu", opts, limit),))


def placed(**changes: object) -> Manifest:
    """kuwu() with the place fields, ``changes`` applied to them."""
    return dataclasses.replace(kuwu(), **{**PLACE, **changes})  # type: ignore[arg-type]


def test_valid_manifest_and_lookup() -> None:
    m = kuwu()
    assert m.contest("kuwu").option_index("cand-2") == 2
    with pytest.raises(InvalidManifest, match="no option"):
        m.contest("kuwu").option_index("cand-9")
    with pytest.raises(InvalidManifest, match="no contest"):
        m.contest("camat")


@pytest.mark.parametrize("make, message", [
    (lambda: Contest("kuwu", "Kuwu", ()), "has no options"),
    (lambda: Contest("kuwu", "Kuwu", (Option("a", "A"), Option("a", "B"))), "duplicate option id 'a'"),
    (lambda: Contest("kuwu", "Kuwu", (Option("a", "A"),), selection_limit=2), "selection_limit 2 exceeds"),
    (lambda: Contest("kuwu", "Kuwu", (Option("a", "A"),), selection_limit=0), "selection_limit 0"),
    (lambda: Contest("kuwu", "Kuwu", (Option("a", "A"), Option("b", "B")), 1, 2), "option_limit 2 exceeds"),
    (lambda: Contest("k u", "Kuwu", (Option("a", "A"),)), "not a valid identifier"),
    (lambda: Contest("kuwu\n", "Kuwu", (Option("a", "A"),)), "not a valid identifier"),
    (lambda: Option("a", ""), "name must be non-empty"),
    (lambda: Manifest("e", "E", ()), "has no contests"),
    (lambda: Manifest("e", "E", (kuwu().contests[0], kuwu().contests[0])), "duplicate contest id 'kuwu'"),
])
def test_invalid_manifests_named(make: object, message: str) -> None:
    with pytest.raises(InvalidManifest, match=message):
        make()  # type: ignore[operator]


UNSAFE_NAMES = ["\x1b[2J", "\x1b]0;title\x07", "Ki \u202eAhmad", "Nyi\nSiti", "tab\there", "\x9bC1",
                "a\u2066b", "line\u2028break", "\x00"]


@pytest.mark.parametrize("bad", UNSAFE_NAMES)
@pytest.mark.parametrize("make, field", [
    (lambda bad: Option("cand-1", bad), "option cand-1: name"),
    (lambda bad: Contest("kuwu", bad, (Option("a", "A"),)), "contest kuwu: name"),
    (lambda bad: Manifest("e", bad, kuwu().contests), "election e: name"),
    (lambda bad: placed(village=bad), "election kaliwedi-2026: village: name"),
    (lambda bad: placed(district=bad), "election kaliwedi-2026: district: name"),
    (lambda bad: placed(regency=bad), "election kaliwedi-2026: regency: name"),
])
def test_names_with_control_or_bidi_characters_refused(bad: str, make: object, field: str) -> None:
    """A name people read cannot drive their terminal: refused naming the field and the
    character, the character itself shown escaped in the message."""
    with pytest.raises(InvalidManifest, match=f"^{field} has the control or bidirectional character") as info:
        make(bad)  # type: ignore[operator]
    message = str(info.value)
    assert "\\x" in message or "\\u" in message, message
    assert not any(ch in message for ch in bad if not ch.isprintable()), message


def test_place_fields() -> None:
    """Format 2's village, district, regency, date and register: all or none, each checked."""
    m = placed()
    assert m.format_version == 2 and kuwu().format_version == 1
    assert (m.village, m.district, m.regency, m.date, m.registered_voters) == tuple(PLACE.values())
    assert placed(registered_voters=0).registered_voters == 0
    assert placed(date="2028-02-29").date == "2028-02-29"  # a leap day
    assert placed(village="Désa Kaliwedi").village == "Désa Kaliwedi"
    for changes, message in [
        ({"date": "2026-02-29"}, "date: '2026-02-29' is not a date of the calendar"),
        ({"date": "2026-13-01"}, "date: '2026-13-01' is not a date of the calendar"),
        ({"date": "0000-01-01"}, "date: '0000-01-01' is not a date of the calendar"),
        ({"date": "2026-6-14"}, "date: '2026-6-14' is not a date written YYYY-MM-DD"),
        ({"date": "14-06-2026"}, "date: '14-06-2026' is not a date written YYYY-MM-DD"),
        ({"date": "20260614"}, "date: '20260614' is not a date written YYYY-MM-DD"),
        ({"date": "2026-06-14 "}, "date: '2026-06-14 ' is not a date written YYYY-MM-DD"),
        ({"date": "2026-W24-7"}, "date: '2026-W24-7' is not a date written YYYY-MM-DD"),
        ({"date": "２０２６-06-14"}, "date: '２０２６-06-14' is not a date written YYYY-MM-DD"),  # fullwidth digits
        ({"registered_voters": -1}, "registered_voters -1 not an integer in"),
        ({"registered_voters": 2**32}, "registered_voters 4294967296 not an integer in"),
        ({"registered_voters": True}, "registered_voters True not an integer"),
        ({"registered_voters": 10.0}, "registered_voters 10.0 not an integer"),
        ({"village": ""}, "village: name must be non-empty"),
        ({"district": "  "}, "district: name must be non-empty"),
        ({"regency": "x" * 257}, "regency: name must be non-empty text of at most 256"),
    ]:
        with pytest.raises(InvalidManifest, match=f"^election kaliwedi-2026: {re.escape(message)}"):
            placed(**changes)
    # all five or none: a manifest with only some of them is neither format
    with pytest.raises(InvalidManifest, match="missing date, registered_voters"):
        dataclasses.replace(kuwu(), village="Kaliwedi Kidul", district="Kaliwedi", regency="Cirebon")
    with pytest.raises(InvalidManifest, match="missing village"):
        placed(village=None)


def test_place_fields_are_hashed() -> None:
    """Each place field changes the manifest hash; format 1 (none) has its own hash."""
    m = placed()
    variants = [placed(village="Kaliwedi Lor"), placed(district="Kapetakan"), placed(regency="Indramayu"),
                placed(date="2026-06-15"), placed(registered_voters=2874),
                placed(village="Kaliwedi", district="Kidul Kaliwedi")]  # parts are length-prefixed
    hashes = {m.hash(), kuwu().hash(), *(v.hash() for v in variants)}
    assert len(hashes) == len(variants) + 2
    assert m.canonical_bytes() != kuwu().canonical_bytes()


def test_names_may_hold_brackets_and_any_script() -> None:
    """Markup-like text and non-Latin scripts are ordinary names (the terminal shows them literally)."""
    for name in ["Ki [/] Ahmad", "[conceal]Nyi Siti[/conceal]", "Désa Kaliwedi", "村长", "👩\u200d🌾 joiner"]:
        assert Option("cand-1", name).name == name


def test_manifest_hash_covers_every_field() -> None:
    m = kuwu()
    c = m.contests[0]
    variants = [
        dataclasses.replace(m, election_id="other"),
        dataclasses.replace(m, name="Other"),
        dataclasses.replace(m, contests=(dataclasses.replace(c, selection_limit=2),)),
        dataclasses.replace(m, contests=(dataclasses.replace(c, name="Camat"),)),
        dataclasses.replace(m, contests=(dataclasses.replace(c, options=c.options[:2]),)),
        dataclasses.replace(m, contests=(
            dataclasses.replace(c, options=(c.options[1], c.options[0], c.options[2])),)),
    ]
    hashes = {m.hash(), *(v.hash() for v in variants)}
    assert len(hashes) == len(variants) + 1


def test_base_and_election_hash_bind_their_inputs(group: Group) -> None:
    m = kuwu()
    d1, d2 = VotingDevice.generate("dev-1"), VotingDevice.generate("dev-2")
    mix = MixServer.generate("mix-1")
    setup = ElectionSetup((d1.registration,)).hash()
    hb = base_hash(group, m, ["t1", "t2", "t3"], 2, setup)
    assert hb != base_hash(group, m, ["t1", "t2", "t3"], 3, setup)
    assert hb != base_hash(group, m, ["t2", "t1", "t3"], 2, setup)
    assert hb != base_hash(group, kuwu(4), ["t1", "t2", "t3"], 2, setup)
    # the setup: another key for the same id, another device added, a mix server added
    for other in (ElectionSetup((VotingDevice.generate("dev-1").registration,)),
                  ElectionSetup((d1.registration, d2.registration)),
                  ElectionSetup((d1.registration,), (mix.registration,))):
        assert hb != base_hash(group, m, ["t1", "t2", "t3"], 2, other.hash())
    # format 1 (no setup) is a different hash, under its own domain
    legacy = base_hash(group, m, ["t1", "t2", "t3"], 2, None)
    assert legacy != hb
    with pytest.raises(InvalidManifest):
        base_hash(group, m, ["t1", "t1"], 1, setup)
    with pytest.raises(InvalidManifest):
        base_hash(group, m, ["t1", "t2"], 3, setup)
    g = group.generator()
    shares = b"\x01" * 32
    he = election_hash(hb, g ** 5, [[g ** 2, g ** 3], [g ** 3, g ** 2]], shares)
    assert he != election_hash(hb, g ** 5, [[g ** 3, g ** 2], [g ** 2, g ** 3]], shares)
    assert he != election_hash(hb, g ** 6, [[g ** 2, g ** 3], [g ** 3, g ** 2]], shares)
    assert he != election_hash(hb, g ** 5, [[g ** 2, g ** 3], [g ** 3, g ** 2]], b"\x02" * 32)
    assert he != election_hash(hb, g ** 5, [[g ** 2, g ** 3], [g ** 3, g ** 2]], None)
