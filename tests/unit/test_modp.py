"""Z_p* groups (pilwu_crypto.algebra.modp) and the Scalar/Element types of the Group API.

Element decoding is the one gate for values from outside (checklist A7, A9): every
rejection names the offending item (the ``what`` argument).  Scalars are range-checked,
random scalars are uniform in [0, q) by rejection sampling (A15, A16), secrets are
redacted, hash_to_group lands in the subgroup, and the accelerated paths of the Group
API agree with plain exponentiation.
"""

from __future__ import annotations

import hashlib
import math
import random
import secrets
import types
from collections.abc import Iterator
from typing import Any

import gmpy2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pilwu_crypto.algebra import modp as modp_module
from pilwu_crypto.algebra.group import Element, Group, Scalar, SecretScalar
from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.algebra.modp import ModPGroup
from pilwu_crypto.errors import EncodingError, InvalidParameters, NotInGroup, OutOfRange
from tests.strategies import elements, scalars

MODP_GROUPS = ["pilwu-test-512", "pilwu-3072", "electionguard-4096"]
WHAT = "ballot 7 contest 2 alpha"  # an item name that must show up in every rejection

FAST = settings(max_examples=30, deadline=None)


def _modp(name: str) -> ModPGroup:
    grp = get_group(name, allow_test=True)
    assert isinstance(grp, ModPGroup)
    return grp


GRP = _modp("pilwu-test-512")
P = int(GRP.p)
Q = GRP.q
R = (P - 1) // (2 * Q)  # the prime cofactor


@pytest.fixture(params=MODP_GROUPS)
def any_group(request: pytest.FixtureRequest) -> ModPGroup:
    return _modp(request.param)


def enc(grp: ModPGroup, x: int) -> bytes:
    return x.to_bytes(grp.element_size, "big")


def odd_order_element(grp: ModPGroup) -> int:
    """An element of order r = (p - 1)/(2q): h^(2q) for the first h that does not give 1."""
    p, q = int(grp.p), grp.q
    for h in range(2, 1000):
        x = pow(h, 2 * q, p)
        if x != 1:
            return x
    raise AssertionError("no element of order r found")


# ---- element decoding: rejections (checklist A7, A9) ----------------------------------------

def test_a7_order_two_element_rejected(any_group: ModPGroup) -> None:
    p = int(any_group.p)
    minus_one = p - 1
    assert pow(minus_one, 2, p) == 1 and minus_one != 1  # order 2: in Z_p*, not in the order-q subgroup
    with pytest.raises(NotInGroup, match=WHAT):
        any_group.decode_element(enc(any_group, minus_one), WHAT)
    with pytest.raises(NotInGroup, match=WHAT):
        any_group.element_from_int(minus_one, WHAT)


def test_a9_odd_order_element_passes_legendre_but_is_rejected(any_group: ModPGroup) -> None:
    # The groups have cofactor 2r with r prime: an element of order r is a quadratic residue
    # (so a Legendre/Jacobi-only membership test would accept it) but x^q != 1.
    p, q = int(any_group.p), any_group.q
    r = (p - 1) // (2 * q)
    x = odd_order_element(any_group)
    assert gmpy2.legendre(x, p) == 1
    assert pow(x, r, p) == 1 and pow(x, q, p) != 1
    with pytest.raises(NotInGroup, match=WHAT):
        any_group.decode_element(enc(any_group, x), WHAT)
    with pytest.raises(NotInGroup, match=WHAT):
        any_group.element_from_int(x, WHAT)
    # ... and so is its product with a genuine element (a "small-subgroup" shift)
    shifted = x * int(any_group.generator().raw) % p
    assert gmpy2.legendre(shifted, p) == 1
    with pytest.raises(NotInGroup, match=WHAT):
        any_group.decode_element(enc(any_group, shifted), WHAT)


@pytest.mark.parametrize("case", ["zero", "p", "p+1", "all-ones", "order-2r", "generator*(p-1)"])
def test_out_of_range_or_outside_subgroup_rejected(any_group: ModPGroup, case: str) -> None:
    p = int(any_group.p)
    g = int(any_group.generator().raw)
    x = {
        "zero": 0,
        "p": p,
        "p+1": p + 1,
        "all-ones": 2 ** (8 * any_group.element_size) - 1,
        "order-2r": p - odd_order_element(any_group),  # -x has order 2r
        "generator*(p-1)": g * (p - 1) % p,  # order 2q
    }[case]
    with pytest.raises(NotInGroup, match=WHAT):
        any_group.decode_element(enc(any_group, x), WHAT)


@pytest.mark.parametrize("length_delta", [-1, +1, -100])
def test_wrong_length_rejected(length_delta: int) -> None:
    n = GRP.element_size + length_delta
    data = (1).to_bytes(max(n, 0), "big") if n > 0 else b""
    with pytest.raises(EncodingError, match=WHAT):
        GRP.decode_element(data, WHAT)


def test_empty_and_padded_encodings_rejected() -> None:
    g = GRP.generator().to_bytes()
    with pytest.raises(EncodingError, match=WHAT):
        GRP.decode_element(b"", WHAT)
    with pytest.raises(EncodingError, match=WHAT):  # an extra leading zero is not canonical
        GRP.decode_element(b"\x00" + g, WHAT)


@pytest.mark.parametrize("value", ["00" * 64, 1, None, [0] * 64, memoryview(b"\x00" * 64)],
                         ids=["str", "int", "None", "list", "memoryview"])
def test_non_bytes_rejected(value: object) -> None:
    with pytest.raises(EncodingError, match=WHAT):
        GRP.decode_element(value, WHAT)  # type: ignore[arg-type]


def test_default_what_is_named() -> None:
    with pytest.raises(NotInGroup, match="element"):
        GRP.decode_element(enc(GRP, P - 1))


# ---- element decoding: acceptance -------------------------------------------------------------

def test_identity_is_a_valid_element(any_group: ModPGroup) -> None:
    one = any_group.decode_element(enc(any_group, 1), WHAT)
    assert any_group.is_identity(one)
    assert one == any_group.identity()
    assert one.to_bytes() == enc(any_group, 1)


def test_bytearray_of_right_length_accepted() -> None:
    g = GRP.generator()
    assert GRP.decode_element(bytearray(g.to_bytes())) == g  # type: ignore[arg-type]


@FAST
@given(e=elements(GRP))
def test_element_round_trip(e: Element) -> None:
    data = e.to_bytes()
    assert len(data) == GRP.element_size == GRP.encode_element(e).__len__()
    back = GRP.decode_element(data)
    assert back == e and back.to_bytes() == data and hash(back) == hash(e)
    assert GRP.element_from_int(int.from_bytes(data, "big")) == e


@settings(max_examples=200, deadline=None)
@given(x=st.integers(0, 2 ** (8 * GRP.element_size) - 1))
def test_membership_matches_definition(x: int) -> None:
    # differential: accepted exactly when 1 <= x < p and x^q = 1 (mod p)
    member = 1 <= x < P and pow(x, Q, P) == 1
    if member:
        assert int(GRP.decode_element(enc(GRP, x)).raw) == x
    else:
        with pytest.raises(NotInGroup):
            GRP.decode_element(enc(GRP, x))


@FAST
@given(y=st.integers(1, P - 1))
def test_every_projection_into_the_subgroup_is_accepted(y: int) -> None:
    x = pow(y, 2 * R, P)  # in the order-q subgroup (possibly 1)
    assert int(GRP.decode_element(enc(GRP, x)).raw) == x


def test_subgroup_check_false_still_checks_range_and_length() -> None:
    # decode_element(subgroup_check=False) is for Σ-proof commitments only: it skips x^q = 1
    # and nothing else
    for x in (0, P, P + 1, 2 ** (8 * GRP.element_size) - 1):
        with pytest.raises(NotInGroup, match=WHAT):
            GRP.decode_element(enc(GRP, x), WHAT, subgroup_check=False)
        with pytest.raises(NotInGroup, match=WHAT):
            GRP.element_from_int(x, WHAT, subgroup_check=False)
    with pytest.raises(EncodingError, match=WHAT):
        GRP.decode_element(enc(GRP, 2)[1:], WHAT, subgroup_check=False)
    with pytest.raises(EncodingError, match=WHAT):
        GRP.decode_element("02", WHAT, subgroup_check=False)  # type: ignore[arg-type]
    assert int(GRP.decode_element(enc(GRP, P - 1), subgroup_check=False).raw) == P - 1
    with pytest.raises(NotInGroup):  # and the check is on by default
        GRP.decode_element(enc(GRP, P - 1))


# ---- scalars ------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [Q, Q + 1, 2**256 - 1], ids=["q", "q+1", "2^256-1"])
def test_decode_scalar_rejects_values_not_below_q(value: int) -> None:
    with pytest.raises(OutOfRange, match=WHAT):
        GRP.decode_scalar(value.to_bytes(32, "big"), WHAT)


@pytest.mark.parametrize("data", [b"", b"\x00" * 31, b"\x00" * 33, "00" * 32, 5, None],
                         ids=["empty", "31", "33", "str", "int", "None"])
def test_decode_scalar_rejects_wrong_length_or_type(data: object) -> None:
    with pytest.raises(EncodingError, match=WHAT):
        GRP.decode_scalar(data, WHAT)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [0, 1, Q - 1])
def test_decode_scalar_accepts_range(value: int) -> None:
    data = value.to_bytes(GRP.scalar_size, "big")
    s = GRP.decode_scalar(data)
    assert s.value == value and s.to_bytes() == data == GRP.encode_scalar(s)
    assert GRP.decode_scalar(bytearray(data)) == s  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [-1, Q, 2**300])
def test_scalar_constructor_range_checked(value: int) -> None:
    with pytest.raises(OutOfRange):
        Scalar(GRP, value)
    with pytest.raises(OutOfRange):
        GRP.scalar(value)
    assert GRP.scalar_mod(value).value == value % Q


def test_scalar_out_of_range_message_stays_short() -> None:
    with pytest.raises(OutOfRange, match=r"\(300-bit value\)"):
        GRP.scalar(2**299 + 12345)


@FAST
@given(a=scalars(GRP), b=scalars(GRP), k=st.integers(-(2**300), 2**300))
def test_scalar_arithmetic(a: Scalar, b: Scalar, k: int) -> None:
    assert (a + b).value == (a.value + b.value) % Q
    assert (a - b).value == (a.value - b.value) % Q
    assert (a * b).value == (a.value * b.value) % Q
    assert (-a).value == (-a.value) % Q
    assert (a + k).value == (k + a).value == (a.value + k) % Q
    assert (a * k).value == (k * a).value == (a.value * k) % Q
    assert (a - k).value == (a.value - k) % Q
    assert (k - a).value == (k - a.value) % Q
    assert a + (-a) == GRP.scalar(0)
    if a.value:
        assert (a * a.inverse()).value == 1
    assert int(a) == a.value and [0, 1, 2][a.value % 3] == a.value % 3  # __int__, __index__
    for s in (a + b, a * b, -a, k - a):
        assert isinstance(s, Scalar) and 0 <= s.value < Q


def test_zero_has_no_inverse() -> None:
    with pytest.raises(OutOfRange):
        GRP.scalar(0).inverse()


def test_scalar_equality_hash_and_immutability() -> None:
    a, b = GRP.scalar(5), GRP.scalar(5)
    assert a == b and hash(a) == hash(b) and a != GRP.scalar(6)
    assert a != 5  # a Scalar is not an int
    with pytest.raises(AttributeError):
        a.value = 6
    assert a.value == 5


def test_scalars_of_groups_with_different_q_do_not_mix() -> None:
    other = _modp("pilwu-3072")
    assert other.q != Q
    with pytest.raises(OutOfRange):
        GRP.scalar(1) + other.scalar(1)
    assert GRP.scalar(1) != other.scalar(1)


# ---- random scalars (checklist A15, A16) --------------------------------------------------------

N_SAMPLES = 2000
SIGMAS = 6.5  # a false alarm is a < 1e-10 event: the tests are not flaky


def test_a15_random_scalars_in_range(any_group: ModPGroup) -> None:
    for _ in range(300):
        s = any_group.random_scalar()
        assert isinstance(s, SecretScalar)
        assert 0 <= s.value < any_group.q
        t = any_group.random_nonzero_scalar()
        assert isinstance(t, SecretScalar) and 1 <= t.value < any_group.q


def test_a16_random_scalar_distribution_on_the_real_group() -> None:
    values = [GRP.random_scalar().value for _ in range(N_SAMPLES)]
    assert all(0 <= v < Q for v in values)
    assert len(set(values)) == N_SAMPLES  # 256-bit values: a repeat would mean a broken RNG
    # mean of U[0, q): q/2, standard deviation of the sample mean q / sqrt(12 n)
    mean = sum(values) / N_SAMPLES
    assert abs(mean - Q / 2) < SIGMAS * Q / math.sqrt(12 * N_SAMPLES)
    # top bit (bit 255) is set with probability (q - 2^255)/q, about 0.458 for this q, not 1/2
    top = Q.bit_length() - 1
    p_top = (Q - 2**top) / Q
    count = sum(v >> top for v in values)
    assert abs(count - N_SAMPLES * p_top) < SIGMAS * math.sqrt(N_SAMPLES * p_top * (1 - p_top))
    # values below 2^256 - q are the ones that reduction mod q (without rejection) would
    # double: their frequency must be (2^256 - q)/q (~0.084), not 2(2^256 - q)/2^256 (~0.155)
    delta = 2 ** Q.bit_length() - Q
    p_low = delta / Q
    low = sum(v < delta for v in values)
    assert abs(low - N_SAMPLES * p_low) < SIGMAS * math.sqrt(N_SAMPLES * p_low * (1 - p_low))


@pytest.mark.parametrize("small_q", [5, 11, 17, 97])
def test_a16_random_scalar_uniform_on_a_small_modulus(small_q: int) -> None:
    # Group.random_scalar only reads self.q: run it on a stand-in with a tiny q, where reduction
    # mod q instead of rejection would make some residues twice as likely.
    fake: Any = types.SimpleNamespace(q=small_q, name=f"toy-{small_q}")
    n = 600 * small_q
    counts = [0] * small_q
    for _ in range(n):
        counts[Group.random_scalar(fake).value] += 1
    expect = n / small_q
    sigma = math.sqrt(n * (1 / small_q) * (1 - 1 / small_q))
    assert all(abs(c - expect) < SIGMAS * sigma for c in counts), counts


def test_a16_random_scalar_rejects_instead_of_reducing(monkeypatch: pytest.MonkeyPatch) -> None:
    draws: Iterator[int] = iter([Q, 2**256 - 1, Q + 5, 5])
    seen: list[int] = []

    def fake_randbits(k: int) -> int:
        seen.append(k)
        return next(draws)

    monkeypatch.setattr(secrets, "randbits", fake_randbits)
    assert GRP.random_scalar().value == 5  # not Q % Q = 0, nor (Q + 5) % Q = 5 on the 3rd draw
    assert seen == [256] * 4


def test_random_nonzero_scalar_skips_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter([0, 0, Q, 7])
    monkeypatch.setattr(secrets, "randbits", lambda k: next(draws))
    assert GRP.random_nonzero_scalar().value == 7


def test_secret_scalar_is_redacted() -> None:
    value = 0x1234567890ABCDEF1234567890ABCDEF
    s = SecretScalar(GRP, value)
    texts = [repr(s), str(s), f"{s}", f"{s!r}", repr([s]), repr({"key": s})]
    for t in texts:
        assert "redacted" in t
        for shown in (f"{value:x}", f"{value:X}", str(value)):
            assert shown not in t
    assert s.value == value and s == Scalar(GRP, value)
    assert hex(value) in repr(Scalar(GRP, value))  # public scalars do show their value


# ---- hash_to_group ------------------------------------------------------------------------------

@settings(max_examples=20, deadline=None)
@given(dst=st.binary(max_size=40), data=st.binary(max_size=200))
def test_hash_to_group_deterministic_and_in_subgroup(dst: bytes, data: bytes) -> None:
    h = GRP.hash_to_group(dst, data)
    assert h == GRP.hash_to_group(dst, data)
    assert not GRP.is_identity(h)
    assert GRP.decode_element(h.to_bytes()) == h  # passes the full membership check
    assert pow(int(h.raw), Q, P) == 1


def test_hash_to_group_separates_inputs(any_group: ModPGroup) -> None:
    inputs = [(b"PILWU-V1-generators", b"0"), (b"PILWU-V1-generators", b"1"), (b"PILWU-V1-other", b"0"),
              (b"ab", b"c"), (b"a", b"bc"), (b"", b"abc"), (b"abc", b""), (b"", b"")]
    outs = [any_group.hash_to_group(d, m) for d, m in inputs]
    assert len({o.to_bytes() for o in outs}) == len(inputs)
    assert all(not any_group.is_identity(o) and o != any_group.generator() for o in outs)


def test_hash_to_group_known_answer() -> None:
    # independent recomputation of the documented construction (modp.py): counter 0
    def lp(b: bytes) -> bytes:
        return len(b).to_bytes(4, "big") + b

    dst, data = b"PILWU-V1-generators", b"index 0"
    nbytes = GRP.element_size + 16
    prefix = lp(b"PILWU-V1-hash-to-group") + lp(dst) + lp(data) + (0).to_bytes(4, "big")
    stream = b"".join(hashlib.sha256(prefix + i.to_bytes(4, "big")).digest() for i in range(3))
    x = int.from_bytes(stream[:nbytes], "big") % P
    assert int(GRP.hash_to_group(dst, data).raw) == pow(x, (P - 1) // Q, P)


def test_hash_to_group_skips_the_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    # Force the counter-0 candidate to x = 1 (so x^cofactor = 1): the next counter must be used.
    def lp(b: bytes) -> bytes:
        return len(b).to_bytes(4, "big") + b

    real_sha256 = hashlib.sha256
    nbytes = GRP.element_size + 16
    # stream[:nbytes] = blocks 0, 1 and the first 16 bytes of block 2 (512-bit p): make it 1
    forced = {0: bytes(32), 1: bytes(32), 2: bytes(15) + b"\x01" + bytes(16)}
    assert nbytes == 80

    def fake_sha256(data: bytes = b"") -> object:
        counter, block = int.from_bytes(data[-8:-4], "big"), int.from_bytes(data[-4:], "big")
        if data.startswith(lp(b"PILWU-V1-hash-to-group")) and counter == 0:
            return types.SimpleNamespace(digest=lambda: forced[block])
        return real_sha256(data)

    monkeypatch.setattr(modp_module, "hashlib", types.SimpleNamespace(sha256=fake_sha256))
    dst, data = b"dst", b"data"
    h = GRP.hash_to_group(dst, data)
    prefix = lp(b"PILWU-V1-hash-to-group") + lp(dst) + lp(data) + (1).to_bytes(4, "big")
    stream = b"".join(real_sha256(prefix + i.to_bytes(4, "big")).digest() for i in range(3))
    x = int.from_bytes(stream[:nbytes], "big") % P
    assert not GRP.is_identity(h)
    assert int(h.raw) == pow(x, (P - 1) // Q, P)


# ---- Group API: accelerated paths agree with plain exponentiation -------------------------------

@FAST
@given(base=elements(GRP), k=st.integers(-(2**300), 2**300))
def test_fixed_base_and_exp_secret_agree_with_exp(base: Element, k: int) -> None:
    want = pow(int(base.raw), k % Q, P)
    assert int(GRP.exp(base, k).raw) == want
    assert int(GRP.fixed_base(base).pow(k).raw) == want
    if k % Q:  # exponent 0 mod q: see test_exp_secret_of_exponent_zero_mod_q_is_identity
        assert int(GRP.exp_secret(base, k).raw) == want
    assert int((base ** GRP.scalar_mod(k)).raw) == want
    assert GRP.exp_g(k) == GRP.exp(GRP.generator(), k)


@FAST
@given(s=scalars(GRP).filter(lambda s: s.value != 0))
def test_exp_secret_with_secret_scalar(s: Scalar) -> None:
    secret = SecretScalar(GRP, s.value)
    g = GRP.generator()
    assert GRP.exp_secret(g, secret) == GRP.exp(g, s) == GRP.exp_g(s)


@pytest.mark.parametrize("k", [0, Q, -Q, 5 * Q, GRP.scalar(0), SecretScalar(GRP, 0)],
                         ids=["0", "q", "-q", "5q", "Scalar-0", "SecretScalar-0"])
def test_exp_secret_of_exponent_zero_mod_q_is_identity(k: int | Scalar) -> None:
    for base in (GRP.generator(), GRP.identity(), GRP.hash_to_group(b"t", b"")):
        assert GRP.exp_secret(base, k) == GRP.identity() == GRP.exp(base, k)


@settings(max_examples=15, deadline=None)
@given(data=st.data(), n=st.sampled_from([0, 1, 2, 5, 32, 33, 40]))
def test_group_multi_exp_and_product(data: st.DataObject, n: int) -> None:
    bases = data.draw(st.lists(elements(GRP), min_size=n, max_size=n))
    exps: list[Scalar | int] = data.draw(st.lists(
        st.one_of(scalars(GRP), st.integers(-(2**260), 2**260)), min_size=n, max_size=n))
    want = 1
    for b, e in zip(bases, exps, strict=True):
        want = want * pow(int(b.raw), int(e) % Q, P) % P
    assert int(GRP.multi_exp(bases, exps).raw) == want
    prod = 1
    for b in bases:
        prod = prod * int(b.raw) % P
    assert int(GRP.product(bases).raw) == prod
    assert int(GRP.product(iter(bases)).raw) == prod


@FAST
@given(a=elements(GRP), b=elements(GRP))
def test_element_operators(a: Element, b: Element) -> None:
    assert int((a * b).raw) == int(a.raw) * int(b.raw) % P
    assert (a / b) * b == a
    assert a * a.inverse() == GRP.identity()
    assert a ** 0 == GRP.identity() and a ** Q == GRP.identity() and a ** (Q + 1) == a
    assert (a == b) == (a.to_bytes() == b.to_bytes())


def test_fixed_base_tables_are_cached() -> None:
    g = GRP.generator()
    assert GRP.fixed_base(g) is GRP.fixed_base(g)
    assert GRP.fixed_base(g).base == g


def test_pilwu_3072_api_agrees_with_powmod() -> None:
    grp = _modp("pilwu-3072")
    p, q = int(grp.p), grp.q
    rng = random.Random(1)
    bases = [grp.hash_to_group(b"test", bytes([i])) for i in range(3)]
    exps = [rng.randrange(q) for _ in bases]
    want = 1
    for b, e in zip(bases, exps, strict=True):
        want = want * pow(int(b.raw), e, p) % p
    assert int(grp.multi_exp(bases, exps).raw) == want
    assert int(grp.exp_g(exps[0]).raw) == pow(int(grp.generator().raw), exps[0], p)
    assert grp.exp_secret(bases[0], exps[0]) == grp.exp(bases[0], exps[0])


def test_elements_of_another_group_refused_by_check_element() -> None:
    other = _modp("pilwu-3072")
    with pytest.raises(NotInGroup, match=WHAT):
        GRP.check_element(other.generator(), WHAT)
    assert GRP.check_element(GRP.generator()) is GRP.generator()
    assert GRP.generator() != other.generator()


# ---- parameters: validate() and the constructor's checks ----------------------------------------

def test_validate_passes(any_group: ModPGroup) -> None:
    any_group.validate()


def test_constructor_rejects_g_of_wrong_order() -> None:
    g = int(GRP.generator().raw)
    for bad in (0, 1, P - 1, P, P + g, odd_order_element(GRP), g * (P - 1) % P):
        with pytest.raises(InvalidParameters, match="g is not of order q"):
            ModPGroup("tampered", P, Q, bad)


def test_constructor_rejects_q_not_dividing_p_minus_1() -> None:
    q2 = int(gmpy2.next_prime(Q))
    with pytest.raises(InvalidParameters, match="does not divide"):
        ModPGroup("tampered", P, q2, int(GRP.generator().raw))


def test_constructor_rejects_small_q() -> None:
    # q = 2 divides p - 1 and p - 1 has order 2: only the size condition fails
    with pytest.raises(InvalidParameters, match="2\\^128"):
        ModPGroup("tampered", P, 2, P - 1)
    with pytest.raises(InvalidParameters, match="2\\^128"):
        ModPGroup("tampered", Q, P, 2)  # q above p


def test_validate_rejects_composite_q() -> None:
    # q' = 2q divides p - 1 and g^(2q) = 1, so the constructor's cheap checks pass
    grp = ModPGroup("tampered", P, 2 * Q, int(GRP.generator().raw))
    with pytest.raises(InvalidParameters, match="q is not prime"):
        grp.validate()


def test_validate_rejects_composite_p() -> None:
    # p' = p^2: q | p'^2 - 1 and x^(p(p-1)/q) has order q modulo p^2
    p2 = P * P
    g2 = pow(2, P * (P - 1) // Q, p2)
    assert g2 != 1
    grp = ModPGroup("tampered", p2, Q, g2)
    with pytest.raises(InvalidParameters, match="p is not prime"):
        grp.validate()


def test_validate_rejects_composite_cofactor() -> None:
    # a prime p = 2 q m + 1 with m even (so (p - 1)/(2q) is composite), g of order q
    rng = random.Random(2026)
    while True:
        m = 2 * rng.getrandbits(254)
        p = 2 * Q * m + 1
        if gmpy2.is_prime(p, 32):
            break
    g = pow(2, (p - 1) // Q, p)
    assert g != 1
    grp = ModPGroup("tampered", p, Q, g)
    with pytest.raises(InvalidParameters, match="neither 1 nor prime"):
        grp.validate()
    with pytest.raises(InvalidParameters, match=r"\(p - 1\)/\(2q\)"):
        grp.validate()


def test_fixed_base_table_is_built_lazily_and_agrees() -> None:
    from pilwu_crypto.algebra.modp import FIXED_BASE_BUILD_AFTER, ModPFixedBase

    base = GRP.hash_to_group(b"lazy", b"base")
    fb = GRP.fixed_base(base)
    assert isinstance(fb, ModPFixedBase)
    for k in range(1, FIXED_BASE_BUILD_AFTER + 3):
        assert fb.pow(k * 7919) == GRP.exp(base, k * 7919)
    assert fb.is_built
    assert isinstance(GRP.fixed_base(GRP.generator()), ModPFixedBase)
    assert GRP.fixed_base(GRP.generator()).is_built  # type: ignore[attr-defined]
