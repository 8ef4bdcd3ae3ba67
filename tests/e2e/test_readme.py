"""The README's library examples are executed, so they cannot rot (zksk runs its examples)."""

from __future__ import annotations

import re
from pathlib import Path

from pilwu_crypto.election.device import MIN_CODE_CHECK_DIGITS, code_prefix, format_code

README = Path(__file__).resolve().parents[2] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_has_examples() -> None:
    assert len(python_blocks()) >= 2


def test_readme_examples_run() -> None:
    for i, block in enumerate(python_blocks()):
        namespace: dict[str, object] = {"__name__": f"readme_example_{i}"}
        exec(compile(block, f"README.md example {i}", "exec"), namespace)


def test_readme_check_ballot_example_is_a_code_the_command_accepts() -> None:
    """The demo transcript's check-ballot line uses a code the command accepts (at least
    MIN_CODE_CHECK_DIGITS hex digits), grouped as the demo prints it."""
    found = re.findall(r"pilwu check-ballot pilwu-demo-record (\S+)$", README.read_text(encoding="utf-8"), flags=re.M)
    examples = [code for code in found if code != "CODE"]
    assert examples
    for code in examples:
        digits = code_prefix(code)
        assert len(digits) >= MIN_CODE_CHECK_DIGITS and code == format_code(digits, "-"), code
