"""Replay and duplicate detection for a whole record in flat memory.

:class:`~pilwu_crypto.election.ballot.ReplayGuard` keeps a digest of every ciphertext
alpha and proof commitment of every ballot in memory (about 3 KB per 1x5 ballot), which
does not scale to a regency's million ballots on a laptop.  :class:`SpillingReplayGuard`
gives exactly the same verdicts and messages in memory independent of the number of
ballots:

1. every ballot's items (its id, then ReplayGuard's items: alphas and commitments) are
   reduced to 16-byte digests (the same SHA-256 under DST_REPLAY, truncated), buffered,
   and spilled to temporary files as sorted runs of fixed-size records
   (digest, ballot sequence number, item number);
2. :meth:`finish` merges the runs (heapq.merge, streaming) and keeps only the digests that
   occur more than once — for an honest record, none;
3. it then replays ReplayGuard's algorithm over the ballots involved, in order, restricted
   to those digests: a ballot is rejected at its first item (in its own order) that
   repeats an item of an *accepted* earlier ballot or of itself, and a rejected ballot's
   items are not remembered — the rule of ReplayGuard.add.  Items that occur once can
   never trigger, so the verdicts are identical.

Labels and places are needed only for the ballots involved: a per-ballot side file holds
(where, ballot id, label set number) and the label sets (one per ballot shape, a handful
per election) stay in memory.
"""

from __future__ import annotations

import hashlib
import heapq
import os
import struct
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from pilwu_crypto.algebra.domains import DST_REPLAY
from pilwu_crypto.election.ballot import EncryptedBallot, replay_items

_RECORD = struct.Struct(">16sIH")
"""digest (16 bytes), ballot sequence number, item number (0 = the ballot id)."""
_ID_LABEL = "ballot id"
DEFAULT_SPILL_RECORDS = 200_000
"""Records buffered before a sorted run is written (about 10 MB of Python objects)."""


def _digest(data: bytes) -> bytes:
    return hashlib.sha256(DST_REPLAY + data).digest()[:16]


def replay_digests(ballot: EncryptedBallot) -> tuple[tuple[str, ...], bytes]:
    """The labels and concatenated 16-byte digests of a ballot's replay items: its id
    first, then ReplayGuard's items (alphas and proof commitments), in order."""
    items = replay_items(ballot)
    labels = (_ID_LABEL, *(what for what, _ in items))
    digests = _digest(b"id:" + ballot.ballot_id.encode()) + b"".join(_digest(data) for _, data in items)
    return labels, digests


class SpillingReplayGuard:
    """ReplayGuard's verdicts for a stream of ballots, in memory independent of their number.

    Call :meth:`add` for every ballot (cast and challenged) in record order with the place
    to name it by, then :meth:`finish` once: it returns ``(where, message)`` for every
    rejected ballot, in order, with ReplayGuard's messages.  Temporary files live in
    ``tmp_dir`` (default: the system's) and are removed by :meth:`close` / the context
    manager."""

    def __init__(self, tmp_dir: Path | None = None, spill_records: int = DEFAULT_SPILL_RECORDS) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="pilwu-replay-", dir=tmp_dir)
        self._spill = max(1, spill_records)
        self._buffer: list[tuple[bytes, int, int]] = []
        self._runs: list[Path] = []
        self._shapes: dict[tuple[str, ...], int] = {}
        self._shape_list: list[tuple[str, ...]] = []
        self._side: IO[bytes] = open(Path(self._dir.name) / "ballots", "wb")  # noqa: SIM115
        self._offsets: list[int] = []
        self._count = 0

    def __enter__(self) -> SpillingReplayGuard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if not self._side.closed:
            self._side.close()
        self._dir.cleanup()

    def __len__(self) -> int:
        return self._count

    def add(self, ballot: EncryptedBallot, where: str) -> None:
        """Record one ballot's id and items (nothing is decided before :meth:`finish`)."""
        labels, digests = replay_digests(ballot)
        self.add_digests(where, ballot.ballot_id, labels, digests)

    def add_digests(self, where: str, ballot_id: str, labels: tuple[str, ...], digests: bytes) -> None:
        """:meth:`add` with the digests already computed (by a worker, :func:`replay_digests`):
        ``labels`` and ``digests`` (16 bytes each, concatenated) in the same order."""
        if len(digests) != 16 * len(labels):
            raise ValueError("one 16-byte digest per label")
        seq = self._count
        self._count += 1
        shape = self._shapes.get(labels)
        if shape is None:
            shape = self._shapes[labels] = len(self._shape_list)
            self._shape_list.append(labels)
        side = f"{shape}\t{where}\t{ballot_id}\n".encode()
        self._side.write(struct.pack(">I", len(side)) + side)
        for k in range(len(labels)):
            self._buffer.append((digests[16 * k:16 * k + 16], seq, k))
        if len(self._buffer) >= self._spill:
            self._write_run()

    def _write_run(self) -> None:
        self._buffer.sort()
        path = Path(self._dir.name) / f"run-{len(self._runs)}"
        with open(path, "wb") as f:
            f.write(b"".join(_RECORD.pack(*r) for r in self._buffer))
        self._runs.append(path)
        self._buffer = []

    @staticmethod
    def _read_run(path: Path) -> Iterator[tuple[bytes, int, int]]:
        with open(path, "rb") as f:
            while chunk := f.read(_RECORD.size * 4096):
                yield from _RECORD.iter_unpack(chunk)

    def _repeated(self) -> dict[bytes, list[tuple[int, int]]]:
        """Every digest seen more than once, with its (sequence, item) occurrences."""
        self._buffer.sort()
        merged = heapq.merge(*(self._read_run(p) for p in self._runs), iter(self._buffer))
        out: dict[bytes, list[tuple[int, int]]] = {}
        previous: tuple[bytes, int, int] | None = None
        for record in merged:
            if previous is not None and record[0] == previous[0]:
                out.setdefault(record[0], [previous[1:]]).append(record[1:])
            previous = record
        return out

    def _places(self, wanted: set[int]) -> dict[int, tuple[int, str, str]]:
        """(shape, where, ballot id) of the wanted sequence numbers, read from the side file."""
        self._side.flush()
        out: dict[int, tuple[int, str, str]] = {}
        with open(Path(self._dir.name) / "ballots", "rb") as f:
            for seq in range(self._count):
                size = struct.unpack(">I", f.read(4))[0]
                data = f.read(size)
                if seq in wanted:
                    shape, where, bid = data.decode().rstrip("\n").split("\t", 2)
                    out[seq] = (int(shape), where, bid)
        return out

    def finish(self) -> list[tuple[str, str]]:
        """(where, message) of every ballot ReplayGuard would reject, in record order."""
        repeated = self._repeated()
        if not repeated:
            return []
        by_ballot: dict[int, list[tuple[int, bytes]]] = {}
        for digest, occurrences in repeated.items():
            for seq, item in occurrences:
                by_ballot.setdefault(seq, []).append((item, digest))
        places = self._places(set(by_ballot))
        accepted: dict[bytes, str] = {}  # digest -> ballot id of the accepted ballot that has it
        accepted_ids: set[str] = set()
        failures: list[tuple[str, str]] = []
        for seq in sorted(by_ballot):
            shape, where, bid = places[seq]
            labels = self._shape_list[shape]
            message: str | None = None
            fresh: dict[bytes, str] = {}
            if bid in accepted_ids:
                message = f"ballot {bid}: duplicate ballot id"
            else:
                for item, digest in sorted(by_ballot[seq]):
                    if item == 0:
                        continue
                    what = labels[item]
                    if digest in accepted:
                        message = f"ballot {bid}, {what}: repeats one of ballot {accepted[digest]} (replayed ballot)"
                        break
                    if digest in fresh:
                        message = f"ballot {bid}, {what}: repeats {fresh[digest]} of the same ballot"
                        break
                    fresh[digest] = what
            if message is not None:
                failures.append((where, message))
                continue
            accepted_ids.add(bid)
            for item, digest in by_ballot[seq]:
                if item:
                    accepted[digest] = bid
        return failures


def spill_dir() -> Path | None:
    """Where the guard spills (PILWU_TMPDIR if set, else the system's temporary directory)."""
    value = os.environ.get("PILWU_TMPDIR")
    return Path(value) if value else None
