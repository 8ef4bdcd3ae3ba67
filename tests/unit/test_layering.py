"""The house rules, checked on the source: imports only run downwards, and the library
layers import nothing but the standard library, gmpy2 and pycryptodome.

Layer order (README.md, "Using the library"): errors < algebra < elgamal < proofs <
threshold < election < record < interop < verify < cli.  A module may import its own
layer or lower ones.  Nothing below ``record`` imports ``json`` or does file I/O.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "pilwu_crypto"

LAYERS = ["errors", "algebra", "elgamal", "proofs", "threshold", "election", "record", "interop",
          "verify", "bench", "cli"]
THIRD_PARTY_ALLOWED = {"gmpy2", "Crypto"}
CLI_EXTRA_ALLOWED = {"rich"}  # the one table/progress package the CLI may use


def layer_of(module: str) -> int:
    """Index of the layer of a dotted module name inside pilwu_crypto (package root = -1)."""
    parts = module.split(".")
    if len(parts) == 1:
        return -1
    head = parts[1]
    if head == "__main__":
        return LAYERS.index("cli")
    return LAYERS.index(head)


def modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(rel.parts)
        if name.endswith(".__init__"):
            name = name[: -len(".__init__")]
        out.append((name, path))
    return out


def imports_of(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def test_every_module_belongs_to_a_layer() -> None:
    for name, _ in modules():
        if name != "pilwu_crypto":
            layer_of(name)  # raises ValueError for an unknown top-level module


def test_imports_never_run_upwards() -> None:
    bad = []
    for name, path in modules():
        if name == "pilwu_crypto":
            continue
        mine = layer_of(name)
        for imp in imports_of(path):
            if imp.startswith("pilwu_crypto.") and layer_of(imp) > mine:
                bad.append(f"{name} imports {imp}")
    assert not bad, bad


def test_library_layers_import_only_allowed_packages() -> None:
    stdlib = set(sys.stdlib_module_names)
    bad = []
    for name, path in modules():
        is_cli = layer_of(name) == LAYERS.index("cli") if name != "pilwu_crypto" else False
        allowed = THIRD_PARTY_ALLOWED | (CLI_EXTRA_ALLOWED if is_cli else set())
        for imp in imports_of(path):
            top = imp.split(".")[0]
            if top in ("pilwu_crypto", "__future__") or top in stdlib:
                continue
            if top not in allowed:
                bad.append(f"{name} imports {imp}")
    assert not bad, bad


def test_no_json_or_file_io_below_record() -> None:
    record = LAYERS.index("record")
    bad = []
    for name, path in modules():
        if name == "pilwu_crypto" or layer_of(name) >= record:
            continue
        imps = imports_of(path)
        if "json" in imps:
            bad.append(f"{name} imports json")
        if "open(" in path.read_text(encoding="utf-8"):
            bad.append(f"{name} opens files")
    assert not bad, bad


def test_nothing_below_cli_prints() -> None:
    bad = []
    for name, path in modules():
        if name != "pilwu_crypto" and layer_of(name) == LAYERS.index("cli"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
                bad.append(f"{name}:{node.lineno}")
    assert not bad, bad
