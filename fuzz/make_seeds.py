"""Write the seed corpora of the atheris harnesses from election records (fuzz/README.md).

    python fuzz/make_seeds.py                      # generate small records, write fuzz/corpus/
    python fuzz/make_seeds.py --record pilwu-demo-record --out /tmp/corpus

Without ``--record`` two small mixed elections are simulated and written to a temporary
directory with the library's own writer: one on pilwu-test-512 (two contests) and one on
P-256 with write-ins, the groups the harnesses use by default (PILWU_FUZZ_GROUPS).  With
``--record DIR`` (repeatable) the given records are split instead; for the pilwu-3072 demo
record, run the harnesses with PILWU_FUZZ_GROUPS=pilwu-3072,P-256.

Writes one file per seed under OUT/<harness>/:

- record_documents/: every JSON document of the record and a few lines of each JSON Lines
  file other than ballots (ceremony shares, mix-stage outputs);
- ballot_lines/: the lines of the ballot files (cast and challenged);
- ceremony_messages/: the ceremony-directory messages a record implies (one-digest,
  one-reveal and one-complaint documents, "ceremony-share" documents from the shares,
  "ceremony-acknowledgement" documents from the context, the manifest without its hash);
- bytetree/ and protinfo/: the byte-tree files and protInfo.xml of the Verificatum
  transcripts in tests/data/verificatum (when the repository has them).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
VMN_CASES = REPO / "tests" / "data" / "verificatum" / "cases"
MAX_LINES = 12
"""Seeds taken from one JSON Lines file at most."""


def _canonical(value: Any) -> bytes:
    return (json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8")


def generate_records(root: Path) -> list[Path]:
    """Two small mixed elections written below ``root``: pilwu-test-512 and P-256 (write-ins)."""
    from pilwu_crypto.algebra.groups import get_group
    from pilwu_crypto.election.simulation import kuwu_manifest, simulate_election, simulate_mixing
    from pilwu_crypto.record.io import write_simulated_election, write_simulated_mix

    out = []
    for name, write_ins in (("pilwu-test-512", 0), ("P-256", 1)):
        group = get_group(name, allow_test=True)
        manifest = kuwu_manifest(["A", "B", "C"], write_in_elements=write_ins)
        sim = simulate_election(group, manifest, trustees=3, threshold=2, absent=1, voters=4, challenged=2,
                                devices=2, mix_servers=2, rng=random.Random(1))
        record = root / name
        write_simulated_election(sim, record)
        write_simulated_mix(sim, simulate_mixing(sim), record)
        out.append(record)
    return out


def _lines(path: Path) -> list[bytes]:
    return [line + b"\n" for line in path.read_bytes().splitlines()[:MAX_LINES]]


def record_seeds(record: Path) -> Iterator[tuple[str, str, bytes]]:
    """(harness, seed name, bytes) of every seed one record gives."""
    tag = record.name
    for path in sorted(record.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(record).as_posix()
        name = f"{tag}-{rel.replace('/', '_')}"
        if rel.startswith("ballots/") and rel.endswith(".jsonl"):
            for i, line in enumerate(_lines(path)):
                yield "ballot_lines", f"{name}-{i + 1}", line
        elif rel.endswith(".jsonl"):
            for i, line in enumerate(_lines(path)):
                yield "record_documents", f"{name}-{i + 1}", line
        elif rel.endswith(".json"):
            yield "record_documents", name, path.read_bytes()
    yield from _mix_servers(record, tag)
    yield from _ceremony_messages(record, tag)


def _mix_servers(record: Path, tag: str) -> Iterator[tuple[str, str, bytes]]:
    """A "mix-servers" document (what ``pilwu mix keygen`` writes as a registration, and
    format 1's mixnet/servers.json) from the mix servers of a format-2 record's setup.json."""
    setup = record / "setup.json"
    if setup.is_file():
        doc = json.loads(setup.read_bytes())
        if isinstance(doc, dict) and doc.get("mix_servers"):
            yield "record_documents", f"{tag}-mix-servers", _canonical(
                {"version": doc.get("version"), "kind": "mix-servers", "servers": doc["mix_servers"]})


def _ceremony_messages(record: Path, tag: str) -> Iterator[tuple[str, str, bytes]]:
    """The messages of a ceremony directory, rebuilt from the record's ceremony/ and context."""
    def load(rel: str) -> Any:
        path = record / rel
        return json.loads(path.read_bytes()) if path.is_file() else None

    index = load("index.json")
    header = {"version": index.get("version", 2) if isinstance(index, dict) else 2}  # the record's format
    for kind, key, doc in (("ceremony-digests", "digests", load("ceremony/digests.json")),
                           ("ceremony-reveals", "reveals", load("ceremony/reveals.json")),
                           ("ceremony-complaints", "complaints", load("ceremony/complaints.json"))):
        for i, item in enumerate((doc or {}).get(key, [])):
            yield "ceremony_messages", f"{tag}-{key}-{i + 1}", _canonical({**header, "kind": kind, key: [item]})
    shares = record / "ceremony" / "shares.jsonl"
    if shares.is_file():
        for i, line in enumerate(_lines(shares)):
            yield "ceremony_messages", f"{tag}-share-{i + 1}", _canonical(
                {**header, "kind": "ceremony-share", "share": json.loads(line)})
    context, ceremony = load("context.json"), load("ceremony/ceremony.json")
    if context and ceremony:
        for i, tid in enumerate(ceremony.get("trustee_ids", [])):
            key = context.get("verification_keys", {}).get(str(i + 1))
            if key is not None:
                yield "ceremony_messages", f"{tag}-acknowledgement-{i + 1}", _canonical({
                    **header, "kind": "ceremony-acknowledgement", "trustee_id": tid, "trustee_index": i + 1,
                    "base_hash": context["base_hash"], "joint_key": context["joint_key"], "verification_key": key})
    manifest = load("manifest.json")
    if isinstance(manifest, dict):
        manifest.pop("hash", None)
        yield "ceremony_messages", f"{tag}-manifest-unhashed", _canonical(manifest)
    for rel in ("parameters.json", "setup.json", "ceremony/ceremony.json", "context.json"):
        if (record / rel).is_file():
            yield "ceremony_messages", f"{tag}-{rel.replace('/', '_')}", (record / rel).read_bytes()


def verificatum_seeds() -> Iterator[tuple[str, str, bytes]]:
    """The byte trees and protocol-info files of the transcripts in tests/data/verificatum."""
    for case in sorted(VMN_CASES.glob("*")):
        info = case / "protInfo.xml"
        if info.is_file():
            yield "protinfo", f"{case.name}-protInfo.xml", info.read_bytes()
        for path in sorted(case.rglob("*.bt")):
            yield "bytetree", f"{case.name}-{path.name}", path.read_bytes()
        for name in ("publicKey", "ciphertexts_ext", "publicKey_ext", "plaintexts"):
            if (case / name).is_file():
                yield "bytetree", f"{case.name}-{name}", (case / name).read_bytes()


def write_seeds(records: list[Path], out: Path) -> dict[str, int]:
    """Write every seed of ``records`` and of the Verificatum test data below ``out``;
    returns the number of seeds per harness (identical seeds are written once)."""
    counts: dict[str, int] = {}
    seen: set[tuple[str, str]] = set()
    seeds = [s for record in records for s in record_seeds(record)]
    for harness, name, data in seeds + list(verificatum_seeds()):
        digest = hashlib.sha256(data).hexdigest()
        if (harness, digest) in seen:
            continue
        seen.add((harness, digest))
        directory = out / harness
        directory.mkdir(parents=True, exist_ok=True)
        (directory / name).write_bytes(data)
        counts[harness] = counts.get(harness, 0) + 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--record", type=Path, action="append", default=[],
                        help="an election record directory to take seeds from (repeatable; default: generate two)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "corpus",
                        help="corpus root (default: fuzz/corpus)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pilwu-seeds-") as tmp:
        records = args.record or generate_records(Path(tmp))
        for record in records:
            if not (record / "index.json").is_file():
                print(f"{record}: not an election record (no index.json)", file=sys.stderr)
                return 2
        counts = write_seeds(records, args.out)
    for harness, count in sorted(counts.items()):
        print(f"{args.out / harness}: {count} seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
