"""Generate tests/kat/vectors/transcript.json: golden vectors of the Fiat–Shamir transcript.

    .venv/bin/python tools/gen_transcript_vectors.py [--check]

This is an INDEPENDENT, minimal re-implementation of the transcript byte format of
docs/transcript.md, written from that specification with ``hashlib`` only: it does not
import pilwu_crypto.  The group parameters (p, q, g) are read from the recorded search
outputs docs/parameters/<group>.search.json, and the group fingerprint is computed here
from its definition.  tests/kat/test_transcript_vectors.py replays every case through the
real ``pilwu_crypto.algebra.transcript.Transcript`` and compares the challenges.

Format recap (docs/transcript.md):

    record      = kind (1 byte) || u32_be(len(label)) || label || u64_be(len(value)) || value
    descriptor  = lp("modp") || lp(name) || lp(p) || lp(q) || lp(g)     lp(x) = u32_be(len(x)) || x
    fingerprint = SHA-256("PILWU-V1-group" || 0x00 || descriptor)
    init        = record(01, "dst", "PILWU-V1-transcript") || record(05, "domain", domain)
                  || record(01, "group", fingerprint) || record(01, "context", context)
    state       = SHA-256(all records absorbed so far)
    challenge   = first n bytes of SHA-256(prefix || u32_be(0)) || SHA-256(prefix || u32_be(1)) || ...
                  prefix = "PILWU-V1-challenge" || state || u32_be(len(label)) || label
                  then record(06, label, challenge) is absorbed
    scalar challenge: n = ceil((bits(q) + 128) / 8), value = int_be(challenge) mod q

--check compares the file on disk with a fresh generation instead of writing it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "tests" / "kat" / "vectors" / "transcript.json"
DATE = "2026-11-27"
GROUPS = ("pilwu-test-512", "pilwu-3072")


def u32(n: int) -> bytes:
    return n.to_bytes(4, "big")


def u64(n: int) -> bytes:
    return n.to_bytes(8, "big")


def lp(data: bytes) -> bytes:
    return u32(len(data)) + data


class ModP:
    """Just enough of a Z_p* group: sizes, canonical encodings and the fingerprint."""

    def __init__(self, name: str) -> None:
        rec = json.loads((REPO / "docs" / "parameters" / f"{name}.search.json").read_text())
        self.name = name
        self.p, self.q, self.g = int(rec["p"], 16), int(rec["q"], 16), int(rec["g"], 16)
        self.esize = (self.p.bit_length() + 7) // 8
        self.ssize = (self.q.bit_length() + 7) // 8

    def element(self, k: int) -> bytes:
        """Canonical encoding of g^k."""
        return pow(self.g, k, self.p).to_bytes(self.esize, "big")

    def scalar(self, v: int) -> bytes:
        return (v % self.q).to_bytes(self.ssize, "big")

    def fingerprint(self) -> bytes:
        descriptor = (lp(b"modp") + lp(self.name.encode()) + lp(self.p.to_bytes(self.esize, "big"))
                      + lp(self.q.to_bytes(self.ssize, "big")) + lp(self.g.to_bytes(self.esize, "big")))
        return hashlib.sha256(b"PILWU-V1-group\x00" + descriptor).digest()


class MiniTranscript:
    """The byte format, kept as one growing buffer (the real one hashes incrementally)."""

    def __init__(self, group: ModP, domain: str, context: bytes) -> None:
        self.group = group
        self.buf = bytearray()
        self.record(0x01, "dst", b"PILWU-V1-transcript")
        self.record(0x05, "domain", domain.encode("utf-8"))
        self.record(0x01, "group", group.fingerprint())
        self.record(0x01, "context", context)

    def record(self, kind: int, label: str, value: bytes) -> None:
        lb = label.encode("utf-8")
        self.buf += bytes([kind]) + u32(len(lb)) + lb + u64(len(value)) + value

    def challenge(self, label: str, n: int) -> bytes:
        state = hashlib.sha256(bytes(self.buf)).digest()
        lb = label.encode("utf-8")
        prefix = b"PILWU-V1-challenge" + state + u32(len(lb)) + lb
        out = b""
        i = 0
        while len(out) < n:
            out += hashlib.sha256(prefix + u32(i)).digest()
            i += 1
        out = out[:n]
        self.record(0x06, label, out)
        return out

    def run(self, op: dict[str, Any]) -> None:
        """Apply one operation; fills in ``value``/``expected`` fields of ``op`` in place."""
        kind, label = op["op"], op["label"]
        if kind == "append_bytes":
            self.record(0x01, label, bytes.fromhex(op["value"]))
        elif kind == "append_text":
            self.record(0x05, label, op["value"].encode("utf-8"))
        elif kind == "append_int":
            v = int(op["value"])
            self.record(0x04, label, v.to_bytes((v.bit_length() + 7) // 8, "big"))
        elif kind == "append_element":
            op["value"] = self.group.element(op["k"]).hex()
            self.record(0x02, label, bytes.fromhex(op["value"]))
        elif kind == "append_elements":
            op["value"] = [self.group.element(k).hex() for k in op["k"]]
            n = len(op["k"])
            self.record(0x04, label + ".len", n.to_bytes((n.bit_length() + 7) // 8, "big"))
            for i, v in enumerate(op["value"]):
                self.record(0x02, f"{label}[{i}]", bytes.fromhex(v))
        elif kind == "append_scalar":
            self.record(0x03, label, bytes.fromhex(op["value"]))
        elif kind == "challenge_bytes":
            op["expected"] = self.challenge(label, op["nbytes"]).hex()
        elif kind == "challenge_scalar":
            n = (self.group.q.bit_length() + 128 + 7) // 8
            c = int.from_bytes(self.challenge(label, n), "big") % self.group.q
            op["expected"] = self.group.scalar(c).hex()
        else:
            raise ValueError(f"unknown operation {kind}")


def case_definitions(group: ModP) -> list[dict[str, Any]]:
    """The cases for one group; element and expected fields are filled in by MiniTranscript."""
    he = hashlib.sha256(b"pilwu test vectors: election manifest").digest()
    q = group.q

    def scalar(v: int) -> str:
        return group.scalar(v).hex()

    return [
        {"name": "no-appends", "domain": "PILWU-V1-schnorr", "context": he.hex(),
         "operations": [{"op": "challenge_scalar", "label": "c"}]},
        {"name": "every-kind", "domain": "PILWU-V1-range", "context": he.hex(), "operations": [
            {"op": "append_bytes", "label": "ballot_id", "value": b"ballot-0001".hex()},
            {"op": "append_text", "label": "contest", "value": "Kuwu Desa Kalijaga 2026 — ꦏꦸꦮꦸ"},
            {"op": "append_int", "label": "zero", "value": "0"},
            {"op": "append_int", "label": "limit", "value": "1"},
            {"op": "append_int", "label": "byte-edge", "value": "256"},
            {"op": "append_int", "label": "big", "value": str(2**64 + 1)},
            {"op": "append_int", "label": "huge", "value": str(2**300 - 1)},
            {"op": "append_element", "label": "K", "k": 1},
            {"op": "append_element", "label": "alpha", "k": 2},
            {"op": "append_element", "label": "identity", "k": 0},
            {"op": "append_elements", "label": "a", "k": [3, 4, 5]},
            {"op": "append_elements", "label": "none", "k": []},
            {"op": "append_scalar", "label": "v0", "value": scalar(0)},
            {"op": "append_scalar", "label": "v1", "value": scalar(q - 1)},
            {"op": "append_scalar", "label": "v2", "value": scalar(12345)},
            {"op": "challenge_scalar", "label": "c"},
            {"op": "append_bytes", "label": "after", "value": ""},
            {"op": "challenge_scalar", "label": "c"},
            {"op": "challenge_bytes", "label": "w", "nbytes": 1},
            {"op": "challenge_bytes", "label": "w", "nbytes": 32},
            {"op": "challenge_bytes", "label": "w", "nbytes": 33},
            {"op": "challenge_bytes", "label": "w", "nbytes": 100},
            {"op": "challenge_scalar", "label": "final"},
        ]},
        {"name": "split-ab-c", "domain": "PILWU-V1-dleq", "context": he.hex(), "operations": [
            {"op": "append_text", "label": "s", "value": "ab"},
            {"op": "append_text", "label": "s", "value": "c"},
            {"op": "challenge_scalar", "label": "c"},
        ]},
        {"name": "split-a-bc", "domain": "PILWU-V1-dleq", "context": he.hex(), "operations": [
            {"op": "append_text", "label": "s", "value": "a"},
            {"op": "append_text", "label": "s", "value": "bc"},
            {"op": "challenge_scalar", "label": "c"},
        ]},
        {"name": "empty-everything", "domain": "", "context": "", "operations": [
            {"op": "append_bytes", "label": "", "value": ""},
            {"op": "append_text", "label": "", "value": ""},
            {"op": "challenge_bytes", "label": "", "nbytes": 0},
            {"op": "challenge_scalar", "label": ""},
        ]},
        {"name": "long-value", "domain": "PILWU-V1-decryption", "context": (he * 3).hex(), "operations": [
            {"op": "append_bytes", "label": "blob", "value": (bytes(range(256)) * 4 + b"\x00").hex()},
            {"op": "append_element", "label": "M", "k": 7},
            {"op": "challenge_scalar", "label": "c"},
        ]},
    ]


def generate() -> dict[str, Any]:
    cases = []
    for name in GROUPS:
        group = ModP(name)
        for case in case_definitions(group):
            t = MiniTranscript(group, case["domain"], bytes.fromhex(case["context"]))
            for op in case["operations"]:
                t.run(op)
            cases.append({"name": f"{name}/{case['name']}", "group": name,
                          "group_fingerprint": group.fingerprint().hex(), "domain": case["domain"],
                          "context": case["context"], "operations": case["operations"]})
    return {
        "source": (
            f"Generated on {DATE} by `.venv/bin/python tools/gen_transcript_vectors.py` (run from the "
            "repository root), an independent minimal re-implementation of the transcript byte format "
            "of docs/transcript.md using only hashlib (it does not import pilwu_crypto); group p, q, g "
            "read from docs/parameters/<group>.search.json and the group fingerprint computed from its "
            "definition. Replayed by tests/kat/test_transcript_vectors.py."),
        "format": {
            "append_bytes": "value: hex", "append_text": "value: string (UTF-8)",
            "append_int": "value: decimal string (non-negative)",
            "append_element": "k: exponent; value: hex of the canonical encoding of g^k",
            "append_elements": "k: exponents; value: hex encodings of g^k",
            "append_scalar": "value: hex of the canonical scalar encoding",
            "challenge_bytes": "nbytes; expected: hex", "challenge_scalar": "expected: hex (scalar encoding)",
        },
        "cases": cases,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the file on disk, write nothing")
    ap.add_argument("--output", type=Path, default=OUTPUT)
    a = ap.parse_args()
    text = json.dumps(generate(), indent=1, ensure_ascii=False) + "\n"
    if a.check:
        same = a.output.read_text(encoding="utf-8") == text
        print(f"{a.output}: {'up to date' if same else 'DIFFERS from a fresh generation'}")
        return 0 if same else 1
    a.output.parent.mkdir(parents=True, exist_ok=True)
    a.output.write_text(text, encoding="utf-8")
    print(f"wrote {a.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
