"""A whole election held in memory: ceremony, voting, tally, decryption.

Every step goes through the same message-by-message API that separate trustee laptops
and voting devices use; this module only plays all the parties in one process.  It
serves the demo and the end-to-end tests.  Simulated voters' choices come from the
``random.Random`` passed in (so ``--seed`` can fix them); every cryptographic secret
still comes from ``secrets``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pilwu_crypto.algebra.group import Element, Group
from pilwu_crypto.election.ballot import (
    ChallengedBallot,
    EncryptedBallot,
    PlaintextBallot,
    challenge_ballot,
    encrypt_ballot,
)
from pilwu_crypto.election.context import ElectionContext, base_hash, election_hash
from pilwu_crypto.election.decryption import TallyResult, TrusteeTallyShare, decrypt_tally, trustee_decrypt
from pilwu_crypto.election.device import ClosingEntry, DeviceRegistration, VotingDevice, initial_code
from pilwu_crypto.election.manifest import Contest, Manifest, Option
from pilwu_crypto.election.tally import EncryptedTally, tally_ballots
from pilwu_crypto.elgamal import PublicKey
from pilwu_crypto.errors import CeremonyError
from pilwu_crypto.threshold.dkg import (
    Ceremony,
    CommitmentDigest,
    CommitmentReveal,
    EncryptedShare,
    KeyedTrustee,
    TrusteeRound1,
    check_reveals,
    joint_key,
)

Progress = Callable[[str, int, int], None]


def _no_progress(step: str, done: int, total: int) -> None:
    return None


def kuwu_manifest(candidates: Sequence[str], election_id: str = "pilwu-demo",
                  name: str = "Pemilihan Kuwu (demo)") -> Manifest:
    """A village-head election: one contest, vote for exactly one candidate."""
    options = tuple(Option(f"candidate-{i + 1}", c) for i, c in enumerate(candidates))
    return Manifest(election_id, name, (Contest("kuwu", "Kuwu", options, 1, 1),))


@dataclass(frozen=True)
class CeremonyOutcome:
    """The public messages of a key ceremony and the trustees' resulting keys."""

    ceremony: Ceremony
    digests: tuple[CommitmentDigest, ...]
    reveals: tuple[CommitmentReveal, ...]
    shares: tuple[EncryptedShare, ...]
    trustees: tuple[KeyedTrustee, ...]


def hold_ceremony(group: Group, manifest: Manifest, trustee_ids: Sequence[str],
                  threshold: int) -> CeremonyOutcome:
    """Run the three rounds of the DKG for all trustees, checking every message."""
    c = Ceremony(group, base_hash(group, manifest, trustee_ids, threshold), tuple(trustee_ids), threshold)
    round1 = [TrusteeRound1.generate(c, tid) for tid in c.trustee_ids]
    digests = tuple(t.digest_message() for t in round1)
    round2 = [t.receive_digests(digests) for t in round1]
    reveals = tuple(t.reveal_message() for t in round2)
    round3 = [t.receive_reveals(reveals) for t in round2]
    shares = tuple(s for t in round3 for s in t.encrypted_shares())
    for t in round3:
        complaints = t.check_shares(shares)
        if complaints:
            raise CeremonyError(f"trustee {t.trustee_id} complained about {len(complaints)} share(s)")
    trustees = tuple(t.finish(shares) for t in round3)
    return CeremonyOutcome(c, digests, reveals, shares, trustees)


def context_from_ceremony(manifest: Manifest, ceremony: Ceremony, digests: Sequence[CommitmentDigest],
                          reveals: Sequence[CommitmentReveal]) -> ElectionContext:
    """Recompute K and H_E from the published ceremony messages (what a verifier does)."""
    checked = check_reveals(ceremony, digests, reveals)
    commitments = [r.commitments for r in checked]
    k = joint_key(ceremony.group, commitments)
    h_e = election_hash(ceremony.base_hash, k, commitments)
    return ElectionContext(ceremony.group, manifest, ceremony.trustee_ids, ceremony.threshold,
                           PublicKey(k), ceremony.base_hash, h_e)


@dataclass
class SimulatedElection:
    """Everything public an election produces, plus the expected result to compare."""

    context: ElectionContext
    ceremony: CeremonyOutcome
    devices: tuple[DeviceRegistration, ...]
    cast: list[EncryptedBallot] = field(default_factory=list)
    challenged: list[ChallengedBallot] = field(default_factory=list)
    chain_order: dict[str, list[str]] = field(default_factory=dict)
    closings: list[ClosingEntry] = field(default_factory=list)
    tally: EncryptedTally | None = None
    tally_shares: list[TrusteeTallyShare] = field(default_factory=list)
    result: TallyResult | None = None
    expected: dict[tuple[str, str], int] = field(default_factory=dict)
    absent: tuple[str, ...] = ()

    @property
    def verification_keys(self) -> dict[int, Element]:
        return self.ceremony.trustees[0].verification_keys


def simulate_election(group: Group, manifest: Manifest, *, trustees: int = 3, threshold: int = 2,
                      absent: int = 1, voters: int = 20, challenged: int = 2, devices: int = 2,
                      rng: random.Random | None = None,
                      progress: Progress = _no_progress) -> SimulatedElection:
    """Hold a whole election; voters choose uniformly among options (within limits)."""
    if not 0 <= absent <= trustees - threshold:
        raise CeremonyError(f"{absent} absent trustees leave fewer than the threshold {threshold}")
    rng = rng or random.Random()
    trustee_ids = [f"trustee-{i + 1}" for i in range(trustees)]
    progress("key ceremony", 0, 1)
    outcome = hold_ceremony(group, manifest, trustee_ids, threshold)
    context = context_from_ceremony(manifest, outcome.ceremony, outcome.digests, outcome.reveals)
    progress("key ceremony", 1, 1)
    machines = [VotingDevice.generate(f"device-{i + 1}") for i in range(devices)]
    sim = SimulatedElection(context, outcome, tuple(m.registration for m in machines))
    codes = {m.device_id: initial_code(context, m.device_id) for m in machines}
    counts = dict.fromkeys(codes, 0)
    sim.chain_order = {m.device_id: [] for m in machines}
    for c in manifest.contests:
        for o in c.options:
            sim.expected[(c.contest_id, o.option_id)] = 0
    total = voters + challenged
    challenge_at = set(rng.sample(range(total), challenged)) if challenged else set()
    for i in range(total):
        device = machines[i % devices]
        selections: dict[str, dict[str, int]] = {}
        for c in manifest.contests:
            chosen = rng.sample([o.option_id for o in c.options], min(c.selection_limit, len(c.options)))
            selections[c.contest_id] = {oid: 1 for oid in chosen}
        ballot_id = f"ballot-{i + 1:06d}"
        ballot, ballot_secrets = encrypt_ballot(context, device, PlaintextBallot(ballot_id, selections),
                                                codes[device.device_id])
        codes[device.device_id] = ballot.confirmation_code
        counts[device.device_id] += 1
        sim.chain_order[device.device_id].append(ballot_id)
        if i in challenge_at:
            sim.challenged.append(challenge_ballot(ballot, ballot_secrets))
        else:
            sim.cast.append(ballot)
            for cid, opts in selections.items():
                for oid, v in opts.items():
                    sim.expected[(cid, oid)] += v
        progress("voting", i + 1, total)
    sim.closings = [m.close(context, codes[m.device_id], counts[m.device_id]) for m in machines]
    sim.tally = tally_ballots(group, manifest, sim.cast)
    present = list(outcome.trustees)
    absent_ids = [t.trustee_id for t in rng.sample(present, absent)] if absent else []
    sim.absent = tuple(sorted(absent_ids))
    for i, trustee in enumerate(t for t in present if t.trustee_id not in absent_ids):
        sim.tally_shares.append(trustee_decrypt(context, trustee, sim.tally, sim.cast))
        progress("decryption", i + 1, trustees - absent)
    sim.result = decrypt_tally(context, sim.tally, sim.tally_shares, sim.verification_keys)
    return sim
