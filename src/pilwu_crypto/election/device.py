"""Voting devices: registration, Ed25519 signatures, confirmation-code chains, closing.

Every voting device is registered in the election record with an id and a raw 32-byte
Ed25519 public key (RFC 8032, through pycryptodome).  It signs every ballot it produces
and, when the polls close, a closing entry.  A verifier refuses ballots from devices that
are not registered and ballots whose signature does not verify.

Signed messages are framed so that a signature can be replayed neither in another
election nor as another kind of message (docs/transcript.md):

    signed_message(dst, H_E, p_1, …, p_k) =
        u32(len(dst)) || dst || u32(k + 1) || u64(32) || H_E || u64(len(p_1)) || p_1 || …

(the preimage of ``tagged_hash`` without the hash; Ed25519 hashes it itself), with dst
one of DST_DEVICE_BALLOT or DST_DEVICE_CLOSING.  :meth:`VotingDevice.sign` refuses
anything else.

Confirmation codes are hash-chained per device.  With H = tagged_hash:

    code_0 = H(DST_CODE_SEED, H_E, device_id)
    code_k = H(DST_CODE, H_E, device_id, code_k-1, ballot_digest_k)

where ballot_digest_k is the digest of the k-th ballot's canonical bytes (see
:mod:`pilwu_crypto.election.ballot`).  Cast *and* challenged ballots take a place in the
chain.  At the close of polls the device signs (device_id, last code, ballot count); so
dropping any ballot, including the last, reordering two, or editing one breaks a link or
the closing entry.  Positions in a chain count from 1; the closing entry's count is the
last position.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from Crypto.PublicKey import ECC
from Crypto.PublicKey.ECC import EccKey
from Crypto.Signature import eddsa

from pilwu_crypto.algebra.domains import DST_CODE, DST_CODE_SEED, DST_DEVICE_BALLOT, DST_DEVICE_CLOSING
from pilwu_crypto.algebra.hashing import tagged_hash, text, u32
from pilwu_crypto.election.context import ElectionContext
from pilwu_crypto.election.manifest import check_id
from pilwu_crypto.errors import EncodingError, InvalidBallot, InvalidManifest

PUBLIC_KEY_SIZE = 32
"""Bytes of a raw Ed25519 public key (RFC 8032 §5.1.5)."""
SIGNATURE_SIZE = 64
"""Bytes of an Ed25519 signature (R || S)."""
CODE_SIZE = 32
"""Bytes of a confirmation code (SHA-256 output)."""
DEVICE_DSTS = frozenset({DST_DEVICE_BALLOT, DST_DEVICE_CLOSING})
"""The only tags a device signs under."""
MAX_BALLOTS_PER_DEVICE = 2**32 - 1
"""A ballot count must fit the u32 of the closing entry."""


def device_order(device_ids: Iterable[str]) -> list[str]:
    """The distinct ``device_ids`` in record order: ascending by the bytes of the id's UTF-8
    (here ASCII) encoding, so ``tps`` < ``tps-1`` < ``tps-1-b`` < ``tps-2``.

    The one definition of the order of cast ballots (devices in this order, each in chain
    order), which the verifier, the mix servers and the trustees must share: sorting the
    file names ``ballots/<id>.jsonl`` instead would put ``tps-2`` before ``tps``, as
    ``-`` sorts before ``.`` (docs/record-format.md §2, "Order of the ballots")."""
    return sorted(set(device_ids), key=lambda d: d.encode("utf-8"))


def device_id_checked(value: object, what: str = "device id") -> str:
    """``value`` if it is a valid identifier (manifest.check_id rules), else InvalidBallot."""
    try:
        return check_id(value, what)
    except InvalidManifest as exc:
        raise InvalidBallot(str(exc)) from None


def check_code(value: object, what: str) -> bytes:
    """``value`` if it is a 32-byte code, else InvalidBallot naming ``what``."""
    if not isinstance(value, bytes) or len(value) != CODE_SIZE:
        got = len(value) if isinstance(value, bytes) else type(value).__name__
        raise InvalidBallot(f"{what}: a confirmation code has {CODE_SIZE} bytes, got {got}")
    return value


# ---- signed messages ---------------------------------------------------------------------


def signed_message(dst: bytes, election_hash: bytes, parts: Iterable[bytes]) -> bytes:
    """The framed bytes a device signs: tag, H_E, then the length-prefixed parts (see module doc)."""
    items = [bytes(election_hash), *(bytes(p) for p in parts)]
    out = [len(dst).to_bytes(4, "big"), dst, len(items).to_bytes(4, "big")]
    for p in items:
        out += [len(p).to_bytes(8, "big"), p]
    return b"".join(out)


def _message_tag(message: bytes) -> bytes | None:
    """The tag of a framed message, or None if the message does not start with one."""
    if len(message) < 4:
        return None
    n = int.from_bytes(message[:4], "big")
    return message[4:4 + n] if 4 + n <= len(message) else None


# ---- registration and devices ---------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def _verifier(public_key: bytes) -> eddsa.EdDSASigScheme:
    """A verifier for a raw Ed25519 key, validated once and cached (InvalidBallot if unusable)."""
    try:
        ecc = eddsa.import_public_key(public_key)
        canonical = ecc.export_key(format="raw")
        small_order = (ecc.pointQ * 8).is_point_at_infinity()
    except (ValueError, TypeError):
        raise InvalidBallot("public key is not an Ed25519 point") from None
    if canonical != public_key:
        raise InvalidBallot("public key is not canonically encoded")
    if small_order:
        raise InvalidBallot("public key has small order")
    return eddsa.new(ecc, "rfc8032")


@dataclass(frozen=True)
class DeviceRegistration:
    """A registered voting device: its id and raw Ed25519 public key (public, in the record).

    The key is validated on construction: exactly 32 bytes, the canonical encoding of a
    point of Ed25519, and not of small order (a small-order key would let anyone forge).
    """

    device_id: str
    """Identifier of the device (1–64 of A-Z a-z 0-9 . _ -)."""
    public_key: bytes
    """Ed25519 public key, raw 32 bytes (RFC 8032 encoding)."""

    def __post_init__(self) -> None:
        did = device_id_checked(self.device_id)
        key = self.public_key
        if not isinstance(key, bytes) or len(key) != PUBLIC_KEY_SIZE:
            got = len(key) if isinstance(key, bytes) else type(key).__name__
            raise InvalidBallot(f"device {did}: public key must be {PUBLIC_KEY_SIZE} raw bytes, got {got}")
        try:
            _verifier(key)
        except InvalidBallot as exc:
            raise InvalidBallot(f"device {did}: {exc}") from None

    def __repr__(self) -> str:
        return f"DeviceRegistration({self.device_id!r}, {self.public_key.hex()})"


class VotingDevice:
    """A voting device holding its Ed25519 private key; ``repr``/``str`` never show it."""

    __slots__ = ("_registration", "_signer")

    def __init__(self, device_id: str, private_key: EccKey) -> None:
        did = device_id_checked(device_id)
        ok = isinstance(private_key, EccKey) and private_key.curve == "Ed25519" and private_key.has_private()
        if not ok:
            raise InvalidBallot(f"device {did}: an Ed25519 private key is required")
        self._signer = eddsa.new(private_key, "rfc8032")
        self._registration = DeviceRegistration(did, private_key.public_key().export_key(format="raw"))

    @classmethod
    def generate(cls, device_id: str) -> VotingDevice:
        """A device with a fresh Ed25519 key (pycryptodome's CSPRNG)."""
        return cls(device_id, ECC.generate(curve="Ed25519"))

    @property
    def device_id(self) -> str:
        return self._registration.device_id

    @property
    def registration(self) -> DeviceRegistration:
        """The public registration (id and public key) to publish in the record."""
        return self._registration

    def sign(self, message: bytes) -> bytes:
        """Ed25519 signature (64 bytes) of a message framed by :func:`signed_message`.

        Refuses messages not framed with a device tag, so the key signs nothing that
        could be mistaken for another kind of message.
        """
        if not isinstance(message, bytes) or _message_tag(message) not in DEVICE_DSTS:
            raise InvalidBallot(f"device {self.device_id}: refuses to sign a message without a device tag")
        return self._signer.sign(message)

    def close(self, context: ElectionContext, last_code: bytes, ballot_count: int,
              challenged_positions: Sequence[int] = ()) -> ClosingEntry:
        """The signed closing entry published when polls close: last code, ballot count and
        the chain positions (from 1) of the ballots its voters challenged instead of casting."""
        check_code(last_code, f"device {self.device_id}: last code")
        _check_count(ballot_count, self.device_id)
        positions = _check_positions(tuple(challenged_positions), ballot_count, self.device_id)
        signature = self.sign(closing_message(context, self.device_id, last_code, ballot_count, positions))
        return ClosingEntry(self.device_id, last_code, ballot_count, signature, positions)

    def __repr__(self) -> str:
        return f"VotingDevice({self.device_id!r}, private key <redacted>)"

    __str__ = __repr__


def verify_device_signature(registration: DeviceRegistration, message: bytes, signature: bytes,
                            what: str = "signature") -> None:
    """Check a device's signature; InvalidBallot (never a pycryptodome error) if it fails.

    ``what`` names the signature in messages ("device D: <what> does not verify").
    """
    did = registration.device_id
    if not isinstance(signature, bytes) or len(signature) != SIGNATURE_SIZE:
        got = len(signature) if isinstance(signature, bytes) else type(signature).__name__
        raise InvalidBallot(f"device {did}: {what} must be {SIGNATURE_SIZE} bytes, got {got}")
    if not isinstance(message, bytes) or _message_tag(message) not in DEVICE_DSTS:
        raise InvalidBallot(f"device {did}: signed message has no device tag")
    try:
        _verifier(registration.public_key).verify(message, signature)
    except (ValueError, TypeError):
        raise InvalidBallot(f"device {did}: {what} does not verify") from None


# ---- confirmation codes and closing entries -----------------------------------------------


def initial_code(context: ElectionContext, device_id: str) -> bytes:
    """code_0 = H(DST_CODE_SEED, H_E, device_id): the previous code of a device's first ballot."""
    return tagged_hash(DST_CODE_SEED, [context.election_hash, text(device_id_checked(device_id))])


def next_code(context: ElectionContext, device_id: str, previous_code: bytes, ballot_digest: bytes) -> bytes:
    """code_k = H(DST_CODE, H_E, device_id, code_k-1, ballot_digest_k)."""
    return tagged_hash(DST_CODE, [context.election_hash, text(device_id), previous_code, ballot_digest])


# ---- codes shown to voters ----------------------------------------------------------------
CODE_GROUP_DIGITS = 4
"""Hex digits per group when a code is shown to a voter or printed on a receipt."""
MIN_CODE_CHECK_DIGITS = 16
"""Fewest hex digits of a confirmation code a voter's look-up accepts (64 bits).

A device that replaces a cast ballot must publish another ballot whose code starts with
the k digits the voter checks: about 16^k = 2^(4k) tries, 2^64 at 16 digits, while 8
digits (2^32) take about a day on one core (docs/threat-model.md §4)."""


def format_code(digits: str, sep: str = " ") -> str:
    """Hex digits of a confirmation code (all 64, or the first ones) as a voter sees them:
    groups of four separated by ``sep`` (``8f6c cf1e 1c2a b34a …``; ``-`` for a command line).
    Every place that shows a code to a voter uses this, so screen, receipt and record agree."""
    return sep.join(digits[i:i + CODE_GROUP_DIGITS] for i in range(0, len(digits), CODE_GROUP_DIGITS))


def code_prefix(typed: str) -> str:
    """The lowercase hex digits of a code a voter typed, as printed on a receipt: any case,
    groups separated by spaces or dashes.  EncodingError unless they are hex digits, at
    least MIN_CODE_CHECK_DIGITS of them and at most the code's 64."""
    digits = "".join(typed.split()).replace("-", "").lower()
    if any(ch not in "0123456789abcdef" for ch in digits):
        raise EncodingError(f"{typed!r} is not a confirmation code: hex digits 0-9 a-f only, groups "
                            "separated by spaces or dashes")
    if not MIN_CODE_CHECK_DIGITS <= len(digits) <= 2 * CODE_SIZE:
        raise EncodingError(f"{typed!r} has {len(digits)} hex digits; give at least the first "
                            f"{MIN_CODE_CHECK_DIGITS} of the confirmation code (at most its {2 * CODE_SIZE}): "
                            "with fewer, a device could find a replacement ballot whose code matches them")
    return digits


def _check_count(n: object, device_id: str) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= MAX_BALLOTS_PER_DEVICE:
        raise InvalidBallot(f"device {device_id}: closing entry ballot count {n!r} is not a valid count")


def _check_positions(positions: tuple[int, ...], ballot_count: int, device_id: str) -> tuple[int, ...]:
    """Strictly increasing chain positions in [1, ballot_count] (else InvalidBallot)."""
    previous = 0
    for p in positions:
        if not isinstance(p, int) or isinstance(p, bool) or not previous < p <= ballot_count:
            raise InvalidBallot(f"device {device_id}: closing entry challenged positions {list(positions)!r:.80} "
                                f"are not increasing positions in [1, {ballot_count}]")
        previous = p
    return positions


def closing_message(context: ElectionContext, device_id: str, last_code: bytes, ballot_count: int,
                    challenged_positions: Sequence[int] = ()) -> bytes:
    """signed_message(DST_DEVICE_CLOSING, H_E, device_id, last_code, u32(ballot_count),
    u32(k) || u32(p_1) || … || u32(p_k)) with the k challenged positions p_i."""
    positions = u32(len(challenged_positions)) + b"".join(u32(p) for p in challenged_positions)
    return signed_message(DST_DEVICE_CLOSING, context.election_hash,
                          [text(device_id), last_code, u32(ballot_count), positions])


@dataclass(frozen=True)
class ClosingEntry:
    """A device's signed end of chain: its last confirmation code and how many ballots it made."""

    device_id: str
    last_code: bytes
    """Confirmation code of the device's last ballot (code_0 if it made none)."""
    ballot_count: int
    """Number of ballots (cast and challenged) in the device's chain."""
    signature: bytes
    """Ed25519 signature over :func:`closing_message` (device, last code, count, challenged positions)."""
    challenged_positions: tuple[int, ...] = ()
    """Chain positions (from 1, increasing) of the ballots challenged instead of cast: the
    device, not the authority, says which ballots were challenged (a challenged ballot
    published as cast would otherwise be counted, its secrets known)."""

    def __post_init__(self) -> None:
        did = device_id_checked(self.device_id)
        check_code(self.last_code, f"device {did}: closing entry last code")
        _check_count(self.ballot_count, did)
        if not isinstance(self.challenged_positions, tuple):
            raise InvalidBallot(f"device {did}: closing entry challenged positions must be a tuple")
        _check_positions(self.challenged_positions, self.ballot_count, did)

    def signed_bytes(self, context: ElectionContext) -> bytes:
        """The framed message the device signs for this entry."""
        return closing_message(context, self.device_id, self.last_code, self.ballot_count, self.challenged_positions)


def verify_closing(context: ElectionContext, registration: DeviceRegistration, closing: ClosingEntry) -> None:
    """The closing entry belongs to this device and its signature verifies (else InvalidBallot)."""
    did = registration.device_id
    if closing.device_id != did:
        raise InvalidBallot(f"device {did}: closing entry is for device {closing.device_id}")
    verify_device_signature(registration, closing.signed_bytes(context), closing.signature,
                            "closing entry signature")


class ChainLink(Protocol):
    """What the chain check needs from a ballot (EncryptedBallot provides it)."""

    @property
    def ballot_id(self) -> str: ...

    @property
    def device_id(self) -> str: ...

    @property
    def previous_code(self) -> bytes: ...

    @property
    def confirmation_code(self) -> bytes: ...

    def digest(self) -> bytes:
        """Digest of the ballot's canonical bytes."""
        ...


class ChainVerifier:
    """Streaming check of one device's confirmation-code chain (constant memory).

    Feed the device's ballots (cast and challenged) in chain order with :meth:`add`,
    then :meth:`close` with its closing entry.  Each ballot must link to the code of the
    previous one (code_0 for the first) and carry the code recomputed from its own bytes;
    the closing entry must be signed by the device and name the last code and the count.
    """

    __slots__ = ("_challenged", "_context", "_last_code", "_last_id", "_position", "registration")

    def __init__(self, context: ElectionContext, registration: DeviceRegistration) -> None:
        self._context = context
        self.registration = registration
        self._last_code = initial_code(context, registration.device_id)
        self._last_id: str | None = None
        self._position = 0
        self._challenged: list[int] = []

    @property
    def count(self) -> int:
        """Ballots accepted so far."""
        return self._position

    @property
    def last_code(self) -> bytes:
        """Code of the last ballot accepted (code_0 before any)."""
        return self._last_code

    def add(self, ballot: ChainLink, challenged: bool = False) -> None:
        """Accept the next ballot of the chain (``challenged``: published as challenged), or
        raise InvalidBallot naming device, position and ballot."""
        did = self.registration.device_id
        position = self._position + 1
        where = f"device {did}: ballot {ballot.ballot_id} at position {position}"
        if ballot.device_id != did:
            raise InvalidBallot(f"{where}: belongs to device {ballot.device_id}")
        if ballot.previous_code != self._last_code:
            after = "the chain start" if self._last_id is None else f"ballot {self._last_id}"
            raise InvalidBallot(f"{where}: broken link, previous code does not match the code of {after} "
                                "(a ballot is missing, reordered or altered)")
        code = next_code(self._context, did, ballot.previous_code, ballot.digest())
        if code != ballot.confirmation_code:
            raise InvalidBallot(f"{where}: confirmation code != H(H_E, device, previous code, ballot digest)")
        self._last_code = code
        self._last_id = ballot.ballot_id
        self._position = position
        if challenged:
            self._challenged.append(position)

    def close(self, closing: ClosingEntry | None) -> None:
        """Check the closing entry against the chain seen (count, last code, challenged positions)."""
        did = self.registration.device_id
        if closing is None:
            raise InvalidBallot(f"device {did}: missing closing entry (after position {self._position})")
        verify_closing(self._context, self.registration, closing)
        if closing.ballot_count != self._position:
            raise InvalidBallot(f"device {did}: closing entry counts {closing.ballot_count} ballots, "
                                f"the chain has {self._position} (a ballot is missing or extra)")
        if closing.last_code != self._last_code:
            last = "chain start" if self._last_id is None else f"ballot {self._last_id}"
            raise InvalidBallot(f"device {did}: closing entry last code does not match the code of the "
                                f"{last} at position {self._position}")
        if list(closing.challenged_positions) != self._challenged:
            raise InvalidBallot(f"device {did}: the closing entry signs positions {list(closing.challenged_positions)} "
                                f"as challenged, the record publishes {self._challenged} as challenged (a "
                                "challenged ballot published as cast, or a cast one as challenged)")


def verify_chain(context: ElectionContext, registration: DeviceRegistration,
                 ballots: Iterable[ChainLink], closing: ClosingEntry | None,
                 challenged_ids: Collection[str] = frozenset()) -> None:
    """Check a device's whole chain (ballots in order, those in ``challenged_ids`` published
    as challenged, then its closing entry); raises InvalidBallot."""
    chain = ChainVerifier(context, registration)
    for ballot in ballots:
        chain.add(ballot, ballot.ballot_id in challenged_ids)
    chain.close(closing)
