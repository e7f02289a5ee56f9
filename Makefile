# Keel — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 5000
export PORT

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

.PHONY: check-tools
check-tools:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null || { \
	  echo "Keel needs Python 3.11 or newer as '$(PYTHON)' (Debian/Ubuntu: sudo apt-get install python3 python3-venv; or set PYTHON=/path/to/python3.11)."; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { \
	  echo "Python's venv module is missing (Debian/Ubuntu: sudo apt-get install python3-venv)."; exit 1; }
	@command -v npm >/dev/null || { \
	  echo "Keel needs Node.js and npm for its front-end assets (Debian/Ubuntu: sudo apt-get install nodejs npm; or https://nodejs.org)."; exit 1; }

$(VENV)/.installed: pyproject.toml | check-tools
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json | check-tools
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

webapp/static/vendor/.installed: node_modules/.installed scripts/install_assets.py
	$(PY) scripts/install_assets.py
	touch $@

.PHONY: install
install: $(VENV)/.installed webapp/static/vendor/.installed ## Install Python and front-end dependencies

.PHONY: run
run: install ## Install and run the whole stack (web, worker, scheduler, Redis) on http://127.0.0.1:$(PORT)
	$(PY) scripts/stack.py

.PHONY: web
web: install ## Run only the web server (development, auto-reload)
	$(PY) -m flask --app wsgi run --debug --port $(PORT)

.PHONY: worker
worker: install ## Run one RQ worker (queues mail, default, low)
	$(PY) -m jobs.worker

.PHONY: scheduler
scheduler: install ## Run the scheduler (registers the cron jobs, then enqueues them on time)
	$(PY) -m jobs.scheduler

.PHONY: migrate
migrate: install ## Apply pending schema migrations
	$(PY) -m flask --app wsgi db upgrade

.PHONY: test
test: install ## Install everything and run the whole test suite (unit, integration, browser)
	$(PY) -m pytest -q -n 2 --dist loadgroup $(PYTEST_ARGS)

.PHONY: lint
lint: install ## ruff, mypy (storage, authz) and the import-linter layer contracts
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

.PHONY: bench
bench: install ## Run the benchmarks and compare against their targets
	$(PY) -m bench

.PHONY: clean
clean: ## Remove caches (keeps instance/ data)
	rm -rf .pytest_cache .mypy_cache .ruff_cache test-artifacts
