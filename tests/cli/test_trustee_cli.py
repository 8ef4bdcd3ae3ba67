"""``pilwu trustee …`` as a subprocess: a key ceremony between three "laptops" exchanging
files, then an election record built from it, decrypted by two of the three trustees
with ``pilwu trustee decrypt`` and verified by ``pilwu verify``.

Every call runs the real command line with PILWU_PASSPHRASE set and the test-only scrypt
cost PILWU_SCRYPT_LOG2N=10 (accepted only because the group is the test-only
pilwu-test-512), so the whole file stays within a few seconds.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from pilwu_crypto.election.ballot import ChallengedBallot, EncryptedBallot, PlaintextBallot, challenge_ballot
from pilwu_crypto.election.ballot import encrypt_ballot as encrypt
from pilwu_crypto.election.decryption import decrypt_tally
from pilwu_crypto.election.device import VotingDevice, initial_code
from pilwu_crypto.election.simulation import context_from_ceremony
from pilwu_crypto.election.tally import tally_ballots
from pilwu_crypto.record import messages
from pilwu_crypto.record.io import RecordReader, RecordWriter, reopen_record
from pilwu_crypto.threshold.dkg import KeyedTrustee, import_secret_state, unseal

PASSPHRASE = "correct horse battery staple"
TEST = "--insecure-test-group"
IDS = ["ayu", "budi", "citra"]
CANDIDATES = "Ki Ahmad Sobari,Nyi Siti Aminah,Ki Darma Wijaya"
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


def run_ceremony(root: Path, cer: Path, ids: list[str], *, until: str = "context") -> None:
    """setup, then init/reveal/shares/finish for every trustee, then context (stopping
    after step ``until``)."""
    ok("trustee", "setup", "--group", "pilwu-test-512", TEST, "--kuwu", CANDIDATES, "--election-id", "desa-1",
       "--trustees", ",".join(ids), "--threshold", "2", "--out", str(cer))
    for step in ("init", "reveal", "shares", "finish"):
        for tid in ids:
            extra = ["--id", tid] if step == "init" else []
            ok("trustee", step, str(cer), *extra, "--state", str(root / f"{tid}.state"), TEST)
        if step == until:
            return
    ok("trustee", "context", str(cer), TEST)


@dataclass
class Election:
    """A ceremony held through the CLI and a record built from it (before decryption)."""

    root: Path
    ceremony: Path
    record: Path
    expected: dict[tuple[str, str], int]

    def state(self, tid: str) -> Path:
        return self.root / f"{tid}.state"


def build_record(cer: Path, out: Path, *, subset_tally: bool = False, bad_closing: bool = False) -> dict[
        tuple[str, str], int]:
    """The authority's software: a record from the ceremony directory, two devices, five
    cast ballots and one challenged ballot, the tally; index written.  Returns the counts."""
    setup = messages.read_setup(cer)
    group, manifest, ceremony = setup.group, setup.manifest, setup.ceremony
    digests = [messages.read_digests(cer, setup).found[t] for t in ceremony.trustee_ids]
    reveals = [messages.read_reveals(cer, setup).found[t] for t in ceremony.trustee_ids]
    shares = messages.read_all_shares(cer, setup).found
    published = messages.read_context(cer, setup)
    assert published is not None
    context = context_from_ceremony(manifest, ceremony, digests, reveals)
    assert context.election_hash == published.election_hash
    devices = [VotingDevice.generate("device-1"), VotingDevice.generate("device-2")]
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
    writer.write_ceremony(ceremony, digests, reveals, [shares[k] for k in sorted(shares)])
    writer.write_context(context, published.verification_keys)
    writer.write_devices([d.registration for d in devices], closings)
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
    run_ceremony(root, cer, IDS)
    expected = build_record(cer, root / "record")
    return Election(root, cer, root / "record", expected)


@pytest.fixture(scope="module")
def tally_shares(election: Election) -> list[Path]:
    """ayu and citra decrypt (budi is absent), each from the record on their own laptop."""
    out = []
    for tid in ("ayu", "citra"):
        path = election.root / f"share-{tid}.json"
        res = ok("trustee", "decrypt", str(election.record), "--state", str(election.state(tid)),
                 "--out", str(path), "--quiet", TEST)
        assert "matches" in res.stdout and "fingerprint" in res.stdout
        out.append(path)
    return out


def test_ceremony_directory_layout(election: Election) -> None:
    files = sorted(p.relative_to(election.ceremony).as_posix() for p in election.ceremony.rglob("*") if p.is_file())
    assert files == sorted(["parameters.json", "manifest.json", "ceremony.json", "context.json",
                            *(f"round1/{t}.json" for t in IDS), *(f"round2/{t}.json" for t in IDS),
                            *(f"round3/{s}-to-{r}.json" for s in IDS for r in IDS if s != r),
                            *(f"finished/{t}.json" for t in IDS)])
    share_doc = json.loads((election.ceremony / "round3" / "ayu-to-budi.json").read_text())
    assert share_doc["kind"] == "ceremony-share" and share_doc["version"] == 1
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
    context = context_from_ceremony(setup.manifest, setup.ceremony, digests, reveals)
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
    build_record(election.ceremony, record, subset_tally=True)
    line = fails(1, "trustee", "decrypt", str(record), "--state", str(election.state("ayu")),
                 "--out", str(election.root / "subset-share.json"), "--quiet", TEST)
    assert "refuses to decrypt" in line and "A11" in line
    assert not (election.root / "subset-share.json").exists()


def test_decrypt_refuses_a_record_that_does_not_verify(election: Election) -> None:
    record = election.root / "bad-closing-record"
    build_record(election.ceremony, record, bad_closing=True)
    line = fails(1, "trustee", "decrypt", str(record), "--state", str(election.state("ayu")),
                 "--out", str(election.root / "bad-share.json"), "--quiet", TEST)
    assert "refuses to decrypt" in line and "code-chains" in line
    assert not (election.root / "bad-share.json").exists()


def test_bad_share_complaint_step_order_and_foreign_state(election: Election, tmp_path: Path) -> None:
    cer = tmp_path / "ceremony"
    ok("trustee", "setup", "--group", "pilwu-test-512", TEST, "--kuwu", CANDIDATES, "--election-id", "desa-2",
       "--trustees", ",".join(IDS), "--threshold", "2", "--out", str(cer))
    states = {t: str(tmp_path / f"{t}.state") for t in IDS}
    ok("trustee", "init", str(cer), "--id", "ayu", "--state", states["ayu"], TEST)
    # out of order, and not ready yet
    assert "waiting for round-1 digests from budi, citra" in fails(
        1, "trustee", "reveal", str(cer), "--state", states["ayu"], TEST)
    assert "run 'pilwu trustee reveal' before 'shares'" in fails(
        2, "trustee", "shares", str(cer), "--state", states["ayu"], TEST)
    assert "before 'decrypt'" in fails(2, "trustee", "decrypt", str(election.record), "--state", states["ayu"],
                                       "--out", str(tmp_path / "x.json"), TEST)
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
                 "--out", str(tmp_path / "y.json"), TEST)
    assert "belongs to another ceremony" in line


def test_misuse_exits_2(election: Election, tmp_path: Path) -> None:
    state = str(election.state("ayu"))
    cases = [
        ["trustee"],
        ["trustee", "setup", "--group", "pilwu-test-512", "--kuwu", "A,B", "--election-id", "e",
         "--trustees", "a,b", "--threshold", "1", "--out", str(tmp_path / "x")],  # test group without the flag
        ["trustee", "setup", "--group", "pilwu-test-512", TEST, "--kuwu", "A,B", "--election-id", "e",
         "--trustees", "a,b", "--threshold", "3", "--out", str(tmp_path / "x")],
        ["trustee", "setup", "--group", "pilwu-test-512", TEST, "--kuwu", "A,B", "--election-id", "e",
         "--trustees", "a-to-b,c,a,b-to-c", "--threshold", "1", "--out", str(tmp_path / "x")],
        ["trustee", "setup", "--group", "pilwu-test-512", TEST, "--kuwu", "A,B",
         "--trustees", "a,b", "--threshold", "1", "--out", str(tmp_path / "x")],  # no --election-id
        ["trustee", "setup", "--group", "pilwu-test-512", TEST, "--kuwu", "A,B", "--election-id", "e",
         "--trustees", "a,b", "--threshold", "1", "--out", str(election.ceremony)],  # not empty
        ["trustee", "reveal", str(election.ceremony), "--state", state],  # test group without the flag
        ["trustee", "reveal", str(tmp_path / "nowhere"), "--state", state, TEST],
        ["trustee", "reveal", str(election.ceremony), "--state", str(tmp_path / "none.state"), TEST],
        ["trustee", "init", str(election.ceremony), "--id", "zed", "--state", str(tmp_path / "z.state"), TEST],
        ["trustee", "decrypt", str(tmp_path / "no-record"), "--state", state, "--out", str(tmp_path / "o.json"),
         TEST],
    ]
    for args in cases:
        fails(2, *args)
    assert not (tmp_path / "x").exists()
    weak = {**ENV, "PILWU_SCRYPT_LOG2N": "9"}
    assert "PILWU_SCRYPT_LOG2N" in fails(2, "trustee", "finish", str(election.ceremony), "--state", state, TEST,
                                         env=weak)
    # a real group refuses the test-only scrypt cost before any key is made
    cer = tmp_path / "real"
    ok("trustee", "setup", "--kuwu", "A,B", "--election-id", "e", "--trustees", "a,b", "--threshold", "2",
       "--out", str(cer))
    line = fails(2, "trustee", "init", str(cer), "--id", "a", "--state", str(tmp_path / "a.state"))
    assert "below 15" in line
    assert not (tmp_path / "a.state").exists() and not (cer / "round1").exists()


def test_manifest_file_without_hash(tmp_path: Path) -> None:
    manifest = {"version": 1, "kind": "manifest", "election_id": "desa-3", "name": "Desa 3", "contests": [
        {"contest_id": "kuwu", "name": "Kuwu", "selection_limit": 1, "option_limit": 1,
         "options": [{"option_id": "c1", "name": "Ki A"}, {"option_id": "c2", "name": "Nyi B"}]}]}
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest))
    res = ok("trustee", "setup", "--manifest", str(path), "--trustees", "a,b,c", "--threshold", "2",
             "--out", str(tmp_path / "cer"))
    assert "c2: Nyi B" in res.stdout
    written = json.loads((tmp_path / "cer" / "manifest.json").read_text())
    assert written["hash"] and written["contests"] == manifest["contests"]
    manifest["hash"] = "00" * 32
    path.write_text(json.dumps(manifest))
    assert "hash" in fails(1, "trustee", "setup", "--manifest", str(path), "--trustees", "a,b,c",
                           "--threshold", "2", "--out", str(tmp_path / "cer2"))


def test_guide_example_runs(election: Election, tmp_path: Path) -> None:
    """docs/trustee-guide.md §5's record-building example, then §6's decrypt and combine."""
    guide = (Path(__file__).resolve().parents[2] / "docs" / "trustee-guide.md").read_text(encoding="utf-8")
    snippet = guide.split("```python\n", 1)[1].split("```", 1)[0]
    shutil.copytree(election.ceremony, tmp_path / "usb" / "sukamaju-ceremony")
    res = subprocess.run([sys.executable, "-c", snippet], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    record = tmp_path / "sukamaju-record"
    assert RecordReader(record).fingerprint in res.stdout
    for tid in ("ayu", "budi"):
        ok("trustee", "decrypt", str(record), "--state", str(election.state(tid)),
           "--out", str(tmp_path / f"share-{tid}.json"), "--quiet", TEST)
    res = ok("trustee", "combine", str(record), str(tmp_path / "share-ayu.json"), str(tmp_path / "share-budi.json"),
             TEST)
    assert "(candidate-1): 2" in res.stdout and "(candidate-2): 1" in res.stdout and "citra absent" in res.stdout
    assert "VALID" in ok("verify", str(record), "--quiet", TEST).stdout
