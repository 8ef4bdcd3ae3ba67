"""Smoke test of the atheris harnesses in fuzz/ (run without atheris).

Each harness module is imported with ``atheris`` made unimportable, fed the seeds that
fuzz/make_seeds.py writes (from two small generated records and the Verificatum test data)
and random byte strings, and must let nothing out; a harness must also let a foreign
exception out (it is the crash atheris reports), not swallow it.
"""

from __future__ import annotations

import importlib
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

FUZZ_DIR = Path(__file__).resolve().parents[2] / "fuzz"
HARNESSES = {
    "fuzz_record_documents": "record_documents",
    "fuzz_ballot_lines": "ballot_lines",
    "fuzz_ceremony_messages": "ceremony_messages",
    "fuzz_bytetree": "bytetree",
    "fuzz_protinfo": "protinfo",
}
"""Harness module -> its corpus directory (make_seeds.py)."""


@pytest.fixture(scope="module")
def fuzz_path() -> Iterator[None]:
    """fuzz/ on sys.path and atheris unimportable, as on a machine without it."""
    saved_path, saved_atheris = list(sys.path), sys.modules.get("atheris")
    sys.path.insert(0, str(FUZZ_DIR))
    sys.modules["atheris"] = None  # type: ignore[assignment]  # import atheris -> ImportError
    try:
        yield
    finally:
        for name, module in list(sys.modules.items()):  # the harness modules: generic names
            if Path(getattr(module, "__file__", None) or "/").parent == FUZZ_DIR:
                del sys.modules[name]
        sys.path[:] = saved_path
        if saved_atheris is None:
            sys.modules.pop("atheris", None)
        else:
            sys.modules["atheris"] = saved_atheris


@pytest.fixture(scope="module")
def corpus(fuzz_path: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    make_seeds = importlib.import_module("make_seeds")
    out = tmp_path_factory.mktemp("corpus")
    assert make_seeds.main(["--out", str(out)]) == 0
    return out


def _harness(name: str) -> ModuleType:
    return importlib.import_module(name)


def test_atheris_is_not_importable_here(fuzz_path: None) -> None:
    with pytest.raises(ImportError):
        importlib.import_module("atheris")


@pytest.mark.parametrize("name", sorted(HARNESSES))
def test_harness_runs_seeds_and_random_bytes(corpus: Path, name: str) -> None:
    harness = _harness(name)
    seeds = sorted((corpus / HARNESSES[name]).iterdir())
    assert seeds, f"make_seeds.py wrote no seed for {name}"
    rng = random.Random(name)
    for seed in seeds:
        data = seed.read_bytes()
        harness.TestOneInput(data)
        mutated = bytearray(data)
        for _ in range(3):  # a few random byte flips of each seed
            if mutated:
                mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        harness.TestOneInput(bytes(mutated))
        harness.TestOneInput(data[:rng.randrange(len(data) + 1)])
    for _ in range(50):
        harness.TestOneInput(rng.randbytes(rng.randrange(200)))
    harness.TestOneInput(b"")


def test_make_seeds_covers_every_parser_family(corpus: Path) -> None:
    assert {p.parent.name for p in corpus.rglob("*") if p.is_file()} == set(HARNESSES.values())
    docs = "\n".join(p.read_text("utf-8") for p in (corpus / "record_documents").iterdir())
    for kind in ("parameters", "manifest", "ceremony", "ceremony-digests", "ceremony-reveals",
                 "ceremony-complaints", "context", "devices", "encrypted-tally", "tally-shares", "result",
                 "pilwu-record-index", "mix-servers", "mix-stage", "mix-decryption-share", "mix-result",
                 "election-setup"):
        assert f'"kind":"{kind}"' in docs, kind
    messages = "\n".join(p.read_text("utf-8") for p in (corpus / "ceremony_messages").iterdir())
    for kind in ("ceremony-share", "ceremony-acknowledgement", "ceremony-digests", "ceremony-reveals"):
        assert f'"kind":"{kind}"' in messages, kind
    ballots = "\n".join(p.read_text("utf-8") for p in (corpus / "ballot_lines").iterdir())
    assert '"status":"cast"' in ballots and '"status":"challenged"' in ballots and '"write_in"' in ballots


@pytest.mark.parametrize(("name", "target"), [
    ("fuzz_record_documents", "pilwu_crypto.record.codec.parse_json"),
    ("fuzz_ballot_lines", "pilwu_crypto.record.codec.parse_json"),
    ("fuzz_ceremony_messages", "pilwu_crypto.record.codec.parse_json"),
    ("fuzz_bytetree", "pilwu_crypto.interop.verificatum.bytetree.parse"),
    ("fuzz_protinfo", "pilwu_crypto.interop.verificatum.protinfo.ET.fromstring"),
])
def test_harness_lets_foreign_exceptions_out(fuzz_path: None, monkeypatch: pytest.MonkeyPatch, name: str,
                                             target: str) -> None:
    """A parser bug (here: an injected TypeError) must reach atheris, not be swallowed."""
    harness = _harness(name)

    def broken(*args: object, **kwargs: object) -> None:
        raise TypeError("injected")

    monkeypatch.setattr(target, broken)
    with pytest.raises(TypeError, match="injected"):
        harness.TestOneInput(b"<protocol/>" if name == "fuzz_protinfo" else b"{}")


def test_harness_main_without_atheris_exits_with_a_message(fuzz_path: None) -> None:
    common = importlib.import_module("pilwu_fuzz_common")
    with pytest.raises(SystemExit, match="pip install atheris"):
        common.main(lambda data: None)
