"""Ballots: encryption with proofs, verification, Benaloh challenge, replay detection.

A filled ballot is encrypted against the manifest (ElectionGuard 2.1 §3.3):
for each contest and each of its options, in manifest order, one exponential-ElGamal
ciphertext under the joint key K with a range proof that it encrypts 0..option_limit;
per contest, a range proof that the homomorphic sum of its ciphertexts (nonce = the sum
of the nonces) encrypts 0..selection_limit.  Limits always come from the manifest and are
hashed into every challenge (checklist A14).  Every proof's transcript is

    context.transcript(DST_BALLOT_PROOF) + text "ballot" (ballot id) + text "device"
    (device id) + text "contest" (contest id) + either text "position" = "option" and
    text "option" (option id), or text "position" = "contest-sum"

so a proof copied into another ballot, device or position does not verify (A10).
A contest with write-ins (manifest ``write_in_elements`` W > 0) also carries W
ciphertexts of the voter's write-in name (empty when none) with a proof of knowledge of
their nonces at position "write-in" (election/writein.py).

The ballot then takes its place in its device's confirmation-code chain
(:mod:`pilwu_crypto.election.device`): its code is H(H_E, device, previous code, digest
of its canonical bytes), and the device signs (ballot digest, code).  The hash and the
signature are over the canonical bytes defined in :meth:`EncryptedBallot.canonical_bytes`,
never over JSON (checklist A21).

Nonces are drawn fresh and uniform from ``secrets`` for every ciphertext (elgamal.encrypt)
and never reused; the voter may *challenge* the ballot instead of casting it (Benaloh):
:func:`challenge_ballot` reveals every selection and nonce, and :func:`verify_challenged`
re-encrypts and compares.  :class:`ReplayGuard` rejects ballots that repeat an id, a
ciphertext or a proof commitment of an earlier ballot (Cortier–Smyth, checklist A10).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from pilwu_crypto import elgamal
from pilwu_crypto.algebra.batch import LinearBatch
from pilwu_crypto.algebra.domains import (
    DST_BALLOT_DIGEST,
    DST_BALLOT_FORMAT,
    DST_BALLOT_PROOF,
    DST_DEVICE_BALLOT,
    DST_REPLAY,
)
from pilwu_crypto.algebra.group import Scalar, SecretScalar
from pilwu_crypto.algebra.hashing import tagged_hash, text, u32
from pilwu_crypto.algebra.transcript import Transcript
from pilwu_crypto.election.context import ElectionContext
from pilwu_crypto.election.device import (
    SIGNATURE_SIZE,
    DeviceRegistration,
    VotingDevice,
    check_code,
    device_id_checked,
    next_code,
    signed_message,
    verify_device_signature,
)
from pilwu_crypto.election.manifest import Contest, Manifest, check_id
from pilwu_crypto.election.writein import (
    WRITE_IN_POSITION,
    EncryptedWriteIn,
    check_revealed_write_in,
    encrypt_write_in,
    verify_write_in,
)
from pilwu_crypto.elgamal import Ciphertext
from pilwu_crypto.errors import InvalidBallot, InvalidManifest, InvalidProof, PilwuError
from pilwu_crypto.proofs.nonce import batch_nonce_knowledge
from pilwu_crypto.proofs.range import RangeProof, batch_range, prove_range, verify_range

CONTEST_SUM = "contest-sum"
"""Marker appended as the proof position of a contest's selection-limit proof."""


def _id(value: object, what: str) -> str:
    """A valid identifier, else InvalidBallot (manifest.check_id rules)."""
    try:
        return check_id(value, what)
    except InvalidManifest as exc:
        raise InvalidBallot(str(exc)) from None


def _str(value: str) -> bytes:
    """str(s) of the canonical layout: u32(len(utf8)) || utf8."""
    b = text(value)
    return u32(len(b)) + b


# ---- plaintext ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PlaintextBallot:
    """What the voter chose: contest id -> option id -> votes (options not mentioned: 0),
    and contest id -> write-in name for contests that take one (not mentioned: no name)."""

    ballot_id: str
    selections: Mapping[str, Mapping[str, int]]
    write_ins: Mapping[str, str] = field(default_factory=dict)


def validate_plaintext(manifest: Manifest, plaintext: PlaintextBallot) -> tuple[tuple[int, ...], ...]:
    """The votes per contest and option, in manifest order, or InvalidBallot naming the fault.

    Refuses an unknown contest or option, a value that is not an integer, negative, above
    the option limit, and a contest total above the selection limit (over-vote).
    """
    bid = _id(plaintext.ballot_id, "ballot id")
    if not isinstance(plaintext.selections, Mapping):
        raise InvalidBallot(f"ballot {bid}: selections must map contest ids to options")
    known = {c.contest_id for c in manifest.contests}
    for cid in plaintext.selections:
        if cid not in known:
            raise InvalidBallot(f"ballot {bid}: unknown contest {cid!r}")
    out: list[tuple[int, ...]] = []
    for contest in manifest.contests:
        chosen = plaintext.selections.get(contest.contest_id, {})
        if not isinstance(chosen, Mapping):
            raise InvalidBallot(f"ballot {bid}, contest {contest.contest_id}: selections must map option ids")
        out.append(_contest_values(bid, contest, chosen))
    if not isinstance(plaintext.write_ins, Mapping):
        raise InvalidBallot(f"ballot {bid}: write-ins must map contest ids to names")
    for cid, name in plaintext.write_ins.items():
        if cid not in known:
            raise InvalidBallot(f"ballot {bid}: write-in for unknown contest {cid!r}")
        if manifest.contest(cid).write_in_elements == 0:
            raise InvalidBallot(f"ballot {bid}, contest {cid}: the contest takes no write-ins")
        if not isinstance(name, str):
            raise InvalidBallot(f"ballot {bid}, contest {cid}: write-in {name!r} is not text")
    return tuple(out)


def _contest_values(bid: str, contest: Contest, chosen: Mapping[str, int]) -> tuple[int, ...]:
    cid = contest.contest_id
    options = {o.option_id for o in contest.options}
    for oid in chosen:
        if oid not in options:
            raise InvalidBallot(f"ballot {bid}, contest {cid}: unknown option {oid!r}")
    values: list[int] = []
    for option in contest.options:
        v = chosen.get(option.option_id, 0)
        where = f"ballot {bid}, contest {cid}, option {option.option_id}"
        if not isinstance(v, int) or isinstance(v, bool):
            raise InvalidBallot(f"{where}: value {v!r} is not an integer")
        if v < 0:
            raise InvalidBallot(f"{where}: negative value {v}")
        if v > contest.option_limit:
            raise InvalidBallot(f"{where}: value {v} exceeds the option limit {contest.option_limit}")
        values.append(v)
    if sum(values) > contest.selection_limit:
        raise InvalidBallot(f"ballot {bid}, contest {cid}: over-vote, {sum(values)} votes exceed the "
                            f"selection limit {contest.selection_limit}")
    return tuple(values)


# ---- encrypted ballot ----------------------------------------------------------------------


@dataclass(frozen=True)
class EncryptedOption:
    """One option of a contest: its ciphertext and the proof that it encrypts 0..option_limit."""

    option_id: str
    ciphertext: Ciphertext
    """(alpha, beta) = (g^r, g^v K^r) for the option's votes v and a fresh nonce r."""
    proof: RangeProof
    """Range proof 0..option_limit (option_limit + 1 branches)."""

    def __post_init__(self) -> None:
        _id(self.option_id, "option id")


@dataclass(frozen=True)
class EncryptedContest:
    """One contest: every option in manifest order and the selection-limit proof of their sum."""

    contest_id: str
    options: tuple[EncryptedOption, ...]
    sum_proof: RangeProof
    """Range proof 0..selection_limit for the product of the options' ciphertexts."""
    write_in: EncryptedWriteIn | None = None
    """The encrypted write-in name, exactly when the manifest's contest takes one."""

    def __post_init__(self) -> None:
        cid = _id(self.contest_id, "contest id")
        options = self.options
        if not isinstance(options, tuple) or not all(isinstance(o, EncryptedOption) for o in options):
            raise InvalidBallot(f"contest {cid}: options must be a tuple of EncryptedOption")
        if self.write_in is not None and not isinstance(self.write_in, EncryptedWriteIn):
            raise InvalidBallot(f"contest {cid}: write_in must be an EncryptedWriteIn")

    def sum_ciphertext(self) -> Ciphertext:
        """The homomorphic sum of the contest's ciphertexts (what the sum proof is about)."""
        if not self.options:
            raise InvalidBallot(f"contest {self.contest_id}: has no options")
        group = self.options[0].ciphertext.group
        return elgamal.sum_ciphertexts(group, [o.ciphertext for o in self.options])


@dataclass(frozen=True)
class EncryptedBallot:
    """An encrypted, signed ballot as published in the record (cast or challenged)."""

    ballot_id: str
    device_id: str
    contests: tuple[EncryptedContest, ...]
    """Every contest of the manifest, in manifest order."""
    previous_code: bytes
    """Confirmation code of the device's previous ballot (code_0 for its first), 32 bytes."""
    confirmation_code: bytes
    """H(DST_CODE, H_E, device_id, previous_code, digest()): shown to the voter, 32 bytes."""
    signature: bytes
    """Device's Ed25519 signature over signed_message(DST_DEVICE_BALLOT, H_E, digest(), code)."""

    def __post_init__(self) -> None:
        bid = _id(self.ballot_id, "ballot id")
        device_id_checked(self.device_id)
        contests = self.contests
        if not isinstance(contests, tuple) or not all(isinstance(c, EncryptedContest) for c in contests):
            raise InvalidBallot(f"ballot {bid}: contests must be a tuple of EncryptedContest")
        check_code(self.previous_code, f"ballot {bid}: previous code")
        check_code(self.confirmation_code, f"ballot {bid}: confirmation code")
        if not isinstance(self.signature, bytes) or len(self.signature) != SIGNATURE_SIZE:
            raise InvalidBallot(f"ballot {bid}: signature must be {SIGNATURE_SIZE} bytes")

    def canonical_bytes(self) -> bytes:
        """Canonical binary encoding of every field except the code and the signature.

        Layout (u32 = 4-byte big-endian unsigned; str(s) = u32(len(utf8(s))) || utf8(s);
        elements and scalars in the group's fixed-width canonical encodings,
        ``group.element_size`` and ``group.scalar_size`` bytes)::

            str("PILWU-V1-ballot")                 format version (DST_BALLOT_FORMAT)
            str(ballot_id)
            str(device_id)
            previous_code                          32 bytes
            u32(number of contests)
            for each contest, in manifest order:
                str(contest_id)
                u32(number of options)
                for each option, in manifest order:
                    str(option_id)
                    alpha || beta                  the option's ciphertext
                    proof(option range proof)
                proof(contest-sum range proof)
                u32(W)                             write-in elements (0: no write-in)
                write-in(W)                        only when W > 0

            write-in(W) = alpha_1 || beta_1 || … || alpha_W || beta_W
                          || a_1 || v_1 || … || a_W || v_W      (nonce proof: element, scalar)

            proof(P) = u32(number of branches, L + 1)
                       || for j = 0..L: a_j || b_j || c_j || v_j    (element, element, scalar, scalar)

        The confirmation code is computed from these bytes and cannot be part of them; the
        signature covers their digest and the code.  Given the group, the layout parses back
        unambiguously (every variable-length item carries its length or count).
        """
        return _canonical(self.ballot_id, self.device_id, self.previous_code, self.contests)

    def digest(self) -> bytes:
        """ballot_digest = tagged_hash(DST_BALLOT_DIGEST, canonical_bytes): input of the code.

        Computed once per (immutable) ballot: the envelope check, the chain check and the
        verifier's workers all need it."""
        cached: bytes | None = self.__dict__.get("_digest")
        if cached is None:
            cached = ballot_digest(self.canonical_bytes())
            object.__setattr__(self, "_digest", cached)
        return cached

    def signed_bytes(self, context: ElectionContext) -> bytes:
        """The framed message the device signs: (DST_DEVICE_BALLOT, H_E, ballot digest, code)."""
        return ballot_message(context, self.digest(), self.confirmation_code)


def _proof_bytes(proof: RangeProof) -> bytes:
    out = [u32(len(proof.branches))]
    for br in proof.branches:
        out += [br.a.to_bytes(), br.b.to_bytes(), br.c.to_bytes(), br.v.to_bytes()]
    return b"".join(out)


def _canonical(ballot_id: str, device_id: str, previous_code: bytes,
               contests: tuple[EncryptedContest, ...]) -> bytes:
    out = [_str(DST_BALLOT_FORMAT.decode()), _str(ballot_id), _str(device_id), previous_code,
           u32(len(contests))]
    for contest in contests:
        out += [_str(contest.contest_id), u32(len(contest.options))]
        for option in contest.options:
            out += [_str(option.option_id), option.ciphertext.alpha.to_bytes(),
                    option.ciphertext.beta.to_bytes(), _proof_bytes(option.proof)]
        out.append(_proof_bytes(contest.sum_proof))
        if contest.write_in is None:
            out.append(u32(0))
        else:
            out += [u32(len(contest.write_in.ciphertexts)), contest.write_in.canonical_bytes()]
    return b"".join(out)


def ballot_digest(canonical: bytes) -> bytes:
    """tagged_hash(DST_BALLOT_DIGEST, canonical bytes) (32 bytes)."""
    return tagged_hash(DST_BALLOT_DIGEST, [canonical])


def ballot_message(context: ElectionContext, digest: bytes, code: bytes) -> bytes:
    """signed_message(DST_DEVICE_BALLOT, H_E, ballot digest, confirmation code).

    Hash-then-sign: the digest is the collision-resistant tagged hash of the canonical
    bytes, so signing it binds them exactly as signing the bytes would, and the signer
    handles 32 bytes instead of the whole ballot.
    """
    return signed_message(DST_DEVICE_BALLOT, context.election_hash, [digest, code])


def proof_transcript(context: ElectionContext, ballot_id: str, device_id: str, contest_id: str,
                     option_id: str | None) -> Transcript:
    """The transcript of one ballot proof: bound to H_E, ballot, device, contest and position.

    ``option_id`` None means the contest's selection-limit (contest-sum) proof.
    """
    return _BallotTranscripts(context, ballot_id, device_id).at(contest_id, option_id)


class _BallotTranscripts:
    """The proof transcripts of one ballot, copied from their shared prefix (no re-hashing)."""

    __slots__ = ("_base",)

    def __init__(self, context: ElectionContext, ballot_id: str, device_id: str) -> None:
        self._base = context.transcript(DST_BALLOT_PROOF)
        self._base.append_text("ballot", ballot_id)
        self._base.append_text("device", device_id)

    def at(self, contest_id: str, option_id: str | None) -> Transcript:
        t = self._base.copy()
        t.append_text("contest", contest_id)
        if option_id is None:
            t.append_text("position", CONTEST_SUM)
        else:
            t.append_text("position", "option")
            t.append_text("option", option_id)
        return t

    def write_in(self, contest_id: str) -> Transcript:
        """The transcript of the contest's write-in nonce proof (position "write-in")."""
        t = self._base.copy()
        t.append_text("contest", contest_id)
        t.append_text("position", WRITE_IN_POSITION)
        return t


def seal_ballot(context: ElectionContext, device: VotingDevice, ballot_id: str,
                contests: tuple[EncryptedContest, ...], previous_code: bytes) -> EncryptedBallot:
    """Give encrypted contests their place in the device's chain: code and signature.

    What a device does after encrypting (used by :func:`encrypt_ballot`; tests use it to
    build adversarial ballots that are nevertheless correctly signed).
    """
    bid = _id(ballot_id, "ballot id")
    check_code(previous_code, f"ballot {bid}: previous code")
    digest = ballot_digest(_canonical(bid, device.device_id, previous_code, contests))
    code = next_code(context, device.device_id, previous_code, digest)
    signature = device.sign(ballot_message(context, digest, code))
    return EncryptedBallot(bid, device.device_id, contests, previous_code, code, signature)


# ---- secrets and encryption ----------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class BallotSecrets:
    """What the device keeps until the voter casts or challenges: votes and nonces.

    Both are per contest and per option in manifest order.  Never published unless the
    ballot is challenged; ``repr``/``str`` are redacted.
    """

    ballot_id: str
    selections: tuple[tuple[int, ...], ...]
    nonces: tuple[tuple[SecretScalar, ...], ...]
    write_ins: tuple[tuple[str, tuple[SecretScalar, ...]] | None, ...] = ()
    """Per contest: (name, nonces) of its write-in, None for a contest without write-ins."""

    def __repr__(self) -> str:
        return f"BallotSecrets({self.ballot_id!r}, selections=<redacted>, nonces=<redacted>)"

    __str__ = __repr__


def encrypt_ballot(context: ElectionContext, device: VotingDevice, plaintext: PlaintextBallot,
                   previous_code: bytes, *,
                   constant_time: bool = False) -> tuple[EncryptedBallot, BallotSecrets]:
    """Encrypt, prove, chain and sign a ballot; returns it with the secrets a challenge reveals.

    Validates against the manifest first (InvalidBallot on an unknown contest or option,
    a value out of range or an over-vote).  ``previous_code`` is the device's last code
    (:func:`~pilwu_crypto.election.device.initial_code` for its first ballot).
    ``constant_time`` selects the constant-time exponentiation for nonces (elgamal module
    doc).  Every ciphertext gets its own fresh nonce; the contest-sum proof uses their sum.
    """
    manifest = context.manifest
    values = validate_plaintext(manifest, plaintext)
    bid = plaintext.ballot_id
    did = device.device_id
    check_code(previous_code, f"ballot {bid}: previous code")
    key = context.joint_key
    group = context.group
    transcripts = _BallotTranscripts(context, bid, did)
    contests: list[EncryptedContest] = []
    all_nonces: list[tuple[SecretScalar, ...]] = []
    write_in_secrets: list[tuple[str, tuple[SecretScalar, ...]] | None] = []
    for contest, votes in zip(manifest.contests, values, strict=True):
        cid = contest.contest_id
        options: list[EncryptedOption] = []
        nonces: list[SecretScalar] = []
        for option, v in zip(contest.options, votes, strict=True):
            enc = elgamal.encrypt(key, v, constant_time=constant_time)  # fresh nonce per ciphertext
            proof = prove_range(transcripts.at(cid, option.option_id), key,
                                enc.ciphertext, v, enc.nonce, contest.option_limit,
                                constant_time=constant_time)
            options.append(EncryptedOption(option.option_id, enc.ciphertext, proof))
            nonces.append(enc.nonce)
        total = elgamal.sum_ciphertexts(group, [o.ciphertext for o in options])
        total_nonce = SecretScalar(group, sum(n.value for n in nonces) % group.q)
        sum_proof = prove_range(transcripts.at(cid, None), key, total, sum(votes),
                                total_nonce, contest.selection_limit, constant_time=constant_time)
        write_in: EncryptedWriteIn | None = None
        if contest.write_in_elements:
            name = plaintext.write_ins.get(cid, "")
            write_in, wi_nonces = encrypt_write_in(context, transcripts.write_in(cid), name,
                                                   contest.write_in_elements, f"ballot {bid}, contest {cid}",
                                                   constant_time=constant_time)
            write_in_secrets.append((name, wi_nonces))
        else:
            write_in_secrets.append(None)
        contests.append(EncryptedContest(cid, tuple(options), sum_proof, write_in))
        all_nonces.append(tuple(nonces))
    ballot = seal_ballot(context, device, bid, tuple(contests), previous_code)
    return ballot, BallotSecrets(bid, values, tuple(all_nonces), tuple(write_in_secrets))


# ---- verification --------------------------------------------------------------------------


def _check_ids(where: str, kind: str, expected: list[str], got: list[str]) -> None:
    """The ballot lists exactly the manifest's ids, in the same order, else InvalidBallot."""
    if expected == got:
        return
    missing = [i for i in expected if i not in got]
    extra = [i for i in got if i not in expected]
    if missing or extra:
        detail = ", ".join(filter(None, [f"missing {missing}" if missing else "",
                                         f"extra {extra}" if extra else ""]))
    elif len(set(got)) != len(got):
        detail = "duplicated ids"
    else:
        detail = f"order {got} differs from the manifest's {expected}"
    raise InvalidBallot(f"{where}: {kind} do not match the manifest ({detail})")


def check_structure(manifest: Manifest, ballot: EncryptedBallot) -> None:
    """Same contests and options as the manifest, same order, nothing missing or extra;
    a write-in of the manifest's width exactly in the contests that take one."""
    bid = ballot.ballot_id
    _check_ids(f"ballot {bid}", "contests", [c.contest_id for c in manifest.contests],
               [c.contest_id for c in ballot.contests])
    for mc, bc in zip(manifest.contests, ballot.contests, strict=True):
        _check_ids(f"ballot {bid}, contest {mc.contest_id}", "options", [o.option_id for o in mc.options],
                   [o.option_id for o in bc.options])
        got = 0 if bc.write_in is None else len(bc.write_in.ciphertexts)
        if got != mc.write_in_elements:
            raise InvalidBallot(f"ballot {bid}, contest {mc.contest_id}: {got} {WRITE_IN_POSITION} ciphertexts, "
                                f"the manifest says {mc.write_in_elements}")


def verify_ballot(context: ElectionContext, registrations: Mapping[str, DeviceRegistration],
                  ballot: EncryptedBallot) -> None:
    """Check a published ballot completely; raises InvalidBallot or InvalidProof naming the fault.

    In order: registered device; contests and options exactly those of the manifest;
    confirmation code = H(H_E, device, previous code, digest of canonical bytes); device
    signature; every element in the election's group; every option's range proof with
    the manifest's option limit; every contest-sum proof, against the product of that
    contest's ciphertexts, with the manifest's selection limit (checklist A14); every
    write-in's nonce proof.  The chain (previous code = code of the device's previous
    ballot) is checked by :class:`~pilwu_crypto.election.device.ChainVerifier`,
    duplicates by :class:`ReplayGuard`.  :func:`batch_ballot_proofs` is the batched form
    of the proof part.
    """
    verify_envelope(context, registrations, ballot)
    bid, did = ballot.ballot_id, ballot.device_id
    group, key = context.group, context.joint_key
    transcripts = _BallotTranscripts(context, bid, did)
    for mc, bc in zip(context.manifest.contests, ballot.contests, strict=True):
        cid = mc.contest_id
        for option in bc.options:
            where = f"ballot {bid}, contest {cid}, option {option.option_id}"
            try:
                group.check_element(option.ciphertext.alpha, f"{where}: alpha")
                group.check_element(option.ciphertext.beta, f"{where}: beta")
            except PilwuError as exc:
                raise InvalidBallot(str(exc)) from None
            _verify_proof(transcripts.at(cid, option.option_id), key, option.ciphertext,
                          mc.option_limit, option.proof, where)
        _verify_proof(transcripts.at(cid, None), key, bc.sum_ciphertext(),
                      mc.selection_limit, bc.sum_proof, f"ballot {bid}, contest {cid}, {CONTEST_SUM}")
        verify_write_in(context, transcripts.write_in(cid), bc.write_in, mc.write_in_elements,
                        f"ballot {bid}, contest {cid}, {WRITE_IN_POSITION}")


def verify_envelope(context: ElectionContext, registrations: Mapping[str, DeviceRegistration],
                    ballot: EncryptedBallot) -> None:
    """The part of :func:`verify_ballot` before the proofs: registered device, structure,
    confirmation code and device signature (same errors, same order)."""
    bid, did = ballot.ballot_id, ballot.device_id
    registration = registrations.get(did)
    if registration is None:
        raise InvalidBallot(f"ballot {bid}: unregistered device {did}")
    if registration.device_id != did:
        raise InvalidBallot(f"ballot {bid}: the registration of device {did} is for "
                            f"{registration.device_id}")
    check_structure(context.manifest, ballot)
    digest = ballot.digest()
    # code = H(DST_CODE, H_E, device_id, previous_code, H(DST_BALLOT_DIGEST, canonical bytes))
    if next_code(context, did, ballot.previous_code, digest) != ballot.confirmation_code:
        raise InvalidBallot(f"ballot {bid}: confirmation code != "
                            "H(H_E, device, previous code, ballot digest)")
    try:
        verify_device_signature(registration, ballot_message(context, digest, ballot.confirmation_code),
                                ballot.signature)
    except InvalidBallot as exc:
        raise InvalidBallot(f"ballot {bid}: {exc}") from None


def device_signed(context: ElectionContext, registrations: Mapping[str, DeviceRegistration],
                  ballot: EncryptedBallot) -> bool:
    """Whether ``ballot`` is attributable to its device: the device is registered, the
    confirmation code recomputes from the ballot's bytes and the device's signature over
    them verifies.  Such a ballot that fails any other check was signed invalid by its
    device (the exclusion rule, docs/record-format.md §5.11); one whose bytes were changed
    by anyone else fails this test and is never excludable."""
    registration = registrations.get(ballot.device_id)
    if registration is None or registration.device_id != ballot.device_id:
        return False
    try:
        digest = ballot.digest()
        if next_code(context, ballot.device_id, ballot.previous_code, digest) != ballot.confirmation_code:
            return False
        verify_device_signature(registration, ballot_message(context, digest, ballot.confirmation_code),
                                ballot.signature)
    except PilwuError:
        return False
    return True


def batch_ballot_proofs(context: ElectionContext, ballot: EncryptedBallot, batch: LinearBatch) -> None:
    """Add every proof equation of an enveloped ballot (verify_envelope passed) to ``batch``
    (algebra/batch.py): option and contest-sum range proofs, write-in nonce proofs.
    Raises PilwuError when something fails before any exponentiation; the caller then runs
    :func:`verify_ballot` for the exact message.  The ballot's ciphertexts must already be
    known to be group members (decoded with the check, or a MembershipBatch)."""
    bid, did = ballot.ballot_id, ballot.device_id
    group, key = context.group, context.joint_key
    transcripts = _BallotTranscripts(context, bid, did)
    for mc, bc in zip(context.manifest.contests, ballot.contests, strict=True):
        cid = mc.contest_id
        for option in bc.options:
            group.check_element(option.ciphertext.alpha)
            group.check_element(option.ciphertext.beta)
            batch_range(batch, transcripts.at(cid, option.option_id), key, option.ciphertext, mc.option_limit,
                        option.proof)
        batch_range(batch, transcripts.at(cid, None), key, bc.sum_ciphertext(), mc.selection_limit, bc.sum_proof)
        if mc.write_in_elements:
            if bc.write_in is None or len(bc.write_in.ciphertexts) != mc.write_in_elements:
                raise InvalidBallot(f"ballot {bid}, contest {cid}: write-in shape")
            batch_nonce_knowledge(batch, transcripts.write_in(cid), key, bc.write_in.ciphertexts,
                                  bc.write_in.proof)
        elif bc.write_in is not None:
            raise InvalidBallot(f"ballot {bid}, contest {cid}: unexpected write-in")


def _verify_proof(transcript: Transcript, key: elgamal.PublicKey, ciphertext: Ciphertext, limit: int,
                  proof: RangeProof, where: str) -> None:
    try:
        verify_range(transcript, key, ciphertext, limit, proof)
    except InvalidProof as exc:
        raise InvalidProof(f"{where}: range proof 0..{limit}: {exc}") from None
    except PilwuError as exc:
        raise InvalidBallot(f"{where}: range proof 0..{limit}: {exc}") from None


# ---- Benaloh challenge ---------------------------------------------------------------------


@dataclass(frozen=True)
class RevealedOption:
    """A challenged option: its votes and the nonce of its ciphertext (published)."""

    option_id: str
    value: int
    nonce: Scalar


@dataclass(frozen=True)
class RevealedContest:
    """A challenged contest: every option revealed, in manifest order."""

    contest_id: str
    options: tuple[RevealedOption, ...]
    write_in: str | None = None
    """The revealed write-in name, for a contest that takes write-ins (None otherwise)."""
    write_in_nonces: tuple[Scalar, ...] = ()
    """The nonces of the write-in's ciphertexts, in order."""


@dataclass(frozen=True)
class ChallengedBallot:
    """A ballot the voter challenged instead of casting: the ballot and everything it hid.

    Never tallied; anyone can check that it encrypts what the voter saw.
    """

    ballot: EncryptedBallot
    contests: tuple[RevealedContest, ...]

    def selections(self) -> dict[str, dict[str, int]]:
        """contest id -> option id -> revealed votes (for showing the voter)."""
        return {c.contest_id: {o.option_id: o.value for o in c.options} for c in self.contests}


def challenge_ballot(ballot: EncryptedBallot, secrets: BallotSecrets) -> ChallengedBallot:
    """Reveal the selections and nonces of ``ballot`` (which must not be cast)."""
    bid = ballot.ballot_id
    if secrets.ballot_id != bid:
        raise InvalidBallot(f"ballot {bid}: secrets belong to ballot {secrets.ballot_id}")
    shape = [len(c.options) for c in ballot.contests]
    if shape != [len(s) for s in secrets.selections] or shape != [len(n) for n in secrets.nonces]:
        raise InvalidBallot(f"ballot {bid}: secrets do not have the ballot's shape")
    write_ins = secrets.write_ins or (None,) * len(ballot.contests)
    if [c.write_in is None for c in ballot.contests] != [w is None for w in write_ins]:
        raise InvalidBallot(f"ballot {bid}: secrets do not have the ballot's write-ins")
    contests = []
    for bc, votes, nonces, wi in zip(ballot.contests, secrets.selections, secrets.nonces, write_ins, strict=True):
        revealed = tuple(RevealedOption(o.option_id, v, n.public())
                         for o, v, n in zip(bc.options, votes, nonces, strict=True))
        if wi is None:
            contests.append(RevealedContest(bc.contest_id, revealed))
        else:
            contests.append(RevealedContest(bc.contest_id, revealed, wi[0], tuple(n.public() for n in wi[1])))
    return ChallengedBallot(ballot, tuple(contests))


def verify_challenged(context: ElectionContext, registrations: Mapping[str, DeviceRegistration],
                      challenged: ChallengedBallot) -> None:
    """verify_ballot, then re-encrypt every revealed (value, nonce) and compare with the ballot.

    Raises InvalidBallot naming the ballot, contest and option whose revealed value does
    not re-encrypt to the published ciphertext (the device lied to the voter).
    """
    ballot = challenged.ballot
    verify_ballot(context, registrations, ballot)
    bid = ballot.ballot_id
    manifest = context.manifest
    _check_ids(f"challenged ballot {bid}", "revealed contests", [c.contest_id for c in manifest.contests],
               [c.contest_id for c in challenged.contests])
    for mc, bc, rc in zip(manifest.contests, ballot.contests, challenged.contests, strict=True):
        cid = mc.contest_id
        _check_ids(f"challenged ballot {bid}, contest {cid}", "revealed options",
                   [o.option_id for o in mc.options], [o.option_id for o in rc.options])
        total = 0
        for bo, ro in zip(bc.options, rc.options, strict=True):
            where = f"challenged ballot {bid}, contest {cid}, option {ro.option_id}"
            v = ro.value
            if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= mc.option_limit:
                raise InvalidBallot(f"{where}: revealed value {v!r} not in [0, {mc.option_limit}]")
            if not isinstance(ro.nonce, Scalar) or ro.nonce.group.q != context.group.q:
                raise InvalidBallot(f"{where}: revealed nonce is not a scalar of {context.group.name}")
            # (g^r, g^v K^r) == (alpha, beta)
            if elgamal.encrypt_with_nonce(context.joint_key, v, ro.nonce) != bo.ciphertext:
                raise InvalidBallot(f"{where}: revealed value {v} and nonce do not re-encrypt to the "
                                    "published ciphertext")
            total += v
        if total > mc.selection_limit:
            raise InvalidBallot(f"challenged ballot {bid}, contest {cid}: revealed {total} votes exceed the "
                                f"selection limit {mc.selection_limit}")
        where = f"challenged ballot {bid}, contest {cid}, {WRITE_IN_POSITION}"
        if bc.write_in is None:
            if rc.write_in is not None or rc.write_in_nonces:
                raise InvalidBallot(f"{where}: a revealed write-in, but the ballot has none")
        elif rc.write_in is None:
            raise InvalidBallot(f"{where}: the ballot's write-in is not revealed")
        else:
            check_revealed_write_in(context, bc.write_in, rc.write_in, rc.write_in_nonces, where)


# ---- replay and duplicate detection --------------------------------------------------------


class ReplayGuard:
    """Rejects a ballot that repeats anything of an earlier one (Cortier–Smyth, checklist A10).

    Feed every ballot of the election (cast *and* challenged) with :meth:`add`, in any
    order.  Caught, with InvalidBallot naming both ballots:

    - a repeated ballot id;
    - an identical ciphertext alpha (the encoding of g^r) anywhere, in another ballot or
      twice in one: a copied ballot, a homomorphically shifted copy (beta * g^k keeps
      alpha), a recast challenged ballot, or a reused nonce;
    - an identical proof commitment (any a_j or b_j of any range proof): a proof copied
      from another ballot (e.g. a re-randomized copy that kept its proofs, which then do
      not verify anyway) or reused prover randomness.

    Not caught here: a re-randomized copy with *fresh valid* proofs; producing one
    requires the original nonces, i.e. the device that made the ballot.  Memory: one
    16-byte digest (SHA-256 under DST_REPLAY, truncated; collisions ~2^-128 per pair)
    per alpha and per commitment, with a reference to the ballot id that owns it; no
    elements are stored.
    """

    DIGEST_SIZE = 16

    __slots__ = ("_ids", "_seen")

    def __init__(self) -> None:
        self._ids: set[str] = set()
        self._seen: dict[bytes, str] = {}

    def __len__(self) -> int:
        """Ballots accepted so far."""
        return len(self._ids)

    def _digest(self, data: bytes) -> bytes:
        return hashlib.sha256(DST_REPLAY + data).digest()[:self.DIGEST_SIZE]

    def add(self, ballot: EncryptedBallot) -> None:
        """Accept the ballot or raise InvalidBallot (nothing is recorded for a rejected ballot)."""
        bid = ballot.ballot_id
        if bid in self._ids:
            raise InvalidBallot(f"ballot {bid}: duplicate ballot id")
        fresh: dict[bytes, str] = {}
        for what, data in replay_items(ballot):
            d = self._digest(data)
            earlier = self._seen.get(d)
            if earlier is not None:
                raise InvalidBallot(f"ballot {bid}, {what}: repeats one of ballot {earlier} "
                                    "(replayed ballot)")
            if d in fresh:
                raise InvalidBallot(f"ballot {bid}, {what}: repeats {fresh[d]} of the same ballot")
            fresh[d] = what
        self._ids.add(bid)
        self._seen.update(dict.fromkeys(fresh, bid))


def replay_items(ballot: EncryptedBallot) -> list[tuple[str, bytes]]:
    """(position, encoding) of every alpha and every proof commitment of a ballot."""
    items: list[tuple[str, bytes]] = []

    def proof_items(where: str, proof: RangeProof) -> None:
        for j, br in enumerate(proof.branches):
            items.append((f"{where} commitment a[{j}]", br.a.to_bytes()))
            items.append((f"{where} commitment b[{j}]", br.b.to_bytes()))

    for c in ballot.contests:
        for o in c.options:
            where = f"contest {c.contest_id}, option {o.option_id}"
            items.append((f"{where} ciphertext alpha", o.ciphertext.alpha.to_bytes()))
            proof_items(where, o.proof)
        proof_items(f"contest {c.contest_id}, {CONTEST_SUM}", c.sum_proof)
        if c.write_in is not None:
            where = f"contest {c.contest_id}, {WRITE_IN_POSITION}"
            for j, ct in enumerate(c.write_in.ciphertexts):
                items.append((f"{where} ciphertext {j} alpha", ct.alpha.to_bytes()))
            for j, a in enumerate(c.write_in.proof.commitments):
                items.append((f"{where} commitment a[{j}]", a.to_bytes()))
    return items
