# 棚 tana — the two set-up commands are `make run` and `make test`; everything else is optional.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
FLASK := $(BIN)/flask --app app
HOST ?= 0.0.0.0
PORT ?= 8000
HTTPS_PORT ?= 8443
WORKERS ?= 3
PYTEST_ARGS ?=

.PHONY: run test install install-test i18n i18n-compile bench screenshots clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "tana needs Python 3.11 or newer: make PYTHON=python3.11 …"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PY) -m pip install --quiet -c constraints.txt -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet -c constraints.txt -e ".[test]"
	@touch $@

install: $(VENV)/.installed i18n-compile

install-test: $(VENV)/.installed-test i18n-compile

i18n-compile: $(VENV)/.installed
	@$(PY) scripts/i18n.py compile

## make run: install, migrate the embedded SQLite database, load the demo once, serve on the LAN (and deliver webhooks)
run: install
	$(FLASK) db upgrade
	$(FLASK) demo load
	$(PY) -m app.serve --host $(HOST) --port $(PORT) --https-port $(HTTPS_PORT) --workers $(WORKERS)

## make test: install with the test extras and run the whole suite (SQLite, PostgreSQL, Chromium)
test: install-test
	$(PY) -m pytest $(PYTEST_ARGS)

## make i18n: extract every UI string, merge into ja/en, fail on anything untranslated
i18n: $(VENV)/.installed
	$(PY) scripts/i18n.py update

bench: install-test
	$(PY) benchmarks/ledger.py

screenshots: install-test
	$(PY) -m pytest tests/browser --screenshots -q

clean:
	rm -rf $(VENV) .pytest_cache
