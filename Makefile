# Nansha Party Member Time Bank. `make run` to try it, `make test` to test it.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app timebank
HOST ?= 127.0.0.1
PORT ?= 5000
LINTED := timebank tests bench tools
# Exact versions (pip-compile, for Python 3.11): the app's, and the app's plus the test extra's.
LOCK := requirements.lock
TEST_LOCK := requirements-test.lock
PIP_COMPILE := $(VENV)-tools/bin/pip-compile --quiet --strip-extras --generate-hashes \
	--no-emit-index-url --no-emit-find-links

.PHONY: serve-prod run test test-e2e install install-test lint format lock migrate-check translations translations-update bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

## The locked versions first, then the project itself without resolving anything again.
$(VENV)/.installed: $(BIN)/python pyproject.toml $(LOCK)
	$(BIN)/pip install --quiet -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml $(TEST_LOCK)
	$(BIN)/pip install --quiet -r $(TEST_LOCK)
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

## Re-lock after changing the dependencies in pyproject.toml (tests/test_lock.py fails until
## then). The test lock is constrained to the app lock, so both pin the same versions.
## `make lock UPGRADE=--upgrade` moves every pin to the newest release the ranges allow.
lock:
	test -x $(VENV)-tools/bin/pip-compile || \
		{ $(PYTHON) -m venv $(VENV)-tools && $(VENV)-tools/bin/pip install --quiet "pip-tools>=7.5,<8"; }
	$(PIP_COMPILE) $(UPGRADE) -o $(LOCK) pyproject.toml
	$(PIP_COMPILE) $(UPGRADE) --extra test -c $(LOCK) -o $(TEST_LOCK) pyproject.toml

## Set up, migrate the SQLite database, seed demo data (first run only), serve with the
## scheduler inline on http://127.0.0.1:5000, and print the demo logins.
run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	TIMEBANK_SCHEDULER=$${TIMEBANK_SCHEDULER:-inline} $(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT) --no-reload

## Production shape on this machine: gunicorn (several workers) plus the scheduler as its own
## process, against DATABASE_URL (PostgreSQL). Ctrl-C stops both.
## It serves plain http, so cookies are not marked Secure (a browser would never send them
## back). Behind a TLS proxy (nginx on this host), `make serve-prod TLS=1` marks them Secure
## and trusts one proxy hop (SESSION_COOKIE_SECURE=true, PROXY_FIX=1, unless set already).
TLS ?=
SERVE_PROD_ENV := TIMEBANK_SCHEDULER=off $(if $(TLS),SESSION_COOKIE_SECURE=$${SESSION_COOKIE_SECURE:-true} PROXY_FIX=$${PROXY_FIX:-1})
serve-prod: install
	@test -n "$$DATABASE_URL" || { echo "Set DATABASE_URL, e.g. postgresql+psycopg://postgres@127.0.0.1/timebank"; exit 1; }
	$(FLASK) db upgrade
	@echo "Serving on http://$${GUNICORN_BIND:-127.0.0.1:8000} with a separate scheduler (Ctrl-C stops both)"
	@$(if $(TLS),echo "Behind TLS: Secure cookies and one trusted proxy hop",echo "Plain http: cookies not Secure (TLS=1 behind an HTTPS proxy)")
	@$(SERVE_PROD_ENV) $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app & web=$$!; \
	trap 'kill $$web 2>/dev/null; wait $$web 2>/dev/null' EXIT INT TERM; \
	TIMEBANK_SCHEDULER=off $(FLASK) scheduler

## Lint and format check, then the suite without the browser tests (SQLite; PostgreSQL when
## TIMEBANK_TEST_DATABASE_URL is set). pyproject.toml's addopts leave out `-m e2e`.
## The suite runs on PYTEST_WORKERS processes (pytest-xdist; on PostgreSQL each worker has
## a database of its own, <name>_gw0, ...); `make test PYTEST_WORKERS=0` runs one process.
PYTEST_WORKERS ?= 2
test: lint
	$(BIN)/bandit -r timebank -q
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

## The browser journeys (tests/e2e, marker e2e): Debian's Chromium driven by Playwright.
test-e2e: install-test
	$(BIN)/pytest -m e2e tests/e2e $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

format: install-test
	$(BIN)/ruff format $(LINTED)
	$(BIN)/ruff check --fix $(LINTED)

## Migrate a new, empty SQLite database to the head, then `flask db check`: fails when the
## models have changes that no migration makes.
migrate-check: install
	@dir=$$(mktemp -d) && trap 'rm -rf "$$dir"' EXIT && \
	export DATABASE_URL="sqlite:///$$dir/migrate-check.sqlite3" TIMEBANK_SCHEDULER=off \
		SECRET_KEY=migrate-check && \
	$(FLASK) db upgrade && $(FLASK) db check

## Extract messages and merge them into the catalogues; compile after translating.
## (--ignore-dirs: pybabel skips "_*" folders by default, e.g. templates/_macros.)
translations-update: install
	$(BIN)/pybabel extract -F babel.cfg -k _l --ignore-dirs='.* __pycache__' \
		--project=timebank -o timebank/translations/messages.pot .
	$(BIN)/pybabel update -i timebank/translations/messages.pot -d timebank/translations \
		--no-fuzzy-matching

translations: install
	$(BIN)/pybabel compile -d timebank/translations --statistics

bench: install-test
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(VENV)-tools instance .pytest_cache
