"""JSON codec of the optional mix-net part of an election record (docs/record-format.md §5.15).

Same conventions and strictness as :mod:`pilwu_crypto.record.codec`: documents carry
``"version": 1`` and their ``"kind"``; exactly the documented keys; fixed-width lowercase
hex; ciphertext components, partial decryptions and the shuffle proof's u and B decoded
with the full membership check; Σ-proof commitments (nonce-proof a_j, A', B'_j, C', D',
F', Chaum–Pedersen a, b) with ``subgroup_check=False`` as documented in algebra/group.py;
scalars below q.  A failure raises MalformedRecord starting with the field path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pilwu_crypto.algebra.group import Group
from pilwu_crypto.election.device import SIGNATURE_SIZE
from pilwu_crypto.election.manifest import MAX_CONTESTS, MAX_OPTIONS
from pilwu_crypto.election.mixballot import MixedBallot, MixedContest
from pilwu_crypto.election.mixnet import MixDecryptionShare, MixServerRegistration, MixStage
from pilwu_crypto.elgamal import Ciphertext
from pilwu_crypto.proofs.shuffle import (
    MAX_SHUFFLE_SIZE,
    CiphertextVector,
    ShuffleCommitment,
    ShuffleProof,
    ShuffleReply,
)
from pilwu_crypto.record.codec import (
    MAX_WRITE_IN_CHARS,
    JsonObject,
    _at,
    _build,
    _document,
    _header,
    _id,
    _int,
    _item,
    _items,
    _list,
    _object,
    _text,
    ciphertext_from_json,
    ciphertext_to_json,
    dleq_proof_from_json,
    dleq_proof_to_json,
    element_from_hex,
    element_to_hex,
    hex_from_json,
    scalar_from_hex,
    scalar_to_hex,
)
from pilwu_crypto.record.layout import (
    KIND_MIX_DECRYPTION,
    KIND_MIX_RESULT,
    KIND_MIX_SERVERS,
    KIND_MIX_STAGE,
)
from pilwu_crypto.threshold.dkg import MAX_TRUSTEES

MAX_MIX_WIDTH = 64
"""Most ciphertexts in one mix-net vector (a ballot's width w)."""
MAX_MIX_SERVERS = 1000
"""Most registered mix servers (and stages)."""


@dataclass(frozen=True)
class PublishedMixResult:
    """mixnet/result.json as published: the decoded ballots in final-list order."""

    ballots: tuple[MixedBallot, ...]
    """Per vector of the final list: per contest, the votes per option and the write-in."""


# ---- vectors -----------------------------------------------------------------------------------
def vector_to_json(vector: CiphertextVector) -> list[JsonObject]:
    """A ciphertext vector: the list of its w ciphertexts {"alpha", "beta"}."""
    return [ciphertext_to_json(c) for c in vector.components]


def vector_from_json(group: Group, value: object, where: str) -> CiphertextVector:
    """1 … MAX_MIX_WIDTH ciphertexts, every component fully validated."""
    comps = _items(value, where, MAX_MIX_WIDTH, lambda v, w: ciphertext_from_json(group, v, w), min_length=1)
    return _build(where, lambda: CiphertextVector(comps))


def mix_output_line_to_json(vector: CiphertextVector) -> JsonObject:
    """One line of mixnet/stage-<pos>.jsonl: {"ciphertexts": [...]}."""
    return {"ciphertexts": vector_to_json(vector)}


def mix_output_line_from_json(group: Group, value: object, where: str = "") -> CiphertextVector:
    obj = _object(value, where, ("ciphertexts",))
    return vector_from_json(group, obj["ciphertexts"], _at(where, "ciphertexts"))


# ---- servers -----------------------------------------------------------------------------------
def mix_servers_to_json(registrations: Iterable[MixServerRegistration]) -> JsonObject:
    """mixnet/servers.json: every registered mix server's id and raw Ed25519 key."""
    doc = _header(KIND_MIX_SERVERS)
    doc["servers"] = [{"server_id": r.server_id, "public_key": r.public_key.hex()} for r in registrations]
    return doc


def _registration_from_json(value: object, where: str) -> MixServerRegistration:
    obj = _object(value, where, ("server_id", "public_key"))
    sid = _id(obj["server_id"], _at(where, "server_id"))
    key = hex_from_json(obj["public_key"], _at(where, "public_key"), 32)
    return _build(_at(where, "public_key"), lambda: MixServerRegistration(sid, key))


def mix_servers_from_json(group: Group | None, value: object, where: str = "") -> tuple[MixServerRegistration, ...]:
    obj = _document(value, where, KIND_MIX_SERVERS, ("servers",))
    return _items(obj["servers"], _at(where, "servers"), MAX_MIX_SERVERS, _registration_from_json)


# ---- stages ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MixStageHeader:
    """mixnet/stage-<pos>.json: a stage without its output list (kept in the .jsonl file)."""

    position: int
    server_id: str
    output_count: int
    """N, the number of lines of the stage's output file."""
    width: int
    """w, the width of every output vector."""
    proof: ShuffleProof
    signature: bytes

    def with_outputs(self, outputs: Sequence[CiphertextVector]) -> MixStage:
        """The complete stage."""
        return MixStage(self.position, self.server_id, tuple(outputs), self.proof, self.signature)


def shuffle_proof_to_json(proof: ShuffleProof) -> JsonObject:
    """{"u", "B", "A_prime", "B_prime", "C_prime", "D_prime", "F_prime", "reply"}."""
    com, rep = proof.commitment, proof.reply
    return {"u": [element_to_hex(x) for x in proof.u], "B": [element_to_hex(x) for x in com.B],
            "A_prime": element_to_hex(com.A_prime), "B_prime": [element_to_hex(x) for x in com.B_prime],
            "C_prime": element_to_hex(com.C_prime), "D_prime": element_to_hex(com.D_prime),
            "F_prime": [{"alpha": element_to_hex(c.alpha), "beta": element_to_hex(c.beta)}
                        for c in com.F_prime.components],
            "reply": {"k_A": scalar_to_hex(rep.k_A), "k_B": [scalar_to_hex(s) for s in rep.k_B],
                      "k_C": scalar_to_hex(rep.k_C), "k_D": scalar_to_hex(rep.k_D),
                      "k_E": [scalar_to_hex(s) for s in rep.k_E], "k_F": [scalar_to_hex(s) for s in rep.k_F]}}


def _commitment_ciphertext(group: Group, value: object, where: str) -> Ciphertext:
    obj = _object(value, where, ("alpha", "beta"))
    return Ciphertext(element_from_hex(group, obj["alpha"], _at(where, "alpha"), subgroup_check=False),
                      element_from_hex(group, obj["beta"], _at(where, "beta"), subgroup_check=False))


def shuffle_proof_from_json(group: Group, value: object, where: str, n: int, width: int) -> ShuffleProof:
    """A shuffle proof for n vectors of width w (exact list lengths); u and B fully
    validated, the other commitments range-checked only, replies below q."""
    obj = _object(value, where, ("u", "B", "A_prime", "B_prime", "C_prime", "D_prime", "F_prime", "reply"))

    def exact(key: str, length: int) -> list[Any]:
        return _list(obj[key], _at(where, key), length, length)

    def full(key: str) -> tuple[Any, ...]:
        return tuple(element_from_hex(group, v, _item(_at(where, key), i)) for i, v in enumerate(exact(key, n)))

    def loose(value: object, w: str) -> Any:
        return element_from_hex(group, value, w, subgroup_check=False)

    u, big_b = full("u"), full("B")
    b_prime = tuple(loose(v, _item(_at(where, "B_prime"), i)) for i, v in enumerate(exact("B_prime", n)))
    f_prime = tuple(_commitment_ciphertext(group, v, _item(_at(where, "F_prime"), i))
                    for i, v in enumerate(exact("F_prime", width)))
    com = ShuffleCommitment(B=big_b, A_prime=loose(obj["A_prime"], _at(where, "A_prime")), B_prime=b_prime,
                            C_prime=loose(obj["C_prime"], _at(where, "C_prime")),
                            D_prime=loose(obj["D_prime"], _at(where, "D_prime")),
                            F_prime=_build(_at(where, "F_prime"), lambda: CiphertextVector(f_prime)))
    rw = _at(where, "reply")
    rep_obj = _object(obj["reply"], rw, ("k_A", "k_B", "k_C", "k_D", "k_E", "k_F"))

    def scalars(key: str, length: int) -> tuple[Any, ...]:
        items = _list(rep_obj[key], _at(rw, key), length, length)
        return tuple(scalar_from_hex(group, v, _item(_at(rw, key), i)) for i, v in enumerate(items))

    rep = ShuffleReply(k_A=scalar_from_hex(group, rep_obj["k_A"], _at(rw, "k_A")), k_B=scalars("k_B", n),
                       k_C=scalar_from_hex(group, rep_obj["k_C"], _at(rw, "k_C")),
                       k_D=scalar_from_hex(group, rep_obj["k_D"], _at(rw, "k_D")),
                       k_E=scalars("k_E", n), k_F=scalars("k_F", width))
    return ShuffleProof(u=u, commitment=com, reply=rep)


def mix_stage_to_json(stage: MixStage) -> JsonObject:
    """mixnet/stage-<pos>.json: position, server id, N, w, the shuffle proof and the signature
    (the outputs go to mixnet/stage-<pos>.jsonl)."""
    if not stage.outputs:
        raise ValueError(f"mix stage {stage.position}: no outputs")
    doc = _header(KIND_MIX_STAGE)
    doc.update({"position": stage.position, "server_id": stage.server_id, "output_count": len(stage.outputs),
                "width": stage.outputs[0].width, "proof": shuffle_proof_to_json(stage.proof),
                "signature": stage.signature.hex()})
    return doc


def mix_stage_from_json(group: Group, value: object, where: str = "") -> MixStageHeader:
    obj = _document(value, where, KIND_MIX_STAGE,
                    ("position", "server_id", "output_count", "width", "proof", "signature"))
    position = _int(obj["position"], _at(where, "position"), 1, MAX_MIX_SERVERS)
    sid = _id(obj["server_id"], _at(where, "server_id"))
    n = _int(obj["output_count"], _at(where, "output_count"), 1, MAX_SHUFFLE_SIZE)
    width = _int(obj["width"], _at(where, "width"), 1, MAX_MIX_WIDTH)
    proof = shuffle_proof_from_json(group, obj["proof"], _at(where, "proof"), n, width)
    signature = hex_from_json(obj["signature"], _at(where, "signature"), SIGNATURE_SIZE)
    return MixStageHeader(position, sid, n, width, proof, signature)


# ---- decryption --------------------------------------------------------------------------------
def mix_decryption_share_to_json(share: MixDecryptionShare) -> JsonObject:
    """mixnet/decryption/<trustee id>.json: partials[i][c] and proofs[i][c]."""
    doc = _header(KIND_MIX_DECRYPTION)
    doc.update({"trustee_id": share.trustee_id, "trustee_index": share.trustee_index,
                "partials": [[element_to_hex(m) for m in row] for row in share.partials],
                "proofs": [[dleq_proof_to_json(p) for p in row] for row in share.proofs]})
    return doc


def mix_decryption_share_from_json(group: Group, value: object, where: str = "") -> MixDecryptionShare:
    """Partials fully validated; proof commitments range-checked only."""
    obj = _document(value, where, KIND_MIX_DECRYPTION, ("trustee_id", "trustee_index", "partials", "proofs"))
    partials = _items(obj["partials"], _at(where, "partials"), MAX_SHUFFLE_SIZE,
                      lambda v, w: _items(v, w, MAX_MIX_WIDTH, lambda x, y: element_from_hex(group, x, y),
                                          min_length=1))
    proofs = _items(obj["proofs"], _at(where, "proofs"), MAX_SHUFFLE_SIZE,
                    lambda v, w: _items(v, w, MAX_MIX_WIDTH, lambda x, y: dleq_proof_from_json(group, x, y),
                                        min_length=1))
    return MixDecryptionShare(trustee_id=_id(obj["trustee_id"], _at(where, "trustee_id")),
                              trustee_index=_int(obj["trustee_index"], _at(where, "trustee_index"), 1, MAX_TRUSTEES),
                              partials=partials, proofs=proofs)


# ---- result ------------------------------------------------------------------------------------
def mix_result_to_json(result: PublishedMixResult) -> JsonObject:
    """mixnet/result.json: per vector of the final list, per contest, votes (and write-in)."""
    doc = _header(KIND_MIX_RESULT)
    doc["ballots"] = [[_mixed_contest_to_json(c) for c in ballot] for ballot in result.ballots]
    return doc


def _mixed_contest_to_json(c: MixedContest) -> JsonObject:
    obj: JsonObject = {"contest_id": c.contest_id, "votes": list(c.votes)}
    if c.write_in is not None:
        obj["write_in"] = None if c.invalid_write_in else c.write_in
    return obj


def _mixed_contest_from_json(value: object, where: str) -> MixedContest:
    keys: tuple[str, ...] = ("contest_id", "votes")
    if isinstance(value, dict) and "write_in" in value:
        keys = (*keys, "write_in")
    obj = _object(value, where, keys)
    cid = _id(obj["contest_id"], _at(where, "contest_id"))
    votes = _items(obj["votes"], _at(where, "votes"), MAX_OPTIONS, lambda v, w: _int(v, w, 0, 2**32 - 1),
                   min_length=1)
    name: str | None = None
    invalid = False
    if "write_in" in obj:  # "" = the voter wrote no name; null = an invalid write-in (§5.15)
        if obj["write_in"] is None:
            name, invalid = "", True
        else:
            name = "" if obj["write_in"] == "" else _text(obj["write_in"], _at(where, "write_in"), MAX_WRITE_IN_CHARS)
    return MixedContest(cid, votes, name, invalid)


def mix_result_from_json(group: Group | None, value: object, where: str = "") -> PublishedMixResult:
    """Parse mixnet/result.json (shape only; the verifier compares it with the decryption)."""
    obj = _document(value, where, KIND_MIX_RESULT, ("ballots",))
    ballots = _items(obj["ballots"], _at(where, "ballots"), MAX_SHUFFLE_SIZE,
                     lambda v, w: _items(v, w, MAX_CONTESTS, _mixed_contest_from_json, min_length=1),
                     min_length=1)
    return PublishedMixResult(ballots)
