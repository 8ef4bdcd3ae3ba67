"""A cast ballot inside the mix-net: the vector it enters as, the votes it comes out as.

The mix input is not a second thing voters submit: it is computed, publicly and
deterministically, from the cast ballots of the record (docs/record-format.md
§5.15), so it provably carries the same choices as the ballots the homomorphic tally
counts, and the verifier recomputes it instead of trusting a list.  For each contest c
of the manifest, in order, a ballot's vector holds:

- the **selection code** S_c = prod_i ct_{c,i}^{B^i} over the contest's option
  ciphertexts, B = option_limit + 1.  By the homomorphism it encrypts
  m_c = sum_i v_i B^i, the number whose base-B digits are the votes v_i (each 0 <= v_i
  < B by the option range proofs), so m_c determines every vote of the contest;
  evaluated by Horner's rule (squarings and products only, no secret anywhere);
- then, for a contest with write-ins, its W write-in ciphertexts as cast (their nonce
  proof was checked with the ballot, election/writein.py).

A copied or re-randomised ballot cannot enter: only cast ballots whose proofs verify
(checks 6-9) and that the replay guard accepted are in the list (checklist A10).

After the final decryption, each selection code is a small integer g^m_c below
B^n (decoded by a bounded discrete log, election/plaintext.py) and each write-in a
name.  The contest is refused for mixing when B^n - 1 exceeds MAX_SMALL_PLAINTEXT
(2^20 - 1: 20 yes/no options, or 12 with option limit 2): such a ballot needs another
encoding.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from pilwu_crypto.algebra.group import Element
from pilwu_crypto.election.ballot import EncryptedBallot
from pilwu_crypto.election.context import ElectionContext
from pilwu_crypto.election.manifest import Contest, Manifest
from pilwu_crypto.election.mixnet import (
    MixDecryptionShare,
    combine_final_list,
    verify_mix_decryption_shares,
)
from pilwu_crypto.election.plaintext import (
    MAX_SMALL_PLAINTEXT,
    decode_small,
    decode_write_in,
    require_write_ins,
)
from pilwu_crypto.elgamal import Ciphertext
from pilwu_crypto.errors import DecryptionError, EncodingError, InvalidBallot, InvalidParameters, NotEnoughShares
from pilwu_crypto.proofs.shuffle import CiphertextVector


@dataclass(frozen=True)
class ContestLayout:
    """Where one contest sits in a mix vector and how to read it back."""

    contest_id: str
    options: int
    base: int
    """B = option_limit + 1: the base of the selection code."""
    selection_limit: int
    write_in_elements: int

    @property
    def bound(self) -> int:
        """Largest selection code: B^n - 1 (every option at its limit)."""
        return int(self.base ** self.options - 1)

    @property
    def width(self) -> int:
        """Components this contest takes: the selection code and its write-in elements."""
        return 1 + self.write_in_elements


def _contest_layout(contest: Contest) -> ContestLayout:
    layout = ContestLayout(contest.contest_id, len(contest.options), contest.option_limit + 1,
                           contest.selection_limit, contest.write_in_elements)
    if layout.bound > MAX_SMALL_PLAINTEXT:
        raise InvalidParameters(f"contest {contest.contest_id}: {layout.options} options with option limit "
                                f"{contest.option_limit} give selection codes up to {layout.bound}, above "
                                f"{MAX_SMALL_PLAINTEXT}; this contest cannot be mixed")
    return layout


@dataclass(frozen=True)
class MixLayout:
    """The mix vector of an election's ballots: one ContestLayout per contest, in order."""

    contests: tuple[ContestLayout, ...]

    @property
    def width(self) -> int:
        return sum(c.width for c in self.contests)

    @property
    def has_write_ins(self) -> bool:
        return any(c.write_in_elements for c in self.contests)


def mix_layout(context: ElectionContext) -> MixLayout:
    """The election's mix layout; InvalidParameters for a contest whose selection codes are
    too large, UnsupportedEncoding for write-ins on a group without a text encoding."""
    layout = MixLayout(tuple(_contest_layout(c) for c in context.manifest.contests))
    if layout.has_write_ins:
        require_write_ins(context.group)
    return layout


def _selection_code(base: int, cts: Sequence[Ciphertext]) -> Ciphertext:
    """prod_i ct_i^{B^i} by Horner: ((ct_{n-1}^B ct_{n-2})^B …)^B ct_0."""
    acc_a, acc_b = cts[-1].alpha, cts[-1].beta
    group = acc_a.group
    for ct in reversed(cts[:-1]):
        if base == 2:
            acc_a, acc_b = acc_a * acc_a, acc_b * acc_b
        else:
            acc_a, acc_b = group.exp(acc_a, base), group.exp(acc_b, base)
        acc_a, acc_b = acc_a * ct.alpha, acc_b * ct.beta
    return Ciphertext(acc_a, acc_b)


def ballot_vector(layout: MixLayout, ballot: EncryptedBallot) -> CiphertextVector:
    """The mix vector of one cast ballot (selection codes and write-ins, contest by contest).

    The ballot must have been verified against the manifest (verify_ballot); a ballot of
    another shape raises InvalidBallot naming it and the contest."""
    bid = ballot.ballot_id
    if len(ballot.contests) != len(layout.contests):
        raise InvalidBallot(f"ballot {bid}: {len(ballot.contests)} contests, the manifest has "
                            f"{len(layout.contests)}")
    components: list[Ciphertext] = []
    for cl, bc in zip(layout.contests, ballot.contests, strict=True):
        if bc.contest_id != cl.contest_id or len(bc.options) != cl.options:
            raise InvalidBallot(f"ballot {bid}, contest {bc.contest_id}: not the manifest's contest "
                                f"{cl.contest_id} with {cl.options} options")
        components.append(_selection_code(cl.base, [o.ciphertext for o in bc.options]))
        wi = bc.write_in
        got = 0 if wi is None else len(wi.ciphertexts)
        if got != cl.write_in_elements:
            raise InvalidBallot(f"ballot {bid}, contest {cl.contest_id}: {got} write-in ciphertexts, "
                                f"the manifest says {cl.write_in_elements}")
        if wi is not None:
            components.extend(wi.ciphertexts)
    return CiphertextVector(tuple(components))


def cast_mix_input(context: ElectionContext, ballots: Iterable[EncryptedBallot]) -> list[CiphertextVector]:
    """The first stage's input: the mix vector of every cast ballot, in the order given
    (the record's order: devices as election/device.py device_order sorts them, each in
    chain order).  InvalidBallot on an empty list (nothing to mix)."""
    layout = mix_layout(context)
    out = [ballot_vector(layout, b) for b in ballots]
    if not out:
        raise InvalidBallot("mix input: no cast ballots")
    return out


# ---- decoding --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MixedContest:
    """One contest of a decrypted mix vector: the votes per option, and the write-in name."""

    contest_id: str
    votes: tuple[int, ...]
    """Votes per option, in manifest order."""
    write_in: str | None = None
    """The write-in name ("" when the voter wrote none); None for a contest without write-ins."""
    invalid_write_in: bool = False
    """True when the contest's write-in elements decrypted to something that encodes no name
    (only a faulty or malicious device can cast that: the nonce proof says nothing about the
    content); ``write_in`` is then "".  Counted as an invalid write-in, never blocking the
    result (docs/plaintext-encodings.md §6)."""

    def __post_init__(self) -> None:
        if self.invalid_write_in and self.write_in != "":
            raise DecryptionError(f"contest {self.contest_id}: an invalid write-in carries no name")


MixedBallot = tuple[MixedContest, ...]
"""A decrypted mix vector: one MixedContest per contest of the manifest."""


def decode_row(layout: MixLayout, row: Sequence[Element], what: str) -> MixedBallot:
    """Read one decrypted vector back into votes and names.

    DecryptionError naming ``what`` and the contest for a selection code above the
    contest's bound or one whose votes exceed the selection limit (impossible for a
    vector derived from a ballot whose proofs verify).  A write-in that is not a valid
    encoding is the distinguished invalid write-in (MixedContest.invalid_write_in), never
    an error: one device's bad write-in cannot make the whole result undecodable."""
    if len(row) != layout.width:
        raise DecryptionError(f"{what}: {len(row)} components, the layout has {layout.width}")
    group = row[0].group
    out: list[MixedContest] = []
    k = 0
    for cl in layout.contests:
        where = f"{what}, contest {cl.contest_id}"
        m = decode_small(group, row[k], cl.bound, f"{where} selection code")
        votes = []
        for _ in range(cl.options):
            m, digit = divmod(m, cl.base)
            votes.append(digit)
        if sum(votes) > cl.selection_limit:
            raise DecryptionError(f"{where}: {sum(votes)} votes exceed the selection limit {cl.selection_limit}")
        name: str | None = None
        invalid = False
        if cl.write_in_elements:
            try:
                name = decode_write_in(group, row[k + 1:k + cl.width], f"{where} write-in")
            except EncodingError:  # docs/plaintext-encodings.md §6: the invalid write-in
                name, invalid = "", True
        out.append(MixedContest(cl.contest_id, tuple(votes), name, invalid))
        k += cl.width
    return tuple(out)


def decode_mixed_ballots(context: ElectionContext, final_list: Sequence[CiphertextVector],
                         valid: Mapping[int, MixDecryptionShare]) -> list[MixedBallot]:
    """Combine t shares ALREADY verified (verify_mix_decryption_shares' ``valid``) and decode
    every vector of the final list, in its order.  NotEnoughShares with fewer than t."""
    layout = mix_layout(context)
    if len(valid) < context.threshold:
        raise NotEnoughShares(f"{len(valid)} valid mix decryption shares, {context.threshold} needed")
    rows = combine_final_list(context, final_list, valid)
    return [decode_row(layout, row, f"mixed ballot {i}") for i, row in enumerate(rows)]


def verify_and_decode_ballots(context: ElectionContext, final_list: Sequence[CiphertextVector],
                              shares: Sequence[MixDecryptionShare],
                              verification_keys: Mapping[int, Element]) -> list[MixedBallot]:
    """Verify every trustee's shares of the final list, then :func:`decode_mixed_ballots`.

    Trustees with a bad share are dropped; fewer than t valid raise NotEnoughShares
    naming the rejected ones."""
    valid, rejected = verify_mix_decryption_shares(context, final_list, shares, verification_keys)
    if len(valid) < context.threshold:
        detail = "; ".join(rejected[i] for i in sorted(rejected))
        raise NotEnoughShares(f"{len(valid)} valid mix decryption shares, {context.threshold} needed"
                              + (f" (rejected: {detail})" if detail else ""))
    return decode_mixed_ballots(context, final_list, valid)


def invalid_write_ins(manifest: Manifest, ballots: Iterable[MixedBallot]) -> dict[str, int]:
    """Per contest with write-ins: how many mixed ballots carry an invalid write-in."""
    out = {c.contest_id: 0 for c in manifest.contests if c.write_in_elements}
    for ballot in ballots:
        for mixed in ballot:
            if mixed.invalid_write_in:
                out[mixed.contest_id] = out.get(mixed.contest_id, 0) + 1
    return out


def count_mixed(manifest: Manifest, ballots: Iterable[MixedBallot]
                ) -> tuple[dict[tuple[str, str], int], dict[str, dict[str, int]]]:
    """Votes per (contest id, option id) and, per contest with write-ins, how often each
    non-empty name was written.  Names are compared exactly as decoded.  InvalidBallot
    naming the mixed ballot and contest for a ballot not of the manifest's shape (its
    contests, their options and write-ins, as decode_row produces them)."""
    counts = {(c.contest_id, o.option_id): 0 for c in manifest.contests for o in c.options}
    names: dict[str, dict[str, int]] = {c.contest_id: {} for c in manifest.contests if c.write_in_elements}
    for i, ballot in enumerate(ballots):
        _check_mixed_shape(manifest, ballot, f"mixed ballot {i}")  # record-format.md §5.15 mixnet/result.json
        for contest, mixed in zip(manifest.contests, ballot, strict=True):
            for option, v in zip(contest.options, mixed.votes, strict=True):
                counts[(contest.contest_id, option.option_id)] += v
            if mixed.write_in:
                per = names[contest.contest_id]
                per[mixed.write_in] = per.get(mixed.write_in, 0) + 1
    return counts, names


def _check_mixed_shape(manifest: Manifest, ballot: MixedBallot, what: str) -> None:
    """InvalidBallot unless ``ballot`` has the manifest's contests in order, one vote per
    option, and a write-in exactly for the contests that take write-ins."""
    if len(ballot) != len(manifest.contests):
        raise InvalidBallot(f"{what}: {len(ballot)} contests, the manifest has {len(manifest.contests)}")
    for contest, mixed in zip(manifest.contests, ballot, strict=True):
        if (mixed.contest_id != contest.contest_id or len(mixed.votes) != len(contest.options)
                or (mixed.write_in is None) != (contest.write_in_elements == 0)):
            raise InvalidBallot(f"{what}, contest {mixed.contest_id}: not the manifest's contest "
                                f"{contest.contest_id} ({len(contest.options)} options, "
                                f"{'a' if contest.write_in_elements else 'no'} write-in)")
