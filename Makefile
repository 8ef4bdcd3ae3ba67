# Quick start: `make demo` and `make test` set themselves up on a machine with python3 and make.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck bench clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,dask]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m pilwu_crypto demo --force

test: $(STAMP)
	$(PY) -m ruff check src tests benchmarks tools fuzz
	$(PY) -m mypy
	$(PY) -m pytest -q -p no:cacheprovider --benchmark-disable

bench: $(STAMP)
	$(PY) -m pytest benchmarks -q -p no:cacheprovider --benchmark-only --benchmark-columns=median,ops

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .hypothesis
