"""The homomorphic tally: the product of every cast ballot's ciphertexts, per option.

    A_{c,o} = prod_{cast ballots b} alpha_{b,c,o},   B_{c,o} = prod_b beta_{b,c,o}

encrypts the number of votes option o of contest c received.  Ballots are streamed in
one at a time: memory is O(number of options), never O(number of ballots).  The
accumulator checks each ballot's structure against the manifest; it does not verify
proofs (that is verify_ballot's job, which a caller runs first or in parallel).
Challenged ballots never enter the tally.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import zip_longest

from pilwu_crypto.algebra.group import Element, Group
from pilwu_crypto.election.ballot import EncryptedBallot, check_structure
from pilwu_crypto.election.manifest import Manifest
from pilwu_crypto.elgamal import Ciphertext
from pilwu_crypto.errors import InvalidBallot


@dataclass(frozen=True)
class OptionTally:
    """The encrypted count of one option."""

    option_id: str
    ciphertext: Ciphertext


@dataclass(frozen=True)
class ContestTally:
    """The encrypted counts of one contest, in manifest order."""

    contest_id: str
    options: tuple[OptionTally, ...]


@dataclass(frozen=True)
class EncryptedTally:
    """The aggregate of ``ballot_count`` cast ballots (every contest, manifest order)."""

    ballot_count: int
    contests: tuple[ContestTally, ...]

    def entries(self) -> Iterator[tuple[str, str, Ciphertext]]:
        """(contest id, option id, ciphertext) in manifest order."""
        for c in self.contests:
            for o in c.options:
                yield c.contest_id, o.option_id, o.ciphertext

    def ciphertexts(self) -> list[Ciphertext]:
        return [ct for _, _, ct in self.entries()]


class TallyAccumulator:
    """Running per-option products of cast ballots' ciphertexts."""

    def __init__(self, group: Group, manifest: Manifest) -> None:
        self.group = group
        self.manifest = manifest
        one = group.identity()
        self._alpha: list[list[Element]] = [[one] * len(c.options) for c in manifest.contests]
        self._beta: list[list[Element]] = [[one] * len(c.options) for c in manifest.contests]
        self.count = 0

    def add(self, ballot: EncryptedBallot) -> None:
        """Multiply one cast ballot into the running tally (structure checked first)."""
        check_structure(self.manifest, ballot)
        op = self.group.op
        for ci, contest in enumerate(ballot.contests):
            alphas, betas = self._alpha[ci], self._beta[ci]
            for oi, option in enumerate(contest.options):
                ct = option.ciphertext
                if ct.alpha.group is not self.group:
                    raise InvalidBallot(f"ballot {ballot.ballot_id}: ciphertext of another group")
                alphas[oi] = op(alphas[oi], ct.alpha)
                betas[oi] = op(betas[oi], ct.beta)
        self.count += 1

    def add_all(self, ballots: Iterable[EncryptedBallot]) -> None:
        for b in ballots:
            self.add(b)

    def merge(self, other: TallyAccumulator) -> None:
        """Fold another partial tally in (for tallies computed in chunks or in parallel)."""
        if other.manifest != self.manifest or other.group is not self.group:
            raise InvalidBallot("partial tallies of different elections cannot be merged")
        op = self.group.op
        for ci in range(len(self._alpha)):
            for oi in range(len(self._alpha[ci])):
                self._alpha[ci][oi] = op(self._alpha[ci][oi], other._alpha[ci][oi])
                self._beta[ci][oi] = op(self._beta[ci][oi], other._beta[ci][oi])
        self.count += other.count

    def result(self) -> EncryptedTally:
        contests = []
        for ci, mc in enumerate(self.manifest.contests):
            contests.append(ContestTally(mc.contest_id, tuple(
                OptionTally(o.option_id, Ciphertext(self._alpha[ci][oi], self._beta[ci][oi]))
                for oi, o in enumerate(mc.options))))
        return EncryptedTally(self.count, tuple(contests))


def entry_mismatch(manifest: Manifest, tally: EncryptedTally) -> str | None:
    """The first entry of ``tally`` that is not the manifest's (contest, option) at its
    place, or the first one it lacks, described; None when the entries are exactly the
    manifest's options in manifest order (docs/record-format.md §5.12)."""
    expected = [(c.contest_id, o.option_id) for c in manifest.contests for o in c.options]
    got = [(cid, oid) for cid, oid, _ in tally.entries()]
    for k, (want, have) in enumerate(zip_longest(expected, got), start=1):
        if want == have:
            continue
        if have is None:
            return f"entry {k}, the manifest's {want[0]}/{want[1]}, is missing (the tally has {len(got)} entries)"
        if want is None:
            return f"entry {k}, {have[0]}/{have[1]}, is not an option of the manifest ({len(expected)} entries)"
        return f"entry {k} is {have[0]}/{have[1]}, the manifest's entry {k} is {want[0]}/{want[1]}"
    return None


def tally_ballots(group: Group, manifest: Manifest, ballots: Iterable[EncryptedBallot]) -> EncryptedTally:
    """The encrypted tally of a stream of cast ballots."""
    acc = TallyAccumulator(group, manifest)
    acc.add_all(ballots)
    return acc.result()
