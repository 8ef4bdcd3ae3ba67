"""Readers and verifiers for other systems' proofs (README.md, "Using the library", layer ``interop``).

They reuse the core's groups (:mod:`pilwu_crypto.algebra`) and proof mathematics
(:mod:`pilwu_crypto.proofs`) but parse and hash with the other system's own encodings.
Currently: :mod:`pilwu_crypto.interop.verificatum`, a stand-alone verifier of
Verificatum Mix-Net (VMN 3.1.0) proof transcripts.
"""
