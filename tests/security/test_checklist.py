"""Security regression suite: attacks of the security checklist rows (docs/threat-model.md) that had no test.

Each test is named after its row (``test_a13_…``; the untitled list below the table is
U1–U4, see tests/security/test_checklist_index.py) and runs the attack for real, through
the library's public API or on a written election record, with the attacker's best
effort: a dishonest device re-signs and re-chains what it tampered with
(tests/security/kit.py), an attacker editing a record recomputes every file hash
(``reindex``).  Each test asserts that the attack fails, and where an equation is forged
it first asserts that the forgery *would* pass a verifier with the historical flaw, so
that the test cannot pass vacuously.

Rows with tests elsewhere (``grep -rn "def test_a[0-9]" tests``) are not repeated here.
Groups: the test-only ``pilwu-test-512`` and P-256 (tests/conftest.py ``group``); no test
here depends on the group's size.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from Crypto.PublicKey import ECC
from Crypto.PublicKey.ECC import EccPoint
from Crypto.Signature import eddsa

import pilwu_crypto
from pilwu_crypto import elgamal as eg
from pilwu_crypto.algebra.group import Group, Scalar
from pilwu_crypto.algebra.modp import ModPGroup
from pilwu_crypto.algebra.transcript import Transcript
from pilwu_crypto.cli import main as pilwu_main
from pilwu_crypto.election.ballot import (
    BallotSecrets,
    EncryptedBallot,
    EncryptedContest,
    EncryptedOption,
    ballot_message,
    challenge_ballot,
    proof_transcript,
)
from pilwu_crypto.election.context import ElectionContext, ceremony_shares_hash, election_hash
from pilwu_crypto.election.decryption import trustee_decrypt
from pilwu_crypto.election.device import DeviceRegistration, initial_code, verify_device_signature
from pilwu_crypto.election.mixballot import cast_mix_input
from pilwu_crypto.election.mixnet import (
    MixServer,
    MixStage,
    mix_generators,
    run_stage,
    stage_message,
    verify_chain,
)
from pilwu_crypto.election.tally import tally_ballots
from pilwu_crypto.elgamal import PublicKey
from pilwu_crypto.errors import CeremonyError, DecryptionError, InvalidBallot, InvalidProof, MalformedRecord, PilwuError
from pilwu_crypto.proofs import schnorr
from pilwu_crypto.proofs.range import prove_range
from pilwu_crypto.proofs.schnorr import SchnorrProof, prove_schnorr, verify_schnorr
from pilwu_crypto.proofs.shuffle import CiphertextVector
from pilwu_crypto.record import codec, messages
from pilwu_crypto.record.io import RecordReader, RecordUnreadable
from pilwu_crypto.record.layout import FORMAT_VERSION, LEGACY_FORMAT_VERSION
from pilwu_crypto.record.mixread import verified_final_list
from pilwu_crypto.threshold import dkg
from pilwu_crypto.threshold.dkg import CommitmentDigest, check_reveals, joint_key, verification_keys
from tests.mixed_record import write_mixed_election
from tests.security.kit import (
    HeldElection,
    edit_document,
    failing,
    publish,
    reindex,
    small_group,
    start_election,
    verify,
    vote_for,
)

SRC = Path(pilwu_crypto.__file__).parent


# ---- shared elections ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[HeldElection, Path]:
    """A small homomorphic election on the test group: 3 trustees (t = 2, one absent),
    2 devices, 4 cast ballots and 1 challenged, written and verified once."""
    held = start_election()
    d1, d2 = held.booth("device-1"), held.booth("device-2")
    d1.cast("ballot-1", vote_for("candidate-1"))
    d1.challenge("ballot-2", vote_for("candidate-2"))
    d1.cast("ballot-3", vote_for("candidate-3"))
    d2.cast("ballot-4", vote_for("candidate-1"))
    d2.cast("ballot-5", vote_for("candidate-2"))
    root = tmp_path_factory.mktemp("security") / "pristine"
    publish(held, root)
    report = verify(root)
    assert report.valid, failing(report)
    return held, root


@pytest.fixture
def record(pristine: tuple[HeldElection, Path], tmp_path: Path) -> Path:
    """A fresh copy of the pristine record to tamper with."""
    root = tmp_path / "record"
    shutil.copytree(pristine[1], root)
    return root


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid record with a two-server mix-net part (tests/mixed_record.py)."""
    root = tmp_path_factory.mktemp("security-mixed") / "mixed"
    write_mixed_election(small_group(), root, voters=4, mix_servers=2)
    report = verify(root)
    assert report.valid, failing(report)
    return root


@pytest.fixture
def mixed_copy(mixed: Path, tmp_path: Path) -> Path:
    root = tmp_path / "mixed"
    shutil.copytree(mixed, root)
    return root


def caught(root: Path, check: str, *needles: str) -> list[str]:
    """Assert the record is not valid, that ``check`` failed, and that its failures name
    every needle; returns the failures of every check."""
    report = verify(root)
    fails = failing(report)
    assert not report.valid and check in fails, fails
    text = " | ".join(fails[check])
    for needle in needles:
        assert needle in text, (needle, text)
    return [m for ms in fails.values() for m in ms]


def minus_one(group: Group) -> str:
    """p - 1, the element of order 2 of Z_p*, as the record's fixed-width hex."""
    assert isinstance(group, ModPGroup)
    return (int(group.p) - 1).to_bytes(group.element_size, "big").hex()


SMALL_ORDER_ED25519 = (1).to_bytes(32, "little").hex()
"""The Ed25519 identity point (order 1): every signature "verifies" under it."""


# ====================================================================== A2 ===========
BANNED_HASHES = {"sha1", "md5", "sha_1", "sha1_hash", "md4", "ripemd160"}


def weak_hash_uses(source: str) -> list[str]:
    """Every name, attribute, imported name or string literal of ``source`` that names a
    broken hash (SHA-1, MD5, MD4, RIPEMD-160), as the A2 scan looks for them."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Name):
            names = [node.id]
        elif isinstance(node, ast.Attribute):
            names = [node.attr]
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name.rsplit(".", 1)[-1] for a in node.names]
            if isinstance(node, ast.ImportFrom) and node.module:
                names.append(node.module.rsplit(".", 1)[-1])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) < 20:
            names = [node.value]
        found += [n for n in names if n.lower().replace("-", "_") in BANNED_HASHES]
    return found


def test_a2_no_sha1_or_md5_anywhere_in_the_library() -> None:
    """Helios still hashes its proofs with SHA-1 (HEL#34).  No module of pilwu_crypto may
    name SHA-1 or MD5 — not hashlib.sha1, not hashlib.new("sha1"), not Crypto.Hash.SHA1."""
    # the scan itself recognises each spelling (so an empty result means something)
    for sample in ('import hashlib\nhashlib.sha1(b"")', 'hashlib.new("sha1")', "from Crypto.Hash import SHA1",
                   "from Crypto.Hash import MD5 as H", 'hashlib.new("md5")'):
        assert weak_hash_uses(sample), sample
    offenders = {str(p.relative_to(SRC)): uses for p in sorted(SRC.rglob("*.py"))
                 if (uses := weak_hash_uses(p.read_text(encoding="utf-8")))}
    assert not offenders


def test_a2_weak_fiat_shamir_key_forgery_fails(group: Group) -> None:
    """Helios' DLog_challenge_generator hashes only the commitment h.  Then anyone can
    "prove" knowledge of the secret of a key nobody knows: pick h and v, take c = H(h),
    solve X = (g^v / h)^(1/c).  Ours hashes X too, so a challenge drawn before X is fixed
    is the wrong one for X."""
    transcript = Transcript(group, "PILWU-V1-key-ceremony", b"\x42" * 32)
    h = group.exp_g(group.random_scalar())
    v = group.random_scalar().public()
    decoy = group.exp_g(7)  # the challenge has to be drawn from *some* statement first
    c = schnorr._challenge(transcript.copy(), decoy, h)
    forged = (group.exp_g(v) / h) ** c.inverse()
    assert group.exp_g(v) == h * forged ** c  # the flawed verifier's equation holds ...
    with pytest.raises(InvalidProof):  # ... ours recomputes c from X and refuses
        verify_schnorr(transcript.copy(), forged, SchnorrProof(h, v))


# ====================================================================== A8 ===========
A8_MIXED_FIELDS: list[tuple[str, str, Callable[[Any, str], None], str, str]] = [
    # (case, document, edit(doc, minus one hex), check that fails, message)
    ("device verification key", "setup.json",
     lambda d, _: d["devices"][0].update(public_key=SMALL_ORDER_ED25519), "base-hash", "small order"),
    ("mix server verification key", "setup.json",
     lambda d, _: d["mix_servers"][1].update(public_key=SMALL_ORDER_ED25519), "base-hash", "small order"),
    ("mix decryption partial", "mixnet/decryption/trustee-2.json",
     lambda d, x: d["partials"][0].__setitem__(0, x), "mix-decryption", "not in the order-q subgroup"),
]


@pytest.mark.parametrize("case, path, edit, check, message", A8_MIXED_FIELDS, ids=[c[0] for c in A8_MIXED_FIELDS])
def test_a8_membership_checked_for_signature_keys_and_mix_documents(mixed_copy: Path, case: str, path: str,
                                                                  edit: Callable[[Any, str], None], check: str,
                                                                  message: str) -> None:
    """Belenios had to "add missing group membership checks" and "check group membership
    of the signature verification key more often".  The verification keys here are
    Ed25519 device and mix-server keys: the identity point (small order) would accept
    forged signatures.  Each such key, and each element of the mix-net documents the A7
    tests do not reach, is injected into a valid mixed record (hashes recomputed)."""
    group = RecordReader(mixed_copy).group
    if not (mixed_copy / path).exists():  # the absent trustee is drawn at random
        path = path.replace("trustee-2", "trustee-1")
    edit_document(mixed_copy, path, lambda d: edit(d, minus_one(group)))
    report = verify(mixed_copy)
    fails = failing(report)
    assert not report.valid and check in fails, (case, fails)
    assert message in " | ".join(fails[check]), (case, fails)


def test_a8_stage_output_of_order_two_rejected(mixed_copy: Path) -> None:
    """A shuffle output (mixnet/stage-1.jsonl) carrying p - 1: refused when read, named by
    file and line, never multiplied into the next stage's proof."""
    group = RecordReader(mixed_copy).group
    path = mixed_copy / "mixnet" / "stage-1.jsonl"
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    lines[1]["ciphertexts"][0]["beta"] = minus_one(group)
    path.write_text("".join(json.dumps(x, sort_keys=True, separators=(",", ":")) + "\n" for x in lines))
    reindex(mixed_copy)
    report = verify(mixed_copy)
    text = json.dumps(failing(report))
    assert not report.valid and "mixnet/stage-1.jsonl:2" in text and "not in the order-q subgroup" in text, text


def test_a8_ceremony_messages_and_tally_share_files_check_membership(pristine: tuple[HeldElection, Path],
                                                                     tmp_path: Path) -> None:
    """The documents that travel outside the record — a trustee's acknowledgement in the
    ceremony directory, a tally-share file handed to ``pilwu trustee combine`` — are
    parsed with the same membership checks as the record."""
    held, root = pristine
    group = held.context.group
    bad = minus_one(group)
    ack = {"version": FORMAT_VERSION, "kind": "ceremony-acknowledgement", "trustee_id": "trustee-1", "trustee_index": 1,
           "base_hash": held.context.base_hash.hex(), "joint_key": held.context.joint_key.element.to_bytes().hex(),
           "verification_key": bad}
    with pytest.raises(PilwuError, match="not in the order-q subgroup"):
        messages.acknowledgement_from_json(group, ack)
    ack["verification_key"], ack["joint_key"] = ack["joint_key"], bad
    with pytest.raises(PilwuError, match="not in the order-q subgroup"):
        messages.acknowledgement_from_json(group, ack)
    share = json.loads((root / "tally" / "shares" / "trustee-1.json").read_text())
    share["partials"][0] = bad
    target = tmp_path / "share.json"
    target.write_text(json.dumps(share, sort_keys=True, separators=(",", ":")) + "\n")
    with pytest.raises(MalformedRecord, match="partials\\[0\\]: not in the order-q subgroup"):
        messages.read_tally_share_file(target, group)


# ====================================================================== A13 ==========
def test_a13_ceremony_proofs_do_not_move_to_another_election(pristine: tuple[HeldElection, Path],
                                                             tmp_path: Path) -> None:
    """ElectionGuard left the base hash out of its Schnorr challenge.  Here every
    coefficient proof is bound to H_B (parameters, manifest, trustees, threshold): the
    complete ceremony of one election, transplanted into the record of another with the
    same group and trustee list (context recomputed to match it), fails the key-ceremony
    check at the first proof."""
    held, _ = pristine
    other_held = start_election(manifest=dataclasses.replace(held.context.manifest, election_id="another-election",
                                                             name="Another election"))
    other_held.booth().cast("ballot-1", vote_for("candidate-1"))
    other = tmp_path / "other"
    publish(other_held, other)
    outcome = held.outcome
    # the round-1 digests hash H_B too: the attacker recomputes them for the other election
    digests = [CommitmentDigest(r.trustee_id, r.trustee_index, dkg.commitment_digest(other_held.outcome.ceremony, r))
               for r in outcome.reveals]
    for name, doc in (("ceremony/digests.json", codec.digests_to_json(digests)),
                      ("ceremony/reveals.json", codec.reveals_to_json(outcome.reveals))):
        (other / name).write_bytes(codec.dumps_canonical(doc))
    shutil.copyfile(pristine[1] / "ceremony" / "shares.jsonl", other / "ceremony" / "shares.jsonl")
    commitments = [r.commitments for r in outcome.reveals]
    K = joint_key(held.context.group, commitments)

    def context(d: dict[str, Any]) -> None:
        d["joint_key"] = K.to_bytes().hex()
        d["verification_keys"] = {str(i): k.to_bytes().hex()
                                  for i, k in verification_keys(held.context.group, commitments).items()}
        # H_E binds the shares copied in, hashed under the other election's H_B
        d["election_hash"] = election_hash(bytes.fromhex(d["base_hash"]), K, commitments,
                                           ceremony_shares_hash(other_held.outcome.ceremony, outcome.shares)).hex()

    edit_document(other, "context.json", context)
    caught(other, "key-ceremony", "proof of knowledge of coefficient 0")


VERSIONED = ["manifest.json", "setup.json", "ceremony/ceremony.json", "ceremony/digests.json",
             "ceremony/reveals.json", "ceremony/complaints.json", "context.json", "devices.json",
             "tally/encrypted_tally.json", "tally/result.json", "tally/shares/trustee-1.json", "mixnet/stage-1.json",
             "mixnet/result.json"]


def test_a13_every_document_carries_and_pins_its_format_version(mixed: Path, tmp_path: Path) -> None:
    """Records carry their format version (so a fix never has to keep old hashes valid,
    ElectionGuard py#278): a document claiming another version — an unknown one, or format
    1 inside a format-2 record — is refused by name; for index.json and parameters.json the
    record cannot be read at all (exit 2)."""
    reader = RecordReader(mixed)
    docs = [p for p in VERSIONED if p in reader.index_paths() or p.startswith("tally/shares/")]
    docs = [p if (mixed / p).exists() else p.replace("trustee-1", "trustee-2") for p in docs]
    decryptions = [p for p in reader.index_paths() if p.startswith("mixnet/decryption/")]
    for k, path in enumerate([*docs, decryptions[0]]):
        root = tmp_path / path.replace("/", "_")
        shutil.copytree(mixed, root)
        other = (LEGACY_FORMAT_VERSION, FORMAT_VERSION + 1)[k % 2]  # both kinds, alternately

        def claim(d: dict[str, Any], v: int = other) -> None:
            d["version"] = v

        edit_document(root, path, claim)
        report = verify(root)
        text = json.dumps(failing(report))
        assert not report.valid and path in text and "version" in text, (path, text)
    for path, other in (("parameters.json", FORMAT_VERSION + 1), ("index.json", FORMAT_VERSION + 1),
                        ("index.json", LEGACY_FORMAT_VERSION)):
        root = tmp_path / f"{path}-{other}"
        shutil.copytree(mixed, root)
        doc = json.loads((root / path).read_text())
        doc["version"] = other
        (root / path).write_text(json.dumps(doc, sort_keys=True, separators=(",", ":")) + "\n")
        if path != "index.json":
            reindex(root)
        with pytest.raises(RecordUnreadable, match="version"):
            verify(root)


def test_a13_parameters_of_format_1_in_a_format_2_record_refused(mixed_copy: Path) -> None:
    """parameters.json is pinned to the index's format version like every other document
    (docs/record-format.md §9: no mixing of formats); it is read before anything else, so
    the record cannot be read at all (exit 2)."""
    edit_document(mixed_copy, "parameters.json", lambda d: d.update(version=LEGACY_FORMAT_VERSION))
    try:
        report = verify(mixed_copy)
    except RecordUnreadable as exc:
        assert "parameters.json" in str(exc) and "version" in str(exc), str(exc)
    else:
        text = json.dumps(failing(report))
        assert not report.valid and "parameters.json" in text and "version" in text, text


# ====================================================================== A18 ==========
def test_a18_schnorr_related_key_forgery_fails(pristine: tuple[HeldElection, Path]) -> None:
    """Belenios' credential signatures left the verification key out of the hash.  Then a
    valid proof (h, v) for X gives one for X' = X g^d: v' = v + c d, same h, same c — a
    proof of knowledge for a key whose secret nobody knows.  Here c is recomputed from X',
    so the shifted proof of a real trustee's coefficient commitment fails, alone and inside
    the ceremony's reveal."""
    held, _ = pristine
    ceremony = held.outcome.ceremony
    group = ceremony.group
    reveal = held.outcome.reveals[1]
    C, proof = reveal.commitments[0], reveal.coefficient_proofs[0]
    transcript = dkg._coefficient_transcript(ceremony, reveal.trustee_id, reveal.trustee_index, 0)
    c = schnorr._challenge(transcript.copy(), C, proof.h)
    d = group.random_scalar().public()
    shifted_key = C * group.exp_g(d)
    shifted = SchnorrProof(proof.h, proof.v + c * d)
    assert group.exp_g(shifted.v) == shifted.h * shifted_key ** c  # valid if c ignored the key
    with pytest.raises(InvalidProof):
        verify_schnorr(transcript.copy(), shifted_key, shifted)
    forged = reveal.__class__(reveal.trustee_id, reveal.trustee_index, (shifted_key, *reveal.commitments[1:]),
                              (shifted, *reveal.coefficient_proofs[1:]), reveal.aux_key, reveal.aux_key_proof)
    with pytest.raises(CeremonyError, match="proof of knowledge of coefficient 0"):
        dkg.check_reveal(ceremony, CommitmentDigest(forged.trustee_id, forged.trustee_index,
                                                    dkg.commitment_digest(ceremony, forged)), forged)


ED25519_L = 2**252 + 27742317777372353535851937790883648493


def _ed25519_base() -> EccPoint:
    base: EccPoint = ECC._curves["ed25519"].G
    probe = ECC.generate(curve="Ed25519")
    assert probe.pointQ == base * int(probe.d)  # B is the base point, d the secret scalar
    return base


def test_a18_ed25519_related_key_forgery_fails(pristine: tuple[HeldElection, Path]) -> None:
    """The device signatures: Ed25519 (RFC 8032) hashes R, the public key A and the
    message.  A signature (R, S) of a ballot under A would, if the hash left A out, give
    one under A' = A + d·B as S' = S + d·h.  The shifted key is a valid, non-small-order
    point, so only the hash stops the forgery — and it does."""
    held, _ = pristine
    ballot = held.booth("device-1").entries[0]
    assert isinstance(ballot, EncryptedBallot)
    message = ballot_message(held.context, ballot.digest(), ballot.confirmation_code)
    registration = held.booth("device-1").device.registration
    verify_device_signature(registration, message, ballot.signature)  # the honest one verifies
    R, S = ballot.signature[:32], int.from_bytes(ballot.signature[32:], "little")
    a_point = eddsa.import_public_key(registration.public_key).pointQ
    helper = ECC.generate(curve="Ed25519")
    shifted_point = a_point + helper.pointQ  # A' = A + d·B with d = helper.d
    shifted_raw = ECC.EccKey(curve="Ed25519", point=shifted_point).export_key(format="raw")
    h = int.from_bytes(hashlib.sha512(R + registration.public_key + message).digest(), "little") % ED25519_L
    shifted_s = (S + int(helper.d) * h) % ED25519_L
    B = _ed25519_base()
    r_point = eddsa.import_public_key(R).pointQ
    assert B * shifted_s == r_point + shifted_point * h  # valid for a hash without the key ...
    forged_registration = DeviceRegistration("device-1", shifted_raw)  # a well-formed key
    with pytest.raises(InvalidBallot, match="does not verify"):  # ... refused by RFC 8032
        verify_device_signature(forged_registration, message, R + shifted_s.to_bytes(32, "little"))


# ====================================================================== A24 ==========
def test_a24_grinding_a_shuffle_proof_for_a_changed_vote_fails() -> None:
    """Sako–Kilian cut-and-choose with 3 rounds (Zeus' MIN_MIX_ROUNDS) lets a cheating
    mix server win with probability 1/8 per try; made non-interactive, it simply
    re-randomises until the challenge suits it.  The Terelius–Wikström proof here draws
    full-width challenges from the transcript: 64 grinding attempts, each with fresh
    randomness, to pass off a list in which one vote was changed (a 3-round proof would
    fall with probability 1 − (7/8)^64 > 0.9998) all fail, at the proof, not the signature."""
    held = start_election(devices=1)
    booth = held.booth()
    for i, option in enumerate(["candidate-1", "candidate-2", "candidate-3"]):
        booth.cast(f"ballot-{i + 1}", vote_for(option))
    ctx = held.context
    inputs = cast_mix_input(ctx, [e for e in booth.entries if isinstance(e, EncryptedBallot)])
    generators = mix_generators(ctx, len(inputs))
    server = MixServer.generate("mix-1")
    g = ctx.group.generator()
    for _ in range(64):
        honest = run_stage(ctx, server, 1, generators, inputs)
        first = honest.outputs[0].components[0]
        changed = CiphertextVector((eg.Ciphertext(first.alpha, first.beta * g), *honest.outputs[0].components[1:]))
        unsigned = MixStage(1, "mix-1", (changed, *honest.outputs[1:]), honest.proof, b"")
        cheat = MixStage(1, "mix-1", unsigned.outputs, honest.proof, server.sign(stage_message(ctx, unsigned, inputs)))
        with pytest.raises(InvalidProof, match=r"stage 1 \(mix server mix-1\)") as info:
            verify_chain(ctx, [server.registration], generators, inputs, [cheat], min_servers=1)
        assert "signature" not in str(info.value)


def test_a24_the_verifier_enforces_two_distinct_mix_servers(tmp_path: Path) -> None:
    """The minimum is enforced by the verifier, not only by configuration: a record mixed
    by one server (which alone knows the permutation) is not valid."""
    root = tmp_path / "one-server"
    write_mixed_election(small_group(), root, voters=3, mix_servers=1)
    caught(root, "mix-chain", "at least 2")


# ====================================================================== A26 ==========
def test_a26_a_replaced_ballot_is_detected_by_its_voters_confirmation_code(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Zeus' sysadmin re-voted for voters through intercepted links.  Authentication is
    out of the library's scope (docs/threat-model.md, A26), and a replacement made with a
    device's own key yields a record that verifies — but the voter's confirmation code
    then names no ballot, and ``pilwu check-ballot`` says so (exit 1)."""
    held = start_election(devices=1)
    booth = held.booth()
    voter = booth.cast("ballot-1", vote_for("candidate-1"))
    booth.cast("ballot-2", vote_for("candidate-2"))
    # an insider with the device's key rebuilds its chain with ballot-1 replaced
    booth.entries.clear()
    booth.code = initial_code(held.context, "device-1")
    replacement = booth.cast("ballot-1", vote_for("candidate-3"))
    booth.cast("ballot-2", vote_for("candidate-2"))
    root = tmp_path / "replaced"
    publish(held, root)
    assert verify(root).valid  # the verifier alone cannot tell (hence a voter's check)
    capsys.readouterr()
    assert pilwu_main(["check-ballot", str(root), voter.confirmation_code.hex()[:16], "--insecure-test-group"]) == 1
    assert "No ballot with confirmation code" in capsys.readouterr().out
    assert pilwu_main(["check-ballot", str(root), replacement.confirmation_code.hex()[:16],
                       "--insecure-test-group"]) == 0
    assert "Counted" in capsys.readouterr().out


# ====================================================================== U1 ===========
def contest_with_nonces(held: HeldElection, ballot_id: str, values: list[int], nonces: list[Scalar],
                        option_ids: list[str] | None = None) -> EncryptedContest:
    """The kuwu contest of a ballot encrypted with the given nonces, with *valid* range
    proofs for every option and for the sum (what a dishonest device can produce)."""
    ctx = held.context
    contest = ctx.manifest.contests[0]
    ids = option_ids or [o.option_id for o in contest.options]
    K = ctx.joint_key
    options = []
    for oid, v, r in zip(ids, values, nonces, strict=True):
        ct = eg.encrypt_with_nonce(K, v, r)
        proof = prove_range(proof_transcript(ctx, ballot_id, "device-1", contest.contest_id, oid), K, ct, v, r,
                            contest.option_limit)
        options.append(EncryptedOption(oid, ct, proof))
    total = eg.sum_ciphertexts(ctx.group, [o.ciphertext for o in options])
    total_nonce = ctx.group.scalar_mod(sum(r.value for r in nonces))
    sum_proof = prove_range(proof_transcript(ctx, ballot_id, "device-1", contest.contest_id, None), K, total,
                            sum(values), total_nonce, contest.selection_limit)
    return EncryptedContest(contest.contest_id, tuple(options), sum_proof)


def test_u1_nonce_reused_across_selections_rejected(tmp_path: Path) -> None:
    """A nonce used for two selections gives equal alphas, and beta_i / beta_j = g^(v_i - v_j)
    tells whether the two votes are equal (py#655).  A device that reuses one — inside a
    ballot, or from an earlier ballot — can still make every proof valid; the verifier's
    duplicate check names the ballot, and only it fails (the proofs are fine)."""
    held = start_election(devices=1)
    booth = held.booth()
    group = held.context.group
    first = booth.cast("ballot-1", vote_for("candidate-2"))
    r, s = group.random_scalar(), group.random_scalar()
    booth.seal("ballot-2", (contest_with_nonces(held, "ballot-2", [1, 0, 0], [r, r, s]),))
    earlier = booth.secrets["ballot-1"].nonces[0][0]
    booth.seal("ballot-3", (contest_with_nonces(held, "ballot-3", [0, 0, 1],
                                                [group.random_scalar(), earlier, group.random_scalar()]),))
    root = tmp_path / "reuse"
    publish(held, root)
    fails = failing(verify(root))
    assert set(fails) == {"duplicates"}, fails
    text = " | ".join(fails["duplicates"])
    assert "ballot ballot-2, contest kuwu, option candidate-2 ciphertext alpha: repeats" in text, text
    assert "ballot ballot-3, contest kuwu, option candidate-2 ciphertext alpha: repeats one of ballot ballot-1" in text
    assert first.contests[0].options[0].ciphertext.alpha == group.exp_g(earlier)


# ====================================================================== U2 ===========
def test_u2_a_challenged_ballot_never_enters_the_tally(pristine: tuple[HeldElection, Path], tmp_path: Path) -> None:
    """A challenged ballot is opened by its own nonces, in public, and never counted.  An
    authority that multiplies it into the encrypted tally anyway (and has the trustees
    decrypt that) publishes a record whose tally check fails."""
    held, _ = pristine
    root = tmp_path / "counted-challenge"
    publish(held, root)
    challenged = [e.ballot for b in held.booths.values() for e in b.entries if not isinstance(e, EncryptedBallot)]
    assert challenged
    ctx = held.context
    cast = [e for b in held.booths.values() for e in b.entries if isinstance(e, EncryptedBallot)]
    tally = tally_ballots(ctx.group, ctx.manifest, cast + challenged)
    present = [t for t in held.outcome.trustees if t.trustee_id != "trustee-3"]
    writer_shares = [trustee_decrypt(ctx, t, tally, cast + challenged) for t in present]
    (root / "tally" / "encrypted_tally.json").write_bytes(codec.dumps_canonical(codec.encrypted_tally_to_json(tally)))
    for share in writer_shares:
        (root / "tally" / "shares" / f"{share.trustee_id}.json").write_bytes(
            codec.dumps_canonical(codec.trustee_tally_share_to_json(share)))
    reindex(root)
    caught(root, "tally")
    # and an honest trustee, recomputing the tally from the cast ballots, refuses it
    with pytest.raises(DecryptionError, match="A11"):
        trustee_decrypt(ctx, present[0], tally, cast)


def test_u2_trustees_refuse_to_decrypt_an_unmixed_list(mixed_copy: Path, tmp_path: Path) -> None:
    """On the mix-net path trustees decrypt individual vectors, so the list must be the
    verified output of at least two servers: with every stage removed (the cast ballots
    in record order) or only one left, the trustees' source of the list refuses."""
    reader = RecordReader(mixed_copy)
    published = reader.context()
    ceremony = reader.ceremony().ceremony
    ctx = ElectionContext(reader.group, reader.manifest(), ceremony.trustee_ids, ceremony.threshold,
                          PublicKey(published.joint_key), published.base_hash, published.election_hash)
    assert verified_final_list(reader, ctx)  # the honest chain is accepted
    for keep in (1, 0):  # stages kept: only the first one, then none
        root = tmp_path / f"stages-{keep}"
        shutil.copytree(mixed_copy, root)
        index = json.loads((root / "index.json").read_text())
        drop = [f["path"] for f in index["files"]
                if re.fullmatch(r"mixnet/(decryption/.*|result\.json)", f["path"])
                or ((m := re.fullmatch(r"mixnet/stage-(\d+)\.jsonl?", f["path"])) and int(m.group(1)) > keep)]
        index["files"] = [f for f in index["files"] if f["path"] not in drop]
        (root / "index.json").write_text(json.dumps(index, sort_keys=True, separators=(",", ":")) + "\n")
        for path in drop:
            (root / path).unlink()
        with pytest.raises(PilwuError, match="at least 2"):
            verified_final_list(RecordReader(root), ctx)


def test_u2_a_cast_ballot_is_never_revealed_by_a_challenge(pristine: tuple[HeldElection, Path],
                                                          tmp_path: Path) -> None:
    """A cast ballot's nonces stay on the device.  A device that publishes them anyway,
    as a "challenged" copy of a cast ballot appended to its chain, makes the record
    invalid: the copy repeats the cast ballot's ciphertexts (and its proofs are bound to
    the original ballot id)."""
    held = start_election(devices=1)
    booth = held.booth()
    cast = booth.cast("ballot-1", vote_for("candidate-3"))
    secrets = booth.secrets["ballot-1"]
    leaked = challenge_ballot(booth.seal("ballot-1-opened", cast.contests),
                              BallotSecrets("ballot-1-opened", secrets.selections, secrets.nonces, secrets.write_ins))
    booth.entries[-1] = leaked
    root = tmp_path / "opened"
    publish(held, root)
    errors = caught(root, "duplicates", "ballot-1-opened")
    assert any("ballot-1-opened" in e and "range proof" in e for e in errors), errors


def test_u2_challenged_ballot_relabelled_as_cast_is_rejected(pristine: tuple[HeldElection, Path],
                                                            tmp_path: Path) -> None:
    """The voter challenged ballot-2 (it must never count).  The authority publishes it as
    cast, tallies it, has it decrypted: the verifier should refuse the record."""
    held, _ = pristine
    booth = held.booth("device-1")
    entries = list(booth.entries)
    honest_closing = booth.close()  # signed by the device over what happened in the booth
    try:
        booth.entries[:] = [e if isinstance(e, EncryptedBallot) else e.ballot for e in entries]
        booth.close = lambda: honest_closing  # type: ignore[method-assign]  # the authority cannot re-sign it
        root = tmp_path / "relabelled"
        publish(held, root)
    finally:
        booth.entries[:] = entries
        del booth.close
    report = verify(root)
    assert not report.valid
    assert "signs positions [2] as challenged, the record publishes [] as challenged" in report.first_failure()


def test_u2_a_relabelled_challenge_is_visible_to_its_voter(pristine: tuple[HeldElection, Path], tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """What does catch the relabelling of the previous test today: the voter who
    challenged ballot-2 looks up its code and is told it was *counted*, not challenged."""
    held, root = pristine
    booth = held.booth("device-1")
    challenged = next(e for e in booth.entries if not isinstance(e, EncryptedBallot))
    code = challenged.ballot.confirmation_code.hex()[:16]
    capsys.readouterr()
    assert pilwu_main(["check-ballot", str(root), code, "--insecure-test-group"]) == 0
    assert "challenged (not counted)" in capsys.readouterr().out
    entries = list(booth.entries)
    try:
        booth.entries[:] = [e if isinstance(e, EncryptedBallot) else e.ballot for e in entries]
        relabelled = tmp_path / "relabelled"
        publish(held, relabelled)
    finally:
        booth.entries[:] = entries
    assert pilwu_main(["check-ballot", str(relabelled), code, "--insecure-test-group"]) == 0
    out = capsys.readouterr().out
    assert "status: cast" in out and "challenged" not in out.split("status: cast", 1)[1]


# ====================================================================== U3 ===========
def test_u3_ballot_id_used_twice_rejected(tmp_path: Path) -> None:
    """Identifiers must be unique (ElectionGuard Verification 5).  Two devices each cast a
    perfectly valid ballot under the same id: the duplicate check names it, and nothing
    else fails."""
    held = start_election()
    held.booth("device-1").cast("ballot-same", vote_for("candidate-1"))
    held.booth("device-2").cast("ballot-same", vote_for("candidate-2"))
    root = tmp_path / "same-id"
    publish(held, root)
    fails = failing(verify(root))
    assert set(fails) == {"duplicates"}, fails
    assert "ballot ballot-same: duplicate ballot id" in " | ".join(fails["duplicates"])


def test_u3_selection_identifier_repeated_in_a_ballot_rejected(tmp_path: Path) -> None:
    """A ballot that lists one option twice (every proof valid, the sum within the limit,
    re-signed by the device): if accepted, a tally keyed by option id could count it twice.
    The verifier refuses the ballot, naming the duplicated ids: since its own device signed
    it, it is excluded (docs/record-format.md §5.11): counted nowhere, named in the report
    with its device (the library's tally refuses to count it at all)."""
    held = start_election(devices=1)
    booth = held.booth()
    group = held.context.group
    nonces = [group.random_scalar() for _ in range(4)]
    ids = ["candidate-1", "candidate-1", "candidate-2", "candidate-3"]
    booth.seal("ballot-dup", (contest_with_nonces(held, "ballot-dup", [1, 0, 0, 0], nonces, ids),))
    root = tmp_path / "dup-option"
    with pytest.raises(PilwuError, match="ballot-dup"):  # the tally refuses to count it ...
        tally_ballots(group, held.context.manifest, [e for e in booth.entries if isinstance(e, EncryptedBallot)])
    publish(held, root, counted=lambda b: b.ballot_id != "ballot-dup")  # ... so it is published uncounted
    report = verify(root)
    assert report.valid, failing(report)  # the excluded ballot blocks nothing else
    assert [(e["ballot_id"], e["device_id"], e["rule"]) for e in report.exclusions] == [
        ("ballot-dup", "device-1", "signed-invalid-by-its-device")]
    assert "duplicated ids" in report.exclusions[0]["reason"]
    assert report.ballots_cast == 0 and all(k == 0 for *_, k in report.counts)  # counted nowhere
    ballots = next(c for c in report.checks if c.name == "ballots")
    assert "excluded" in ballots.note and "device-1" in ballots.note


# ====================================================================== U4 ===========
def test_u4_rogue_trustee_key_without_proof_of_knowledge_rejected(pristine: tuple[HeldElection, Path],
                                                                  tmp_path: Path) -> None:
    """Rogue-key attack: trustee-3 publishes C_3,0 = g^x / (C_1,0 · C_2,0), so the joint key
    becomes g^x — a key trustee-3 alone can use.  It cannot prove knowledge of log C_3,0;
    with its proof for g^x (the only one it can make) and a matching round-1 digest, the
    other trustees refuse its reveal, and in a record (context recomputed to the rogue key)
    the key-ceremony check names trustee-3."""
    held, root = pristine
    ceremony = held.outcome.ceremony
    group = ceremony.group
    x = group.random_nonzero_scalar()
    reveals = list(held.outcome.reveals)
    mine = reveals[2]
    rogue = group.exp_g(x) / (reveals[0].commitments[0] * reveals[1].commitments[0])
    proof = prove_schnorr(dkg._coefficient_transcript(ceremony, mine.trustee_id, 3, 0), group.exp_g(x), x)
    reveals[2] = mine.__class__(mine.trustee_id, 3, (rogue, *mine.commitments[1:]),
                                (proof, *mine.coefficient_proofs[1:]), mine.aux_key, mine.aux_key_proof)
    commitments = [r.commitments for r in reveals]
    assert joint_key(group, commitments) == group.exp_g(x)  # without the PoK, trustee-3 holds the key
    digests = list(held.outcome.digests)
    digests[2] = CommitmentDigest(mine.trustee_id, 3, dkg.commitment_digest(ceremony, reveals[2]))
    with pytest.raises(CeremonyError, match=r"trustee-3 \(#3\): proof of knowledge of coefficient 0"):
        check_reveals(ceremony, digests, reveals)
    # the same in a published record, everything derived from the rogue key recomputed
    bad = tmp_path / "rogue"
    shutil.copytree(root, bad)
    (bad / "ceremony" / "reveals.json").write_bytes(codec.dumps_canonical(codec.reveals_to_json(reveals)))
    (bad / "ceremony" / "digests.json").write_bytes(codec.dumps_canonical(codec.digests_to_json(digests)))

    def context(d: dict[str, Any]) -> None:
        K = joint_key(group, commitments)
        d["joint_key"] = K.to_bytes().hex()
        d["verification_keys"] = {str(i): k.to_bytes().hex() for i, k in verification_keys(group, commitments).items()}
        d["election_hash"] = election_hash(bytes.fromhex(d["base_hash"]), K, commitments,
                                           ceremony_shares_hash(ceremony, held.outcome.shares)).hex()

    edit_document(bad, "context.json", context)
    caught(bad, "key-ceremony", "trustee-3", "proof of knowledge of coefficient 0")


def test_u4_auxiliary_key_needs_its_own_proof_of_knowledge(pristine: tuple[HeldElection, Path]) -> None:
    """The auxiliary key the other trustees encrypt shares to carries a PoK too: a key
    copied from another trustee (whose secret the copier lacks, so it could not read the
    shares) with a proof made for a key it does know is refused."""
    held, _ = pristine
    ceremony = held.outcome.ceremony
    group = ceremony.group
    reveals = list(held.outcome.reveals)
    mine = reveals[2]
    y = group.random_nonzero_scalar()
    own_proof = prove_schnorr(dkg._aux_transcript(ceremony, mine.trustee_id, 3), group.exp_g(y), y)
    reveals[2] = mine.__class__(mine.trustee_id, 3, mine.commitments, mine.coefficient_proofs, reveals[0].aux_key,
                                own_proof)
    digests = list(held.outcome.digests)
    digests[2] = CommitmentDigest(mine.trustee_id, 3, dkg.commitment_digest(ceremony, reveals[2]))
    with pytest.raises(CeremonyError, match=r"trustee-3 \(#3\): proof of knowledge of the auxiliary key"):
        check_reveals(ceremony, digests, reveals)
