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
from pilwu_crypto.election.context import ElectionContext, base_hash, ceremony_shares_hash, election_hash
from pilwu_crypto.election.decryption import TallyResult, TrusteeTallyShare, decrypt_tally, trustee_decrypt
from pilwu_crypto.election.device import ClosingEntry, DeviceRegistration, VotingDevice, device_order, initial_code
from pilwu_crypto.election.devicehost import DeviceHosts
from pilwu_crypto.election.manifest import Contest, Manifest, Option
from pilwu_crypto.election.mixballot import MixedBallot, cast_mix_input, count_mixed, verify_and_decode_ballots
from pilwu_crypto.election.mixnet import (
    MixDecryptionShare,
    MixServer,
    MixServerRegistration,
    MixStage,
    decrypt_final_list,
    mix_generators,
    run_stage,
)
from pilwu_crypto.election.setup import ElectionSetup
from pilwu_crypto.election.tally import EncryptedTally, tally_ballots
from pilwu_crypto.elgamal import PublicKey
from pilwu_crypto.errors import CeremonyError, InvalidParameters
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


WRITE_IN_NAMES: tuple[str, ...] = ("Cikahuripan", "Sukamaju", "Ciwidey", "Kadipaten", "Sindangsari",
                                   "Karangsari", "Wonosari", "Sukoharjo", "Tegalrejo", "Kedungwuni")
"""Sundanese and Javanese village names that simulated voters write in."""
WRITE_IN_OPTION = "write-in"
"""Option id of the "write in a name" choice of a contest that takes write-ins."""


DEMO_VILLAGE = "Sukamaju"
DEMO_DISTRICT = "Sumber"
DEMO_REGENCY = "Cirebon"
DEMO_DATE = "2026-06-14"
DEMO_REGISTERED_VOTERS = 1500
"""The place, polling day and voter register of the demo election (kuwu_manifest's defaults)."""


def kuwu_manifest(candidates: Sequence[str], election_id: str = "pilwu-demo",
                  name: str = "Pemilihan Kuwu (demo)", *, write_in_elements: int = 0,
                  village: str = DEMO_VILLAGE, district: str = DEMO_DISTRICT, regency: str = DEMO_REGENCY,
                  date: str = DEMO_DATE, registered_voters: int = DEMO_REGISTERED_VOTERS) -> Manifest:
    """A village-head election of record format 2: one contest, vote for exactly one candidate,
    in ``village`` (kecamatan ``district``, kabupaten ``regency``) on ``date`` (YYYY-MM-DD).

    With ``write_in_elements`` > 0 the contest also has the option WRITE_IN_OPTION
    ("Tulis nama sendiri", write in a name), and every ballot carries a write-in name
    over that many group elements (counted through the mix-net only)."""
    options = tuple(Option(f"candidate-{i + 1}", c) for i, c in enumerate(candidates))
    if write_in_elements:
        options += (Option(WRITE_IN_OPTION, "Tulis nama sendiri (write-in)"),)
    return Manifest(election_id, name, (Contest("kuwu", "Kuwu", options, 1, 1, write_in_elements),),
                    village=village, district=district, regency=regency, date=date,
                    registered_voters=registered_voters)


@dataclass(frozen=True)
class CeremonyOutcome:
    """The public messages of a key ceremony and the trustees' resulting keys."""

    ceremony: Ceremony
    digests: tuple[CommitmentDigest, ...]
    reveals: tuple[CommitmentReveal, ...]
    shares: tuple[EncryptedShare, ...]
    trustees: tuple[KeyedTrustee, ...]


def hold_ceremony(group: Group, manifest: Manifest, trustee_ids: Sequence[str],
                  threshold: int, setup: ElectionSetup) -> CeremonyOutcome:
    """Run the three rounds of the DKG for all trustees, checking every message; H_B binds
    the setup (the registered devices and mix servers)."""
    c = Ceremony(group, base_hash(group, manifest, trustee_ids, threshold, setup.hash()), tuple(trustee_ids),
                 threshold)
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
                          reveals: Sequence[CommitmentReveal], shares: Sequence[EncryptedShare]) -> ElectionContext:
    """Recompute K and H_E from the published ceremony messages (what a verifier does;
    docs/record-format.md §5.9)."""
    checked = check_reveals(ceremony, digests, reveals)
    commitments = [r.commitments for r in checked]
    k = joint_key(ceremony.group, commitments)
    h_e = election_hash(ceremony.base_hash, k, commitments, ceremony_shares_hash(ceremony, shares))
    return ElectionContext(ceremony.group, manifest, ceremony.trustee_ids, ceremony.threshold,
                           PublicKey(k), ceremony.base_hash, h_e)


@dataclass
class SimulatedElection:
    """Everything public an election produces, plus the expected result to compare."""

    context: ElectionContext
    ceremony: CeremonyOutcome
    setup: ElectionSetup
    """The registered devices and mix servers, bound by H_B."""
    mix_servers: tuple[MixServer, ...] = ()
    """The registered mix servers with their keys (the simulation plays them too)."""
    cast: list[EncryptedBallot] = field(default_factory=list)
    challenged: list[ChallengedBallot] = field(default_factory=list)
    chain_order: dict[str, list[str]] = field(default_factory=dict)
    closings: list[ClosingEntry] = field(default_factory=list)
    tally: EncryptedTally | None = None
    tally_shares: list[TrusteeTallyShare] = field(default_factory=list)
    result: TallyResult | None = None
    expected: dict[tuple[str, str], int] = field(default_factory=dict)
    absent: tuple[str, ...] = ()
    choices: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    """The simulated voters' selections of every cast ballot: ballot id -> contest -> option -> 1."""
    write_ins: dict[str, dict[str, str]] = field(default_factory=dict)
    """The names written in on every cast ballot that wrote one: ballot id -> contest -> name."""

    @property
    def verification_keys(self) -> dict[int, Element]:
        return self.ceremony.trustees[0].verification_keys

    @property
    def devices(self) -> tuple[DeviceRegistration, ...]:
        """The registered devices, by id."""
        return self.setup.devices


@dataclass(frozen=True)
class Vote:
    """One simulated voter's ballot as planned: its place, id, choices, and whether the
    voter challenges it instead of casting it."""

    index: int
    ballot_id: str
    selections: dict[str, dict[str, int]]
    written: dict[str, str]
    challenge: bool


@dataclass(frozen=True)
class DeviceVotes:
    """What one voting device publishes: its registration, its ballots in chain order
    (cast, or challenged with their reveal) and its signed closing entry."""

    registration: DeviceRegistration
    entries: tuple[EncryptedBallot | ChallengedBallot, ...]
    closing: ClosingEntry


def vote_on_device(context: ElectionContext, device: VotingDevice, votes: Sequence[Vote]) -> DeviceVotes:
    """A voting device's whole day: encrypt every planned ballot in order (each chained to
    the previous code), challenge those planned so, close.  Runs where the device was
    created (election/devicehost.py); the device key never leaves that process."""
    code = initial_code(context, device.device_id)
    entries: list[EncryptedBallot | ChallengedBallot] = []
    for vote in votes:
        ballot, ballot_secrets = encrypt_ballot(context, device, PlaintextBallot(vote.ballot_id, vote.selections,
                                                                                 vote.written), code)
        code = ballot.confirmation_code
        entries.append(challenge_ballot(ballot, ballot_secrets) if vote.challenge else ballot)
    challenged = [k + 1 for k, vote in enumerate(votes) if vote.challenge]
    return DeviceVotes(device.registration, tuple(entries), device.close(context, code, len(votes), challenged))


def simulate_election(group: Group, manifest: Manifest, *, trustees: int = 3, threshold: int = 2,
                      absent: int = 1, voters: int = 20, challenged: int = 2, devices: int = 2,
                      device_ids: Sequence[str] = (), mix_servers: int = 0,
                      registered_mix_servers: Sequence[MixServerRegistration] = (),
                      rng: random.Random | None = None, names: Sequence[str] = (),
                      progress: Progress = _no_progress, workers: int = 1) -> SimulatedElection:
    """Hold a whole election; voters choose uniformly among options (within limits).

    The setup comes first: ``devices`` voting devices (ids ``device_ids`` when given, else
    device-1, …) and ``mix_servers`` mix servers are created and registered, then the key
    ceremony binds them (H_B); ``registered_mix_servers`` are registered too, servers whose
    keys are kept elsewhere (their stages are not simulated).  In a contest that takes write-ins, a voter who chose
    WRITE_IN_OPTION writes a name drawn from ``names`` (WRITE_IN_NAMES when empty); every
    other voter writes none.  With ``workers`` > 1 the devices are created and vote in that
    many worker processes (election/devicehost.py: each key is created and kept in its
    worker); the choices still come from ``rng`` here."""
    if device_ids and len(set(device_ids)) != devices:
        raise InvalidParameters(f"device ids {list(device_ids)!r:.200}: not {devices} distinct ids")
    with DeviceHosts(workers) as hosts:
        return _simulate(hosts, group, manifest, trustees=trustees, threshold=threshold, absent=absent,
                         voters=voters, challenged=challenged,
                         device_ids=list(device_ids) or [f"device-{i + 1}" for i in range(devices)],
                         mix_servers=mix_servers, registered=tuple(registered_mix_servers), rng=rng, names=names,
                         progress=progress)


def _simulate(hosts: DeviceHosts, group: Group, manifest: Manifest, *, trustees: int, threshold: int,
              absent: int, voters: int, challenged: int, device_ids: list[str], mix_servers: int,
              registered: tuple[MixServerRegistration, ...], rng: random.Random | None, names: Sequence[str],
              progress: Progress) -> SimulatedElection:
    names = tuple(names) or WRITE_IN_NAMES
    expected: dict[tuple[str, str], int] = {}
    if not 0 <= absent <= trustees - threshold:
        raise CeremonyError(f"{absent} absent trustees leave fewer than the threshold {threshold}")
    rng = rng or random.Random()
    devices = len(device_ids)
    servers = tuple(MixServer.generate(f"mix-{k + 1}") for k in range(mix_servers))
    setup = ElectionSetup(tuple(hosts.create(device_ids)), (*(s.registration for s in servers), *registered))
    trustee_ids = [f"trustee-{i + 1}" for i in range(trustees)]
    progress("key ceremony", 0, 1)
    outcome = hold_ceremony(group, manifest, trustee_ids, threshold, setup)
    context = context_from_ceremony(manifest, outcome.ceremony, outcome.digests, outcome.reveals, outcome.shares)
    progress("key ceremony", 1, 1)
    for c in manifest.contests:
        for o in c.options:
            expected[(c.contest_id, o.option_id)] = 0
    total = voters + challenged
    challenge_at = set(rng.sample(range(total), challenged)) if challenged else set()
    plans: dict[str, list[Vote]] = {d: [] for d in device_ids}
    for i in range(total):
        selections: dict[str, dict[str, int]] = {}
        written: dict[str, str] = {}
        for c in manifest.contests:
            chosen = rng.sample([o.option_id for o in c.options], min(c.selection_limit, len(c.options)))
            selections[c.contest_id] = {oid: 1 for oid in chosen}
            if c.write_in_elements and WRITE_IN_OPTION in chosen:
                written[c.contest_id] = rng.choice(names)
        plans[device_ids[i % devices]].append(Vote(i, f"ballot-{i + 1:06d}", selections, written, i in challenge_at))
    # each device votes in turn (its chain is sequential), devices in parallel on their hosts
    futures = [hosts.vote(context, d, plans[d], vote_on_device) for d in device_ids]
    outcomes = []
    for k, future in enumerate(futures):
        outcomes.append(future.result())
        progress("voting", sum(len(plans[d]) for d in device_ids[:k + 1]), total)
    sim = SimulatedElection(context, outcome, setup, servers)
    sim.expected = expected
    sim.chain_order = {d: [v.ballot_id for v in plans[d]] for d in device_ids}
    by_index: dict[int, tuple[Vote, EncryptedBallot | ChallengedBallot]] = {}
    for dv, d in zip(outcomes, device_ids, strict=True):
        for vote, entry in zip(plans[d], dv.entries, strict=True):
            by_index[vote.index] = (vote, entry)
    for i in range(total):
        vote, entry = by_index[i]
        if isinstance(entry, ChallengedBallot):
            sim.challenged.append(entry)
            continue
        sim.cast.append(entry)
        sim.choices[vote.ballot_id] = vote.selections
        if vote.written:
            sim.write_ins[vote.ballot_id] = vote.written
        for cid, opts in vote.selections.items():
            for oid, v in opts.items():
                sim.expected[(cid, oid)] += v
    sim.closings = [dv.closing for dv in outcomes]
    sim.tally = tally_ballots(group, manifest, sim.cast)
    present = list(outcome.trustees)
    absent_ids = [t.trustee_id for t in rng.sample(present, absent)] if absent else []
    sim.absent = tuple(sorted(absent_ids))
    for i, trustee in enumerate(t for t in present if t.trustee_id not in absent_ids):
        sim.tally_shares.append(trustee_decrypt(context, trustee, sim.tally, sim.cast))
        progress("decryption", i + 1, trustees - absent)
    sim.result = decrypt_tally(context, sim.tally, sim.tally_shares, sim.verification_keys)
    return sim


# ---- the mix-net (docs/record-format.md §5.15) ------------------------------------------------



@dataclass(frozen=True)
class SimulatedMix:
    """The public messages of a simulated mix-net run and its decoded result."""

    servers: tuple[MixServer, ...]
    stages: tuple[MixStage, ...]
    shares: tuple[MixDecryptionShare, ...]
    """The present trustees' decryption shares of the final list."""
    ballots: tuple[MixedBallot, ...]
    """The decoded final list, in output order (unlinkable to the cast order)."""

    def counts(self, manifest: Manifest) -> dict[tuple[str, str], int]:
        """Votes per (contest id, option id), counted from the mixed ballots."""
        return count_mixed(manifest, self.ballots)[0]

    def write_in_counts(self, manifest: Manifest) -> dict[str, dict[str, int]]:
        """Per contest with write-ins: how often each name was written."""
        return count_mixed(manifest, self.ballots)[1]


def cast_ids_in_record_order(sim: SimulatedElection) -> list[str]:
    """The cast ballots' ids in the order a verifier reads them: devices in record order
    (device_order), each in chain order (docs/record-format.md §2)."""
    cast = {b.ballot_id for b in sim.cast}
    return [bid for did in device_order(sim.chain_order) for bid in sim.chain_order[did] if bid in cast]


def simulate_mixing(sim: SimulatedElection, *, mix_servers: int | None = None,
                    progress: Progress = _no_progress) -> SimulatedMix:
    """Mix the cast ballots of a simulated election through its first ``mix_servers``
    registered servers (all of them when None), decrypt the final list with the present
    trustees and decode it.

    The first input is :func:`~pilwu_crypto.election.mixballot.cast_mix_input` of the cast
    ballots in record order (what the verifier recomputes), so the mixed counts must equal
    the homomorphic tally."""
    count = len(sim.mix_servers) if mix_servers is None else mix_servers
    if not 1 <= count <= len(sim.mix_servers):
        raise InvalidParameters(f"a mix-net of {count} servers, but the setup registered {len(sim.mix_servers)}")
    ctx = sim.context
    by_id = {b.ballot_id: b for b in sim.cast}
    current = cast_mix_input(ctx, [by_id[bid] for bid in cast_ids_in_record_order(sim)])
    generators = mix_generators(ctx, len(current))
    servers = sim.mix_servers[:count]
    stages: list[MixStage] = []
    for k, server in enumerate(servers):
        progress("mixing", k, count)
        stage = run_stage(ctx, server, k + 1, generators, current)
        stages.append(stage)
        current = list(stage.outputs)
    progress("mixing", count, count)
    present = [t for t in sim.ceremony.trustees if t.trustee_id not in sim.absent]
    shares = tuple(decrypt_final_list(ctx, t, current) for t in present)
    ballots = tuple(verify_and_decode_ballots(ctx, current, shares, sim.verification_keys))
    return SimulatedMix(servers, tuple(stages), shares, ballots)
