"""Manifest validation and the context hashes H_B and H_E."""

from __future__ import annotations

import dataclasses

import pytest

from pilwu_crypto.algebra.group import Group
from pilwu_crypto.election.context import base_hash, election_hash
from pilwu_crypto.election.device import VotingDevice
from pilwu_crypto.election.manifest import Contest, Manifest, Option
from pilwu_crypto.election.mixnet import MixServer
from pilwu_crypto.election.setup import ElectionSetup
from pilwu_crypto.errors import InvalidManifest


def kuwu(n: int = 3, limit: int = 1) -> Manifest:
    opts = tuple(Option(f"cand-{i}", f"Candidate {i}") for i in range(n))
    return Manifest("kaliwedi-2026", "Pilwu Desa Kaliwedi", (Contest("kuwu", "Kuwu", opts, limit),))


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
])
def test_names_with_control_or_bidi_characters_refused(bad: str, make: object, field: str) -> None:
    """A name people read cannot drive their terminal: refused naming the field and the
    character, the character itself shown escaped in the message."""
    with pytest.raises(InvalidManifest, match=f"^{field} has the control or bidirectional character") as info:
        make(bad)  # type: ignore[operator]
    message = str(info.value)
    assert "\\x" in message or "\\u" in message, message
    assert not any(ch in message for ch in bad if not ch.isprintable()), message


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
