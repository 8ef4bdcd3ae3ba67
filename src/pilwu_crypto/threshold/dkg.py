"""Joint-Feldman t-of-n distributed key generation, as messages between separate trustees.

The key ceremony of ElectionGuard 2.1 §3.2 (Pedersen's joint-Feldman DKG, with the
commit-first round of checklist A17).  n trustees, identified by ids and by their Shamir
index l = 1..n (their position in the ordered trustee list bound by H_B), threshold t:

1. **Keys.**  Trustee i draws a polynomial P_i(x) = sum_{j<t} a_{i,j} x^j with a_{i,j}
   uniform in Z_q, commits C_{i,j} = g^{a_{i,j}}, proves knowledge of every a_{i,j}
   (Schnorr, each proof bound to H_B, the trustee and j), and draws an auxiliary key pair
   (x_i, X_i = g^{x_i}) used only to encrypt shares, also with a proof of knowledge.
2. **Round 1, commit** (:class:`CommitmentDigest`): trustee i publishes only
   D_i = H(H_B, id, index, C_{i,*}, proofs, X_i, its proof).  Nobody learns anything
   before everybody is bound, so a rushing trustee cannot pick its polynomial after
   seeing the others' (Belenios 4.0 finding, checklist A17).
3. **Round 2, reveal** (:class:`CommitmentReveal`): after all n digests are in, each
   trustee publishes its commitments, proofs and X_i; everyone checks the digest, every
   proof, and that no C_{i,0} and no X_i is the identity (:func:`check_reveals`).
4. **Round 3, shares** (:class:`EncryptedShare`): trustee i sends P_i(l) to each l != i,
   encrypted with AES-256-GCM under k = HKDF-SHA256(Z = X_l^{x_i}; salt H_B; context the
   DST, both trustees and their auxiliary keys), with H_B, sender and recipient as
   associated data (checklist A19).  The recipient checks
   g^{P_i(l)} == prod_j C_{i,j}^{l^j}; if the share does not authenticate or does not
   match, it publishes a :class:`Complaint`: Z with a Chaum–Pedersen proof that
   log_g X_l == log_{X_i} Z.  Anyone can then re-derive k, decrypt the published share
   and decide (:func:`verify_complaint`) whether the sender or the complainer is at fault.
5. **Result** (:class:`KeyedTrustee`): s_l = sum_i P_i(l) (a secret share of
   s = sum_i a_{i,0}), the joint key K = prod_i C_{i,0} = g^s and the verification keys
   K_l = prod_i prod_j C_{i,j}^{l^j} = g^{s_l}, both recomputable from the published
   commitments alone (:func:`joint_key`, :func:`verification_keys`).

Each round is a class (a typestate): a trustee object of round r only offers the steps
of round r, and the next one is built by receiving the previous round's messages, so the
steps cannot be done out of order.  Each state exports its secrets in a versioned binary
format (:meth:`export_secret_state`, :func:`import_secret_state`) that :func:`seal`
encrypts under a passphrase (scrypt + AES-GCM), so a trustee can stop between rounds and
carry on later on the same laptop.

A ceremony with an upheld complaint does not complete: the library names the faulty
trustee and the ceremony is held again (there is no disqualification of a dealer and
continuation with the remaining ones, the QUAL set of Gennaro et al.).  Published
messages are assumed to reach everyone unchanged and be attributable to their sender
(the record is the broadcast channel); the AEAD protects shares in transit.
"""

from __future__ import annotations

import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar, TypeAlias, TypeVar

from Crypto.Cipher import AES
from Crypto.Hash import SHA256
from Crypto.Protocol.KDF import HKDF

from pilwu_crypto.algebra.domains import (
    DST_CEREMONY_COMMITMENT,
    DST_KEY_CEREMONY,
    DST_SHARE_AD,
    DST_SHARE_KEY,
    DST_SHARE_MESSAGE,
)
from pilwu_crypto.algebra.group import Element, Group, Scalar, SecretScalar
from pilwu_crypto.algebra.hashing import tagged_hash, text, u32
from pilwu_crypto.algebra.transcript import Transcript
from pilwu_crypto.elgamal import Ciphertext, PublicKey
from pilwu_crypto.errors import CeremonyError, PilwuError, SealedStateError
from pilwu_crypto.proofs.dleq import DleqProof, DleqStatement, prove_dleq, verify_dleq
from pilwu_crypto.proofs.schnorr import SchnorrProof, prove_schnorr, verify_schnorr
from pilwu_crypto.threshold import decryption as tdec
from pilwu_crypto.threshold.sealing import seal, unseal  # re-exported: part of the trustee API

MAX_TRUSTEE_ID_LENGTH = 64
"""Longest trustee id accepted (characters), as for every identifier of the manifest."""
MAX_TRUSTEES = 1000
"""Most trustees in one ceremony (a bound for parsing untrusted counts)."""
BASE_HASH_SIZE = 32
"""Bytes of H_B (a SHA-256 tagged hash)."""
DIGEST_SIZE = 32
"""Bytes of a round-1 digest and of an encrypted-share hash."""
SHARE_NONCE_SIZE = 12
"""AES-GCM nonce of an encrypted share (random, from ``secrets``)."""
TAG_SIZE = 16
"""AES-GCM authentication tag."""

# Binary secret state (export_secret_state / import_secret_state)
STATE_MAGIC = b"PILWU-TS"
STATE_VERSION = 1
# Sealed state (seal / unseal)

_M = TypeVar("_M")


# ====================================================================== ceremony ====
@dataclass(frozen=True)
class Ceremony:
    """The public parameters every message of one key ceremony is bound to.

    ``trustee_ids`` is the ordered trustee list hashed into H_B; trustee ``trustee_ids[l-1]``
    has Shamir index l.  ``base_hash`` is H_B (it arrives as bytes: this layer knows no
    manifest).
    """

    group: Group
    base_hash: bytes
    """H_B = H(parameter set, manifest, trustee list, threshold)."""
    trustee_ids: tuple[str, ...]
    threshold: int
    """t: any t trustees can decrypt, t - 1 learn nothing."""

    def __post_init__(self) -> None:
        ids = tuple(self.trustee_ids)
        object.__setattr__(self, "trustee_ids", ids)
        object.__setattr__(self, "base_hash", bytes(self.base_hash))
        n = len(ids)
        if not 1 <= n <= MAX_TRUSTEES:
            raise CeremonyError(f"ceremony: {n} trustees, expected 1 to {MAX_TRUSTEES}")
        for tid in ids:
            if not isinstance(tid, str) or not 1 <= len(tid) <= MAX_TRUSTEE_ID_LENGTH:
                raise CeremonyError(f"ceremony: trustee id {_show(tid)} is not 1-{MAX_TRUSTEE_ID_LENGTH} "
                                    "characters of text")
        if len(set(ids)) != n:
            raise CeremonyError("ceremony: duplicate trustee id")
        if isinstance(self.threshold, bool) or not 1 <= self.threshold <= n:
            raise CeremonyError(f"ceremony: threshold {self.threshold} not in [1, {n}]")
        if len(self.base_hash) != BASE_HASH_SIZE:
            raise CeremonyError(f"ceremony: base hash H_B must be {BASE_HASH_SIZE} bytes")

    @property
    def n(self) -> int:
        """The number of trustees."""
        return len(self.trustee_ids)

    def index_of(self, trustee_id: str) -> int:
        """The Shamir index (1..n) of a trustee id; CeremonyError for an unknown id."""
        try:
            return self.trustee_ids.index(trustee_id) + 1
        except ValueError:
            raise CeremonyError(f"ceremony: unknown trustee {_show(trustee_id)}") from None

    def id_of(self, index: int) -> str:
        """The id of the trustee with Shamir index ``index``."""
        if not 1 <= index <= self.n:
            raise CeremonyError(f"ceremony: no trustee with index {index}")
        return self.trustee_ids[index - 1]

    def who(self, index: int) -> str:
        """``trustee <id> (#index)``, for messages."""
        return f"trustee {self.id_of(index)} (#{index})"

    def transcript(self) -> Transcript:
        """A fresh ceremony transcript: domain DST_KEY_CEREMONY, context H_B."""
        return Transcript(self.group, DST_KEY_CEREMONY, self.base_hash)


def _show(value: object) -> str:
    """repr of an untrusted (public) identifier, shortened for an error message."""
    r = repr(value)
    return r if len(r) <= 70 else r[:67] + "..."


def _sender_index(ceremony: Ceremony, trustee_id: str, index: int, step: str, role: str = "sender") -> int:
    """Check that (trustee_id, index) names a trustee of the ceremony consistently."""
    if not isinstance(trustee_id, str) or trustee_id not in ceremony.trustee_ids:
        raise CeremonyError(f"{step}: {role} {_show(trustee_id)} is not a trustee of this ceremony")
    expected = ceremony.index_of(trustee_id)
    if index != expected:
        raise CeremonyError(f"{step}: trustee {trustee_id} has index {expected}, "
                            f"the message says {_show(index)}")
    return expected


# ====================================================================== messages ====
@dataclass(frozen=True)
class CommitmentDigest:
    """Round 1 (commit): the hash of everything trustee i will reveal in round 2 (A17)."""

    trustee_id: str
    trustee_index: int
    """i, the trustee's Shamir index."""
    digest: bytes
    """D_i = tagged_hash(DST_CEREMONY_COMMITMENT, ...) of the reveal (:func:`commitment_digest`)."""


@dataclass(frozen=True)
class CommitmentReveal:
    """Round 2 (reveal): trustee i's coefficient commitments, their proofs, its auxiliary key."""

    trustee_id: str
    trustee_index: int
    """i, the trustee's Shamir index."""
    commitments: tuple[Element, ...]
    """C_{i,j} = g^{a_{i,j}}, j = 0..t-1 (ElectionGuard 2.1 §3.2.1 K_{i,j}); C_{i,0} is i's key share."""
    coefficient_proofs: tuple[SchnorrProof, ...]
    """Schnorr proof of knowledge of a_{i,j}, one per commitment (EG 2.1 §3.2.2)."""
    aux_key: Element
    """X_i = g^{x_i}, the auxiliary key the shares sent to i are encrypted to."""
    aux_key_proof: SchnorrProof
    """Schnorr proof of knowledge of x_i."""


@dataclass(frozen=True)
class EncryptedShare:
    """Round 3: P_i(l), AES-256-GCM encrypted from sender i to recipient l (checklist A19)."""

    sender_id: str
    sender_index: int
    recipient_id: str
    recipient_index: int
    nonce: bytes
    """12-byte AES-GCM nonce."""
    ciphertext: bytes
    """Encryption of the canonical encoding of P_i(l) (scalar_size bytes)."""
    tag: bytes
    """16-byte GCM tag over the ciphertext and the associated data (H_B, sender, recipient)."""


@dataclass(frozen=True)
class Complaint:
    """Recipient l's attributable complaint about the share trustee i sent it.

    Publishes the Diffie–Hellman value Z = X_i^{x_l} with a Chaum–Pedersen proof that
    log_g X_l == log_{X_i} Z, so anyone can re-derive the share key and judge the share.
    Only the holder of x_l can make the proof, and it is bound to H_B, both trustees and
    the quoted share, so a complaint can neither be forged nor moved.
    """

    complainer_id: str
    complainer_index: int
    """l, the recipient of the share."""
    accused_id: str
    accused_index: int
    """i, the sender of the share."""
    share_hash: bytes
    """Hash of the published :class:`EncryptedShare` complained about (:func:`share_message_hash`)."""
    dh_value: Element
    """Z = X_i^{x_l} = X_l^{x_i}."""
    proof: DleqProof
    """Chaum–Pedersen proof of log_g X_l == log_{X_i} Z."""


@dataclass(frozen=True)
class ComplaintVerdict:
    """The outcome of :func:`verify_complaint`: who is at fault, and why."""

    upheld: bool
    """True: the share is bad and its sender is at fault; False: a false complaint."""
    faulty_id: str
    faulty_index: int
    complainer_id: str
    accused_id: str
    reason: str


# ====================================================================== public checks
def commitment_digest(ceremony: Ceremony, reveal: CommitmentReveal) -> bytes:
    """D_i = tagged_hash(DST_CEREMONY_COMMITMENT, group fingerprint, H_B, id, u32(i), u32(k),
    C_{i,0..k-1}, (h, v) of each coefficient proof, X_i, (h, v) of its proof)."""
    parts = [ceremony.group.fingerprint(), ceremony.base_hash, text(reveal.trustee_id),
             u32(reveal.trustee_index), u32(len(reveal.commitments)), u32(len(reveal.coefficient_proofs))]
    parts.extend(c.to_bytes() for c in reveal.commitments)
    for p in reveal.coefficient_proofs:
        parts.extend((p.h.to_bytes(), p.v.to_bytes()))
    parts.extend((reveal.aux_key.to_bytes(), reveal.aux_key_proof.h.to_bytes(),
                  reveal.aux_key_proof.v.to_bytes()))
    return tagged_hash(DST_CEREMONY_COMMITMENT, parts)


def _coefficient_transcript(ceremony: Ceremony, trustee_id: str, index: int, j: int) -> Transcript:
    t = ceremony.transcript()
    t.append_text("step", "coefficient")
    t.append_text("trustee", trustee_id)
    t.append_int("index", index)
    t.append_int("j", j)
    return t


def _aux_transcript(ceremony: Ceremony, trustee_id: str, index: int) -> Transcript:
    t = ceremony.transcript()
    t.append_text("step", "auxiliary-key")
    t.append_text("trustee", trustee_id)
    t.append_int("index", index)
    return t


def _collect(ceremony: Ceremony, items: Iterable[_M], step: str, what: str,
             key: Callable[[_M], tuple[str, int]]) -> tuple[_M, ...]:
    """One message per trustee, in index order: unknown senders, conflicting duplicates
    and missing trustees raise CeremonyError naming them (identical repeats are ignored)."""
    by_index: dict[int, _M] = {}
    for item in items:
        tid, idx = key(item)
        i = _sender_index(ceremony, tid, idx, step)
        if i in by_index and by_index[i] != item:
            raise CeremonyError(f"{step}: {ceremony.who(i)} published two different {what}s")
        by_index[i] = item
    missing = [ceremony.who(i) for i in range(1, ceremony.n + 1) if i not in by_index]
    if missing:
        raise CeremonyError(f"{step}: no {what} from {', '.join(missing)}")
    return tuple(by_index[i] for i in range(1, ceremony.n + 1))


def check_digests(ceremony: Ceremony, digests: Iterable[CommitmentDigest]) -> tuple[CommitmentDigest, ...]:
    """Round 1 as seen by anyone: exactly one well-formed digest per trustee, in index order."""
    step = "round 1 (commit)"
    out = _collect(ceremony, digests, step, "digest", lambda d: (d.trustee_id, d.trustee_index))
    for d in out:
        if not isinstance(d.digest, bytes) or len(d.digest) != DIGEST_SIZE:
            raise CeremonyError(f"{step}: {ceremony.who(d.trustee_index)}: digest is not "
                                f"{DIGEST_SIZE} bytes")
    return out


def check_reveal(ceremony: Ceremony, digest: CommitmentDigest, reveal: CommitmentReveal) -> None:
    """Round 2 for one trustee: the reveal matches its round-1 digest (A17), has t
    commitments and proofs, C_{i,0} and X_i are not the identity, and every Schnorr proof
    verifies (the check electionguard-python 1.4 left out).  CeremonyError names the trustee."""
    step = "round 2 (reveal)"
    group = ceremony.group
    i = _sender_index(ceremony, reveal.trustee_id, reveal.trustee_index, step)
    who = ceremony.who(i)
    if (digest.trustee_id, digest.trustee_index) != (reveal.trustee_id, reveal.trustee_index):
        raise CeremonyError(f"{step}: {who}: reveal checked against another trustee's digest")
    if commitment_digest(ceremony, reveal) != digest.digest:
        raise CeremonyError(f"{step}: {who} changed its commitments after round 1 "
                            "(the reveal does not match its round-1 digest)")
    t = ceremony.threshold
    if len(reveal.commitments) != t or len(reveal.coefficient_proofs) != t:
        raise CeremonyError(f"{step}: {who}: {len(reveal.commitments)} commitments and "
                            f"{len(reveal.coefficient_proofs)} proofs, expected {t} of each")
    try:
        for j, c in enumerate(reveal.commitments):
            group.check_element(c, f"{who} commitment C_{i},{j}")
        group.check_element(reveal.aux_key, f"{who} auxiliary key")
    except PilwuError as exc:
        raise CeremonyError(f"{step}: {exc}") from None
    if group.is_identity(reveal.commitments[0]):
        raise CeremonyError(f"{step}: {who}: commitment C_{i},0 (its key share) is the identity")
    if group.is_identity(reveal.aux_key):
        raise CeremonyError(f"{step}: {who}: auxiliary key X_{i} is the identity")
    for j, (c, proof) in enumerate(zip(reveal.commitments, reveal.coefficient_proofs, strict=True)):
        try:
            verify_schnorr(_coefficient_transcript(ceremony, reveal.trustee_id, i, j), c, proof)
        except PilwuError as exc:
            raise CeremonyError(f"{step}: {who}: proof of knowledge of coefficient {j} is invalid "
                                f"({exc})") from None
    try:
        verify_schnorr(_aux_transcript(ceremony, reveal.trustee_id, i), reveal.aux_key, reveal.aux_key_proof)
    except PilwuError as exc:
        raise CeremonyError(f"{step}: {who}: proof of knowledge of the auxiliary key is invalid "
                            f"({exc})") from None


def check_reveals(ceremony: Ceremony, digests: Iterable[CommitmentDigest],
                  reveals: Iterable[CommitmentReveal]) -> tuple[CommitmentReveal, ...]:
    """Rounds 1 and 2 as a verifier sees them: every digest, then every reveal against
    its digest (:func:`check_reveal`).  Returns the reveals in index order."""
    ds = check_digests(ceremony, digests)
    rs = _collect(ceremony, reveals, "round 2 (reveal)", "reveal",
                  lambda r: (r.trustee_id, r.trustee_index))
    for d, r in zip(ds, rs, strict=True):
        check_reveal(ceremony, d, r)
    return rs


# ---------------------------------------------------------------------- keys --------
def _aggregate(group: Group, commitments: Sequence[Sequence[Element]]) -> list[Element]:
    """A_j = prod_i C_{i,j}: the commitments of the joint polynomial P = sum_i P_i."""
    if not commitments:
        raise CeremonyError("keys: no commitments")
    t = len(commitments[0])
    if t == 0 or any(len(c) != t for c in commitments):
        raise CeremonyError("keys: every trustee must have the same number (>= 1) of commitments")
    return [group.product(group.check_element(c[j], f"commitment C_{i + 1},{j}")
                          for i, c in enumerate(commitments)) for j in range(t)]


def joint_key(group: Group, commitments: Sequence[Sequence[Element]]) -> Element:
    """K = prod_i C_{i,0} = g^{sum_i a_{i,0}} (EG 2.1 §3.2.3), from the commitments alone.

    ``commitments[i-1]`` are trustee i's C_{i,0..t-1}.
    """
    k = _aggregate(group, commitments)[0]
    if group.is_identity(k):
        raise CeremonyError("keys: the joint key K is the identity")
    return k


def _poly_exponents(q: int, index: int, t: int) -> list[int]:
    return [pow(index, j, q) for j in range(t)]


def verification_key(group: Group, commitments: Sequence[Sequence[Element]], index: int) -> Element:
    """K_l = prod_i prod_j C_{i,j}^{l^j} = g^{s_l}: trustee l's public verification key."""
    agg = _aggregate(group, commitments)
    if not 1 <= index <= len(commitments):
        raise CeremonyError(f"keys: no trustee with index {index}")
    return group.multi_exp(agg, _poly_exponents(group.q, index, len(agg)))


def verification_keys(group: Group, commitments: Sequence[Sequence[Element]]) -> dict[int, Element]:
    """{l: K_l} for l = 1..n (n = len(commitments)), from the commitments alone."""
    agg = _aggregate(group, commitments)
    return {ell: group.multi_exp(agg, _poly_exponents(group.q, ell, len(agg)))
            for ell in range(1, len(commitments) + 1)}


# ---------------------------------------------------------------------- shares ------
def _share_ad(ceremony: Ceremony, share: EncryptedShare) -> bytes:
    return tagged_hash(DST_SHARE_AD, [ceremony.base_hash, text(share.sender_id), u32(share.sender_index),
                                      text(share.recipient_id), u32(share.recipient_index)])


def _share_key(ceremony: Ceremony, dh: Element, sender: CommitmentReveal,
               recipient: CommitmentReveal) -> bytes:
    """k = HKDF-SHA256(ikm = Z, salt = H_B, info = tagged_hash(DST_SHARE_KEY, group, H_B,
    sender id, u32(i), recipient id, u32(l), X_i, X_l)), 32 bytes."""
    info = tagged_hash(DST_SHARE_KEY, [
        ceremony.group.fingerprint(), ceremony.base_hash,
        text(sender.trustee_id), u32(sender.trustee_index),
        text(recipient.trustee_id), u32(recipient.trustee_index),
        sender.aux_key.to_bytes(), recipient.aux_key.to_bytes()])
    return _single_key(HKDF(dh.to_bytes(), 32, ceremony.base_hash, SHA256, 1, info))


def _single_key(derived: object) -> bytes:
    """The one key a KDF was asked for (pycryptodome types its result as one-or-many)."""
    if not isinstance(derived, bytes):
        raise CeremonyError("key derivation did not return a single key")
    return derived


def share_message_hash(ceremony: Ceremony, share: EncryptedShare) -> bytes:
    """tagged_hash(DST_SHARE_MESSAGE, H_B, sender, u32(i), recipient, u32(l), nonce, ciphertext, tag)."""
    return tagged_hash(DST_SHARE_MESSAGE, [
        ceremony.base_hash, text(share.sender_id), u32(share.sender_index),
        text(share.recipient_id), u32(share.recipient_index), share.nonce, share.ciphertext, share.tag])


def _encrypt_share(ceremony: Ceremony, sender: CommitmentReveal, recipient: CommitmentReveal,
                   aux_secret: Scalar, value: Scalar) -> EncryptedShare:
    """Encrypt ``value`` (P_i(l)) from ``sender`` to ``recipient`` under Z = X_l^{x_i}."""
    dh = ceremony.group.exp_secret(recipient.aux_key, aux_secret)
    key = _share_key(ceremony, dh, sender, recipient)
    nonce = secrets.token_bytes(SHARE_NONCE_SIZE)
    draft = EncryptedShare(sender.trustee_id, sender.trustee_index, recipient.trustee_id,
                           recipient.trustee_index, nonce, b"", b"")
    cipher = AES.new(key, AES.MODE_GCM, nonce=nonce, mac_len=TAG_SIZE)
    cipher.update(_share_ad(ceremony, draft))
    ct, tag = cipher.encrypt_and_digest(value.to_bytes())
    return EncryptedShare(draft.sender_id, draft.sender_index, draft.recipient_id, draft.recipient_index,
                          nonce, ct, tag)


def _open_share(ceremony: Ceremony, share: EncryptedShare, dh: Element, sender: CommitmentReveal,
                recipient: CommitmentReveal, *, secret: bool) -> tuple[SecretScalar | None, str]:
    """Decrypt and check a share: (P_i(l), "") or (None, what is wrong with it).

    With ``secret`` the check g^{P_i(l)} uses the constant-time exponentiation (the
    recipient's own share); a verifier judging a complaint uses the fast one.
    """
    group = ceremony.group
    if (len(share.nonce) != SHARE_NONCE_SIZE or len(share.tag) != TAG_SIZE
            or len(share.ciphertext) != group.scalar_size):
        return None, "is malformed (wrong nonce, ciphertext or tag length)"
    key = _share_key(ceremony, dh, sender, recipient)
    cipher = AES.new(key, AES.MODE_GCM, nonce=share.nonce, mac_len=TAG_SIZE)
    cipher.update(_share_ad(ceremony, share))
    try:
        plain = cipher.decrypt_and_verify(share.ciphertext, share.tag)
    except ValueError:
        return None, "fails authentication (AES-GCM tag)"
    value = int.from_bytes(plain, "big")
    if value >= group.q:
        return None, "decrypts to a value that is not a scalar"
    s = SecretScalar(group, value)
    ell = recipient.trustee_index
    # g^{P_i(l)} == prod_j C_{i,j}^{l^j}
    lhs = group.exp_secret(group.generator(), s) if secret else group.exp_g(s)
    rhs = group.multi_exp(list(sender.commitments), _poly_exponents(group.q, ell, len(sender.commitments)))
    if lhs != rhs:
        return None, "does not match the sender's commitments (g^share != prod C_j^(l^j))"
    return s, ""


def _complaint_transcript(ceremony: Ceremony, complainer_id: str, complainer_index: int,
                          accused_id: str, accused_index: int, share_hash: bytes) -> Transcript:
    t = ceremony.transcript()
    t.append_text("step", "complaint")
    t.append_text("complainer", complainer_id)
    t.append_int("complainer_index", complainer_index)
    t.append_text("accused", accused_id)
    t.append_int("accused_index", accused_index)
    t.append_bytes("share", share_hash)
    return t


def verify_complaint(ceremony: Ceremony, complaint: Complaint, encrypted_share: EncryptedShare,
                     reveals: Sequence[CommitmentReveal]) -> ComplaintVerdict:
    """Judge a complaint: the accused sender or the complainer is at fault.

    ``encrypted_share`` is the published share the complaint quotes; ``reveals`` are
    the round-2 reveals as accepted by :func:`check_reveals`.  The Chaum–Pedersen proof
    of Z is checked, then the share key is re-derived from Z and the share decrypted and
    compared with the sender's commitments: a share that is malformed, fails
    authentication or does not match upholds the complaint (the sender is at fault); a
    share that is fine makes it a false complaint (the complainer is at fault).

    Raises CeremonyError, with the reason, for a complaint that cannot be judged: an
    invalid proof (nothing attributable: anyone could have written it), a share that is
    not the one quoted, or parties that do not match.
    """
    step = "complaint"
    group = ceremony.group
    ell = _sender_index(ceremony, complaint.complainer_id, complaint.complainer_index, step, "complainer")
    i = _sender_index(ceremony, complaint.accused_id, complaint.accused_index, step, "accused")
    head = f"{step} by {ceremony.who(ell)} against {ceremony.who(i)}"
    if i == ell:
        raise CeremonyError(f"{head}: a trustee cannot complain about itself")
    if ((encrypted_share.sender_id, encrypted_share.sender_index,
         encrypted_share.recipient_id, encrypted_share.recipient_index)
            != (complaint.accused_id, i, complaint.complainer_id, ell)):
        raise CeremonyError(f"{head}: the encrypted share given is not one from the accused "
                            "to the complainer")
    if share_message_hash(ceremony, encrypted_share) != complaint.share_hash:
        raise CeremonyError(f"{head}: the complaint quotes another encrypted share")
    by_index = {r.trustee_index: r for r in reveals}
    sender, recipient = by_index.get(i), by_index.get(ell)
    if sender is None or recipient is None or sender.trustee_id != complaint.accused_id \
            or recipient.trustee_id != complaint.complainer_id:
        raise CeremonyError(f"{head}: the reveals of both trustees are needed")
    try:
        group.check_element(complaint.dh_value, "complaint DH value Z")
        # Chaum–Pedersen: log_g X_l == log_{X_i} Z
        statement = DleqStatement(g1=group.generator(), A=recipient.aux_key, g2=sender.aux_key,
                                  B=complaint.dh_value)
        verify_dleq(_complaint_transcript(ceremony, complaint.complainer_id, ell, complaint.accused_id, i,
                                          complaint.share_hash),
                    statement, complaint.proof, name="complaint proof")
    except PilwuError as exc:
        raise CeremonyError(f"{head}: the proof of the Diffie-Hellman value is invalid ({exc}); "
                            "the complaint is rejected") from None
    _, problem = _open_share(ceremony, encrypted_share, complaint.dh_value, sender, recipient, secret=False)
    if problem:
        return ComplaintVerdict(upheld=True, faulty_id=complaint.accused_id, faulty_index=i,
                                complainer_id=complaint.complainer_id, accused_id=complaint.accused_id,
                                reason=f"the share {ceremony.who(i)} sent to {ceremony.who(ell)} {problem}")
    return ComplaintVerdict(upheld=False, faulty_id=complaint.complainer_id, faulty_index=ell,
                            complainer_id=complaint.complainer_id, accused_id=complaint.accused_id,
                            reason=f"false complaint: the share {ceremony.who(i)} sent to "
                                   f"{ceremony.who(ell)} decrypts and matches the commitments")


# ====================================================================== trustee states
def _evaluate(group: Group, coefficients: Sequence[Scalar], x: int) -> SecretScalar:
    """P(x) = sum_j a_j x^j mod q by Horner's rule (Python integers: not constant time)."""
    acc: Scalar = SecretScalar(group, 0)
    for a in reversed(coefficients):
        acc = acc * x + a
    return SecretScalar(group, acc.value)


class _TrusteeState(ABC):
    """What every trustee state has: the ceremony, its own id and index; redacted repr."""

    stage: ClassVar[int]
    ceremony: Ceremony
    trustee_id: str
    index: int

    def _init_identity(self, ceremony: Ceremony, trustee_id: str) -> None:
        self.ceremony = ceremony
        self.trustee_id = trustee_id
        self.index = ceremony.index_of(trustee_id)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(trustee={self.trustee_id!r}, index={self.index}, "
                f"group={self.ceremony.group.name}, secrets=<redacted>)")

    __str__ = __repr__

    def _step(self, step: str) -> str:
        return f"{step}, at {self.ceremony.who(self.index)}"

    def export_secret_state(self) -> bytes:
        """This state in the versioned binary format of :func:`import_secret_state`.

        The bytes hold secrets in clear: :func:`seal` them before they touch a disk.
        """
        w = _Writer()
        w.raw(STATE_MAGIC)
        w.u8(STATE_VERSION)
        w.u8(self.stage)
        c = self.ceremony
        w.text(c.group.name)
        w.blob(c.group.fingerprint())
        w.blob(c.base_hash)
        w.u32(c.threshold)
        w.u32(c.n)
        for tid in c.trustee_ids:
            w.text(tid)
        w.text(self.trustee_id)
        self._export_body(w)
        return w.getvalue()

    @abstractmethod
    def _export_body(self, w: _Writer) -> None:
        """Write the stage-specific secret part of the state."""


class _PolynomialHolder(_TrusteeState):
    """Rounds 1–3: the polynomial, the auxiliary secret and the trustee's own reveal."""

    _coefficients: tuple[SecretScalar, ...]
    _aux_secret: SecretScalar
    _reveal: CommitmentReveal

    def __init__(self) -> None:
        raise TypeError(f"{type(self).__name__} is made by TrusteeRound1.generate, by the previous "
                        "round's receive_* method, or by import_secret_state")

    def _init_polynomial(self, ceremony: Ceremony, trustee_id: str, coefficients: Sequence[SecretScalar],
                         aux_secret: SecretScalar, reveal: CommitmentReveal) -> None:
        self._init_identity(ceremony, trustee_id)
        self._coefficients = tuple(coefficients)
        self._aux_secret = aux_secret
        self._reveal = reveal

    def _export_body(self, w: _Writer) -> None:
        w.u32(len(self._coefficients))
        for a in self._coefficients:
            w.blob(a.to_bytes())
        w.blob(self._aux_secret.to_bytes())
        _write_reveal(w, self._reveal)


class TrusteeRound1(_PolynomialHolder):
    """A trustee that has generated its keys and publishes its round-1 digest."""

    stage = 1

    @classmethod
    def generate(cls, ceremony: Ceremony, trustee_id: str) -> TrusteeRound1:
        """Draw P_i (a_{i,0} in [1, q), the others in Z_q), x_i in [1, q), commit and prove."""
        self = cls.__new__(cls)
        group = ceremony.group
        i = ceremony.index_of(trustee_id)
        g = group.generator()
        coefficients = [group.random_nonzero_scalar()]
        coefficients += [group.random_scalar() for _ in range(ceremony.threshold - 1)]
        commitments = tuple(group.exp_secret(g, a) for a in coefficients)
        proofs = tuple(prove_schnorr(_coefficient_transcript(ceremony, trustee_id, i, j), c, a)
                       for j, (c, a) in enumerate(zip(commitments, coefficients, strict=True)))
        x = group.random_nonzero_scalar()
        X = group.exp_secret(g, x)
        reveal = CommitmentReveal(trustee_id, i, commitments, proofs, X,
                                  prove_schnorr(_aux_transcript(ceremony, trustee_id, i), X, x))
        self._init_polynomial(ceremony, trustee_id, coefficients, x, reveal)
        return self

    def digest_message(self) -> CommitmentDigest:
        """Round 1: the message to publish (the hash of the reveal to come)."""
        return CommitmentDigest(self.trustee_id, self.index, commitment_digest(self.ceremony, self._reveal))

    def receive_digests(self, digests: Iterable[CommitmentDigest]) -> TrusteeRound2:
        """All n round-1 digests (this trustee's own included) -> the round-2 state."""
        ds = check_digests(self.ceremony, digests)
        if ds[self.index - 1] != self.digest_message():
            raise CeremonyError(f"{self._step('round 1 (commit)')}: the digest published under this "
                                "trustee's name is not its own")
        nxt = TrusteeRound2.__new__(TrusteeRound2)
        nxt._init_polynomial(self.ceremony, self.trustee_id, self._coefficients, self._aux_secret,
                             self._reveal)
        nxt._digests = ds
        return nxt


class TrusteeRound2(_PolynomialHolder):
    """A trustee that has every digest and publishes its reveal."""

    stage = 2
    _digests: tuple[CommitmentDigest, ...]

    def reveal_message(self) -> CommitmentReveal:
        """Round 2: the message to publish (commitments, proofs, auxiliary key)."""
        return self._reveal

    def receive_reveals(self, reveals: Iterable[CommitmentReveal]) -> TrusteeRound3:
        """All n reveals -> the round-3 state, after checking each against its digest and
        every proof (:func:`check_reveals`)."""
        rs = check_reveals(self.ceremony, self._digests, reveals)
        nxt = TrusteeRound3.__new__(TrusteeRound3)
        nxt._init_polynomial(self.ceremony, self.trustee_id, self._coefficients, self._aux_secret,
                             self._reveal)
        nxt._reveals = rs
        return nxt

    def _export_body(self, w: _Writer) -> None:
        super()._export_body(w)
        for d in self._digests:
            w.blob(d.digest)


class TrusteeRound3(_PolynomialHolder):
    """A trustee that has checked every reveal: sends its shares and checks those it receives."""

    stage = 3
    _reveals: tuple[CommitmentReveal, ...]

    @property
    def reveals(self) -> tuple[CommitmentReveal, ...]:
        """Every trustee's accepted reveal, in index order."""
        return self._reveals

    def encrypted_shares(self) -> list[EncryptedShare]:
        """Round 3: P_i(l) encrypted to each other trustee l (fresh nonces on each call)."""
        group = self.ceremony.group
        return [_encrypt_share(self.ceremony, self._reveal, r, self._aux_secret,
                               _evaluate(group, self._coefficients, r.trustee_index))
                for r in self._reveals if r.trustee_index != self.index]

    def _mine(self, shares: Iterable[EncryptedShare]) -> list[EncryptedShare]:
        step = self._step("round 3 (shares)")
        out = []
        for s in shares:
            if (s.recipient_id, s.recipient_index) != (self.trustee_id, self.index):
                continue
            i = _sender_index(self.ceremony, s.sender_id, s.sender_index, step)
            if i == self.index:
                raise CeremonyError(f"{step}: a share from this trustee to itself")
            out.append(s)
        return out

    def _decrypt_received(self, share: EncryptedShare) -> tuple[SecretScalar | None, str]:
        sender = self._reveals[share.sender_index - 1]
        dh = self.ceremony.group.exp_secret(sender.aux_key, self._aux_secret)
        return _open_share(self.ceremony, share, dh, sender, self._reveal, secret=True)

    def complaint_against(self, share: EncryptedShare) -> Complaint:
        """A complaint about ``share`` (addressed to this trustee): Z = X_i^{x_l} and the
        Chaum–Pedersen proof of log_g X_l == log_{X_i} Z.  :meth:`check_shares` calls it
        for bad shares; a complaint about a good share is judged false and names this
        trustee (:func:`verify_complaint`)."""
        step = self._step("complaint")
        if (share.recipient_id, share.recipient_index) != (self.trustee_id, self.index):
            raise CeremonyError(f"{step}: the share is addressed to another trustee")
        i = _sender_index(self.ceremony, share.sender_id, share.sender_index, step)
        group = self.ceremony.group
        sender = self._reveals[i - 1]
        dh = group.exp_secret(sender.aux_key, self._aux_secret)
        share_hash = share_message_hash(self.ceremony, share)
        statement = DleqStatement(g1=group.generator(), A=self._reveal.aux_key, g2=sender.aux_key, B=dh)
        proof = prove_dleq(_complaint_transcript(self.ceremony, self.trustee_id, self.index,
                                                 share.sender_id, i, share_hash), statement, self._aux_secret)
        return Complaint(self.trustee_id, self.index, share.sender_id, i, share_hash, dh, proof)

    def check_shares(self, shares: Iterable[EncryptedShare]) -> list[Complaint]:
        """Check every share addressed to this trustee (others are ignored); a complaint
        for each one that is malformed, fails authentication or does not match its
        sender's commitments.  An empty list means: go on with :meth:`finish`."""
        complaints = []
        for s in self._mine(shares):
            value, _ = self._decrypt_received(s)
            if value is None:
                complaints.append(self.complaint_against(s))
        return complaints

    def finish(self, shares: Iterable[EncryptedShare]) -> KeyedTrustee:
        """The shares from every other trustee -> s_l = sum_i P_i(l), checked against K_l.

        CeremonyError names a missing sender, or a bad share (publish the complaint
        :meth:`check_shares` makes for it, for everyone to judge).
        """
        step = self._step("round 3 (shares)")
        c = self.ceremony
        by_sender: dict[int, EncryptedShare] = {}
        for s in self._mine(shares):
            if s.sender_index in by_sender and by_sender[s.sender_index] != s:
                raise CeremonyError(f"{step}: two different shares from {c.who(s.sender_index)}")
            by_sender[s.sender_index] = s
        missing = [c.who(i) for i in range(1, c.n + 1) if i != self.index and i not in by_sender]
        if missing:
            raise CeremonyError(f"{step}: no share from {', '.join(missing)}")
        total: Scalar = _evaluate(c.group, self._coefficients, self.index)
        for i in sorted(by_sender):
            value, problem = self._decrypt_received(by_sender[i])
            if value is None:
                raise CeremonyError(f"{step}: the share from {c.who(i)} {problem}; publish a complaint")
            total = total + value
        return KeyedTrustee(c, self.trustee_id, SecretScalar(c.group, total.value),
                            tuple(r.commitments for r in self._reveals))

    def _export_body(self, w: _Writer) -> None:
        super()._export_body(w)
        for r in self._reveals:
            _write_reveal(w, r)


class KeyedTrustee(_TrusteeState):
    """The end of the ceremony: trustee l's secret share s_l and the public keys.

    The polynomial and the auxiliary secret are dropped: only s_l is kept (and exported).
    """

    stage = 4

    def __init__(self, ceremony: Ceremony, trustee_id: str, share: Scalar,
                 commitments: Sequence[Sequence[Element]]) -> None:
        """Check g^{s_l} == K_l (constant-time exponent) before accepting the share."""
        self._init_identity(ceremony, trustee_id)
        group = ceremony.group
        self._share = SecretScalar(group, share.value)
        self._commitments = tuple(tuple(c) for c in commitments)
        if len(self._commitments) != ceremony.n \
                or any(len(c) != ceremony.threshold for c in self._commitments):
            raise CeremonyError(f"{self._step('keys')}: expected {ceremony.threshold} commitments "
                                f"from each of {ceremony.n} trustees")
        self._joint_key = joint_key(group, self._commitments)
        self._verification_keys = verification_keys(group, self._commitments)
        if group.exp_secret(group.generator(), self._share) != self._verification_keys[self.index]:
            raise CeremonyError(f"{self._step('keys')}: the share does not match the verification key K_l")

    @property
    def share(self) -> SecretScalar:
        """s_l, this trustee's secret share (redacted repr)."""
        return self._share

    @property
    def commitments(self) -> tuple[tuple[Element, ...], ...]:
        """Every trustee's C_{i,0..t-1}, in index order."""
        return self._commitments

    @property
    def joint_key(self) -> Element:
        """K = prod_i C_{i,0}."""
        return self._joint_key

    @property
    def public_key(self) -> PublicKey:
        """K as an ElGamal public key."""
        return PublicKey(self._joint_key)

    @property
    def verification_key(self) -> Element:
        """K_l = g^{s_l} for this trustee."""
        return self._verification_keys[self.index]

    @property
    def verification_keys(self) -> dict[int, Element]:
        """{l: K_l} for every trustee."""
        return dict(self._verification_keys)

    def decryption_share(self, transcript: Transcript, ciphertext: Ciphertext) -> tdec.DecryptionShare:
        """M_l = alpha^{s_l} with its proof (:func:`pilwu_crypto.threshold.decryption.decryption_share`)."""
        return tdec.decryption_share(transcript, self.index, self._share, self.verification_key, ciphertext)

    def decryption_shares(self, transcript: Transcript,
                          ciphertexts: Sequence[Ciphertext]) -> list[tdec.DecryptionShare]:
        """:meth:`decryption_share` for many ciphertexts, a copy of ``transcript`` each."""
        return tdec.decryption_shares(transcript, self.index, self._share, self.verification_key, ciphertexts)

    def _export_body(self, w: _Writer) -> None:
        w.blob(self._share.to_bytes())
        for cs in self._commitments:
            for c in cs:
                w.blob(c.to_bytes())


TrusteeState: TypeAlias = TrusteeRound1 | TrusteeRound2 | TrusteeRound3 | KeyedTrustee


# ====================================================================== binary state
class _Writer:
    """Length-prefixed binary writer: u8, u32 big-endian, blob = u32(len) || bytes."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def raw(self, data: bytes) -> None:
        self._parts.append(data)

    def u8(self, value: int) -> None:
        self._parts.append(value.to_bytes(1, "big"))

    def u32(self, value: int) -> None:
        self._parts.append(value.to_bytes(4, "big"))

    def blob(self, data: bytes) -> None:
        self.u32(len(data))
        self._parts.append(bytes(data))

    def text(self, value: str) -> None:
        self.blob(value.encode("utf-8"))

    def getvalue(self) -> bytes:
        return b"".join(self._parts)


class _Reader:
    """The matching reader; every problem is a SealedStateError that shows no content."""

    def __init__(self, data: bytes) -> None:
        self._data = bytes(data)
        self._pos = 0

    def _take(self, n: int, what: str) -> bytes:
        if n < 0 or self._pos + n > len(self._data):
            raise SealedStateError(f"secret state: truncated ({what})")
        out = self._data[self._pos:self._pos + n]
        self._pos += n
        return out

    def raw(self, n: int, what: str) -> bytes:
        return self._take(n, what)

    def u8(self, what: str) -> int:
        return self._take(1, what)[0]

    def u32(self, what: str, maximum: int) -> int:
        v = int.from_bytes(self._take(4, what), "big")
        if v > maximum:
            raise SealedStateError(f"secret state: {what} {v} exceeds {maximum}")
        return v

    def blob(self, what: str, size: int | None = None) -> bytes:
        n = self.u32(what + " length", len(self._data) - self._pos - 4)
        if size is not None and n != size:
            raise SealedStateError(f"secret state: {what} has {n} bytes, expected {size}")
        return self._take(n, what)

    def text(self, what: str) -> str:
        try:
            return self.blob(what).decode("utf-8")
        except UnicodeDecodeError:
            raise SealedStateError(f"secret state: {what} is not UTF-8") from None

    def element(self, group: Group, what: str) -> Element:
        return group.decode_element(self.blob(what, group.element_size), what)

    def scalar(self, group: Group, what: str) -> Scalar:
        return group.decode_scalar(self.blob(what, group.scalar_size), what)

    def secret(self, group: Group, what: str) -> SecretScalar:
        return SecretScalar(group, self.scalar(group, what).value)

    def end(self) -> None:
        if self._pos != len(self._data):
            raise SealedStateError(f"secret state: {len(self._data) - self._pos} trailing bytes")


def _write_proof(w: _Writer, proof: SchnorrProof) -> None:
    w.blob(proof.h.to_bytes())
    w.blob(proof.v.to_bytes())


def _write_reveal(w: _Writer, r: CommitmentReveal) -> None:
    w.text(r.trustee_id)
    w.u32(r.trustee_index)
    w.u32(len(r.commitments))
    for c in r.commitments:
        w.blob(c.to_bytes())
    w.u32(len(r.coefficient_proofs))
    for p in r.coefficient_proofs:
        _write_proof(w, p)
    w.blob(r.aux_key.to_bytes())
    _write_proof(w, r.aux_key_proof)


def _read_proof(r: _Reader, group: Group, what: str) -> SchnorrProof:
    return SchnorrProof(h=r.element(group, what + " h"), v=r.scalar(group, what + " v"))


def _read_reveal(r: _Reader, group: Group) -> CommitmentReveal:
    tid = r.text("reveal trustee id")
    index = r.u32("reveal trustee index", MAX_TRUSTEES)
    k = r.u32("commitment count", MAX_TRUSTEES)
    commitments = tuple(r.element(group, f"commitment {j}") for j in range(k))
    k2 = r.u32("proof count", MAX_TRUSTEES)
    proofs = tuple(_read_proof(r, group, f"proof {j}") for j in range(k2))
    X = r.element(group, "auxiliary key")
    return CommitmentReveal(tid, index, commitments, proofs, X, _read_proof(r, group, "auxiliary key proof"))


def import_secret_state(group: Group, data: bytes) -> TrusteeState:
    """Rebuild a trustee state from :meth:`export_secret_state` bytes (for ``group``).

    Every element is validated as it is decoded, the polynomial and auxiliary key are
    re-checked against the trustee's own commitments (stages 1–3) and the share against
    K_l (stage 4).  Any malformed, truncated, inconsistent or foreign-group input raises
    SealedStateError, whose message never shows a secret.
    """
    try:
        return _import(group, data)
    except SealedStateError:
        raise
    except PilwuError as exc:
        raise SealedStateError(f"secret state: inconsistent content ({exc})") from None


def _import(group: Group, data: bytes) -> TrusteeState:
    if not isinstance(data, (bytes, bytearray)):
        raise SealedStateError("secret state: expected bytes")
    r = _Reader(data)
    if r.raw(len(STATE_MAGIC), "magic") != STATE_MAGIC:
        raise SealedStateError("secret state: not a pilwu trustee state (bad magic)")
    version = r.u8("version")
    if version != STATE_VERSION:
        raise SealedStateError(f"secret state: unsupported version {version}")
    stage = r.u8("stage")
    if stage not in (1, 2, 3, 4):
        raise SealedStateError(f"secret state: unknown stage {stage}")
    name = r.text("group name")
    if r.blob("group fingerprint", 32) != group.fingerprint() or name != group.name:
        raise SealedStateError(f"secret state: made for group {_show(name)}, not {group.name}")
    base_hash = r.blob("base hash", BASE_HASH_SIZE)
    threshold = r.u32("threshold", MAX_TRUSTEES)
    n = r.u32("trustee count", MAX_TRUSTEES)
    ids = tuple(r.text(f"trustee id {i + 1}") for i in range(n))
    ceremony = Ceremony(group, base_hash, ids, threshold)
    me = r.text("own trustee id")
    index = ceremony.index_of(me)
    if stage == 4:
        share = r.secret(group, "share")
        commitments = tuple(tuple(r.element(group, f"commitment {i},{j}") for j in range(threshold))
                            for i in range(1, n + 1))
        r.end()
        return KeyedTrustee(ceremony, me, share, commitments)
    k = r.u32("coefficient count", MAX_TRUSTEES)
    if k != threshold:
        raise SealedStateError(f"secret state: {k} coefficients for threshold {threshold}")
    coefficients = tuple(r.secret(group, f"coefficient {j}") for j in range(k))
    aux = r.secret(group, "auxiliary secret")
    reveal = _read_reveal(r, group)
    g = group.generator()
    if (reveal.trustee_id, reveal.trustee_index) != (me, index) or len(reveal.commitments) != k \
            or any(group.exp_secret(g, a) != c
                   for a, c in zip(coefficients, reveal.commitments, strict=True)) \
            or group.exp_secret(g, aux) != reveal.aux_key:
        raise SealedStateError("secret state: the secrets do not match the trustee's own commitments")
    state: TrusteeRound1 | TrusteeRound2 | TrusteeRound3
    if stage == 1:
        state = TrusteeRound1.__new__(TrusteeRound1)
    elif stage == 2:
        s2 = TrusteeRound2.__new__(TrusteeRound2)
        s2._digests = tuple(CommitmentDigest(ceremony.id_of(i), i, r.blob(f"digest {i}", DIGEST_SIZE))
                            for i in range(1, n + 1))
        if s2._digests[index - 1].digest != commitment_digest(ceremony, reveal):
            raise SealedStateError("secret state: the trustee's own digest does not match its reveal")
        state = s2
    else:
        s3 = TrusteeRound3.__new__(TrusteeRound3)
        s3._reveals = tuple(_read_reveal(r, group) for _ in range(n))
        if any((x.trustee_id, x.trustee_index) != (ceremony.id_of(i), i)
               for i, x in enumerate(s3._reveals, start=1)) or s3._reveals[index - 1] != reveal:
            raise SealedStateError("secret state: the stored reveals are not in trustee order")
        state = s3
    r.end()
    state._init_polynomial(ceremony, me, coefficients, aux, reveal)
    return state


__all__ = [
    "Ceremony",
    "CommitmentDigest",
    "CommitmentReveal",
    "Complaint",
    "ComplaintVerdict",
    "EncryptedShare",
    "KeyedTrustee",
    "TrusteeRound1",
    "TrusteeRound2",
    "TrusteeRound3",
    "TrusteeState",
    "check_digests",
    "check_reveal",
    "check_reveals",
    "commitment_digest",
    "import_secret_state",
    "joint_key",
    "seal",
    "share_message_hash",
    "unseal",
    "verification_key",
    "verification_keys",
    "verify_complaint",
]
