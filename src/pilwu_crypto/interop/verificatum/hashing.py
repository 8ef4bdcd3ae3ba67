"""Verificatum's hash functions, PRG and random oracle (NOTES.md §4, VMNV §5.1–§5.3).

* H ∈ {SHA-256, SHA-384, SHA-512}, named in ``<rohash>`` (random oracles) and ``<prg>``
  (batching vectors).
* PRG (``PRGHeuristic``): the seed has exactly |H|/8 bytes; the stream is
  H(s || u32(0)) || H(s || u32(1)) || …, consumed contiguously.
* A random n-bit integer from the PRG: ⌈n/8⌉ bytes, top 8⌈n/8⌉ − n bits of byte 0 cleared.
* RO_n(d): seed = H(u32(n) || d); the first ⌈n/8⌉ bytes of PRG_H(seed), top bits cleared.
  The PRG inside the RO uses the RO hash.
* Challenger: challenge(data, n) = RO_n(ρ || ser(data)).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from pilwu_crypto.interop.verificatum.errors import VmnFormatError

_HASHES: dict[str, Callable[..., Any]] = {
    "SHA-256": hashlib.sha256,
    "SHA-384": hashlib.sha384,
    "SHA-512": hashlib.sha512,
}
HASH_NAMES = tuple(_HASHES)


class HashFunction:
    """One of SHA-256/384/512 as named in a protocol-info file (NOTES §4)."""

    __slots__ = ("_new", "digest_size", "name")

    def __init__(self, name: str) -> None:
        new = _HASHES.get(name)
        if new is None:
            raise VmnFormatError(f"hash function {name!r} is not supported (only {', '.join(HASH_NAMES)})")
        self.name = name
        self._new = new
        self.digest_size: int = new().digest_size

    def digest(self, parts: Iterable[bytes]) -> bytes:
        """H(part_1 || part_2 || …), streamed (no concatenation of large inputs)."""
        h = self._new()
        for p in parts:
            h.update(p)
        out: bytes = h.digest()
        return out

    def __repr__(self) -> str:
        return f"HashFunction({self.name})"


class PRG:
    """PRGHeuristic: H(s || u32(0)) || H(s || u32(1)) || … read contiguously (NOTES §4)."""

    __slots__ = ("_buffer", "_counter", "_hash", "_seed")

    def __init__(self, hash_function: HashFunction, seed: bytes) -> None:
        if len(seed) != hash_function.digest_size:
            # VMN XOR-folds other lengths, but every caller passes exactly |H|/8 bytes.
            raise VmnFormatError(f"PRG seed has {len(seed)} bytes, expected {hash_function.digest_size}")
        self._hash = hash_function
        self._seed = bytes(seed)
        self._counter = 0
        self._buffer = bytearray()

    def read(self, n: int) -> bytes:
        """The next ``n`` bytes of the stream."""
        while len(self._buffer) < n:
            self._buffer += self._hash.digest((self._seed, self._counter.to_bytes(4, "big")))
            self._counter += 1
        out = bytes(self._buffer[:n])
        del self._buffer[:n]
        return out

    def random_int(self, bits: int) -> int:
        """LargeInteger(bits, prg): ⌈bits/8⌉ bytes, top bits of byte 0 cleared, big-endian."""
        return mask_bits(self.read((bits + 7) // 8), bits)

    def random_ints(self, bits: int, count: int) -> list[int]:
        """``count`` consecutive :meth:`random_int` values (one batching vector)."""
        nbytes = (bits + 7) // 8
        raw = self.read(nbytes * count)
        mask = (1 << bits) - 1
        return [int.from_bytes(raw[i:i + nbytes], "big") & mask for i in range(0, nbytes * count, nbytes)]


def mask_bits(data: bytes, bits: int) -> int:
    """``data`` (⌈bits/8⌉ bytes) as a big-endian integer with only its low ``bits`` bits kept."""
    return int.from_bytes(data, "big") & ((1 << bits) - 1)


def random_oracle(hash_function: HashFunction, out_bits: int, parts: Iterable[bytes]) -> bytes:
    """RO_n(d) for d = the concatenation of ``parts`` (NOTES §4): ⌈n/8⌉ bytes, top bits cleared."""
    if out_bits <= 0:
        raise VmnFormatError(f"random-oracle output length {out_bits} is not positive")
    seed = hash_function.digest((out_bits.to_bytes(4, "big"), *parts))
    nbytes = (out_bits + 7) // 8
    out = bytearray(PRG(hash_function, seed).read(nbytes))
    excess = 8 * nbytes - out_bits
    out[0] &= 0xFF >> excess
    return bytes(out)


class Challenger:
    """Fiat–Shamir challenger ``ChallengerRO``: challenge(data, n) = RO_n(ρ || ser(data)) (NOTES §4)."""

    __slots__ = ("_hash", "rho")

    def __init__(self, rohash: HashFunction, rho: bytes) -> None:
        self._hash = rohash
        self.rho = rho

    def challenge(self, serialized: Iterable[bytes], out_bits: int) -> bytes:
        """RO_{out_bits}(ρ || serialized) where ``serialized`` are the pieces of ser(data)."""
        return random_oracle(self._hash, out_bits, (self.rho, *serialized))
