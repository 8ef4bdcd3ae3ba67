"""Test kit of the security suite: an election whose every secret the test still holds.

:func:`~pilwu_crypto.election.simulation.simulate_election` drops the secrets a real
party would keep to itself (device keys, ballot nonces, trustee polynomials) as soon as it
can.  The attacks of this suite need them: a *dishonest device* re-signs a ballot it has
tampered with (so that only the cryptographic checks, not a broken signature, can catch
it), and the secret-hygiene tests scan a written record for every secret the election
used.  :func:`start_election` runs the same library calls as the simulation — the DKG
rounds, :func:`encrypt_ballot`, :func:`challenge_ballot`, the device's closing entry,
:func:`trustee_decrypt`, :func:`decrypt_tally` — and keeps what they return;
:func:`publish` writes the record with the library's own writer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pilwu_crypto.algebra.group import Group, SecretScalar
from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.election.ballot import (
    BallotSecrets,
    ChallengedBallot,
    EncryptedBallot,
    EncryptedContest,
    PlaintextBallot,
    challenge_ballot,
    encrypt_ballot,
    seal_ballot,
)
from pilwu_crypto.election.context import ElectionContext, base_hash
from pilwu_crypto.election.decryption import decrypt_tally, trustee_decrypt
from pilwu_crypto.election.device import ClosingEntry, VotingDevice, initial_code
from pilwu_crypto.election.manifest import Manifest
from pilwu_crypto.election.mixnet import MixServer, MixServerRegistration
from pilwu_crypto.election.setup import ElectionSetup
from pilwu_crypto.election.simulation import (
    CeremonyOutcome,
    SimulatedElection,
    context_from_ceremony,
    kuwu_manifest,
)
from pilwu_crypto.election.tally import tally_ballots
from pilwu_crypto.record.io import RecordWriter
from pilwu_crypto.threshold.dkg import Ceremony, KeyedTrustee, TrusteeRound1
from pilwu_crypto.verify.checks import verify_record
from pilwu_crypto.verify.report import VerificationReport

TEST_GROUP = "pilwu-test-512"
"""Where the group size does not matter: the test-only group (q of 256 bits, so no forgery
passes by luck; docs/parameters.md)."""

Entry = EncryptedBallot | ChallengedBallot


def small_group() -> Group:
    """The test-only integer group, explicitly allowed."""
    return get_group(TEST_GROUP, allow_test=True)


@dataclass
class TrusteeSecrets:
    """What one trustee held during the ceremony and keeps afterwards."""

    coefficients: tuple[SecretScalar, ...]
    """a_{i,0..t-1}: the polynomial P_i (a_{i,0} is the trustee's part of the election key)."""
    aux_secret: SecretScalar
    """x_i: the secret of the auxiliary key used to encrypt shares between trustees."""
    keyed: KeyedTrustee
    """The trustee at the end of the ceremony, holding s_l."""


def hold_ceremony_keeping_secrets(group: Group, manifest: Manifest, trustee_ids: Sequence[str],
                                  threshold: int, setup: ElectionSetup
                                  ) -> tuple[CeremonyOutcome, dict[str, TrusteeSecrets]]:
    """The three DKG rounds, exactly as :func:`~pilwu_crypto.election.simulation.hold_ceremony`
    (H_B binding ``setup``), keeping every trustee's polynomial and auxiliary secret (read
    from the round-1 state: a test is the only place that may look inside it)."""
    c = Ceremony(group, base_hash(group, manifest, trustee_ids, threshold, setup.hash()), tuple(trustee_ids),
                 threshold)
    round1 = [TrusteeRound1.generate(c, tid) for tid in c.trustee_ids]
    digests = tuple(t.digest_message() for t in round1)
    round2 = [t.receive_digests(digests) for t in round1]
    reveals = tuple(t.reveal_message() for t in round2)
    round3 = [t.receive_reveals(reveals) for t in round2]
    shares = tuple(s for t in round3 for s in t.encrypted_shares())
    for t in round3:
        assert not t.check_shares(shares)
    keyed = tuple(t.finish(shares) for t in round3)
    secrets = {r1.trustee_id: TrusteeSecrets(r1._coefficients, r1._aux_secret, k)
               for r1, k in zip(round1, keyed, strict=True)}
    return CeremonyOutcome(c, digests, reveals, shares, keyed), secrets


@dataclass
class Booth:
    """One voting device during the day: its key, its chain, and what it has produced."""

    context: ElectionContext
    device: VotingDevice
    code: bytes
    entries: list[Entry] = field(default_factory=list)
    secrets: dict[str, BallotSecrets] = field(default_factory=dict)

    def _add(self, entry: Entry, code: bytes) -> None:
        self.entries.append(entry)
        self.code = code

    def cast(self, ballot_id: str, selections: dict[str, dict[str, int]]) -> EncryptedBallot:
        """An honest ballot, cast."""
        ballot, secrets = encrypt_ballot(self.context, self.device, PlaintextBallot(ballot_id, selections), self.code)
        self.secrets[ballot_id] = secrets
        self._add(ballot, ballot.confirmation_code)
        return ballot

    def challenge(self, ballot_id: str, selections: dict[str, dict[str, int]]) -> ChallengedBallot:
        """An honest ballot that its voter challenges (Benaloh): its nonces are revealed."""
        ballot, secrets = encrypt_ballot(self.context, self.device, PlaintextBallot(ballot_id, selections), self.code)
        self.secrets[ballot_id] = secrets
        challenged = challenge_ballot(ballot, secrets)
        self._add(challenged, ballot.confirmation_code)
        return challenged

    def seal(self, ballot_id: str, contests: tuple[EncryptedContest, ...]) -> EncryptedBallot:
        """A *dishonest* device: any contests, given their correct place in the chain and
        signed, so that neither the code chain nor the signature gives the attack away."""
        ballot = seal_ballot(self.context, self.device, ballot_id, contests, self.code)
        self._add(ballot, ballot.confirmation_code)
        return ballot

    def close(self) -> ClosingEntry:
        """The signed closing entry over the device's whole chain, with the positions of
        the ballots its voters challenged."""
        challenged = [k + 1 for k, e in enumerate(self.entries) if isinstance(e, ChallengedBallot)]
        return self.device.close(self.context, self.code, len(self.entries), challenged)


@dataclass
class HeldElection:
    """An election in progress whose secrets the test holds."""

    context: ElectionContext
    outcome: CeremonyOutcome
    trustees: dict[str, TrusteeSecrets]
    booths: dict[str, Booth]
    setup: ElectionSetup
    """The devices and mix servers registered before the ceremony (bound by H_B)."""
    servers: tuple[MixServer, ...] = ()
    """The registered mix servers, with their keys."""

    def booth(self, device_id: str = "device-1") -> Booth:
        return self.booths[device_id]


def start_election(group: Group | None = None, manifest: Manifest | None = None, *, devices: int = 2,
                   trustees: int = 3, threshold: int = 2,
                   mix_servers: int | Sequence[MixServerRegistration] = 0) -> HeldElection:
    """Devices and mix servers registered in the setup, key ceremony done (binding the
    setup), polls open.  ``mix_servers``: how many to create here (mix-1, …; their keys in
    ``servers``), or the registrations of servers whose keys are kept elsewhere."""
    group = group or small_group()
    manifest = manifest or kuwu_manifest(["A", "B", "C"])
    made = [VotingDevice.generate(f"device-{i + 1}") for i in range(devices)]
    servers: tuple[MixServer, ...] = ()
    if isinstance(mix_servers, int):
        servers = tuple(MixServer.generate(f"mix-{k + 1}") for k in range(mix_servers))
        registered = tuple(m.registration for m in servers)
    else:
        registered = tuple(mix_servers)
    setup = ElectionSetup(tuple(d.registration for d in made), registered)
    outcome, secrets = hold_ceremony_keeping_secrets(group, manifest, [f"trustee-{i + 1}" for i in range(trustees)],
                                                     threshold, setup)
    context = context_from_ceremony(manifest, outcome.ceremony, outcome.digests, outcome.reveals, outcome.shares)
    booths = {d.device_id: Booth(context, d, initial_code(context, d.device_id)) for d in made}
    return HeldElection(context, outcome, secrets, booths, setup, servers)


def vote_for(option: str, contest: str = "kuwu") -> dict[str, dict[str, int]]:
    """The selections of a voter choosing one option."""
    return {contest: {option: 1}}


def publish(held: HeldElection, root: Path, *, absent: Sequence[str] = ("trustee-3",),
            counted: Callable[[EncryptedBallot], bool] = lambda b: True) -> SimulatedElection:
    """Close the polls, tally the cast ballots, let the present trustees decrypt, and
    write the whole record with the library's writer (each device's entries in its chain
    order, as :func:`~pilwu_crypto.record.io.write_simulated_election` does, but straight
    from the booths, so that even two ballots under one id can be written).  ``counted``
    picks the cast ballots that enter the tally (all by default)."""
    ctx = held.context
    cast = [e for b in held.booths.values() for e in b.entries if isinstance(e, EncryptedBallot)]
    sim = SimulatedElection(ctx, held.outcome, held.setup, held.servers)
    sim.cast = cast
    sim.challenged = [e for b in held.booths.values() for e in b.entries if isinstance(e, ChallengedBallot)]
    sim.chain_order = {d: [e.ballot.ballot_id if isinstance(e, ChallengedBallot) else e.ballot_id for e in b.entries]
                       for d, b in held.booths.items()}
    sim.closings = [b.close() for b in held.booths.values()]
    tallied = [b for b in cast if counted(b)]
    sim.tally = tally_ballots(ctx.group, ctx.manifest, tallied)
    sim.absent = tuple(absent)
    present = [t for t in held.outcome.trustees if t.trustee_id not in absent]
    sim.tally_shares = [trustee_decrypt(ctx, t, sim.tally, tallied) for t in present]
    sim.result = decrypt_tally(ctx, sim.tally, sim.tally_shares, sim.verification_keys)
    writer = RecordWriter(root)
    writer.write_parameters(ctx.group)
    writer.write_manifest(ctx.manifest)
    writer.write_setup(held.setup)
    writer.write_ceremony(held.outcome.ceremony, held.outcome.digests, held.outcome.reveals, held.outcome.shares)
    writer.write_context(ctx, sim.verification_keys)
    writer.write_devices(sim.closings)
    for device_id, booth in held.booths.items():
        with writer.ballot_stream(device_id) as stream:
            for entry in booth.entries:
                if isinstance(entry, ChallengedBallot):
                    stream.write_challenged(entry)
                else:
                    stream.write_cast(entry)
    writer.write_tally(sim.tally)
    for share in sim.tally_shares:
        writer.write_tally_shares(share)
    writer.write_result(sim.result, sim.absent)
    writer.finish()
    return sim


# ---- reading verdicts ---------------------------------------------------------------------
def verify(root: Path) -> VerificationReport:
    """``pilwu verify`` on a test-group record, in this process."""
    return verify_record(root, allow_test_group=True)


def failing(report: VerificationReport) -> dict[str, list[str]]:
    """check name -> its failure messages (or its skip reason), for every check not passed."""
    return {c.name: c.failures or [c.skipped] for c in report.checks if not c.ok}


def reindex(root: Path) -> None:
    """Recompute every size and SHA-256 of index.json, as an attacker would after an edit."""
    index = json.loads((root / "index.json").read_text())
    for f in index["files"]:
        data = (root / f["path"]).read_bytes()
        f["sha256"], f["size"] = hashlib.sha256(data).hexdigest(), len(data)
    (root / "index.json").write_text(json.dumps(index, sort_keys=True, separators=(",", ":")) + "\n")


def edit_document(root: Path, path: str, change: Callable[[Any], None]) -> None:
    """Change one JSON document of the record and re-index (canonical form kept)."""
    target = root / path
    doc = json.loads(target.read_text())
    change(doc)
    target.write_text(json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n")
    reindex(root)
