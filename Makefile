# Self-documenting Makefile: `make help` lists every target with a `## ` comment.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install --disable-pip-version-check -q -c constraints.txt
DATA_DIR ?= ./data
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help venv install install-test console run lint format test test-unit test-integration bench validate clean postgres-server

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*?## "} {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

venv: $(BIN)/python ## Create the virtualenv (.venv) if missing

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e '.[test]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed ## Install the runtime dependencies (pinned by constraints.txt)

install-test: $(VENV)/.installed-test ## Install runtime and test dependencies

# The web console's browser packages (elkjs, CodeMirror, esbuild), from the committed lock
# file; npm ci again only when node_modules is missing or the lock changed (npm writes
# .package-lock.json). esbuild then bundles the designer's editor (src/editor.js) into one
# file (npm run build), again whenever npm ci ran (it empties node_modules) or the source changed.
CONSOLE_DIR := orchestrator/console
CONSOLE_BUNDLE := $(CONSOLE_DIR)/node_modules/.build/codemirror.js
$(CONSOLE_DIR)/node_modules/.package-lock.json: $(CONSOLE_DIR)/package.json $(CONSOLE_DIR)/package-lock.json
	@command -v npm >/dev/null || { echo "npm is required for the web console (apt-get install -y nodejs npm)"; exit 1; }
	cd $(CONSOLE_DIR) && npm ci --no-audit --no-fund
	@touch $@

$(CONSOLE_BUNDLE): $(CONSOLE_DIR)/node_modules/.package-lock.json $(CONSOLE_DIR)/src/editor.js
	cd $(CONSOLE_DIR) && npm run --silent build

console: $(CONSOLE_BUNDLE) ## Install the web console's npm packages from package-lock.json and bundle its editor (CodeMirror)

run: install console ## Start every service locally (foreground, Ctrl-C stops all); data under ./data/
	@mkdir -p $(DATA_DIR)
	PATH="$(CURDIR)/$(BIN):$$PATH" DATA_DIR=$(DATA_DIR) exec $(BIN)/honcho -f Procfile start

lint: install-test ## Lint (ruff), check formatting (ruff format) and types (mypy)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install-test ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The PostgreSQL store's tests start their own server from Debian's binaries
# (tests/support/postgres.py): installed here when missing (as root; else say how).
postgres-server: ## Install Debian's PostgreSQL server binaries if missing (for the tests)
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql; \
	  else echo "PostgreSQL's server is required by the tests: sudo apt-get install -y postgresql"; exit 1; fi; }

# The whole suite, then the engine's tests again on PostgreSQL (ORCHESTRATOR_TEST_STORE).
test: install-test console lint postgres-server ## Install test dependencies, lint, and run the whole suite
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)
	ORCHESTRATOR_TEST_STORE=postgres $(BIN)/python -m pytest -n 2 tests/orchestrator/engine $(PYTEST_ARGS)

test-unit: install-test console postgres-server ## Run only the fast unit tests
	$(BIN)/python -m pytest -n 2 -m "not integration" $(PYTEST_ARGS)

bench: install-test ## Run the benchmarks in bench/ (prints figures; not pass/fail)
	$(BIN)/python bench/bench_interpreter.py
	$(BIN)/python bench/bench_order_flow.py
	$(BIN)/python bench/bench_task_calls.py
	$(BIN)/python bench/bench_aws_calls.py
	$(BIN)/python bench/bench_map_s3.py
	$(BIN)/python bench/bench_history.py
	$(BIN)/python bench/bench_list_executions.py
	$(BIN)/python bench/bench_stores.py

clean: ## Remove the virtualenv, caches and local data
	rm -rf $(VENV) .pytest_cache .hypothesis $(DATA_DIR)
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
