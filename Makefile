# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint typecheck check migrate clean

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml changes, so a second `make run` starts at once.
$(VENV)/.installed-run: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@ $(VENV)/.installed-run

# SEED_DEMO=1 make run: fill in demo data first (skipped when it is already there).
run: $(VENV)/.installed-run
	@if [ "$(SEED_DEMO)" = 1 ]; then $(BIN)/bookwell seed-demo; fi
	$(BIN)/bookwell serve

migrate: $(VENV)/.installed-run
	$(BIN)/bookwell migrate

test: $(VENV)/.installed-dev
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/ruff format --check src tests $(wildcard bench)

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

check: lint typecheck test

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
