"""Documents of another election: every check ends in a named failure, never a crash.

Small elections on the same test group differ in everything a document can refer to:
the manifest (contests, options), the trustees (3 of threshold 2 against 4 of threshold
3), the devices and the mix servers.  Each file of one election, one at a time, replaces
(or joins) the files of another's record, in both directions, the index re-sealed as an
attacker would, and the record is verified: the report must be NOT VALID, every failure
a message of the verifier's own — no exception escapes ``verify_record`` (other than
RecordUnreadable, for parameters.json only) and no failure is a wrapped unexpected
exception (its class name in the text).  Then the one such crash found (a tally with an
option the manifest lacks, decrypted by t trustees) in its own test."""

from __future__ import annotations

import dataclasses
import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.election import simulation
from pilwu_crypto.election.decryption import TrusteeTallyShare, decrypt_tally, entry_transcript
from pilwu_crypto.election.simulation import SimulatedElection
from pilwu_crypto.election.tally import ContestTally, EncryptedTally, OptionTally
from pilwu_crypto.errors import DecryptionError, RecordUnreadable
from pilwu_crypto.record.codec import dumps_canonical, parameters_to_json
from pilwu_crypto.record.io import write_simulated_election, write_simulated_mix
from pilwu_crypto.record.layout import INDEX_PATH, PARAMETERS_PATH
from pilwu_crypto.verify.checks import verify_record
from tests.corpus.corpus import Files, load_files, reindexed, write_files
from tests.mixed_record import write_mixed_election

GROUP = "pilwu-test-512"
CRASH = re.compile(r"\b(\w*(Error|Exception)|StopIteration|Traceback|internal error|unexpected error)\b")
"""What a failure must never say: an exception class or "internal error" (a bug wrapped
into a message, e.g. the reader's "KeyError: 'x'" for an unexpected exception)."""


@pytest.fixture(scope="module")
def election_a() -> SimulatedElection:
    """Election A: three candidates, 3 trustees (t = 2, one absent), devices device-1, device-2."""
    return simulation.simulate_election(get_group(GROUP, allow_test=True),
                                        simulation.kuwu_manifest(["A", "B", "C"], "desa-a"), trustees=3,
                                        threshold=2, absent=1, voters=3, challenged=1, devices=2,
                                        rng=random.Random(2))


@pytest.fixture(scope="module")
def records(election_a: SimulatedElection, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Files]:
    """The valid records, as files: ``a`` (election A), ``a-mixed`` (the two-contest election
    of tests/mixed_record.py, 3 trustees, 2 mix servers) and ``b`` (four candidates, 4
    trustees with t = 3, devices tps-1..3, 3 mix servers)."""
    group = get_group(GROUP, allow_test=True)
    base = tmp_path_factory.mktemp("foreign")
    write_simulated_election(election_a, base / "a")
    write_mixed_election(group, base / "a-mixed", voters=3, mix_servers=2, seed=5)
    b = simulation.simulate_election(group, simulation.kuwu_manifest(["P", "Q", "R", "S"], "desa-b", "Desa B"),
                                     trustees=4, threshold=3, absent=1, voters=3, challenged=1, devices=3,
                                     device_ids=("tps-1", "tps-2", "tps-3"), mix_servers=3, rng=random.Random(3))
    write_simulated_election(b, base / "b")
    write_simulated_mix(b, simulation.simulate_mixing(b, mix_servers=3), base / "b")
    out = {}
    for name in ("a", "a-mixed", "b"):
        report = verify_record(base / name, allow_test_group=True)
        assert report.valid, (name, report.first_failure())
        out[name] = load_files(base / name)
    return out


def problems(root: Path, path: str) -> list[str]:
    """What is wrong with verifying ``root``, where ``path`` came from election B."""
    try:
        report = verify_record(root, allow_test_group=True)
    except RecordUnreadable as exc:
        return [] if path == PARAMETERS_PATH else [f"unreadable: {exc}"]
    except Exception as exc:  # the bug this test exists to find
        return [f"{type(exc).__name__} escaped: {exc}"]
    found = [] if not report.valid else ["accepted as VALID"]
    for check in report.checks:
        for failure in [*check.failures, check.skipped]:
            if CRASH.search(failure):
                found.append(f"check {check.number} ({check.name}): {failure}")
    return found


@pytest.mark.parametrize(("own", "other"), [("a", "b"), ("a-mixed", "b"), ("b", "a"), ("b", "a-mixed")])
def test_every_document_of_another_election_is_a_named_failure(records: dict[str, Files], own: str, other: str,
                                                                tmp_path: Path) -> None:
    """Each file of ``other`` in turn (and a P-256 parameters.json) into the record ``own``."""
    mine = records[own]
    p256 = dumps_canonical(parameters_to_json(get_group("P-256")))
    foreign = [*sorted(records[other].items()), (PARAMETERS_PATH, p256)]
    bad: dict[str, list[str]] = {}
    tried = 0
    for path, data in foreign:
        if path == INDEX_PATH or mine.get(path) == data:
            continue
        tried += 1
        root = tmp_path / f"r{tried}"
        write_files(reindexed({**mine, path: data}), root)
        found = problems(root, path)
        if found:
            bad[f"{path} ({tried})"] = found
        shutil.rmtree(root)
    assert tried >= 10
    assert not bad, "\n".join(f"{p}: {' | '.join(f[:3])}" for p, f in bad.items())


# ---- a tally that t trustees decrypted although the manifest lacks one of its options ---------
def with_entries(tally: EncryptedTally, make: Callable[[list[OptionTally]], list[OptionTally]]) -> EncryptedTally:
    """``tally`` (one contest) with its option entries replaced by ``make(entries)``."""
    (contest,) = tally.contests
    return EncryptedTally(tally.ballot_count, (ContestTally(contest.contest_id, tuple(make(list(contest.options)))),))


def decrypted_by_trustees(sim: SimulatedElection, tally: EncryptedTally) -> list[TrusteeTallyShare]:
    """The present trustees' valid shares of ``tally`` as it is (not recomputed from the ballots)."""
    shares = []
    for trustee in (t for t in sim.ceremony.trustees if t.trustee_id not in sim.absent):
        parts = [trustee.decryption_share(entry_transcript(sim.context, tally, cid, oid), ct)
                 for cid, oid, ct in tally.entries()]
        shares.append(TrusteeTallyShare(trustee.trustee_id, trustee.index, tuple(p.partial for p in parts),
                                        tuple(p.proof for p in parts)))
    return shares


def test_tally_entry_the_manifest_lacks_is_a_failed_check(election_a: SimulatedElection, tmp_path: Path) -> None:
    sim = election_a
    assert sim.tally is not None
    extra = with_entries(sim.tally, lambda es: [*es, OptionTally("candidate-9", es[0].ciphertext)])
    root = tmp_path / "record"
    write_simulated_election(dataclasses.replace(sim, tally=extra, tally_shares=decrypted_by_trustees(sim, extra)),
                             root)
    report = verify_record(root, allow_test_group=True)  # raised KeyError in the result check before
    by_name = {c.name: c for c in report.checks}
    assert not report.valid
    assert by_name["decryption"].failures[0] == (
        "encrypted tally: entry 4, kuwu/candidate-9, is not an option of the manifest (3 entries); only a tally "
        "of the manifest's options is decrypted")
    assert by_name["tally"].failures[-1] == ("tally/encrypted_tally.json: entry 4, kuwu/candidate-9, is not an "
                                             "option of the manifest (3 entries)")
    assert by_name["result"].skipped and problems(root, "tally/encrypted_tally.json") == []


@pytest.mark.parametrize(("make", "named"), [
    (lambda es: [es[0], OptionTally("candidate-9", es[1].ciphertext), *es[2:]],
     "entry 2 is kuwu/candidate-9, the manifest's entry 2 is kuwu/candidate-2"),
    (lambda es: [es[1], es[0], *es[2:]], "entry 1 is kuwu/candidate-2, the manifest's entry 1 is kuwu/candidate-1"),
    (lambda es: es[:-1], "entry 3, the manifest's kuwu/candidate-3, is missing (the tally has 2 entries)"),
])
def test_decrypt_tally_takes_only_the_manifest_entries_in_order(
        election_a: SimulatedElection, make: Callable[[list[OptionTally]], list[OptionTally]], named: str) -> None:
    sim = election_a
    assert sim.tally is not None
    tally = with_entries(sim.tally, make)
    with pytest.raises(DecryptionError, match=f"^encrypted tally: {re.escape(named)};"):
        decrypt_tally(sim.context, tally, decrypted_by_trustees(sim, tally), sim.verification_keys)
