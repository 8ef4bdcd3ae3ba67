"""Every domain-separation tag of pilwu_crypto, one constant each (docs/transcript.md lists them).

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
"""Canonical hash of the election manifest of record format 1 (no place, date or register)."""
DST_BALLOT_PROOF = "PILWU-V1-ballot-proof"
"""Transcript domain of every ballot range proof (per option and per contest sum); the
ballot id, device id, contest id and option id (or the contest-sum marker) follow it
(checklist A10)."""
DST_BALLOT_FORMAT = b"PILWU-V1-ballot"
"""Version header at the start of an encrypted ballot's canonical bytes."""
DST_BALLOT_DIGEST = b"PILWU-V1-ballot-digest"
"""Digest of an encrypted ballot's canonical bytes (input of its confirmation code)."""
DST_CODE_SEED = b"PILWU-V1-confirmation-code-seed"
"""code_0 = H(H_E, device id): the start of a device's confirmation-code chain."""
DST_CODE = b"PILWU-V1-confirmation-code"
"""code_k = H(H_E, device id, code_k-1, ballot digest): one link of a device's chain."""
DST_DEVICE_BALLOT = b"PILWU-V1-device-ballot-signature"
"""Device signature over an encrypted ballot (digest of its canonical bytes, confirmation code)."""
DST_DEVICE_CLOSING = b"PILWU-V1-device-closing"
"""Device signature over its closing entry (last confirmation code, ballot count)."""
DST_REPLAY = b"PILWU-V1-replay-digest"
"""Short digests of ciphertexts and proof commitments kept by the replay guard."""
DST_KEY_CEREMONY = "PILWU-V1-key-ceremony"
"""Transcript domain of the key ceremony's proofs (coefficient and auxiliary-key PoKs,
complaints); the transcript context is H_B (ElectionGuard 2.1 §3.2)."""
DST_CEREMONY_COMMITMENT = b"PILWU-V1-ceremony-commitment"
"""Round-1 digest of a trustee's commitments, proofs and auxiliary key (checklist A17)."""
DST_SHARE_KEY = b"PILWU-V1-share-key"
"""HKDF context of the AEAD key that encrypts a Shamir share to its recipient (A19)."""
DST_SHARE_AD = b"PILWU-V1-share-ad"
"""Associated data of an encrypted share: H_B, sender and recipient."""
DST_SHARE_MESSAGE = b"PILWU-V1-share-message"
"""Hash of a published encrypted share, quoted (and proved over) by a complaint."""
DST_NONCE_POK = "PILWU-V1-nonce-pok"
"""Proof of knowledge of the encryption nonces of a mix-net input ballot (all components,
one challenge); the caller's transcript binds H_E and the ballot id (checklist A10)."""
DST_SHUFFLE = "PILWU-V1-shuffle"
"""Terelius–Wikström proof of a re-encryption shuffle of ciphertext vectors (proofs/shuffle.py);
the caller's transcript binds H_E, the mix server's id and its position in the chain."""
DST_MIX_INPUT = "PILWU-V1-mix-input"
"""Transcript domain of a mix-net input ballot's nonce proof (election/mixnet.py); the ballot
id follows it (checklist A10)."""
DST_MIX_STAGE = "PILWU-V1-mix-stage"
"""Transcript domain of a mix stage's proof of shuffle; the mix server's id and the stage
position follow it."""
DST_MIX_GENERATORS = b"PILWU-V1-mix-generators-seed"
"""Seed of the mix-net's independent generators: seed = H(DST, H_E) (checklist A4)."""
DST_MIX_LIST = b"PILWU-V1-mix-list-digest"
"""Digest of a list of ciphertext vectors (a mix stage's input or output list)."""
DST_MIX_STAGE_DIGEST = b"PILWU-V1-mix-stage-digest"
"""Digest of a mix stage's canonical bytes (position, server id, input-list digest, output-list
digest, every element and scalar of the proof with the count of each list)."""
DST_MIX_STAGE_SIGNATURE = b"PILWU-V1-mix-stage-signature"
"""Mix server's Ed25519 signature over a stage digest (checklist A25)."""
DST_MIX_DECRYPTION = "PILWU-V1-mix-decryption"
"""Transcript domain of the decryption shares of the mix-net's final list; the list digest,
the vector index and the component index follow it."""

# ---- record format 2 (docs/record-format.md §5.3, §5.4, §5.4a, §5.9) ----------------------
DST_MANIFEST_V2 = b"PILWU-V2-manifest"
"""Manifest hash of record format 2: its canonical bytes also hold the village, district,
regency, polling date and number of registered voters."""
DST_ELECTION_SETUP = b"PILWU-V2-election-setup"
"""Setup hash: the registered voting devices and mix servers with their keys."""
DST_BASE_HASH_V2 = b"PILWU-V2-base-hash"
"""H_B of record format 2: DST_BASE_HASH's parts followed by the setup hash."""
DST_ELECTION_HASH_V2 = b"PILWU-V2-election-hash"
"""H_E of record format 2: DST_ELECTION_HASH's parts followed by the ceremony-shares hash."""
DST_CEREMONY_SHARES = b"PILWU-V2-ceremony-shares"
"""Hash of every published encrypted share of the key ceremony (their share hashes, in order)."""
DST_BALLOT_BOX = b"PILWU-V2-ballot-box"
"""Ballot-box fingerprint: H_E, the setup hash and every device's closing (last code, count,
challenged positions); trustees decrypt only the ballot box whose fingerprint they were given."""
