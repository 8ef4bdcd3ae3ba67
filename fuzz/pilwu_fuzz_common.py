"""Shared pieces of the atheris harnesses in this directory (see README.md).

Importable without atheris: :func:`main` imports it only when a harness runs as a script.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from pilwu_crypto.algebra.group import Group
from pilwu_crypto.algebra.groups import get_group
from pilwu_crypto.errors import PilwuError

DEFAULT_GROUPS = "pilwu-test-512,P-256"
"""The groups of the seeds make_seeds.py generates; add pilwu-3072 for seeds from a demo record."""


def groups() -> tuple[Group, ...]:
    """The groups named in PILWU_FUZZ_GROUPS (comma-separated), test-only groups allowed."""
    names = os.environ.get("PILWU_FUZZ_GROUPS", DEFAULT_GROUPS)
    return tuple(get_group(name.strip(), allow_test=True) for name in names.split(",") if name.strip())


def only_pilwu_errors(parse: Callable[..., Any], *args: Any) -> bool:
    """Call ``parse(*args)``: True if it returned, False if it raised a PilwuError; any
    other exception propagates, which is the crash the fuzzer reports."""
    try:
        parse(*args)
    except PilwuError:
        return False
    return True


def main(test_one_input: Callable[[bytes], None]) -> None:
    """Run ``test_one_input`` under atheris (coverage-guided), with libFuzzer's arguments
    from the command line (corpus directories, -max_total_time=..., -dict=..., ...)."""
    try:
        import atheris  # type: ignore[import-untyped, import-not-found, unused-ignore]  # optional
    except ImportError:
        sys.exit("atheris is not installed: pip install atheris (see fuzz/README.md)")
    atheris.instrument_all()
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
