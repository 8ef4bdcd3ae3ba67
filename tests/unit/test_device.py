"""Voting devices: registration, Ed25519 signatures, confirmation-code chains, closing entries.

Signatures are bound to the election and the kind of message; malformed keys and
signatures give InvalidBallot, never a pycryptodome exception; a device's chain detects a
broken link, a dropped ballot (the last one too), a reordered pair and a missing or
invalid closing entry, naming the device and the position (checklist A26).
The chain tests use light stand-ins for ballots (anything with ids, codes and a digest);
test_ballot.py runs the chain over real cast and challenged ballots.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass

import pytest

from pilwu_crypto import elgamal as eg
from pilwu_crypto.algebra.domains import DST_DEVICE_BALLOT, DST_DEVICE_CLOSING
from pilwu_crypto.algebra.group import Group
from pilwu_crypto.election.context import ElectionContext, base_hash, ceremony_shares_hash, election_hash
from pilwu_crypto.election.device import (
    MIN_CODE_CHECK_DIGITS,
    ChainVerifier,
    ClosingEntry,
    DeviceRegistration,
    VotingDevice,
    code_prefix,
    device_order,
    format_code,
    initial_code,
    next_code,
    signed_message,
    verify_chain,
    verify_closing,
    verify_device_signature,
)
from pilwu_crypto.election.manifest import Contest, Manifest, Option
from pilwu_crypto.election.setup import ElectionSetup
from pilwu_crypto.errors import EncodingError, InvalidBallot
from pilwu_crypto.threshold.dkg import Ceremony

P25519 = 2**255 - 19
MANIFEST = Manifest("kaliwedi-2026", "Pilwu Desa Kaliwedi", (
    Contest("kuwu", "Kuwu", tuple(Option(f"cand-{i}", f"Candidate {i}") for i in range(3))),))


def make_context(group: Group, registration: DeviceRegistration | None = None) -> ElectionContext:
    """A context whose joint key is a single fresh ElGamal key and whose setup registers
    ``registration`` (a fresh dev-1 when None)."""
    K = eg.SecretKey.generate(group).public_key
    setup = ElectionSetup((registration or VotingDevice.generate("dev-1").registration,))
    hb = base_hash(group, MANIFEST, ["t1"], 1, setup.hash())
    shares_hash = ceremony_shares_hash(Ceremony(group, hb, ("t1",), 1), ())  # one trustee: no shares
    return ElectionContext(group, MANIFEST, ("t1",), 1, K, hb,
                           election_hash(hb, K.element, [[K.element]], shares_hash))


@pytest.fixture(scope="module")
def device() -> VotingDevice:
    return VotingDevice.generate("dev-1")


@pytest.fixture(scope="module")
def ctx(group: Group, device: VotingDevice) -> ElectionContext:
    return make_context(group, device.registration)


@dataclass(frozen=True)
class Link:
    """A stand-in for a ballot in a chain (EncryptedBallot has the same shape)."""

    ballot_id: str
    device_id: str
    previous_code: bytes
    confirmation_code: bytes
    payload: bytes

    def digest(self) -> bytes:
        return hashlib.sha256(self.payload).digest()


def chain_of(ctx: ElectionContext, device_id: str, n: int) -> list[Link]:
    """n correctly chained links b-1 … b-n."""
    out: list[Link] = []
    previous = initial_code(ctx, device_id)
    for i in range(1, n + 1):
        payload = f"ballot {i}".encode()
        code = next_code(ctx, device_id, previous, hashlib.sha256(payload).digest())
        out.append(Link(f"b-{i}", device_id, previous, code, payload))
        previous = code
    return out


# ---------------------------------------------------------------- registration ----------
def test_registration_is_public_and_the_private_key_redacted() -> None:
    from Crypto.PublicKey import ECC

    key = ECC.generate(curve="Ed25519")
    device = VotingDevice("dev-1", key)
    reg = device.registration
    assert reg.device_id == device.device_id == "dev-1"
    assert isinstance(reg.public_key, bytes) and len(reg.public_key) == 32
    assert reg == DeviceRegistration("dev-1", reg.public_key)
    assert reg.public_key.hex() in repr(reg)
    for text in (repr(device), str(device), f"{device}", f"{device!r}"):
        assert key.seed.hex() not in text and "redacted" in text
    assert VotingDevice.generate("dev-1").registration.public_key != reg.public_key


@pytest.mark.parametrize("device_id, key, message", [
    ("dev 1", None, "device id: 'dev 1' is not a valid identifier"),
    ("", None, "is not a valid identifier"),
    ("dev-1", b"\x01" * 31, "device dev-1: public key must be 32 raw bytes, got 31"),
    ("dev-1", b"\x01" * 33, "public key must be 32 raw bytes, got 33"),
    ("dev-1", "00" * 32, "public key must be 32 raw bytes, got str"),
    ("dev-1", (2).to_bytes(32, "little"), "device dev-1: public key is not an Ed25519 point"),
    ("dev-1", bytes([1]) + bytes(30) + bytes([0x80]), "public key is not an Ed25519 point"),  # x = 0, sign 1
    ("dev-1", (P25519 + 1).to_bytes(32, "little"), "public key is not an Ed25519 point"),   # y not reduced
    ("dev-1", (1).to_bytes(32, "little"), "device dev-1: public key has small order"),       # identity
    ("dev-1", bytes(32), "public key has small order"),                                      # order 4
    ("dev-1", (P25519 - 1).to_bytes(32, "little"), "public key has small order"),            # order 2
])
def test_bad_registrations_refused(device: VotingDevice, device_id: str, key: object, message: str) -> None:
    with pytest.raises(InvalidBallot, match=re.escape(message)):
        DeviceRegistration(device_id, device.registration.public_key if key is None else key)  # type: ignore[arg-type]


def test_device_needs_an_ed25519_private_key(device: VotingDevice) -> None:
    from Crypto.PublicKey import ECC

    with pytest.raises(InvalidBallot, match="an Ed25519 private key is required"):
        VotingDevice("dev-2", ECC.generate(curve="P-256"))
    with pytest.raises(InvalidBallot, match="an Ed25519 private key is required"):
        VotingDevice("dev-2", ECC.generate(curve="Ed25519").public_key())
    with pytest.raises(InvalidBallot, match="not a valid identifier"):
        VotingDevice.generate("dev/2")


# ---------------------------------------------------------------- signatures ------------
def test_signatures_bound_to_election_and_message_kind(ctx: ElectionContext, device: VotingDevice,
                                                       group: Group) -> None:
    reg = device.registration
    message = signed_message(DST_DEVICE_BALLOT, ctx.election_hash, [b"digest", b"code"])
    signature = device.sign(message)
    verify_device_signature(reg, message, signature)
    other_election = make_context(group)
    for replayed in (
        signed_message(DST_DEVICE_BALLOT, other_election.election_hash, [b"digest", b"code"]),
        signed_message(DST_DEVICE_CLOSING, ctx.election_hash, [b"digest", b"code"]),
        signed_message(DST_DEVICE_BALLOT, ctx.election_hash, [b"digestcode"]),
        signed_message(DST_DEVICE_BALLOT, ctx.election_hash, [b"digest", b"code", b""]),
    ):
        with pytest.raises(InvalidBallot, match="device dev-1: signature does not verify"):
            verify_device_signature(reg, replayed, signature)
    with pytest.raises(InvalidBallot, match="signature does not verify"):
        verify_device_signature(VotingDevice.generate("dev-1").registration, message, signature)


def test_device_signs_only_tagged_messages(ctx: ElectionContext, device: VotingDevice) -> None:
    for message in (b"", b"hello", signed_message(b"PILWU-V1-other", ctx.election_hash, [b"x"]),
                    b"\xff\xff\xff\xff" + DST_DEVICE_BALLOT):
        with pytest.raises(InvalidBallot, match="refuses to sign a message without a device tag"):
            device.sign(message)
        with pytest.raises(InvalidBallot, match="signed message has no device tag"):
            verify_device_signature(device.registration, message, bytes(64))


@pytest.mark.parametrize("make, message", [
    (lambda s: s[:63], "signature must be 64 bytes, got 63"),
    (lambda s: s + b"\x00", "signature must be 64 bytes, got 65"),
    (lambda s: b"", "signature must be 64 bytes, got 0"),
    (lambda s: s.hex(), "signature must be 64 bytes, got str"),
    (lambda s: bytearray(s), "signature must be 64 bytes, got bytearray"),
    (lambda s: bytes([s[0] ^ 1]) + s[1:], "signature does not verify"),                 # R changed
    (lambda s: s[:32] + bytes([s[32] ^ 1]) + s[33:], "signature does not verify"),      # S changed
    (lambda s: (2).to_bytes(32, "little") + s[32:], "signature does not verify"),      # R not a point
    (lambda s: s[:32] + b"\xff" * 32, "signature does not verify"),                     # S >= L
    (lambda s: bytes(64), "signature does not verify"),
])
def test_malformed_signatures_give_invalid_ballot_only(ctx: ElectionContext, device: VotingDevice,
                                                       make: object, message: str) -> None:
    signed = signed_message(DST_DEVICE_BALLOT, ctx.election_hash, [b"digest", b"code"])
    bad = make(device.sign(signed))  # type: ignore[operator]
    with pytest.raises(InvalidBallot, match=re.escape(f"device dev-1: {message}")):
        verify_device_signature(device.registration, signed, bad)


# ---------------------------------------------------------------- codes -----------------
def test_codes_bind_election_device_and_every_input(ctx: ElectionContext, group: Group) -> None:
    c0 = initial_code(ctx, "dev-1")
    assert len(c0) == 32
    assert c0 != initial_code(ctx, "dev-2")
    assert c0 != initial_code(make_context(group), "dev-1")
    d = hashlib.sha256(b"ballot").digest()
    c1 = next_code(ctx, "dev-1", c0, d)
    assert len({c0, c1, next_code(ctx, "dev-2", c0, d), next_code(ctx, "dev-1", c1, d),
                next_code(ctx, "dev-1", c0, hashlib.sha256(b"other").digest())}) == 5
    with pytest.raises(InvalidBallot, match="not a valid identifier"):
        initial_code(ctx, "dev 1")


# ---------------------------------------------------------------- chains ----------------
def test_valid_chain_and_closing_entry(ctx: ElectionContext, device: VotingDevice) -> None:
    links = chain_of(ctx, "dev-1", 5)
    closing = device.close(ctx, links[-1].confirmation_code, 5)
    verify_closing(ctx, device.registration, closing)
    verify_chain(ctx, device.registration, links, closing)
    streaming = ChainVerifier(ctx, device.registration)
    assert streaming.last_code == initial_code(ctx, "dev-1") and streaming.count == 0
    for link in links:
        streaming.add(link)
    assert streaming.count == 5 and streaming.last_code == links[-1].confirmation_code
    streaming.close(closing)
    # A device that produced no ballot closes on code_0 with count 0.
    verify_chain(ctx, device.registration, [], device.close(ctx, initial_code(ctx, "dev-1"), 0))


def test_chain_tampering_detected_and_named(ctx: ElectionContext, device: VotingDevice) -> None:
    links = chain_of(ctx, "dev-1", 5)
    closing = device.close(ctx, links[-1].confirmation_code, 5)
    altered = dataclasses.replace(links[2], payload=b"another ballot")
    relinked = dataclasses.replace(links[2], previous_code=links[0].confirmation_code)
    foreign = chain_of(ctx, "dev-2", 3)[2]
    cases: list[tuple[list[Link], ClosingEntry | None, str]] = [
        # a ballot dropped in the middle: the next one no longer links
        ([*links[:2], *links[3:]], closing,
         "device dev-1: ballot b-4 at position 3: broken link, previous code does not match the code of "
         "ballot b-2 (a ballot is missing, reordered or altered)"),
        # the last ballot dropped: only the closing entry can tell
        (links[:4], closing, "device dev-1: closing entry counts 5 ballots, the chain has 4"),
        # a reordered pair
        ([links[0], links[2], links[1], *links[3:]], closing,
         "device dev-1: ballot b-3 at position 2: broken link, previous code does not match the code of "
         "ballot b-1"),
        # the first ballot moved away: the chain must start at code_0
        (links[1:], closing, "ballot b-2 at position 1: broken link, previous code does not match the code "
                             "of the chain start"),
        # a ballot changed after the fact (its code no longer matches its bytes)
        ([*links[:2], altered, *links[3:]], closing,
         "device dev-1: ballot b-3 at position 3: confirmation code != H(H_E, device, previous code, "
         "ballot digest)"),
        # a link pointed elsewhere
        ([*links[:2], relinked, *links[3:]], closing, "ballot b-3 at position 3: broken link"),
        # another device's ballot spliced in
        ([*links[:2], foreign], closing, "device dev-1: ballot b-3 at position 3: belongs to device dev-2"),
        # no closing entry at all
        (links, None, "device dev-1: missing closing entry (after position 5)"),
    ]
    for chain, entry, message in cases:
        with pytest.raises(InvalidBallot, match=re.escape(message)):
            verify_chain(ctx, device.registration, chain, entry)


def test_invalid_closing_entries_refused(ctx: ElectionContext, device: VotingDevice) -> None:
    links = chain_of(ctx, "dev-1", 3)
    last = links[-1].confirmation_code
    good = device.close(ctx, last, 3)
    other = VotingDevice.generate("dev-2")
    cases: list[tuple[ClosingEntry, str]] = [
        (dataclasses.replace(good, ballot_count=2), "device dev-1: closing entry signature does not verify"),
        (dataclasses.replace(good, last_code=links[1].confirmation_code),
         "device dev-1: closing entry signature does not verify"),
        (dataclasses.replace(good, signature=bytes([good.signature[0] ^ 1]) + good.signature[1:]),
         "signature does not verify"),
        (other.close(ctx, last, 3), "device dev-1: closing entry is for device dev-2"),
        (VotingDevice.generate("dev-1").close(ctx, last, 3), "closing entry signature does not verify"),
        # honestly signed, but not matching the chain it closes
        (device.close(ctx, links[1].confirmation_code, 3),
         "device dev-1: closing entry last code does not match the code of the ballot b-3 at position 3"),
        (device.close(ctx, last, 4), "closing entry counts 4 ballots, the chain has 3"),
        (device.close(ctx, last, 2), "closing entry counts 2 ballots, the chain has 3"),
        # a closing entry of another election
        (device.close(make_context(ctx.group), last, 3), "signature does not verify"),
    ]
    for entry, message in cases:
        with pytest.raises(InvalidBallot, match=re.escape(message)):
            verify_chain(ctx, device.registration, links, entry)


@pytest.mark.parametrize("count, code, message", [
    (-1, None, "ballot count -1 is not a valid count"),
    (True, None, "ballot count True is not a valid count"),
    (2**32, None, "is not a valid count"),
    (1, b"\x00" * 31, "last code: a confirmation code has 32 bytes, got 31"),
])
def test_closing_entry_fields_validated(ctx: ElectionContext, device: VotingDevice, count: int,
                                        code: bytes | None, message: str) -> None:
    last = initial_code(ctx, "dev-1") if code is None else code
    with pytest.raises(InvalidBallot, match=re.escape(message)):
        device.close(ctx, last, count)
    with pytest.raises(InvalidBallot, match=re.escape(message)):
        ClosingEntry("dev-1", last, count, bytes(64))


def test_closing_entry_signs_the_challenged_positions(ctx: ElectionContext, device: VotingDevice) -> None:
    """The device, not the authority, says which ballots were challenged: a challenged
    ballot published as cast (or the reverse) contradicts its signed closing entry."""
    links = chain_of(ctx, "dev-1", 4)
    last = links[-1].confirmation_code
    closing = device.close(ctx, last, 4, [2, 4])
    assert closing.challenged_positions == (2, 4)
    verify_chain(ctx, device.registration, links, closing, challenged_ids={"b-2", "b-4"})
    for published, shown in (({"b-2"}, "[2]"), ({"b-2", "b-3", "b-4"}, "[2, 3, 4]"), (set(), "[]")):
        with pytest.raises(InvalidBallot, match=re.escape(f"signs positions [2, 4] as challenged, the record "
                                                          f"publishes {shown} as challenged")):
            verify_chain(ctx, device.registration, links, closing, challenged_ids=published)
    forged = dataclasses.replace(closing, challenged_positions=(2,))
    with pytest.raises(InvalidBallot, match="closing entry signature does not verify"):
        verify_chain(ctx, device.registration, links, forged, challenged_ids={"b-2"})
    for bad in ([0], [5], [3, 2], [2, 2]):
        with pytest.raises(InvalidBallot, match="are not increasing positions in"):
            device.close(ctx, last, 4, bad)


def test_record_order_of_devices_is_the_byte_order_of_their_ids() -> None:
    """The one order of cast ballots (record-format.md §2): ids by their bytes, a prefix
    first, each once; not the order of the sorted file names ``ballots/<id>.jsonl``."""
    assert device_order(["tps-2", "tps-1-b", "tps", "tps-1", "tps"]) == ["tps", "tps-1", "tps-1-b", "tps-2"]
    assert sorted(f"ballots/{d}.jsonl" for d in ("tps", "tps-2"))[0] == "ballots/tps-2.jsonl"
    assert device_order(["tps_1", "tps.1", "tps-1", "tps9", "TPS", "tps"]) == ["TPS", "tps", "tps-1", "tps.1",
                                                                               "tps9", "tps_1"]


# ---- codes shown to voters -----------------------------------------------------------------
def test_codes_are_shown_in_groups_of_four() -> None:
    code = bytes(range(32)).hex()
    assert format_code(code) == " ".join(code[i:i + 4] for i in range(0, 64, 4))
    assert format_code(code[:MIN_CODE_CHECK_DIGITS], "-") == "0001-0203-0405-0607"
    assert format_code("8f6ccf") == "8f6c cf"


@pytest.mark.parametrize("typed, digits", [
    ("8f6ccf1e1c2ab34a", "8f6ccf1e1c2ab34a"),
    ("8f6c cf1e 1c2a b34a", "8f6ccf1e1c2ab34a"),
    ("  8F6C-CF1E-1C2A-B34A\n", "8f6ccf1e1c2ab34a"),
    ("8f6c cf1e 1c2a b34a 5e", "8f6ccf1e1c2ab34a5e"),
    ("ab" * 32, "ab" * 32),
])
def test_a_code_is_typed_as_printed_on_the_receipt(typed: str, digits: str) -> None:
    assert code_prefix(typed) == digits


@pytest.mark.parametrize("typed, message", [
    ("8f6ccf1e", "has 8 hex digits; give at least the first 16"),
    ("8f6c cf1e 1c2a b34", "has 15 hex digits"),
    ("ab" * 32 + "a", "has 65 hex digits"),
    ("", "has 0 hex digits"),
    ("8f6c_cf1e_1c2a_b34a", "is not a confirmation code"),
    ("8f6ccf1e1c2ab34g", "is not a confirmation code"),
    ("８f6ccf1e1c2ab34a", "is not a confirmation code"),  # a full-width digit is not hex
])
def test_short_or_malformed_codes_are_refused(typed: str, message: str) -> None:
    with pytest.raises(EncodingError, match=re.escape(message)):
        code_prefix(typed)
