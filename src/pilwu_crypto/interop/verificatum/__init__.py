"""A stand-alone verifier of Verificatum Mix-Net (VMN 3.1.0) proof transcripts.

Modules, one responsibility each (docs/verificatum.md sections in brackets):

- :mod:`.bytetree` — strict byte-tree parsing and serialization (§1)
- :mod:`.protinfo` — the protocol-info file, parsed defensively (§5)
- :mod:`.hashing` — SHA-2 hashes, PRG, random oracle, Fiat–Shamir challenger (§4)
- :mod:`.arithm` — the marshalled group, validated, and the encodings of its objects (§2, §3)
- :mod:`.curves` — the named curves beyond the core's P-256/384/521, on gmpy2 (§3)
- :mod:`.generators` — the global prefix ρ and the independent generators (§7, §8)
- :mod:`.pos` — proofs of a shuffle: PoS, PoSC + CCPoS with keep lists (§9, §9b)
- :mod:`.decryption` — the proof of correct distributed decryption (§10)
- :mod:`.plaintexts` — decoding plaintext elements to bytes (§12)
- :mod:`.verifier` — the top-level algorithm :func:`verify_transcript` (§6, §11)

docs/verificatum.md says what is verified, how, and where we are stricter than vmnv.
"""

from pilwu_crypto.interop.verificatum.errors import ProtInfoError, VmnFormatError
from pilwu_crypto.interop.verificatum.verifier import (
    REPORT_VERSION,
    SESSION_TYPES,
    Failure,
    VerificationResult,
    verify_transcript,
)

__all__ = [
    "REPORT_VERSION",
    "SESSION_TYPES",
    "Failure",
    "ProtInfoError",
    "VerificationResult",
    "VmnFormatError",
    "verify_transcript",
]
