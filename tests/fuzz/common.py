"""Settings and the one property of the fuzz suite (see tests/fuzz/__init__.py)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis.control import _current_build_context
from hypothesis.control import event as _event

from pilwu_crypto.errors import PilwuError

EXHAUSTIVE = os.environ.get("PILWU_EXHAUSTIVE") == "1"
_SEED = os.environ.get("PILWU_FUZZ_SEED")
_OVERRIDE = os.environ.get("PILWU_FUZZ_EXAMPLES")

_WRAPPED = re.compile(r"\b(TypeError|ValueError|KeyError|IndexError|AttributeError|AssertionError|RecursionError|"
                      r"OverflowError|ZeroDivisionError|UnicodeEncodeError|UnicodeDecodeError|UnicodeError|"
                      r"MemoryError|NotImplementedError|ArithmeticError|LookupError|RuntimeError|"
                      r"StopIteration|SystemError): ")
"""A foreign exception caught by a reader's last-resort net (io._malformed, messages._describe
print it as "TypeError: ..."): the parser below let it escape, which is the bug."""

MAX_MESSAGE = 2000
"""Longest error message accepted: a parser names the field, it does not echo the input."""


def fuzz_settings(examples: int) -> settings:
    """Hypothesis settings for a fuzz test: ``examples`` by default (×50 with
    PILWU_EXHAUSTIVE=1, or PILWU_FUZZ_EXAMPLES), no deadline, no database, derandomized
    unless exhaustive or seeded, health checks about slow or filtered data off."""
    count = int(_OVERRIDE) if _OVERRIDE else examples * (50 if EXHAUSTIVE else 1)
    return settings(max_examples=count, deadline=None, database=None,
                    derandomize=not EXHAUSTIVE and _SEED is None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much, HealthCheck.large_base_example])


def seed_decorator() -> Callable[[Any], Any]:
    """``hypothesis.seed(PILWU_FUZZ_SEED)`` when that variable is set, else the identity."""
    if _SEED is None:
        return lambda f: f
    from hypothesis import seed
    return seed(int(_SEED))


def event(value: str) -> None:
    """hypothesis.event inside a Hypothesis test; nothing outside one (plain unit tests)."""
    if _current_build_context.value is not None:
        _event(value)


def only_pilwu_errors(parse: Callable[[Any], object], value: Any) -> bool:
    """Run ``parse(value)``: True if it parsed, False if it raised a PilwuError with a
    bounded, non-empty message that does not wrap a foreign exception; any other
    exception propagates (the property fails)."""
    try:
        parse(value)
    except PilwuError as exc:
        message = str(exc)
        assert message, f"{type(exc).__name__} without a message"
        assert len(message) <= MAX_MESSAGE, f"{len(message)}-character error message: {message[:200]}..."
        assert _WRAPPED.search(message) is None, f"a foreign exception reached the reader's safety net: {message}"
        event(f"rejected: {type(exc).__name__}")
        return False
    event("accepted")
    return True
