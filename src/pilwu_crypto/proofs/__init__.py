"""Σ-protocols made non-interactive with strong Fiat–Shamir (docs/transcript.md).

Each proof is a ``prove_<claim>(transcript, statement…, witness…) -> <Claim>Proof`` /
``verify_<claim>(transcript, statement…, proof) -> None`` pair.  The caller creates the
transcript (group, domain label and context hash such as H_E are bound first); each
proof then appends its own versioned tag, the whole statement and its commitments
before drawing the challenge.  ``verify_*`` raises InvalidProof naming the failed
equation.  Proofs carry their commitments (not the compact (c, v) form) so that many of
them can later be verified in one batch.
"""
