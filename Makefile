# Kunskapsbanken. `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export KB_DEV ?= 1

.DEFAULT_GOAL := help
.PHONY: help run test lint bench install db seed clean browser-deps serve stress audit

help: ## Show this help
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the app with its dev tools

db: $(STAMP) ## Migrate the database and import seed_data/ (idempotent)
	$(BIN)/kb db upgrade
	$(BIN)/kb import seed_data/cases

run: db ## Set up, migrate, import seed_data/ and serve on http://127.0.0.1:5000
	$(BIN)/kb run --host 127.0.0.1 --port 5000

test: $(STAMP) browser-deps ## Set up and run the whole test-suite and the linters
	$(BIN)/ruff check kb tests migrations wsgi.py
	$(BIN)/bandit -q -c pyproject.toml -r kb migrations scripts wsgi.py gunicorn.conf.py
	$(BIN)/pytest --db=sqlite
	$(BIN)/pytest --db=postgresql

browser-deps: ## Install Chromium, fonts and axe-core for tests/browser when missing (fast if present)
	@tests/browser/install-deps.sh

serve: db ## Set up like `make run`, then serve with gunicorn (KB_BIND, KB_WORKERS; README "Drift")
	$(BIN)/kb serve

stress: $(STAMP) ## Load, fault and bad-input runs against gunicorn on loopback (~4 min, PostgreSQL)
	$(BIN)/python -m stress

audit: $(STAMP) ## Check the installed packages for known vulnerabilities (pip-audit, needs PyPI)
	$(BIN)/python scripts/audit.py

lint: $(STAMP) ## Run ruff only
	$(BIN)/ruff check kb tests migrations wsgi.py

N ?= 1000

bench: $(STAMP) ## Benchmarks, loopback only: search over N synthetic cases (make bench N=10000), shared-link throughput (wrk)
	$(BIN)/python bench/run.py --n $(N)
	@command -v wrk >/dev/null 2>&1 || apt-get install -y -qq wrk >/dev/null 2>&1 || \
	  (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq wrk >/dev/null 2>&1) || \
	  echo "wrk could not be installed: throughput uses the Python load generator"
	$(BIN)/python bench/throughput.py

clean: ## Remove the venv and the local instance (database and index)
	rm -rf $(VENV) instance
