"""``pilwu trustee …`` as a subprocess: a key ceremony between three "laptops" exchanging
files, then an election record built from it, decrypted by two of the three trustees
with ``pilwu trustee decrypt`` and verified by ``pilwu verify``.  The voting devices exist
before the ceremony: their keys are listed in the election setup given to
``pilwu trustee setup --setup`` (record format 2), as docs/trustee-guide.md §1 describes.

Every call runs the real command line with PILWU_PASSPHRASE set and the test-only scrypt
cost PILWU_SCRYPT_LOG2N=10 (accepted only because the group is the test-only
pilwu-test-512), so the whole file stays within a few seconds.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from Crypto.PublicKey import ECC

from pilwu_crypto.election.ballot import ChallengedBallot, EncryptedBallot, PlaintextBallot, challenge_ballot
from pilwu_crypto.election.ballot import encrypt_ballot as encrypt
from pilwu_crypto.election.decryption import decrypt_tally
from pilwu_crypto.election.device import VotingDevice, initial_code
from pilwu_crypto.election.setup import key_fingerprint
from pilwu_crypto.election.simulation import context_from_ceremony
from pilwu_crypto.election.tally import tally_ballots
from pilwu_crypto.errors import MalformedRecord
from pilwu_crypto.record import messages
from pilwu_crypto.record.io import RecordReader, RecordWriter, reopen_record
from pilwu_crypto.threshold.dkg import KeyedTrustee, import_secret_state, unseal
from pilwu_crypto.verify.checks import verify_record
from tests.setup_file import write_setup_file

PASSPHRASE = "correct horse battery staple"
TEST = "--insecure-test-group"
IDS = ["ayu", "budi", "citra"]
CANDIDATES = "Ki Ahmad Sobari,Nyi Siti Aminah,Ki Darma Wijaya"
PLACE = ["--village", "Sukamaju", "--district", "Sumber", "--date", "2026-06-14", "--registered-voters", "1500"]
"""What a --kuwu manifest must be given (docs/record-format.md §5.3)."""
DEVICE_IDS = ("tps-1", "tps-2")
"""The voting devices of the shared ceremony: those of docs/trustee-guide.md (tps-2 votes
here; in the guide it is the spare, closing with no ballot)."""
KEY_PROTECTION = "scryptAndAES256-CBC"
ENV = {**os.environ, "PILWU_PASSPHRASE": PASSPHRASE, "PILWU_SCRYPT_LOG2N": "10"}
OUTPUTS: list[str] = []
"""Everything the commands printed (checked for secrets)."""


def pilwu(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    res = subprocess.run([sys.executable, "-m", "pilwu_crypto", *args], capture_output=True, text=True,
                         timeout=300, env=ENV if env is None else env, stdin=subprocess.DEVNULL)
    OUTPUTS.append(res.stdout + res.stderr)
    assert "Traceback" not in res.stdout + res.stderr, res.stderr
    return res


def ok(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    res = pilwu(*args, env=env)
    assert res.returncode == 0, (args, res.stdout, res.stderr)
    return res


def fails(code: int, *args: str, env: dict[str, str] | None = None) -> str:
    """Run a command expected to exit with ``code`` and one line on stderr; return it."""
    res = pilwu(*args, env=env)
    assert res.returncode == code, (args, res.returncode, res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    return lines[0]


def make_devices(root: Path) -> list[VotingDevice]:
    """The voting devices, before the ceremony: each with its own Ed25519 key, also kept as
    an encrypted PKCS#8 file ``root/<id>.pem`` as docs/trustee-guide.md §1 has the devices
    keep them (its record-building example loads them)."""
    devices = []
    for did in DEVICE_IDS:
        key = ECC.generate(curve="Ed25519")
        pem = key.export_key(format="PEM", passphrase=PASSPHRASE, protection=KEY_PROTECTION)
        messages.write_private_file(root / f"{did}.pem", pem.encode("ascii"), overwrite=False)
        devices.append(VotingDevice(did, key))
    return devices


def run_ceremony(root: Path, cer: Path, ids: list[str], *, until: str = "context") -> list[VotingDevice]:
    """The devices and the setup file first, then setup, init/reveal/shares/finish for
    every trustee, then context (stopping after step ``until``).  Returns the devices."""
    devices = make_devices(root)
    setup_file = root / f"{cer.name}-setup.json"
    write_setup_file(setup_file, devices)
    ok("trustee", "setup", "--group", "pilwu-test-512", TEST, "--kuwu", CANDIDATES, "--election-id", "desa-1",
       *PLACE, "--trustees", ",".join(ids), "--threshold", "2", "--setup", str(setup_file), "--out", str(cer))
    for step in ("init", "reveal", "shares", "finish"):
        for tid in ids:
            extra = ["--id", tid] if step == "init" else []
            ok("trustee", step, str(cer), *extra, "--state", str(root / f"{tid}.state"), TEST)
        if step == until:
            return devices
    ok("trustee", "context", str(cer), TEST)
    return devices


def ballot_box(record: Path) -> str:
    """The ballot-box fingerprint the authority announces at the close of polls (what
    ``pilwu verify`` prints), for ``pilwu trustee decrypt --fingerprint``."""
    box = verify_record(record, allow_test_group=True).ballot_box
    assert len(box) == 64, box
    return box


@dataclass
class Election:
    """A ceremony held through the CLI and a record built from it (before decryption)."""

    root: Path
    ceremony: Path
    record: Path
    expected: dict[tuple[str, str], int]
    devices: list[VotingDevice]
    box: str
    """The ballot-box fingerprint of ``record``."""

    def state(self, tid: str) -> Path:
        return self.root / f"{tid}.state"


def build_record(cer: Path, out: Path, devices: list[VotingDevice], *, subset_tally: bool = False,
                 bad_closing: bool = False) -> dict[tuple[str, str], int]:
    """The authority's software: a record from the ceremony directory, the two devices of
    its setup, five cast ballots and one challenged ballot, the tally; index written.
    Returns the counts."""
    setup = messages.read_setup(cer)
    group, manifest, ceremony = setup.group, setup.manifest, setup.ceremony
    digests = [messages.read_digests(cer, setup).found[t] for t in ceremony.trustee_ids]
    reveals = [messages.read_reveals(cer, setup).found[t] for t in ceremony.trustee_ids]
    shares = messages.read_all_shares(cer, setup).found
    published = messages.read_context(cer, setup)
    assert published is not None
    ordered = [shares[k] for k in sorted(shares)]
    context = context_from_ceremony(manifest, ceremony, digests, reveals, ordered)
    assert context.election_hash == published.election_hash
    assert [r.device_id for r in setup.setup.devices] == [d.device_id for d in devices]
    rng = random.Random(11)
    options = [o.option_id for o in manifest.contests[0].options]
    expected = dict.fromkeys((("kuwu", o) for o in options), 0)
    lines: dict[str, list[EncryptedBallot | ChallengedBallot]] = {d.device_id: [] for d in devices}
    codes = {d.device_id: initial_code(context, d.device_id) for d in devices}
    cast: list[EncryptedBallot] = []
    for i in range(6):
        device = devices[i % 2]
        choice = rng.choice(options)
        ballot, secrets = encrypt(context, device, PlaintextBallot(f"b-{i}", {"kuwu": {choice: 1}}),
                                  codes[device.device_id])
        codes[device.device_id] = ballot.confirmation_code
        if i == 3:
            lines[device.device_id].append(challenge_ballot(ballot, secrets))
        else:
            lines[device.device_id].append(ballot)
            cast.append(ballot)
            expected[("kuwu", choice)] += 1
    closings = [d.close(context, codes[d.device_id], len(lines[d.device_id]) + (1 if bad_closing else 0),
                        [k + 1 for k, e in enumerate(lines[d.device_id]) if isinstance(e, ChallengedBallot)])
                for d in devices]
    tally = tally_ballots(group, manifest, cast[:-2] if subset_tally else cast)
    writer = RecordWriter(out)
    writer.write_parameters(group)
    writer.write_manifest(manifest)
    writer.write_setup(setup.setup)
    writer.write_ceremony(ceremony, digests, reveals, ordered)
    writer.write_context(context, published.verification_keys)
    writer.write_devices(closings)
    for did, entries in lines.items():
        with writer.ballot_stream(did) as stream:
            for entry in entries:
                if isinstance(entry, ChallengedBallot):
                    stream.write_challenged(entry)
                else:
                    stream.write_cast(entry)
    writer.write_tally(tally)
    writer.finish()
    return expected


@pytest.fixture(scope="module")
def election(tmp_path_factory: pytest.TempPathFactory) -> Election:
    root = tmp_path_factory.mktemp("trustees")
    cer = root / "ceremony"
    devices = run_ceremony(root, cer, IDS)
    expected = build_record(cer, root / "record", devices)
    return Election(root, cer, root / "record", expected, devices, ballot_box(root / "record"))


@pytest.fixture(scope="module")
def tally_shares(election: Election) -> list[Path]:
    """ayu and citra decrypt (budi is absent), each from the record on their own laptop."""
    out = []
    for tid in ("ayu", "citra"):
        path = election.root / f"share-{tid}.json"
        res = ok("trustee", "decrypt", str(election.record), "--state", str(election.state(tid)),
                 "--out", str(path), "--fingerprint", election.box, "--quiet", TEST)
        assert "matches" in res.stdout and "fingerprint" in res.stdout
        out.append(path)
    return out


def test_ceremony_directory_layout(election: Election) -> None:
    files = sorted(p.relative_to(election.ceremony).as_posix() for p in election.ceremony.rglob("*") if p.is_file())
    assert files == sorted(["parameters.json", "manifest.json", "setup.json", "ceremony.json", "context.json",
                            *(f"round1/{t}.json" for t in IDS), *(f"round2/{t}.json" for t in IDS),
                            *(f"round3/{s}-to-{r}.json" for s in IDS for r in IDS if s != r),
                            *(f"finished/{t}.json" for t in IDS)])
    share_doc = json.loads((election.ceremony / "round3" / "ayu-to-budi.json").read_text())
    assert share_doc["kind"] == "ceremony-share" and share_doc["version"] == 2
    # the ceremony's setup is the one given to `pilwu trustee setup --setup`, byte for byte
    assert (election.ceremony / "setup.json").read_bytes() == (election.root / "ceremony-setup.json").read_bytes()
    res = ok("trustee", "status", str(election.ceremony))
    assert "written, the election can start" in res.stdout and "2/2" in res.stdout


def test_decrypt_assemble_and_verify(election: Election, tally_shares: list[Path], tmp_path: Path) -> None:
    """Two of three trustees' share files go into the record with the result and a new
    index (reopen_record, decrypt_tally, write_result), and pilwu verify accepts it."""
    record = tmp_path / "record"
    shutil.copytree(election.record, record)
    reader = RecordReader(record)
    group = reader.group
    setup = messages.read_setup(election.ceremony)
    digests = [messages.read_digests(election.ceremony, setup).found[t] for t in IDS]
    reveals = [messages.read_reveals(election.ceremony, setup).found[t] for t in IDS]
    shares_found = messages.read_all_shares(election.ceremony, setup).found
    context = context_from_ceremony(setup.manifest, setup.ceremony, digests, reveals,
                                    [shares_found[k] for k in sorted(shares_found)])
    shares = [messages.read_tally_share_file(p, group) for p in tally_shares]
    result = decrypt_tally(context, reader.encrypted_tally(), shares, reader.context().verification_keys)
    assert {(r.contest_id, r.option_id): r.count for r in result.results} == election.expected
    writer = reopen_record(record)
    for share in shares:
        writer.write_tally_shares(share)
    writer.write_result(result, ["budi"])
    fingerprint = writer.finish()
    res = ok("verify", str(record), "--quiet", TEST)
    assert "VALID" in res.stdout and fingerprint in res.stdout
    report = json.loads(ok("verify", str(record), "--json", "-", "--quiet", TEST).stdout)
    assert report["valid"] is True and report["ballots_cast"] == 5 and report["ballots_challenged"] == 1
    assert (report["version"], report["format_version"], report["notes"]) == (2, 2, [])
    assert report["ballot_box"] == election.box  # decryption added no ballot
    assert {(c["contest_id"], c["option_id"]): c["count"] for c in report["counts"]} == election.expected


def test_combine_command(election: Election, tally_shares: list[Path], tmp_path: Path) -> None:
    record = tmp_path / "record"
    shutil.copytree(election.record, record)
    res = ok("trustee", "combine", str(record), *map(str, tally_shares), TEST)
    assert "budi absent" in res.stdout
    assert "VALID" in ok("verify", str(record), "--quiet", TEST).stdout
    assert "already has" in fails(1, "trustee", "combine", str(record), *map(str, tally_shares), TEST)


def test_state_file_is_private_and_sealed(election: Election) -> None:
    state = election.state("ayu")
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    blob = state.read_bytes()
    keyed = import_secret_state(RecordReader(election.record).group, unseal(blob, PASSPHRASE))
    assert isinstance(keyed, KeyedTrustee)
    secret = keyed.share.to_bytes()
    assert secret in keyed.export_secret_state()  # the clear export holds it ...
    for needle in (secret, secret.hex().encode(), secret.hex().upper().encode(), str(keyed.share.value).encode()):
        assert needle not in blob  # ... the sealed file does not
    for text in OUTPUTS:
        assert secret.hex() not in text.lower() and PASSPHRASE not in text
    assert "redacted" in repr(keyed) and secret.hex() not in repr(keyed)


def test_wrong_passphrase_exits_1_with_one_line(election: Election) -> None:
    env = {**ENV, "PILWU_PASSPHRASE": "not the passphrase"}
    line = fails(1, "trustee", "finish", str(election.ceremony), "--state", str(election.state("budi")), TEST,
                 env=env)
    assert "wrong passphrase" in line


def test_passphrase_file(election: Election, tmp_path: Path) -> None:
    env = {k: v for k, v in ENV.items() if k != "PILWU_PASSPHRASE"}
    pw = tmp_path / "pw.txt"
    pw.write_text(PASSPHRASE + "\n")
    res = ok("trustee", "finish", str(election.ceremony), "--state", str(election.state("budi")),
             "--passphrase-file", str(pw), TEST, env=env)
    assert "already finished" in res.stdout
    line = fails(2, "trustee", "finish", str(election.ceremony), "--state", str(election.state("budi")), TEST,
                 env=env)
    assert "no passphrase" in line


def test_decrypt_refuses_a_tally_of_a_subset_of_ballots(election: Election) -> None:
    """A11: the record's tally is the product of only some of its cast ballots."""
    record = election.root / "subset-record"
    build_record(election.ceremony, record, election.devices, subset_tally=True)
    line = fails(1, "trustee", "decrypt", str(record), "--state", str(election.state("ayu")),
                 "--out", str(election.root / "subset-share.json"), "--fingerprint", ballot_box(record),
                 "--quiet", TEST)
    assert "refuses to decrypt" in line and "check 9 (tally)" in line and "tally/encrypted_tally.json" in line, line
    assert not (election.root / "subset-share.json").exists()


def test_decrypt_refuses_a_record_that_does_not_verify(election: Election) -> None:
    record = election.root / "bad-closing-record"
    build_record(election.ceremony, record, election.devices, bad_closing=True)
    line = fails(1, "trustee", "decrypt", str(record), "--state", str(election.state("ayu")),
                 "--out", str(election.root / "bad-share.json"), "--fingerprint", election.box, "--quiet", TEST)
    assert "refuses to decrypt" in line and "code-chains" in line
    assert not (election.root / "bad-share.json").exists()


def test_bad_share_complaint_step_order_and_foreign_state(election: Election, tmp_path: Path) -> None:
    cer = tmp_path / "ceremony"
    write_setup_file(tmp_path / "setup.json", [VotingDevice.generate("tps-1")])
    ok("trustee", "setup", "--group", "pilwu-test-512", TEST, "--kuwu", CANDIDATES, "--election-id", "desa-2",
       *PLACE, "--trustees", ",".join(IDS), "--threshold", "2", "--setup", str(tmp_path / "setup.json"),
       "--out", str(cer))
    states = {t: str(tmp_path / f"{t}.state") for t in IDS}
    ok("trustee", "init", str(cer), "--id", "ayu", "--state", states["ayu"], TEST)
    # out of order, and not ready yet
    assert "waiting for round-1 digests from budi, citra" in fails(
        1, "trustee", "reveal", str(cer), "--state", states["ayu"], TEST)
    assert "run 'pilwu trustee reveal' before 'shares'" in fails(
        2, "trustee", "shares", str(cer), "--state", states["ayu"], TEST)
    assert "before 'decrypt'" in fails(2, "trustee", "decrypt", str(election.record), "--state", states["ayu"],
                                       "--out", str(tmp_path / "x.json"), "--fingerprint", election.box, TEST)
    assert "exists" in fails(2, "trustee", "init", str(cer), "--id", "ayu", "--state", states["ayu"], TEST)
    for tid in IDS[1:]:
        ok("trustee", "init", str(cer), "--id", tid, "--state", states[tid], TEST)
    for step in ("reveal", "shares"):
        for tid in IDS:
            ok("trustee", step, str(cer), "--state", states[tid], TEST)
    assert "already past 'reveal'" in fails(2, "trustee", "reveal", str(cer), "--state", states["ayu"], TEST)
    # budi's share to ayu is damaged on the way
    path = cer / "round3" / "budi-to-ayu.json"
    doc = json.loads(path.read_text())
    ct = doc["share"]["ciphertext"]
    doc["share"]["ciphertext"] = ("0" if ct[0] != "0" else "1") + ct[1:]
    path.write_text(json.dumps(doc))
    line = fails(1, "trustee", "finish", str(cer), "--state", states["ayu"], TEST)
    assert "bad share from trustee budi" in line and "complaints/ayu-against-budi.json" in line
    complaint = json.loads((cer / "complaints" / "ayu-against-budi.json").read_text())
    assert complaint["complaints"][0]["accused_id"] == "budi"
    ok("trustee", "finish", str(cer), "--state", states["budi"], TEST)
    ok("trustee", "finish", str(cer), "--state", states["citra"], TEST)
    line = fails(1, "trustee", "context", str(cer), TEST)
    assert "trustee budi is at fault" in line
    assert not (cer / "context.json").exists()
    # budi's keyed state of this (failed) ceremony cannot decrypt the other election's record
    line = fails(1, "trustee", "decrypt", str(election.record), "--state", states["budi"],
                 "--out", str(tmp_path / "y.json"), "--fingerprint", election.box, TEST)
    assert "belongs to another ceremony" in line


def test_misuse_exits_2(election: Election, tmp_path: Path) -> None:
    state = str(election.state("ayu"))
    setup = ["--setup", str(election.root / "ceremony-setup.json")]
    cases = [
        ["trustee"],
        ["trustee", "setup", "--group", "pilwu-test-512", "--kuwu", "A,B", "--election-id", "e", *PLACE,
         "--trustees", "a,b", "--threshold", "1", *setup, "--out", str(tmp_path / "x")],  # test group, no flag
        ["trustee", "setup", "--group", "pilwu-test-512", TEST, "--kuwu", "A,B", "--election-id", "e", *PLACE,
         "--trustees", "a,b", "--threshold", "3", *setup, "--out", str(tmp_path / "x")],
        ["trustee", "setup", "--group", "pilwu-test-512", TEST, "--kuwu", "A,B", "--election-id", "e", *PLACE,
         "--trustees", "a-to-b,c,a,b-to-c", "--threshold", "1", *setup, "--out", str(tmp_path / "x")],
        ["trustee", "setup", "--group", "pilwu-test-512", TEST, "--kuwu", "A,B",
         "--trustees", "a,b", "--threshold", "1", *setup, "--out", str(tmp_path / "x")],  # no --election-id
        ["trustee", "setup", "--group", "pilwu-test-512", TEST, "--kuwu", "A,B", "--election-id", "e", *PLACE,
         "--trustees", "a,b", "--threshold", "1", *setup, "--out", str(election.ceremony)],  # not empty
        ["trustee", "setup", "--group", "pilwu-test-512", TEST, "--kuwu", "A,B", "--election-id", "e", *PLACE,
         "--trustees", "a,b", "--threshold", "1", "--out", str(tmp_path / "x")],  # no --setup: no devices
        ["trustee", "setup", "--group", "pilwu-test-512", TEST, "--kuwu", "A,B", "--election-id", "e", *PLACE,
         "--trustees", "a,b", "--threshold", "1", "--setup", str(tmp_path / "none.json"),
         "--out", str(tmp_path / "x")],  # no such setup file
        ["trustee", "reveal", str(election.ceremony), "--state", state],  # test group without the flag
        ["trustee", "reveal", str(tmp_path / "nowhere"), "--state", state, TEST],
        ["trustee", "reveal", str(election.ceremony), "--state", str(tmp_path / "none.state"), TEST],
        ["trustee", "init", str(election.ceremony), "--id", "zed", "--state", str(tmp_path / "z.state"), TEST],
        ["trustee", "decrypt", str(tmp_path / "no-record"), "--state", state, "--out", str(tmp_path / "o.json"),
         "--fingerprint", election.box, TEST],
        ["trustee", "decrypt", str(election.record), "--state", state, "--out", str(tmp_path / "o.json"),
         TEST],  # no --fingerprint of the ballot box
        ["trustee", "decrypt", str(election.record), "--state", state, "--out", str(tmp_path / "o.json"),
         "--fingerprint", election.box[:15], TEST],  # too few digits to compare
    ]
    for args in cases:
        fails(2, *args)
    assert not (tmp_path / "x").exists() and not (tmp_path / "o.json").exists()
    weak = {**ENV, "PILWU_SCRYPT_LOG2N": "9"}
    assert "PILWU_SCRYPT_LOG2N" in fails(2, "trustee", "finish", str(election.ceremony), "--state", state, TEST,
                                         env=weak)
    # a real group refuses the test-only scrypt cost before any key is made
    cer = tmp_path / "real"
    ok("trustee", "setup", "--kuwu", "A,B", "--election-id", "e", *PLACE, "--trustees", "a,b", "--threshold", "2",
       *setup, "--out", str(cer))
    line = fails(2, "trustee", "init", str(cer), "--id", "a", "--state", str(tmp_path / "a.state"))
    assert "below 15" in line
    assert not (tmp_path / "a.state").exists() and not (cer / "round1").exists()


def test_decrypt_refuses_another_ballot_box(election: Election, tmp_path: Path) -> None:
    """A trustee decrypts only the ballot box the authority announced at the close of polls:
    a record whose box has another fingerprint is refused before any share is computed."""
    other = f"{int(election.box[:16], 16) ^ 1:016x}"
    line = fails(1, "trustee", "decrypt", str(election.record), "--state", str(election.state("ayu")),
                 "--out", str(tmp_path / "share.json"), "--fingerprint", other, "--quiet", TEST)
    assert "refuses to decrypt" in line and "ballot box" in line, line
    assert not (tmp_path / "share.json").exists()
    # the fingerprint as people copy it: groups of four, upper case
    grouped = " ".join(election.box[i:i + 4] for i in range(0, 20, 4)).upper()
    ok("trustee", "decrypt", str(election.record), "--state", str(election.state("ayu")),
       "--out", str(tmp_path / "share.json"), "--fingerprint", grouped, "--quiet", TEST)


def test_setup_file_is_checked(election: Election, tmp_path: Path) -> None:
    """The election setup is parsed as strictly as the record's setup.json: a file whose
    devices are not sorted (or lists one key twice) is refused by name, and nothing is
    written; every registered key is shown as a fingerprint for the trustees to compare."""
    doc = json.loads((election.root / "ceremony-setup.json").read_text())
    base = ["trustee", "setup", "--group", "pilwu-test-512", TEST, "--kuwu", "A,B", "--election-id", "e", *PLACE,
            "--trustees", "a,b", "--threshold", "2"]
    for name, bad, needle in (
            ("unsorted", {**doc, "devices": doc["devices"][::-1]}, "devices[1]"),
            ("same-key", {**doc, "devices": [doc["devices"][0], {**doc["devices"][1],
                                                                  "public_key": doc["devices"][0]["public_key"]}]},
             "same public key"),
            ("no-device", {**doc, "devices": []}, "devices")):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(bad))
        line = fails(1, *base, "--setup", str(path), "--out", str(tmp_path / name))
        assert str(path) in line and needle in line, line
        assert not (tmp_path / name).exists()
    res = ok(*base, "--setup", str(election.root / "ceremony-setup.json"), "--out", str(tmp_path / "good"))
    for reg in messages.setup_from_file(election.root / "ceremony-setup.json").devices:
        assert f"{reg.device_id}: {key_fingerprint(reg.public_key)}" in res.stdout


def test_manifest_file_without_hash(tmp_path: Path) -> None:
    manifest: dict[str, Any] = {
        "version": 2, "kind": "manifest", "election_id": "desa-3", "name": "Desa 3", "village": "Kaliwedi Kidul",
        "district": "Kaliwedi", "regency": "Cirebon", "date": "2026-06-14", "registered_voters": 2873,
        "contests": [{"contest_id": "kuwu", "name": "Kuwu", "selection_limit": 1, "option_limit": 1,
                      "options": [{"option_id": "c1", "name": "Ki A"}, {"option_id": "c2", "name": "Nyi B"}]}]}
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest))
    setup = ["--setup", str(tmp_path / "setup.json")]
    write_setup_file(tmp_path / "setup.json", [VotingDevice.generate("tps-1")])
    res = ok("trustee", "setup", "--manifest", str(path), "--trustees", "a,b,c", "--threshold", "2", *setup,
             "--out", str(tmp_path / "cer"))
    assert "c2: Nyi B" in res.stdout
    assert "village Kaliwedi Kidul, district Kaliwedi, regency Cirebon; polling day 2026-06-14; " \
           "2873 registered voters" in res.stdout
    written = json.loads((tmp_path / "cer" / "manifest.json").read_text())
    assert written["hash"] and written["contests"] == manifest["contests"] and written["village"] == "Kaliwedi Kidul"
    base = ["trustee", "setup", "--manifest", str(path), "--trustees", "a,b,c", "--threshold", "2", *setup]
    for n, (doc, needle) in enumerate([
            ({**manifest, "hash": "00" * 32}, "hash: does not match"),
            ({k: v for k, v in manifest.items() if k != "date"}, "date: missing key"),
            ({**manifest, "date": "2026-02-30"}, "date: polling date: '2026-02-30' is not a date of the calendar"),
            ({**manifest, "registered_voters": -1}, "registered_voters: integer -1 not in"),
            ({**manifest, "village": "Desa\u202eX"}, "village: name has the control or bidirectional character"),
            # a format-1 manifest has no place: not for a new election
            ({k: v for k, v in manifest.items() if k not in ("village", "district", "regency", "date",
                                                              "registered_voters")} | {"version": 1},
             "a new election needs version 2")]):
        path.write_text(json.dumps(doc))
        line = fails(1, *base, "--out", str(tmp_path / f"bad-{n}"))
        assert str(path) in line and needle in line, line
        assert not (tmp_path / f"bad-{n}").exists()
    # nor does a ceremony directory take a format-1 manifest (however it got there)
    assert messages.read_setup(tmp_path / "cer").manifest.village == "Kaliwedi Kidul"
    v1 = {k: v for k, v in written.items() if k not in ("village", "district", "regency", "date",
                                                          "registered_voters")} | {"version": 1}
    (tmp_path / "cer" / "manifest.json").write_text(json.dumps(v1))
    with pytest.raises(MalformedRecord, match=r"^manifest\.json: version: a new election needs version 2"):
        messages.read_setup(tmp_path / "cer")
    # the place options are --kuwu's: a manifest file carries its own
    path.write_text(json.dumps(manifest))
    line = fails(2, *base, "--village", "Other", "--out", str(tmp_path / "cer3"))
    assert "--village: only with --kuwu" in line, line


def test_kuwu_place_options(tmp_path: Path) -> None:
    """--kuwu needs the village, district, polling day and register (exit 2 naming what is
    missing or wrong); --regency defaults to Cirebon; the manifest binds them all."""
    write_setup_file(tmp_path / "setup.json", [VotingDevice.generate("tps-1")])
    base = ["trustee", "setup", "--group", "pilwu-test-512", TEST, "--kuwu", "A,B", "--election-id", "e",
            "--trustees", "a,b", "--threshold", "2", "--setup", str(tmp_path / "setup.json")]
    for n, (args, needle) in enumerate([
            ([], "--kuwu needs --village, --district, --date, --registered-voters"),
            (PLACE[:6], "--kuwu needs --registered-voters"),
            ([*PLACE[:4], *PLACE[6:]], "--kuwu needs --date"),
            ([*PLACE, "--date", "2026-02-29"], "date: '2026-02-29' is not a date of the calendar"),
            ([*PLACE, "--date", "14/06/2026"], "date: '14/06/2026' is not a date written YYYY-MM-DD"),
            ([*PLACE, "--registered-voters", "-1"], "registered_voters -1 not an integer"),
            ([*PLACE, "--village", "Suka\x1bmaju"], "village: name has the control or bidirectional character"),
            ([*PLACE, "--regency", " "], "regency: name must be non-empty")]):
        line = fails(2, *base, *args, "--out", str(tmp_path / f"x{n}"))
        assert line.startswith("pilwu trustee setup: ") and needle in line, line
        assert not (tmp_path / f"x{n}").exists()
    res = ok(*base, *PLACE, "--out", str(tmp_path / "cer"))
    assert "village Sukamaju, district Sumber, regency Cirebon; polling day 2026-06-14; 1500 registered voters" \
        in res.stdout
    manifest = messages.manifest_from_file(tmp_path / "cer" / "manifest.json")
    assert (manifest.village, manifest.district, manifest.regency, manifest.date, manifest.registered_voters) \
        == ("Sukamaju", "Sumber", "Cirebon", "2026-06-14", 1500)
    ok(*base, *PLACE, "--regency", "Indramayu", "--out", str(tmp_path / "other"))
    other = messages.manifest_from_file(tmp_path / "other" / "manifest.json")
    assert other.regency == "Indramayu" and other.hash() != manifest.hash()


def guide_blocks() -> list[str]:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "trustee-guide.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", guide, flags=re.S)


def test_guide_setup_example_runs(tmp_path: Path) -> None:
    """docs/trustee-guide.md §1's election setup: each device makes its key (kept encrypted,
    mode 0600), the authority writes the setup file that `pilwu trustee setup --setup` takes."""
    res = subprocess.run([sys.executable, "-c", guide_blocks()[0]], capture_output=True, text=True, timeout=300,
                         cwd=tmp_path, env=ENV)
    assert res.returncode == 0, res.stderr
    setup = messages.setup_from_file(tmp_path / "sukamaju-setup.json")
    assert [r.device_id for r in setup.devices] == list(DEVICE_IDS) and setup.mix_servers == ()
    for reg in setup.devices:
        pem = tmp_path / f"{reg.device_id}.pem"
        assert stat.S_IMODE(pem.stat().st_mode) == 0o600 and b"ENCRYPTED" in pem.read_bytes()
        key = ECC.import_key(pem.read_bytes(), passphrase=PASSPHRASE)
        assert VotingDevice(reg.device_id, key).registration == reg
        assert f"{reg.device_id}: {key_fingerprint(reg.public_key)}" in res.stdout


def test_guide_example_runs(election: Election, tmp_path: Path) -> None:
    """docs/trustee-guide.md §5's record-building example (on this file's ceremony, whose
    setup has the guide's devices tps-1 and tps-2, their keys in the guide's files), then
    §6's decrypt and combine."""
    snippet = guide_blocks()[1]
    shutil.copytree(election.ceremony, tmp_path / "usb" / "sukamaju-ceremony")
    for did in DEVICE_IDS:
        shutil.copy2(election.root / f"{did}.pem", tmp_path / f"{did}.pem")
    res = subprocess.run([sys.executable, "-c", snippet], capture_output=True, text=True, timeout=300, cwd=tmp_path,
                         env=ENV)
    assert res.returncode == 0, res.stderr
    record = tmp_path / "sukamaju-record"
    assert RecordReader(record).fingerprint in res.stdout
    box = ballot_box(record)
    for tid in ("ayu", "budi"):
        ok("trustee", "decrypt", str(record), "--state", str(election.state(tid)),
           "--out", str(tmp_path / f"share-{tid}.json"), "--fingerprint", box[:20], "--quiet", TEST)
    res = ok("trustee", "combine", str(record), str(tmp_path / "share-ayu.json"), str(tmp_path / "share-budi.json"),
             TEST)
    assert "(candidate-1): 2" in res.stdout and "(candidate-2): 1" in res.stdout and "citra absent" in res.stdout
    assert "VALID" in ok("verify", str(record), "--quiet", TEST).stdout


# ---- one read, one pass: the command acts on the bytes it verified --------------------------
def _swap_directory(record: Path, other: Path) -> None:
    """Replace what ``record`` holds by ``other``'s files (as a hostile USB stick or file
    server could while a command runs)."""
    keep = record.with_name(record.name + "-was")
    record.rename(keep)
    shutil.copytree(other, record)


def _patch_verification(monkeypatch: pytest.MonkeyPatch, module: object, before: bool,
                        swap: Callable[[], None]) -> None:
    """Run ``swap`` just before (or after) the command's verification, whatever it is called."""
    for name in ("verify_snapshot", "verify_record"):
        real = getattr(module, name, None)
        if real is None:
            continue

        def wrapped(*args: object, _real: Callable[..., object] = real, **kwargs: object) -> object:
            if before:
                swap()
            result = _real(*args, **kwargs)
            if not before:
                swap()
            return result

        monkeypatch.setattr(module, name, wrapped)


def test_decrypt_acts_on_the_bytes_it_verified(election: Election, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The trustee's command starts on a record that does not verify (a closing entry that
    does not match its chain) and the honest record is put in its place when the
    verification begins: what the command acts on is the record it opened, which does not
    verify, so no share is computed."""
    import pilwu_crypto.cli as cli
    from pilwu_crypto.cli import trustee as trustee_cli

    record = tmp_path / "record"
    build_record(election.ceremony, record, election.devices, bad_closing=True)
    box = ballot_box_of_any(record)
    _patch_verification(monkeypatch, trustee_cli, True, lambda: _swap_directory(record, election.record))
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    out = tmp_path / "share.json"
    code = cli.main(["trustee", "decrypt", str(record), "--state", str(election.state("ayu")), "--out", str(out),
                     "--fingerprint", box, "--quiet", TEST])
    assert code == 1
    assert not out.exists()


def ballot_box_of_any(record: Path) -> str:
    """A fingerprint argument for a record whose ballot box cannot be established (its
    closing entries do not verify): 16 zero digits, never reached."""
    return verify_record(record, allow_test_group=True).ballot_box or "0" * 16


def test_check_ballot_acts_on_the_bytes_it_verified(election: Election, tally_shares: list[Path], tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Swapped before the pass reads the ballots (after index.json was read), the record no
    longer matches the index the command printed: not verified, never "Counted"; swapped
    after the pass, the answer is the verified record's."""
    import pilwu_crypto.cli as cli

    record = tmp_path / "record"
    shutil.copytree(election.record, record)
    ok("trustee", "combine", str(record), *map(str, tally_shares), TEST)  # the whole record, decrypted
    other = tmp_path / "other"  # same ceremony, other ballots: complete and valid, without that code
    build_record(election.ceremony, other, election.devices)
    box = ballot_box(other)
    other_shares = [tmp_path / f"other-{t}.json" for t in ("ayu", "citra")]
    for tid, path in zip(("ayu", "citra"), other_shares, strict=True):
        ok("trustee", "decrypt", str(other), "--state", str(election.state(tid)), "--out", str(path),
           "--fingerprint", box, "--quiet", TEST)
    ok("trustee", "combine", str(other), *map(str, other_shares), TEST)
    code = json.loads((record / "ballots" / "tps-1.jsonl").read_bytes().splitlines()[0])["ballot"][
        "confirmation_code"]
    assert verify_record(other, allow_test_group=True).valid and code.encode() not in \
        (other / "ballots" / "tps-1.jsonl").read_bytes()

    _patch_verification(monkeypatch, cli, True, lambda: _swap_directory(record, other))
    assert cli.main(["check-ballot", str(record), code, TEST]) == 1
    shown = capsys.readouterr().out
    assert "Counted" not in shown and RecordReader(tmp_path / "record-was").fingerprint in shown

    shutil.rmtree(record)
    (tmp_path / "record-was").rename(record)
    monkeypatch.undo()

    def after() -> None:
        shutil.rmtree(tmp_path / "record-was", ignore_errors=True)
        _swap_directory(record, other)

    _patch_verification(monkeypatch, cli, False, after)
    assert cli.main(["check-ballot", str(record), code, TEST]) == 0
    assert "Counted" in capsys.readouterr().out
