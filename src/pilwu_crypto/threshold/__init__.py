"""Threshold trustees: distributed key generation, decryption shares, Lagrange combination.

- :mod:`pilwu_crypto.threshold.dkg` — the joint-Feldman key ceremony (ElectionGuard 2.1
  §3.2) as serializable messages between trustees on separate machines, attributable
  complaints, and the passphrase-sealed secret state of a trustee.
- :mod:`pilwu_crypto.threshold.decryption` — partial decryptions with Chaum–Pedersen
  proofs and their Lagrange combination by any t trustees, without the key ever being
  reconstructed.
"""
