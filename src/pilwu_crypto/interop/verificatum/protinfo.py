"""The protocol-info file ``protInfo.xml`` (NOTES.md §5, VMNV §7, §7.2).

Only the global fields that enter verification are read; the ``<party>`` blocks (names,
signature keys, addresses) are ignored.  The strings ``<prg>``, ``<pgroup>`` and
``<rohash>`` are kept verbatim (after trimming surrounding whitespace), because ρ hashes
them as written, comment prefix included (NOTES §3, §7).

XML safety.  The file comes from the party whose transcript is being checked, so it is
parsed defensively with the standard library: the size is bounded (MAX_PROTINFO_BYTES),
the bytes must be UTF-8 (so no declared encoding can hide markup from the scan below),
and any ``<!DOCTYPE`` or ``<!ENTITY`` is refused before parsing.  Without a document type
declaration there are no entity declarations, hence no external entities (XXE) and no
entity expansion ("billion laughs"); only XML's five predefined entities and character
references remain.  Every field is checked syntactically and for range.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from pilwu_crypto.interop.verificatum.errors import ProtInfoError

VERSION = "3.1.0"
"""The only Verificatum version whose transcripts are verified (NOTES §5)."""

MAX_PROTINFO_BYTES = 1 << 22
"""4 MiB: far above the ~4 kB per party of a real file (25 parties at most)."""

MAX_PARTIES = 25
SID_RE = re.compile(r"[A-Za-z][A-Za-z0-9]{1,1023}")
"""Session ids and auxiliary session ids (NOTES §5, §6)."""
_DECIMAL_RE = re.compile(r"[0-9]{1,9}")

_FORBIDDEN = ("<!doctype", "<!entity")

# Soundness floors: protInfo.xml comes from the parties being checked, so its soundness
# parameters are not trusted.  Below these, verify_transcript refuses the transcript unless
# the caller allows insecure parameters (the verdict then still lists them).
MIN_VBITLENRO = 128
"""Bits of a Fiat–Shamir challenge (n_v): below, a prover can simulate a proof by grinding."""
MIN_EBITLENRO = 128
"""Bits of a batching exponent (n_e): below, a prover can grind a zero exponent and swap a ciphertext."""
MIN_STATDIST = 64
"""Statistical distance n_r of the generator derivation."""
MIN_MODP_BITS = 2048
"""Bits of the modulus p of a ModP group."""
MIN_CURVE_ORDER_BITS = 256
"""Bits of the order q of an elliptic-curve group."""


@dataclass(frozen=True)
class ProtocolInfo:
    """The global parameters of a session (NOTES §5 table; symbols as in NOTES)."""

    version: str
    sid: str
    k: int
    """nopart: number of parties (mix servers)."""
    threshold: int
    """thres λ: parties needed to decrypt."""
    n_r: int
    """statdist: bits of statistical distance (generator derivation)."""
    n_v: int
    """vbitlenro: bits of Fiat–Shamir challenges."""
    n_e: int
    """ebitlenro: bits of each batching-vector component."""
    s_prg: str
    """``<prg>`` verbatim, e.g. "SHA-256" (hash of the batching PRG)."""
    s_group: str
    """``<pgroup>`` verbatim: "<comment>::<hex of the marshalled group>"."""
    s_rohash: str
    """``<rohash>`` verbatim, e.g. "SHA-256" (hash of the random oracles)."""
    keywidth: int
    width: int
    """Default ciphertext width ω."""
    maxciph: int
    corr: str


def parse_protinfo(data: bytes) -> ProtocolInfo:
    """Parse the bytes of a protInfo.xml; ProtInfoError naming the field at fault."""
    if len(data) > MAX_PROTINFO_BYTES:
        raise ProtInfoError(f"protocol info: {len(data)} bytes exceed the limit of {MAX_PROTINFO_BYTES}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtInfoError(f"protocol info: not UTF-8 (byte {exc.start})") from None
    lowered = text.lower()
    for bad in _FORBIDDEN:
        if bad in lowered:
            raise ProtInfoError(f"protocol info: contains {bad.upper()[1:]}, refused "
                                "(no document type or entity declarations are allowed)")
    if "\x00" in text:
        raise ProtInfoError("protocol info: contains a NUL character")
    try:
        root = ET.fromstring(text)
    except (ET.ParseError, ValueError, LookupError) as exc:
        raise ProtInfoError(f"protocol info: not well-formed XML ({exc})") from None
    if root.tag != "protocol":
        raise ProtInfoError(f"protocol info: root element is <{root.tag}>, expected <protocol>")
    fields: dict[str, str] = {}
    for child in root:
        if not isinstance(child.tag, str) or child.tag == "party":
            continue
        if child.tag in fields:
            raise ProtInfoError(f"protocol info: field <{child.tag}> appears twice")
        if len(child):
            raise ProtInfoError(f"protocol info: field <{child.tag}> has child elements")
        fields[child.tag] = (child.text or "").strip()

    def field(name: str) -> str:
        value = fields.get(name)
        if value is None:
            raise ProtInfoError(f"protocol info: field <{name}> is missing")
        return value

    def number(name: str, low: int, high: int) -> int:
        raw = field(name)
        if not _DECIMAL_RE.fullmatch(raw):
            raise ProtInfoError(f"protocol info: <{name}> is {raw[:40]!r}, not a decimal number")
        value = int(raw)
        if not low <= value <= high:
            raise ProtInfoError(f"protocol info: <{name}> = {value} is not in [{low}, {high}]")
        return value

    version = field("version")
    if version != VERSION:
        raise ProtInfoError(f"protocol info: version {version[:40]!r} is not {VERSION}")
    sid = field("sid")
    if not SID_RE.fullmatch(sid):
        raise ProtInfoError(f"protocol info: session id {sid[:40]!r} does not match [A-Za-z][A-Za-z0-9]{{1,1023}}")
    k = number("nopart", 1, MAX_PARTIES)
    threshold = number("thres", 1, k)
    corr = field("corr")
    if corr != "noninteractive":
        raise ProtInfoError(f"protocol info: <corr> is {corr[:40]!r}; only 'noninteractive' sessions "
                            "publish a transcript")
    keywidth = number("keywidth", 1, 1_000)
    if keywidth != 1:
        raise ProtInfoError(f"protocol info: key width {keywidth} is not supported (only 1)")
    info = ProtocolInfo(
        version=version, sid=sid, k=k, threshold=threshold,
        n_r=number("statdist", 0, 256), n_v=number("vbitlenro", 1, 4096), n_e=number("ebitlenro", 1, 4096),
        s_prg=_short(field("prg"), "prg"), s_group=_short(field("pgroup"), "pgroup", 1 << 20),
        s_rohash=_short(field("rohash"), "rohash"), keywidth=keywidth, width=number("width", 1, 1_000),
        maxciph=number("maxciph", 0, 999_999_999), corr=corr)
    return info


def insecure_scalars(info: ProtocolInfo) -> list[str]:
    """The soundness parameters of ``info`` below their floors, each as "name = value < floor"."""
    out: list[str] = []
    for name, value, floor in (("vbitlenro", info.n_v, MIN_VBITLENRO), ("ebitlenro", info.n_e, MIN_EBITLENRO),
                               ("statdist", info.n_r, MIN_STATDIST)):
        if value < floor:
            out.append(f"{name} = {value} is below the floor of {floor}")
    return out


def _short(value: str, name: str, limit: int = 1 << 16) -> str:
    if not value:
        raise ProtInfoError(f"protocol info: <{name}> is empty")
    if len(value) > limit:
        raise ProtInfoError(f"protocol info: <{name}> is longer than {limit} characters")
    return value
