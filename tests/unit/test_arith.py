"""Differential tests of the gmpy2 arithmetic core (pilwu_crypto.algebra.arith).

Every accelerated path (fixed-base tables, Straus, Pippenger, the multi_exp dispatcher,
product) is compared with the obvious reference: a product of independent
``gmpy2.powmod`` calls.  The 512-bit test group's p keeps this fast; one case per path
runs at the production size (pilwu-3072).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import gmpy2
import pytest
from gmpy2 import mpz
from hypothesis import given, settings
from hypothesis import strategies as st

from pilwu_crypto.algebra import arith
from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.algebra.modp import ModPGroup
from tests.strategies import exponents, residues

TEST_GROUP = get_group("pilwu-test-512", allow_test=True)
assert isinstance(TEST_GROUP, ModPGroup)
P = int(TEST_GROUP.p)
G = int(TEST_GROUP.generator().raw)
EXP_BITS = 256

FAST = settings(max_examples=60, deadline=None)


def naive(bases: Sequence[int], exps: Sequence[int], modulus: int) -> int:
    """prod bases[i]^exps[i] mod modulus, one powmod per base."""
    acc = mpz(1)
    for b, e in zip(bases, exps, strict=True):
        acc = acc * gmpy2.powmod(b, e, modulus) % modulus
    return int(acc % modulus)


def pairs(min_size: int, max_size: int, exp_bits: int = EXP_BITS) -> st.SearchStrategy[list[tuple[int, int]]]:
    """Lists of (base, exponent): bases in [0, p) (0 and 1 and p - 1 included), exponents < 2^exp_bits."""
    base = st.one_of(st.sampled_from([0, 1, P - 1]), residues(P))
    return st.lists(st.tuples(base, exponents(exp_bits)), min_size=min_size, max_size=max_size)


# ---- FixedBaseTable -----------------------------------------------------------------------

@pytest.fixture(scope="module", params=[1, 4, 8], ids=lambda w: f"w{w}")
def table(request: pytest.FixtureRequest) -> arith.FixedBaseTable:
    return arith.FixedBaseTable(mpz(G), mpz(P), EXP_BITS, window=request.param)


@FAST
@given(e=exponents(EXP_BITS))
def test_fixed_base_table_matches_powmod(table: arith.FixedBaseTable, e: int) -> None:
    assert table.pow(e) == gmpy2.powmod(G, e, P)


@pytest.mark.parametrize("e", [0, 1, 2, 2**EXP_BITS - 1, 2**(EXP_BITS - 1), TEST_GROUP.q - 1, TEST_GROUP.q])
def test_fixed_base_table_edge_exponents(table: arith.FixedBaseTable, e: int) -> None:
    assert table.pow(e) == gmpy2.powmod(G, e, P)


@pytest.mark.parametrize("e", [-1, -(2**EXP_BITS), 2**EXP_BITS, 2**EXP_BITS + 1, 2**(EXP_BITS + 64)])
def test_fixed_base_table_rejects_out_of_range_exponent(table: arith.FixedBaseTable, e: int) -> None:
    with pytest.raises(ValueError, match="out of the table's range"):
        table.pow(e)


@settings(max_examples=25, deadline=None)
@given(exp_bits=st.integers(1, 300), window=st.integers(1, 9), base=residues(P), data=st.data())
def test_fixed_base_table_any_width_and_window(
        exp_bits: int, window: int, base: int, data: st.DataObject) -> None:
    # widths that are not a multiple of the window leave a partial last row
    t = arith.FixedBaseTable(mpz(base), mpz(P), exp_bits, window)
    e = data.draw(exponents(exp_bits))
    assert t.pow(e) == gmpy2.powmod(base, e, P)
    with pytest.raises(ValueError):
        t.pow(1 << exp_bits)


def test_fixed_base_table_reduces_its_base() -> None:
    t = arith.FixedBaseTable(mpz(G + 3 * P), mpz(P), 64, 4)
    assert t.pow(12345) == gmpy2.powmod(G, 12345, P)
    assert t.pow(0) == 1


@pytest.mark.parametrize("window", [0, -1, 17])
def test_fixed_base_table_rejects_bad_window(window: int) -> None:
    with pytest.raises(ValueError, match="window"):
        arith.FixedBaseTable(mpz(G), mpz(P), EXP_BITS, window)


# ---- Straus and Pippenger -----------------------------------------------------------------

@FAST
@given(ps=pairs(1, 12, exp_bits=300))
def test_straus_matches_naive(ps: list[tuple[int, int]]) -> None:
    # exponents up to 300 bits exercise both of Straus's window widths (3 up to 160 bits, 4 above)
    bases, exps = [b for b, _ in ps], [e for _, e in ps]
    assert arith.straus([mpz(b) for b in bases], exps, mpz(P)) == naive(bases, exps, P)


@FAST
@given(ps=pairs(1, 40))
def test_pippenger_default_window_matches_naive(ps: list[tuple[int, int]]) -> None:
    bases, exps = [b for b, _ in ps], [e for _, e in ps]
    assert arith.pippenger([mpz(b) for b in bases], exps, mpz(P)) == naive(bases, exps, P)


@FAST
@given(ps=pairs(1, 20), c=st.integers(1, 9))
def test_pippenger_explicit_window_matches_naive(ps: list[tuple[int, int]], c: int) -> None:
    bases, exps = [b for b, _ in ps], [e for _, e in ps]
    assert arith.pippenger([mpz(b) for b in bases], exps, mpz(P), c=c) == naive(bases, exps, P)


@pytest.mark.parametrize("method", [arith.straus, arith.pippenger])
def test_all_zero_or_no_exponents_give_one(method: Callable[..., mpz]) -> None:
    assert method([], [], mpz(P)) == 1
    assert method([mpz(G), mpz(5)], [0, 0], mpz(P)) == 1


def test_pippenger_window_grows_with_n() -> None:
    assert arith.pippenger_window(1) == 2
    assert arith.pippenger_window(33) == 4
    assert arith.pippenger_window(1000) == 8
    ws = [arith.pippenger_window(n) for n in range(1, 5000)]
    assert ws == sorted(ws)


# ---- multi_exp dispatcher -----------------------------------------------------------------

@pytest.mark.parametrize("n", [0, 1, 2, 31, 32, 33, 100])
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_multi_exp_matches_naive(n: int, data: st.DataObject) -> None:
    ps = data.draw(pairs(n, n))
    bases, exps = [b for b, _ in ps], [e for _, e in ps]
    assert arith.multi_exp([mpz(b) for b in bases], exps, mpz(P)) == naive(bases, exps, P)


@pytest.mark.parametrize("n", [2, 31, 32, 33, 100])
def test_multi_exp_edge_exponents(n: int) -> None:
    rng = random.Random(n)
    bases = [rng.randrange(1, P) for _ in range(n)]
    for exps in ([0] * n, [1] * n, [2**EXP_BITS - 1] * n, [(0, 1, 2**EXP_BITS - 1)[i % 3] for i in range(n)]):
        assert arith.multi_exp([mpz(b) for b in bases], exps, mpz(P)) == naive(bases, exps, P)


@pytest.mark.parametrize(("n", "expected"),
                         [(2, "straus"), (32, "straus"), (33, "pippenger"), (100, "pippenger")])
def test_multi_exp_dispatch(monkeypatch: pytest.MonkeyPatch, n: int, expected: str) -> None:
    called: list[str] = []
    for name in ("straus", "pippenger"):
        real = getattr(arith, name)

        def spy(*args: object, _real: Callable[..., mpz] = real, _name: str = name, **kw: object) -> mpz:
            called.append(_name)
            return _real(*args, **kw)

        monkeypatch.setattr(arith, name, spy)
    arith.multi_exp([mpz(G)] * n, list(range(1, n + 1)), mpz(P))
    assert called == [expected]


def test_multi_exp_rejects_length_mismatch() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        arith.multi_exp([mpz(G), mpz(G)], [1], mpz(P))


# ---- product --------------------------------------------------------------------------------

@FAST
@given(values=st.lists(residues(P), max_size=50))
def test_product_matches_naive(values: list[int]) -> None:
    assert arith.product([mpz(v) for v in values], mpz(P)) == naive(values, [1] * len(values), P)


def test_product_of_nothing_is_one() -> None:
    assert arith.product([], mpz(P)) == 1
    assert arith.product(iter([mpz(P - 1), mpz(P - 1)]), mpz(P)) == 1


# ---- production size ------------------------------------------------------------------------

def test_pilwu_3072_all_paths() -> None:
    group = get_group("pilwu-3072")
    assert isinstance(group, ModPGroup)
    p, g, q = int(group.p), int(group.generator().raw), group.q
    rng = random.Random(3072)
    table = arith.FixedBaseTable(mpz(g), mpz(p), q.bit_length(), 8)
    for e in (0, 1, q - 1, 2**256 - 1, rng.getrandbits(256)):
        assert table.pow(e) == gmpy2.powmod(g, e, p)
    for n in (2, 33):
        bases = [rng.randrange(1, p) for _ in range(n)]
        exps = [rng.getrandbits(256) for _ in range(n)]
        want = naive(bases, exps, p)
        mb = [mpz(b) for b in bases]
        assert arith.multi_exp(mb, exps, mpz(p)) == want
        assert arith.straus(mb, exps, mpz(p)) == want
        assert arith.pippenger(mb, exps, mpz(p)) == want
        assert arith.pippenger(mb, exps, mpz(p), c=5) == want
        assert arith.product(mb, mpz(p)) == naive(bases, [1] * n, p)
