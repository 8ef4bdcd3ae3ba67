"""Record order when one device id extends another (docs/record-format.md §2).

With devices ``tps``, ``tps-1``, ``tps-1-b`` and ``tps-2`` the sorted file names
``ballots/<id>.jsonl`` (``-`` before ``.``) and the sorted ids disagree.  The mix servers
(``pilwu mix stage``), the trustees (``pilwu trustee mix-decrypt``) and the verifier must
all take the cast ballots in the id order, or an honest chain fails check 13 and the
trustees refuse to decrypt it."""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

import pytest

from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.cli import main
from pilwu_crypto.election import simulation
from pilwu_crypto.election.mixballot import cast_mix_input
from pilwu_crypto.election.mixnet import MixServerRegistration
from pilwu_crypto.election.simulation import SimulatedElection, SimulatedMix, cast_ids_in_record_order
from pilwu_crypto.record.io import RecordReader, write_simulated_election, write_simulated_mix
from pilwu_crypto.record.layout import ballot_path
from pilwu_crypto.record.messages import write_private_file
from pilwu_crypto.record.mixcodec import mix_servers_from_json
from pilwu_crypto.record.mixread import cast_ballots, first_mix_input, verified_final_list
from pilwu_crypto.threshold.sealing import seal
from pilwu_crypto.verify.checks import verify_record
from tests.e2e.test_tamper import failing

GROUP = "pilwu-test-512"
DEVICES = ("tps-2", "tps-1-b", "tps", "tps-1")
"""Registered in this order, which is neither the id order nor the file-name order."""
RECORD_ORDER = ["tps", "tps-1", "tps-1-b", "tps-2"]
PASSPHRASE = "correct horse battery staple"
TEST = "--insecure-test-group"


@pytest.fixture(scope="module")
def election(tmp_path_factory: pytest.TempPathFactory) -> tuple[SimulatedElection, SimulatedMix, Path]:
    """The election (tally decrypted, no mix-net part yet) written to a pristine record.  Its
    setup registers two simulated mix servers and mix-a, mix-b, whose keys ``pilwu mix keygen``
    wrote to files before the ceremony (for the command-line test)."""
    group = get_group(GROUP, allow_test=True)
    manifest = simulation.kuwu_manifest(["A", "B", "C"], "desa-tps")
    keys = tmp_path_factory.mktemp("mix-keys")
    regs: list[MixServerRegistration] = []
    os.environ["PILWU_PASSPHRASE"] = PASSPHRASE
    try:
        for sid in ("mix-a", "mix-b"):
            assert main(["mix", "keygen", "--id", sid, "--key", str(keys / f"{sid}.pem"), "--registration",
                         str(keys / f"{sid}.json")]) == 0
            regs += mix_servers_from_json(None, json.loads((keys / f"{sid}.json").read_text(encoding="utf-8")))
    finally:
        del os.environ["PILWU_PASSPHRASE"]
    sim = simulation.simulate_election(group, manifest, trustees=3, threshold=2, absent=1, voters=6, challenged=1,
                                       devices=len(DEVICES), device_ids=DEVICES, mix_servers=2,
                                       registered_mix_servers=regs, rng=random.Random(29))
    mix = simulation.simulate_mixing(sim, mix_servers=2)
    root = tmp_path_factory.mktemp("device-order") / "pristine"
    shutil.copytree(keys, root.parent / "keys")
    write_simulated_election(sim, root)
    return sim, mix, root


def copy(root: Path, to: Path) -> Path:
    shutil.copytree(root, to)
    return to


def test_ballot_files_and_cast_ballots_in_id_order(election: tuple[SimulatedElection, SimulatedMix, Path]) -> None:
    sim, _, root = election
    assert sorted(ballot_path(d) for d in DEVICES) != [ballot_path(d) for d in RECORD_ORDER]  # the trap
    reader = RecordReader(root)
    assert reader.ballot_files() == [ballot_path(d) for d in RECORD_ORDER]
    ids = [b.ballot_id for b in cast_ballots(reader)]
    assert ids == cast_ids_in_record_order(sim)
    assert [b.device_id for b in cast_ballots(reader)] == sorted((b.device_id for b in cast_ballots(reader)),
                                                                 key=RECORD_ORDER.index)
    by_id = {b.ballot_id: b for b in sim.cast}
    assert first_mix_input(reader, sim.context) == cast_mix_input(sim.context, [by_id[i] for i in ids])


def test_simulated_mix_verifies_and_the_trustees_accept_its_chain(
        election: tuple[SimulatedElection, SimulatedMix, Path], tmp_path: Path) -> None:
    """The chain mixed in memory from the id order: the trustees' source of the final list
    (what ``pilwu trustee mix-decrypt`` decrypts) accepts it and the record is VALID."""
    sim, mix, root = election
    record = copy(root, tmp_path / "record")
    write_simulated_mix(sim, mix, record)
    final = verified_final_list(RecordReader(record), sim.context)
    assert final == list(mix.stages[-1].outputs)
    report = verify_record(record, allow_test_group=True)
    assert report.valid, failing(report)


def test_mix_servers_and_trustees_on_the_command_line(election: tuple[SimulatedElection, SimulatedMix, Path],
                                                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Two mix servers add their stages with ``pilwu mix stage``, two trustees decrypt with
    ``pilwu trustee mix-decrypt``, ``mix-combine`` publishes the result: ``pilwu verify`` says VALID."""
    sim, _, root = election
    monkeypatch.setenv("PILWU_PASSPHRASE", PASSPHRASE)
    record = copy(root, tmp_path / "record")

    def pilwu(*args: str) -> None:
        code = main(list(args))
        out = capsys.readouterr()
        assert code == 0, (args, out.out, out.err)

    keys = root.parent / "keys"
    for sid in ("mix-a", "mix-b"):
        pilwu("mix", "stage", str(record), "--id", sid, "--key", str(keys / f"{sid}.pem"), "--quiet", TEST)
    box = verify_record(record, allow_test_group=True).ballot_box
    shares = []
    for trustee in sim.ceremony.trustees[:2]:
        state, share = tmp_path / f"{trustee.trustee_id}.state", tmp_path / f"mix-{trustee.trustee_id}.json"
        write_private_file(state, seal(trustee.export_secret_state(), PASSPHRASE, scrypt_log2_n=10), overwrite=False)
        pilwu("trustee", "mix-decrypt", str(record), "--state", str(state), "--out", str(share), "--fingerprint",
              box, "--quiet", TEST)
        shares.append(str(share))
    pilwu("trustee", "mix-combine", str(record), *shares, TEST)
    pilwu("verify", str(record), "--quiet", "--workers", "1", TEST)
    report = verify_record(record, allow_test_group=True)
    assert report.valid, failing(report)
    assert report.ballots_cast == len(sim.cast) and len(RecordReader(record).mix_result().ballots) == len(sim.cast)

