"""Work units for the benchmarks: "pe" and "mulmod", measured in the same run.

The machine is shared and noisy (±20–40 % on absolute times, docs/performance.md),
so every benchmark is reported as a ratio to the cost of one raw
exponentiation in the same group, measured in the same process at the same time:

- **pe**: one ``gmpy2.powmod(x, e, p)`` with x a random element of the order-q subgroup
  and e a random 256-bit exponent below q (uniform in [2^255, q)); on an elliptic curve,
  one scalar multiplication ``P * k`` of a random point by such a scalar, through
  pycryptodome's *public-scalar* path (``Integer(k, public=True)``: unblinded, variable
  time — the analogue of gmpy2.powmod, and what ``Group.exp`` uses).  Multiplying by a
  plain ``int`` takes pycryptodome's blinded path for secrets (~1.7x slower); that is
  what ``Group.exp_secret`` does and it is benchmarked as such, not used as the unit.
- **mulmod**: one raw group operation, ``a * b % p`` on mpz, or ``P + Q`` on points.

How drift is resisted (the design choice the README explains):

1. A *session* reference per group (:func:`measure_session`): 21 repetitions, each a
   batch of pe operations calibrated to >= 50 ms followed by a batch of mulmods
   calibrated the same way (interleaved), median per operation.  It is reported as
   ``pe_reference_session_us`` and used to size the per-benchmark sampling.
2. The reference that divides each benchmark is sampled *interleaved with it*: before
   every timed round pytest-benchmark calls our ``setup`` hook, which times 1–8 single
   raw exponentiations (and, where asked, one batch of mulmods).  So the reference
   samples and the benchmark rounds alternate at the round's time scale (µs to 0.2 s)
   and a load change hits both.  ``pe = median(round time / ops per round) /
   median(interleaved reference samples)``.  The median of per-round paired ratios is
   stored as ``pe_paired`` (a second estimator; the two agree unless the load changed
   within the benchmark), and the ratio to the session reference as ``pe_vs_session``.
   Timing a single powmod with perf_counter costs < 0.1 µs, negligible at 130–1300 µs.
3. A raw powmod right before a table-based operation slows that operation by ~12 %
   (measured: fixed-base g^k at pilwu-3072, 82 µs after g^k, 92 µs after a powmod — GMP's
   scratch memory evicts cached table rows), while the powmod itself is not measurably
   affected by what ran before it.  So for calls up to REWARM_MAX_S the setup hook, after
   the reference samples, makes one *untimed* call of the benchmarked function on other
   inputs: the timed call then runs in the steady state of a loop of such calls, as in
   real use (a device encrypting option after option).  Longer calls amortise the
   perturbation and skip this.
"""

from __future__ import annotations

import math
import os
import secrets
import statistics
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import gmpy2
from gmpy2 import mpz
from pytest_benchmark.fixture import BenchmarkFixture

from pilwu_crypto.algebra.group import Group
from pilwu_crypto.algebra.modp import ModPGroup

SESSION_REPS = 21
"""Repetitions of the session reference (median taken)."""
SESSION_BATCH_S = 0.050
"""Each session repetition times a batch calibrated to at least this long."""
MULMOD_SAMPLE = 64
"""Raw group operations per interleaved mulmod sample."""
POOL = 64
"""Distinct (base, exponent) pairs cycled through by the reference."""
MAX_REF_PER_ROUND = 8
"""Interleaved single-pe samples taken before a round, at most (one per pe of the round)."""

REWARM_MAX_S = 0.020
"""Calls up to this long get one untimed call on other inputs between the reference samples
and the timed call (see the module docstring); longer calls amortise the perturbation."""

BUDGET_S = float(os.environ.get("PILWU_BENCH_BUDGET_S", "1.0"))
"""Wall time aimed at per benchmark (timed rounds plus interleaved reference samples)."""

Args = tuple[tuple[Any, ...], dict[str, Any]]


def _exponents(q: int, n: int) -> list[int]:
    """n random exponents of exactly bits(q) bits below q (uniform in [2^(bits-1), q))."""
    lo = 1 << (q.bit_length() - 1)
    return [lo + secrets.randbelow(q - lo) for _ in range(n)]


class Reference(ABC):
    """Raw operations of one group that define its pe and mulmod units."""

    group: Group
    kind: str
    """What one pe is, in words (stored with each result)."""
    _next: int = 0

    @abstractmethod
    def pe_args(self, i: int) -> tuple[Any, Any]:
        """The i-th (base, exponent) pair of the pool, in the backend's raw types."""

    @abstractmethod
    def pe_op(self, base: Any, exponent: Any) -> Any:
        """One raw exponentiation (the unit itself)."""

    @abstractmethod
    def pe_batch(self, n: int) -> float:
        """Seconds per raw exponentiation over a batch of n (tight loop)."""

    @abstractmethod
    def mulmod_batch(self, rounds: int) -> float:
        """Seconds per raw group operation over rounds * MULMOD_SAMPLE operations."""

    @abstractmethod
    def mulmod_pairs(self) -> list[tuple[Any, Any]]:
        """MULMOD_SAMPLE pairs of raw operands for a batch of raw group operations."""

    @abstractmethod
    def mulmod_op(self, a: Any, b: Any) -> Any:
        """One raw group operation."""

    def time_pe(self) -> float:
        """One raw exponentiation timed on its own (inputs cycled through the pool)."""
        self._next = (self._next + 1) % POOL
        base, exponent = self.pe_args(self._next)
        op = self.pe_op
        t0 = time.perf_counter()
        op(base, exponent)
        return time.perf_counter() - t0


class ModPReference(Reference):
    """pe = gmpy2.powmod(x, e, p), x in the order-q subgroup, e 256-bit below q."""

    def __init__(self, group: ModPGroup) -> None:
        self.group = group
        self.kind = "gmpy2.powmod(x in subgroup, 256-bit e < q, p)"
        p = group.p
        g = group.generator().raw
        self._p = p
        self._bases = [gmpy2.powmod(g, 1 + secrets.randbelow(group.q - 1), p) for _ in range(POOL)]
        self._exps = [mpz(e) for e in _exponents(group.q, POOL)]
        self._pairs = [(self._bases[i], self._bases[(i + 1) % POOL]) for i in range(MULMOD_SAMPLE)]

    def pe_args(self, i: int) -> tuple[Any, Any]:
        return self._bases[i], self._exps[i]

    def pe_op(self, base: Any, exponent: Any) -> Any:
        return gmpy2.powmod(base, exponent, self._p)

    def pe_batch(self, n: int) -> float:
        bases, exps, p, powmod = self._bases, self._exps, self._p, gmpy2.powmod
        t0 = time.perf_counter()
        for i in range(n):
            powmod(bases[i % POOL], exps[i % POOL], p)
        return (time.perf_counter() - t0) / n

    def mulmod_pairs(self) -> list[tuple[Any, Any]]:
        return self._pairs

    def mulmod_op(self, a: Any, b: Any) -> Any:
        return a * b % self._p

    def mulmod_batch(self, rounds: int) -> float:
        pairs, p = self._pairs, self._p
        t0 = time.perf_counter()
        for _ in range(rounds):
            for a, b in pairs:
                a * b % p
        return (time.perf_counter() - t0) / (rounds * len(pairs))


class ECReference(Reference):
    """pe = P * k for a random point P and a public 256-bit scalar k (pycryptodome)."""

    def __init__(self, group: Group) -> None:
        from Crypto.Math.Numbers import Integer

        self.group = group
        self.kind = "pycryptodome EccPoint * Integer(k, public=True), random point, 256-bit k < n"
        try:
            Integer(1, public=True)  # pycryptodome >= 4 only
            scalars: list[Any] = [Integer(k, public=True) for k in _exponents(group.q, POOL)]
        except TypeError:  # pycryptodome 3.x has no public flag: plain ints
            self.kind = "pycryptodome EccPoint * int (3.x: no public-scalar path)"
            scalars = list(_exponents(group.q, POOL))
        self._points = [group.exp_g(1 + secrets.randbelow(group.q - 1)).raw for _ in range(POOL)]
        self._scalars = scalars
        self._pairs = [(self._points[i], self._points[(i + 1) % POOL]) for i in range(MULMOD_SAMPLE)]

    def pe_args(self, i: int) -> tuple[Any, Any]:
        return self._points[i], self._scalars[i]

    def pe_op(self, base: Any, exponent: Any) -> Any:
        return base * exponent

    def pe_batch(self, n: int) -> float:
        points, scalars = self._points, self._scalars
        t0 = time.perf_counter()
        for i in range(n):
            points[i % POOL] * scalars[i % POOL]
        return (time.perf_counter() - t0) / n

    def mulmod_pairs(self) -> list[tuple[Any, Any]]:
        return self._pairs

    def mulmod_op(self, a: Any, b: Any) -> Any:
        return a + b

    def mulmod_batch(self, rounds: int) -> float:
        pairs = self._pairs
        t0 = time.perf_counter()
        for _ in range(rounds):
            for a, b in pairs:
                a + b
        return (time.perf_counter() - t0) / (rounds * len(pairs))


def make_reference(group: Group) -> Reference:
    if isinstance(group, ModPGroup):
        return ModPReference(group)
    from pilwu_crypto.algebra.ec import ECGroup

    if isinstance(group, ECGroup):
        return ECReference(group)
    raise TypeError(f"no pe reference for {group!r}")


def _calibrate(batch: Callable[[int], float], target_s: float) -> int:
    """Batch size n whose batch lasts at least target_s; batch(n) returns seconds per unit of n."""
    n = 1
    while True:
        per_unit = batch(n)
        if per_unit * n >= target_s / 5:
            return max(n, math.ceil(target_s / per_unit))
        n *= 2


@dataclass(frozen=True)
class SessionFigures:
    """Session reference of one group: medians per operation, in seconds."""

    pe_s: float
    mulmod_s: float
    pe_samples: tuple[float, ...]
    mulmod_samples: tuple[float, ...]

    @property
    def pe_spread(self) -> float:
        """(max - min) / median of the session pe repetitions."""
        return (max(self.pe_samples) - min(self.pe_samples)) / self.pe_s


def measure_session(ref: Reference) -> SessionFigures:
    """SESSION_REPS repetitions of (pe batch, mulmod batch), each >= SESSION_BATCH_S."""
    ref.pe_batch(3)  # warm-up
    n_pe = _calibrate(ref.pe_batch, SESSION_BATCH_S)
    n_mm = _calibrate(lambda rounds: ref.mulmod_batch(rounds) * MULMOD_SAMPLE, SESSION_BATCH_S)
    pe, mm = [], []
    for _ in range(SESSION_REPS):
        pe.append(ref.pe_batch(n_pe))
        mm.append(ref.mulmod_batch(n_mm))
    return SessionFigures(statistics.median(pe), statistics.median(mm), tuple(pe), tuple(mm))


@dataclass
class GroupUnits:
    """A group's reference operations and its session figures."""

    ref: Reference
    session: SessionFigures


class UnitCache:
    """Per-group GroupUnits, measured on first use and kept for the session."""

    def __init__(self) -> None:
        self._units: dict[str, GroupUnits] = {}

    def get(self, group: Group) -> GroupUnits:
        units = self._units.get(group.name)
        if units is None:
            ref = make_reference(group)
            units = GroupUnits(ref, measure_session(ref))
            self._units[group.name] = units
        return units


# ---- load on the machine ---------------------------------------------------------------


def _cpu_jiffies() -> tuple[int, int] | None:
    """(busy, total) jiffies of all CPUs from /proc/stat, or None off Linux."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


@dataclass
class LoadProbe:
    """CPU used by *other* processes while a measurement ran, as a fraction of all CPUs.

    (busy jiffies of the machine - CPU seconds of this process) / (wall * nproc).  On
    this 2-vCPU machine a benchmark alone shows ~0.0 (it uses one CPU of two).
    """

    t0: float = field(default_factory=time.perf_counter)
    cpu0: float = field(default_factory=time.process_time)
    jiffies0: tuple[int, int] | None = field(default_factory=_cpu_jiffies)

    def other_load(self) -> float | None:
        j1 = _cpu_jiffies()
        if j1 is None or self.jiffies0 is None:
            return None
        busy, total = j1[0] - self.jiffies0[0], j1[1] - self.jiffies0[1]
        if total <= 0:
            return None
        hz = os.sysconf("SC_CLK_TCK")
        own = (time.process_time() - self.cpu0) * hz
        return max(0.0, (busy - own) / total)


# ---- running one benchmark -----------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What a benchmark stored (also in benchmark.extra_info)."""

    median_s: float
    pe: float
    pe_reference_s: float


class PeRunner:
    """Runs one benchmark with interleaved reference samples and stores ratios.

    ``fn(*args)`` is one call; it performs ``per`` operations of the unit named ``unit``
    (e.g. 1000 bases of a multi-exponentiation: per = 1000, unit = "base"); times and
    ratios are reported per such operation.
    """

    def __init__(self, benchmark: BenchmarkFixture, units: UnitCache) -> None:
        self.benchmark = benchmark
        self.units = units

    def run(self, group: Group, label: str, fn: Callable[..., object], *,
            setup: Callable[[], Args] | None = None, per: int = 1, unit: str = "op",
            target_pe: float | None = None, peer: str = "", mulmods: bool = False,
            min_rounds: int = 5, max_rounds: int = 3000, budget_s: float = BUDGET_S) -> Outcome | None:
        bench = self.benchmark
        if bench.disabled:  # --benchmark-disable: a smoke run (one call), nothing measured
            bench.pedantic(fn, setup=setup)  # type: ignore[no-untyped-call]
            return None
        gu = self.units.get(group)
        ref, session = gu.ref, gu.session

        # Warm up (fills lazily built tables and caches) and estimate one call's time.
        est: list[float] = []
        warm_until = time.perf_counter() + min(0.2, budget_s / 5)
        while len(est) < 2 or (len(est) < 50 and time.perf_counter() < warm_until):
            args, kwargs = setup() if setup is not None else ((), {})
            t0 = time.perf_counter()
            fn(*args, **kwargs)
            est.append(time.perf_counter() - t0)
        t_call = min(est)
        k_ref = min(MAX_REF_PER_ROUND, max(1, round(t_call / session.pe_s)))
        t_round = (t_call * (2 if t_call <= REWARM_MAX_S else 1) + k_ref * session.pe_s
                   + (MULMOD_SAMPLE * session.mulmod_s if mulmods else 0.0))
        rounds = max(min_rounds, min(max_rounds, int(budget_s / t_round)))

        ref_rounds: list[list[float]] = []
        mm_rounds: list[float] = []

        rewarm = t_call <= REWARM_MAX_S

        def interleaved_setup() -> Args | None:
            ref_rounds.append([ref.time_pe() for _ in range(k_ref)])
            if mulmods:
                mm_rounds.append(ref.mulmod_batch(1))
            if rewarm:  # one untimed call on other inputs: the timed one runs in steady state
                wargs, wkwargs = setup() if setup is not None else ((), {})
                fn(*wargs, **wkwargs)
            return setup() if setup is not None else None

        load = LoadProbe()
        bench.pedantic(fn, setup=interleaved_setup, rounds=rounds,  # type: ignore[no-untyped-call]
                       warmup_rounds=1, iterations=1)
        other_load = load.other_load()

        if bench.stats is None:
            raise RuntimeError("pytest-benchmark recorded no statistics")
        data = list(bench.stats.stats.data)
        # setup ran once for the warm-up round, then once per timed round (in order)
        refs = ref_rounds[1:1 + len(data)]
        ref_samples = [x for r in refs for x in r]
        ref_s = statistics.median(ref_samples)
        med = statistics.median(data) / per
        pe = med / ref_s
        pe_paired = statistics.median(d / per / statistics.median(r) for d, r in zip(data, refs, strict=True))
        info: dict[str, Any] = {
            "bench": label,
            "group": group.name,
            "unit": unit,
            "per": per,
            "median_us": med * 1e6,
            "pe": pe,
            "pe_paired": pe_paired,
            "pe_vs_session": med / session.pe_s,
            "pe_reference_us": ref_s * 1e6,
            "pe_reference_session_us": session.pe_s * 1e6,
            "pe_reference_samples": len(ref_samples),
            "pe_reference_iqr_rel": _iqr(ref_samples) / ref_s,
            "pe_kind": ref.kind,
            "rounds": len(data),
            "other_cpu_load": other_load,
        }
        if mulmods:
            mm_s = statistics.median(mm_rounds[1:1 + len(data)])
            info["mulmods"] = med / mm_s
            info["mulmod_reference_us"] = mm_s * 1e6
        if target_pe is not None:
            info["target_pe"] = target_pe
        if peer:
            info["peer"] = peer
        bench.extra_info.update(info)
        return Outcome(med, pe, ref_s)


def _iqr(xs: Sequence[float]) -> float:
    if len(xs) < 4:
        return max(xs) - min(xs)
    q = statistics.quantiles(xs, n=4)
    return q[2] - q[0]
