"""What is on disk under a record's root, examined without trusting it (docs/record-format.md §2).

Three different answers keep a verdict honest.  A listed path that does not exist is
*missing*; one that exists but is not a regular file (a directory, a FIFO, a device, a
dangling symbolic link) is *not a regular file*: both are faults of the record.  A
permission or I/O error is neither: the auditor's own copy cannot be read
(:class:`CopyUnreadable`), and nothing may be concluded about the record from it.

A path's type is checked with ``stat`` before it is opened, and it is opened with
``O_NONBLOCK`` and checked again with ``fstat``: a FIFO (even one swapped in between the
two) never makes the reader wait, and only a regular file is ever read.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from pilwu_crypto.errors import CopyUnreadable, MalformedRecord

MISSING = "missing"
"""The kind of a path that does not exist (:func:`file_kind`)."""

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def copy_unreadable(file: Path | str, exc: OSError) -> CopyUnreadable:
    """CopyUnreadable naming the local path and the operating system's reason."""
    reason = f"{type(exc).__name__}: {exc.strerror}" if exc.strerror else f"{type(exc).__name__}: {exc}"
    return CopyUnreadable(str(file), reason)


def kind_of(mode: int) -> str:
    """'' for a regular file, else what the entry is ("a FIFO", "a directory", ...)."""
    if stat.S_ISREG(mode):
        return ""
    return next((kind for test, kind in _KINDS if test(mode)), "an unknown kind of file")


def _kind_of_error(file: Path, exc: OSError) -> str:
    """The kind of a path whose stat or open failed: MISSING when nothing is there (a
    component that is not a directory included), a dangling or looping symbolic link;
    any other error (permission, I/O) is CopyUnreadable."""
    if isinstance(exc, (FileNotFoundError, NotADirectoryError)):
        return "a symbolic link to nothing" if os.path.islink(file) else MISSING
    if exc.errno == errno.ELOOP:
        return "a symbolic link loop"
    raise copy_unreadable(file, exc) from None


def file_kind(file: Path) -> str:
    """What ``file`` is, symbolic links followed, without opening it: '' for a regular
    file, MISSING, or what else it is (CopyUnreadable on a permission or I/O error)."""
    try:
        mode = os.stat(file).st_mode
    except OSError as exc:
        return _kind_of_error(file, exc)
    return kind_of(mode)


def not_regular(shown: str, kind: str) -> MalformedRecord:
    """The record's fault for a listed path ``shown`` of ``kind`` (not '')."""
    if kind == MISSING:
        return MalformedRecord(f"{shown}: missing (listed in index.json)")
    return MalformedRecord(f"{shown}: not a regular file ({kind})")


def open_regular(file: Path, shown: str) -> IO[bytes]:
    """``file`` opened for reading if it is a regular file; MalformedRecord naming ``shown``
    when it is missing or something else, CopyUnreadable on a permission or I/O error.
    O_NONBLOCK only matters for what is refused: a regular file reads as usual."""
    try:
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise not_regular(shown, _kind_of_error(file, exc)) from None
    try:
        kind = kind_of(os.fstat(fd).st_mode)
        if kind:
            raise not_regular(shown, kind)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _raise(exc: OSError) -> None:
    raise exc


def walk_files(root: Path) -> Iterator[str]:
    """Relative POSIX paths of every non-directory entry under root, sorted per directory
    (symbolic links listed, never followed); a directory that cannot be listed raises
    OSError instead of being passed over in silence."""
    for dirpath, dirnames, filenames in os.walk(root, onerror=_raise, followlinks=False):
        dirnames.sort()
        base = Path(dirpath).relative_to(root)
        for name in sorted(filenames + [d for d in dirnames if (Path(dirpath) / d).is_symlink()]):
            yield (base / name).as_posix()
