"""``pilwu trustee …``: the key ceremony and the tally decryption, one laptop per trustee.

The trustees of a kuwu election sit at separate laptops and exchange the ceremony
messages as files in a *ceremony directory* (a USB stick carried between laptops is a
realistic transport; docs/trustee-guide.md walks through a whole election).  Steps:

=========  ==========================  =================================================
who        command                     what it does
=========  ==========================  =================================================
authority  ``setup``                   parameters.json, manifest.json, ceremony.json (H_B)
trustee    ``init``                    keys; sealed state (0600); round1/<id>.json
trustee    ``reveal``                  checks the n digests; round2/<id>.json
trustee    ``shares``                  checks the n reveals; round3/<id>-to-<other>.json
trustee    ``finish``                  checks its shares: finished/<id>.json, or a
                                       complaint complaints/<id>-against-<other>.json
authority  ``context``                 checks everything; context.json (K, K_l, H_E)
anyone     ``status``                  which messages are there, which are missing
trustee    ``decrypt``                 recomputes the tally from a record (A11), checks
                                       the record, writes its tally shares
authority  ``combine``                 checks the shares, adds them and the result to
                                       the record, rewrites its index
trustee    ``mix-decrypt``             verifies the record's mix chain and the record,
                                       writes its shares of the mixed (final) list
authority  ``mix-combine``             checks those shares, decodes the mixed list, adds
                                       shares and result to the record (cli/mixdecrypt.py)
=========  ==========================  =================================================

Exit codes as for every ``pilwu`` command: 0 done; 1 refused or not valid (a message
that does not check out, a wrong passphrase, messages still missing, a bad share, a
record whose tally is not the product of its ballots); 2 misuse (bad arguments, a step
run out of order, a state file that exists, a directory or record that cannot be read at
all).  Every error is one line on stderr; no secret is ever printed.

A passphrase comes from ``--passphrase-file PATH`` (its first line), else from the
environment variable PILWU_PASSPHRASE, else from an interactive prompt (asked twice for a
new state) — never from a command-line argument.  PILWU_SCRYPT_LOG2N sets the scrypt
cost of a new seal (10..20); values below 15 are for tests and are refused unless the
ceremony's group is a test-only one.
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from pilwu_crypto.algebra.group import Element, Group
from pilwu_crypto.algebra.groups import DEFAULT_GROUP, get_group, group_names
from pilwu_crypto.cli import render
from pilwu_crypto.cli.steps import EXIT_OK, Misuse, Refused, hex_prefix, say, step_command
from pilwu_crypto.election.context import ElectionContext, base_hash, ceremony_shares_hash, election_hash
from pilwu_crypto.election.decryption import decrypt_recomputed_tally, decrypt_tally
from pilwu_crypto.election.manifest import Manifest
from pilwu_crypto.election.setup import ElectionSetup, key_fingerprint
from pilwu_crypto.election.simulation import kuwu_manifest
from pilwu_crypto.elgamal import PublicKey
from pilwu_crypto.errors import InvalidParameters, PilwuError, SealedStateError
from pilwu_crypto.record.codec import PublishedContext
from pilwu_crypto.record.io import RecordReader, reopen_record
from pilwu_crypto.record.layout import RESULT_PATH
from pilwu_crypto.record.messages import (
    CONTEXT_FILE,
    Acknowledgement,
    CeremonySetup,
    acknowledgement_file,
    check_trustee_ids,
    complaint_file,
    digest_file,
    is_exposed,
    manifest_from_file,
    read_acknowledgements,
    read_all_shares,
    read_complaints,
    read_context,
    read_digests,
    read_private_file,
    read_reveals,
    read_setup,
    read_share,
    read_shares_to,
    read_tally_share_file,
    sealed_scrypt_log2_n,
    setup_from_file,
    share_file,
    write_acknowledgement,
    write_complaint,
    write_context,
    write_digest,
    write_private_file,
    write_reveal,
    write_setup,
    write_share,
    write_tally_share_file,
)
from pilwu_crypto.threshold.dkg import (
    Ceremony,
    CommitmentReveal,
    KeyedTrustee,
    TrusteeRound1,
    TrusteeRound2,
    TrusteeRound3,
    TrusteeState,
    check_reveals,
    import_secret_state,
    joint_key,
    verification_keys,
    verify_complaint,
)
from pilwu_crypto.threshold.sealing import DEFAULT_SCRYPT_LOG2_N, MAX_SCRYPT_LOG2_N, MIN_SCRYPT_LOG2_N, seal, unseal
from pilwu_crypto.verify.checks import UP_TO_TALLY, Snapshot, verify_snapshot

ENV_PASSPHRASE = "PILWU_PASSPHRASE"
"""Environment variable holding the passphrase (for scripts and tests)."""
ENV_SCRYPT_LOG2N = "PILWU_SCRYPT_LOG2N"
"""Environment variable setting log2 of the scrypt cost N of new seals (10..20)."""
MIN_PRODUCTION_SCRYPT_LOG2_N = 15
"""Smallest scrypt cost accepted for a ceremony on a real (not test-only) group."""
MIN_NEW_PASSPHRASE_LENGTH = 8
"""Shortest passphrase accepted when a state is sealed for the first time (characters)."""
FINGERPRINT_HEX_DIGITS = 20
"""Hex digits of SHA-256 shown as a key's fingerprint (80 bits, in groups of four)."""

STAGES = {1: "keys generated, round-1 digest published", 2: "reveal published",
          3: "shares sent", 4: "keyed: the ceremony is finished"}
NEXT_STEP = {1: "reveal", 2: "shares", 3: "finish", 4: "decrypt (after voting)"}
# Verifier checks a trustee does not require before decrypting (they need the shares it is about to make):
# the tally's and the mixed list's, so that the two decryptions can be done in either order.
POST_DECRYPTION_CHECKS = frozenset({"decryption", "result", "mix-decryption", "mix-result"})

_S = TypeVar("_S", TrusteeRound1, TrusteeRound2, TrusteeRound3, KeyedTrustee)
_P = TypeVar("_P", bound=argparse.ArgumentParser)






# ====================================================================== output ======


def _warn(text: str) -> None:
    render.err.print(f"pilwu: warning: {text}")




def fingerprint(element: Element) -> str:
    """A public key's fingerprint for people to compare aloud: the first 20 hex digits of
    SHA-256 of its fixed-width encoding, in groups of four (``1a2b 3c4d 5e6f 7a8b 9c0d``)."""
    h = hashlib.sha256(element.to_bytes()).hexdigest()[:FINGERPRINT_HEX_DIGITS]
    return " ".join(h[i:i + 4] for i in range(0, FINGERPRINT_HEX_DIGITS, 4))


def _command(step: str, func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    return step_command("trustee", step, func)


# ====================================================================== policy ======
def allow_group(group: Group, args: argparse.Namespace) -> None:
    if group.is_test_only and not args.insecure_test_group:
        raise Misuse(f"group {group.name} is for tests only; add --insecure-test-group to use it anyway")


def _scrypt_cost(group: Group, existing: bytes | None) -> int:
    """log2 N for a new seal: PILWU_SCRYPT_LOG2N if set (checked), else the cost of the
    state being replaced, else the default (2^17)."""
    raw = os.environ.get(ENV_SCRYPT_LOG2N, "").strip()
    if not raw:
        cost = sealed_scrypt_log2_n(existing) if existing is not None else None
        return cost if cost is not None else DEFAULT_SCRYPT_LOG2_N
    if not (raw.isascii() and raw.isdigit()) or not MIN_SCRYPT_LOG2_N <= int(raw) <= MAX_SCRYPT_LOG2_N:
        raise Misuse(f"{ENV_SCRYPT_LOG2N} must be an integer from {MIN_SCRYPT_LOG2_N} to {MAX_SCRYPT_LOG2_N}")
    cost = int(raw)
    if cost < MIN_PRODUCTION_SCRYPT_LOG2_N and not group.is_test_only:
        raise Misuse(f"{ENV_SCRYPT_LOG2N}={cost} is below {MIN_PRODUCTION_SCRYPT_LOG2_N}: such a weak seal is "
                     f"for tests on a test-only group, not for group {group.name}")
    return cost


def read_passphrase(args: argparse.Namespace, state_path: Path, *, new: bool) -> str:
    """The passphrase: --passphrase-file, else PILWU_PASSPHRASE, else a prompt (twice if new)."""
    if args.passphrase_file:
        path = Path(args.passphrase_file)
        try:
            with open(path, "rb") as f:
                raw = f.read(4097)
        except OSError as exc:
            raise Misuse(f"--passphrase-file {path}: cannot be read ({exc.strerror or 'error'})") from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Misuse(f"--passphrase-file {path}: not UTF-8 text") from None
        passphrase = text.split("\n", 1)[0].removesuffix("\r")
        source = f"--passphrase-file {path}"
    elif ENV_PASSPHRASE in os.environ:
        passphrase = os.environ[ENV_PASSPHRASE]
        source = ENV_PASSPHRASE
    else:
        if not sys.stdin.isatty():
            raise Misuse(f"no passphrase: give --passphrase-file PATH or set {ENV_PASSPHRASE} "
                         "(there is no terminal to ask on)")
        try:
            passphrase = getpass.getpass(f"Passphrase for {state_path}: ")
            if new and getpass.getpass("Repeat the passphrase: ") != passphrase:
                raise Misuse("the two passphrases differ")
        except EOFError:
            raise Misuse("no passphrase was entered") from None
        source = "the passphrase entered"
    if not passphrase:
        raise Misuse(f"{source}: the passphrase is empty")
    if new and len(passphrase) < MIN_NEW_PASSPHRASE_LENGTH:
        raise Misuse(f"{source}: a new passphrase needs at least {MIN_NEW_PASSPHRASE_LENGTH} characters")
    return passphrase


# ====================================================================== state =======
class _Unsealed:
    """A trustee's state as loaded: the object, the passphrase and the seal's cost."""

    def __init__(self, path: Path, state: TrusteeState, passphrase: str, cost: int) -> None:
        self.path = path
        self.state = state
        self._passphrase = passphrase
        self.cost = cost

    def __repr__(self) -> str:
        return f"_Unsealed({self.path}, {self.state!r}, passphrase=<redacted>)"

    def save(self, state: TrusteeState) -> None:
        """Seal ``state`` under the same passphrase and replace the file (mode 0600)."""
        blob = seal(state.export_secret_state(), self._passphrase, scrypt_log2_n=self.cost)
        write_private_file(self.path, blob, overwrite=True)
        self.state = state


def _load_state(args: argparse.Namespace, group: Group) -> _Unsealed:
    path = Path(args.state)
    if not path.is_file():
        raise Misuse(f"{path}: no such state file (a trustee starts with: pilwu trustee init)")
    blob = read_private_file(path)
    if is_exposed(path):
        _warn(f"{path} may be read by other users of this computer; run: chmod 600 {path}")
    cost = _scrypt_cost(group, blob)
    passphrase = read_passphrase(args, path, new=False)
    try:
        state = import_secret_state(group, unseal(blob, passphrase))
    except SealedStateError as exc:
        raise Refused(f"{path}: {exc}") from None
    return _Unsealed(path, state, passphrase, cost)


def _expect(loaded: _Unsealed, cls: type[_S], step: str) -> _S:
    """The state if it is at the stage ``step`` needs, else Misuse saying what to run."""
    state = loaded.state
    if isinstance(state, cls):
        return state
    if state.stage < cls.stage:
        raise Misuse(f"{loaded.path} is at stage {state.stage} ({STAGES[state.stage]}); "
                     f"run 'pilwu trustee {NEXT_STEP[state.stage]}' before '{step}'")
    raise Misuse(f"{loaded.path} is already past '{step}' (stage {state.stage}: {STAGES[state.stage]}); "
                 f"the next step is '{NEXT_STEP[state.stage]}'")


def _same_ceremony(loaded: _Unsealed, ceremony: Ceremony, where: str) -> None:
    mine = loaded.state.ceremony
    if (mine.base_hash, mine.trustee_ids, mine.threshold) != (ceremony.base_hash, ceremony.trustee_ids,
                                                              ceremony.threshold):
        raise Refused(f"{loaded.path} belongs to another ceremony: its H_B is {mine.base_hash.hex()[:16]}..., "
                      f"{where} has H_B {ceremony.base_hash.hex()[:16]}...")


def _setup(args: argparse.Namespace) -> tuple[Path, CeremonySetup]:
    root = Path(args.ceremony)
    setup = read_setup(root)
    allow_group(setup.group, args)
    return root, setup


def _waiting(what: str, missing: tuple[str, ...], where: str) -> Refused:
    return Refused(f"waiting for {what} from {', '.join(missing)} (expected in {where}); "
                   "copy them into the ceremony directory and run this step again")


# ====================================================================== setup =======
def _split_list(value: str, what: str) -> list[str]:
    items = [s.strip() for s in value.split(",")]
    if not value.strip() or any(not s for s in items):
        raise Misuse(f"{what}: expected a comma-separated list without empty items")
    return items


DEFAULT_REGENCY = "Cirebon"
"""The regency of a --kuwu manifest unless --regency names another (E-Pilwu is Cirebon's)."""
PLACE_OPTIONS = ("--village", "--district", "--date", "--registered-voters")
"""What a --kuwu manifest must be given (docs/record-format.md §5.3); --regency defaults to Cirebon."""


def _manifest(args: argparse.Namespace) -> Manifest:
    if bool(args.manifest) == bool(args.kuwu):
        raise Misuse("give either --manifest FILE or --kuwu \"Name A,Name B,...\" with --election-id")
    given = {o: getattr(args, o[2:].replace("-", "_")) for o in (*PLACE_OPTIONS, "--regency")}
    if args.manifest:
        extra = [o for o, v in given.items() if v is not None]
        if extra:
            raise Misuse(f"{', '.join(extra)}: only with --kuwu (a --manifest file holds the village, district, "
                         "regency, date and registered_voters itself)")
        path = Path(args.manifest)
        if not path.is_file():
            raise Misuse(f"--manifest {path}: no such file")
        return manifest_from_file(path)
    if not args.election_id:
        raise Misuse("--kuwu needs --election-id ID")
    missing = [o for o in PLACE_OPTIONS if given[o] is None]
    if missing:
        raise Misuse(f"--kuwu needs {', '.join(missing)}: the manifest names the village, its district "
                     "(kecamatan), the polling day (YYYY-MM-DD) and the number of voters on the register")
    try:
        return kuwu_manifest(_split_list(args.kuwu, "--kuwu"), args.election_id, args.election_name,
                             village=args.village, district=args.district,
                             regency=DEFAULT_REGENCY if args.regency is None else args.regency,
                             date=args.date, registered_voters=args.registered_voters)
    except PilwuError as exc:
        raise Misuse(f"--kuwu: {exc}") from None


def cmd_setup(args: argparse.Namespace) -> int:
    """Authority: write parameters.json, manifest.json and ceremony.json (with H_B)."""
    try:
        group = get_group(args.group, allow_test=True)
    except InvalidParameters as exc:
        raise Misuse(str(exc)) from None
    allow_group(group, args)
    manifest = _manifest(args)
    election_setup = _election_setup(args)
    ids = _split_list(args.trustees, "--trustees")
    try:
        check_trustee_ids(ids)
        hb = base_hash(group, manifest, ids, args.threshold, election_setup.hash())
        ceremony = Ceremony(group, hb, tuple(ids), args.threshold)
    except PilwuError as exc:
        raise Misuse(f"--trustees/--threshold: {exc}") from None
    out = Path(args.out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise Misuse(f"{out} exists and is not an empty directory; choose a new ceremony directory")
    write_setup(out, CeremonySetup(group, manifest, ceremony, election_setup))
    say(f"Ceremony directory {out} for election {manifest.election_id} ({manifest.name}), group {group.name}")
    _print_manifest(manifest)
    _print_setup(election_setup)
    say(f"trustees: {', '.join(f'{t} (#{i})' for i, t in enumerate(ids, start=1))}; "
         f"threshold {args.threshold} of {len(ids)}")
    say(f"H_B = {ceremony.base_hash.hex()}")
    say("Announce H_B to the trustees. Each trustee then runs, on their own laptop:")
    say(f"  pilwu trustee init {out} --id ID --state ID.state")
    return EXIT_OK


def _election_setup(args: argparse.Namespace) -> ElectionSetup:
    path = Path(args.setup)
    if not path.is_file():
        raise Misuse(f"--setup {path}: no such file")
    return setup_from_file(path)


def _print_setup(setup: ElectionSetup) -> None:
    """Every key the verifier will trust, as fingerprints to compare out of band
    (docs/trustee-guide.md §2)."""
    say(f"voting devices ({len(setup.devices)}), key fingerprints:")
    for r in setup.devices:
        say(f"  {r.device_id}: {key_fingerprint(r.public_key)}")
    say(f"mix servers ({len(setup.mix_servers)})" + (", key fingerprints:" if setup.mix_servers else ""))
    for m in setup.mix_servers:
        say(f"  {m.server_id}: {key_fingerprint(m.public_key)}")


def _print_manifest(manifest: Manifest) -> None:
    if manifest.village is not None:
        say(f"village {manifest.village}, district {manifest.district}, regency {manifest.regency}; "
            f"polling day {manifest.date}; {manifest.registered_voters} registered voters")
    for contest in manifest.contests:
        say(f"contest {contest.contest_id} ({contest.name}): vote for up to {contest.selection_limit}, "
             f"at most {contest.option_limit} per option")
        for option in contest.options:
            say(f"  {option.option_id}: {option.name}")


# ====================================================================== ceremony ====
def cmd_init(args: argparse.Namespace) -> int:
    """Trustee: generate keys, seal the state (0600), publish the round-1 digest."""
    root, setup = _setup(args)
    ceremony = setup.ceremony
    tid = args.id
    if tid not in ceremony.trustee_ids:
        raise Misuse(f"--id {tid} is not a trustee of this ceremony (trustees: {', '.join(ceremony.trustee_ids)})")
    state_path = Path(args.state)
    if (state_path.exists() or state_path.is_symlink()) and not args.force:
        raise Misuse(f"{state_path} exists; it may hold keys already in use. Use another path, or --force to "
                     "replace it (only before the ceremony went past round 1)")
    if (root / digest_file(tid)).exists() and not args.force:
        raise Misuse(f"{digest_file(tid)} already exists: trustee {tid} already ran init (use --force to start "
                     "again with new keys)")
    if read_context(root, setup) is not None:
        raise Refused(f"{CONTEXT_FILE} exists: this ceremony is finished")
    cost = _scrypt_cost(setup.group, None)
    passphrase = read_passphrase(args, state_path, new=True)
    trustee = TrusteeRound1.generate(ceremony, tid)
    blob = seal(trustee.export_secret_state(), passphrase, scrypt_log2_n=cost)
    write_private_file(state_path, blob, overwrite=args.force)
    rel = write_digest(root, trustee.digest_message())
    say(f"trustee {tid} (#{trustee.index}) of election {setup.manifest.election_id}, group {setup.group.name}, "
         f"threshold {ceremony.threshold} of {ceremony.n}")
    _print_manifest(setup.manifest)
    _print_setup(setup.setup)
    say("Compare every device and mix-server fingerprint with its operator: only these keys will be trusted.")
    say(f"H_B = {ceremony.base_hash.hex()}  (compare it with the one the election authority announced)")
    say(f"secret state sealed in {state_path} (mode 0600, scrypt N = 2^{cost}); keep it and its passphrase safe")
    say(f"published {root / rel}")
    say(f"Next, once every trustee's round1/<id>.json is in {root}: pilwu trustee reveal {root} --state {state_path}")
    return EXIT_OK


def cmd_reveal(args: argparse.Namespace) -> int:
    """Trustee: check the n round-1 digests, publish the round-2 reveal."""
    root, setup = _setup(args)
    loaded = _load_state(args, setup.group)
    _same_ceremony(loaded, setup.ceremony, str(root))
    r1 = _expect(loaded, TrusteeRound1, "reveal")
    digests = read_digests(root, setup)
    if digests.missing:
        raise _waiting("round-1 digests", digests.missing, f"{root}/round1/<id>.json")
    r2 = r1.receive_digests(digests.found.values())
    rel = write_reveal(root, r2.reveal_message())
    loaded.save(r2)
    say(f"trustee {r2.trustee_id}: all {setup.ceremony.n} round-1 digests received; published {root / rel}")
    say(f"Next, once every trustee's round2/<id>.json is in {root}: pilwu trustee shares {root} --state {loaded.path}")
    return EXIT_OK


def cmd_shares(args: argparse.Namespace) -> int:
    """Trustee: check the n reveals against their digests, publish encrypted shares."""
    root, setup = _setup(args)
    loaded = _load_state(args, setup.group)
    _same_ceremony(loaded, setup.ceremony, str(root))
    r2 = _expect(loaded, TrusteeRound2, "shares")
    reveals = read_reveals(root, setup)
    if reveals.missing:
        raise _waiting("round-2 reveals", reveals.missing, f"{root}/round2/<id>.json")
    r3 = r2.receive_reveals(reveals.found.values())
    written = [write_share(root, s) for s in r3.encrypted_shares()]
    loaded.save(r3)
    say(f"trustee {r3.trustee_id}: all {setup.ceremony.n} reveals and their proofs check out; "
         f"published {len(written)} encrypted share(s): {', '.join(written)}")
    say(f"Next, once the shares of every other trustee to you are in {root}: "
         f"pilwu trustee finish {root} --state {loaded.path}")
    return EXIT_OK


def cmd_finish(args: argparse.Namespace) -> int:
    """Trustee: check the incoming shares; complain about bad ones, or store the keys."""
    root, setup = _setup(args)
    ceremony = setup.ceremony
    loaded = _load_state(args, setup.group)
    _same_ceremony(loaded, ceremony, str(root))
    if isinstance(loaded.state, KeyedTrustee):
        keyed = loaded.state
        say(f"trustee {keyed.trustee_id}: already finished (acknowledgement written again)")
    else:
        r3 = _expect(loaded, TrusteeRound3, "finish")
        incoming = read_shares_to(root, setup, r3.trustee_id)
        if incoming.missing:
            raise _waiting("round-3 shares", incoming.missing, f"{root}/round3/<sender>-to-{r3.trustee_id}.json")
        shares = list(incoming.found.values())
        complaints = r3.check_shares(shares)
        if complaints:
            reasons = []
            for complaint in complaints:
                rel = write_complaint(root, complaint)
                verdict = verify_complaint(ceremony, complaint, incoming.found[complaint.accused_id], r3.reveals)
                reasons.append(f"bad share from trustee {complaint.accused_id}: {verdict.reason}; complaint "
                               f"written to {rel}")
            raise Refused("; ".join(reasons) + "; the ceremony cannot complete and must be held again")
        keyed = r3.finish(shares)
        loaded.save(keyed)
    rel = write_acknowledgement(root, Acknowledgement(keyed.trustee_id, keyed.index, ceremony.base_hash,
                                                      keyed.joint_key, keyed.verification_key))
    say(f"trustee {keyed.trustee_id} (#{keyed.index}): every share received checks out; the key share is "
         f"sealed in {loaded.path}; published {root / rel}")
    say(f"verification key K_{keyed.index} fingerprint: {fingerprint(keyed.verification_key)}")
    say(f"joint election key K fingerprint:  {fingerprint(keyed.joint_key)}")
    say("Compare the joint key fingerprint with the other trustees and with the election authority.")
    return EXIT_OK


def cmd_context(args: argparse.Namespace) -> int:
    """Authority: verify every published message and write context.json."""
    root, setup = _setup(args)
    ceremony = setup.ceremony
    group = setup.group
    digests = read_digests(root, setup)
    if digests.missing:
        raise _waiting("round-1 digests", digests.missing, f"{root}/round1/")
    reveals = read_reveals(root, setup)
    if reveals.missing:
        raise _waiting("round-2 reveals", reveals.missing, f"{root}/round2/")
    checked = check_reveals(ceremony, digests.found.values(), reveals.found.values())
    _judge_complaints(root, setup, checked)
    shares = read_all_shares(root, setup)
    if shares.missing:
        raise _waiting("round-3 shares", shares.missing, f"{root}/round3/")
    acks = read_acknowledgements(root, setup)
    if acks.missing:
        raise _waiting("the acknowledgement of 'pilwu trustee finish'", acks.missing, f"{root}/finished/")
    commitments = [r.commitments for r in checked]
    k = joint_key(group, commitments)
    vkeys = verification_keys(group, commitments)
    for tid, ack in acks.found.items():
        index = ceremony.index_of(tid)
        if (ack.trustee_index != index or ack.base_hash != ceremony.base_hash or ack.joint_key != k
                or ack.verification_key != vkeys[index]):
            raise Refused(f"{acknowledgement_file(tid)}: trustee {tid} derived other keys than the published "
                          "commitments give; the ceremony cannot complete")
    h_e = election_hash(ceremony.base_hash, k, commitments, ceremony_shares_hash(ceremony, shares.found.values()))
    rel = write_context(root, PublishedContext(ceremony.base_hash, h_e, k, vkeys))
    say(f"ceremony of election {setup.manifest.election_id}: {ceremony.n} trustees, threshold {ceremony.threshold}; "
         "every digest, reveal, proof and acknowledgement checks out; no complaint")
    say(f"H_B = {ceremony.base_hash.hex()}")
    say(f"H_E = {h_e.hex()}")
    say(f"joint election key K fingerprint: {fingerprint(k)}")
    for i, tid in enumerate(ceremony.trustee_ids, start=1):
        say(f"  K_{i} ({tid}): {fingerprint(vkeys[i])}")
    say(f"wrote {root / rel}: the election can start (docs/trustee-guide.md, section 5)")
    return EXIT_OK


def _judge_complaints(root: Path, setup: CeremonySetup, reveals: tuple[CommitmentReveal, ...]) -> None:
    complaints = read_complaints(root, setup)
    if not complaints:
        return
    verdicts = []
    for c in complaints:
        share = read_share(root, setup, c.accused_id, c.complainer_id)
        if share is None:
            verdicts.append(f"{complaint_file(c.complainer_id, c.accused_id)} quotes a share that is not in "
                            f"{share_file(c.accused_id, c.complainer_id)}")
            continue
        try:
            v = verify_complaint(setup.ceremony, c, share, reveals)
        except PilwuError as exc:
            verdicts.append(str(exc))
            continue
        verdicts.append(f"trustee {v.faulty_id} is at fault ({v.reason})")
    raise Refused(f"the ceremony failed, {len(complaints)} complaint(s): {'; '.join(verdicts)}; hold it again "
                  "in a new ceremony directory")


def cmd_status(args: argparse.Namespace) -> int:
    """Anyone: which ceremony messages are in the directory, which are missing."""
    root = Path(args.ceremony)
    setup = read_setup(root)
    ceremony = setup.ceremony
    say(f"ceremony {root}: election {setup.manifest.election_id}, group {setup.group.name}, "
         f"{ceremony.n} trustees, threshold {ceremony.threshold}")
    say(f"H_B = {ceremony.base_hash.hex()}")
    round1 = set(read_digests(root, setup).found)
    round2 = set(read_reveals(root, setup).found)
    finished = set(read_acknowledgements(root, setup).found)
    shares = read_all_shares(root, setup).found
    complaints = read_complaints(root, setup)
    say(f"{'trustee':<20} {'round1':<7} {'round2':<7} {'round3':<9} finished")
    for tid in ceremony.trustee_ids:
        sent = sum(1 for other in ceremony.trustee_ids if other != tid and f"{tid}/{other}" in shares)
        marks = ["yes" if tid in done else "-" for done in (round1, round2, finished)]
        say(f"{tid:<20} {marks[0]:<7} {marks[1]:<7} {f'{sent}/{ceremony.n - 1}':<9} {marks[2]}")
    for c in complaints:
        say(f"complaint by {c.complainer_id} against {c.accused_id}: the ceremony cannot complete")
    context = read_context(root, setup)
    say(f"{CONTEXT_FILE}: " + ("written, the election can start" if context is not None else "not yet"))
    return EXIT_OK


# ====================================================================== tally =======
def record_context(reader: RecordReader) -> tuple[Ceremony, ElectionContext, dict[int, Element],
                                                    tuple[tuple[Element, ...], ...]]:
    """The record's ceremony and election context, recomputed from its ceremony messages
    and compared with its context.json (Refused if they differ)."""
    group = reader.group
    published_ceremony = reader.ceremony()
    ceremony = published_ceremony.ceremony
    manifest = reader.manifest()
    election_setup = reader.setup()
    assert election_setup is not None  # trustees read format-2 records only (RecordReader's default)
    if base_hash(group, manifest, ceremony.trustee_ids, ceremony.threshold, election_setup.hash()) \
            != ceremony.base_hash:
        raise Refused("the record's ceremony/ceremony.json: H_B is not H(parameters, manifest, trustees, threshold, "
                      "setup)")
    checked = check_reveals(ceremony, published_ceremony.digests, published_ceremony.reveals)
    if published_ceremony.complaints:
        raise Refused("the record's key ceremony has complaints: it did not complete")
    commitments = tuple(r.commitments for r in checked)
    k = joint_key(group, commitments)
    vkeys = verification_keys(group, commitments)
    h_e = election_hash(ceremony.base_hash, k, commitments,
                        ceremony_shares_hash(ceremony, published_ceremony.shares))
    published = reader.context()
    if (published.base_hash, published.election_hash, published.joint_key, published.verification_keys) \
            != (ceremony.base_hash, h_e, k, vkeys):
        raise Refused("the record's context.json is not the context its ceremony messages give "
                      "(H_B, H_E, K or a K_l differs)")
    context = ElectionContext(group, manifest, ceremony.trustee_ids, ceremony.threshold, PublicKey(k),
                              ceremony.base_hash, h_e)
    return ceremony, context, vkeys, commitments


def checked_out_path(args: argparse.Namespace) -> Path:
    """``--out`` of a trustee's decryption step: Misuse if it exists without ``--force``
    or if its directory does not exist (checked before any passphrase is asked)."""
    out = Path(args.out)
    if (out.exists() or out.is_symlink()) and not args.force:
        raise Misuse(f"{out} exists; use --force to overwrite it")
    if not (out.parent if str(out.parent) else Path(".")).is_dir():
        raise Misuse(f"{out}: the directory {out.parent} does not exist")
    return out


def keyed_for_record(args: argparse.Namespace, reader: RecordReader, root: Path,
                     step: str) -> tuple[KeyedTrustee, ElectionContext, dict[int, Element]]:
    """The keyed trustee of ``--state`` and the record's context, once it is certain they
    belong together: the state is past the ceremony (Misuse otherwise), the record's
    context is the one its ceremony messages give, and its ceremony is the one this
    trustee took part in, with the same commitments (Refused otherwise)."""
    loaded = _load_state(args, reader.group)
    keyed = _expect(loaded, KeyedTrustee, step)
    ceremony, context, vkeys, commitments = record_context(reader)
    _same_ceremony(loaded, ceremony, f"the record {root}")
    if commitments != keyed.commitments:
        raise Refused(f"the record's ceremony messages are not those trustee {keyed.trustee_id} accepted "
                      "(its commitments differ)")
    return keyed, context, vkeys


def require_verified(reader: RecordReader, args: argparse.Namespace, refusal: str, scope: str,
                     required: Sequence[str], *, mixnet: bool = False) -> Snapshot:
    """Verify the record through ``reader`` — the one read of it this command acts on —
    (progress bars unless --quiet) and refuse, with ``refusal: the record does not verify
    <scope>: check n (name): reason``, at the first of the ``required`` checks that did not
    pass.  Returns the snapshot whose verified values the command then uses."""
    with render.progress_bars(not args.quiet) as progress:
        snap = verify_snapshot(reader, progress=progress, allow_test_group=args.insecure_test_group, mixnet=mixnet)
    failure = snap.first_failure(required)
    if failure:
        raise Refused(f"{refusal}: the record does not verify {scope}: {failure}")
    return snap


def ballot_box_option(p: argparse.ArgumentParser) -> None:
    """--fingerprint: the ballot box a trustee agrees to decrypt."""
    p.add_argument("--fingerprint", required=True, metavar="HEX",
                   help="the ballot-box fingerprint the election authority announced at the close of polls "
                        "(pilwu verify prints it; at least 16 hex digits, groups allowed): nothing is decrypted "
                        "unless the record's ballot box is that one")


def check_ballot_box(snap: Snapshot, expected: str, refusal: str) -> None:
    """Refuse unless the verified ballot box of ``snap`` starts with the ``expected`` digits
    (record-format.md §5.10): checked before any share is computed."""
    actual = snap.ballot_box.hex() if snap.ballot_box is not None else ""
    if not actual.startswith(expected):
        raise Refused(f"{refusal}: the record's ballot box is {_grouped(actual) or 'unknown'}, not the announced "
                      f"{_grouped(expected)}")


def _grouped(digits: str) -> str:
    return " ".join(digits[i:i + 4] for i in range(0, len(digits), 4))


def cmd_decrypt(args: argparse.Namespace) -> int:
    """Trustee: recompute the tally from the record's cast ballots (A11), check the
    record up to its tally, and write this trustee's tally shares."""
    root = Path(args.record)
    reader = RecordReader(root)
    allow_group(reader.group, args)
    out = checked_out_path(args)
    box = hex_prefix(args.fingerprint, "--fingerprint")
    keyed, _, _ = keyed_for_record(args, reader, root, "decrypt")
    refusal = f"trustee {keyed.trustee_id} refuses to decrypt"
    snap = require_verified(reader, args, refusal, "up to its tally", UP_TO_TALLY)
    check_ballot_box(snap, box, refusal)
    assert snap.context is not None and snap.tally is not None  # set by a pass in which checks 1-9 passed
    tally = snap.tally  # the product of the cast ballots recomputed in that pass (A11)
    share = decrypt_recomputed_tally(snap.context, keyed, tally)
    write_tally_share_file(out, share, overwrite=args.force)
    say(f"trustee {keyed.trustee_id} (#{keyed.index}): the tally of {tally.ballot_count} cast ballots was "
         f"recomputed from the record and matches; the record verifies up to its tally")
    say(f"record {root}, fingerprint {reader.fingerprint}, ballot box {_grouped(snap.ballot_box_hex())}")
    say(f"wrote {len(share.partials)} partial decryptions with proofs to {out}; give this file to the "
         "election authority")
    return EXIT_OK


def cmd_combine(args: argparse.Namespace) -> int:
    """Authority: check the trustees' tally shares, decrypt the tally, add the shares and
    the result to the record and rewrite its index."""
    root = Path(args.record)
    reader = RecordReader(root)
    allow_group(reader.group, args)
    if reader.tally_share_files() or RESULT_PATH in reader.index_paths():
        raise Refused(f"the record {root} already has tally shares or a result")
    ceremony, context, vkeys, _ = record_context(reader)
    shares = [read_tally_share_file(Path(p), reader.group) for p in args.shares]
    for s in shares:
        if s.trustee_id not in ceremony.trustee_ids or ceremony.index_of(s.trustee_id) != s.trustee_index:
            raise Refused(f"tally shares of {s.trustee_id} (#{s.trustee_index}): not a trustee of this election "
                          "under that index")
    tally = reader.encrypted_tally()
    result = decrypt_tally(context, tally, shares, vkeys)
    if result.rejected:
        raise Refused("; ".join(result.rejected[i] for i in sorted(result.rejected)))
    present = {s.trustee_id for s in shares}
    absent = [t for t in ceremony.trustee_ids if t not in present]
    writer = reopen_record(root)
    for s in shares:
        writer.write_tally_shares(s)
    writer.write_result(result, absent)
    fingerprint_hex = writer.finish()
    names = {(c.contest_id, o.option_id): o.name for c in context.manifest.contests for o in c.options}
    say(f"the tally of {result.ballot_count} ballots decrypted with the shares of "
         f"{', '.join(ceremony.id_of(i) for i in result.used_trustees)}"
         + (f" ({', '.join(absent)} absent)" if absent else ""))
    for r in result.results:
        say(f"  {r.contest_id} / {names[(r.contest_id, r.option_id)]} ({r.option_id}): {r.count}")
    say(f"record {root} completed; fingerprint {fingerprint_hex} (publish it). Check it with: pilwu verify {root}")
    return EXIT_OK


# ====================================================================== parser ======
def command(step: str, func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """``pilwu trustee STEP`` with the trustee group's error handling (for cli/mixdecrypt.py)."""
    return _command(step, func)


def passphrase_option(p: argparse.ArgumentParser) -> None:
    """The --passphrase-file option of a trustee step."""
    _passphrase_option(p)


def test_group_option(p: argparse.ArgumentParser) -> None:
    """The --insecure-test-group option of a trustee step."""
    _test_group_option(p)


def _passphrase_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--passphrase-file", metavar="PATH",
                   help=f"read the passphrase from the first line of PATH (else ${ENV_PASSPHRASE}, else a prompt)")


def _test_group_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--insecure-test-group", action="store_true",
                   help="accept a test-only group (never for a real election)")


def register(sub: argparse._SubParsersAction[_P]) -> argparse._SubParsersAction[_P]:
    """Add ``pilwu trustee`` and its steps to the ``pilwu`` parser's subcommands; returns the
    steps' subparsers, to which cli/mixdecrypt.py adds the mixed list's two steps."""
    trustee = sub.add_parser(
        "trustee", help="key ceremony and tally decryption, one laptop per trustee (files between laptops)",
        description="Key ceremony and tally decryption by trustees on separate laptops, exchanging files. "
                    "Order: setup (authority), init, reveal, shares, finish (each trustee), context (authority); "
                    "after voting: decrypt (each present trustee), combine (authority); for a mixed election also "
                    "mix-decrypt (each present trustee), mix-combine (authority). See docs/trustee-guide.md.")
    steps = trustee.add_subparsers(dest="step", required=True, metavar="STEP")

    p = steps.add_parser("setup", help="authority: create a ceremony directory (parameters, manifest, setup, H_B)")
    p.add_argument("--out", required=True, metavar="CEREMONY_DIR", help="new (or empty) ceremony directory")
    p.add_argument("--group", default=DEFAULT_GROUP,
                   help=f"parameter set (default {DEFAULT_GROUP}; one of {', '.join(group_names())})")
    p.add_argument("--manifest", metavar="FILE", help="manifest in the record's format (its hash may be omitted)")
    p.add_argument("--kuwu", metavar="NAMES", help="instead of --manifest: one kuwu contest, candidates "
                                                   "\"Name A,Name B,...\", vote for one")
    p.add_argument("--election-id", help="election id of the --kuwu manifest")
    p.add_argument("--election-name", default="Pemilihan Kuwu", help="election name of the --kuwu manifest")
    p.add_argument("--village", help="with --kuwu (required): name of the village (desa)")
    p.add_argument("--district", help="with --kuwu (required): name of the village's district (kecamatan)")
    p.add_argument("--regency", help=f"with --kuwu: name of the regency (kabupaten; default {DEFAULT_REGENCY})")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="with --kuwu (required): polling day")
    p.add_argument("--registered-voters", type=int, metavar="N",
                   help="with --kuwu (required): number of voters on the register")
    p.add_argument("--trustees", required=True, metavar="ID,ID,...", help="trustee ids, in order (index 1, 2, ...)")
    p.add_argument("--threshold", required=True, type=int, help="t: any t trustees can decrypt")
    p.add_argument("--setup", required=True, metavar="FILE",
                   help="the election setup: every voting device (spares included) and mix server with its "
                        "Ed25519 key (an election-setup document, docs/record-format.md §5.4a)")
    _test_group_option(p)
    p.set_defaults(func=_command("setup", cmd_setup))

    p = steps.add_parser("init", help="trustee: generate keys, seal the state, publish the round-1 digest")
    p.add_argument("ceremony", metavar="CEREMONY_DIR")
    p.add_argument("--id", required=True, help="this trustee's id")
    p.add_argument("--state", required=True, metavar="PATH", help="the sealed state file to create (mode 0600)")
    p.add_argument("--force", action="store_true", help="replace an existing state file and digest (new keys)")
    _passphrase_option(p)
    _test_group_option(p)
    p.set_defaults(func=_command("init", cmd_init))

    for name, func, text in (("reveal", cmd_reveal, "trustee: check every digest, publish the reveal"),
                             ("shares", cmd_shares, "trustee: check every reveal, publish encrypted shares"),
                             ("finish", cmd_finish, "trustee: check the shares received; keys or a complaint")):
        p = steps.add_parser(name, help=text)
        p.add_argument("ceremony", metavar="CEREMONY_DIR")
        p.add_argument("--state", required=True, metavar="PATH", help="this trustee's sealed state file")
        _passphrase_option(p)
        _test_group_option(p)
        p.set_defaults(func=_command(name, func))

    p = steps.add_parser("context", help="authority: verify the ceremony, write context.json")
    p.add_argument("ceremony", metavar="CEREMONY_DIR")
    _test_group_option(p)
    p.set_defaults(func=_command("context", cmd_context))

    p = steps.add_parser("status", help="show which ceremony messages are present")
    p.add_argument("ceremony", metavar="CEREMONY_DIR")
    p.set_defaults(func=_command("status", cmd_status))

    p = steps.add_parser("decrypt", help="trustee: recompute the tally from a record, write tally shares")
    p.add_argument("record", metavar="RECORD_DIR")
    p.add_argument("--state", required=True, metavar="PATH", help="this trustee's sealed (keyed) state file")
    p.add_argument("--out", required=True, metavar="SHARE.json", help="where to write the tally shares")
    ballot_box_option(p)
    p.add_argument("--force", action="store_true", help="overwrite an existing --out file")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    _passphrase_option(p)
    _test_group_option(p)
    p.set_defaults(func=_command("decrypt", cmd_decrypt))

    p = steps.add_parser("combine", help="authority: add the tally shares and the result to the record")
    p.add_argument("record", metavar="RECORD_DIR")
    p.add_argument("shares", nargs="+", metavar="SHARE.json", help="tally-share files from 'pilwu trustee decrypt'")
    _test_group_option(p)
    p.set_defaults(func=_command("combine", cmd_combine))
    return steps


__all__ = ["ballot_box_option", "check_ballot_box", "command", "fingerprint", "passphrase_option", "register",
           "require_verified", "test_group_option"]
