"""Characters of record text that must never reach a terminal raw, and how they are shown.

Names, ids and failure messages come from a record its publisher wrote.  A control
character in them can drive the terminal (ESC [2J clears the screen, ESC ] 0;… BEL
retitles the window, CR rewrites the line), and a bidirectional control reorders what
is shown (U+202E displays "abc" as "cba"): either could hide or fake what the verifier
prints.  So manifest names refuse them (election/manifest.py) and the command line
prints every string through :func:`visible` (cli/render.py), which shows each one as an
escape instead.  Write-in names are shown escaped but never refused: a voter could
otherwise block the mixed result.

The unsafe characters: every C0 and C1 control and DEL (U+0000–U+001F, U+007F–U+009F,
newline and tab included), the bidirectional controls (U+061C, U+200E, U+200F,
U+202A–U+202E, U+2066–U+2069) and the line and paragraph separators (U+2028, U+2029).
"""

from __future__ import annotations

import re

UNSAFE_PATTERN = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")
"""One unsafe character (see the module docstring; U+2028–U+202E are the two separators
followed by the five bidirectional embeddings and overrides)."""


def escape_character(ch: str) -> str:
    """The escape shown for one character: ``\\x1b`` up to U+00FF, ``\\u202e`` above."""
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every unsafe character replaced by its escape; everything else,
    backslashes and brackets included, unchanged (so applying it twice changes nothing)."""
    return UNSAFE_PATTERN.sub(lambda m: escape_character(m.group()), text)


def first_unsafe(text: str) -> int | None:
    """Index of the first unsafe character of ``text``, or None when it has none."""
    found = UNSAFE_PATTERN.search(text)
    return None if found is None else found.start()


__all__ = ["UNSAFE_PATTERN", "escape_character", "first_unsafe", "visible"]
