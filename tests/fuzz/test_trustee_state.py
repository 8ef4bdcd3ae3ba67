"""Fuzzing the trustee state readers: sealing.unseal and dkg.import_secret_state.

A trustee's secret state is exported at each stage of the ceremony (after rounds 1, 2, 3
and once keyed) and sealed; both the sealed blob and the exported bytes are mutated as
bytes.  Only PilwuError (SealedStateError) may escape either reader.
"""

from __future__ import annotations

import functools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.threshold.dkg import Ceremony, TrusteeRound1, import_secret_state
from pilwu_crypto.threshold.sealing import MIN_SCRYPT_LOG2_N, seal, unseal
from tests.fuzz.common import fuzz_settings, only_pilwu_errors, seed_decorator
from tests.fuzz.mutations import byte_mutations

GROUP = get_group("pilwu-test-512", allow_test=True)
STAGES = ("round1", "round2", "round3", "keyed")


@functools.cache
def exported() -> dict[str, bytes]:
    """The first trustee's exported state after each stage of a two-trustee ceremony."""
    ceremony = Ceremony(GROUP, bytes(range(32)), ("alice", "bob"), 2)
    r1 = [TrusteeRound1.generate(ceremony, t) for t in ceremony.trustee_ids]
    digests = [t.digest_message() for t in r1]
    r2 = [t.receive_digests(digests) for t in r1]
    r3 = [t.receive_reveals([t2.reveal_message() for t2 in r2]) for t in r2]
    shares = [s for t in r3 for s in t.encrypted_shares()]
    keyed = r3[0].finish(shares)
    return {"round1": r1[0].export_secret_state(), "round2": r2[0].export_secret_state(),
            "round3": r3[0].export_secret_state(), "keyed": keyed.export_secret_state()}


def test_valid_states_import() -> None:
    for stage, data in exported().items():
        assert only_pilwu_errors(lambda d: import_secret_state(GROUP, d), data), stage
        blob = seal(data, "passphrase", scrypt_log2_n=MIN_SCRYPT_LOG2_N)
        assert unseal(blob, "passphrase") == data


@pytest.mark.parametrize("stage", STAGES)
@fuzz_settings(40)
@seed_decorator()
@given(data=st.data())
def test_exported_state_mutations(stage: str, data: st.DataObject) -> None:
    mutated = data.draw(byte_mutations(exported()[stage]), label="mutated")
    only_pilwu_errors(lambda d: import_secret_state(GROUP, d), mutated)


@fuzz_settings(30)
@seed_decorator()
@given(data=st.data())
def test_sealed_blob_mutations(data: st.DataObject) -> None:
    blob = seal(exported()["round1"], "passphrase", scrypt_log2_n=MIN_SCRYPT_LOG2_N)
    mutated = data.draw(byte_mutations(blob), label="mutated")
    only_pilwu_errors(lambda b: unseal(b, "passphrase"), mutated)
