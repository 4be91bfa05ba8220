# Fiducia CRM. Quick start: `make run` (set up + run with demo data), `make test` (all tests).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run setup install migrate demo test test-fast e2e lint format check-layers bench clean

run: setup ## Set everything up and run web + worker + scheduler on the embedded default
	@echo "Fiducia is starting on http://127.0.0.1:$(PORT)/ (log in as rm1 / see README)"
	$(BIN)/honcho -f Procfile.dev start --port $(PORT)

setup: install migrate demo

install: $(BIN)/.installed node_modules/.installed

$(BIN)/.installed: pyproject.toml
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Fiducia needs Python >= 3.11 (set PY=python3.11)")'
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# As the owner role when DATABASE_OWNER_URL is set (two PostgreSQL roles; see README): the
# application role keeps DML only, and only SELECT/INSERT on the audit log.
migrate: install
	$(BIN)/python manage.py compile_translations
	MIGRATE_AS_OWNER=true $(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo

test: install ## The whole suite (browser tests too, where Debian's chromium is installed)
	$(BIN)/python manage.py compile_translations
	$(BIN)/pytest

test-fast: install
	$(BIN)/pytest -m "not e2e"

e2e: install
	$(BIN)/pytest -m e2e

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	@echo "Benchmarks need PostgreSQL, e.g.:"
	@echo "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/fiducia_bench $(BIN)/python bench/generate.py --customers 20000"
	@echo "  then $(BIN)/python bench/<app>.py (each prints query counts and p50/p95 times)"

clean:
	rm -rf $(VENV) node_modules staticfiles var
