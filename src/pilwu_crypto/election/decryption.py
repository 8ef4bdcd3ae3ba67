"""Verifiable decryption of the encrypted tally by any t of the n trustees.

Each present trustee l publishes, for every entry (contest c, option o) of the tally,
the partial decryption M_l = A_{c,o}^{s_l} with a Chaum–Pedersen proof against its
verification key K_l (threshold/decryption.py).  Anyone then checks every proof,
combines t valid partials with Lagrange coefficients (the secret key is never
reconstructed) and recovers the count from g^count by a discrete log bounded by
ballot_count × option_limit.

Transcript of entry (c, o): H_E context, domain DST_TALLY_DECRYPTION, then the contest
id, the option id and the number of ballots tallied, then the trustee index.

A trustee refuses to decrypt an aggregate it has not recomputed itself from the cast
ballots (checklist A11: Helios let an administrator decrypt a subset).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from pilwu_crypto.algebra.group import Element
from pilwu_crypto.algebra.transcript import Transcript
from pilwu_crypto.election.ballot import EncryptedBallot
from pilwu_crypto.election.context import ElectionContext
from pilwu_crypto.election.tally import EncryptedTally, entry_mismatch, tally_ballots
from pilwu_crypto.elgamal import DiscreteLog
from pilwu_crypto.errors import DecryptionError, InvalidProof, NotEnoughShares
from pilwu_crypto.proofs.decryption import DecryptionProof
from pilwu_crypto.threshold import decryption as tdec
from pilwu_crypto.threshold.dkg import KeyedTrustee

DST_TALLY_DECRYPTION = "PILWU-V1-tally-decryption"


def entry_transcript(context: ElectionContext, tally: EncryptedTally, contest_id: str,
                     option_id: str) -> Transcript:
    """The transcript of one tally entry, before the trustee index is appended."""
    t = context.transcript(DST_TALLY_DECRYPTION)
    t.append_text("contest", contest_id)
    t.append_text("option", option_id)
    t.append_int("ballots", tally.ballot_count)
    return t


@dataclass(frozen=True)
class TrusteeTallyShare:
    """One trustee's partial decryptions of every tally entry, in tally order."""

    trustee_id: str
    trustee_index: int
    partials: tuple[Element, ...]
    proofs: tuple[DecryptionProof, ...]


@dataclass(frozen=True)
class OptionResult:
    contest_id: str
    option_id: str
    count: int


@dataclass(frozen=True)
class TallyResult:
    """The decrypted counts and which trustees' shares were used or rejected."""

    ballot_count: int
    results: tuple[OptionResult, ...]
    used_trustees: tuple[int, ...]
    rejected: Mapping[int, str]

    def count(self, contest_id: str, option_id: str) -> int:
        for r in self.results:
            if r.contest_id == contest_id and r.option_id == option_id:
                return r.count
        raise KeyError((contest_id, option_id))


def trustee_decrypt(context: ElectionContext, trustee: KeyedTrustee, published: EncryptedTally,
                    cast_ballots: Iterable[EncryptedBallot]) -> TrusteeTallyShare:
    """Trustee side: recompute the aggregate from the cast ballots, refuse any other, and
    return partial decryptions with proofs (constant-time exponentiations with s_l)."""
    recomputed = tally_ballots(context.group, context.manifest, cast_ballots)
    if recomputed != published:
        raise DecryptionError(
            f"trustee {trustee.trustee_id} refuses to decrypt: the published tally of "
            f"{published.ballot_count} ballots is not the product of the {recomputed.ballot_count} "
            "cast ballots it recomputed (checklist A11)")
    return decrypt_recomputed_tally(context, trustee, published)


def decrypt_recomputed_tally(context: ElectionContext, trustee: KeyedTrustee,
                             tally: EncryptedTally) -> TrusteeTallyShare:
    """Partial decryptions with proofs of a tally the caller has itself recomputed from the
    cast ballots (trustee_decrypt, or the verifier's check 9 in the very pass that read the
    ballots: ``pilwu trustee decrypt``).  Never for a tally taken on trust (checklist A11)."""
    published = tally
    partials: list[Element] = []
    proofs: list[DecryptionProof] = []
    for cid, oid, ct in published.entries():
        share = trustee.decryption_share(entry_transcript(context, published, cid, oid), ct)
        partials.append(share.partial)
        proofs.append(share.proof)
    return TrusteeTallyShare(trustee.trustee_id, trustee.index, tuple(partials), tuple(proofs))


def decrypt_tally(context: ElectionContext, tally: EncryptedTally, shares: Sequence[TrusteeTallyShare],
                  verification_keys: Mapping[int, Element]) -> TallyResult:
    """Check every trustee's proofs, drop (and name) invalid ones, combine t valid
    shares per entry and solve the bounded discrete logs.

    Only a tally whose entries are exactly the manifest's options in manifest order is
    decrypted (DecryptionError naming the first offending entry otherwise): the counts
    are published per option of the manifest (record-format.md §5.12, §5.14)."""
    mismatch = entry_mismatch(context.manifest, tally)  # record-format.md §5.12: the manifest's entries, in order
    if mismatch is not None:
        raise DecryptionError(f"encrypted tally: {mismatch}; only a tally of the manifest's options is decrypted")
    entries = list(tally.entries())
    by_index: dict[int, TrusteeTallyShare] = {}
    rejected: dict[int, str] = {}
    for s in shares:
        who = f"trustee {s.trustee_index} ({s.trustee_id})"
        if s.trustee_index in by_index:
            raise InvalidProof(f"{who}: more than one set of tally shares")
        if s.trustee_index not in verification_keys or not 1 <= s.trustee_index <= len(context.trustee_ids):
            rejected[s.trustee_index] = f"{who}: not a trustee of this election"
            continue
        if context.trustee_ids[s.trustee_index - 1] != s.trustee_id:
            rejected[s.trustee_index] = (f"{who}: trustee {s.trustee_index} of this election is "
                                         f"{context.trustee_ids[s.trustee_index - 1]}")
            continue
        if len(s.partials) != len(entries) or len(s.proofs) != len(entries):
            rejected[s.trustee_index] = f"{who}: {len(s.partials)} shares for {len(entries)} tally entries"
            continue
        key = verification_keys[s.trustee_index]
        items = ((entry_transcript(context, tally, cid, oid), s.trustee_index, key, ct, partial, proof)
                 for (cid, oid, ct), partial, proof in zip(entries, s.partials, s.proofs, strict=True))
        if tdec.decryption_shares_hold(context.group, items):  # one batch per trustee (algebra/batch.py)
            by_index[s.trustee_index] = s
            continue
        try:  # the batch failed: name the first bad proof exactly
            for (cid, oid, ct), partial, proof in zip(entries, s.partials, s.proofs, strict=True):
                tdec.verify_decryption_share(entry_transcript(context, tally, cid, oid), s.trustee_index,
                                             verification_keys[s.trustee_index], ct, partial, proof)
        except InvalidProof as exc:
            rejected[s.trustee_index] = f"{who}, contest {cid}, option {oid}: {exc}"
            continue
        by_index[s.trustee_index] = s
    if len(by_index) < context.threshold:
        detail = "; ".join(rejected.values())
        raise NotEnoughShares(f"{len(by_index)} valid tally shares, {context.threshold} needed"
                              + (f" (rejected: {detail})" if detail else ""))
    chosen = sorted(by_index)[: context.threshold]
    partials = {i: by_index[i].partials for i in chosen}
    plaintexts = tdec.combine_batch(context.group, [ct for _, _, ct in entries], partials, context.threshold)
    results = []
    bounds: dict[str, DiscreteLog] = {}
    for (cid, oid, _), gm in zip(entries, plaintexts, strict=True):
        contest = context.manifest.contest(cid)
        if cid not in bounds:
            bounds[cid] = DiscreteLog(context.group, tally.ballot_count * contest.option_limit)
        results.append(OptionResult(cid, oid, bounds[cid].solve(gm, f"count of {cid}/{oid}")))
    return TallyResult(tally.ballot_count, tuple(results), tuple(chosen), rejected)
