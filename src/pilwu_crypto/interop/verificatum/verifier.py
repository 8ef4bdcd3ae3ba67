"""The stand-alone verifier of a VMN 3.1.0 proof directory (NOTES.md §6, §11; VMNV §9.3).

:func:`verify_transcript` reads ``protInfo.xml`` and ``nizkp/<auxsid>/`` and returns a
:class:`VerificationResult`: valid, or the first failure naming the party, the proof
and the equation, or the file that does not parse.  The session type is the caller's
(as vmnv's -mix/-shuffle/-decrypt): a transcript does not choose which checks it gets.

Stricter than vmnv (NOTES §11 step 4, §11a): fewer than λ valid shuffle proofs reject in
every session type (vmnv only warns in shuffling sessions), and in shuffling sessions the
published ``ShuffledCiphertexts.bt`` must equal the list the proofs lead to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from pilwu_crypto.algebra.group import Element
from pilwu_crypto.elgamal import PublicKey
from pilwu_crypto.errors import InvalidParameters, PilwuError
from pilwu_crypto.interop.verificatum import bytetree as bt
from pilwu_crypto.interop.verificatum.arithm import VmnGroup, parse_group
from pilwu_crypto.interop.verificatum.bytetree import ByteTree
from pilwu_crypto.interop.verificatum.decryption import (
    DecryptionOutcome,
    PartyDecryption,
    alpha,
    party_keys,
    verify_decryption,
)
from pilwu_crypto.interop.verificatum.errors import ProtInfoError, VmnFormatError
from pilwu_crypto.interop.verificatum.generators import Generators, derive_generators, global_prefix
from pilwu_crypto.interop.verificatum.hashing import PRG, Challenger, HashFunction
from pilwu_crypto.interop.verificatum.pos import (
    CiphertextList,
    ProofOutcome,
    ShuffleSetting,
    shrink,
    verify_ccpos,
    verify_pos,
    verify_posc,
)
from pilwu_crypto.interop.verificatum.protinfo import (
    MIN_CURVE_ORDER_BITS,
    MIN_EBITLENRO,
    MIN_MODP_BITS,
    MIN_STATDIST,
    MIN_VBITLENRO,
    SID_RE,
    VERSION,
    ProtocolInfo,
    insecure_scalars,
    parse_protinfo,
)

SESSION_TYPES = ("mixing", "shuffling", "decryption")
REPORT_VERSION = 1
INSECURE = "insecure protocol parameters"
"""The verdict when a soundness parameter is below its floor (protinfo.MIN_*)."""
FLOORS = {"vbitlenro": MIN_VBITLENRO, "ebitlenro": MIN_EBITLENRO, "statdist": MIN_STATDIST,
          "modp_bits": MIN_MODP_BITS, "curve_order_bits": MIN_CURVE_ORDER_BITS}
"""Version of the JSON report of :meth:`VerificationResult.to_json`."""

MAX_TEXT_FILE = 64
"""Longest accepted small text file (version, type, auxsid, width, counts)."""

Progress = Callable[[str, int, int], None]


class _Reject(Exception):
    """Internal: stops verification with a failure (caught in verify_transcript)."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(str(failure))
        self.failure = failure


@dataclass(frozen=True)
class Failure:
    """Why a transcript is not valid: the party, proof and equation, or the file at fault."""

    reason: str
    party: int | None = None
    proof: str | None = None
    file: str | None = None

    def __str__(self) -> str:
        where = []
        if self.party is not None:
            where.append(f"party {self.party}")
        if self.proof is not None:
            where.append(self.proof)
        if self.file is not None:
            where.append(self.file)
        head = ", ".join(where)
        return f"{head}: {self.reason}" if head else self.reason

    def to_json(self) -> dict[str, Any]:
        return {"party": self.party, "proof": self.proof, "file": self.file, "reason": self.reason,
                "message": str(self)}


@dataclass
class ShufflerReport:
    """The verdict on one mix server's shuffle (NOTES §9 / §9b)."""

    party: int
    valid: bool
    proofs: list[ProofOutcome]
    u: list[Element]
    """The permutation commitment used (h if the published one did not parse)."""
    notes: list[str] = field(default_factory=list)


@dataclass
class VerificationResult:
    """Everything verify_transcript found out; ``valid`` is the verdict."""

    valid: bool
    session_type: str
    auxsid: str
    failure: Failure | None = None
    sid: str | None = None
    group: str | None = None
    k: int | None = None
    threshold: int | None = None
    width: int | None = None
    active_threshold: int | None = None
    ciphertexts: int | None = None
    precomputation: bool = False
    rho: bytes | None = None
    generators: Generators | None = None
    public_key: tuple[Element, Element] | None = None
    party_keys: list[Element] = field(default_factory=list)
    shufflers: list[ShufflerReport] = field(default_factory=list)
    decryption: DecryptionOutcome | None = None
    plaintexts: list[list[Element]] | None = None
    vgroup: VmnGroup | None = None
    notes: list[str] = field(default_factory=list)
    """Substitutions VMN's rules made (unparsable commitments, skipped shufflers…)."""
    parameters: dict[str, Any] = field(default_factory=dict)
    """The soundness parameters of protInfo.xml and the group's size, with the floors."""
    insecure_parameters: list[str] = field(default_factory=list)
    """Each parameter below its floor ("name = value is below the floor of F")."""
    insecure_allowed: bool = False
    """True when the caller accepted insecure parameters (the verdict then warns)."""

    @property
    def valid_shuffles(self) -> int:
        return sum(1 for s in self.shufflers if s.valid)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary (``version`` = REPORT_VERSION)."""
        return {
            "version": REPORT_VERSION,
            "verifier": "pilwu verify-vmn (Verificatum VMN 3.1.0 transcripts)",
            "valid": self.valid,
            "failure": None if self.failure is None else self.failure.to_json(),
            "type": self.session_type, "auxsid": self.auxsid, "sid": self.sid, "group": self.group,
            "parties": self.k, "threshold": self.threshold, "width": self.width,
            "active_threshold": self.active_threshold, "ciphertexts": self.ciphertexts,
            "precomputation": self.precomputation,
            "rho": None if self.rho is None else self.rho.hex(),
            "shuffles": [{"party": s.party, "valid": s.valid, "notes": s.notes,
                          "proofs": [{"proof": p.proof, "valid": p.valid, "reason": p.reason,
                                      "seed": p.seed.hex(), "challenge": f"{p.challenge:x}"} for p in s.proofs]}
                         for s in self.shufflers],
            "valid_shuffles": self.valid_shuffles,
            "decryption": None if self.decryption is None else {
                "valid": self.decryption.valid, "reason": self.decryption.reason,
                "delta": list(self.decryption.delta), "seed": self.decryption.seed.hex(),
                "challenge": f"{self.decryption.challenge:x}", "substituted": list(self.decryption.substituted)},
            "plaintexts": None if self.plaintexts is None else len(self.plaintexts),
            "notes": self.notes,
            "parameters": self.parameters,
            "insecure_parameters": self.insecure_parameters,
            "insecure_allowed": self.insecure_allowed,
        }


# ---- reading files ------------------------------------------------------------------------------


class _Dir:
    """The proof directory: every read is bounded and names the file on failure."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def exists(self, name: str) -> bool:
        return (self.root / name).is_file()

    def size(self, name: str) -> int:
        """The byte size of a file, from os.stat, without reading it (0 when missing)."""
        try:
            return (self.root / name).stat().st_size
        except OSError:
            return 0

    def read(self, name: str, limit: int = bt.MAX_TREE_BYTES) -> bytes:
        path = self.root / name
        try:
            if not path.is_file():
                raise _Reject(Failure("missing", file=name))
            if path.stat().st_size > limit:
                raise _Reject(Failure(f"larger than {limit} bytes", file=name))
            return path.read_bytes()
        except OSError as exc:
            raise _Reject(Failure(f"cannot be read ({exc.strerror or exc})", file=name)) from None

    def text(self, name: str) -> str:
        data = self.read(name, MAX_TEXT_FILE)
        try:
            return data.decode("ascii").strip()
        except UnicodeDecodeError:
            raise _Reject(Failure("not ASCII text", file=name)) from None

    def number(self, name: str) -> int:
        value = self.text(name)
        if not value.isdigit() or len(value) > 9:
            raise _Reject(Failure(f"{value[:20]!r} is not a decimal number", file=name))
        return int(value)

    def tree(self, name: str) -> ByteTree:
        """A file that must hold one byte tree (rejects the transcript otherwise)."""
        try:
            return bt.parse(self.read(name), name)
        except VmnFormatError as exc:
            raise _Reject(Failure(f"not a valid byte tree ({_tail(exc, name)})", file=name)) from None

    def optional_tree(self, name: str) -> ByteTree | None:
        """A commitment or reply: None when missing or not a byte tree (VMN substitutes, NOTES §9 item 8)."""
        if not self.exists(name):
            return None
        try:
            return bt.parse(self.read(name), name)
        except (VmnFormatError, _Reject):
            return None


def _tail(exc: Exception, name: str) -> str:
    text = str(exc)
    return text[len(name) + 2:] if text.startswith(name + ": ") else text


def _parse(name: str, func: Callable[[], Any]) -> Any:
    """Run a decoder on a parsed file (called at once, so closures over loop variables are safe);
    any library error names the file."""
    try:
        return func()
    except PilwuError as exc:
        raise _Reject(Failure(str(exc), file=name)) from None


# ---- the algorithm ------------------------------------------------------------------------------


def verify_transcript(protinfo: Path | str, nizkp: Path | str, session_type: str, *, auxsid: str = "default",
                      width: int | None = None, progress: Progress | None = None,
                      allow_insecure_parameters: bool = False) -> VerificationResult:
    """Verify a VMN 3.1.0 transcript (NOTES §11).  Raises ProtInfoError only when protInfo.xml
    cannot be read; every other problem is a VerificationResult with ``valid`` False.

    Soundness parameters below the floors (challenge or batching bits < 128, statdist < 64,
    ModP p < 2048 bits, curve order < 256 bits) make the verdict "insecure protocol parameters"
    before any proof is looked at, unless ``allow_insecure_parameters``: then the proofs are
    checked and the result still lists the parameters below the floors (and warns in ``notes``).
    """
    if session_type not in SESSION_TYPES:
        raise ValueError(f"session type must be one of {', '.join(SESSION_TYPES)}")
    if not SID_RE.fullmatch(auxsid):
        raise ValueError(f"auxsid {auxsid!r} does not match [A-Za-z][A-Za-z0-9]{{1,1023}}")
    info = _read_protinfo(Path(protinfo))
    result = VerificationResult(valid=False, session_type=session_type, auxsid=auxsid, sid=info.sid, k=info.k,
                                threshold=info.threshold, insecure_allowed=allow_insecure_parameters)
    try:
        _run(info, _Dir(Path(nizkp)), result, width, progress or (lambda stage, done, total: None))
        result.valid = True
    except _Reject as rej:
        result.failure = rej.failure
    return result


def _read_protinfo(path: Path) -> ProtocolInfo:
    try:
        if not path.is_file():
            raise ProtInfoError(f"{path}: not a file")
        if path.stat().st_size > 1 << 22:
            raise ProtInfoError(f"{path}: larger than 4 MiB")
        data = path.read_bytes()
    except OSError as exc:
        raise ProtInfoError(f"{path}: {exc.strerror or exc}") from None
    info = parse_protinfo(data)
    try:
        HashFunction(info.s_prg)
        HashFunction(info.s_rohash)
    except VmnFormatError as exc:
        raise ProtInfoError(f"protocol info: {exc}") from None
    return info


def _check_floors(info: ProtocolInfo, res: VerificationResult, vg: VmnGroup | None) -> None:
    """Record the soundness parameters; refuse those below the floors unless allowed.

    Called first with ``vg`` None (the numbers of protInfo.xml, before the group is even
    validated), then with the group; nothing expensive happens before either call.
    """
    if vg is None:
        res.parameters = {"vbitlenro": info.n_v, "ebitlenro": info.n_e, "statdist": info.n_r,
                          "prg": info.s_prg, "rohash": info.s_rohash, "parties": info.k,
                          "threshold": info.threshold, "maxciph": info.maxciph, "floors": dict(FLOORS)}
        found = insecure_scalars(info)
    else:
        kind = "curve" if vg.is_curve else "modp"
        size = vg.q.bit_length() if vg.is_curve else vg.p.bit_length()
        floor = MIN_CURVE_ORDER_BITS if vg.is_curve else MIN_MODP_BITS
        what = "curve order bits" if vg.is_curve else "ModP modulus bits"
        res.parameters.update({"group": vg.description, "group_kind": kind, "group_bits": size,
                               "group_q_bits": vg.q.bit_length()})
        found = [f"group: {what} = {size} is below the floor of {floor}"] if size < floor else []
    res.insecure_parameters.extend(found)
    if not found:
        return
    if not res.insecure_allowed:
        raise _Reject(Failure(f"{INSECURE}: {'; '.join(res.insecure_parameters)} "
                              "(--allow-insecure-parameters to check the proofs anyway)"))
    res.notes.extend(f"warning: {INSECURE} accepted: {item}" for item in found)


def _run(info: ProtocolInfo, d: _Dir, res: VerificationResult, width_arg: int | None, progress: Progress) -> None:
    # 0. the soundness floors, before anything else (the parties chose these numbers)
    _check_floors(info, res, None)
    # 1. the group (validated ourselves), hashes, version, type, auxsid, width (NOTES §11 step 1)
    try:
        vg = parse_group(info.s_group)
    except VmnFormatError as exc:
        raise ProtInfoError(f"protocol info: <pgroup>: {exc}") from None
    except InvalidParameters as exc:
        raise _Reject(Failure(f"group refused: {exc}", file="protInfo.xml")) from None
    res.vgroup = vg
    res.group = vg.description
    _check_floors(info, res, vg)
    group = vg.group
    prg_hash, rohash = HashFunction(info.s_prg), HashFunction(info.s_rohash)
    version = d.text("version")
    if version != VERSION:
        raise _Reject(Failure(f"version {version[:20]!r} is not {VERSION}", file="version"))
    kind = d.text("type")
    if kind != res.session_type:
        raise _Reject(Failure(f"the proof is of type {kind[:20]!r}, {res.session_type!r} was asked for", file="type"))
    auxsid = d.text("auxsid")
    if not SID_RE.fullmatch(auxsid) or auxsid != res.auxsid:
        raise _Reject(Failure(f"auxsid {auxsid[:40]!r} is not the expected {res.auxsid!r}", file="auxsid"))
    width = d.number("width")
    expected_width = info.width if width_arg is None else width_arg
    if width != expected_width or width < 1:
        raise _Reject(Failure(f"width {width} differs from the expected {expected_width}", file="width"))
    res.width = width

    # 2. keys, Γ, ρ, active threshold (step 2)
    pk_tree = d.tree("FullPublicKey.bt")
    g_pk, y = _parse("FullPublicKey.bt", lambda: vg.elements(pk_tree, "public key", 2))
    if g_pk != group.generator():
        raise _Reject(Failure("the first component is not the group's standard generator", file="FullPublicKey.bt"))
    try:
        public_key = PublicKey(y)
    except PilwuError as exc:
        raise _Reject(Failure(str(exc), file="FullPublicKey.bt")) from None
    res.public_key = (g_pk, y)
    gamma_tree: ByteTree | None = None
    if res.session_type != "shuffling":
        gamma_tree = d.tree("proofs/PolynomialInExponent.bt")
        gamma: list[Element] = _parse("proofs/PolynomialInExponent.bt",
                                      lambda: vg.elements(gamma_tree, "polynomial in exponent"))
        if len(gamma) > info.threshold:
            raise _Reject(Failure(f"{len(gamma)} coefficients for threshold {info.threshold}",
                                  file="proofs/PolynomialInExponent.bt"))
        if gamma[0] != y:
            raise _Reject(Failure("Γ_0 differs from the public key y", file="proofs/PolynomialInExponent.bt"))
        res.party_keys = party_keys(group, gamma, range(1, info.k + 1))
    rho = global_prefix(info, res.auxsid, rohash)
    res.rho = rho
    challenger = Challenger(rohash, rho)
    active = d.number("proofs/activethreshold")
    if not info.threshold <= active <= info.k:
        raise _Reject(Failure(f"active threshold {active} is not in [λ, k] = [{info.threshold}, {info.k}]",
                              file="proofs/activethreshold"))
    res.active_threshold = active

    # 3. the shuffles (step 3)
    l0_tree = d.tree("Ciphertexts.bt")
    current = CiphertextList(tuple(_parse("Ciphertexts.bt", lambda: vg.ciphertexts(l0_tree, width, "L_0"))),
                             l0_tree.raw)
    n = len(current.vectors)
    res.ciphertexts = n
    if res.session_type in ("mixing", "shuffling"):
        current = _shuffles(info, d, res, vg, challenger, prg_hash, rohash, public_key, current, progress)
    if res.session_type == "shuffling":
        # stricter than vmnv: the published final list must be the proven one (NOTES §11 step 4)
        final = d.tree("ShuffledCiphertexts.bt")
        _parse("ShuffledCiphertexts.bt", lambda: vg.ciphertexts(final, width, "final list", n))
        if final.raw != current.ser:
            raise _Reject(Failure("differs from the output of the last valid shuffle", file="ShuffledCiphertexts.bt"))
        return

    # 5. decryption over the final list (mixing) or L_0 (decryption) (NOTES §10, §11 step 5)
    assert gamma_tree is not None
    progress("decryption", 0, 1)
    _decryption(info, d, res, vg, challenger, prg_hash, y, gamma_tree, current)
    progress("decryption", 1, 1)


def _shuffles(info: ProtocolInfo, d: _Dir, res: VerificationResult, vg: VmnGroup, challenger: Challenger,
              prg_hash: HashFunction, rohash: HashFunction, public_key: PublicKey, current: CiphertextList,
              progress: Progress) -> CiphertextList:
    """Every shuffler's proof in turn; a rejected one is skipped (L_l := L_{l−1}) (NOTES §9 item 8)."""
    width = res.width or 1
    n = len(current.vectors)
    precomp = d.exists("proofs/maxciph")
    res.precomputation = precomp
    n0 = d.number("proofs/maxciph") if precomp else n
    if n0 < n:
        raise _Reject(Failure(f"maxciph {n0} is smaller than the {n} ciphertexts", file="proofs/maxciph"))
    active = res.active_threshold or info.threshold
    if precomp:
        _bound_maxciph(d, n0, n, active)
    generators = derive_generators(vg, rohash, challenger.rho, info.n_r, n0)
    res.generators = generators
    y = public_key.element
    g = vg.group.generator()
    pk_wide = vg.ser_wide([g] * width) if width > 1 else vg.ser_element(g)
    y_wide = vg.ser_wide([y] * width) if width > 1 else vg.ser_element(y)
    setting = ShuffleSetting(vgroup=vg, challenger=challenger, prg_hash=prg_hash, n_e=info.n_e, n_v=info.n_v,
                             width=width, public_key=public_key, pk_wide_ser=bt.ser_node([pk_wide, y_wide]),
                             generators=generators)
    for pl in range(1, active + 1):
        progress("shuffles", pl - 1, active)
        ll = f"{pl:02d}"
        first = f"proofs/CCPoSCommitment{ll}.bt" if precomp else f"proofs/PoSCommitment{ll}.bt"
        if not d.exists(first):
            res.notes.append(f"party {pl}: no shuffle proof files, slot skipped")
            continue
        report = ShufflerReport(party=pl, valid=False, proofs=[], u=[])
        res.shufflers.append(report)
        # the permutation commitment: u := h when it does not parse (NOTES §9 item 8)
        u_name = f"proofs/PermutationCommitment{ll}.bt"
        u_tree = d.optional_tree(u_name)
        try:
            if u_tree is None:
                raise VmnFormatError("missing or not a byte tree")
            u = vg.elements(u_tree, "permutation commitment", n0)
            u_sers = [c.raw for c in u_tree.node_children(u_name)]
        except PilwuError as exc:
            report.notes.append(f"{u_name} replaced by the generators ({_tail(exc, u_name)})")
            u = list(generators.elements)
            u_sers = list(generators.serialized)
        report.u = u
        # the output list: VMN aborts on an unparsable output (NOTES §11 step 6)
        out_name = f"proofs/Ciphertexts{ll}.bt"
        if pl == active and not d.exists(out_name):
            out_name = "ShuffledCiphertexts.bt"
        out_tree = d.tree(out_name)
        out = CiphertextList(tuple(_parse(out_name, partial(vg.ciphertexts, out_tree, width, "output", n))),
                             out_tree.raw)
        if precomp:
            valid = _precomp_shuffle(d, setting, report, ll, u, u_sers, n0, current, out)
        else:
            outcome = verify_pos(setting, u, bt.ser_node(u_sers), current, out,
                                 d.optional_tree(f"proofs/PoSCommitment{ll}.bt"),
                                 d.optional_tree(f"proofs/PoSReply{ll}.bt"))
            report.proofs.append(outcome)
            valid = outcome.valid
        report.valid = valid
        if valid:
            current = out
        else:
            res.notes.append(f"party {pl}: shuffle proof rejected, shuffler skipped")
    progress("shuffles", active, active)
    if res.valid_shuffles < info.threshold:
        # name the first shuffler that is skipped or rejected (slots are party indices)
        checked = {s.party: s for s in res.shufflers}
        for pl in range(1, active + 1):
            slot = checked.get(pl)
            if slot is None:
                raise _Reject(Failure(f"only {res.valid_shuffles} valid shuffle proofs, the threshold is "
                                      f"{info.threshold}; party {pl} published no proof files (slot skipped)",
                                      party=pl, proof="PoS"))
            if not slot.valid:
                why = next((p for p in slot.proofs if not p.valid), None)
                detail = f"{why.reason}" if why is not None else "rejected"
                raise _Reject(Failure(f"{detail} (only {res.valid_shuffles} valid shuffle proofs, the threshold "
                                      f"is {info.threshold})", party=pl,
                                      proof=why.proof if why is not None else "PoS"))
        raise _Reject(Failure(f"only {res.valid_shuffles} valid shuffle proofs, the threshold is {info.threshold}"))
    return current


KEEP_LIST_HEADER = 5
"""Bytes of a byte-tree leaf header (tag and length) before a keep list's N_0 entries."""


def _bound_maxciph(d: _Dir, n0: int, n: int, active: int) -> None:
    """N_0 cannot exceed what the files present can hold (checked before N_0 generators are derived).

    Every shuffler with pre-computation proof files must publish a keep list of exactly N_0
    one-byte entries (one leaf), so N_0 ≤ its size − 5 bytes, from os.stat before any reading.
    Without any such shuffler no proof uses N_0, and it may not exceed N.
    """
    capacity, limiting = n, "the input list (no shuffler published pre-computation proofs)"
    found = False
    for pl in range(1, active + 1):
        ll = f"{pl:02d}"
        if not d.exists(f"proofs/CCPoSCommitment{ll}.bt"):
            continue
        keep = f"proofs/KeepList{ll}.bt"
        if not d.exists(keep):
            raise _Reject(Failure("missing", party=pl, file=keep))
        room = max(d.size(keep) - KEEP_LIST_HEADER, 0)
        if not found or room < capacity:
            capacity, limiting, found = room, keep, True
    if n0 > capacity:
        raise _Reject(Failure(f"maxciph {n0} exceeds the {capacity} entries {limiting} can hold",
                              file="proofs/maxciph"))


def _precomp_shuffle(d: _Dir, setting: ShuffleSetting, report: ShufflerReport, ll: str, u: list[Element],
                     u_sers: list[bytes], n0: int, w: CiphertextList, w_out: CiphertextList) -> bool:
    """PoSC, keep list and CCPoS of one shuffler (NOTES §9b)."""
    posc = verify_posc(setting, u, bt.ser_node(u_sers), n0, d.optional_tree(f"proofs/PoSCCommitment{ll}.bt"),
                       d.optional_tree(f"proofs/PoSCReply{ll}.bt"))
    report.proofs.append(posc)
    if not posc.valid:  # u := h (NOTES §9b)
        u = list(setting.generators.elements)
        u_sers = list(setting.generators.serialized)
    keep_name = f"proofs/KeepList{ll}.bt"
    keep_tree = d.tree(keep_name)
    keep = _parse(keep_name, lambda: bt.read_bools(keep_tree, keep_name, n0))
    n = len(w.vectors)
    if sum(keep) != n:
        raise _Reject(Failure(f"keeps {sum(keep)} positions, expected {n}", party=report.party, file=keep_name))
    kept = shrink(u, keep, n)
    kept_ser = bt.ser_node([s for s, k in zip(u_sers, keep, strict=True) if k])
    ccpos = verify_ccpos(setting, kept, kept_ser, w, w_out, d.optional_tree(f"proofs/CCPoSCommitment{ll}.bt"),
                         d.optional_tree(f"proofs/CCPoSReply{ll}.bt"))
    report.proofs.append(ccpos)
    return posc.valid and ccpos.valid


def _decryption(info: ProtocolInfo, d: _Dir, res: VerificationResult, vg: VmnGroup, challenger: Challenger,
                prg_hash: HashFunction, y: Element, gamma_tree: ByteTree, current: CiphertextList) -> None:
    width = res.width or 1
    n = len(current.vectors)
    ci_tree = d.tree("proofs/CorrectIndices.bt")
    correct = _parse("proofs/CorrectIndices.bt",
                     lambda: bt.read_bools(ci_tree, "proofs/CorrectIndices.bt", info.k + 1))
    parties: list[PartyDecryption] = []
    for pl in range(1, info.k + 1):
        name = f"proofs/DecryptionFactors{pl:02d}.bt"
        tree = d.tree(name)
        factors = _parse(name, partial(vg.wide_elements, tree, width, "decryption factors", n))
        parties.append(PartyDecryption(factors, tree.raw, d.optional_tree(f"proofs/DecrFactCommitment{pl:02d}.bt"),
                                       d.optional_tree(f"proofs/DecrFactReply{pl:02d}.bt")))
    try:
        outcome = verify_decryption(vg, challenger, prg_hash, info.n_e, info.n_v, width, info.threshold, y,
                                    gamma_tree.raw, current, correct, parties)
    except PilwuError as exc:
        raise _Reject(Failure(str(exc), proof="decryption", file="proofs/CorrectIndices.bt")) from None
    res.decryption = outcome
    res.notes.extend(outcome.substituted)
    if not outcome.valid:
        culprit, detail = _attribute(vg, res, outcome, parties, current, prg_hash, info)
        reason = f"{outcome.reason or 'decryption proof fails'}; {detail}"
        raise _Reject(Failure(reason, party=culprit, proof="decryption"))
    pt_tree = d.tree("Plaintexts.bt")
    published = _parse("Plaintexts.bt", lambda: vg.wide_elements(pt_tree, width, "plaintexts", n))
    for i, (mine, theirs) in enumerate(zip(outcome.plaintexts, published, strict=True)):
        if list(mine) != theirs:
            raise _Reject(Failure(f"plaintext {i} differs from the decryption of the final list", file="Plaintexts.bt"))
    res.plaintexts = [list(m) for m in outcome.plaintexts]


def _attribute(vg: VmnGroup, res: VerificationResult, outcome: DecryptionOutcome, parties: list[PartyDecryption],
               current: CiphertextList, prg_hash: HashFunction, info: ProtocolInfo) -> tuple[int | None, str]:
    """After a failed combined proof, check each party of Δ on its own (NOTES §10):
    y_l^{−v/α}·y'_l = g^{k_x,l} and B_l^v·B'_l = A^{k_x,l}, B_l = ∏f_{l,i}^{e_i}.

    The challenge v hashes every party's commitment and the seed every party's factors, so a
    well-formed proof that fails its own check may be stale: another party may have changed
    its commitment or factors after the others answered, and answered the new challenge itself.
    Only a party whose own commitment or reply does not parse is blamed (the first of them);
    otherwise the parties whose check fails are listed, "not attributed".  Returns the party to
    blame (or None) and the detail for the verdict.
    """
    group = vg.group
    q = group.q
    width = res.width or 1
    e = PRG(prg_hash, outcome.seed).random_ints(info.n_e, len(current.vectors))
    v = outcome.challenge % q
    inv_alpha = pow(alpha(info.k) % q, -1, q)
    A = [group.multi_exp([c.components[j].alpha for c in current.vectors], e) for j in range(width)]
    malformed: list[int] = []
    failing: list[int] = []
    for pl in outcome.delta:
        party = parties[pl - 1]
        try:
            if party.commitment is None or party.reply is None:
                raise VmnFormatError("missing")
            yt, bt_ = party.commitment.node_children("commitment", 2)
            y_p = vg.element(yt, "y'")
            b_p = vg.wide_element(bt_, width, "B'")
            k_x = vg.scalar(party.reply, "reply").value
        except PilwuError:
            malformed.append(pl)
            continue
        # y_l^{−v/α}·y'_l = g^{k_x,l}
        ok = res.party_keys[pl - 1] ** ((q - v * inv_alpha) % q) * y_p == group.exp_g(k_x)
        for j in range(width):
            # B_l^v·B'_l = A^{k_x,l}: party l's own factors against its own commitment
            B = group.multi_exp([row[j] for row in party.factors], e)
            ok = ok and B ** v * b_p[j] == A[j] ** k_x
        if not ok:
            failing.append(pl)
    if malformed:
        return malformed[0], (f"the decryption commitment or reply of party {malformed[0]} is missing or does "
                              "not parse")
    holding = [pl for pl in outcome.delta if pl not in failing]
    names = ", ".join(map(str, failing))
    if failing and holding:
        return None, (f"the per-party check fails for party {names} and holds for party "
                      f"{', '.join(map(str, holding))}: a wrong proof, or a challenge changed by another party "
                      "after it answered (not attributed)")
    if failing:
        return None, ("the per-party check fails for every party of Δ: the joint statement (list, Γ, factors or "
                      "commitments) differs from what the parties proved (not attributed)")
    return None, "every party of Δ passes its own check (not attributed)"
