"""``pilwu trustee mix-decrypt`` / ``mix-combine`` as subprocesses (docs/trustee-guide.md §8).

The election, its record and its mix chain are made with the library on the test-only
pilwu-test-512 group (the CLI steps before are tested in test_trustee_cli.py and
test_mix_cli.py); each trustee's keyed state is sealed into a file as ``pilwu trustee
finish`` leaves it (test-only scrypt cost 2^10).  Then three trustees decrypt the
mixed list on their "laptops", the authority combines the share files, ``pilwu verify``
accepts the record and the mixed counts equal the homomorphic tally.  Refusals: a
chain with a stage whose proof fails (named), a chain of one stage, share files from
another election or with a bad proof (named; combine goes on while t valid remain), an
existing --out without --force, a record already combined.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.election.mixballot import cast_mix_input, count_mixed
from pilwu_crypto.election.mixnet import MixStage, decrypt_final_list, stage_message
from pilwu_crypto.election.simulation import (
    SimulatedElection,
    SimulatedMix,
    kuwu_manifest,
    simulate_election,
    simulate_mixing,
)
from pilwu_crypto.record.codec import dumps_canonical
from pilwu_crypto.record.io import RecordReader, reopen_record, write_simulated_election
from pilwu_crypto.record.layout import KIND_MIX_DECRYPTION
from pilwu_crypto.record.messages import write_private_file
from pilwu_crypto.record.mixcodec import mix_decryption_share_to_json
from pilwu_crypto.threshold.sealing import seal
from pilwu_crypto.verify.checks import verify_record

PASSPHRASE = "correct horse battery staple"
TEST = "--insecure-test-group"
ENV = {**os.environ, "PILWU_PASSPHRASE": PASSPHRASE, "PILWU_SCRYPT_LOG2N": "10"}
CANDIDATES = ["Ki Ahmad Sobari", "Nyi Siti Aminah", "Ki Darma Wijaya"]
VOTERS = 6
OUTPUTS: list[str] = []
"""Everything the commands printed (checked for secrets)."""


def pilwu(*args: str) -> subprocess.CompletedProcess[str]:
    res = subprocess.run([sys.executable, "-m", "pilwu_crypto", *args], capture_output=True, text=True,
                         timeout=300, env=ENV, stdin=subprocess.DEVNULL)
    OUTPUTS.append(res.stdout + res.stderr)
    assert "Traceback" not in res.stdout + res.stderr, res.stderr
    return res


def ok(*args: str) -> subprocess.CompletedProcess[str]:
    res = pilwu(*args)
    assert res.returncode == 0, (args, res.stdout, res.stderr)
    return res


def fails(code: int, *args: str) -> str:
    """Run a command expected to exit with ``code`` and one line on stderr; return it."""
    res = pilwu(*args)
    assert res.returncode == code, (args, res.returncode, res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    return lines[0]


@dataclass(frozen=True)
class Mixed:
    """The simulated election, its mix-net run and the files made from them."""

    root: Path
    sim: SimulatedElection
    mix: SimulatedMix
    record: Path
    """Record with the mix servers and the 3 stages (not yet decrypted); copy it before changing it."""
    box: str
    """The ballot-box fingerprint of the election (what the authority announced at the close of polls)."""

    def state(self, tid: str) -> Path:
        return self.root / f"{tid}.state"

    def share_file(self, tid: str) -> Path:
        return self.root / f"mix-share-{tid}.json"


def write_record(sim: SimulatedElection, mix: SimulatedMix, root: Path, stages: list[MixStage]) -> None:
    """The election's record (tally decrypted; the mix servers are in its setup), then
    ``stages`` (the first input is not written: everyone derives it from the cast ballots)."""
    write_simulated_election(sim, root)
    writer = reopen_record(root)
    for stage in stages:
        writer.write_mix_stage(stage)
    writer.finish()


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Mixed:
    root = tmp_path_factory.mktemp("mix-decrypt")
    group = get_group("pilwu-test-512", allow_test=True)
    rng = random.Random(41)
    sim = simulate_election(group, kuwu_manifest(CANDIDATES, "desa-7"), trustees=3, threshold=2, absent=1,
                            voters=VOTERS, challenged=1, devices=2, mix_servers=3, rng=rng)
    mix = simulate_mixing(sim)  # its own decryption is only compared with
    record = root / "record"
    write_record(sim, mix, record, list(mix.stages))
    box = verify_record(record, allow_test_group=True).ballot_box
    assert len(box) == 64
    for trustee in sim.ceremony.trustees:  # each trustee's sealed state, as 'pilwu trustee finish' leaves it
        write_private_file(root / f"{trustee.trustee_id}.state",
                           seal(trustee.export_secret_state(), PASSPHRASE, scrypt_log2_n=10), overwrite=False)
    m = Mixed(root, sim, mix, record, box)
    for tid in ("trustee-1", "trustee-2", "trustee-3"):
        res = ok("trustee", "mix-decrypt", str(record), "--state", str(m.state(tid)), "--out",
                 str(m.share_file(tid)), "--fingerprint", box, "--quiet", TEST)
        assert "verifies" in res.stdout and RecordReader(record).fingerprint in res.stdout
    return m


def copy_record(m: Mixed, to: Path) -> Path:
    shutil.copytree(m.record, to)
    return to


def test_decrypt_combine_verify_and_compare_with_tally(mixed: Mixed, tmp_path: Path) -> None:
    record = copy_record(mixed, tmp_path / "record")
    doc = json.loads(mixed.share_file("trustee-1").read_text(encoding="utf-8"))
    assert doc["kind"] == KIND_MIX_DECRYPTION and doc["trustee_id"] == "trustee-1" and len(doc["partials"]) == VOTERS
    res = ok("trustee", "mix-combine", str(record), str(mixed.share_file("trustee-1")),
             str(mixed.share_file("trustee-3")), TEST)
    assert "agree with the homomorphic tally" in res.stdout and "fingerprint" in res.stdout
    assert res.stderr == ""
    assert f"{CANDIDATES[0]} (candidate-1)" in res.stdout
    report = json.loads(ok("verify", str(record), "--json", "-", "--quiet", TEST).stdout)
    assert report["valid"] is True
    assert [c["name"] for c in report["checks"]][-4:] == ["mix-input", "mix-chain", "mix-decryption", "mix-result"]
    reader = RecordReader(record)
    assert reader.mix_decryption_files() == ["mixnet/decryption/trustee-1.json", "mixnet/decryption/trustee-3.json"]
    result = reader.mix_result()
    assert len(result.ballots) == VOTERS
    counts, names = count_mixed(mixed.sim.context.manifest, result.ballots)
    assert counts == reader.result().counts == mixed.sim.expected and names == {}
    assert Counter(result.ballots) == Counter(mixed.mix.ballots)

    # already combined: nothing more can be decrypted or combined
    assert "already has" in fails(1, "trustee", "mix-decrypt", str(record), "--state", str(mixed.state("trustee-2")),
                                  "--out", str(tmp_path / "late.json"), "--fingerprint", mixed.box, "--quiet", TEST)
    assert not (tmp_path / "late.json").exists()
    assert "already has" in fails(1, "trustee", "mix-combine", str(record), str(mixed.share_file("trustee-2")),
                                  TEST)


def test_three_trustees_and_a_bad_proof(mixed: Mixed, tmp_path: Path) -> None:
    """A share file whose proof was altered is named and left out; t valid ones remain."""
    bad = tmp_path / "bad-proof.json"
    doc = json.loads(mixed.share_file("trustee-2").read_text(encoding="utf-8"))
    v = doc["proofs"][1][0]["v"]
    doc["proofs"][1][0]["v"] = v[:-1] + ("1" if v[-1] != "1" else "2")
    bad.write_text(json.dumps(doc), encoding="utf-8")
    record = copy_record(mixed, tmp_path / "record")
    res = pilwu("trustee", "mix-combine", str(record), str(mixed.share_file("trustee-1")), str(bad),
                str(mixed.share_file("trustee-3")), TEST)
    assert res.returncode == 0, res.stderr
    assert "warning: rejected" in res.stderr and "bad-proof.json" in res.stderr and "trustee-2" in res.stderr
    assert "vector 1 component 0" in res.stderr
    assert "trustee-1, trustee-3" in res.stdout and "1 share file(s) rejected" in res.stdout
    assert "VALID" in ok("verify", str(record), "--quiet", TEST).stdout
    # all three valid
    record3 = copy_record(mixed, tmp_path / "record3")
    res = ok("trustee", "mix-combine", str(record3), *(str(mixed.share_file(t))
                                                      for t in ("trustee-1", "trustee-2", "trustee-3")), TEST)
    assert "trustee-1, trustee-2, trustee-3" in res.stdout
    assert len(RecordReader(record3).mix_decryption_files()) == 3
    assert "VALID" in ok("verify", str(record3), "--quiet", TEST).stdout


def test_share_from_another_election(mixed: Mixed, tmp_path: Path) -> None:
    """Shares of another election's list (same trustee ids, same size) fail their proofs:
    named, and with only one valid share left the combination is refused."""
    other = simulate_election(mixed.sim.context.group, kuwu_manifest(CANDIDATES, "desa-8"), trustees=3,
                              threshold=2, absent=0, voters=VOTERS, challenged=0, devices=1,
                              rng=random.Random(8))
    foreign = tmp_path / "foreign.json"
    share = decrypt_final_list(other.context, other.ceremony.trustees[1], cast_mix_input(other.context, other.cast))
    foreign.write_bytes(dumps_canonical(mix_decryption_share_to_json(share)))
    record = copy_record(mixed, tmp_path / "record")
    line = fails(1, "trustee", "mix-combine", str(record), str(mixed.share_file("trustee-1")), str(foreign), TEST)
    assert "1 valid mix decryption share file(s), 2 needed" in line and "foreign.json" in line
    assert "trustee 2 (trustee-2)" in line
    assert RecordReader(record).fingerprint == RecordReader(mixed.record).fingerprint  # nothing added
    # the same with a third, valid share: the foreign one is named, the combination goes on
    res = pilwu("trustee", "mix-combine", str(record), str(mixed.share_file("trustee-1")), str(foreign),
                str(mixed.share_file("trustee-3")), TEST)
    assert res.returncode == 0 and "foreign.json" in res.stderr, res.stderr


def test_trustee_refuses_a_tampered_stage(mixed: Mixed, tmp_path: Path) -> None:
    """Stage 2's server swapped two outputs after proving and signed the result: the
    signature checks, the proof of shuffle does not; the trustee names the stage."""
    sim, mix = mixed.sim, mixed.mix
    good = mix.stages[1]
    outputs = list(good.outputs)
    outputs[0], outputs[1] = outputs[1], outputs[0]
    unsigned = dataclasses.replace(good, outputs=tuple(outputs), signature=b"")
    inputs = list(mix.stages[0].outputs)
    signature = mix.servers[1].sign(stage_message(sim.context, unsigned, inputs))
    tampered = dataclasses.replace(unsigned, signature=signature)
    record = tmp_path / "record"
    write_record(sim, mix, record, [mix.stages[0], tampered])
    out = tmp_path / "share.json"
    line = fails(1, "trustee", "mix-decrypt", str(record), "--state", str(mixed.state("trustee-1")),
                 "--out", str(out), "--fingerprint", mixed.box, "--quiet", TEST)
    assert "refuses to decrypt the mixed list" in line and "stage 2 (mix server mix-2)" in line, line
    assert not out.exists()
    line = fails(1, "trustee", "mix-combine", str(record), str(mixed.share_file("trustee-1")),
                 str(mixed.share_file("trustee-2")), TEST)
    assert "stage 2 (mix server mix-2)" in line


def test_trustee_refuses_a_single_stage(mixed: Mixed, tmp_path: Path) -> None:
    record = tmp_path / "record"
    write_record(mixed.sim, mixed.mix, record, [mixed.mix.stages[0]])
    out = tmp_path / "share.json"
    line = fails(1, "trustee", "mix-decrypt", str(record), "--state", str(mixed.state("trustee-1")),
                 "--out", str(out), "--fingerprint", mixed.box, "--quiet", TEST)
    assert "1 mix stage(s), at least 2" in line
    assert not out.exists()


def test_out_exists_and_misuse(mixed: Mixed, tmp_path: Path) -> None:
    out = tmp_path / "share.json"
    out.write_text("keep me")
    state = str(mixed.state("trustee-1"))
    box = ["--fingerprint", mixed.box]
    assert "use --force" in fails(2, "trustee", "mix-decrypt", str(mixed.record), "--state", state, "--out",
                                  str(out), *box, "--quiet", TEST)
    assert out.read_text() == "keep me"
    # another ballot box than the announced one: refused before any share is computed
    other = f"{int(mixed.box[:16], 16) ^ 1:016x}"
    line = fails(1, "trustee", "mix-decrypt", str(mixed.record), "--state", state, "--out", str(out),
                 "--fingerprint", other, "--force", "--quiet", TEST)
    assert "refuses to decrypt the mixed list" in line and "ballot box" in line, line
    assert out.read_text() == "keep me"
    assert "--fingerprint" in fails(2, "trustee", "mix-decrypt", str(mixed.record), "--state", state, "--out",
                                    str(out), "--fingerprint", "12 34", "--force", "--quiet", TEST)
    ok("trustee", "mix-decrypt", str(mixed.record), "--state", state, "--out", str(out), *box, "--force",
       "--quiet", TEST)
    doc = json.loads(out.read_text(encoding="utf-8"))
    first = json.loads(mixed.share_file("trustee-1").read_text(encoding="utf-8"))
    assert doc["partials"] == first["partials"]  # M = alpha^s is deterministic; the proofs are randomised
    assert "no such share file" in fails(2, "trustee", "mix-combine", str(mixed.record),
                                         str(tmp_path / "missing.json"), TEST)
    assert "before" not in fails(2, "trustee", "mix-decrypt", str(mixed.record), "--state", state, "--out",
                                 str(tmp_path / "x.json"), *box)  # a test-only group without the flag


def test_no_mixnet_part_and_no_secret_printed(mixed: Mixed, tmp_path: Path) -> None:
    record = tmp_path / "record"
    write_simulated_election(mixed.sim, record)
    assert "no mix-net part" in fails(1, "trustee", "mix-decrypt", str(record), "--state",
                                      str(mixed.state("trustee-1")), "--out", str(tmp_path / "s.json"),
                                      "--fingerprint", mixed.box, "--quiet", TEST)
    for trustee in mixed.sim.ceremony.trustees:
        secret = trustee.share.to_bytes().hex()
        for text in OUTPUTS:
            assert secret not in text.lower() and PASSPHRASE not in text


def test_tally_and_mixed_list_decrypted_in_either_order(mixed: Mixed, tmp_path: Path) -> None:
    """A record with its mix chain but no decryption yet: the tally's 'decrypt' does not
    wait for the mixed list's shares, nor 'mix-decrypt' for the tally's."""
    undecrypted = dataclasses.replace(mixed.sim, tally_shares=[], result=None, absent=())
    record = tmp_path / "record"
    write_record(undecrypted, mixed.mix, record, list(mixed.mix.stages))
    for tid in ("trustee-1", "trustee-2"):
        ok("trustee", "decrypt", str(record), "--state", str(mixed.state(tid)), "--out",
           str(tmp_path / f"tally-{tid}.json"), "--fingerprint", mixed.box, "--quiet", TEST)
        ok("trustee", "mix-decrypt", str(record), "--state", str(mixed.state(tid)), "--out",
           str(tmp_path / f"mix-{tid}.json"), "--fingerprint", mixed.box, "--quiet", TEST)
    res = ok("trustee", "mix-combine", str(record), *(str(tmp_path / f"mix-{t}.json") for t in ("trustee-1",
                                                                                              "trustee-2")), TEST)
    assert "homomorphic" not in res.stdout + res.stderr  # no tally result to compare with yet
    ok("trustee", "combine", str(record), *(str(tmp_path / f"tally-{t}.json") for t in ("trustee-1", "trustee-2")),
       TEST)
    assert "VALID" in ok("verify", str(record), "--quiet", TEST).stdout
    reader = RecordReader(record)
    assert count_mixed(mixed.sim.context.manifest, reader.mix_result().ballots)[0] == reader.result().counts
