# ShopDB developer commands. On a fresh machine you need Python 3.11+, git and make.
#   make run   - set up, migrate, seed a demo site, create an admin, serve on :5000
#   make test  - set up with test tools and run the whole suite (SQLite)
#   make test-db SHOPDB_TEST_DATABASE_URL=...  - run the database tests on a server
#   make schemathesis - generated requests against a served site, stateful, every check
#   make vendor - fetch the web UI's pinned front-end files from npm (shopdb/web/vendor.py)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check
PYTEST_WORKERS ?= 2
HOST ?= 127.0.0.1
PORT ?= 5000
# The bundled plugins `make run` installs for the demo site.
PLUGINS ?= computers equipment network notifications applications knowledgebase measuringtools printers usb

.PHONY: run setup test test-db lint format constraints clean schemathesis vendor

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install --quiet -c constraints.txt -e ".[test]"
	touch $@

setup: $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/shopdb db upgrade
	$(BIN)/shopdb seed
	$(BIN)/shopdb plugin install $(PLUGINS)
	$(BIN)/shopdb seed --demo
	$(BIN)/shopdb user create admin --role admin --generate-password --exists-ok
	$(BIN)/shopdb run --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS)

test-db: $(VENV)/.installed-test
	@test -n "$(SHOPDB_TEST_DATABASE_URL)" || \
		{ echo "Set SHOPDB_TEST_DATABASE_URL to a MariaDB/MySQL or PostgreSQL URL."; exit 2; }
	SHOPDB_TEST_DATABASE_URL="$(SHOPDB_TEST_DATABASE_URL)" \
		$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m database

schemathesis: $(VENV)/.installed-test
	bash .ci/schemathesis.sh

vendor: $(BIN)/python
	$(BIN)/python -m shopdb.web.vendor

lint: $(VENV)/.installed-test
	$(BIN)/ruff check shopdb tests bench collectors
	$(BIN)/ruff format --check shopdb tests bench collectors
	$(BIN)/lint-imports
	$(BIN)/mypy

format: $(VENV)/.installed-test
	$(BIN)/ruff format shopdb tests bench collectors
	$(BIN)/ruff check --fix shopdb tests bench collectors

constraints: $(VENV)/.installed-test
	{ echo "# Every package in the tree, pinned so a fresh machine gets what was tested."; \
	  echo "# Regenerate with: make constraints"; \
	  $(PIP) freeze --exclude-editable | grep -iv '^shopdb'; } > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
