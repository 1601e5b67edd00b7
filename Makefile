# Lyssna: `make run` and `make test` set everything up on a fresh machine.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
export LYSSNA_DATABASE_URL ?= sqlite:///$(CURDIR)/var/lyssna.db

.PHONY: help run test test-fast lint install system-deps migrate demo bench messages \
	compile-messages fonts clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install the project with its test tools

migrate: install  ## migrate the database (SQLite in var/ by default)
	$(BIN)/lyssna migrate

# 20,000: with 3,000 spread over 13 municipalities, 12 languages and 5 channels, suppression
# hid nearly every regional figure, so a new user saw only "fewer than 5" (issue 5 notes).
demo: migrate  ## seed the demo region and 20,000 demo responses (closed past months)
	$(BIN)/lyssna demo --responses 20000

run: demo  ## migrate, seed the demo region and serve on http://127.0.0.1:8000
	@$(BIN)/python -m app.devhelp
	LYSSNA_RESULTS_WARM_CACHE=1 $(BIN)/lyssna serve --host 127.0.0.1 --port 8000

system-deps:  ## Debian packages for browser tests and QR decoding (root)
	@scripts/install-system-deps

# pytest-xdist: 2 worker processes (the suite is CPU-bound; the CI machine has 2 cores), each with
# its own PostgreSQL database and SQLite template (tests/conftest.py). loadfile keeps a file's tests
# on one worker, so module fixtures (a browser module's live server) are built once. (loadgroup
# would not do: xdist 3.8 silently ignores xdist_group under pytest 9.2, pytest-xdist#1386.)
# `make test PYTEST_XDIST="-n 0"` runs everything in this one process.
PYTEST_XDIST ?= -n 2 --dist loadfile

test: install system-deps  ## the whole suite, on SQLite and PostgreSQL, with real Chromium
	$(BIN)/pytest -q $(PYTEST_XDIST)

test-fast: install  ## the suite without browser tests
	$(BIN)/pytest -q $(PYTEST_XDIST) -m "not browser"

lint: install  ## ruff
	$(BIN)/ruff check app tests bench migrations

bench: install system-deps  ## print the respondent-path and results benchmark figures
	$(BIN)/python bench/respondent.py
	$(BIN)/python bench/sheets.py
	$(BIN)/python bench/results.py --responses 100000

messages: install  ## extract UI strings to locales/messages.pot and merge them into every catalog
	mkdir -p locales
	$(BIN)/pybabel extract -F babel.cfg --add-comments=Translators: --sort-by-file \
	  --project=lyssna --copyright-holder="Lyssna contributors" --no-wrap \
	  -o locales/messages.pot .
	$(BIN)/pybabel extract -F babel-staff.cfg --add-comments=Translators: --sort-by-file \
	  --project=lyssna --copyright-holder="Lyssna contributors" --no-wrap \
	  -o locales/staff.pot .
	$(BIN)/lyssna translations update

compile-messages: install  ## compile locales/*/LC_MESSAGES/*.po to .mo (the app also does it in memory)
	$(BIN)/lyssna translations compile

fonts: install  ## rebuild the Tigrinya subset font from Debian's Noto Sans Ethiopic
	$(BIN)/python scripts/build-fonts.py

clean:  ## remove the virtualenv, the database and test output
	rm -rf $(VENV) var test-output
