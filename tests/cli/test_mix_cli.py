"""``pilwu mix …`` as subprocesses: two mix servers, each with its own key from
``pilwu mix keygen``, add their stages to a record one after the other with
``pilwu mix stage``; the final list is then decrypted in-process and ``pilwu verify``
accepts the record.  A server that already mixed, one that is not registered, a key that
is not the registered one, a record already decrypted and an existing stage that does not
verify are refused with exit 1."""

from __future__ import annotations

import dataclasses
import json
import os
import random
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from Crypto.PublicKey import ECC

from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.election.mixballot import cast_mix_input, count_mixed, verify_and_decode_ballots
from pilwu_crypto.election.mixnet import MixServer, decrypt_final_list, mix_generators, run_stage
from pilwu_crypto.election.simulation import cast_ids_in_record_order, kuwu_manifest
from pilwu_crypto.record.io import RecordReader, reopen_record
from pilwu_crypto.record.mixcodec import PublishedMixResult, mix_servers_from_json
from tests.security.kit import publish, start_election, vote_for

TEST = "--insecure-test-group"
ENV = {**os.environ, "PILWU_PASSPHRASE": "correct horse battery staple"}


def pilwu(*args: str) -> subprocess.CompletedProcess[str]:
    res = subprocess.run([sys.executable, "-m", "pilwu_crypto", *args], capture_output=True, text=True,
                         timeout=300, env=ENV, stdin=subprocess.DEVNULL)
    assert "Traceback" not in res.stdout + res.stderr, res.stderr
    return res


def refused(*args: str) -> str:
    res = pilwu(*args)
    assert res.returncode == 1, (args, res.returncode, res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    return lines[0]


def test_mix_servers_stage_by_stage(tmp_path: Path) -> None:
    keys = {}
    regs = []
    for sid in ("mix-a", "mix-b", "mix-x"):
        key, reg = tmp_path / f"{sid}.pem", tmp_path / f"{sid}.json"
        res = pilwu("mix", "keygen", "--id", sid, "--key", str(key), "--registration", str(reg))
        assert res.returncode == 0, res.stderr
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        assert b"ENCRYPTED" in key.read_bytes()
        # the registration is a one-server "mix-servers" document, read with the record's codec; the
        # authority lists it in the election setup before the key ceremony
        (registration,) = mix_servers_from_json(None, json.loads(reg.read_text(encoding="utf-8")))
        assert registration.server_id == sid
        keys[sid] = key
        if sid != "mix-x":
            regs.append(registration)
    assert pilwu("mix", "keygen", "--id", "mix-a", "--key", str(keys["mix-a"]), "--registration",
                 str(tmp_path / "again.json")).returncode == 2

    # the setup registers mix-a and mix-b (not mix-x) with the keys `pilwu mix keygen` made
    group = get_group("pilwu-test-512", allow_test=True)
    rng = random.Random(5)
    manifest = kuwu_manifest(["A", "B", "C"])
    held = start_election(group, manifest, devices=2, mix_servers=regs)
    expected = {("kuwu", o.option_id): 0 for o in manifest.contests[0].options}
    for i in range(4):
        choice = rng.choice(manifest.contests[0].options).option_id
        held.booth(f"device-{i % 2 + 1}").cast(f"ballot-{i + 1}", vote_for(choice))
        expected[("kuwu", choice)] += 1
    held.booth("device-1").challenge("ballot-5", vote_for("candidate-2"))
    root = tmp_path / "record"
    sim = publish(held, root, absent=("trustee-2",))
    assert sim.mix_servers == () and RecordReader(root).mix_servers() == tuple(regs)
    ctx = sim.context
    by_id = {b.ballot_id: b for b in sim.cast}
    first = cast_mix_input(ctx, [by_id[bid] for bid in cast_ids_in_record_order(sim)])
    bad_root = tmp_path / "bad-record"
    shutil.copytree(root, bad_root)

    for sid in ("mix-a", "mix-b"):
        res = pilwu("mix", "stage", str(root), "--id", sid, "--key", str(keys[sid]), TEST)
        assert res.returncode == 0, res.stderr
        assert "fingerprint" in res.stdout
    assert (root / "mixnet" / "stage-2.json").is_file()
    assert "already mixed at stage 1" in refused("mix", "stage", str(root), "--id", "mix-a", "--key",
                                                 str(keys["mix-a"]), TEST)
    assert "not registered" in refused("mix", "stage", str(root), "--id", "mix-x", "--key", str(keys["mix-x"]),
                                       TEST)
    assert "not the registered one" in refused("mix", "stage", str(root), "--id", "mix-a", "--key",
                                               str(keys["mix-b"]), TEST)
    assert not (root / "mixnet" / "stage-3.json").exists()

    final = list(RecordReader(root).mix_stages()[-1].outputs)
    present = [t for t in sim.ceremony.trustees if t.trustee_id not in sim.absent]
    shares = [decrypt_final_list(ctx, t, final) for t in present]
    mixed = tuple(verify_and_decode_ballots(ctx, final, shares, sim.verification_keys))
    assert count_mixed(ctx.manifest, mixed)[0] == expected  # the stages carried the cast choices
    writer = reopen_record(root)
    for share in shares:
        writer.write_mix_decryption(share)
    writer.write_mix_result(PublishedMixResult(mixed))
    writer.finish()
    res = pilwu("verify", str(root), TEST, "--quiet")
    assert res.returncode == 0, (res.stdout, res.stderr)
    assert "already being decrypted" in refused("mix", "stage", str(root), "--id", "mix-b", "--key",
                                                str(keys["mix-b"]), TEST)

    # a first stage whose signature does not verify: the next server refuses, naming it
    ecc_key = ECC.import_key(keys["mix-a"].read_bytes(), passphrase=ENV["PILWU_PASSPHRASE"])
    good = run_stage(ctx, MixServer("mix-a", ecc_key), 1, mix_generators(ctx, len(first)), first)
    bad = dataclasses.replace(good, signature=bytes([good.signature[0] ^ 1]) + good.signature[1:])
    writer = reopen_record(bad_root)
    writer.write_mix_stage(bad)
    writer.finish()
    line = refused("mix", "stage", str(bad_root), "--id", "mix-b", "--key", str(keys["mix-b"]), TEST)
    assert "stage 1 (mix server mix-a)" in line and "signature" in line, line
    assert not (bad_root / "mixnet" / "stage-2.json").exists()
