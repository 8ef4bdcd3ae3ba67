"""Where the verifier's ballot blocks run: this process, a local process pool, or Dask.

Every option gives a ``concurrent.futures.Executor`` to :func:`verify_record`, and the
report is identical whichever runs (tests/e2e/test_parallel_verify.py):

- ``workers == 1``: in this process, no pickling (the blocks are still batched);
- ``workers > 1``: a local ``ProcessPoolExecutor`` started with "spawn" (a fork would
  copy the progress bar's thread and the parent's tables; each worker builds its own
  tables once, verify/ballots.py);
- ``dask``: the Dask ``distributed`` client's executor — a scheduler address, or "local"
  for a ``LocalCluster`` of ``workers`` single-threaded worker processes.  It uses
  ``client.get_executor(pure=False)``: with Dask's default ``pure=True``, identical calls
  are deduplicated, which for anything randomised (the batch weights drawn in each call)
  would mean reused randomness.  Dask is an optional extra
  (``pip install pilwu-crypto[dask]``); without it :class:`MissingExtra` is raised.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from pilwu_crypto.errors import PilwuError
from pilwu_crypto.verify.ballots import INLINE


class MissingExtra(PilwuError):
    """An optional dependency the requested mode needs is not installed."""


def default_workers() -> int:
    """The number of CPUs this process may use (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _distributed() -> Any:
    try:
        return importlib.import_module("distributed")
    except ImportError:
        raise MissingExtra("--dask needs Dask distributed, the optional extra: "
                           "pip install 'pilwu-crypto[dask]'") from None


@contextmanager
def verification_executor(workers: int = 1, dask: str | None = None) -> Iterator[Executor]:
    """The executor for ``workers`` / ``dask`` (module doc), shut down on exit."""
    if dask is not None:
        distributed = _distributed()
        cluster = None
        if dask == "local":
            cluster = distributed.LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                                               dashboard_address=None)
            client = distributed.Client(cluster)
        else:
            client = distributed.Client(dask)
        try:
            yield client.get_executor(pure=False)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
        return
    if workers <= 1:
        yield INLINE
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool
