"""Record directories (record/io.py): the atomic writer and the strict, streaming reader.

A simulated election is written with ``write_simulated_election`` and read back equal;
the fingerprint is the SHA-256 of index.json and writing twice gives the same bytes
(checklist A21).  Then the record is damaged one way at a time — with the index updated
to match, so that the parser itself is exercised, or not, so that the hash check is — and
each damage must surface as MalformedRecord naming the file, the line and the field, or
as RecordUnreadable when the root, the index or the parameters cannot be read (the CLI
exits 2 on those, 1 on the rest).  Checklist A7: an element of order 2 is refused in
every deserialized field.  Runs on pilwu-test-512 (and P-256 for the round trip).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pilwu_crypto.algebra.group import Group
from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.algebra.modp import ModPGroup
from pilwu_crypto.election.manifest import Manifest
from pilwu_crypto.election.simulation import SimulatedElection, kuwu_manifest, simulate_election
from pilwu_crypto.errors import (
    CopyUnreadable,
    FormatRefused,
    InvalidManifest,
    MalformedRecord,
    PilwuError,
    RecordUnreadable,
)
from pilwu_crypto.record import (
    RecordExists,
    RecordReader,
    RecordWriteError,
    RecordWriter,
    codec,
    write_simulated_election,
)
from pilwu_crypto.record.codec import IndexEntry
from pilwu_crypto.record.layout import FORMAT_VERSION, MAX_LINE_BYTES
from pilwu_crypto.verify.checks import verify_record

V1 = Path(__file__).resolve().parents[1] / "data" / "record-v1"

CANDIDATES = ["Ki Ahmad", "Nyi Siti", "Ki Darma"]


@pytest.fixture(scope="module")
def group() -> Group:
    return get_group("pilwu-test-512", allow_test=True)


@pytest.fixture(scope="module")
def sim(group: Group) -> SimulatedElection:
    return simulate_election(group, kuwu_manifest(CANDIDATES), voters=6, challenged=1, devices=2,
                             rng=random.Random(11))


@pytest.fixture
def record(sim: SimulatedElection, tmp_path: Path) -> Path:
    root = tmp_path / "record"
    write_simulated_election(sim, root)
    return root


# ---------------------------------------------------------------- helpers ----------
def reindex(root: Path) -> None:
    """Rewrite index.json so that every listed file's hash and size match its bytes again."""
    doc = json.loads((root / "index.json").read_bytes())
    for f in doc["files"]:
        data = (root / f["path"]).read_bytes()
        f["sha256"], f["size"] = hashlib.sha256(data).hexdigest(), len(data)
    (root / "index.json").write_bytes(codec.dumps_canonical(doc))


def edit_document(root: Path, path: str, edit: Callable[[dict[str, Any]], Any], *,
                  update_index: bool = True) -> None:
    """Apply ``edit`` to a JSON document (it may return replacement bytes) and re-index."""
    doc = json.loads((root / path).read_bytes())
    out = edit(doc)
    (root / path).write_bytes(out if isinstance(out, bytes) else codec.dumps_canonical(doc))
    if update_index:
        reindex(root)


def edit_line(root: Path, path: str, line_no: int, edit: Callable[[dict[str, Any]], Any], *,
              update_index: bool = True) -> None:
    """Apply ``edit`` to line ``line_no`` (from 1) of a JSON Lines file and re-index."""
    lines = (root / path).read_bytes().splitlines(keepends=True)
    value = json.loads(lines[line_no - 1])
    out = edit(value)
    lines[line_no - 1] = out if isinstance(out, bytes) else codec.dumps_canonical(value)
    (root / path).write_bytes(b"".join(lines))
    if update_index:
        reindex(root)


def read_everything(root: Path) -> None:
    """Every reading method of the reader, every ballot line included."""
    r = RecordReader(root)
    r.manifest()
    r.setup()
    r.ceremony()
    r.context()
    r.devices()
    r.encrypted_tally()
    r.tally_shares()
    r.result()
    for path in r.ballot_files():
        for _ in r.ballot_lines(path):
            pass


def malformed(root: Path) -> str:
    """The message of the MalformedRecord (not RecordUnreadable) that reading raises."""
    with pytest.raises(MalformedRecord) as info:
        read_everything(root)
    assert not isinstance(info.value, RecordUnreadable), str(info.value)
    return str(info.value)


def unreadable(root: Path) -> str:
    with pytest.raises(RecordUnreadable) as info:
        RecordReader(root)
    return str(info.value)


# ---------------------------------------------------------------- round trip --------
def test_written_record_reads_back_equal(sim: SimulatedElection, record: Path) -> None:
    r = RecordReader(record)
    assert r.group is sim.context.group
    assert r.derivation is not None and r.derivation.l_bits == 512
    assert r.manifest() == sim.context.manifest
    cer = r.ceremony()
    assert (cer.ceremony, cer.digests, cer.reveals, cer.shares, cer.complaints) == (
        sim.ceremony.ceremony, sim.ceremony.digests, sim.ceremony.reveals, sim.ceremony.shares, ())
    ctx = r.context()
    assert (ctx.base_hash, ctx.election_hash) == (sim.context.base_hash, sim.context.election_hash)
    assert ctx.joint_key == sim.context.joint_key.element
    assert ctx.verification_keys == sim.verification_keys
    assert r.format_version == FORMAT_VERSION == 2
    assert r.setup() == sim.setup and r.mix_servers() == ()
    devices = r.devices()  # the registrations are setup.json's, the closings devices.json's
    assert devices.registrations == sim.devices and devices.closings == tuple(sim.closings)
    assert set(json.loads((record / "devices.json").read_bytes())) == {"version", "kind", "closings"}
    assert r.encrypted_tally() == sim.tally
    assert r.tally_shares() == sim.tally_shares
    assert sim.result is not None
    result = r.result()
    assert result.counts == {(o.contest_id, o.option_id): o.count for o in sim.result.results}
    assert (result.ballot_count, result.used_trustees, result.absent) \
        == (6, sim.result.used_trustees, sim.absent)
    assert r.ballot_files() == ["ballots/device-1.jsonl", "ballots/device-2.jsonl"]
    cast = {b.ballot_id: b for b in sim.cast}
    challenged = {c.ballot.ballot_id: c for c in sim.challenged}
    for path in r.ballot_files():
        device = path.split("/")[1].removesuffix(".jsonl")
        lines = list(r.ballot_lines(path))
        assert [line.ballot.ballot_id for line in lines] == sim.chain_order[device]
        assert [line.line_no for line in lines] == list(range(1, len(lines) + 1))
        for line in lines:
            assert line.path == path
            if line.status == "cast":
                assert line.ballot == cast[line.ballot.ballot_id] and line.challenged is None
            else:
                assert line.challenged == challenged[line.ballot.ballot_id]
                assert line.ballot == line.challenged.ballot
    assert r.extra_files() == [] and r.missing_files() == []
    for path in r.index_paths():
        r.check_file_hash(path)


def test_round_trip_on_a_curve(tmp_path: Path) -> None:
    g = get_group("P-256")
    sim = simulate_election(g, kuwu_manifest(CANDIDATES), voters=3, challenged=1, devices=1,
                            rng=random.Random(3))
    write_simulated_election(sim, tmp_path / "r")
    r = RecordReader(tmp_path / "r")
    assert r.group is g and r.derivation is None
    assert json.loads((tmp_path / "r" / "parameters.json").read_bytes()) == {
        "version": 2, "kind": "parameters", "group": "P-256"}
    assert r.encrypted_tally() == sim.tally
    assert [line.ballot.ballot_id for line in r.ballot_lines("ballots/device-1.jsonl")] \
        == sim.chain_order["device-1"]


def test_fingerprint_is_sha256_of_index_bytes(sim: SimulatedElection, tmp_path: Path) -> None:
    fingerprint = write_simulated_election(sim, tmp_path / "r")
    index = (tmp_path / "r" / "index.json").read_bytes()
    assert fingerprint == hashlib.sha256(index).hexdigest() == RecordReader(tmp_path / "r").fingerprint
    doc = json.loads(index)
    assert (doc["version"], doc["kind"]) == (2, "pilwu-record-index")
    paths = [f["path"] for f in doc["files"]]
    assert paths == sorted(paths) and "index.json" not in paths
    assert "setup.json" in paths and "mixnet/servers.json" not in paths
    root = tmp_path / "r"
    on_disk = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert paths == [p for p in on_disk if p != "index.json"]
    for f in doc["files"]:
        data = (tmp_path / "r" / f["path"]).read_bytes()
        assert f["sha256"] == hashlib.sha256(data).hexdigest() and f["size"] == len(data)
        if f["path"].endswith(".json"):
            assert json.loads(data)["version"] == 2


def test_a21_writing_twice_gives_identical_bytes(sim: SimulatedElection, tmp_path: Path) -> None:
    first = write_simulated_election(sim, tmp_path / "a")
    second = write_simulated_election(sim, tmp_path / "b")
    assert first == second
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert files_a == files_b
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()


# ---------------------------------------------------------------- malformed content -
BALLOT = "ballots/device-1.jsonl"
ALPHA = "ballot.contests[0].options[1].ciphertext.alpha"


def _alpha(line: dict[str, Any]) -> dict[str, Any]:
    ct: dict[str, Any] = line["ballot"]["contests"][0]["options"][1]["ciphertext"]
    return ct


def test_ballot_field_errors_name_file_line_and_path(group: Group, record: Path) -> None:
    size = group.element_size
    good = _alpha(json.loads((record / BALLOT).read_bytes().splitlines()[1]))["alpha"]
    assert isinstance(group, ModPGroup)
    cases: list[tuple[Any, str]] = [
        ("zz" + good[2:], "not hex"),
        (good.upper(), "expected lowercase hex, got uppercase digits"),
        (good[:-2], f"expected {size} bytes of hex"),
        (good + "0", f"expected {size} bytes of hex"),
        (int(group.p).to_bytes(size, "big").hex(), r"value not in \[1, p\)"),
        ("ff" * size, r"value not in \[1, p\)"),
        (1, f"expected {size} bytes of hex, got an integer"),
    ]
    for value, reason in cases:
        def put(line: dict[str, Any], value: Any = value) -> None:
            _alpha(line)["alpha"] = value

        edit_line(record, BALLOT, 2, put)
        message = malformed(record)
        assert message.startswith(f"{BALLOT}:2: {ALPHA}: "), message
        assert re.search(reason, message), message


def test_a7_record_rejects_order_two_element_in_ciphertext(group: Group, record: Path) -> None:
    assert isinstance(group, ModPGroup)
    minus_one = (int(group.p) - 1).to_bytes(group.element_size, "big").hex()
    edit_line(record, BALLOT, 3, lambda d: _alpha(d).update(beta=minus_one))
    assert malformed(record) == (f"{BALLOT}:3: ballot.contests[0].options[1].ciphertext.beta: "
                                 "not in the order-q subgroup of pilwu-test-512")


A7_FIELDS: list[tuple[str, Callable[[dict[str, Any], str], None], str]] = [
    ("context.json", lambda d, x: d.update(joint_key=x), "context.json: joint_key"),
    ("context.json", lambda d, x: d["verification_keys"].update({"2": x}),
     "context.json: verification_keys.2"),
    ("ceremony/reveals.json", lambda d, x: d["reveals"][1]["commitments"].__setitem__(0, x),
     "ceremony/reveals.json: reveals[1].commitments[0]"),
    ("ceremony/reveals.json", lambda d, x: d["reveals"][0].update(aux_key=x),
     "ceremony/reveals.json: reveals[0].aux_key"),
    ("tally/encrypted_tally.json", lambda d, x: d["contests"][0]["options"][2]["ciphertext"].update(alpha=x),
     "tally/encrypted_tally.json: contests[0].options[2].ciphertext.alpha"),
    ("tally/shares/trustee-1.json", lambda d, x: d["partials"].__setitem__(1, x),
     "tally/shares/trustee-1.json: partials[1]"),
]


@pytest.mark.parametrize("path, edit, where", A7_FIELDS, ids=[w for _, _, w in A7_FIELDS])
def test_a7_order_two_element_rejected_in_every_document(group: Group, record: Path, path: str,
                                                          edit: Callable[[dict[str, Any], str], None],
                                                          where: str) -> None:
    assert isinstance(group, ModPGroup)
    minus_one = (int(group.p) - 1).to_bytes(group.element_size, "big").hex()
    edit_document(record, path, lambda d: edit(d, minus_one))
    assert malformed(record) == f"{where}: not in the order-q subgroup of pilwu-test-512"


def test_scalar_not_below_q_rejected(group: Group, record: Path) -> None:
    too_big = group.q.to_bytes(group.scalar_size, "big").hex()
    edit_line(record, BALLOT, 1,
              lambda d: d["ballot"]["contests"][0]["sum_proof"]["branches"][1].update(v=too_big))
    assert malformed(record).startswith(
        f"{BALLOT}:1: ballot.contests[0].sum_proof.branches[1].v: scalar not below q")


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["ballot"].pop("signature"), f"{BALLOT}:2: ballot.signature: missing key"),
    (lambda d: d["ballot"].update(note="hi"), f"{BALLOT}:2: ballot.note: unknown key"),
    (lambda d: d["ballot"]["contests"][0]["options"][0].update(option_id=True),
     f"{BALLOT}:2: ballot.contests[0].options[0].option_id: expected an identifier, got a boolean"),
    (lambda d: d.update(status="spoiled"), f"{BALLOT}:2: status: expected 'cast' or 'challenged'"),
    (lambda d: b'{"status":NaN}\n', f"{BALLOT}:2: NaN is not allowed"),
    (lambda d: b'{"status":"cast","status":"cast"}\n', f"{BALLOT}:2: duplicate key 'status'"),
    (lambda d: b'{"status":' + b"[" * 40 + b"]" * 40 + b"}\n", f"{BALLOT}:2: JSON nested deeper than 32"),
    (lambda d: b'{"status":"cast","ballot":{"ballot_id":"\xff"}}\n', f"{BALLOT}:2: not valid UTF-8"),
    (lambda d: b'{"status": "cast", "ballot": \n', f"{BALLOT}:2: invalid JSON"),
    (lambda d: b"\n", f"{BALLOT}:2: invalid JSON"),
])
def test_ballot_line_parse_errors(record: Path, edit: Callable[[dict[str, Any]], Any], message: str) -> None:
    edit_line(record, BALLOT, 2, edit)
    got = malformed(record)
    assert got.startswith(message), got


def test_bool_for_int_and_wrong_version_in_documents(record: Path) -> None:
    edit_document(record, "tally/encrypted_tally.json", lambda d: d.update(ballot_count=True))
    assert malformed(record) == "tally/encrypted_tally.json: ballot_count: expected an integer, got a boolean"
    edit_document(record, "tally/encrypted_tally.json", lambda d: d.update(ballot_count=6, version=3))
    assert malformed(record).startswith("tally/encrypted_tally.json: version: 3 in a record of format version 2")
    # a version the codec knows, but not the record's (index.json's): no mixing of formats
    edit_document(record, "tally/encrypted_tally.json", lambda d: d.update(version=1))
    assert malformed(record).startswith(
        "tally/encrypted_tally.json: version: 1 in a record of format version 2")


@pytest.mark.parametrize("path, old, new, message", [
    ("devices.json", b'{"closings"', b'{"kind":"devices","closings"', "devices.json: duplicate key 'kind'"),
    ("devices.json", b'"version":2', b'"version":NaN',
     "devices.json: NaN is not allowed in a record (JSON has no NaN or Infinity)"),
    ("manifest.json", b"Kuwu", b"Ku\xffu", "manifest.json: not valid UTF-8 (byte "),
    ("manifest.json", b'{"contests":', b"[" * 33 + b"]" * 33 + b'{"contests":',
     "manifest.json: JSON nested deeper than 32 levels"),
    ("context.json", b'"version":2', b'"version":2.0',
     "context.json: version: expected an integer, got a number with a fraction or exponent"),
])
def test_document_level_json_errors(record: Path, path: str, old: bytes, new: bytes, message: str) -> None:
    data = (record / path).read_bytes()
    assert old in data
    (record / path).write_bytes(data.replace(old, new, 1))
    reindex(record)
    assert malformed(record).startswith(message)


def test_oversize_and_truncated_lines(record: Path) -> None:
    edit_line(record, BALLOT, 2, lambda d: d["ballot"].update(ballot_id="x" * MAX_LINE_BYTES))
    assert malformed(record) == f"{BALLOT}:2: line longer than {MAX_LINE_BYTES} bytes"


def test_truncated_jsonl_line(record: Path) -> None:
    data = (record / BALLOT).read_bytes()
    (record / BALLOT).write_bytes(data[:-50])  # the last line loses its end and its newline
    reindex(record)
    n = data.count(b"\n")
    assert malformed(record) == f"{BALLOT}:{n}: truncated line (no newline at the end)"
    (record / BALLOT).write_bytes(data[:-1])  # only the final newline is missing
    reindex(record)
    assert malformed(record) == f"{BALLOT}:{n}: truncated line (no newline at the end)"


def test_file_hash_mismatch(record: Path) -> None:
    # a line changed to another well-formed ballot line: parsed and yielded, then refused at the end
    lines = (record / BALLOT).read_bytes().splitlines(keepends=True)
    (record / BALLOT).write_bytes(b"".join([lines[1], lines[0], *lines[2:]]))
    r = RecordReader(record)
    seen = []
    with pytest.raises(MalformedRecord, match=f"^{BALLOT}: sha256 does not match the index$"):
        for line in r.ballot_lines(BALLOT):
            seen.append(line.line_no)
    assert seen == list(range(1, len(lines) + 1))
    with pytest.raises(MalformedRecord, match=f"^{BALLOT}: sha256 does not match the index$"):
        r.check_file_hash(BALLOT)
    # a document: refused before its content is parsed
    context = (record / "context.json").read_bytes()
    (record / "context.json").write_bytes(context.replace(b'"version":2', b'"version":1'))
    with pytest.raises(MalformedRecord, match=r"^context\.json: sha256 does not match the index$"):
        r.context()
    # a ballot file longer than the index says: refused as soon as it is longer
    (record / BALLOT).write_bytes(b"".join(lines) + lines[0])
    with pytest.raises(MalformedRecord, match=f"^{BALLOT}: sha256 does not match the index"):
        list(r.ballot_lines(BALLOT))


def test_missing_and_extra_files(record: Path) -> None:
    (record / "tally" / "result.json").unlink()
    (record / "ballots" / "device-9.jsonl").write_bytes(b"")
    (record / "notes.txt").write_text("hello")
    r = RecordReader(record)
    assert r.missing_files() == ["tally/result.json"]
    assert r.extra_files() == ["ballots/device-9.jsonl", "notes.txt"]
    assert r.ballot_files() == ["ballots/device-1.jsonl", "ballots/device-2.jsonl"]
    with pytest.raises(MalformedRecord, match=r"^tally/result.json: missing \(listed in index.json\)$"):
        r.result()
    with pytest.raises(MalformedRecord, match=r"^tally/result.json: missing"):
        r.check_file_hash("tally/result.json")
    with pytest.raises(MalformedRecord, match=r"^ballots/device-9\.jsonl: not listed in index\.json$"):
        r.ballot_lines("ballots/device-9.jsonl")
    (record / BALLOT).unlink()
    with pytest.raises(MalformedRecord, match=f"^{BALLOT}: missing"):
        r.ballot_lines(BALLOT)  # reported at once, before any iteration


def test_listed_paths_that_are_not_regular_files(record: Path) -> None:
    """file_kind tells "missing" (nothing there) from "not a regular file", without opening
    anything: a listed FIFO is refused without blocking, a directory is not "missing"."""
    r = RecordReader(record)
    assert r.file_kind("manifest.json") == "" and r.missing_files() == []
    (record / "tally" / "result.json").unlink()
    assert r.file_kind("tally/result.json") == "missing" and r.missing_files() == ["tally/result.json"]
    os.mkfifo(record / "tally" / "result.json")
    assert r.file_kind("tally/result.json") == "a FIFO" and r.missing_files() == []
    with pytest.raises(MalformedRecord, match=r"^tally/result\.json: not a regular file \(a FIFO\)$"):
        r.check_file_hash("tally/result.json")
    with pytest.raises(MalformedRecord, match=r"^tally/result\.json: not a regular file \(a FIFO\)$"):
        r.result()
    (record / "devices.json").unlink()
    (record / "devices.json").mkdir()
    with pytest.raises(MalformedRecord, match=r"^devices\.json: not a regular file \(a directory\)$"):
        r.devices()
    (record / "context.json").unlink()
    (record / "context.json").symlink_to("nowhere.json")
    assert r.file_kind("context.json") == "a symbolic link to nothing"
    os.mkfifo(record / "elsewhere")
    (record / "manifest.json").unlink()
    (record / "manifest.json").symlink_to("elsewhere")
    assert r.file_kind("manifest.json") == "a FIFO"
    assert r.copy_error is None
    (record / "index.json").unlink()
    (record / "index.json").mkdir()
    assert unreadable(record) == "index.json: not a regular file (a directory)"


def test_files_operating_systems_leave_are_ignored_only_when_unlisted(record: Path) -> None:
    junk = [".DS_Store", "Thumbs.db", "__MACOSX/ballots/x.json", "ballots/._device-1.jsonl", "desktop.ini",
            "tally/shares/.DS_Store"]
    for name in [*junk, "notes.txt", "ballots/x.DS_Store", "MACOSX/a", "__MACOSX_/a", "_x"]:
        (record / name).parent.mkdir(parents=True, exist_ok=True)
        (record / name).write_bytes(b"\0")
    r = RecordReader(record)
    assert r.ignored_files() == sorted(junk)
    assert r.extra_files() == ["MACOSX/a", "__MACOSX_/a", "_x", "ballots/x.DS_Store", "notes.txt"]
    doc = json.loads((record / "index.json").read_bytes())
    doc["files"] = sorted([*doc["files"], {"path": ".DS_Store", "sha256": "00" * 32, "size": 1}],
                          key=lambda e: e["path"])
    (record / "index.json").write_bytes(codec.dumps_canonical(doc))
    report = verify_record(record, allow_test_group=True)
    assert ".DS_Store" not in report.ignored_files
    assert report.checks[0].failures[-2:] == [".DS_Store: listed in the index but not a file of the record layout",
                                              ".DS_Store: sha256 does not match the index"]


def test_copy_unreadable_names_the_path_and_crosses_processes() -> None:
    error = pickle.loads(pickle.dumps(CopyUnreadable("/media/usb/record/devices.json", "PermissionError: denied")))
    assert isinstance(error, RecordUnreadable)
    assert (error.path, error.reason) == ("/media/usb/record/devices.json", "PermissionError: denied")
    assert str(error) == "cannot read /media/usb/record/devices.json (your copy): PermissionError: denied"


def test_tally_share_file_named_after_its_trustee(record: Path) -> None:
    edit_document(record, "tally/shares/trustee-1.json", lambda d: d.update(trustee_id="trustee-3"))
    assert malformed(record).startswith(
        "tally/shares/trustee-1.json: trustee_id: trustee-3 is not the trustee")


# ---------------------------------------------------------------- unreadable --------
def test_unreadable_root_and_index(record: Path, tmp_path: Path) -> None:
    assert unreadable(tmp_path / "nowhere").endswith("does not exist")
    (tmp_path / "file").write_text("x")
    assert unreadable(tmp_path / "file").endswith("is not a directory")
    index = (record / "index.json").read_bytes()
    (record / "index.json").write_bytes(b"\x00garbage")
    assert unreadable(record).startswith("index.json: ")
    (record / "index.json").write_bytes(index[: len(index) // 2])
    assert unreadable(record).startswith("index.json: invalid JSON")
    (record / "index.json").write_bytes(index.replace(b'"version":2', b'"version":true'))
    assert unreadable(record) == "index.json: version: expected an integer, got a boolean"
    (record / "index.json").write_bytes(index.replace(b'"version":2', b'"version":3'))
    assert unreadable(record).startswith("index.json: version: unsupported record format version 3")
    (record / "index.json").unlink()
    assert unreadable(record) == "index.json: missing (the record has no index)"


@pytest.mark.parametrize("path", ["../x", "/etc/passwd", "a/../../x", "ballots\\device-1.jsonl", "./a"])
def test_unreadable_index_paths(record: Path, path: str) -> None:
    doc = json.loads((record / "index.json").read_bytes())
    doc["files"].insert(0, {"path": path, "sha256": "00" * 32, "size": 0})
    (record / "index.json").write_bytes(codec.dumps_canonical(doc))
    assert unreadable(record).startswith("index.json: files[0].path: ")


def test_unreadable_symlink_escaping_root(record: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"
    outside.write_bytes((record / "devices.json").read_bytes())
    (record / "devices.json").unlink()
    os.symlink(outside, record / "devices.json")
    assert unreadable(record) == "index.json: devices.json leads outside the record (symbolic link)"
    (record / "devices.json").unlink()
    os.symlink("ballots/device-1.jsonl", record / "devices.json")  # inside the root: allowed
    assert RecordReader(record).missing_files() == []
    (tmp_path / "index.json").write_bytes((record / "index.json").read_bytes())
    (record / "index.json").unlink()
    os.symlink(tmp_path / "index.json", record / "index.json")
    assert unreadable(record) == "index.json: leads outside the record (symbolic link)"


def test_unreadable_parameters(record: Path) -> None:
    original = (record / "parameters.json").read_bytes()
    edit_document(record, "parameters.json", lambda d: d.update(group="pilwu-9999"))
    assert unreadable(record) == "parameters.json: group: unknown parameter set 'pilwu-9999'"
    (record / "parameters.json").write_bytes(original)
    reindex(record)
    p = json.loads(original)["p"]
    edit_document(record, "parameters.json", lambda d: d.update(p=p[:-1] + ("1" if p[-1] == "0" else "0")))
    assert unreadable(record).startswith("parameters.json: p: does not match the registered parameter set")
    (record / "parameters.json").write_bytes(original)  # back to the original, but the index says otherwise
    assert unreadable(record) == "parameters.json: sha256 does not match the index"
    (record / "parameters.json").unlink()
    assert unreadable(record) == "parameters.json: missing (listed in index.json)"
    doc = json.loads((record / "index.json").read_bytes())
    doc["files"] = [f for f in doc["files"] if f["path"] != "parameters.json"]
    (record / "index.json").write_bytes(codec.dumps_canonical(doc))
    assert unreadable(record) == "parameters.json: not listed in index.json"


def test_reader_never_raises_anything_but_pilwu_errors(record: Path) -> None:
    """Random byte damage to every file (index updated to match): only PilwuError comes out."""
    rng = random.Random(7)
    paths = sorted(p.relative_to(record).as_posix() for p in record.rglob("*") if p.is_file())
    originals = {p: (record / p).read_bytes() for p in paths}
    outcomes = {"ok": 0, "malformed": 0, "unreadable": 0}
    for _ in range(80):
        path = rng.choice(paths)
        data = bytearray(originals[path])
        for _ in range(rng.randint(1, 3)):
            if not data:
                break
            i = rng.randrange(len(data))
            roll = rng.random()
            if roll < 0.5:
                data[i] = rng.randrange(256)
            elif roll < 0.75:
                del data[i:i + rng.randint(1, 40)]
            else:
                data[i:i] = rng.choice([b"{", b"]", b'"', b"\\", b"\n", b"-", b"\xc3", b"1e999"])
        (record / path).write_bytes(bytes(data))
        if path != "index.json":
            reindex(record)
        try:
            read_everything(record)
            outcomes["ok"] += 1
        except RecordUnreadable:
            outcomes["unreadable"] += 1
        except PilwuError:
            outcomes["malformed"] += 1
        for p, b in originals.items():
            (record / p).write_bytes(b)
    assert outcomes["malformed"] > 20 and outcomes["unreadable"] > 3


# ---------------------------------------------------------------- the writer --------
def test_crash_mid_stream_leaves_no_partial_file_and_no_index(sim: SimulatedElection, group: Group,
                                                               tmp_path: Path) -> None:
    root = tmp_path / "r"
    writer = RecordWriter(root)
    writer.write_parameters(group)
    writer.write_manifest(sim.context.manifest)
    with pytest.raises(RuntimeError, match="power cut"), writer.ballot_stream("device-1") as stream:
        for ballot in [b for b in sim.cast if b.device_id == "device-1"][:2]:
            stream.write_cast(ballot)
        assert stream.count == 2
        raise RuntimeError("power cut")
    names = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert names == ["manifest.json", "parameters.json"]  # no ballots file, no temporary file, no index
    # the stream can be written again, and the record finished
    with writer.ballot_stream("device-1") as stream:
        stream.write_cast(sim.cast[0])
    writer.finish()
    r = RecordReader(root)
    assert r.index_paths() == ["ballots/device-1.jsonl", "manifest.json", "parameters.json"]
    assert [line.ballot for line in r.ballot_lines("ballots/device-1.jsonl")] == [sim.cast[0]]


def test_crash_during_atomic_write_leaves_nothing(sim: SimulatedElection, group: Group, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "r"
    writer = RecordWriter(root)
    writer.write_parameters(group)

    def failing_fsync(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="disk full"):
        writer.write_manifest(sim.context.manifest)
    with pytest.raises(OSError, match="disk full"), writer.ballot_stream("device-1") as stream:
        stream.write_cast(sim.cast[0])
    with pytest.raises(OSError, match="disk full"):
        writer.finish()
    monkeypatch.undo()
    assert sorted(p.name for p in root.rglob("*") if p.is_file()) == ["parameters.json"]
    writer.write_manifest(sim.context.manifest)  # nothing was recorded for the failed attempts
    assert writer.finish() == hashlib.sha256((root / "index.json").read_bytes()).hexdigest()


def test_refuses_non_empty_directory_unless_forced(sim: SimulatedElection, tmp_path: Path) -> None:
    root = tmp_path / "r"
    root.mkdir()
    (root / "mine.txt").write_text("keep me")
    with pytest.raises(RecordExists, match="not empty"):
        write_simulated_election(sim, root)
    assert isinstance(RecordExists("x"), FileExistsError)
    (tmp_path / "f").write_text("x")
    with pytest.raises(RecordExists, match="not a directory"):
        RecordWriter(tmp_path / "f")
    RecordWriter(tmp_path / "empty-dir-is-fine")
    # force: an old record's files are replaced (stale layout files removed), others kept
    small = simulate_election(sim.context.group, kuwu_manifest(CANDIDATES), voters=2, challenged=0, devices=3,
                              rng=random.Random(1))
    write_simulated_election(small, root, force=True)
    assert (root / "ballots" / "device-3.jsonl").exists()
    fingerprint = write_simulated_election(sim, root, force=True)
    r = RecordReader(root)
    assert r.fingerprint == fingerprint
    assert r.extra_files() == ["mine.txt"]
    assert not (root / "ballots" / "device-3.jsonl").exists()
    read_everything(root)


def test_writer_misuse(sim: SimulatedElection, group: Group, tmp_path: Path) -> None:
    writer = RecordWriter(tmp_path / "r")
    with pytest.raises(RecordWriteError, match="write_parameters must come first"):
        writer.write_manifest(sim.context.manifest)
    with pytest.raises(RecordWriteError, match=r"needs parameters\.json"):
        writer.finish()
    writer.write_parameters(group)
    with pytest.raises(RecordWriteError, match=r"parameters\.json: written twice"):
        writer.write_parameters(get_group("P-256"))
    assert writer.group is group
    m = sim.context.manifest
    with pytest.raises(InvalidManifest, match="needs village, district, regency, date, registered_voters"):
        writer.write_manifest(Manifest(m.election_id, m.name, m.contests))  # format 2 needs the place fields
    assert "manifest.json" not in writer.written()
    writer.write_manifest(sim.context.manifest)
    with pytest.raises(RecordWriteError, match=r"manifest\.json: written twice"):
        writer.write_manifest(sim.context.manifest)
    with pytest.raises(RecordWriteError, match="belongs to device device-1, not device-2"), \
            writer.ballot_stream("device-2") as stream:
        stream.write_cast(next(b for b in sim.cast if b.device_id == "device-1"))
    with pytest.raises(RecordWriteError, match="not a valid identifier"):
        writer.ballot_stream("../evil")
    with pytest.raises(RecordWriteError, match="record's is pilwu-test-512"):
        writer.write_context(simulate_election(get_group("P-256"), kuwu_manifest(CANDIDATES), voters=1,
                                               challenged=0, devices=1).context, {})
    stream = writer.ballot_stream("device-1")
    with stream, pytest.raises(RecordWriteError, match="streams still open"):
        writer.finish()
    with pytest.raises(RecordWriteError, match="already used"), stream:
        pass
    assert set(writer.written()) == {"parameters.json", "manifest.json", "ballots/device-1.jsonl"}
    assert writer.written()["ballots/device-1.jsonl"] == IndexEntry(
        "ballots/device-1.jsonl", hashlib.sha256(b"").hexdigest(), 0)
    writer.finish()
    with pytest.raises(RecordWriteError, match="finished"):
        writer.write_devices(sim.closings)
    with pytest.raises(RecordWriteError, match="finished"):
        writer.write_setup(sim.setup)


# ---------------------------------------------------------------- format 1 -----------
@pytest.mark.parametrize("name", ["homomorphic", "mixed-write-ins"])
def test_format_1_read_only_on_request(name: str) -> None:
    """A format-1 record (tests/data/record-v1) is refused unless accepted; accepted, it is
    read by its own layout: no setup, devices.json's and mixnet/servers.json's registrations."""
    root = V1 / name
    with pytest.raises(FormatRefused, match=r"^index\.json: record format version 1") as info:
        RecordReader(root)
    assert isinstance(info.value, RecordUnreadable)
    r = RecordReader(root, accept_format_v1=True)
    assert r.format_version == 1 and r.setup() is None
    assert r.missing_files() == [] and r.extra_files() == []
    manifest = r.manifest()  # a format-1 manifest: no place fields, the format-1 hash
    assert manifest.format_version == 1 and manifest.village is None and manifest.registered_voters is None
    devices = r.devices()
    assert [d.device_id for d in devices.registrations] == ["device-1", "device-2"]
    assert [c.device_id for c in devices.closings] == ["device-1", "device-2"]
    assert "setup.json" not in r.index_paths()
    if r.has_mixnet():
        assert "mixnet/servers.json" in r.index_paths() and len(r.mix_servers()) == 2
    for path in r.index_paths():
        r.check_file_hash(path)


def test_format_1_document_in_a_format_2_record_refused(record: Path) -> None:
    edit_document(record, "devices.json", lambda d: d.update(version=1, registrations=[]))
    assert malformed(record).startswith("devices.json: version: 1 in a record of format version 2")


# ---------------------------------------------------------------- the spec alone ----
class _Spec:
    """A hashlib-only reading of docs/record-format.md (no pilwu_crypto code): checklist A20,
    the producer and an independent reading of the specification must agree."""

    def __init__(self, root: Path) -> None:
        self.root = root
        params = self.doc("parameters.json")
        self.name = params["group"]
        self.p, self.q, self.g = (int(params[k], 16) for k in ("p", "q", "g"))
        self.esize, self.ssize = len(params["p"]) // 2, len(params["q"]) // 2
        desc = b"".join(self.lp(x) for x in (b"modp", self.name.encode(), bytes.fromhex(params["p"]),
                                             bytes.fromhex(params["q"]), bytes.fromhex(params["g"])))
        self.fingerprint = hashlib.sha256(b"PILWU-V1-group\x00" + desc).digest()

    def doc(self, path: str) -> Any:
        return json.loads((self.root / path).read_bytes())

    @staticmethod
    def lp(x: bytes) -> bytes:
        return len(x).to_bytes(4, "big") + x

    @staticmethod
    def u32(n: int) -> bytes:
        return n.to_bytes(4, "big")

    @staticmethod
    def frame(dst: bytes, parts: list[bytes]) -> bytes:
        out = len(dst).to_bytes(4, "big") + dst + len(parts).to_bytes(4, "big")
        return out + b"".join(len(p).to_bytes(8, "big") + p for p in parts)

    def tagged(self, dst: bytes, parts: list[bytes]) -> bytes:
        return hashlib.sha256(self.frame(dst, parts)).digest()

    def enc(self, x: int) -> bytes:
        return x.to_bytes(self.esize, "big")

    def transcript(self, domain: str, context: bytes) -> _SpecTranscript:
        t = _SpecTranscript(self)
        t.record(1, "dst", b"PILWU-V1-transcript")
        t.record(5, "domain", domain.encode())
        t.record(1, "group", self.fingerprint)
        t.record(1, "context", context)
        return t


class _SpecTranscript:
    def __init__(self, spec: _Spec) -> None:
        self.spec = spec
        self.h = hashlib.sha256()

    def record(self, kind: int, label: str, value: bytes) -> None:
        lb = label.encode()
        self.h.update(bytes([kind]) + len(lb).to_bytes(4, "big") + lb + len(value).to_bytes(8, "big") + value)

    def text(self, label: str, value: str) -> None:
        self.record(5, label, value.encode())

    def integer(self, label: str, n: int) -> None:
        self.record(4, label, n.to_bytes((n.bit_length() + 7) // 8, "big"))

    def element(self, label: str, x: int) -> None:
        self.record(2, label, self.spec.enc(x))

    def challenge(self, label: str) -> int:
        q = self.spec.q
        n = (q.bit_length() + 128 + 7) // 8
        lb = label.encode()
        prefix = b"PILWU-V1-challenge" + self.h.digest() + len(lb).to_bytes(4, "big") + lb
        out = b"".join(hashlib.sha256(prefix + i.to_bytes(4, "big")).digest() for i in range(-(-n // 32)))[:n]
        self.record(6, label, out)
        return int.from_bytes(out, "big") % q


def test_a20_record_recomputed_from_the_format_spec_alone(record: Path) -> None:
    from Crypto.Signature import eddsa

    s = _Spec(record)
    p, q, g = s.p, s.q, s.g

    def x(h: str) -> int:
        return int(h, 16)

    # manifest hash and H_B (§5.3, §5.4)
    man = s.doc("manifest.json")
    parts = [man["election_id"].encode(), man["name"].encode(),
             *(man[k].encode() for k in ("village", "district", "regency", "date")),
             s.u32(man["registered_voters"]), s.u32(len(man["contests"]))]
    for c in man["contests"]:
        parts += [c["contest_id"].encode(), c["name"].encode(), s.u32(c["selection_limit"]),
                  s.u32(c["option_limit"]), s.u32(len(c["options"]))]
        for o in c["options"]:
            parts += [o["option_id"].encode(), o["name"].encode()]
    manifest_hash = s.tagged(b"PILWU-V2-manifest", [b"".join(s.lp(part) for part in parts)])
    assert manifest_hash.hex() == man["hash"]
    # the setup hash (§5.4a): devices, then mix servers, each sorted by id
    setup = s.doc("setup.json")
    assert [d["device_id"] for d in setup["devices"]] == sorted(d["device_id"] for d in setup["devices"])
    setup_parts = [s.u32(len(setup["devices"]))]
    for d in setup["devices"]:
        setup_parts += [d["device_id"].encode(), bytes.fromhex(d["public_key"])]
    setup_parts.append(s.u32(len(setup["mix_servers"])))
    for m in setup["mix_servers"]:
        setup_parts += [m["server_id"].encode(), bytes.fromhex(m["public_key"])]
    setup_hash = s.tagged(b"PILWU-V2-election-setup", setup_parts)
    cer = s.doc("ceremony/ceremony.json")
    ids, t = cer["trustee_ids"], cer["threshold"]
    h_b = s.tagged(b"PILWU-V2-base-hash", [s.fingerprint, manifest_hash, s.u32(len(ids)), s.u32(t),
                                      *(i.encode() for i in ids), setup_hash])
    assert h_b.hex() == cer["base_hash"]
    # round-1 digests and a Schnorr proof of the ceremony (§5.5, §5.6)
    reveals = s.doc("ceremony/reveals.json")["reveals"]
    digests = s.doc("ceremony/digests.json")["digests"]
    for r, d in zip(reveals, digests, strict=True):
        items = [s.fingerprint, h_b, r["trustee_id"].encode(), s.u32(r["trustee_index"]),
                 s.u32(len(r["commitments"])), s.u32(len(r["coefficient_proofs"]))]
        items += [bytes.fromhex(c) for c in r["commitments"]]
        for pr in [*r["coefficient_proofs"], None]:
            if pr is None:
                items.append(bytes.fromhex(r["aux_key"]))
                pr = r["aux_key_proof"]
            items += [bytes.fromhex(pr["h"]), bytes.fromhex(pr["v"])]
        assert s.tagged(b"PILWU-V1-ceremony-commitment", items).hex() == d["digest"]
    r = reveals[1]
    tr = s.transcript("PILWU-V1-key-ceremony", h_b)
    tr.text("step", "coefficient")
    tr.text("trustee", r["trustee_id"])
    tr.integer("index", r["trustee_index"])
    tr.integer("j", 1)
    X, proof = x(r["commitments"][1]), r["coefficient_proofs"][1]
    tr.record(1, "proof", b"PILWU-V1-schnorr")
    for label, v in (("g", g), ("X", X), ("h", x(proof["h"]))):
        tr.element(label, v)
    ch = tr.challenge("c")
    assert pow(g, x(proof["v"]), p) == x(proof["h"]) * pow(X, ch, p) % p
    # K, K_l and H_E (§5.9)
    ctx = s.doc("context.json")
    commitments = [[x(cm) for cm in rv["commitments"]] for rv in reveals]
    K = 1
    for cs in commitments:
        K = K * cs[0] % p
    assert s.enc(K).hex() == ctx["joint_key"]
    for ell in range(1, len(ids) + 1):
        K_l = 1
        for cs in commitments:
            for j, cm in enumerate(cs):
                K_l = K_l * pow(cm, pow(ell, j, q), p) % p
        assert s.enc(K_l).hex() == ctx["verification_keys"][str(ell)]
    # the shares hash (§5.7): every published share's hash, by (sender index, recipient index)
    shares = [json.loads(line) for line in (record / "ceremony/shares.jsonl").read_bytes().splitlines()]
    assert len(shares) == len(ids) * (len(ids) - 1)
    share_hashes = [s.tagged(b"PILWU-V1-share-message", [
        h_b, sh["sender_id"].encode(), s.u32(sh["sender_index"]), sh["recipient_id"].encode(),
        s.u32(sh["recipient_index"]), bytes.fromhex(sh["nonce"]), bytes.fromhex(sh["ciphertext"]),
        bytes.fromhex(sh["tag"])]) for sh in sorted(shares, key=lambda v: (v["sender_index"], v["recipient_index"]))]
    shares_hash = s.tagged(b"PILWU-V2-ceremony-shares", share_hashes)
    h_e = s.tagged(b"PILWU-V2-election-hash",
                   [h_b, s.enc(K), *(s.enc(cm) for cs in commitments for cm in cs), shares_hash])
    assert h_e.hex() == ctx["election_hash"]
    # ballots: canonical bytes, digests, code chains, signatures, one range proof (§5.10, §5.11)
    devices = s.doc("devices.json")  # the keys are setup.json's (§5.4a), the closings devices.json's
    keys = {d["device_id"]: eddsa.new(eddsa.import_public_key(bytes.fromhex(d["public_key"])), "rfc8032")
            for d in setup["devices"]}
    closings = {c["device_id"]: c for c in devices["closings"]}
    limits = {c["contest_id"]: (c["option_limit"], c["selection_limit"]) for c in man["contests"]}
    checked_proof = False
    for device, verifier in keys.items():
        code = s.tagged(b"PILWU-V1-confirmation-code-seed", [h_e, device.encode()])
        lines = (record / f"ballots/{device}.jsonl").read_bytes().splitlines()
        for raw in lines:
            b = json.loads(raw)["ballot"]

            def sstr(v: str) -> bytes:
                return s.lp(v.encode())

            def proof_bytes(pf: dict[str, Any]) -> bytes:
                return s.u32(len(pf["branches"])) + b"".join(
                    bytes.fromhex(br[k]) for br in pf["branches"] for k in ("a", "b", "c", "v"))

            canon = [sstr("PILWU-V1-ballot"), sstr(b["ballot_id"]), sstr(b["device_id"]),
                     bytes.fromhex(b["previous_code"]), s.u32(len(b["contests"]))]
            for c in b["contests"]:
                canon += [sstr(c["contest_id"]), s.u32(len(c["options"]))]
                for o in c["options"]:
                    canon += [sstr(o["option_id"]), bytes.fromhex(o["ciphertext"]["alpha"]),
                              bytes.fromhex(o["ciphertext"]["beta"]), proof_bytes(o["proof"])]
                canon.append(proof_bytes(c["sum_proof"]))
                wi = c.get("write_in")
                if wi is None:
                    canon.append(s.u32(0))
                else:
                    canon.append(s.u32(len(wi["ciphertexts"])))
                    canon += [bytes.fromhex(ct[k]) for ct in wi["ciphertexts"] for k in ("alpha", "beta")]
                    canon += [bytes.fromhex(x) for pair in zip(wi["proof"]["commitments"],
                                                               wi["proof"]["responses"], strict=True) for x in pair]
            digest = s.tagged(b"PILWU-V1-ballot-digest", [b"".join(canon)])
            assert b["previous_code"] == code.hex()
            code = s.tagged(b"PILWU-V1-confirmation-code", [h_e, device.encode(), code, digest])
            assert b["confirmation_code"] == code.hex()
            verifier.verify(s.frame(b"PILWU-V1-device-ballot-signature", [h_e, digest, code]),
                            bytes.fromhex(b["signature"]))
            # the sum proof of the first contest (L = selection_limit, over the product)
            c0 = b["contests"][0]
            alpha = beta = 1
            for o in c0["options"]:
                alpha, beta = alpha * x(o["ciphertext"]["alpha"]) % p, beta * x(o["ciphertext"]["beta"]) % p
            L = limits[c0["contest_id"]][1]
            tr = s.transcript("PILWU-V1-ballot-proof", h_e)
            for label, value in (("ballot", b["ballot_id"]), ("device", device),
                                 ("contest", c0["contest_id"]), ("position", "contest-sum")):
                tr.text(label, value)
            tr.record(1, "proof", b"PILWU-V1-range")
            for label, v in (("g", g), ("K", K), ("alpha", alpha), ("beta", beta)):
                tr.element(label, v)
            tr.integer("L", L)
            branches = c0["sum_proof"]["branches"]
            for j, br in enumerate(branches):
                tr.element(f"a[{j}]", x(br["a"]))
                tr.element(f"b[{j}]", x(br["b"]))
            assert sum(x(br["c"]) for br in branches) % q == tr.challenge("c") and len(branches) == L + 1
            for j, br in enumerate(branches):
                cj, vj = x(br["c"]), x(br["v"])
                assert pow(g, vj, p) == x(br["a"]) * pow(alpha, cj, p) % p
                assert pow(K, vj, p) == x(br["b"]) * pow(beta * pow(g, -j, p) % p, cj, p) % p
            checked_proof = True
        closing = closings[device]
        assert (closing["last_code"], closing["ballot_count"]) == (code.hex(), len(lines))
        challenged = [k + 1 for k, raw in enumerate(lines) if json.loads(raw)["status"] == "challenged"]
        assert closing["challenged_positions"] == challenged
        positions = s.u32(len(challenged)) + b"".join(s.u32(k) for k in challenged)
        closing_message = s.frame(b"PILWU-V1-device-closing",
                                  [h_e, device.encode(), code, s.u32(len(lines)), positions])
        verifier.verify(closing_message, bytes.fromhex(closing["signature"]))
    assert checked_proof
    # one tally decryption proof (§5.13)
    tally = s.doc("tally/encrypted_tally.json")
    share = s.doc("tally/shares/trustee-2.json")
    ell = share["trustee_index"]
    entry = tally["contests"][0]["options"][1]
    alpha, beta = x(entry["ciphertext"]["alpha"]), x(entry["ciphertext"]["beta"])
    M, pr = x(share["partials"][1]), share["proofs"][1]
    K_l = x(ctx["verification_keys"][str(ell)])
    tr = s.transcript("PILWU-V1-tally-decryption", h_e)
    tr.text("contest", tally["contests"][0]["contest_id"])
    tr.text("option", entry["option_id"])
    tr.integer("ballots", tally["ballot_count"])
    tr.integer("trustee", ell)
    tr.record(1, "proof", b"PILWU-V1-decryption")
    for label, v in (("g1", g), ("A", K_l), ("g2", alpha), ("B", M), ("beta", beta), ("a", x(pr["a"])),
                     ("b", x(pr["b"]))):
        tr.element(label, v)
    ch = tr.challenge("c")
    assert pow(g, x(pr["v"]), p) == x(pr["a"]) * pow(K_l, ch, p) % p
    assert pow(alpha, x(pr["v"]), p) == x(pr["b"]) * pow(M, ch, p) % p
    # the fingerprint (§2)
    index = (record / "index.json").read_bytes()
    assert RecordReader(record).fingerprint == hashlib.sha256(index).hexdigest()
