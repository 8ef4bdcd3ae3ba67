"""Plumbing shared by the multi-step command groups (``pilwu trustee …``, ``pilwu mix …``):
the two refusal kinds, one-line error output and literal printing."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pilwu_crypto.cli import render
from pilwu_crypto.errors import MalformedRecord, PilwuError, RecordUnreadable
from pilwu_crypto.record.codec import parse_json

_T = TypeVar("_T")

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2


class Refused(Exception):
    """The step cannot be done: a message is missing or does not check out (exit 1)."""


class Misuse(Exception):
    """The command was misused: bad arguments, wrong order, existing file (exit 2)."""


MIN_FINGERPRINT_DIGITS = 16
"""Fewest hex digits of a fingerprint a person may give (64 bits: docs/threat-model.md)."""


def hex_prefix(value: str, what: str, minimum: int = MIN_FINGERPRINT_DIGITS, maximum: int = 64) -> str:
    """``value`` as lowercase hex digits, as people copy a printed fingerprint: groups
    separated by spaces or dashes, any case.  Misuse naming ``what`` unless it holds
    ``minimum`` to ``maximum`` hex digits and nothing else."""
    digits = "".join(value.split()).replace("-", "").lower()
    if not minimum <= len(digits) <= maximum or any(ch not in "0123456789abcdef" for ch in digits):
        raise Misuse(f"{what} must be {minimum} to {maximum} hexadecimal digits (spaces and dashes between "
                     "groups are allowed)")
    return digits


def read_input_document(path: Path, limit: int, what: str, decode: Callable[[Any], _T], missing: str = "file") -> _T:
    """A JSON document a party handed over (a share file, a registration): Misuse when it
    cannot be read at all ("no such ``missing``"), MalformedRecord ``path: reason`` when it
    is larger than ``limit`` bytes (``what`` names the kind of document) or does not decode."""
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except FileNotFoundError:
        raise Misuse(f"{path}: no such {missing}") from None
    except OSError as exc:
        raise Misuse(f"{path}: cannot be read ({exc.strerror or 'error'})") from None
    if len(data) > limit:
        raise MalformedRecord(f"{path}: larger than the {limit}-byte limit of a {what} document")
    try:
        return decode(parse_json(data))
    except PilwuError as exc:
        raise MalformedRecord(f"{path}: {exc}") from None


def keygen_options(p: argparse.ArgumentParser, who: str) -> None:
    """The options of a ``keygen`` step (a device's or a mix server's signing key)."""
    p.add_argument("--id", required=True, help=f"this {who}'s id")
    p.add_argument("--key", required=True, metavar="KEYFILE", help="the private key file to create (mode 0600)")
    p.add_argument("--registration", required=True, metavar="REG.json", help="the public registration to write")
    p.add_argument("--force", action="store_true", help="replace existing files (a new key)")
    p.add_argument("--passphrase-file", metavar="PATH",
                   help="read the passphrase from the first line of PATH (else $PILWU_PASSPHRASE, else a prompt)")


def say(text: str = "") -> None:
    """One line on stdout (literal, control characters escaped: cli/render.py)."""
    render.out.print(text)


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def step_command(group: str, step: str,
                 func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Run ``pilwu <group> <step>``, turning every expected failure into one line and an
    exit code: 2 for misuse or an unreadable record, 1 for a refusal or a failed check."""

    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except Misuse as exc:
            return _error(group, step, str(exc), EXIT_USAGE)
        except RecordUnreadable as exc:
            return _error(group, step, f"cannot read: {exc}", EXIT_USAGE)
        except (Refused, PilwuError) as exc:
            return _error(group, step, str(exc), EXIT_REFUSED)

    return run


def _error(group: str, step: str, message: str, code: int) -> int:
    render.err.print(f"pilwu {group} {step}: {one_line(message)}")
    return code
