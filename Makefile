# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := wsgi

.PHONY: run test test-deploy bench lint format clean translations fonts

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

# axe-core for the accessibility checks of the browser tests.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The mail worker runs beside the web server and stops with it; without
# MAIL_SERVER it writes each message to instance/mail/*.eml.
run: $(VENV)/.runtime fonts
	$(BIN)/flask db upgrade
	$(BIN)/flask seed
	$(BIN)/flask create-dev-organiser
	@echo "Serving the workshop on http://$(HOST):$(PORT)/"
	@$(BIN)/flask deliver-mail & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask run --host $(HOST) --port $(PORT)

# Two app servers (each with its mail worker) behind nginx with
# deploy/nginx.conf, on one PostgreSQL (TEST_DATABASE_URL, default the local
# server) and Redis: every promise of one server holds for both.
test-deploy: $(VENV)/.dev
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres} \
		$(BIN)/pytest deploy/tests

# The PDFs (visa letters, badges, certificates) need Pango and the Noto fonts
# (Latin with Vietnamese, and Chinese): installed from Debian's packages when
# missing and we may; otherwise a warning, and the PDFs fall back to other fonts.
fonts:
	@if ! fc-list 2>/dev/null | grep -q "Noto Sans CJK" || ! ldconfig -p | grep -q libpangoft2-1.0; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-core fonts-noto-cjk; \
		else \
			echo "warning: install libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-core fonts-noto-cjk for the PDF documents"; \
		fi; \
	fi

# The whole suite on SQLite, then on PostgreSQL when TEST_DATABASE_URL is set.
test: $(VENV)/.dev node_modules/.installed fonts
	env -u TEST_DATABASE_URL $(BIN)/pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "--- again on PostgreSQL: $$TEST_DATABASE_URL"; \
		$(BIN)/pytest; \
	fi

# This app against a bare Flask hello world, on PostgreSQL with 50,000
# registrations; prints a table and writes bench/results/bench-*.json.
# Needs wrk (apt-get install wrk) and a PostgreSQL server at
# BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres)
# as a role that may create the database score_bench (dropped at the end).
bench: $(VENV)/.dev
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# The catalogues: extract every message, merge it into each language's
# messages.po, compile the .mo files the app reads (committed, so a fresh
# clone speaks every language without a build step).
LOCALES := id zh_Hans es vi
translations: $(VENV)/.dev
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -c TRANSLATORS: --no-location --sort-output --project "SCORE workshop registration" --copyright-holder "ILO SCORE Programme" -o app/translations/messages.pot app templates
	@for locale in $(LOCALES); do \
		if [ -f app/translations/$$locale/LC_MESSAGES/messages.po ]; then \
			$(BIN)/pybabel -q update --no-fuzzy-matching --ignore-obsolete -i app/translations/messages.pot -d app/translations -l $$locale; \
		else \
			$(BIN)/pybabel -q init -i app/translations/messages.pot -d app/translations -l $$locale; \
		fi; \
	done
	$(BIN)/pybabel compile --statistics -d app/translations

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
