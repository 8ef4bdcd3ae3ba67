"""The verifiable mix-net of an election: mix input, mix chain, decryption of the final list.

Homomorphic tallying covers "choose k of n"; everything else (write-in names, ranked
ballots, ballots opened one by one) goes through this mix-net.  It
only assembles the primitives of :mod:`pilwu_crypto.proofs.nonce`,
:mod:`pilwu_crypto.proofs.shuffle` and :mod:`pilwu_crypto.threshold.decryption` with the
election's context; the record and the CLI come later.

1. Mix input (checklist A10)
----------------------------
A device encrypts the ``w`` plaintext elements of a ballot under the election key K and
proves knowledge of every nonce (:func:`encrypt_mix_ballot`), on the transcript
``context.transcript(DST_MIX_INPUT)`` followed by ``text "ballot" = ballot id``.  A copy of
someone else's ballot (re-randomised, homomorphically shifted, or verbatim under another
id) has no valid proof, because the copier does not know the victim's nonces.
:func:`mix_input` checks every proof, refuses duplicate ballot ids and any alpha seen
twice, and returns the first stage's input in ballot order; :func:`check_mix_input`
refuses a first input that is not exactly that list (one dropped, added or replaced).

2. The chain (checklist A4, A24, A25)
-------------------------------------
k registered mix servers shuffle in turn.  Stage ``p`` (positions count from 1) by
server ``S`` re-encrypts and permutes the previous stage's output (the first input for
p = 1) and proves it with the Terelius–Wikström proof (no cut-and-choose, so A24's
round count does not arise) on the transcript::

    context.transcript(DST_MIX_STAGE);  text "mix-server" = S;  int "stage" = p

so a proof replayed in another election, at another position or under another server
fails.  The generators h_i come from the public seed H(DST_MIX_GENERATORS, H_E)
(:func:`mix_generators`); the verifier re-derives them and refuses any other set (A4).
The server signs (Ed25519, raw 32-byte keys as voting devices use) the framed message::

    signed_message(DST_MIX_STAGE_SIGNATURE, H_E, stage digest)
    stage digest = H(DST_MIX_STAGE_DIGEST, u32(p), S, list digest(inputs),
                     list digest(outputs), proof parts …)
    list digest  = H(DST_MIX_LIST, u32(N), u32(w), bytes(vector_0), …, bytes(vector_N-1))

(H = tagged_hash; the proof parts are every element and scalar of the proof in order,
each list preceded by u32 of its count).  :func:`verify_chain` requires positions
1 … k in order, every server registered, all servers distinct (one server doing every
shuffle is refused, A25) and at least ``min_servers`` of them, every signature, and every
proof against the previous stage's output; a failure names the stage and its server.

3. Verifiable decryption of the final list
------------------------------------------
Each present trustee publishes M_l = alpha^{s_l} with a Chaum–Pedersen proof for every
component of every vector of the final list (:func:`decrypt_final_list`), on the
transcript ``context.transcript(DST_MIX_DECRYPTION)``; bytes "list" = list digest;
int "vector" = i; int "component" = l (then the trustee index, appended by
:mod:`pilwu_crypto.threshold.decryption`).  :func:`verify_and_decode` checks every proof,
drops (and names) trustees with a bad share, combines any t valid ones with Lagrange
coefficients and decodes each vector: one small integer per component ("small",
bounded discrete log) or one write-in name over the whole vector ("text", curves only).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import Literal, overload

from Crypto.PublicKey import ECC
from Crypto.PublicKey.ECC import EccKey
from Crypto.Signature import eddsa

from pilwu_crypto.algebra.domains import (
    DST_MIX_DECRYPTION,
    DST_MIX_GENERATORS,
    DST_MIX_INPUT,
    DST_MIX_LIST,
    DST_MIX_STAGE,
    DST_MIX_STAGE_DIGEST,
    DST_MIX_STAGE_SIGNATURE,
)
from pilwu_crypto.algebra.generators import check_generators, independent_generators
from pilwu_crypto.algebra.group import Element, SecretScalar
from pilwu_crypto.algebra.hashing import tagged_hash, text, u32
from pilwu_crypto.algebra.transcript import Transcript
from pilwu_crypto.election.context import ElectionContext
from pilwu_crypto.election.device import PUBLIC_KEY_SIZE, SIGNATURE_SIZE, device_id_checked, signed_message
from pilwu_crypto.election.plaintext import decode_small, decode_write_in, require_write_ins
from pilwu_crypto.elgamal import Ciphertext
from pilwu_crypto.errors import (
    InvalidBallot,
    InvalidParameters,
    InvalidProof,
    NotEnoughShares,
    OutOfRange,
    PilwuError,
)
from pilwu_crypto.proofs.decryption import DecryptionProof
from pilwu_crypto.proofs.nonce import NonceProof, prove_nonce_knowledge, verify_nonce_knowledge
from pilwu_crypto.proofs.shuffle import CiphertextVector, ShuffleProof, prove_shuffle, shuffle, verify_shuffle
from pilwu_crypto.threshold import decryption as tdec
from pilwu_crypto.threshold.dkg import KeyedTrustee

DEFAULT_MIN_SERVERS = 2
"""Distinct mix servers :func:`verify_chain` requires unless told otherwise: with one
server, that server alone can link every output to its input."""


# ---- identifiers and list digests ------------------------------------------------------------


def _checked_id(value: object, what: str, error: type[PilwuError]) -> str:
    """``value`` if it is a valid identifier (manifest rules), else ``error`` naming ``what``."""
    try:
        return device_id_checked(value, what)
    except InvalidBallot as exc:
        raise error(str(exc)) from None


def list_digest(vectors: Sequence[CiphertextVector]) -> bytes:
    """H(DST_MIX_LIST, u32(N), u32(w), bytes(vector_0), …): binds a whole list in 32 bytes.

    The vectors' encodings have a fixed width within one group, so the digest is
    injective in the list (for an empty list w is 0).
    """
    width = vectors[0].width if vectors else 0
    return tagged_hash(DST_MIX_LIST, [u32(len(vectors)), u32(width), *(v.to_bytes() for v in vectors)])


# ---- 1. mix input ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MixBallot:
    """A ballot entering the mix-net: its id, its w ciphertexts and the proof of their nonces."""

    ballot_id: str
    """Identifier of the ballot (1–64 of A-Z a-z 0-9 . _ -), bound into the nonce proof."""
    ciphertexts: CiphertextVector
    """(g^r_l, m_l K^r_l) for l < w: the unit that moves through the mix."""
    proof: NonceProof
    """Proof of knowledge of every r_l (proofs/nonce.py), bound to H_E and the ballot id."""

    def __post_init__(self) -> None:
        bid = _checked_id(self.ballot_id, "ballot id", InvalidBallot)
        if not isinstance(self.ciphertexts, CiphertextVector):
            raise InvalidBallot(f"mix ballot {bid}: ciphertexts are not a CiphertextVector")
        if not isinstance(self.proof, NonceProof):
            raise InvalidBallot(f"mix ballot {bid}: proof is not a NonceProof")


def _input_transcript(context: ElectionContext, ballot_id: str) -> Transcript:
    """context.transcript(DST_MIX_INPUT) followed by text "ballot" = ballot id."""
    t = context.transcript(DST_MIX_INPUT)
    t.append_text("ballot", ballot_id)
    return t


def encrypt_mix_ballot(context: ElectionContext, ballot_id: str, plaintext_elements: Sequence[Element], *,
                       constant_time: bool = False) -> tuple[MixBallot, tuple[SecretScalar, ...]]:
    """Device side: encrypt each element m_l as (g^r_l, m_l K^r_l) and prove knowledge of the r_l.

    ``plaintext_elements`` come from :mod:`pilwu_crypto.election.plaintext` (encode_small,
    encode_write_in).  Returns the ballot and its nonces (secret: keep them only as long as
    a challenge of the ballot may need them).  Nonces come from ``secrets``; ``constant_time``
    selects ``exp_secret`` for every exponentiation with a nonce (docs/side-channels.md).
    InvalidBallot for a bad id or an empty ballot; NotInGroup for an element of another group.
    """
    bid = _checked_id(ballot_id, "ballot id", InvalidBallot)
    group = context.group
    if len(plaintext_elements) == 0:
        raise InvalidBallot(f"mix ballot {bid}: at least one plaintext element is needed")
    key = context.joint_key
    nonces = tuple(group.random_scalar() for _ in plaintext_elements)
    components: list[Ciphertext] = []
    for j, (m, r) in enumerate(zip(plaintext_elements, nonces, strict=True)):
        group.check_element(m, f"mix ballot {bid} plaintext {j}")
        if constant_time:
            alpha, kr = group.exp_secret(group.generator(), r), group.exp_secret(key.element, r)
        else:
            alpha, kr = group.exp_g(r), key.table().pow(r)
        components.append(Ciphertext(alpha, m * kr))
    vector = CiphertextVector(tuple(components))
    proof = prove_nonce_knowledge(_input_transcript(context, bid), key, vector.components, nonces,
                                  constant_time=constant_time)
    return MixBallot(bid, vector, proof), nonces


def verify_mix_ballot(context: ElectionContext, ballot: MixBallot) -> None:
    """Check the ballot's nonce proof for its own id and ciphertexts under H_E.

    Raises InvalidBallot naming the ballot (a proof made for another id, another election
    or other ciphertexts fails, as does any copy of a ballot by someone who does not know
    its nonces).
    """
    try:
        verify_nonce_knowledge(_input_transcript(context, ballot.ballot_id), context.joint_key,
                               ballot.ciphertexts.components, ballot.proof)
    except PilwuError as exc:
        raise InvalidBallot(f"mix ballot {ballot.ballot_id}: {exc}") from None


def mix_input(context: ElectionContext, ballots: Sequence[MixBallot]) -> list[CiphertextVector]:
    """The first stage's input: every ballot's ciphertexts, in ballot order, once checked.

    Refuses (InvalidBallot, naming the ballot) a bad nonce proof, a ballot id seen before,
    a width different from the first ballot's, and any alpha already seen in an earlier
    ballot or component: a verbatim copy repeats alphas, and a re-randomised one has no
    valid proof (checklist A10).  An empty list is refused too (nothing to mix).
    """
    if not ballots:
        raise InvalidBallot("mix input: no ballots")
    width = ballots[0].ciphertexts.width
    seen_ids: set[str] = set()
    seen_alphas: dict[bytes, str] = {}
    out: list[CiphertextVector] = []
    for i, ballot in enumerate(ballots):
        bid = ballot.ballot_id
        if bid in seen_ids:
            raise InvalidBallot(f"mix input position {i}: ballot id {bid} appears twice")
        seen_ids.add(bid)
        if ballot.ciphertexts.width != width:
            raise InvalidBallot(f"mix input position {i}: ballot {bid} has width {ballot.ciphertexts.width}, "
                                f"the first ballot has width {width}")
        verify_mix_ballot(context, ballot)
        for j, ct in enumerate(ballot.ciphertexts.components):
            key = ct.alpha.to_bytes()
            if key in seen_alphas:
                raise InvalidBallot(f"mix input position {i}: ballot {bid} component {j} repeats an alpha of "
                                    f"ballot {seen_alphas[key]} (a copied ballot, checklist A10)")
            seen_alphas[key] = bid
        out.append(ballot.ciphertexts)
    return out


def check_mix_input(context: ElectionContext, ballots: Sequence[MixBallot],
                    first_input: Sequence[CiphertextVector]) -> None:
    """Refuse a first stage input that is not exactly :func:`mix_input` of the cast ballots.

    Raises InvalidBallot at the first position (from 0) where the lists differ, naming
    the cast ballot expected there and saying whether a ballot looks dropped, added or
    replaced.  The cast ballots themselves are checked as by :func:`mix_input`.
    """
    expected = mix_input(context, ballots)
    for i in range(max(len(expected), len(first_input))):
        if i < len(expected) and i < len(first_input) and expected[i] == first_input[i]:
            continue
        if i >= len(first_input):
            raise InvalidBallot(f"mix input position {i}: cast ballot {ballots[i].ballot_id} is missing "
                                f"(the mix input has {len(first_input)} entries, {len(expected)} ballots were cast)")
        if i >= len(expected):
            raise InvalidBallot(f"mix input position {i}: an entry that is not a cast ballot was added "
                                f"(the mix input has {len(first_input)} entries, {len(expected)} ballots were cast)")
        bid = ballots[i].ballot_id
        if i + 1 < len(first_input) and first_input[i + 1] == expected[i]:
            how = "an entry was added before it"
        elif i + 1 < len(expected) and first_input[i] == expected[i + 1]:
            how = "it was dropped"
        else:
            how = "it was replaced"
        raise InvalidBallot(f"mix input position {i}: not the cast ballot {bid} ({how})")


# ---- 2. mix servers and signatures ----------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _verifier(public_key: bytes) -> eddsa.EdDSASigScheme:
    """A verifier for a raw Ed25519 key, validated once (InvalidParameters if unusable).

    The same checks as voting devices' keys: canonical point encoding, not of small order
    (a small-order key would let anyone forge).
    """
    try:
        ecc = eddsa.import_public_key(public_key)
        canonical = ecc.export_key(format="raw")
        small_order = (ecc.pointQ * 8).is_point_at_infinity()
    except (ValueError, TypeError):
        raise InvalidParameters("public key is not an Ed25519 point") from None
    if canonical != public_key:
        raise InvalidParameters("public key is not canonically encoded")
    if small_order:
        raise InvalidParameters("public key has small order")
    return eddsa.new(ecc, "rfc8032")


def _has_stage_tag(message: object) -> bool:
    """Whether ``message`` is framed by signed_message with DST_MIX_STAGE_SIGNATURE."""
    tag = DST_MIX_STAGE_SIGNATURE
    return (isinstance(message, bytes) and message[:4] == len(tag).to_bytes(4, "big")
            and message[4:4 + len(tag)] == tag)


@dataclass(frozen=True)
class MixServerRegistration:
    """A registered mix server: its id and raw Ed25519 public key (public, in the record).

    The key is validated on construction (32 bytes, canonical, not of small order);
    InvalidParameters otherwise.
    """

    server_id: str
    """Identifier of the mix server (1–64 of A-Z a-z 0-9 . _ -)."""
    public_key: bytes
    """Ed25519 public key, raw 32 bytes (RFC 8032 encoding)."""

    def __post_init__(self) -> None:
        sid = _checked_id(self.server_id, "mix server id", InvalidParameters)
        key = self.public_key
        if not isinstance(key, bytes) or len(key) != PUBLIC_KEY_SIZE:
            got = len(key) if isinstance(key, bytes) else type(key).__name__
            raise InvalidParameters(f"mix server {sid}: public key must be {PUBLIC_KEY_SIZE} raw bytes, got {got}")
        try:
            _verifier(key)
        except InvalidParameters as exc:
            raise InvalidParameters(f"mix server {sid}: {exc}") from None

    def __repr__(self) -> str:
        return f"MixServerRegistration({self.server_id!r}, {self.public_key.hex()})"


class MixServer:
    """A mix server holding its Ed25519 private key; ``repr``/``str`` never show it."""

    __slots__ = ("_registration", "_signer")

    def __init__(self, server_id: str, private_key: EccKey) -> None:
        sid = _checked_id(server_id, "mix server id", InvalidParameters)
        ok = isinstance(private_key, EccKey) and private_key.curve == "Ed25519" and private_key.has_private()
        if not ok:
            raise InvalidParameters(f"mix server {sid}: an Ed25519 private key is required")
        self._signer = eddsa.new(private_key, "rfc8032")
        self._registration = MixServerRegistration(sid, private_key.public_key().export_key(format="raw"))

    @classmethod
    def generate(cls, server_id: str) -> MixServer:
        """A mix server with a fresh Ed25519 key (pycryptodome's CSPRNG)."""
        return cls(server_id, ECC.generate(curve="Ed25519"))

    @property
    def server_id(self) -> str:
        return self._registration.server_id

    @property
    def registration(self) -> MixServerRegistration:
        """The public registration (id and public key) to publish before mixing."""
        return self._registration

    def sign(self, message: bytes) -> bytes:
        """Ed25519 signature (64 bytes) of a stage message (:func:`stage_message`).

        Refuses anything not framed with DST_MIX_STAGE_SIGNATURE, so the key signs
        nothing that could pass for another kind of message (a device's ballot, say).
        """
        if not _has_stage_tag(message):
            raise InvalidParameters(f"mix server {self.server_id}: refuses to sign a message without "
                                    "the mix-stage tag")
        return self._signer.sign(message)

    def __repr__(self) -> str:
        return f"MixServer({self.server_id!r}, private key <redacted>)"

    __str__ = __repr__


# ---- 2. stages and the chain -----------------------------------------------------------------


@dataclass(frozen=True)
class MixStage:
    """One published stage: who shuffled, at which position, the outputs, the proof, the signature."""

    position: int
    """Position in the chain, from 1."""
    server_id: str
    """The registered mix server that produced (and signed) the stage."""
    outputs: tuple[CiphertextVector, ...]
    """The re-encrypted, permuted list: the next stage's input."""
    proof: ShuffleProof
    """Terelius–Wikström proof that ``outputs`` is a shuffle of the previous list."""
    signature: bytes
    """Ed25519 signature over :func:`stage_message`."""

    def __post_init__(self) -> None:
        if not isinstance(self.outputs, tuple):
            object.__setattr__(self, "outputs", tuple(self.outputs))


def mix_generator_seed(context: ElectionContext) -> bytes:
    """The public seed of the mix-net's generators: H(DST_MIX_GENERATORS, H_E)."""
    return tagged_hash(DST_MIX_GENERATORS, [context.election_hash])


def mix_generators(context: ElectionContext, n: int, executor: Executor | None = None) -> list[Element]:
    """h_0 … h_{n-1} for a list of n vectors, by hash-to-group from the election's seed (A4)
    (derived in parallel with ``executor``)."""
    return independent_generators(context.group, mix_generator_seed(context), n, executor)


def _stage_transcript(context: ElectionContext, server_id: str, position: int) -> Transcript:
    """context.transcript(DST_MIX_STAGE), text "mix-server", int "stage" (module docstring)."""
    t = context.transcript(DST_MIX_STAGE)
    t.append_text("mix-server", server_id)
    t.append_int("stage", position)
    return t


def _proof_parts(proof: ShuffleProof) -> list[bytes]:
    """Every element and scalar of the proof, in order, each list preceded by u32(count)."""
    com, rep = proof.commitment, proof.reply
    parts: list[bytes] = [u32(len(proof.u)), *(x.to_bytes() for x in proof.u)]
    parts += [u32(len(com.B)), *(x.to_bytes() for x in com.B), com.A_prime.to_bytes()]
    parts += [u32(len(com.B_prime)), *(x.to_bytes() for x in com.B_prime)]
    parts += [com.C_prime.to_bytes(), com.D_prime.to_bytes(), u32(com.F_prime.width), com.F_prime.to_bytes()]
    parts += [rep.k_A.to_bytes(), u32(len(rep.k_B)), *(s.to_bytes() for s in rep.k_B)]
    parts += [rep.k_C.to_bytes(), rep.k_D.to_bytes(), u32(len(rep.k_E)), *(s.to_bytes() for s in rep.k_E)]
    parts += [u32(len(rep.k_F)), *(s.to_bytes() for s in rep.k_F)]
    return parts


def stage_digest(position: int, server_id: str, inputs: Sequence[CiphertextVector],
                 outputs: Sequence[CiphertextVector], proof: ShuffleProof) -> bytes:
    """H(DST_MIX_STAGE_DIGEST, u32(position), server id, list digest(inputs), list digest(outputs), proof)."""
    if not 1 <= position < 2**32:
        raise OutOfRange(f"mix stage position {position} not in [1, 2^32)")
    return tagged_hash(DST_MIX_STAGE_DIGEST, [u32(position), text(server_id), list_digest(inputs),
                                              list_digest(outputs), *_proof_parts(proof)])


def stage_message(context: ElectionContext, stage: MixStage, inputs: Sequence[CiphertextVector]) -> bytes:
    """The framed bytes a mix server signs for ``stage`` applied to ``inputs``:
    signed_message(DST_MIX_STAGE_SIGNATURE, H_E, stage digest)."""
    digest = stage_digest(stage.position, stage.server_id, inputs, stage.outputs, stage.proof)
    return signed_message(DST_MIX_STAGE_SIGNATURE, context.election_hash, [digest])


def run_stage(context: ElectionContext, server: MixServer, position: int, generators: Sequence[Element],
              inputs: Sequence[CiphertextVector]) -> MixStage:
    """Mix server side: shuffle ``inputs`` under the election key, prove it, sign the stage.

    ``generators`` must be :func:`mix_generators` for len(inputs); ``position`` counts from 1.
    The proof's transcript binds H_E, the server's id and the position; the signature
    covers the position, server id, input digest, outputs and proof.  The shuffle's
    witness is dropped before returning.
    """
    if isinstance(position, bool) or not 1 <= position < 2**32:
        raise OutOfRange(f"mix stage position {position!r} not in [1, 2^32)")
    key = context.joint_key
    outputs, witness = shuffle(key, inputs)
    proof = prove_shuffle(_stage_transcript(context, server.server_id, position), key, generators,
                          inputs, outputs, witness)
    del witness
    unsigned = MixStage(position, server.server_id, tuple(outputs), proof, b"")
    signature = server.sign(stage_message(context, unsigned, inputs))
    return MixStage(position, server.server_id, tuple(outputs), proof, signature)


def verify_chain(context: ElectionContext, registrations: Iterable[MixServerRegistration],
                 generators: Sequence[Element], first_input: Sequence[CiphertextVector],
                 stages: Sequence[MixStage], *, min_servers: int = DEFAULT_MIN_SERVERS,
                 executor: Executor | None = None) -> list[CiphertextVector]:
    """Check a whole mix chain and return its final list (the input of the decryption).

    In order: the registrations (distinct ids and distinct keys: one party under two
    names is one server); the generators are those of the election's seed (A4,
    InvalidParameters otherwise); then for every stage its position (1, 2, … in list
    order), that its server is registered and has not mixed at an earlier position (A25);
    then at least ``min_servers`` stages; then stage by stage the signature and the proof
    of shuffle against the previous stage's output.  Every failure of a stage raises
    InvalidProof naming "stage <position> (mix server <id>)".  With ``executor``, the
    stages' proofs are verified in parallel (each needs only its own input and output
    lists); the first failing stage in chain order is reported, as without one.
    """
    if isinstance(min_servers, bool) or min_servers < 1:
        raise OutOfRange(f"min_servers {min_servers!r} must be at least 1")
    regs: dict[str, MixServerRegistration] = {}
    keys: dict[bytes, str] = {}
    for reg in registrations:
        if reg.server_id in regs:
            raise InvalidParameters(f"mix server {reg.server_id} is registered twice")
        if reg.public_key in keys:
            raise InvalidParameters(f"mix servers {keys[reg.public_key]} and {reg.server_id} share a public key "
                                    "(one party cannot count as two servers, checklist A25)")
        regs[reg.server_id] = reg
        keys[reg.public_key] = reg.server_id
    if not first_input:
        raise InvalidProof("mix chain: the first input is empty")
    check_generators(context.group, mix_generator_seed(context), list(generators))
    if len(generators) != len(first_input):
        raise InvalidParameters(f"mix chain: {len(generators)} generators for {len(first_input)} ciphertext vectors")

    used: dict[str, int] = {}
    for k, stage in enumerate(stages):
        where = f"stage {stage.position} (mix server {stage.server_id})"
        if stage.position != k + 1:
            raise InvalidProof(f"{where}: is number {k + 1} in the chain but claims position {stage.position} "
                               "(stages missing, reordered or duplicated)")
        if stage.server_id not in regs:
            raise InvalidProof(f"{where}: mix server {stage.server_id} is not registered")
        if stage.server_id in used:
            raise InvalidProof(f"{where}: mix server {stage.server_id} already mixed at stage "
                               f"{used[stage.server_id]}; each stage needs a distinct server (checklist A25)")
        used[stage.server_id] = stage.position
    if len(stages) < min_servers:
        raise InvalidProof(f"mix chain: {len(stages)} stage(s) by distinct mix servers, "
                           f"at least {min_servers} required")

    inputs = [list(first_input)] + [list(stage.outputs) for stage in stages[:-1]]
    proofs: list[Future[str | None]] | None = None
    if executor is not None:
        proofs = [executor.submit(stage_proof_failure, context, list(generators), inp, stage)
                  for inp, stage in zip(inputs, stages, strict=True)]
    current = list(first_input)
    for k, stage in enumerate(stages):
        where = f"stage {stage.position} (mix server {stage.server_id})"
        signature = stage.signature
        if not isinstance(signature, bytes) or len(signature) != SIGNATURE_SIZE:
            raise InvalidProof(f"{where}: a signature has {SIGNATURE_SIZE} bytes")
        try:
            message = stage_message(context, stage, current)
            _verifier(regs[stage.server_id].public_key).verify(message, signature)
        except (ValueError, TypeError, PilwuError):
            raise InvalidProof(f"{where}: the stage signature does not verify") from None
        failure = (proofs[k].result() if proofs is not None
                   else stage_proof_failure(context, generators, current, stage))
        if failure is not None:
            raise InvalidProof(f"{where}: {failure}")
        current = list(stage.outputs)
    return current


def stage_proof_failure(context: ElectionContext, generators: Sequence[Element],
                        inputs: Sequence[CiphertextVector], stage: MixStage) -> str | None:
    """Why the stage's proof of shuffle fails against ``inputs`` (None if it verifies);
    a task of :func:`verify_chain` that a worker process can run."""
    try:
        verify_shuffle(_stage_transcript(context, stage.server_id, stage.position), context.joint_key,
                       generators, inputs, stage.outputs, stage.proof)
    except PilwuError as exc:
        return str(exc)
    return None


# ---- 3. verifiable decryption of the final list -----------------------------------------------


@dataclass(frozen=True)
class MixDecryptionShare:
    """One trustee's partial decryptions of every component of every vector of the final list."""

    trustee_id: str
    trustee_index: int
    """The trustee's Shamir index l (1 … n)."""
    partials: tuple[tuple[Element, ...], ...]
    """partials[i][c] = alpha_{i,c}^{s_l} for vector i, component c."""
    proofs: tuple[tuple[DecryptionProof, ...], ...]
    """proofs[i][c]: Chaum–Pedersen proof that log_g K_l == log_alpha partials[i][c]."""


def _decryption_base(context: ElectionContext, final_list: Sequence[CiphertextVector]) -> Transcript:
    """context.transcript(DST_MIX_DECRYPTION) followed by bytes "list" = list digest."""
    t = context.transcript(DST_MIX_DECRYPTION)
    t.append_bytes("list", list_digest(final_list))
    return t


def _component_transcript(base: Transcript, vector: int, component: int) -> Transcript:
    """A copy of the base transcript with int "vector" and int "component" appended."""
    t = base.copy()
    t.append_int("vector", vector)
    t.append_int("component", component)
    return t


def decrypt_final_list(context: ElectionContext, trustee: KeyedTrustee,
                       final_list: Sequence[CiphertextVector]) -> MixDecryptionShare:
    """Trustee side: M_l and its proof for every component of every vector of ``final_list``.

    The trustee should run only on a final list it has seen :func:`verify_chain` accept
    (decrypting anything else would open ballots one by one, cf. checklist A11).
    """
    base = _decryption_base(context, final_list)
    partials: list[tuple[Element, ...]] = []
    proofs: list[tuple[DecryptionProof, ...]] = []
    for i, vector in enumerate(final_list):
        shares = [trustee.decryption_share(_component_transcript(base, i, c), ct)
                  for c, ct in enumerate(vector.components)]
        partials.append(tuple(s.partial for s in shares))
        proofs.append(tuple(s.proof for s in shares))
    return MixDecryptionShare(trustee.trustee_id, trustee.index, tuple(partials), tuple(proofs))


def verify_mix_decryption_shares(context: ElectionContext, final_list: Sequence[CiphertextVector],
                                 shares: Sequence[MixDecryptionShare], verification_keys: Mapping[int, Element],
                                 ) -> tuple[dict[int, MixDecryptionShare], dict[int, str]]:
    """Split the shares into ({index: share} valid, {index: reason} rejected).

    A share is rejected (and named) when its trustee is not a trustee of this election
    (index, id or verification key), when its shape does not match the list, or when
    any of its proofs fails.  Two shares for the same index: InvalidProof.
    """
    base = _decryption_base(context, final_list)
    valid: dict[int, MixDecryptionShare] = {}
    rejected: dict[int, str] = {}
    seen: set[int] = set()
    for s in shares:
        index = s.trustee_index
        who = f"trustee {index} ({s.trustee_id})"
        if index in seen:
            raise InvalidProof(f"{who}: more than one set of mix decryption shares")
        seen.add(index)
        if not 1 <= index <= len(context.trustee_ids) or index not in verification_keys:
            rejected[index] = f"{who}: not a trustee of this election"
            continue
        if context.trustee_ids[index - 1] != s.trustee_id:
            rejected[index] = f"{who}: trustee {index} of this election is {context.trustee_ids[index - 1]}"
            continue
        shape_ok = len(s.partials) == len(final_list) == len(s.proofs) and all(
            len(p) == v.width == len(pr) for p, pr, v in zip(s.partials, s.proofs, final_list, strict=True))
        if not shape_ok:
            rejected[index] = f"{who}: shares do not match the shape of the final list"
            continue
        items = ((_component_transcript(base, i, c), index, verification_keys[index], ct, s.partials[i][c],
                  s.proofs[i][c]) for i, vector in enumerate(final_list) for c, ct in enumerate(vector.components))
        if tdec.decryption_shares_hold(context.group, items):  # one batch per trustee (algebra/batch.py)
            valid[index] = s
            continue
        where = "the final list"  # the batch failed: find and name the first bad proof exactly
        try:
            for i, vector in enumerate(final_list):
                for c, ct in enumerate(vector.components):
                    where = f"vector {i} component {c}"
                    tdec.verify_decryption_share(_component_transcript(base, i, c), index, verification_keys[index],
                                                 ct, s.partials[i][c], s.proofs[i][c])
        except PilwuError as exc:
            rejected[index] = f"{who}, {where}: {exc}"
            continue
        valid[index] = s
    return valid, rejected


@overload
def verify_and_decode(context: ElectionContext, final_list: Sequence[CiphertextVector],
                      shares: Sequence[MixDecryptionShare], verification_keys: Mapping[int, Element], *,
                      encoding: Literal["small"], bound: int) -> list[tuple[int, ...]]: ...


@overload
def verify_and_decode(context: ElectionContext, final_list: Sequence[CiphertextVector],
                      shares: Sequence[MixDecryptionShare], verification_keys: Mapping[int, Element], *,
                      encoding: Literal["text"], bound: None = None) -> list[str]: ...


def verify_and_decode(context: ElectionContext, final_list: Sequence[CiphertextVector],
                      shares: Sequence[MixDecryptionShare], verification_keys: Mapping[int, Element], *,
                      encoding: Literal["small", "text"],
                      bound: int | None = None) -> list[tuple[int, ...]] | list[str]:
    """Verify the trustees' shares, combine t valid ones and decode every vector of the list.

    Trustees whose shares fail are dropped (:func:`verify_mix_decryption_shares` names
    them); fewer than t valid shares raise NotEnoughShares listing the rejections.  Then:

    - ``encoding="small"``: each component is g^m with 0 <= m <= ``bound`` (from the
      election, e.g. the number of options minus one); one tuple of w integers per vector.
      A component above the bound raises DecryptionError naming vector and component.
    - ``encoding="text"``: each vector carries one write-in name over its w elements;
      UnsupportedEncoding (before any other work) on a group without a byte encoding.

    The result is in final-list order (which is unlinkable to the ballot order).
    """
    group = context.group
    small_bound = 0
    if encoding == "text":
        require_write_ins(group)
        if bound is not None:
            raise OutOfRange("a discrete-log bound only applies to encoding 'small'")
    elif encoding == "small":
        if bound is None:
            raise OutOfRange("encoding 'small' needs the election's discrete-log bound")
        small_bound = bound
    else:
        raise OutOfRange(f"unknown plaintext encoding {encoding!r} (expected 'small' or 'text')")
    valid, rejected = verify_mix_decryption_shares(context, final_list, shares, verification_keys)
    if len(valid) < context.threshold:
        detail = "; ".join(rejected[i] for i in sorted(rejected))
        raise NotEnoughShares(f"{len(valid)} valid mix decryption shares, {context.threshold} needed"
                              + (f" (rejected: {detail})" if detail else ""))
    return _decode(context, final_list, valid, encoding, small_bound)


def decode_verified(context: ElectionContext, final_list: Sequence[CiphertextVector],
                    valid: Mapping[int, MixDecryptionShare], *, encoding: Literal["small", "text"],
                    bound: int | None = None) -> list[tuple[int, ...]] | list[str]:
    """Combine and decode with shares ALREADY accepted by :func:`verify_mix_decryption_shares`
    (its ``valid`` mapping), so that a verifier checks every proof once.  Same encodings
    and errors as :func:`verify_and_decode`; fewer than t shares raise NotEnoughShares."""
    if encoding == "text":
        require_write_ins(context.group)
    elif bound is None:
        raise OutOfRange("encoding 'small' needs the election's discrete-log bound")
    if len(valid) < context.threshold:
        raise NotEnoughShares(f"{len(valid)} valid mix decryption shares, {context.threshold} needed")
    return _decode(context, final_list, valid, encoding, bound or 0)


def combine_final_list(context: ElectionContext, final_list: Sequence[CiphertextVector],
                       valid: Mapping[int, MixDecryptionShare]) -> list[list[Element]]:
    """The decrypted elements of every vector: the t smallest valid indices combined with
    Lagrange coefficients (shares ALREADY verified; NotEnoughShares with fewer than t)."""
    if len(valid) < context.threshold:
        raise NotEnoughShares(f"{len(valid)} valid mix decryption shares, {context.threshold} needed")
    chosen = sorted(valid)[: context.threshold]
    flat = [ct for vector in final_list for ct in vector.components]
    partials = {i: [m for row in valid[i].partials for m in row] for i in chosen}
    elements = tdec.combine_batch(context.group, flat, partials, context.threshold)
    rows: list[list[Element]] = []
    k = 0
    for vector in final_list:
        rows.append(elements[k:k + vector.width])
        k += vector.width
    return rows


def _decode(context: ElectionContext, final_list: Sequence[CiphertextVector],
            valid: Mapping[int, MixDecryptionShare], encoding: str,
            small_bound: int) -> list[tuple[int, ...]] | list[str]:
    """Combine the t smallest valid indices with Lagrange coefficients and decode."""
    group = context.group
    rows = combine_final_list(context, final_list, valid)
    if encoding == "text":
        return [decode_write_in(group, row, f"write-in of vector {i}") for i, row in enumerate(rows)]
    return [tuple(decode_small(group, m, small_bound, f"vector {i} component {c}") for c, m in enumerate(row))
            for i, row in enumerate(rows)]
