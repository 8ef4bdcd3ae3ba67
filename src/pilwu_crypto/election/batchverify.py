"""Ballots verified in batches: one weighted multi-exponentiation for many ballots' proofs.

:func:`verify_ballots` gives, for each ballot of a list, exactly what
:func:`~pilwu_crypto.election.ballot.verify_ballot` (or ``verify_challenged``) would
raise for it, or None; it is only faster.  The cheap checks (device, structure, code,
signature, challenge sums) run one by one; every proof equation of every ballot goes into
one small-exponent batch (algebra/batch.py) with the ciphertexts' batched membership
check beside it.  When a batch fails, the list is halved and each half batched again,
down to single ballots, which are then verified exactly — so a report lists the same
ballots with the same messages as unbatched verification, and an honest list costs one
batch.  Groups where the batch is not sound (algebra/batch.py: ``batchable``) are
verified one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from pilwu_crypto.algebra.batch import LinearBatch, MembershipBatch, batchable, is_member
from pilwu_crypto.algebra.group import Element, Group
from pilwu_crypto.election.ballot import (
    ChallengedBallot,
    EncryptedBallot,
    batch_ballot_proofs,
    verify_ballot,
    verify_challenged,
    verify_envelope,
)
from pilwu_crypto.election.context import ElectionContext
from pilwu_crypto.election.device import DeviceRegistration
from pilwu_crypto.errors import PilwuError

Item = EncryptedBallot | ChallengedBallot


def _exact(context: ElectionContext, registrations: Mapping[str, DeviceRegistration],
           item: Item) -> PilwuError | None:
    """What single verification says about ``item`` (None when it is valid)."""
    try:
        if isinstance(item, ChallengedBallot):
            verify_challenged(context, registrations, item)
        else:
            verify_ballot(context, registrations, item)
    except PilwuError as exc:
        return exc
    return None


def ciphertext_elements(ballot: EncryptedBallot) -> list[Element]:
    """Every ciphertext component of a ballot (options and write-ins), for a MembershipBatch."""
    out: list[Element] = []
    for c in ballot.contests:
        for o in c.options:
            out += [o.ciphertext.alpha, o.ciphertext.beta]
        if c.write_in is not None:
            for ct in c.write_in.ciphertexts:
                out += [ct.alpha, ct.beta]
    return out


def verify_ballots(context: ElectionContext, registrations: Mapping[str, DeviceRegistration],
                   items: Sequence[Item], *, min_batch: int = 1) -> list[PilwuError | None]:
    """For each item, the error single verification raises for it, or None.

    The items' ciphertexts must be known group members (decoded with the subgroup check,
    or passed through :func:`non_members` first).  ``min_batch``: at or below this many
    items a failing part is verified item by item instead of halved again.
    """
    group = context.group
    results: list[PilwuError | None] = [None] * len(items)
    if not batchable(group):
        return [_exact(context, registrations, it) for it in items]
    batches: dict[int, LinearBatch] = {}
    for i, item in enumerate(items):
        if isinstance(item, ChallengedBallot):  # rare: re-encryptions, verified exactly
            results[i] = _exact(context, registrations, item)
            continue
        try:
            verify_envelope(context, registrations, item)
            batch = LinearBatch(group)
            batch_ballot_proofs(context, item, batch)
        except PilwuError:
            results[i] = _exact(context, registrations, item)
            continue
        batches[i] = batch

    key_pow = context.joint_key.table().pow

    def holds(indices: list[int]) -> bool:
        combined = LinearBatch(group)
        for i in indices:
            combined.extend(batches[i])
        return combined.holds(key_pow)

    for i in _bisect(sorted(batches), holds, min_batch):
        results[i] = _exact(context, registrations, items[i])
    return results


def _bisect(indices: list[int], holds: Callable[[list[int]], bool], min_batch: int) -> list[int]:
    """The indices in parts of at most ``min_batch`` (at least 1) whose batch fails, found
    by halving every failing part: one batch when all pass, O(bad * log n) otherwise."""
    out: list[int] = []
    pending = [indices]
    while pending:
        part = pending.pop()
        if not part or holds(part):
            continue
        if len(part) <= max(1, min_batch):
            out += part
            continue
        half = len(part) // 2
        pending += [part[half:], part[:half]]
    return sorted(out)


def non_members(group: Group, elements: Sequence[Sequence[Element]]) -> list[int]:
    """Indices of the rows holding an element outside the order-q subgroup, for elements
    decoded without the check: one MembershipBatch over everything, halved on failure;
    single rows are checked exactly (x^q = 1) so the answer is exact."""
    def holds(indices: list[int]) -> bool:
        batch = MembershipBatch(group)
        for i in indices:
            for e in elements[i]:
                batch.add(e)
        return batch.holds()

    suspects = _bisect(list(range(len(elements))), holds, 1) if batchable(group) else list(range(len(elements)))
    return [i for i in suspects if not all(is_member(group, e) for e in elements[i])]
