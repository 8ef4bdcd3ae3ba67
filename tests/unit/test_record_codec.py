"""The record's JSON codec (record/codec.py): round trips and strict parsing.

Every record type goes object -> JSON value -> canonical bytes -> JSON value -> object and
comes back equal, with the same bytes when encoded again (checklist A21: reproducible
records).  Parsing is strict: each malformed input is refused with MalformedRecord naming
the field path — non-hex, uppercase, wrong width (A27: fixed-width encodings), values >= p
or >= q, elements outside the subgroup (A7), missing or unknown keys, booleans for
integers, NaN, duplicate keys, deep nesting, an unsupported version (A20/A13: versioned
format), parameters that are not the registered ones (A3/A23).  Runs on an integer group
and on P-256 (tests/conftest.py).
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from pilwu_crypto.algebra.ec import ECGroup
from pilwu_crypto.algebra.group import Group
from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.algebra.modp import ModPGroup
from pilwu_crypto.election.manifest import Contest, Manifest, Option
from pilwu_crypto.election.mixnet import MixServer
from pilwu_crypto.election.setup import ElectionSetup
from pilwu_crypto.election.simulation import SimulatedElection, kuwu_manifest, simulate_election
from pilwu_crypto.errors import InvalidManifest, MalformedRecord
from pilwu_crypto.record import codec, setupcodec
from pilwu_crypto.record.codec import IndexEntry, PublishedContext
from pilwu_crypto.record.layout import FORMAT_VERSION, LEGACY_FORMAT_VERSION, MAX_DEPTH, check_relative_path
from pilwu_crypto.threshold.dkg import Ceremony, Complaint, TrusteeRound1

MANIFEST = Manifest("desa-kaliwedi-2026", "Pemilihan Kuwu — Désa Kaliwedi", (
    Contest("kuwu", "Kuwu", tuple(Option(f"cand-{i}", f"Calon {i}") for i in range(3))),
    Contest("bpd", "BPD", tuple(Option(f"seat-{i}", f"Anggota {i}") for i in range(3)),
            selection_limit=2, option_limit=2),
), village="Kaliwedi Kidul", district="Kaliwedi", regency="Cirebon", date="2026-06-14", registered_voters=2873)
"""Two contests (one cumulative) and non-ASCII names, in a village of Cirebon."""


@dataclass
class Material:
    """One simulated election and one ceremony complaint, for every record type."""

    group: Group
    sim: SimulatedElection
    complaint: Complaint


@pytest.fixture(scope="module")
def material(group: Group) -> Material:
    sim = simulate_election(group, MANIFEST, trustees=3, threshold=2, absent=1, voters=6, challenged=1,
                            devices=2, rng=random.Random(5))
    ceremony = Ceremony(group, bytes(range(32)), ("alice", "bob"), 2)
    r1 = [TrusteeRound1.generate(ceremony, t) for t in ceremony.trustee_ids]
    digests = [t.digest_message() for t in r1]
    r2 = [t.receive_digests(digests) for t in r1]
    r3 = [t.receive_reveals([t2.reveal_message() for t2 in r2]) for t in r2]
    share = next(s for s in r3[0].encrypted_shares() if s.recipient_id == "bob")
    return Material(group, sim, r3[1].complaint_against(share))


def roundtrip(obj: Any, to_json: Callable[[Any], Any], from_json: Callable[[Any], Any]) -> Any:
    """obj -> JSON -> canonical bytes -> parsed -> object; the re-encoding is byte-identical."""
    data = codec.dumps_canonical(to_json(obj))
    back = from_json(codec.parse_json(data))
    assert codec.dumps_canonical(to_json(back)) == data
    return back


# ---------------------------------------------------------------- round trips ----
def test_every_record_type_round_trips(material: Material) -> None:
    g, sim = material.group, material.sim
    ctx = sim.context
    assert roundtrip(g, codec.parameters_to_json, codec.parameters_from_json) is g
    assert roundtrip(ctx.manifest, codec.manifest_to_json, lambda v: codec.manifest_from_json(g, v, "")) \
        == ctx.manifest
    cer = sim.ceremony
    assert roundtrip(cer.ceremony, codec.ceremony_to_json, lambda v: codec.ceremony_from_json(g, v)) \
        == cer.ceremony
    assert roundtrip(cer.digests, codec.digests_to_json, lambda v: codec.digests_from_json(g, v)) \
        == cer.digests
    assert roundtrip(cer.reveals, codec.reveals_to_json, lambda v: codec.reveals_from_json(g, v)) \
        == cer.reveals
    for share in cer.shares:
        assert roundtrip(share, codec.encrypted_share_to_json,
                         lambda v: codec.encrypted_share_from_json(g, v)) == share
    complaints = (material.complaint,)
    assert roundtrip(complaints, codec.complaints_to_json, lambda v: codec.complaints_from_json(g, v)) \
        == complaints
    published = PublishedContext(ctx.base_hash, ctx.election_hash, ctx.joint_key.element,
                                 sim.verification_keys)
    assert roundtrip(published, codec.context_to_json, lambda v: codec.context_from_json(g, v)) == published
    setup = ElectionSetup(sim.devices, (MixServer.generate("mix-1").registration,))
    assert roundtrip(setup, setupcodec.election_setup_to_json, setupcodec.election_setup_from_json) == setup
    assert roundtrip(sim.setup, setupcodec.election_setup_to_json, setupcodec.election_setup_from_json) \
        == sim.setup
    closings = tuple(sim.closings)
    # format 2: devices.json holds the closing entries only (the registrations are setup.json's)
    assert roundtrip(closings, codec.devices_to_json, lambda v: codec.devices_from_json(g, v).closings) \
        == closings
    assert codec.devices_from_json(g, codec.devices_to_json(closings)).registrations == ()
    assert "registrations" not in codec.devices_to_json(closings)
    for ballot in sim.cast:
        assert roundtrip(ballot, codec.encrypted_ballot_to_json,
                         lambda v: codec.encrypted_ballot_from_json(g, v, "ballot")) == ballot
        assert roundtrip(ballot, codec.ballot_line_to_json, lambda v: codec.ballot_line_from_json(g, v)) \
            == ballot
    for challenged in sim.challenged:
        assert roundtrip(challenged, codec.ballot_line_to_json,
                         lambda v: codec.ballot_line_from_json(g, v)) == challenged
    assert sim.tally is not None and sim.result is not None
    assert roundtrip(sim.tally, codec.encrypted_tally_to_json,
                     lambda v: codec.encrypted_tally_from_json(g, v)) == sim.tally
    for ts in sim.tally_shares:
        assert roundtrip(ts, codec.trustee_tally_share_to_json,
                         lambda v: codec.trustee_tally_share_from_json(g, v)) == ts
    result = codec.published_result(sim.result, sim.absent)
    assert roundtrip(result, codec.result_to_json, lambda v: codec.result_from_json(g, v)) == result
    assert list(result.counts) == [(c.contest_id, o.option_id) for c in MANIFEST.contests for o in c.options]
    entries = (IndexEntry("a.json", "00" * 32, 0), IndexEntry("b/c.jsonl", "ab" * 32, 2**40))
    assert roundtrip(entries, codec.index_to_json, codec.index_from_json) == entries


def test_proofs_and_ciphertexts_round_trip(material: Material) -> None:
    g = material.group
    reveal = material.sim.ceremony.reveals[0]
    proof = reveal.coefficient_proofs[0]
    assert roundtrip(proof, codec.schnorr_proof_to_json, lambda v: codec.schnorr_proof_from_json(g, v, "p")) \
        == proof
    dleq = material.complaint.proof
    assert roundtrip(dleq, codec.dleq_proof_to_json, lambda v: codec.dleq_proof_from_json(g, v, "p")) == dleq
    option = material.sim.cast[0].contests[1].options[0]
    assert roundtrip(option.proof, codec.range_proof_to_json,
                     lambda v: codec.range_proof_from_json(g, v, "p")) == option.proof
    assert roundtrip(option.ciphertext, codec.ciphertext_to_json,
                     lambda v: codec.ciphertext_from_json(g, v, "c")) == option.ciphertext


def test_canonical_json_bytes(material: Material) -> None:
    data = codec.dumps_canonical(codec.manifest_to_json(MANIFEST))
    assert data.endswith(b"}\n") and data.count(b"\n") == 1
    assert b'": ' not in data and b', "' not in data  # separators "," and ":" only
    assert "Désa".encode() in data  # UTF-8, not \u escapes
    text = data.decode()
    assert text.index('"contests"') < text.index('"election_id"') < text.index('"hash"') \
        < text.index('"kind"') < text.index('"version"')
    assert json.loads(text)["version"] == FORMAT_VERSION == 2


def test_a27_elements_and_scalars_are_fixed_width(material: Material) -> None:
    g = material.group
    one = g.identity()
    hexed = codec.element_to_hex(one)
    assert len(hexed) == 2 * g.element_size
    assert codec.element_from_hex(g, hexed, "x") == one
    assert codec.scalar_to_hex(g.scalar(1)) == "00" * (g.scalar_size - 1) + "01"
    with pytest.raises(MalformedRecord, match=rf"^x: expected {g.scalar_size} bytes of hex"):
        codec.scalar_from_hex(g, "01", "x")
    with pytest.raises(MalformedRecord, match=rf"^x: expected {g.element_size} bytes of hex"):
        codec.element_from_hex(g, hexed.lstrip("0"), "x")


# ---------------------------------------------------------------- strict JSON ----
@pytest.mark.parametrize("text, reason", [
    (b'{"a": NaN}', "NaN is not allowed"),
    (b'{"a": Infinity}', "Infinity is not allowed"),
    (b'{"a": -Infinity}', "-Infinity is not allowed"),
    (b'{"a": 1, "a": 2}', "duplicate key 'a'"),
    (b'{"a": -0}', "-0 is not a canonical integer"),
    (b'{"a": 123456789012345678901}', "too long"),
    (b'{"a": 1} x', "invalid JSON"),
    (b'{"a": "\xff"}', r"not valid UTF-8 \(byte 7\)"),
    (b'\xef\xbb\xbf{"a": 1}', "invalid JSON"),
    (b"", "invalid JSON"),
    (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), f"nested deeper than {MAX_DEPTH}"),
    (b"[" * 100000, f"nested deeper than {MAX_DEPTH}"),
    # linear time on hostile escapes (a backtracking regular expression took quadratic time here)
    (b"[" * MAX_DEPTH + b'"' + b'\\"[' * 300000, "invalid JSON"),
])
def test_parse_json_is_strict(text: bytes, reason: str) -> None:
    with pytest.raises(MalformedRecord, match=reason):
        codec.parse_json(text)


def test_parse_json_depth_limit_is_exact_and_ignores_strings() -> None:
    ok = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    assert codec.parse_json(ok) is not None
    assert codec.parse_json(b'{"s": "' + b"[" * 100 + b'\\"{{{"}') == {"s": "[" * 100 + '"{{{'}


# ---------------------------------------------------------------- hex and elements ----
def test_hex_is_lowercase_fixed_width(material: Material) -> None:
    g = material.group
    good = codec.element_to_hex(g.generator())
    cases = [
        (good.upper(), "expected lowercase hex, got uppercase digits"),
        (good[:-1], f"expected {g.element_size} bytes of hex"),
        (good + "00", f"expected {g.element_size} bytes of hex"),
        ("zz" + good[2:], "not hex"),
        (" " + good[1:], "not hex"),
        (int(good, 16), f"expected {g.element_size} bytes of hex, got an integer"),
        (None, f"expected {g.element_size} bytes of hex, got null"),
    ]
    for value, reason in cases:
        with pytest.raises(MalformedRecord, match=rf"^ballot.alpha: {reason}"):
            codec.element_from_hex(g, value, "ballot.alpha")


def test_values_out_of_range_rejected(material: Material) -> None:
    g = material.group
    with pytest.raises(MalformedRecord, match=r"^s: scalar not below q"):
        codec.scalar_from_hex(g, g.q.to_bytes(g.scalar_size, "big").hex(), "s")
    if isinstance(g, ModPGroup):
        for value in (int(g.p), int(g.p) + 1, 0, 2 ** (8 * g.element_size) - 1):
            with pytest.raises(MalformedRecord, match=r"^e: value not in \[1, p\)"):
                codec.element_from_hex(g, value.to_bytes(g.element_size, "big").hex(), "e")
    else:
        assert isinstance(g, ECGroup)
        x = codec.element_to_hex(g.generator())[2:]
        with pytest.raises(MalformedRecord, match=r"^e: point prefix 0x04"):
            codec.element_from_hex(g, "04" + x, "e")
        with pytest.raises(MalformedRecord, match=r"^e: x coordinate not below p"):
            codec.element_from_hex(g, "02" + "ff" * g.coordinate_size, "e")


def test_a7_order_two_element_rejected_except_as_proof_commitment() -> None:
    g = get_group("pilwu-test-512", allow_test=True)
    assert isinstance(g, ModPGroup)
    minus_one = (int(g.p) - 1).to_bytes(g.element_size, "big").hex()
    good = codec.element_to_hex(g.generator())
    with pytest.raises(MalformedRecord, match=r"^c.beta: not in the order-q subgroup"):
        codec.ciphertext_from_json(g, {"alpha": good, "beta": minus_one}, "c")
    # Σ-proof commitments are range-checked only: the verification equation implies membership
    proof = codec.schnorr_proof_from_json(g, {"h": minus_one, "v": "00" * g.scalar_size}, "p")
    assert int(proof.h.raw) == int(g.p) - 1


# ---------------------------------------------------------------- keys and types ----
def _ballot_json(material: Material) -> dict[str, Any]:
    return codec.ballot_line_to_json(material.sim.cast[0])


def test_missing_unknown_and_mistyped_keys_named_by_path(material: Material) -> None:
    g = material.group
    base = _ballot_json(material)

    def check(edit: Callable[[dict[str, Any]], None], message: str) -> None:
        line = copy.deepcopy(base)
        edit(line)
        with pytest.raises(MalformedRecord) as info:
            codec.ballot_line_from_json(g, line)
        assert str(info.value).startswith(message), str(info.value)

    check(lambda d: d["ballot"]["contests"][0].pop("sum_proof"), "ballot.contests[0].sum_proof: missing key")
    check(lambda d: d["ballot"]["contests"][1]["options"][2].update(extra=1),
          "ballot.contests[1].options[2].extra: unknown key")
    check(lambda d: d.update(reveal=[]), "reveal: unknown key")
    check(lambda d: d.update(status="spoiled"), "status: expected 'cast' or 'challenged'")
    check(lambda d: d.pop("status"), "status: missing key")
    check(lambda d: d["ballot"].update(contests={}), "ballot.contests: expected a list, got an object")
    check(lambda d: d["ballot"]["contests"][0]["options"][0]["proof"].update(branches=[]),
          "ballot.contests[0].options[0].proof.branches: expected 1 to")
    check(lambda d: d["ballot"].update(ballot_id="bad id"),
          "ballot.ballot_id: 'bad id' is not a valid identifier")
    check(lambda d: d["ballot"].update(ballot_id="ok\n"),  # manifest.check_id would accept it ($)
          "ballot.ballot_id: 'ok\\n' is not a valid identifier")
    check(lambda d: d["ballot"].update(signature="00" * 63), "ballot.signature: expected 64 bytes of hex")
    tally = codec.encrypted_tally_to_json(material.sim.tally)  # type: ignore[arg-type]
    for bad, kind in ((True, "a boolean"), (1.0, "a number with a fraction"), ("6", "a string"),
                      (None, "null")):
        with pytest.raises(MalformedRecord, match=rf"^ballot_count: expected an integer, got {kind}"):
            codec.encrypted_tally_from_json(g, {**tally, "ballot_count": bad})
    with pytest.raises(MalformedRecord, match=r"^ballot_count: integer -1 not in \[0, "):
        codec.encrypted_tally_from_json(g, {**tally, "ballot_count": -1})
    with pytest.raises(MalformedRecord, match=r"^expected a JSON object, got a list"):
        codec.encrypted_tally_from_json(g, [tally])


def test_documents_carry_version_and_kind(material: Material) -> None:
    g = material.group
    doc = codec.ceremony_to_json(material.sim.ceremony.ceremony)
    assert (doc["version"], doc["kind"]) == (2, "ceremony")
    # the codec reads both formats (the reader decides which one a record may be of)
    assert codec.ceremony_from_json(g, {**doc, "version": LEGACY_FORMAT_VERSION}) == material.sim.ceremony.ceremony
    for bad, message in (({**doc, "version": 3}, "version: unsupported record format version 3"),
                         ({**doc, "version": 0}, "version: unsupported record format version 0"),
                         ({**doc, "version": True}, "version: expected an integer, got a boolean"),
                         ({**doc, "version": "2"}, "version: expected an integer, got a string"),
                         ({**doc, "kind": "manifest"}, "kind: expected 'ceremony'"),
                         ({k: v for k, v in doc.items() if k != "kind"}, "kind: missing key"),
                         ({k: v for k, v in doc.items() if k != "version"}, "version: missing key"),
                         ({**doc, "threshold": 0}, r"threshold: integer 0 not in \[1, ")):
        with pytest.raises(MalformedRecord, match=rf"^{message}"):
            codec.ceremony_from_json(g, bad)


def test_constructor_rules_become_malformed_record(material: Material) -> None:
    g = material.group
    doc = codec.ceremony_to_json(material.sim.ceremony.ceremony)
    with pytest.raises(MalformedRecord, match=r"^ceremony: threshold 4 not in"):
        codec.ceremony_from_json(g, {**doc, "threshold": 4})
    with pytest.raises(MalformedRecord, match="duplicate trustee id"):
        codec.ceremony_from_json(g, {**doc, "trustee_ids": ["a", "a"], "threshold": 1})
    man = codec.manifest_to_json(MANIFEST)
    man["contests"][0]["options"] = []
    with pytest.raises(MalformedRecord, match=r"^contests\[0\]: contest kuwu: has no options"):
        codec.manifest_from_json(None, man)
    setup = setupcodec.election_setup_to_json(material.sim.setup)
    setup["devices"][0]["public_key"] = "00" * 32  # a small-order Ed25519 point
    with pytest.raises(MalformedRecord, match=r"^devices\[0\]\.public_key: device device-1: "):
        setupcodec.election_setup_from_json(setup)
    # format 1's devices.json still carries (self-asserted) registrations, parsed as strictly
    registrations = [codec.device_registration_to_json(r) for r in material.sim.devices]
    legacy: dict[str, Any] = {"version": LEGACY_FORMAT_VERSION, "kind": "devices", "closings": [],
                              "registrations": registrations}
    assert codec.devices_from_json(g, legacy).registrations == material.sim.devices
    registrations[0]["public_key"] = "00" * 32
    with pytest.raises(MalformedRecord, match=r"^registrations\[0\]\.public_key: device device-1: "):
        codec.devices_from_json(g, legacy)
    # format 2's devices.json has no registrations key
    with pytest.raises(MalformedRecord, match=r"^registrations: unknown key"):
        codec.devices_from_json(g, {**codec.devices_to_json(()), "registrations": []})


def test_setup_document_is_strict(material: Material) -> None:
    """setup.json has exactly one encoding of a setup: ids sorted and unique, keys distinct,
    at least one device."""
    sim = material.sim
    mixes = (MixServer.generate("mix-1"), MixServer.generate("mix-2"))
    doc = setupcodec.election_setup_to_json(ElectionSetup(sim.devices, tuple(m.registration for m in mixes)))
    assert (doc["version"], doc["kind"]) == (FORMAT_VERSION, "election-setup")
    assert [d["device_id"] for d in doc["devices"]] == ["device-1", "device-2"]
    cases: list[tuple[dict[str, Any], str]] = [
        ({**doc, "devices": doc["devices"][::-1]}, r"^devices\[1\]: device-1 is not after device-2"),
        ({**doc, "devices": [doc["devices"][0]] * 2}, r"^devices\[1\]: device-1 is not after device-1"),
        ({**doc, "mix_servers": doc["mix_servers"][::-1]}, r"^mix_servers\[1\]: mix-1 is not after mix-2"),
        ({**doc, "devices": []}, r"^devices: "),
        ({**doc, "mix_servers": [{**doc["mix_servers"][0], "public_key": doc["devices"][0]["public_key"]},
                                 doc["mix_servers"][1]]}, "has the same public key as device device-1"),
        ({**doc, "kind": "devices"}, r"^kind: expected 'election-setup'"),
        ({k: v for k, v in doc.items() if k != "mix_servers"}, r"^mix_servers: missing key"),
    ]
    for bad, message in cases:
        with pytest.raises(MalformedRecord, match=message):
            setupcodec.election_setup_from_json(copy.deepcopy(bad))


@pytest.mark.parametrize("path, where", [
    (["name"], "election desa-kaliwedi-2026: name"),
    (["village"], "election desa-kaliwedi-2026: village: name"),
    (["district"], "election desa-kaliwedi-2026: district: name"),
    (["regency"], "election desa-kaliwedi-2026: regency: name"),
    (["contests", 0, "name"], "contests[0]: contest kuwu: name"),
    (["contests", 0, "options", 1, "name"], "contests[0].options[1]: option cand-1: name"),
])
def test_manifest_names_with_terminal_controls_refused(path: list[Any], where: str) -> None:
    """A manifest.json name holding ESC or a bidi override is refused naming its field,
    whatever its published hash says."""
    for bad, shown in [("\x1b[2J", "\\x1b"), ("A\u202eB", "\\u202e")]:
        doc = codec.manifest_to_json(MANIFEST)
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = bad
        with pytest.raises(MalformedRecord) as info:
            codec.manifest_from_json(None, json.loads(json.dumps(doc)))
        assert str(info.value).startswith(f"{where} has the control or bidirectional character {shown} "), \
            str(info.value)


def test_manifest_place_fields_by_format() -> None:
    """Format 2 requires the place, date and register (§5.3), each checked under its own key;
    format 1 has none of them (§9) and keeps its own hash."""
    doc = codec.manifest_to_json(MANIFEST)
    assert (doc["village"], doc["district"], doc["regency"], doc["date"], doc["registered_voters"]) \
        == ("Kaliwedi Kidul", "Kaliwedi", "Cirebon", "2026-06-14", 2873)
    for key in ("village", "district", "regency", "date", "registered_voters"):
        with pytest.raises(MalformedRecord, match=rf"^{key}: missing key"):
            codec.manifest_from_json(None, {k: v for k, v in doc.items() if k != key})
    cases: list[tuple[str, Any, str]] = [
        ("date", "2026-02-29", r"^date: polling date: '2026-02-29' is not a date of the calendar"),
        ("date", "2026-6-14", r"^date: polling date: '2026-6-14' is not a date written YYYY-MM-DD"),
        ("date", "20260614", r"^date: polling date: '20260614' is not a date written YYYY-MM-DD"),
        ("date", "2026-06-14T08:00", r"^date: expected 1 to 10 characters"),
        ("date", "٢٠٢٦-٠٦-١٤", "is not a date written YYYY-MM-DD"),  # non-ASCII digits
        ("date", 20260614, r"^date: expected text, got an integer"),
        ("registered_voters", -1, r"^registered_voters: integer -1 not in \[0, 4294967295\]"),
        ("registered_voters", 2**32, r"^registered_voters: integer 4294967296 not in"),
        ("registered_voters", True, r"^registered_voters: expected an integer, got a boolean"),
        ("registered_voters", "2873", r"^registered_voters: expected an integer"),
        ("village", "", r"^village: expected 1 to 256 characters"),
        ("district", "   ", r"^election desa-kaliwedi-2026: district: name must be non-empty"),
        ("regency", None, r"^regency: expected text"),
    ]
    for key, value, message in cases:
        with pytest.raises(MalformedRecord, match=message):
            codec.manifest_from_json(None, {**doc, key: value})
    # the manifest hash binds every one of them
    for key, value in (("village", "Kaliwedi Lor"), ("date", "2026-06-15"), ("registered_voters", 2874)):
        with pytest.raises(MalformedRecord, match=r"^hash: does not match"):
            codec.manifest_from_json(None, {**doc, key: value})
    # format 1: none of the keys, the format-1 manifest hash
    v1 = Manifest(MANIFEST.election_id, MANIFEST.name, MANIFEST.contests)
    legacy = codec.manifest_to_json(v1, LEGACY_FORMAT_VERSION)
    assert legacy["version"] == LEGACY_FORMAT_VERSION and "village" not in legacy
    assert codec.manifest_from_json(None, legacy) == v1 and v1.format_version == 1
    assert v1.hash() != MANIFEST.hash()
    with pytest.raises(MalformedRecord, match=r"^village: unknown key"):
        codec.manifest_from_json(None, {**legacy, "village": "Kaliwedi Kidul"})
    # the writer refuses a manifest of the other format
    with pytest.raises(InvalidManifest, match="needs village, district, regency, date, registered_voters"):
        codec.manifest_to_json(v1)
    with pytest.raises(InvalidManifest, match="record format 1 has no village"):
        codec.manifest_to_json(MANIFEST, LEGACY_FORMAT_VERSION)


def test_manifest_hash_must_match() -> None:
    doc = codec.manifest_to_json(MANIFEST)
    doc["name"] = "Another name"
    with pytest.raises(MalformedRecord, match=r"^hash: does not match the manifest"):
        codec.manifest_from_json(None, doc)


def test_context_verification_key_indices(material: Material) -> None:
    g = material.group
    ctx = material.sim.context
    doc = codec.context_to_json(PublishedContext(ctx.base_hash, ctx.election_hash, ctx.joint_key.element,
                                                 material.sim.verification_keys))
    assert list(doc["verification_keys"]) == ["1", "2", "3"]
    key = doc["verification_keys"]["1"]
    for bad in ("01", "0", "x", "1001", "-1", " 1"):
        with pytest.raises(MalformedRecord, match=r"^verification_keys.* not a trustee index"):
            codec.context_from_json(g, {**doc, "verification_keys": {bad: key}})


# ---------------------------------------------------------------- parameters ----
def test_a3_parameters_pinned_to_the_registered_set(material: Material) -> None:
    g = material.group
    doc = codec.parameters_to_json(g)
    with pytest.raises(MalformedRecord, match=r"^group: unknown parameter set 'pilwu-9999'"):
        codec.parameters_from_json({**doc, "group": "pilwu-9999"})
    with pytest.raises(MalformedRecord, match=r"^extra: unknown key"):
        codec.parameters_from_json({**doc, "extra": 1})
    if isinstance(g, ECGroup):
        assert set(doc) == {"version", "kind", "group"}
        with pytest.raises(MalformedRecord, match=r"^p: unknown key"):
            codec.parameters_from_json({**doc, "p": "00"})
        return
    assert set(doc) == {"version", "kind", "group", "p", "q", "g", "derivation"}
    assert doc["derivation"]["label"].startswith("PILWU-V1-paramgen pilwu-test-512")
    p = doc["p"]
    altered = p[:-1] + ("0" if p[-1] != "0" else "1")
    for key, value in (("p", altered), ("p", p.upper()), ("g", doc["p"]), ("q", "00" + doc["q"][2:])):
        with pytest.raises(MalformedRecord, match=rf"^{key}: does not match the registered parameter set"):
            codec.parameters_from_json({**doc, key: value})
    for field, value in (("counter", doc["derivation"]["counter"] + 1), ("label", "PILWU-V1-paramgen other")):
        with pytest.raises(MalformedRecord, match=r"^derivation: is not the recorded derivation"):
            codec.parameters_from_json({**doc, "derivation": {**doc["derivation"], field: value}})
    with pytest.raises(MalformedRecord, match=r"^derivation: missing key"):
        codec.parameters_from_json({k: v for k, v in doc.items() if k != "derivation"})


def test_every_registered_group_round_trips() -> None:
    from pilwu_crypto.algebra.groups import group_names

    for name in group_names(include_test=True):
        g = get_group(name, allow_test=True)
        data = codec.dumps_canonical(codec.parameters_to_json(g))
        assert codec.parameters_from_json(codec.parse_json(data)) is g
    assert "derivation" not in codec.parameters_to_json(get_group("electionguard-4096"))


# ---------------------------------------------------------------- index paths ----
@pytest.mark.parametrize("path, reason", [
    ("../x", "not normalized"),
    ("/etc/passwd", "absolute"),
    ("a/../../x", "not normalized"),
    ("a/./b", "not normalized"),
    ("a//b", "not normalized"),
    ("a/", "not normalized"),
    ("a\\b", "backslash"),
    ("a b", "characters outside"),
    ("ballots/dévice.jsonl", "characters outside"),
    ("", "empty path"),
    ("index.json", "cannot list itself"),
    ("a" * 1025, "longer than"),
])
def test_index_paths_must_be_safe(path: str, reason: str) -> None:
    with pytest.raises(MalformedRecord, match=reason):
        check_relative_path(path)
    doc = codec.index_to_json([IndexEntry(path, "00" * 32, 1)])
    with pytest.raises(MalformedRecord, match=r"^files\[0\]\.path: "):
        codec.index_from_json(doc)


def test_index_sorted_unique_and_typed() -> None:
    doc = codec.index_to_json([IndexEntry("b", "00" * 32, 1), IndexEntry("a", "11" * 32, 2)])
    assert [f["path"] for f in doc["files"]] == ["a", "b"]
    doc["files"].reverse()
    with pytest.raises(MalformedRecord, match=r"^files\[1\]\.path: 'a' is not after 'b'"):
        codec.index_from_json(doc)
    doc["files"] = [doc["files"][0], doc["files"][0]]
    with pytest.raises(MalformedRecord, match="must be unique and sorted"):
        codec.index_from_json(doc)
    doc["files"] = [{"path": "a", "sha256": "AB" * 32, "size": 1}]
    with pytest.raises(MalformedRecord, match=r"^files\[0\]\.sha256: expected lowercase hex"):
        codec.index_from_json(doc)
    doc["files"] = [{"path": "a", "sha256": "ab" * 32, "size": False}]
    with pytest.raises(MalformedRecord, match=r"^files\[0\]\.size: expected an integer, got a boolean"):
        codec.index_from_json(doc)


# ---------------------------------------------------------------- robustness ----
def _mutations(rng: random.Random, value: Any) -> Any:
    """A copy of a JSON value with one random change somewhere inside it."""
    junk: list[Any] = [None, True, 0, -1, 2**60, 1.5, "", "zz", "00", [], {}, [1], {"a": 1}]
    if isinstance(value, dict) and value:
        key = rng.choice(sorted(value))
        out = dict(value)
        roll = rng.random()
        if roll < 0.15:
            del out[key]
        elif roll < 0.3:
            out[key + "x"] = rng.choice(junk)
        else:
            out[key] = _mutations(rng, value[key])
        return out
    if isinstance(value, list) and value:
        i = rng.randrange(len(value))
        out_list = list(value)
        roll = rng.random()
        if roll < 0.15:
            del out_list[i]
        elif roll < 0.25:
            out_list.append(copy.deepcopy(out_list[i]))
        else:
            out_list[i] = _mutations(rng, value[i])
        return out_list
    if isinstance(value, str) and value and rng.random() < 0.5:
        i = rng.randrange(len(value))
        return value[:i] + rng.choice("0f9aFgZ\u00e9\ud800") + value[i + 1:]
    return rng.choice(junk)


def test_random_mutations_raise_only_malformed_record(material: Material) -> None:
    """Whatever a line or document contains, parsing either succeeds or raises
    MalformedRecord: never another exception (the verifier must never show a traceback)."""
    g = material.group
    rng = random.Random(2026)
    sim = material.sim
    samples: list[tuple[Any, Callable[[Any], Any]]] = [
        (codec.ballot_line_to_json(sim.challenged[0]), lambda v: codec.ballot_line_from_json(g, v)),
        (codec.reveals_to_json(sim.ceremony.reveals), lambda v: codec.reveals_from_json(g, v)),
        (codec.manifest_to_json(MANIFEST), lambda v: codec.manifest_from_json(g, v)),
        (codec.devices_to_json(sim.closings), lambda v: codec.devices_from_json(g, v)),
        (setupcodec.election_setup_to_json(sim.setup), setupcodec.election_setup_from_json),
        (codec.parameters_to_json(g), codec.parameters_from_json),
    ]
    rejected = 0
    for value, parse in samples:
        for _ in range(60):
            try:
                parse(_mutations(rng, value))
            except MalformedRecord:
                rejected += 1
    assert rejected > 200


def test_encoding_refuses_what_json_cannot_hold() -> None:
    with pytest.raises(ValueError):
        codec.dumps_canonical({"a": float("nan")})
    with pytest.raises(TypeError):
        codec.ballot_line_to_json("not a ballot")  # type: ignore[arg-type]


def test_kuwu_manifest_round_trips() -> None:
    m = kuwu_manifest(["Ki Ahmad", "Nyi Siti"])
    data = codec.dumps_canonical(codec.manifest_to_json(m))
    assert codec.manifest_from_json(None, codec.parse_json(data)) == m
