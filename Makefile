# LeadShare — `make run` serves the demo, `make test` runs the tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000
SCALE  ?= small
# Tests run in parallel, one worker per core (pytest-xdist); TEST_WORKERS=0 runs them in one process.
TEST_WORKERS ?= auto
TRANSLATIONS := leadshare/translations

.PHONY: run test install install-dev translations messages migration lint worker bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Compile the Japanese and English catalogues (.po → .mo).
translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d $(TRANSLATIONS) -f >/dev/null 2>&1

## Re-extract every user-visible string and merge it into both catalogues.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k _gettext -k _ngettext:1,2 --no-location --sort-output -w 100 -o $(TRANSLATIONS)/messages.pot . >/dev/null 2>&1
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching --ignore-obsolete -w 100 >/dev/null 2>&1

## A new migration from the models' changes, written against a scratch SQLite database at head.
migration: $(VENV)/.installed
	@test -n "$(MESSAGE)" || { echo 'usage: make migration MESSAGE="what changed"'; exit 2; }
	rm -f /tmp/leadshare-migration.db
	DATABASE_URL=sqlite:////tmp/leadshare-migration.db FLASK_SECRET_KEY=migration $(FLASK) db upgrade >/dev/null 2>&1
	DATABASE_URL=sqlite:////tmp/leadshare-migration.db FLASK_SECRET_KEY=migration $(FLASK) db migrate -m "$(MESSAGE)"
	rm -f /tmp/leadshare-migration.db

run: translations
	$(FLASK) db upgrade
	$(FLASK) demo
	@echo ""
	@echo "  LeadShare is running on http://$(HOST):$(PORT)"
	@echo "  Staff:    admin@vendor.example, sales@vendor.example"
	@echo "  Partners: manager@alpha.example, rep@alpha.example (also beta, gamma)"
	@echo "  Password: demo-password"
	@echo ""
	@# The outbox worker runs beside the server (mail lands in instance/mail/ as .eml
	@# without FLASK_MAIL_SERVER) and stops with it.
	$(FLASK) outbox work & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

## The outbox worker alone (delivery plus the SLA sweep every minute).
worker: translations
	$(FLASK) outbox work

test: $(VENV)/.installed-dev
	$(BIN)/pybabel compile --use-fuzzy -d $(TRANSLATIONS) -f >/dev/null 2>&1
	$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

## Lint: ruff's rules and formatting, and the layering contracts (import-linter).
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

## Benchmark against PostgreSQL: make bench SCALE=small|full (DATABASE_URL, default: local "bench").
BENCH_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/bench
$(VENV)/.installed-bench: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e ".[bench]"
	touch $@

bench: $(VENV)/.installed-bench translations
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_DATABASE_URL)} $(BIN)/python -m bench.run --scale $(SCALE)

clean:
	rm -rf $(VENV) instance/*.db .pytest_cache
