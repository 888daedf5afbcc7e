# SoMeHub: `make run` serves the site on http://127.0.0.1:8000 (PORT=…), `make test` runs
# the whole suite on Postgres, then the date-sensitive tests at five more dates.
# Both build .venv on a fresh clone; `make test` also installs and starts what the
# tests need on a fresh Debian machine (scripts/test-setup.sh).

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/somehub
# Where the browser tests find Chromium; test-setup installs it there if missing.
SOMEHUB_CHROMIUM ?= /usr/bin/chromium
export SOMEHUB_CHROMIUM
# The turn of the year, 29 February and 1 March of a leap year, the night the clocks
# go forward (02:00 does not exist) and the night they go back (02:30 twice).
TEST_DATES ?= 2026-12-31T23:30 2028-02-29T10:00 2028-03-01T09:00 \
	2027-03-28T01:30 2027-10-31T02:30

.PHONY: run test test-setup test-dates venv dev-deps lint messages clean lighthouse \
	prodserver bench

# The newest Python >= 3.12 that actually runs (pyenv shims may exist but fail).
find-python = $(shell for c in python3.14 python3.13 python3.12 \
	$$(pyenv root 2>/dev/null)/versions/3.1[2-9]*/bin/python3 \
	/usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do \
	"$$c" -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null && { echo "$$c"; break; }; \
	done)

$(VENV)/.installed: requirements.txt
	@py="$(find-python)"; \
	if [ -z "$$py" ]; then echo "SoMeHub needs Python 3.12 or newer (Django 6.1); none was found. Install one (e.g. 'pyenv install 3.13') and run make again." >&2; exit 1; fi; \
	if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$py"; "$$py" -m venv $(VENV); fi
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.installed
dev-deps: $(VENV)/.dev-installed

# `make run PORT=8001` serves on another port; SITE_URL (the links in pages, feeds and
# e-mails) follows it. E-mails, login codes included, are printed in this terminal.
PORT ?= 8000
run: export DJANGO_DEBUG = 1
run: export SITE_URL = http://127.0.0.1:$(PORT)
run: $(VENV)/.installed
	@mkdir -p var
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	$(PY) manage.py seed_impulses
	@echo "SoMeHub on $$SITE_URL. E-mails (login codes too) appear here in the terminal."
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# The whole suite; with PYTEST_ARGS only what they select (and no date runs).
test: test-setup $(VENV)/.dev-installed
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(PY) -m pytest $(PYTEST_ARGS)
ifeq ($(strip $(PYTEST_ARGS)),)
	@$(MAKE) --no-print-directory test-dates
endif

# Chromium, Java (vnu), gettext and a running PostgreSQL, on a fresh Debian machine.
test-setup:
	@DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} bash scripts/test-setup.sh

# The tests that deal with dates (marker `dates`, tests/conftest.py) at TEST_DATES.
test-dates: $(VENV)/.dev-installed
	@for moment in $(TEST_DATES); do \
	  echo "== date-sensitive tests at $$moment (Europe/Berlin)"; \
	  DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(PY) -m pytest \
	    -m "dates and not browser" --clock "$$moment" || exit 1; \
	done

# Lighthouse (mobile) on home, event and recap pages of a production-mode server with
# demo data; prints the four scores per page. Installs Lighthouse into .lighthouse/.
lighthouse: $(VENV)/.dev-installed
	$(PY) scripts/lighthouse.py $(LIGHTHOUSE_ARGS)

# The benchmark: a fresh `somehub_bench` database (BENCH_DATABASE_URL) with the data
# of scripts/benchsite/seed.py, gunicorn in production mode, wrk against the pages and the hello/fortunes baseline;
# prints the table and writes var/bench/<time>.json. BENCH_ARGS="--db-pool" etc.
bench: $(VENV)/.installed
	$(PY) scripts/bench.py $(BENCH_ARGS)

# The production build (gunicorn, DEBUG off, demo data) on http://127.0.0.1:8010.
prodserver: $(VENV)/.dev-installed
	$(PY) scripts/prodserver.py --port 8010

# ruff (lint and format), mypy (settings in pyproject.toml) and no model change
# without its migration.
lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	DJANGO_DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

# Refresh the German catalogue after changing strings; the compiled .mo is committed.
messages: $(VENV)/.installed
	DJANGO_DEBUG=1 $(PY) manage.py makemessages -l de --no-obsolete --add-location file
	DJANGO_DEBUG=1 $(PY) manage.py makemessages -d djangojs -l de --no-obsolete \
		--add-location file -i "var/*" -i "scripts/*"
	DJANGO_DEBUG=1 $(PY) manage.py compilemessages -l de

clean:
	rm -rf $(VENV) var/static
