# Quick start: `make run` (serve on http://127.0.0.1:8000) and `make test`. Both set themselves up:
# a virtual environment in .venv, the project installed into it, the database migrated and seeded.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint format typecheck seed migrate clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found %s); set PYTHON=python3.11" % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(STAMP)

run: install
	$(BIN)/python -m app serve

migrate: install
	$(BIN)/python -m app migrate

seed: install
	$(BIN)/python -m app seed

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint typecheck
	$(BIN)/python -m pytest -n auto

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache .mypy_cache
