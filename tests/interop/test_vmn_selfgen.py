"""Self-generated transcripts (tests/interop/vmn_writer.py): width ω > 1, pre-computation
(PoSC + CCPoS + keep list), SHA-384/512, all session types, and every curve family.

These check that two independent readings of NOTES.md (the writer's and the verifier's)
agree; they are weaker evidence than the two real Verificatum transcripts, which remain the
ground truth.  By default one transcript per configuration below and a representative
sample of mutants; PILWU_EXHAUSTIVE=1 adds a mixing transcript on every curve name and
every mutation of every file.
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from pilwu_crypto.interop.verificatum import VerificationResult, verify_transcript
from pilwu_crypto.interop.verificatum import bytetree as bt
from pilwu_crypto.interop.verificatum.arithm import KNOWN_VMN_CURVES, parse_group
from pilwu_crypto.interop.verificatum.plaintexts import decode_plaintext
from pilwu_crypto.interop.verificatum.protinfo import parse_protinfo
from tests.interop.conftest import EXHAUSTIVE, protinfo
from tests.interop.test_vmn_mutations import MUTATIONS, _rebuild
from tests.interop.vmn_writer import Spec, VGroup, write


@functools.cache
def modp() -> VGroup:
    """The 512-bit safe-prime group of the real modp512 case (generating one takes seconds)."""
    info = parse_protinfo(protinfo("modp512_n100_mix").read_bytes())
    core = parse_group(info.s_group).group
    return VGroup.modp(int(core.p), core.q, int(core.generator().raw))  # type: ignore[attr-defined]


# name -> (group, Spec keyword arguments)
CONFIGS: dict[str, tuple[Callable[[], VGroup], dict[str, object]]] = {
    # ω = 3, non-default auxsid, a different hash for <prg> and <rohash> (NOTES §13 pitfalls)
    "modp-w3-sha512-384": (modp, {"width": 3, "prg": "SHA-512", "rohash": "SHA-384", "auxsid": "wide"}),
    # pre-computation: N0 = 14 > N = 10 (PoSC over 14, keep list, CCPoS over 10)
    "modp-w2-precomp": (modp, {"width": 2, "maxciph": 14, "prg": "SHA-384", "rohash": "SHA-512"}),
    "modp-precomp-shuffling": (modp, {"maxciph": 12, "session": "shuffling"}),
    "modp-w2-decryption": (modp, {"width": 2, "session": "decryption", "prg": "SHA-512", "rohash": "SHA-512"}),
    "P-256-w2-precomp-shuffling": (lambda: VGroup.named("P-256"),
                                   {"width": 2, "maxciph": 13, "session": "shuffling", "prg": "SHA-384",
                                    "rohash": "SHA-384"}),
    # one per new curve family: NIST small (p = 1 mod 4), SEC Koblitz, X9.62, Brainpool
    "P-224": (lambda: VGroup.named("P-224"), {"n": 8}),
    "secp224k1-w2-precomp-shuffling": (lambda: VGroup.named("secp224k1"),
                                       {"n": 8, "width": 2, "maxciph": 11, "session": "shuffling",
                                        "prg": "SHA-512", "rohash": "SHA-512"}),
    "prime239v1-w2-decryption": (lambda: VGroup.named("prime239v1"),
                                 {"n": 8, "width": 2, "session": "decryption", "prg": "SHA-384",
                                  "rohash": "SHA-384"}),
    "brainpoolp256r1-w2-precomp": (lambda: VGroup.named("brainpoolp256r1"),
                                   {"n": 8, "width": 2, "maxciph": 12, "rohash": "SHA-512"}),
    "secp256k1-k4-t3": (lambda: VGroup.named("secp256k1"), {"n": 8, "k": 4, "threshold": 3, "prg": "SHA-384"}),
}
if EXHAUSTIVE:
    for _name in KNOWN_VMN_CURVES:
        CONFIGS[f"all-{_name}"] = (functools.partial(VGroup.named, _name), {"n": 6, "width": 2, "maxciph": 8})


@functools.cache
def _written(name: str, root: str) -> tuple[Path, Path, Spec]:
    make, kwargs = CONFIGS[name]
    spec = Spec(make(), **kwargs)  # type: ignore[arg-type]
    prot, nz = write(spec, Path(root) / name)
    return prot, nz, spec


@pytest.fixture(scope="session")
def selfgen_root(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("selfgen"))


def _verify(prot: Path, nz: Path, spec: Spec, **kw: object) -> VerificationResult:
    return verify_transcript(prot, nz, spec.session, auxsid=spec.auxsid, allow_insecure_parameters=True,
                             **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", list(CONFIGS))
def test_self_generated_transcript_verifies(name: str, selfgen_root: str) -> None:
    prot, nz, spec = _written(name, selfgen_root)
    res = _verify(prot, nz, spec)
    assert res.valid, res.failure
    assert res.width == spec.width and res.ciphertexts == spec.n
    if spec.session == "decryption":
        assert res.shufflers == []
    else:
        assert res.precomputation == bool(spec.maxciph) and res.valid_shuffles == spec.threshold
        kinds = [p.proof for s in res.shufflers for p in s.proofs]
        assert kinds == (["PoSC", "CCPoS"] if spec.maxciph else ["PoS"]) * spec.threshold
        assert res.generators is not None and len(res.generators.elements) == (spec.maxciph or spec.n)
    if spec.session == "shuffling":
        assert res.plaintexts is None
        return
    # the plaintexts decode (NOTES §12) to the messages, each row still one ciphertext's components
    assert res.plaintexts is not None and res.vgroup is not None
    rows = sorted(tuple(decode_plaintext(res.vgroup, m) for m in row) for row in res.plaintexts)
    w = spec.width
    assert rows == sorted(tuple(spec.messages[i * w:(i + 1) * w]) for i in range(spec.n))
    if spec.session == "mixing":
        assert res.decryption is not None and res.decryption.delta == tuple(range(1, spec.threshold + 1))


def test_the_width_and_the_hashes_matter(tmp_path: Path, selfgen_root: str) -> None:
    """Declared width and hash names are part of the statement: changing either rejects."""
    prot, nz, spec = _written("modp-w3-sha512-384", selfgen_root)
    res = _verify(prot, nz, spec, width=1)
    assert not res.valid and res.failure is not None and res.failure.file == "width"
    target = tmp_path / "t"
    shutil.copytree(prot.parent, target)
    text = (target / "protInfo.xml").read_text()
    for old, new in (("<rohash>SHA-384<", "<rohash>SHA-512<"), ("<prg>SHA-512<", "<prg>SHA-384<")):
        (target / "protInfo.xml").write_text(text.replace(old, new))
        res = _verify(target / "protInfo.xml", target / "nizkp" / "wide", spec)
        assert not res.valid and res.failure is not None and res.failure.party == 1, res.failure


# ---- mutants of the pre-computation, width-2 mixing transcript -----------------------------------

MUTANT_CASE = "modp-w2-precomp"
BENIGN = {"proofs/DecrFactReply03.bt"}  # party 3 is outside Δ = {1, 2}: its reply is never used (NOTES §10)


def _files(name: str, root: str) -> list[str]:
    _prot, nz, _spec = _written(name, root)
    return sorted(str(p.relative_to(nz)) for p in nz.rglob("*") if p.is_file())


def _copy(name: str, root: str, dest: Path) -> tuple[Path, Path, Spec]:
    prot, _nz, spec = _written(name, root)
    shutil.copytree(prot.parent, dest / name)
    return dest / name / "protInfo.xml", dest / name / "nizkp" / spec.auxsid, spec


def _expect_rejected(name: str, res: VerificationResult) -> None:
    """Rejected, naming the file, or the party whose proof fails, or the decryption proof."""
    f = res.failure
    assert not res.valid and f is not None, f"mutant of {name} accepted"
    message = str(f)
    assert message and "\n" not in message
    digits = name[-5:-3] if name.endswith(".bt") and name[-5:-3].isdigit() else None
    party = int(digits) if digits else None
    assert f.file == name or (party is not None and f.party == party) or f.proof == "decryption" or (
        f.party is not None and name in ("Ciphertexts.bt", "proofs/maxciph")) or (
        name == "proofs/maxciph" and (f.file or "").startswith("proofs/KeepList")), message  # N0 is their length


def _cases() -> list[tuple[str, str]]:
    # the file list is known without writing: every file the writer produces for MUTANT_CASE
    files = ["version", "type", "auxsid", "width", "FullPublicKey.bt", "Ciphertexts.bt", "Plaintexts.bt",
             "proofs/activethreshold", "proofs/PolynomialInExponent.bt", "proofs/maxciph", "proofs/CorrectIndices.bt"]
    for ll in ("01", "02"):
        files += [f"proofs/{f}{ll}.bt" for f in ("Ciphertexts", "PermutationCommitment", "PoSCCommitment",
                                                 "PoSCReply", "CCPoSCommitment", "CCPoSReply", "KeepList")]
    for ll in ("01", "02", "03"):
        files += [f"proofs/{f}{ll}.bt" for f in ("DecryptionFactors", "DecrFactCommitment", "DecrFactReply")]
    kinds = list(MUTATIONS)
    if EXHAUSTIVE:
        return [(f, m) for f in files for m in kinds]
    return [(f, kinds[i % len(kinds)]) for i, f in enumerate(files)]


@pytest.mark.parametrize(("name", "mutation"), _cases())
def test_mutant_is_rejected(tmp_path: Path, selfgen_root: str, name: str, mutation: str) -> None:
    assert name in _files(MUTANT_CASE, selfgen_root)
    prot, nz, spec = _copy(MUTANT_CASE, selfgen_root, tmp_path)
    data = MUTATIONS[mutation]((nz / name).read_bytes())
    (nz / name).write_bytes(data)
    res = _verify(prot, nz, spec)
    if name in BENIGN or (name == "proofs/activethreshold" and data.strip() in (b"2", b"3")):
        assert res.valid, res.failure
        return
    if name == "proofs/CorrectIndices.bt" and res.valid:
        flags = bt.read_bools(bt.parse(data), "c", 4)
        assert sum(flags[1:]) >= 2  # still λ parties marked correct, all of whose factors are genuine
        return
    _expect_rejected(name, res)


def _swap_keep(data: bytes) -> bytes:
    """Exchange one kept and one dropped position of a keep list (still exactly N true)."""
    flags = bytearray(bt.parse(data).leaf_data("keep"))
    i, j = flags.index(1), flags.index(0)
    flags[i], flags[j] = 0, 1
    return bt.ser_leaf(bytes(flags))


SWAPS: list[tuple[str, Callable[[bytes], bytes]]] = [
    ("proofs/KeepList01.bt", _swap_keep),
    ("proofs/KeepList02.bt", _swap_keep),
    ("Ciphertexts.bt", lambda d: _rebuild(bt.parse(d), (0,), 0, 1)),            # u components 1 <-> 2 (width)
    ("proofs/Ciphertexts01.bt", lambda d: _rebuild(bt.parse(d), (1, 0), 0, 1)),  # two v_1 entries
    ("proofs/PermutationCommitment01.bt", lambda d: _rebuild(bt.parse(d), (), 0, 1)),
    ("proofs/PoSCReply02.bt", lambda d: _rebuild(bt.parse(d), (4,), 0, 1)),     # k_E
    ("proofs/CCPoSReply01.bt", lambda d: _rebuild(bt.parse(d), (1,), 0, 1)),    # k_B ∈ Z_q^2
    ("proofs/CCPoSCommitment02.bt", lambda d: _rebuild(bt.parse(d), (1,), 0, 1)),  # B' = (u, v) swapped
    ("proofs/DecryptionFactors02.bt", lambda d: _rebuild(bt.parse(d), (), 0, 1)),  # components
    ("Plaintexts.bt", lambda d: _rebuild(bt.parse(d), (1,), 0, 1)),
]


@pytest.mark.parametrize(("name", "edit"), SWAPS, ids=[f"{n}-{i}" for i, (n, _e) in enumerate(SWAPS)])
def test_swapped_entries_are_rejected(tmp_path: Path, selfgen_root: str, name: str,
                                      edit: Callable[[bytes], bytes]) -> None:
    prot, nz, spec = _copy(MUTANT_CASE, selfgen_root, tmp_path)
    (nz / name).write_bytes(edit((nz / name).read_bytes()))
    _expect_rejected(name, _verify(prot, nz, spec))


@pytest.mark.parametrize("pattern", ["PoSCCommitment{}.bt", "CCPoSReply{}.bt", "KeepList{}.bt",
                                     "DecrFactCommitment{}.bt"])
def test_files_swapped_between_parties(tmp_path: Path, selfgen_root: str, pattern: str) -> None:
    prot, nz, spec = _copy(MUTANT_CASE, selfgen_root, tmp_path)
    a, b = nz / "proofs" / pattern.format("01"), nz / "proofs" / pattern.format("02")
    da, db = a.read_bytes(), b.read_bytes()
    a.write_bytes(db)
    b.write_bytes(da)
    res = _verify(prot, nz, spec)
    assert not res.valid and res.failure is not None
    assert res.failure.party in (1, 2, None) and (res.failure.party is not None
                                                  or res.failure.proof == "decryption"), res.failure


def test_a_failed_posc_replaces_u_by_h(tmp_path: Path, selfgen_root: str) -> None:
    """An unparsable PoSC commitment is hashed as units, the PoSC fails, u := h, and the
    CCPoS then fails as well: the shuffler is skipped and too few proofs remain (NOTES §9b)."""
    prot, nz, spec = _copy(MUTANT_CASE, selfgen_root, tmp_path)
    (nz / "proofs" / "PoSCCommitment02.bt").write_bytes(b"\x01")
    res = _verify(prot, nz, spec)
    assert not res.valid and res.failure is not None and res.failure.party == 2
    assert [(p.proof, p.valid) for p in res.shufflers[1].proofs] == [("PoSC", False), ("CCPoS", False)]
    assert "replaced by units" in (res.shufflers[1].proofs[0].reason or "")
    assert [s.valid for s in res.shufflers] == [True, False]
