"""Proof of correct (partial) decryption: M = alpha^s for the key share K_i = g^s.

Statement (checklist A1, A5: the whole statement is hashed): the group, the caller's
context, the key share K_i, the full ciphertext (alpha, beta) and the claimed partial
decryption M.  It is a Chaum–Pedersen proof on (g, K_i, alpha, M) under its own tag
DST_DECRYPTION, with beta bound as well, so that a proof for one ciphertext or one
claimed value never verifies for another.  With the full key (a single trustee) M is the
full decryption factor and g^m = beta / M.
"""

from __future__ import annotations

from pilwu_crypto.algebra.batch import LinearBatch
from pilwu_crypto.algebra.domains import DST_DECRYPTION
from pilwu_crypto.algebra.group import Element, Scalar
from pilwu_crypto.algebra.transcript import Transcript
from pilwu_crypto.elgamal import Ciphertext
from pilwu_crypto.proofs.dleq import Binder, DleqProof, DleqStatement, batch_dleq, prove_dleq, verify_dleq

DecryptionProof = DleqProof


def _statement(transcript: Transcript, key_share: Element, ciphertext: Ciphertext,
               partial: Element) -> DleqStatement:
    return DleqStatement(g1=transcript.group.generator(), A=key_share, g2=ciphertext.alpha, B=partial)


def _binder(ciphertext: Ciphertext) -> Binder:
    def bind(t: Transcript) -> None:
        t.append_element("beta", ciphertext.beta)

    return bind


def prove_decryption(transcript: Transcript, key_share: Element, ciphertext: Ciphertext,
                     partial: Element, secret: Scalar, *, nonce: Scalar | None = None) -> DecryptionProof:
    """Prove partial == alpha^secret where key_share == g^secret."""
    return prove_dleq(transcript, _statement(transcript, key_share, ciphertext, partial), secret,
                      tag=DST_DECRYPTION, bind=_binder(ciphertext), nonce=nonce)


def verify_decryption(transcript: Transcript, key_share: Element, ciphertext: Ciphertext,
                      partial: Element, proof: DecryptionProof) -> None:
    """Raises InvalidProof unless partial == alpha^s for the s with key_share == g^s."""
    verify_dleq(transcript, _statement(transcript, key_share, ciphertext, partial), proof,
                tag=DST_DECRYPTION, bind=_binder(ciphertext), name="decryption")


def batch_decryption(batch: LinearBatch, transcript: Transcript, key_share: Element, ciphertext: Ciphertext,
                     partial: Element, proof: DecryptionProof) -> None:
    """The equations of :func:`verify_decryption` into ``batch`` (proofs/dleq.py batch_dleq)."""
    batch_dleq(batch, transcript, _statement(transcript, key_share, ciphertext, partial), proof,
               tag=DST_DECRYPTION, bind=_binder(ciphertext))


def decryption_share(transcript: Transcript, key_share: Element, ciphertext: Ciphertext,
                     secret: Scalar) -> tuple[Element, DecryptionProof]:
    """M = alpha^s (constant time) and its proof."""
    partial = transcript.group.exp_secret(ciphertext.alpha, secret)
    return partial, prove_decryption(transcript, key_share, ciphertext, partial, secret)
