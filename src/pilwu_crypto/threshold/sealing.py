"""Sealing a trustee's exported secret state under a passphrase.

scrypt (memory-hard; N = 2^17 by default, r = 8, p = 1, random 16-byte salt) derives an
AES-256-GCM key; the header (magic, version, KDF and cipher parameters, salt, nonce) is
the associated data, so any modified byte, a wrong passphrase or a truncated blob is one
SealedStateError.  Writing the blob with mode 0600 is the caller's job
(record/messages.py).
"""

from __future__ import annotations

import secrets
import unicodedata

from Crypto.Cipher import AES
from Crypto.Protocol.KDF import scrypt

from pilwu_crypto.errors import SealedStateError

TAG_SIZE = 16
SEAL_MAGIC = b"PILWU-SL"
SEAL_VERSION = 1
SEAL_KDF_SCRYPT = 1
SEAL_AEAD_AES256_GCM = 1
SCRYPT_R = 8
SCRYPT_P = 1
DEFAULT_SCRYPT_LOG2_N = 17
"""scrypt cost N = 2^17 (128 MiB, ~0.4 s here) by default; production needs >= 2^15."""
MIN_SCRYPT_LOG2_N = 10
"""Smallest cost accepted at all (tests pass it explicitly; never a default)."""
MAX_SCRYPT_LOG2_N = 20
"""Largest cost accepted when unsealing (1 GiB): a bound against a hostile header."""
SALT_SIZE = 16
SEAL_NONCE_SIZE = 12
SEAL_HEADER_SIZE = len(SEAL_MAGIC) + 6 + SALT_SIZE + SEAL_NONCE_SIZE


def _key(derived: object) -> bytes:
    """scrypt returns bytes for one key (pycryptodome's typing says bytes | tuple)."""
    if not isinstance(derived, bytes):
        raise SealedStateError("key derivation returned an unexpected value")
    return derived


def _passphrase_bytes(passphrase: str | bytes) -> bytes:
    if isinstance(passphrase, str):
        data = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    elif isinstance(passphrase, (bytes, bytearray)):
        data = bytes(passphrase)
    else:
        raise SealedStateError("passphrase must be text or bytes")
    if not data:
        raise SealedStateError("an empty passphrase is refused")
    return data


def seal(state: bytes, passphrase: str | bytes, *, scrypt_log2_n: int = DEFAULT_SCRYPT_LOG2_N) -> bytes:
    """Encrypt exported state bytes under a passphrase: scrypt (N = 2^scrypt_log2_n, r = 8,
    p = 1, random 16-byte salt) then AES-256-GCM with the header as associated data.

    Layout: header || ciphertext || 16-byte tag, with
    header = "PILWU-SL" || u8 version (1) || u8 kdf (1 = scrypt) || u8 log2 N || u8 r ||
    u8 p || u8 aead (1 = AES-256-GCM) || salt (16) || nonce (12).
    A text passphrase is NFC-normalised and UTF-8 encoded.  Keep the default cost for real
    use (>= 2^15); tests pass a small ``scrypt_log2_n``.
    """
    if not MIN_SCRYPT_LOG2_N <= scrypt_log2_n <= MAX_SCRYPT_LOG2_N:
        raise SealedStateError(f"scrypt cost 2^{scrypt_log2_n} not in "
                               f"[2^{MIN_SCRYPT_LOG2_N}, 2^{MAX_SCRYPT_LOG2_N}]")
    pw = _passphrase_bytes(passphrase)
    salt = secrets.token_bytes(SALT_SIZE)
    nonce = secrets.token_bytes(SEAL_NONCE_SIZE)
    header = (SEAL_MAGIC + bytes([SEAL_VERSION, SEAL_KDF_SCRYPT, scrypt_log2_n, SCRYPT_R, SCRYPT_P,
                                  SEAL_AEAD_AES256_GCM]) + salt + nonce)
    key = _key(scrypt(pw, salt, 32, 1 << scrypt_log2_n, SCRYPT_R, SCRYPT_P))
    cipher = AES.new(key, AES.MODE_GCM, nonce=nonce, mac_len=TAG_SIZE)
    cipher.update(header)
    ct, tag = cipher.encrypt_and_digest(bytes(state))
    return header + ct + tag


def unseal(blob: bytes, passphrase: str | bytes) -> bytes:
    """The state bytes sealed by :func:`seal`.  SealedStateError for anything wrong: a
    wrong passphrase, any modified or missing byte, an unknown version or parameters."""
    if not isinstance(blob, (bytes, bytearray)):
        raise SealedStateError("sealed state: expected bytes")
    blob = bytes(blob)
    if len(blob) < SEAL_HEADER_SIZE + TAG_SIZE:
        raise SealedStateError("sealed state: truncated")
    m = len(SEAL_MAGIC)
    if blob[:m] != SEAL_MAGIC:
        raise SealedStateError("sealed state: not a sealed pilwu trustee state (bad magic)")
    version, kdf, log2_n, r, p, aead = blob[m:m + 6]
    if version != SEAL_VERSION:
        raise SealedStateError(f"sealed state: unsupported version {version}")
    if kdf != SEAL_KDF_SCRYPT or aead != SEAL_AEAD_AES256_GCM or r != SCRYPT_R or p != SCRYPT_P \
            or not MIN_SCRYPT_LOG2_N <= log2_n <= MAX_SCRYPT_LOG2_N:
        raise SealedStateError("sealed state: unsupported KDF or cipher parameters")
    pw = _passphrase_bytes(passphrase)
    header = blob[:SEAL_HEADER_SIZE]
    salt = header[m + 6:m + 6 + SALT_SIZE]
    nonce = header[m + 6 + SALT_SIZE:]
    key = _key(scrypt(pw, salt, 32, 1 << log2_n, r, p))
    cipher = AES.new(key, AES.MODE_GCM, nonce=nonce, mac_len=TAG_SIZE)
    cipher.update(header)
    try:
        return cipher.decrypt_and_verify(blob[SEAL_HEADER_SIZE:-TAG_SIZE], blob[-TAG_SIZE:])
    except ValueError:
        raise SealedStateError("sealed state: wrong passphrase, or the file was modified") from None
