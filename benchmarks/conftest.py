"""pytest configuration of the benchmarks (pytest-benchmark), see README.md.

- Collects ``bench_*.py`` in this directory.  The project's ``testpaths = ["tests"]``
  keeps this directory (and so this conftest) out of a plain ``pytest`` / ``make test``;
  ``pytest benchmarks --benchmark-only`` collects it.
- ``pe_units`` (session scope): per group, the pe / mulmod reference measured once
  (21 interleaved repetitions of batches >= 50 ms), see pe_units.py.
- ``pe`` (per test): a :class:`pe_units.PeRunner` bound to the test's ``benchmark``;
  it re-samples the reference interleaved with the benchmark's rounds and stores
  ``extra_info["pe"]``, ``extra_info["pe_reference_us"]`` and the rest.
- Adds machine details and the CPU load of other processes to the JSON report.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from pe_units import LoadProbe, PeRunner, UnitCache

_SESSION_LOAD: list[LoadProbe] = []
_STARTED: list[str] = []


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Module | None:
    """Collect bench_*.py files of this directory as test modules (a file named on the
    command line is collected by pytest itself: not twice)."""
    if parent.session.isinitpath(file_path):
        return None
    if file_path.suffix == ".py" and file_path.name.startswith("bench_"):
        module: pytest.Module = pytest.Module.from_parent(parent, path=file_path)
        return module
    return None


@pytest.fixture(scope="session")
def pe_units() -> Iterator[UnitCache]:
    """Per-group pe / mulmod references, measured once per session on first use."""
    if not _SESSION_LOAD:
        _SESSION_LOAD.append(LoadProbe())
        _STARTED.append(dt.datetime.now().astimezone().isoformat(timespec="seconds"))
    yield UnitCache()


@pytest.fixture
def pe(benchmark: BenchmarkFixture, pe_units: UnitCache) -> PeRunner:
    """Run a benchmark with interleaved pe reference samples; stores ratios in extra_info."""
    return PeRunner(benchmark, pe_units)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_details() -> dict[str, Any]:
    """What RESULTS.md needs about the machine and the software."""
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model(),
        "python": sys.version.split()[0],
        "gmpy2": _version("gmpy2"),
        "pycryptodome": _version("pycryptodome"),
        "pytest_benchmark": _version("pytest-benchmark"),
        "platform": platform.platform(),
    }


def pytest_benchmark_update_json(config: pytest.Config, benchmarks: list[Any],
                                 output_json: dict[str, Any]) -> None:
    info = machine_details()
    if _SESSION_LOAD:
        info["other_cpu_load"] = _SESSION_LOAD[0].other_load()
        info["started"] = _STARTED[0]
    info["finished"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    info["loadavg_end"] = os.getloadavg()
    info["command"] = " ".join(["pytest", *config.invocation_params.args])
    output_json["pilwu"] = info
