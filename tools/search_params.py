"""Search for a pilwu parameter set: the first (seed index, counter) that satisfies
the procedure of pilwu_crypto.algebra.paramgen (see docs/parameters.md).

    python tools/search_params.py LABEL L N [--workers W] [--start I]

Seeds are examined in order; results are consumed in order, so the reported success is
the one with the lowest seed index (and lowest counter within it), whatever the worker
count.  Prints one JSON line per success.  Takes minutes for L = 3072.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import gmpy2
from gmpy2 import mpz

from pilwu_crypto.algebra import paramgen

_SMALL_PRIMES_PRODUCT = mpz(1)
_pr = mpz(3)
while _pr < 50000:
    _SMALL_PRIMES_PRODUCT *= _pr
    _pr = gmpy2.next_prime(_pr)


def _search_seed(args: tuple[bytes, int, int, int]) -> tuple[int, int | None, int]:
    label, index, l_bits, n_bits = args
    seed = paramgen.seed_for_index(label, index)
    q = paramgen.derive_q(seed, n_bits)
    if not paramgen.is_probable_prime(q):
        return index, None, 0
    low = mpz(1) << (l_bits - 1)
    for counter in range(4 * l_bits):
        p = paramgen.derive_p_candidate(seed, q, l_bits, counter)
        if p < low:
            continue
        r = (p - 1) // (2 * q)
        if r % 2 == 0 or gmpy2.gcd(r, _SMALL_PRIMES_PRODUCT) != 1:
            continue
        if gmpy2.gcd(p, _SMALL_PRIMES_PRODUCT) != 1:
            continue
        if not gmpy2.is_strong_prp(p, 2) or not gmpy2.is_strong_prp(r, 2):
            continue
        if paramgen.is_probable_prime(p) and paramgen.is_probable_prime(r):
            return index, counter, 4 * l_bits
    return index, None, 4 * l_bits


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("label")
    ap.add_argument("l_bits", type=int)
    ap.add_argument("n_bits", type=int)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--start", type=int, default=0)
    a = ap.parse_args()
    label = a.label.encode()
    t0 = time.time()
    candidates = 0
    window = 4 * a.workers  # bounded look-ahead: Executor.map would drain an endless iterator
    with ProcessPoolExecutor(a.workers) as pool:
        start = a.start
        while True:
            jobs = [(label, i, a.l_bits, a.n_bits) for i in range(start, start + window)]
            for index, counter, tried in pool.map(_search_seed, jobs):
                candidates += tried
                if counter is not None:
                    d = paramgen.rederive(label, index, counter, a.l_bits, a.n_bits)
                    print(json.dumps({
                        "label": a.label, "seed_index": index, "counter": counter,
                        "seed": d.seed.hex(), "g_count": d.g_count,
                        "p": format(d.p, "x"), "q": format(d.q, "x"), "g": format(d.g, "x"),
                        "candidates_examined": candidates,
                        "seconds": round(time.time() - t0, 1),
                    }))
                    return 0
            start += window
            print(f"# seeds < {start}: {candidates} candidates, {time.time() - t0:.0f}s",
                  file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
