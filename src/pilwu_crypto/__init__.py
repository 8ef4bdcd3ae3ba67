"""pilwu_crypto: cryptographic core for end-to-end verifiable elections."""
