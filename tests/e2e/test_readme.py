"""The README's library examples are executed, so they cannot rot (zksk runs its examples)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_has_examples() -> None:
    assert len(python_blocks()) >= 2


def test_readme_examples_run() -> None:
    for i, block in enumerate(python_blocks()):
        namespace: dict[str, object] = {"__name__": f"readme_example_{i}"}
        exec(compile(block, f"README.md example {i}", "exec"), namespace)
