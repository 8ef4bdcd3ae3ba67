"""Write-in names on a ballot: encrypted elements with a proof of knowledge of their nonces.

A contest whose manifest entry has ``write_in_elements = W > 0`` carries on *every*
ballot W ciphertexts (g^r_j, m_j K^r_j) of the name's encoding m_1..m_W
(election/plaintext.py; the empty name when the voter wrote nothing, so a ballot does
not show whether its voter wrote a name).  Names are never tallied homomorphically:
they travel through the mix-net with the rest of the ballot and are decoded after the
final decryption (docs/plaintext-encodings.md).

The ciphertexts come with a proof of knowledge of every r_j (proofs/nonce.py), on the
ballot's proof transcript at position "write-in" of the contest (bound to H_E, the
ballot id, the device id and the contest id), and they are part of the ballot's
canonical bytes, so the device's signature and the confirmation code cover them.  A
re-randomised copy of someone else's write-in (the Cortier–Smyth attack: cast it, then
look for the duplicate name after mixing) has no valid proof, because the copier does
not know the victim's nonces (checklist A10).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pilwu_crypto.algebra.group import Scalar, SecretScalar
from pilwu_crypto.algebra.transcript import Transcript
from pilwu_crypto.election.context import ElectionContext
from pilwu_crypto.election.plaintext import encode_write_in, require_write_ins
from pilwu_crypto.elgamal import Ciphertext
from pilwu_crypto.errors import EncodingError, InvalidBallot, OutOfRange, PilwuError
from pilwu_crypto.proofs.nonce import NonceProof, prove_nonce_knowledge, verify_nonce_knowledge

WRITE_IN_POSITION = "write-in"
"""Proof position of a contest's write-in nonce proof in the ballot's transcripts."""


@dataclass(frozen=True)
class EncryptedWriteIn:
    """A contest's write-in as cast: W ciphertexts and the proof of knowledge of their nonces."""

    ciphertexts: tuple[Ciphertext, ...]
    """(g^r_j, m_j K^r_j) for the name's encoding m_1..m_W, in order."""
    proof: NonceProof
    """Proof of knowledge of every r_j, bound to H_E, ballot, device and contest."""

    def __post_init__(self) -> None:
        if not isinstance(self.ciphertexts, tuple) or not all(isinstance(c, Ciphertext) for c in self.ciphertexts):
            raise InvalidBallot("write-in ciphertexts must be a tuple of Ciphertext")
        if not isinstance(self.proof, NonceProof):
            raise InvalidBallot("write-in proof must be a NonceProof")

    def canonical_bytes(self) -> bytes:
        """alpha_1 || beta_1 || … || alpha_W || beta_W || a_1 || v_1 || … || a_W || v_W.

        Fixed width given the group and W (from the manifest), so it parses back
        unambiguously as part of a ballot's canonical bytes."""
        out = [b for ct in self.ciphertexts for b in (ct.alpha.to_bytes(), ct.beta.to_bytes())]
        out += [b for a, v in zip(self.proof.commitments, self.proof.responses, strict=True)
                for b in (a.to_bytes(), v.to_bytes())]
        return b"".join(out)


def encrypt_write_in(context: ElectionContext, transcript: Transcript, name: str, width: int, where: str, *,
                     constant_time: bool = False) -> tuple[EncryptedWriteIn, tuple[SecretScalar, ...]]:
    """Encrypt ``name`` over ``width`` elements and prove knowledge of the nonces.

    ``transcript`` is the ballot's proof transcript at this contest's write-in position.
    Raises InvalidBallot naming ``where`` for a group without a text encoding (naming the
    groups that have one), a name longer than the contest allows, or a non-string.
    Returns the nonces too (a Benaloh challenge reveals them)."""
    group = context.group
    try:
        require_write_ins(group)
        elements = encode_write_in(group, name, width)
    except (EncodingError, OutOfRange) as exc:
        raise InvalidBallot(f"{where}: {exc}") from None
    key = context.joint_key
    nonces = tuple(group.random_scalar() for _ in elements)
    cts: list[Ciphertext] = []
    for m, r in zip(elements, nonces, strict=True):
        if constant_time:
            alpha, kr = group.exp_secret(group.generator(), r), group.exp_secret(key.element, r)
        else:
            alpha, kr = group.exp_g(r), key.table().pow(r)
        cts.append(Ciphertext(alpha, m * kr))
    proof = prove_nonce_knowledge(transcript, key, cts, nonces, constant_time=constant_time)
    return EncryptedWriteIn(tuple(cts), proof), nonces


def verify_write_in(context: ElectionContext, transcript: Transcript, write_in: EncryptedWriteIn | None,
                    width: int, where: str) -> None:
    """Check a contest's write-in against the manifest's ``width`` (0: there must be none).

    InvalidBallot naming ``where`` for a missing or unexpected write-in, a wrong number
    of ciphertexts, a component outside the group or a nonce proof that fails."""
    if width == 0:
        if write_in is not None:
            raise InvalidBallot(f"{where}: a write-in, but the contest takes none")
        return
    if write_in is None:
        raise InvalidBallot(f"{where}: no write-in, the contest takes one of {width} element(s)")
    if len(write_in.ciphertexts) != width:
        raise InvalidBallot(f"{where}: {len(write_in.ciphertexts)} write-in ciphertexts, the manifest says {width}")
    try:
        verify_nonce_knowledge(transcript, context.joint_key, write_in.ciphertexts, write_in.proof)
    except PilwuError as exc:
        raise InvalidBallot(f"{where}: {exc}") from None


def check_revealed_write_in(context: ElectionContext, write_in: EncryptedWriteIn, name: object,
                            nonces: Sequence[Scalar], where: str) -> None:
    """Benaloh check of a challenged write-in: ``name`` and ``nonces`` re-encrypt to it.

    InvalidBallot naming ``where`` otherwise (the device encrypted another name)."""
    group = context.group
    if not isinstance(name, str):
        raise InvalidBallot(f"{where}: revealed write-in is not text")
    width = len(write_in.ciphertexts)
    if len(nonces) != width:
        raise InvalidBallot(f"{where}: {len(nonces)} revealed write-in nonces for {width} ciphertexts")
    try:
        elements = encode_write_in(group, name, width)
    except (EncodingError, OutOfRange) as exc:
        raise InvalidBallot(f"{where}: revealed write-in: {exc}") from None
    key = context.joint_key.element
    for j, (m, r, ct) in enumerate(zip(elements, nonces, write_in.ciphertexts, strict=True)):
        if not isinstance(r, Scalar) or r.group.q != group.q:
            raise InvalidBallot(f"{where}: revealed write-in nonce {j} is not a scalar of {group.name}")
        # (g^r, m K^r) == (alpha, beta)
        if group.exp_g(r) != ct.alpha or m * group.exp(key, r) != ct.beta:
            raise InvalidBallot(f"{where}: revealed write-in and nonce {j} do not re-encrypt to the "
                                "published ciphertext")

