"""Verify a whole election record: every hash, proof, chain and sum (docs/verifier.md).

``verify_record(root)`` runs the numbered checks below in order and returns a
VerificationReport; it never raises for a bad record (only RecordUnreadable when the
root, index or parameters cannot be read at all, and CopyUnreadable when the auditor's
copy gives a permission or I/O error anywhere: then there is no verdict at all).  Ballots are streamed once, in
constant memory apart from the duplicate guard's digests.

 1 record-files     every indexed file present and regular, no file outside the index
                    (those operating systems leave are ignored and listed), SHA-256s
 2 parameters       the parameter set is a known one and p, q, g pass their checks
 3 base-hash        H_B recomputed from parameters, manifest, trustees, threshold, setup
 4 key-ceremony     round-1 digests, round-2 reveals and every Schnorr proof, complaints
 5 election-context joint key, trustee verification keys and H_E (binding every share) recomputed
 6 ballots          every ballot's signature, code and range proofs; challenged reveals
 7 code-chains      per-device confirmation-code chains and signed closing entries
 8 duplicates       no ballot id, ciphertext or proof commitment appears twice
 9 tally            the published aggregate equals the product of all cast ballots
10 decryption       every trustee's decryption shares and proofs; at least t valid
11 result           the published counts equal the verified decryption

Only for a record with a mix-net part (files under mixnet/, docs/record-format.md §5.15),
or whose manifest has a contest with write-ins (which only the mix-net counts: without a
mix-net part check 13 fails); any other record has exactly the eleven checks above:

12 mix-input        the first input recomputed from the cast ballots (selection codes, write-ins)
13 mix-chain        every stage's signature and shuffle proof, generators re-derived from H_E
14 mix-decryption   every trustee's shares of the final list and their proofs; at least t valid
15 mix-result       the published ballots equal the verified decryption of the final list
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

from pilwu_crypto.algebra.group import Element
from pilwu_crypto.algebra.groups import derivation_of
from pilwu_crypto.algebra.modp import ModPGroup
from pilwu_crypto.algebra.paramgen import rederive
from pilwu_crypto.election.context import ElectionContext, base_hash, ceremony_shares_hash, election_hash
from pilwu_crypto.election.decryption import TallyResult, decrypt_tally
from pilwu_crypto.election.device import ClosingEntry, DeviceRegistration
from pilwu_crypto.election.manifest import Manifest
from pilwu_crypto.election.mixballot import MixedBallot, MixLayout, decode_mixed_ballots, mix_layout
from pilwu_crypto.election.mixnet import mix_generators, verify_chain, verify_mix_decryption_shares
from pilwu_crypto.election.setup import ballot_box_digest
from pilwu_crypto.election.tally import EncryptedTally, TallyAccumulator, entry_mismatch
from pilwu_crypto.elgamal import PublicKey
from pilwu_crypto.errors import PilwuError
from pilwu_crypto.proofs.shuffle import CiphertextVector
from pilwu_crypto.record.codec import CeremonyRecord
from pilwu_crypto.record.files import MISSING
from pilwu_crypto.record.io import RecordReader
from pilwu_crypto.record.layout import (
    DIGESTS_PATH,
    LEGACY_FORMAT_VERSION,
    MAX_RECORD_BYTES,
    MIX_RESULT_PATH,
    REVEALS_PATH,
    SHARES_PATH,
    is_record_path,
)
from pilwu_crypto.record.mixcodec import PublishedMixResult
from pilwu_crypto.threshold.dkg import (
    Ceremony,
    CommitmentReveal,
    check_reveals,
    joint_key,
    verification_keys,
    verify_complaint,
)
from pilwu_crypto.verify.ballots import BallotChecks, CodeWatch, run_ballot_checks
from pilwu_crypto.verify.report import CheckResult, VerificationReport

Progress = Callable[[str, int, int], None]

CHECKS: list[tuple[str, str]] = [
    ("record-files", "every indexed file present, regular and unmodified; nothing else but ignored OS files"),
    ("parameters", "known parameter set; p, q, (p-1)/2q prime, g of order q (or a known curve)"),
    ("base-hash", "H_B = H(parameters, manifest, trustees, threshold, setup of devices and mix servers)"),
    ("key-ceremony", "commit-then-reveal digests, coefficient and key proofs, complaints"),
    ("election-context", "joint key, verification keys and H_E recomputed from the ceremony (every share bound)"),
    ("ballots", "device signatures, confirmation codes, range proofs; challenged ballots re-encrypted"),
    ("code-chains", "per-device confirmation-code chains and signed closing entries"),
    ("duplicates", "no repeated ballot id, ciphertext or proof commitment (replays)"),
    ("tally", "published encrypted tally = product of the cast ballots"),
    ("decryption", "decryption shares and Chaum-Pedersen proofs of at least t trustees"),
    ("result", "published counts = verified decryption of the tally"),
]


MIX_CHECKS: list[tuple[str, str]] = [
    ("mix-input", "first mix input recomputed from the cast ballots, in record order"),
    ("mix-chain", "signature and shuffle proof of every stage, generators re-derived from H_E"),
    ("mix-decryption", "decryption shares and Chaum-Pedersen proofs of the final list; at least t valid"),
    ("mix-result", "published mixed ballots = verified decryption of the final list"),
]
"""Checks 12-15, present in the report only when the record has a mix-net part."""


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


class _Run:
    """State of one verification run (checks by name, the report)."""

    def __init__(self, report: VerificationReport, mixnet: bool = False) -> None:
        self.report = report
        self.by_name: dict[str, CheckResult] = {}
        self.mixnet = mixnet
        self.mix_input: list[CiphertextVector] = []
        """The first mix input: the cast ballots' mix vectors in the order checks 6-9
        stream them (collected only for a mix-net)."""
        self.mix_layout: MixLayout | None = None
        for name, desc in CHECKS + (MIX_CHECKS if mixnet else []):
            self._add(name, desc)

    def _add(self, name: str, desc: str) -> None:
        c = CheckResult(len(self.report.checks) + 1, name, desc)
        self.by_name[name] = c
        self.report.checks.append(c)

    def add_mix_checks(self) -> None:
        """Checks 12-15 for a record that must have a mix-net part but lists none."""
        if not self.mixnet:
            self.mixnet = True
            for name, desc in MIX_CHECKS:
                self._add(name, desc)

    def __getitem__(self, name: str) -> CheckResult:
        return self.by_name[name]

    def skip_from(self, name: str, reason: str) -> None:
        """Mark ``name`` and every later check as not performed."""
        started = False
        for c in self.report.checks:
            started = started or c.name == name
            if started and not c.skipped and c.items == 0 and not c.failure_count:
                c.skipped = reason


V1_UNBOUND = ("record format 1: its devices (devices.json) and mix servers (mixnet/servers.json) are "
              "self-asserted by the publisher and bound by no hash the trustees fixed, and its encrypted key "
              "shares are bound by no hash; VALID here does not mean that the ballots come from the "
              "polling stations' devices nor that distinct parties mixed them (docs/record-format.md §9)")
"""The note a report on a format-1 record carries: what format 1 does not bind."""


@dataclass
class Snapshot:
    """One verification pass over one read of a record (one index.json, whose SHA-256 is the
    report's fingerprint), with what a command may then act on.  Every value comes from the
    bytes that pass verified, and is set only when the checks that vouch for it passed:
    a command that verifies and then acts uses exactly these (docs/verifier.md)."""

    report: VerificationReport
    reader: RecordReader
    context: ElectionContext | None = None
    """Set when checks 1-5 passed."""
    verification_keys: dict[int, Element] | None = None
    tally: EncryptedTally | None = None
    """The published encrypted tally, set when checks 1-9 passed (it is then the product of
    the cast ballots recomputed in this pass)."""
    ballot_box: bytes | None = None
    """The ballot-box fingerprint (election/setup.py), set when checks 1-8 passed (format 2)."""
    mix_input: list[CiphertextVector] | None = None
    """The first mix input recomputed in this pass, set when checks 1-9 and 12 passed."""
    final_list: list[CiphertextVector] | None = None
    """The verified chain's last output, set when checks 1-9, 12 and 13 passed."""

    def ballot_box_hex(self) -> str:
        """The ballot-box fingerprint as hex ("" when it was not established)."""
        return self.ballot_box.hex() if self.ballot_box is not None else ""

    def passed(self, names: Iterable[str]) -> bool:
        """Whether every check named in ``names`` is in the report and passed."""
        by_name = {c.name: c for c in self.report.checks}
        return all(n in by_name and by_name[n].ok for n in names)

    def first_failure(self, names: Iterable[str]) -> str:
        """"check n (name): reason" of the first of ``names`` that did not pass ("" if none)."""
        wanted = set(names)
        for c in self.report.checks:
            if c.name in wanted and not c.ok:
                return f"check {c.number} ({c.name}): {c.failures[0] if c.failures else c.skipped}"
        missing = wanted - {c.name for c in self.report.checks}
        return f"the record has no check {', '.join(sorted(missing))}" if missing else ""


UP_TO_CONTEXT = tuple(name for name, _ in CHECKS[:5])
"""Checks 1-5: the election context is established."""
UP_TO_BALLOT_BOX = tuple(name for name, _ in CHECKS[:8])
"""Checks 1-8: every ballot, chain and closing entry; what the ballot-box fingerprint names."""
UP_TO_TALLY = tuple(name for name, _ in CHECKS[:9])
"""Checks 1-9: what a trustee must see pass before decrypting the tally."""
UP_TO_MIX_INPUT = (*UP_TO_TALLY, "mix-input")
"""Checks 1-9 and 12: what a mix server must see pass before adding a stage."""
UP_TO_MIX_CHAIN = (*UP_TO_MIX_INPUT, "mix-chain")
"""Checks 1-9, 12 and 13: what a trustee must see pass before decrypting the mixed list."""


def verify_record(root: Path, progress: Progress = _no_progress, *,
                  allow_test_group: bool = False, executor: Executor | None = None,
                  accept_format_v1: bool = False) -> VerificationReport:
    """The report of :func:`verify_snapshot` on a fresh read of ``root`` (RecordReader)."""
    reader = RecordReader(root, accept_format_v1=accept_format_v1)
    return verify_snapshot(reader, progress, allow_test_group=allow_test_group, executor=executor).report


def _check_files(run: _Run, reader: RecordReader) -> bool:
    """Check 1: every listed path is a regular file (missing only when nothing is there),
    nothing unlisted but the ignored files operating systems leave, every file's size within
    its limit (listed and on disk, before a byte is read; the listed total within
    MAX_RECORD_BYTES), every SHA-256 (ballot files: while check 6 streams them), every path
    one of the record format's layout.  False when the listed total is past its limit:
    then no file is hashed, and no later check reads one."""
    files = run["record-files"]
    kinds = {path: reader.file_kind(path) for path in reader.index_paths()}
    for path, kind in kinds.items():
        if kind == MISSING:
            files.fail(f"{path}: listed in the index but missing")
        elif kind:
            files.fail(f"{path}: listed in the index but not a regular file ({kind})")
    for path in reader.extra_files():
        files.fail(f"{path}: present but not listed in the index")
    ignored = run.report.ignored_files = reader.ignored_files()
    if ignored:
        more = f" and {len(ignored) - 5} more" if len(ignored) > 5 else ""
        files.note = f"ignored (left by an operating system, not listed): {', '.join(ignored[:5])}{more}"
    ballot_files = set(reader.ballot_files())
    listed = sum(reader.index_entry(path).size for path in kinds)
    too_large = listed > MAX_RECORD_BYTES
    if too_large:
        files.fail(f"index.json: lists {listed} bytes, larger than the {MAX_RECORD_BYTES}-byte limit of a "
                   "record (no file hashed)")
    for path, kind in kinds.items():
        files.items += 1
        if not is_record_path(path, reader.format_version):
            files.fail(f"{path}: listed in the index but not a file of the record layout")
        if kind:
            continue  # reported above
        try:
            if path in ballot_files or too_large:
                reader.check_file_size(path)  # hashed while streamed (check 6), or not at all
            else:
                reader.check_file_hash(path)  # its limit first, then streamed through SHA-256
        except PilwuError as exc:
            files.fail(str(exc))
    reader.raise_copy_error()  # before the expensive checks: nothing they found would count
    return not too_large


def verify_snapshot(reader: RecordReader, progress: Progress = _no_progress, *,
                    allow_test_group: bool = False, executor: Executor | None = None,
                    watch: CodeWatch | None = None, mixnet: bool = False) -> Snapshot:
    """Verify the record ``reader`` read (its one index.json).  ``executor`` runs the ballot
    blocks (verify/ballots.py; None: in this process); the report is the same whichever
    runs them.  Every problem of the record is a failed check in the returned report.  A
    record on a test-only group fails check 2 unless ``allow_test_group`` is set (only
    tests and demos on test groups set it).  A record of format 1 (read with
    ``accept_format_v1``; RecordReader raises FormatRefused otherwise) is verified by the
    rules of format 1 and the report notes what that format does not bind.  ``watch`` looks
    a confirmation-code prefix up in the same pass (CodeWatch.matches).  ``mixnet``: run
    checks 12-15 even when the record has no mix-net part yet (a first mix server needs
    the first input).  Raises CopyUnreadable (a RecordUnreadable) when any file or
    directory of the auditor's copy gives a permission or I/O error, even one a check
    caught: a local read problem is never reported as a fault of the record."""
    snap = _verify(reader, progress, allow_test_group, executor, watch, mixnet)
    reader.raise_copy_error()
    return snap


def _verify(reader: RecordReader, progress: Progress, allow_test_group: bool, executor: Executor | None,
            watch: CodeWatch | None, mixnet: bool) -> Snapshot:
    """The checks of :func:`verify_snapshot`, in order."""
    report = VerificationReport(record=str(reader.root), fingerprint=reader.fingerprint, group=reader.group.name,
                                format_version=reader.format_version)
    snap = Snapshot(report, reader)
    legacy = reader.format_version == LEGACY_FORMAT_VERSION
    if legacy:
        report.notes.append(V1_UNBOUND)
    run = _Run(report, mixnet=mixnet or reader.has_mixnet())
    group = reader.group

    # 1 record files -------------------------------------------------------------------
    if not _check_files(run, reader):
        run.skip_from("parameters", "the index lists more bytes than a record may hold")
        return snap

    # 2 parameters ------------------------------------------------------------------------
    params = run["parameters"]
    params.items = 1
    if group.is_test_only and not allow_test_group:
        params.fail(f"parameters.json: group {group.name} is for tests only; no real election may use it "
                    "(verify anyway with --insecure-test-group)")
    try:
        validate = getattr(group, "validate", None)
        if validate is not None:
            validate()
        derivation = derivation_of(group.name)
        if derivation is not None and isinstance(group, ModPGroup):
            # checklist A23: the parameters are re-derived from their recorded seed and counter
            d = rederive(derivation.label, derivation.seed_index, derivation.counter, derivation.l_bits,
                         derivation.n_bits)
            if (int(d.p), int(d.q), int(d.g)) != (int(group.p), group.q, int(group.generator().raw)):
                params.fail(f"parameters.json: {group.name} is not what its recorded derivation gives")
    except PilwuError as exc:
        params.fail(str(exc))

    # 3 base hash -------------------------------------------------------------------------
    hb = run["base-hash"]
    try:
        manifest = reader.manifest()
        report.election_id = manifest.election_id
        # the place, polling day and register, shown in the header (docs/record-format.md §5.3)
        report.village, report.district, report.regency = manifest.village, manifest.district, manifest.regency
        report.date, report.registered_voters = manifest.date, manifest.registered_voters
        cer = reader.ceremony()
        hb.items = 1
        setup = reader.setup()  # None in format 1: no setup is bound
        recomputed_hb = base_hash(group, manifest, cer.ceremony.trustee_ids, cer.ceremony.threshold,
                                  None if setup is None else setup.hash())
        if recomputed_hb != cer.ceremony.base_hash:
            hb.fail("ceremony/ceremony.json: base_hash differs from H(parameters, manifest, trustees, threshold"
                    + (")" if setup is None else ", setup)"))
        if not run.mixnet and any(c.write_in_elements for c in manifest.contests):
            run.add_mix_checks()  # write-ins are counted only through the mix-net (§5.15)
    except PilwuError as exc:
        hb.fail(str(exc))
        run.skip_from("key-ceremony", "the manifest or ceremony could not be read")
        return snap

    # 4 key ceremony ----------------------------------------------------------------------
    kc = run["key-ceremony"]
    ceremony = cer.ceremony
    reveals: tuple[CommitmentReveal, ...] = ()
    try:
        kc.items = len(cer.reveals)
        reveals = check_reveals(ceremony, cer.digests, cer.reveals)
        _check_ceremony_messages(kc, ceremony, cer)
        n = len(ceremony.trustee_ids)
        if len(cer.shares) != n * (n - 1):
            kc.fail(f"ceremony/shares.jsonl: {len(cer.shares)} encrypted shares, expected n(n-1) = {n * (n - 1)}")
        shares_by_pair = {(s.sender_index, s.recipient_index): s for s in cer.shares}
        for complaint in cer.complaints:
            share = shares_by_pair.get((complaint.accused_index, complaint.complainer_index))
            if share is None:
                kc.fail(f"complaint by {complaint.complainer_id}: quotes a share that was not published")
                continue
            verdict = verify_complaint(ceremony, complaint, share, reveals)
            kc.fail(f"complaint by {complaint.complainer_id} against {complaint.accused_id}: "
                    f"trustee {verdict.faulty_id} is at fault ({verdict.reason})")
    except PilwuError as exc:
        kc.fail(str(exc))
        run.skip_from("election-context", "the key ceremony did not verify")
        return snap

    # 5 election context ------------------------------------------------------------------
    ec = run["election-context"]
    try:
        published = reader.context()
        commitments = [r.commitments for r in reveals]
        k = joint_key(group, commitments)
        ec.items = 3
        if published.joint_key != k:
            ec.fail("context.json: joint_key is not the product of the trustees' constant commitments")
        if published.verification_keys != verification_keys(group, commitments):
            ec.fail("context.json: verification_keys differ from those derived from the commitments")
        if published.base_hash != ceremony.base_hash:
            ec.fail("context.json: base_hash differs from the ceremony's")
        shares_hash = None if legacy else ceremony_shares_hash(ceremony, cer.shares)
        h_e = election_hash(ceremony.base_hash, k, commitments, shares_hash)
        if published.election_hash != h_e:
            ec.fail("context.json: election_hash differs from H(H_B, K, commitments"
                    + (")" if legacy else ", encrypted shares)"))
        context = ElectionContext(group, manifest, ceremony.trustee_ids, ceremony.threshold, PublicKey(k),
                                  ceremony.base_hash, h_e)
        vkeys = verification_keys(group, commitments)
    except PilwuError as exc:
        ec.fail(str(exc))
        run.skip_from("ballots", "the election context could not be established")
        return snap

    if snap.passed(UP_TO_CONTEXT):
        snap.context, snap.verification_keys = context, vkeys

    # 6-9 ballots, chains, duplicates, tally ---------------------------------------------
    tally, closings = _verify_ballots(run, reader, context, progress, executor, watch)
    if setup is not None and snap.passed(UP_TO_BALLOT_BOX):
        snap.ballot_box = ballot_box_digest(context.election_hash, setup, closings)
        report.ballot_box = snap.ballot_box.hex()
    if snap.passed(UP_TO_TALLY):
        snap.tally = tally

    # 10 decryption ------------------------------------------------------------------------
    dec = run["decryption"]
    result: TallyResult | None = None
    present: set[str] = set()
    try:
        tally = reader.encrypted_tally()
        shares = reader.tally_shares()
        present = {s.trustee_id for s in shares}
        dec.items = len(shares)
        result = decrypt_tally(context, tally, shares, vkeys)
        for index, reason in sorted(result.rejected.items()):
            dec.fail(f"tally/shares: trustee {index}: {reason}")
    except PilwuError as exc:
        dec.fail(str(exc))
        if present:
            missing = [t for t in ceremony.trustee_ids if t not in present]
            if missing:
                dec.fail(f"tally/shares: no tally shares from {', '.join(missing)}")

    # 11 result ----------------------------------------------------------------------------
    res = run["result"]
    if result is None:
        res.skipped = "the tally could not be decrypted"
    else:
        _check_result(run, reader, result, manifest, [t for t in ceremony.trustee_ids if t not in present])

    # 12-15 mix-net ------------------------------------------------------------------------
    if run.mixnet:
        final_list = _verify_mixnet(run, reader, context, vkeys, progress, executor)
        if snap.passed(UP_TO_MIX_INPUT):
            snap.mix_input = run.mix_input
        if snap.passed(UP_TO_MIX_CHAIN):
            snap.final_list = final_list
    return snap


def _check_ceremony_messages(kc: CheckResult, ceremony: Ceremony, cer: CeremonyRecord) -> None:
    """Check 4, what check_reveals tolerates and a record must not have: a trustee's digest
    or reveal listed twice (even identically), and encrypted shares whose sender or
    recipient is not a trustee of the ceremony with its index, addressed to its sender,
    or not the only share of its ordered pair (record-format.md §5.5-5.7)."""
    for path, indices in ((DIGESTS_PATH, [d.trustee_index for d in cer.digests]),
                          (REVEALS_PATH, [r.trustee_index for r in cer.reveals])):
        for index in sorted({i for i in indices if indices.count(i) > 1}):
            kc.fail(f"{path}: trustee #{index} listed {indices.count(index)} times")
    seen: set[tuple[int, int]] = set()
    for line_no, share in enumerate(cer.shares, start=1):
        where = f"{SHARES_PATH}:{line_no}"
        ends = (("sender", share.sender_id, share.sender_index), ("recipient", share.recipient_id,
                                                                  share.recipient_index))
        bad = [f"{role} {tid} (#{index}) is not a trustee with that index" for role, tid, index in ends
               if tid not in ceremony.trustee_ids or ceremony.index_of(tid) != index]
        if share.sender_index == share.recipient_index:
            bad.append("a share from a trustee to itself")
        pair = (share.sender_index, share.recipient_index)
        if pair in seen:
            bad.append(f"a second share from #{pair[0]} to #{pair[1]}")
        seen.add(pair)
        for reason in bad:
            kc.fail(f"{where}: {reason}")


def _check_result(run: _Run, reader: RecordReader, result: TallyResult, manifest: Manifest,
                  absent: list[str]) -> None:
    """Check 11: the published counts equal the verified decryption of the tally, in
    manifest order; ``used_trustees`` are the trustees combined and ``absent`` the
    trustees of the ceremony without a tally-shares file."""
    report, res = run.report, run["result"]
    try:
        pub = reader.result()
        res.items = len(result.results)
        if pub.ballot_count != result.ballot_count:
            res.fail(f"tally/result.json: ballot_count {pub.ballot_count}, decrypted tally has "
                     f"{result.ballot_count}")
        if tuple(pub.used_trustees) != tuple(result.used_trustees):
            res.fail(f"tally/result.json: used_trustees {list(pub.used_trustees)}, the decryption combined "
                     f"{list(result.used_trustees)}")
        if sorted(pub.absent) != sorted(absent):
            res.fail(f"tally/result.json: absent {list(pub.absent)}, the trustees without tally shares are "
                     f"{absent}")
        order = [(r.contest_id, r.option_id) for r in result.results]
        if [k for k in pub.counts if k in order] != [k for k in order if k in pub.counts]:
            res.fail("tally/result.json: contests/options are not in manifest order")
        for r in result.results:
            claimed = pub.counts.get((r.contest_id, r.option_id))
            if claimed != r.count:
                res.fail(f"tally/result.json: {r.contest_id}/{r.option_id} published {claimed}, "
                         f"decrypts to {r.count}")
        extra = set(pub.counts) - {(r.contest_id, r.option_id) for r in result.results}
        for cid, oid in sorted(extra):
            res.fail(f"tally/result.json: {cid}/{oid} is not an option of the manifest")
        # decrypt_tally decrypts only a tally of the manifest's options (record-format.md §5.12)
        names = {(c.contest_id, o.option_id): o.name for c in manifest.contests for o in c.options}
        report.counts = [(r.contest_id, r.option_id, names[(r.contest_id, r.option_id)], r.count)
                         for r in result.results]
    except PilwuError as exc:
        res.fail(str(exc))


def _verify_ballots(run: _Run, reader: RecordReader, context: ElectionContext, progress: Progress,
                    executor: Executor | None, watch: CodeWatch | None
                    ) -> tuple[EncryptedTally | None, dict[str, ClosingEntry]]:
    """Checks 6-9 in one streaming pass over every device's ballot file (verify/ballots.py:
    the proofs in batches through ``executor``, the chains, duplicates and tally here).
    Returns the published tally (None if unreadable) and the closing entries by device."""
    report = run.report
    ballots, chains, dups, tally_check = run["ballots"], run["code-chains"], run["duplicates"], run["tally"]
    try:
        devices = reader.devices()
    except PilwuError as exc:
        chains.fail(str(exc))
        devices = None
    registrations: dict[str, DeviceRegistration] = {}
    closings: dict[str, ClosingEntry] = {}
    if devices is not None:
        for registration in devices.registrations:
            if registration.device_id in registrations:
                chains.fail(f"devices.json: device {registration.device_id} registered twice")
            registrations[registration.device_id] = registration
        for closing in devices.closings:
            if closing.device_id in closings:
                chains.fail(f"devices.json: two closing entries for device {closing.device_id}")
            closings[closing.device_id] = closing
    acc = TallyAccumulator(context.group, context.manifest)
    if run.mixnet:
        try:
            run.mix_layout = mix_layout(context)
        except PilwuError as exc:
            run["mix-input"].fail(f"manifest.json: {exc}")
    out = BallotChecks(ballots, chains, dups, tally_check, run["mix-input"] if run.mixnet else None,
                       run.mix_layout, acc, watch=watch)
    run_ballot_checks(out, reader, context, registrations, closings, executor, progress)
    report.ballots_cast += out.cast
    report.ballots_challenged += out.challenged
    report.exclusions += [e.to_json() for e in out.exclusions]
    if out.exclusions:
        ballots.note = (f"{len(out.exclusions)} ballot(s) signed invalid by their device, excluded from the tally "
                        f"and the mix: {out.exclusions[0].describe()}")
    run.mix_input = out.mix_vectors
    for device_id in sorted(set(closings) - set(registrations)):
        chains.fail(f"devices.json: closing entry for unregistered device {device_id}")
    tally_check.items = 1
    published: EncryptedTally | None = None
    try:
        published = reader.encrypted_tally()
        recomputed = acc.result()
        if published.ballot_count != recomputed.ballot_count:
            tally_check.fail(f"tally/encrypted_tally.json: ballot_count {published.ballot_count}, the record "
                             f"has {recomputed.ballot_count} cast ballots")
        for (cid, oid, ct), (_, _, rct) in zip(published.entries(), recomputed.entries(), strict=False):
            if ct != rct:
                tally_check.fail(f"tally/encrypted_tally.json: {cid}/{oid} is not the product of the cast "
                                 "ballots")
        mismatch = entry_mismatch(context.manifest, published)  # record-format.md §5.12 (manifest order)
        if mismatch is not None:
            tally_check.fail(f"tally/encrypted_tally.json: {mismatch}")
    except PilwuError as exc:
        tally_check.fail(str(exc))
    return published, closings


def _verify_mixnet(run: _Run, reader: RecordReader, context: ElectionContext, vkeys: dict[int, Element],
                   progress: Progress, executor: Executor | None = None) -> list[CiphertextVector] | None:
    """Checks 12-15 on the mix-net part of the record; returns the chain's final list (None
    when check 13 did not produce it)."""
    inp, chain, dec, res = run["mix-input"], run["mix-chain"], run["mix-decryption"], run["mix-result"]

    # 12 mix input (collected while checks 6-9 streamed the ballots) --------------------------
    first_input = run.mix_input
    inp.items = len(first_input)
    if run.mix_layout is None or not first_input:
        if not inp.failure_count:
            inp.fail("no cast ballot to mix")
        run.skip_from("mix-chain", "the mix input could not be recomputed")
        return None

    # 13 mix chain -------------------------------------------------------------------------
    final_list: list[CiphertextVector] | None = None
    if not reader.has_mixnet():
        written = ", ".join(c.contest_id for c in context.manifest.contests if c.write_in_elements)
        chain.fail("mixnet/: missing" + (f"; the manifest's contest {written} takes write-ins, which only the "
                                         "mix-net counts (docs/record-format.md §5.15)" if written else ""))
        run.skip_from("mix-decryption", "the record has no mix-net part")
        return None
    try:
        servers = reader.mix_servers()
        stages = reader.mix_stages()
        chain.items = len(stages)
        progress("mix-chain", 0, len(stages))
        final_list = verify_chain(context, servers, mix_generators(context, len(first_input), executor),
                                  first_input, stages, executor=executor)
    except PilwuError as exc:
        chain.fail(str(exc))
        run.skip_from("mix-decryption", "the mix chain did not verify")
        return None

    # 14 mix decryption ----------------------------------------------------------------------
    published: PublishedMixResult | None = None
    try:
        published = reader.mix_result()
    except PilwuError as exc:
        res.fail(str(exc))
    decoded: list[MixedBallot] | None = None
    try:
        shares = reader.mix_decryption_shares()
        dec.items = len(shares)
        valid, rejected = verify_mix_decryption_shares(context, final_list, shares, vkeys)
        for _, reason in sorted(rejected.items()):
            dec.fail(f"mixnet/decryption: {reason}")
        if len(valid) < context.threshold:
            dec.fail(f"mixnet/decryption: {len(valid)} valid mix decryption shares, {context.threshold} needed")
        elif published is not None:
            # the shares in ``valid`` were verified just above: decode without checking them again
            decoded = decode_mixed_ballots(context, final_list, valid)
    except PilwuError as exc:
        dec.fail(str(exc))

    # 15 mix result --------------------------------------------------------------------------
    if published is None:
        return final_list
    if decoded is None:
        res.skipped = "the final list could not be decrypted"
        return final_list
    res.items = len(decoded)
    if len(published.ballots) != len(decoded):
        res.fail(f"{MIX_RESULT_PATH}: {len(published.ballots)} ballots, the final list has {len(decoded)}")
    for i, (claimed, actual) in enumerate(zip(published.ballots, decoded, strict=False)):
        if claimed != actual:
            res.fail(f"{MIX_RESULT_PATH}: ballots[{i}] published {_show_mixed(claimed)}, "
                     f"decrypts to {_show_mixed(actual)}")
    return final_list


def _show_mixed(ballot: MixedBallot) -> str:
    """A mixed ballot in one short line: contest=votes[+write-in]."""
    parts = [f"{c.contest_id}={list(c.votes)}" + ("+<invalid write-in>" if c.invalid_write_in else
                                                  f"+{c.write_in!r}" if c.write_in is not None else "")
             for c in ballot]
    return f"{'; '.join(parts):.120}"
