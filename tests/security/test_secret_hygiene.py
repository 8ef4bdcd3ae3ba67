"""Secret hygiene: secrets never leave through text, logs, errors, pickles,
the record, or a readable file.

The secrets are every value a party of an election must keep to itself: trustees'
polynomial coefficients, auxiliary secrets, Shamir shares P_i(l) and key shares s_l;
ballot-encryption nonces of cast ballots; device and mix-server signing keys; the
passphrases of sealed files.  Each test spells every secret the way it could leak —
fixed-width hex (lower and upper case), minimal hex, decimal, raw bytes — and looks for
those spellings where they must not be.  Where a scan could pass by looking in the
wrong place, a positive control shows it finds what is meant to be public (the nonces of
challenged ballots, which Benaloh challenges publish on purpose).

What already had tests (the redacted ``repr`` of single classes in tests/unit, the
trustee state file's mode after ``pilwu trustee finish`` in tests/cli) is generalised
here: every secret-holding class at once, every text conversion, every file writer that
holds a secret, and under a umask of 0.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from Crypto.PublicKey import ECC
from Crypto.PublicKey.ECC import EccKey

from pilwu_crypto import elgamal as eg
from pilwu_crypto.algebra.group import Scalar, SecretScalar
from pilwu_crypto.cli import main as pilwu_main
from pilwu_crypto.election.ballot import ChallengedBallot, EncryptedBallot
from pilwu_crypto.election.device import VotingDevice
from pilwu_crypto.election.mixnet import MixServer
from pilwu_crypto.election.simulation import simulate_mixing
from pilwu_crypto.errors import PilwuError, SealedStateError
from pilwu_crypto.proofs.shuffle import CiphertextVector, shuffle
from pilwu_crypto.record import messages
from pilwu_crypto.record.io import write_simulated_mix
from pilwu_crypto.threshold.dkg import (
    KeyedTrustee,
    TrusteeRound1,
    import_secret_state,
    seal,
    unseal,
)
from tests.security.kit import HeldElection, publish, small_group, start_election, vote_for
from tests.setup_file import write_setup_file

PASSPHRASE = "kunci rahasia panitia 2026"
SCRYPT_TEST_COST = "10"  # accepted only with a test-only group (docs/trustee-guide.md §2)


# ---- spelling secrets ----------------------------------------------------------------------
def spellings(value: int, width: int) -> list[str]:
    """The ways a secret integer could appear in text: fixed-width hex (both cases),
    minimal hex and decimal.  Values too small to be distinctive are not spelled."""
    if value.bit_length() < 64:
        return []
    fixed = value.to_bytes(width, "big").hex()
    return [fixed, fixed.upper(), f"{value:x}", str(value)]


def secret_ints(held: HeldElection) -> dict[str, int]:
    """name -> value of every secret the held election has used (see module docstring)."""
    group = held.context.group
    out: dict[str, int] = {}
    for tid, t in held.trustees.items():
        for j, a in enumerate(t.coefficients):
            out[f"{tid} coefficient {j}"] = a.value
        out[f"{tid} auxiliary secret"] = t.aux_secret.value
        out[f"{tid} key share s_l"] = t.keyed.share.value
        for recipient in range(1, len(held.trustees) + 1):  # the Shamir shares P_i(l) it sent
            out[f"{tid} share to #{recipient}"] = sum(a.value * recipient ** j
                                                      for j, a in enumerate(t.coefficients)) % group.q
    for did, booth in held.booths.items():
        key = booth.device._signer._key
        out[f"{did} signing scalar"] = int(key.d)
        out[f"{did} signing seed"] = int.from_bytes(key.seed, "big")
        for entry in booth.entries:
            if isinstance(entry, EncryptedBallot):  # cast: its nonces must stay on the device
                nonces = booth.secrets[entry.ballot_id].nonces
                for c, ns in enumerate(nonces):
                    for o, r in enumerate(ns):
                        out[f"{entry.ballot_id} nonce {c}.{o}"] = r.value
                    out[f"{entry.ballot_id} contest {c} sum nonce"] = sum(r.value for r in ns) % group.q
    return out


def leaks(texts: Iterable[str | bytes], secrets: dict[str, int], width: int) -> list[str]:
    """The names of the secrets some text spells."""
    blob = "\n".join(t.decode("latin-1") if isinstance(t, bytes) else t for t in texts)
    raw = blob.encode("latin-1", "replace")
    found = []
    for name, value in secrets.items():
        if any(s in blob for s in spellings(value, width)) or (
                value.bit_length() >= 64 and value.to_bytes(width, "big") in raw):
            found.append(name)
    return found


def texts_of(obj: object) -> list[str]:
    """Every text conversion a log line, an f-string or an error message could apply."""
    out = [repr(obj), str(obj), f"{obj}", f"{obj!r}", "%s" % (obj,), "%r" % (obj,),  # noqa: UP031 - logging formats with %
           repr([obj]), repr({"k": obj})]
    for spec in ("", "x", "d", "064x", ">80"):
        with contextlib.suppress(TypeError, ValueError):  # refusing a format spec is fine
            out.append(format(obj, spec))
    return out


# ---- a held election ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def held() -> HeldElection:
    """3 trustees (t = 2), 2 devices and 2 mix servers, 3 cast and 2 challenged ballots on
    the test group."""
    held = start_election(mix_servers=2)
    d1, d2 = held.booth("device-1"), held.booth("device-2")
    d1.cast("ballot-1", vote_for("candidate-1"))
    d1.challenge("ballot-2", vote_for("candidate-2"))
    d2.cast("ballot-3", vote_for("candidate-3"))
    d2.challenge("ballot-4", vote_for("candidate-1"))
    d2.cast("ballot-5", vote_for("candidate-2"))
    return held


def secret_holders(held: HeldElection) -> Iterator[tuple[str, object, list[int]]]:
    """(name, object, the secrets it holds) for every class of the library that holds one."""
    group = held.context.group
    booth = held.booth("device-1")
    bs = booth.secrets["ballot-1"]
    yield "SecretScalar", bs.nonces[0][0], [bs.nonces[0][0].value]
    yield "BallotSecrets", bs, [r.value for ns in bs.nonces for r in ns]
    sk = eg.SecretKey.generate(group)
    yield "elgamal.SecretKey", sk, [sk.secret.value]
    enc = eg.encrypt(sk.public_key, 1)
    yield "elgamal.Encryption", enc, [enc.nonce.value]
    t = held.trustees["trustee-1"]
    yield "KeyedTrustee", t.keyed, [t.keyed.share.value]
    yield "KeyedTrustee.share", t.keyed.share, [t.keyed.share.value]
    round1 = TrusteeRound1.generate(held.outcome.ceremony, "trustee-2")
    yield "TrusteeRound1", round1, [a.value for a in round1._coefficients] + [round1._aux_secret.value]
    device = booth.device
    yield "VotingDevice", device, [int(device._signer._key.d)]
    server = MixServer.generate("mix-1")
    yield "MixServer", server, [int(server._signer._key.d)]
    vectors = [CiphertextVector((eg.encrypt(sk.public_key, i).ciphertext,)) for i in range(3)]
    _, witness = shuffle(sk.public_key, vectors)
    yield "ShuffleWitness", witness, [r.value for rs in witness.nonces for r in rs]


def test_secret_holders_never_show_their_secrets(held: HeldElection) -> None:
    """repr, str, format (any spec), %-formatting and containers of every secret-holding
    object are redacted: no spelling of any secret it holds."""
    width = held.context.group.scalar_size
    for name, obj, values in secret_holders(held):
        assert values and all(v.bit_length() >= 64 for v in values[:1]), name  # something to look for
        found = leaks(texts_of(obj), {f"{name}[{i}]": v for i, v in enumerate(values)}, width)
        assert not found, (name, found)
        assert "redacted" in repr(obj), name


def test_secret_holders_refuse_pickling(held: HeldElection) -> None:
    """SecretScalar refuses pickling (algebra/group.py), so no object holding one can be
    shipped to an executor, a cache or a file by accident; the signing keys of devices and
    mix servers are not picklable either.  A pickle that does get made must not hold the
    secret."""
    width = held.context.group.scalar_size
    for name, obj, values in secret_holders(held):
        try:
            data = pickle.dumps(obj)
        except (TypeError, ValueError, AttributeError, pickle.PicklingError):
            continue
        found = leaks([data], {str(i): v for i, v in enumerate(values)}, width)
        pytest.fail(f"{name} was pickled ({len(data)} bytes, secrets spelled in it: {found})")
    # a public value computed from a secret is declassified explicitly and then pickles
    nonce = held.booth("device-1").secrets["ballot-1"].nonces[0][0]
    assert isinstance(nonce, SecretScalar) and isinstance(nonce * 2, SecretScalar)
    assert isinstance(pickle.loads(pickle.dumps((nonce * 2).public())), Scalar)


def test_errors_and_logs_never_show_secrets(held: HeldElection, caplog: pytest.LogCaptureFixture) -> None:
    """Every error path that handles a secret, run with every logger at DEBUG: neither the
    log nor any exception (its message, repr, args, notes, causes) spells a secret or a
    passphrase."""
    caplog.set_level(logging.DEBUG)
    group = held.context.group
    width = group.scalar_size
    secrets = secret_ints(held)
    keyed = held.trustees["trustee-1"].keyed
    secrets["passphrase"] = int.from_bytes(PASSPHRASE.encode(), "big")
    exported = keyed.export_secret_state()
    sealed = seal(exported, PASSPHRASE, scrypt_log2_n=10)
    share_bytes = keyed.share.to_bytes()
    at = exported.index(share_bytes)
    too_big = exported[:at] + (group.q + 1).to_bytes(width, "big") + exported[at + width:]
    wrong_share = exported[:at] + ((keyed.share.value + 1) % group.q).to_bytes(width, "big") + exported[at + width:]
    attempts: list[Callable[[], object]] = [
        lambda: unseal(sealed, PASSPHRASE + "!"),
        lambda: unseal(sealed[:-1] + bytes([sealed[-1] ^ 1]), PASSPHRASE),
        lambda: import_secret_state(group, too_big),
        lambda: import_secret_state(group, wrong_share),
        lambda: import_secret_state(group, exported[:-5]),
        lambda: KeyedTrustee(keyed.ceremony, "trustee-1", keyed.share + 1, keyed.commitments),
        lambda: KeyedTrustee(keyed.ceremony, "trustee-2", keyed.share, keyed.commitments),
        lambda: eg.decrypt(eg.SecretKey(keyed.share), eg.encrypt(eg.SecretKey(keyed.share).public_key, 9).ciphertext,
                           bound=3),
        lambda: SecretScalar(group, keyed.share.value + group.q),
        lambda: held.booth("device-1").device.sign(b"not a framed message"),
        lambda: seal(exported, ""),
    ]
    texts: list[str] = [caplog.text]
    for attempt in attempts:
        with pytest.raises((PilwuError, TypeError, ValueError)) as info:
            attempt()
        exc: BaseException | None = info.value
        while exc is not None:
            texts += [str(exc), repr(exc), *map(repr, exc.args), *getattr(exc, "__notes__", [])]
            exc = exc.__cause__ or exc.__context__
    texts.append(caplog.text)
    found = leaks(texts, secrets, width)
    assert PASSPHRASE not in "\n".join(texts)
    assert not found, found


def test_the_record_holds_no_secret(held: HeldElection, tmp_path: Path) -> None:
    """Every byte of every file of a written record — homomorphic part and mix-net part —
    is scanned for every secret the election used.  Positive control: the nonces of the
    challenged ballots, published on purpose, are found by the same scan."""
    root = tmp_path / "record"
    sim = publish(held, root)
    mix = simulate_mixing(sim)
    write_simulated_mix(sim, mix, root)
    width = held.context.group.scalar_size
    secrets = secret_ints(held)
    for server in mix.servers:
        key: EccKey = server._signer._key
        secrets[f"{server.server_id} signing scalar"] = int(key.d)
        secrets[f"{server.server_id} signing seed"] = int.from_bytes(key.seed, "big")
    files = sorted(p for p in root.rglob("*") if p.is_file())
    assert any("mixnet" in p.parts for p in files) and len(files) > 15
    contents = [p.read_bytes() for p in files]
    assert not leaks(contents, secrets, width)
    revealed = {f"{e.ballot.ballot_id} nonce {o}": r.value
                for b in held.booths.values() for e in b.entries if isinstance(e, ChallengedBallot)
                for o, r in enumerate(b.secrets[e.ballot.ballot_id].nonces[0])}
    assert len(revealed) == 6 and sorted(leaks(contents, revealed, width)) == sorted(revealed)


# ---- files at rest ---------------------------------------------------------------------------
@pytest.fixture
def open_umask() -> Iterator[None]:
    """umask 0: a file created without an explicit mode would be world-readable."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_write_private_file_is_0600_from_the_first_byte(tmp_path: Path, open_umask: None,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """record/messages.py write_private_file: the temporary file is 0600 before the secret
    is in it, the final file is 0600, and replacing a file another tool left at 0644 leaves
    0600 (no inherited mode)."""
    seen: list[int] = []
    real_replace, real_link = os.replace, os.link

    def spy_replace(src: Any, dst: Any) -> None:
        seen.append(mode(Path(src)))
        real_replace(src, dst)

    def spy_link(src: Any, dst: Any) -> None:
        seen.append(mode(Path(src)))
        real_link(src, dst)

    monkeypatch.setattr(os, "replace", spy_replace)
    monkeypatch.setattr(os, "link", spy_link)
    target = tmp_path / "secret.state"
    messages.write_private_file(target, b"sealed", overwrite=False)
    assert mode(target) == 0o600
    loose = tmp_path / "loose.state"
    loose.write_bytes(b"old")
    loose.chmod(0o644)
    messages.write_private_file(loose, b"sealed", overwrite=True)
    assert mode(loose) == 0o600 and loose.read_bytes() == b"sealed"
    assert seen == [0o600, 0o600]
    with pytest.raises(FileExistsError):
        messages.write_private_file(target, b"other", overwrite=False)
    assert target.read_bytes() == b"sealed"
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]


def test_trustee_state_file_is_0600_and_sealed(tmp_path: Path, open_umask: None, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """``pilwu trustee init`` under umask 0: the state file is 0600 and sealed (scrypt +
    AES-GCM) — none of the polynomial's coefficients, the auxiliary secret or the
    passphrase appear in it, in the published round-1 message or in anything printed — and
    it opens only with the passphrase."""
    monkeypatch.setenv("PILWU_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("PILWU_SCRYPT_LOG2N", SCRYPT_TEST_COST)
    cer, state = tmp_path / "ceremony", tmp_path / "ayu.state"
    write_setup_file(tmp_path / "setup.json", [VotingDevice.generate("tps-1")])
    assert pilwu_main(["trustee", "setup", "--group", "pilwu-test-512", "--insecure-test-group", "--kuwu", "A,B",
                       "--election-id", "desa-1", "--village", "Sukamaju", "--district", "Sumber",
                       "--date", "2026-06-14", "--registered-voters", "1500", "--trustees", "ayu,budi",
                       "--threshold", "2",
                       "--setup", str(tmp_path / "setup.json"), "--out", str(cer)]) == 0
    assert pilwu_main(["trustee", "init", str(cer), "--id", "ayu", "--state", str(state),
                       "--insecure-test-group"]) == 0
    printed = capsys.readouterr()
    assert mode(state) == 0o600
    blob = state.read_bytes()
    group = small_group()
    trustee = import_secret_state(group, unseal(blob, PASSPHRASE))
    assert isinstance(trustee, TrusteeRound1)
    values = {f"coefficient {j}": a.value for j, a in enumerate(trustee._coefficients)}
    values["auxiliary secret"] = trustee._aux_secret.value
    published = [p.read_bytes() for p in cer.rglob("*") if p.is_file()]
    assert not leaks([blob, *published, printed.out, printed.err], values, group.scalar_size)
    assert PASSPHRASE.encode() not in blob and PASSPHRASE not in printed.out + printed.err
    with pytest.raises(SealedStateError):
        unseal(blob, PASSPHRASE.upper())
    # --force replaces it: still 0600, still sealed
    assert pilwu_main(["trustee", "init", str(cer), "--id", "ayu", "--state", str(state), "--force",
                       "--insecure-test-group"]) == 0
    assert mode(state) == 0o600 and state.read_bytes() != blob


def test_mix_server_key_file_is_0600_and_encrypted(tmp_path: Path, open_umask: None,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """``pilwu mix keygen`` under umask 0: the signing key is written 0600 as encrypted
    PKCS#8 (scrypt, AES-256-CBC): neither its seed nor its scalar nor the passphrase is in
    the file, the registration or the output; it opens only with the passphrase."""
    monkeypatch.setenv("PILWU_PASSPHRASE", PASSPHRASE)
    key_path, reg_path = tmp_path / "mix-a.pem", tmp_path / "mix-a.json"
    assert pilwu_main(["mix", "keygen", "--id", "mix-a", "--key", str(key_path),
                       "--registration", str(reg_path)]) == 0
    printed = capsys.readouterr()
    assert mode(key_path) == 0o600
    data = key_path.read_bytes()
    assert b"ENCRYPTED PRIVATE KEY" in data
    key = ECC.import_key(data, passphrase=PASSPHRASE)
    values = {"seed": int.from_bytes(key.seed, "big"), "scalar": int(key.d)}
    assert not leaks([data, reg_path.read_bytes(), printed.out, printed.err], values, 32)
    assert key.seed not in data and PASSPHRASE.encode() not in data
    with pytest.raises(ValueError):
        ECC.import_key(data, passphrase=PASSPHRASE + "?")
