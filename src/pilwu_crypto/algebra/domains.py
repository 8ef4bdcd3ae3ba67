"""Every domain-separation tag of pilwu_crypto, one constant each (STYLE.md §4).

Tags are versioned (``PILWU-V1-…``) so a future proof format can change without any
ambiguity with records produced today.  docs/transcript.md lists them with their use.
"""

from __future__ import annotations

DST_TRANSCRIPT = b"PILWU-V1-transcript"
"""Prefix of every Fiat–Shamir transcript, before the caller's domain label."""
DST_CHALLENGE = b"PILWU-V1-challenge"
"""Expansion of the transcript state into a challenge."""
DST_SCHNORR = "PILWU-V1-schnorr"
"""Proof of knowledge of a discrete log (trustee coefficients, key ownership)."""
DST_DLEQ = "PILWU-V1-dleq"
"""Chaum–Pedersen proof of equality of discrete logs."""
DST_RANGE = "PILWU-V1-range"
"""Disjunctive (CDS) proof that a ciphertext encrypts a value in {0, …, L}."""
DST_DECRYPTION = "PILWU-V1-decryption"
"""Proof of correct (partial) decryption of a ciphertext."""
DST_GENERATORS = b"PILWU-V1-generators"
"""Independent generators derived by hash-to-group (checklist A4)."""
DST_BASE_HASH = b"PILWU-V1-base-hash"
"""H_B = H(parameter set, manifest, trustee list, threshold): binds the key ceremony."""
DST_ELECTION_HASH = b"PILWU-V1-election-hash"
"""H_E = H(H_B, joint key, all commitments): binds every ballot, tally and decryption."""
DST_MANIFEST = b"PILWU-V1-manifest"
"""Canonical hash of the election manifest."""
