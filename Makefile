# Lindung: `make demo` runs the demonstration, `make test` runs every check CI runs (CI calls `make test`).
#
#   make demo  [DEMO_ARGS="--no-serve"]        virtualenv + demo data + web server
#   make test  [PYTEST_ARGS="-x -k login"] [PYTEST_WORKERS=2]   lint, types, migrations, browsers, pytest on SQLite
#                                              then PostgreSQL, each in PYTEST_WORKERS processes (0: in one)
#   make lint (ruff, layers) | typecheck | migrations-check | browsers (Chromium, axe-core) | deploy-tools
#        | test-sqlite | test-postgres
#        | messages | venv | clean
#   make openapi                                  write the API's OpenAPI document to docs/api/openapi.json
#
# The PostgreSQL run uses TEST_DATABASE_URL (default below); pytest-django creates and drops its own
# test_lindung_<checkout folder> database there (LINDUNG_TEST_DATABASE_NAME overrides the name). With CI=true a missing PostgreSQL or Chromium fails the run; elsewhere
# it is skipped with a loud message; the same for axe-core (the accessibility checker the browser tests inject).

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.ONESHELL:
.NOTPARALLEL:
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.lindung-installed
CHROMIUM ?= /usr/bin/chromium
RESULTS := test-results
# axe-core, the accessibility checker the browser crawl injects into each page (src/lindung/tests/crawl_checks.py):
# installed from the npm registry at this exact version, never vendored into the repository.
AXE_VERSION := 4.14.1
AXE_INTEGRITY := sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==
AXE_PREFIX := var/node
AXE_JS := $(AXE_PREFIX)/node_modules/axe-core/axe.min.js
NOTES := var/test-notes.txt

TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/lindung
# Two checkouts on one machine (worktrees, a CI clone) must not create and drop the same test database: the
# default name carries the checkout's folder name; LINDUNG_TEST_DATABASE_NAME overrides it.
CHECKOUT_TEST_DATABASE := test_lindung_$(subst -,_,$(subst .,_,$(notdir $(CURDIR))))
# Public on purpose: only for test runs, so that no key file is written into the repository.
TEST_SECRET_KEY := lindung-test-only-key-public-never-use-in-production
PYTEST_ARGS ?=
# pytest-xdist processes (each with its own test database, test_..._gw0, _gw1); 0 runs the suite in this process.
PYTEST_WORKERS ?= 2
DEMO_ARGS ?=
PYTEST := $(BIN)/pytest -p no:cacheprovider --durations=10 -n $(PYTEST_WORKERS)

# CI=true (or any value but 0/false/no/off) turns "skipped" into "failed" for PostgreSQL and Chromium.
CI_VALUE := $(strip $(CI))
IN_CI :=
ifneq ($(CI_VALUE),)
ifeq ($(filter $(CI_VALUE),0 false False FALSE no No NO off Off OFF),)
IN_CI := 1
endif
endif

# Checks and test runs never read the developer's DATABASE_URL or write a secret key file.
CHECK_ENV := env -u DATABASE_URL LINDUNG_SECRET_KEY=$(TEST_SECRET_KEY) LINDUNG_DATA_DIR=$(CURDIR)/var/test-checks

# Translations: every .po is compiled to its .mo when the .po is newer.
PO_FILES := $(wildcard src/lindung/locale/*/LC_MESSAGES/*.po src/lindung/*/locale/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: help venv demo messages messages-check system-libs test lint typecheck migrations-check browsers axe deploy-tools \
	test-sqlite test-postgres clean openapi FORCE

help:
	@sed -n '1,/^$$/p' Makefile | sed 's/^# \{0,1\}//'

# ---------------------------------------------------------------- virtualenv

# An existing .venv that does not run Python >= 3.12 is rebuilt.
VENV_OK := $(shell $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && echo yes)
ifneq ($(VENV_OK),yes)
$(STAMP): FORCE
endif

venv: $(STAMP)

$(STAMP): pyproject.toml
	@if ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
	  python=""
	  for candidate in python3.13 python3.12; do
	    # pyenv shims exist for every installed version but fail unless that version is selected: run them.
	    if command -v "$$candidate" >/dev/null 2>&1 \
	       && "$$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
	      python="$$("$$candidate" -c 'import sys; print(sys.executable)')"; break
	    fi
	  done
	  if [ -z "$$python" ]; then
	    pyenv_root="$$( (pyenv root 2>/dev/null) || echo "$${PYENV_ROOT:-$$HOME/.pyenv}")"
	    for pattern in '3.13*' '3.12*'; do
	      for dir in $$(ls -d "$$pyenv_root"/versions/$$pattern 2>/dev/null | sort -rV); do
	        if "$$dir/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
	          python="$$dir/bin/python"; break 2
	        fi
	      done
	    done
	  fi
	  if [ -z "$$python" ]; then
	    echo "ERROR: Lindung needs Python 3.12 or newer (Django 6.1). Looked for python3.13 and python3.12" >&2
	    echo "       on PATH and in $$pyenv_root/versions/3.13*/ and 3.12*/. Install one, e.g. 'pyenv install 3.13'." >&2
	    exit 1
	  fi
	  echo "== creating $(VENV) with $$python ($$("$$python" -V 2>&1))"
	  rm -rf $(VENV)
	  "$$python" -m venv $(VENV)
	fi
	echo "== installing Lindung and its development tools into $(VENV) (pyproject.toml changed)"
	$(PY) -m pip install --root-user-action=ignore --disable-pip-version-check -e '.[dev]'
	touch $@

# ---------------------------------------------------------------- translations

messages: $(MO_FILES)

%.mo: %.po
	@if command -v msgfmt >/dev/null 2>&1; then
	  msgfmt --check-format -o $@.tmp $< && mv $@.tmp $@ && echo "== compiled $@"
	elif [ -n "$(IN_CI)" ]; then
	  echo "ERROR: CI=true but msgfmt (gettext) is missing: cannot compile $<" >&2; exit 1
	else
	  echo "WARNING: msgfmt (apt-get install gettext) is missing: $@ not compiled, pages stay in English" >&2
	fi

# ---------------------------------------------------------------- demo

demo: venv messages system-libs
	$(BIN)/lindung demo $(DEMO_ARGS)

# ---------------------------------------------------------------- the API's document

# The committed copy that lindung.api.tests.test_openapi compares with what the code generates.
openapi: venv
	$(CHECK_ENV) $(BIN)/lindung api-schema --out docs/api/openapi.json

# ---------------------------------------------------------------- checks

test: venv messages system-libs
	@mkdir -p var && : > $(NOTES)
	$(MAKE) --no-print-directory lint typecheck migrations-check messages-check browsers deploy-tools test-sqlite test-postgres
	echo
	echo "== make test: all checks passed"
	if [ -s $(NOTES) ]; then echo; cat $(NOTES); fi

lint: venv
	@echo "== ruff check"
	$(BIN)/ruff check .
	echo "== ruff format --check"
	$(BIN)/ruff format --check .
	echo "== lint-imports (the layers of pyproject.toml: no upward import, no cycle)"
	$(CHECK_ENV) $(BIN)/lint-imports --no-cache

typecheck: venv
	@echo "== mypy"
	$(CHECK_ENV) $(BIN)/mypy

migrations-check: venv
	@echo "== lindung makemigrations --check --dry-run"
	$(CHECK_ENV) $(BIN)/lindung makemigrations --check --dry-run

# Every sentence of the code and templates has its Indonesian translation: makemessages runs on a copy of the
# package (the checkout's .po is left as it is) and the check fails on a sentence with no or a fuzzy translation.
messages-check: venv
	@echo "== messages-check (every gettext sentence translated into Indonesian)"
	if ! command -v msgattrib >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	  echo "== msgattrib missing: apt-get install -y gettext"
	  export DEBIAN_FRONTEND=noninteractive
	  apt-get install -y gettext </dev/null || { apt-get update && apt-get install -y gettext </dev/null; } || true
	fi
	if ! command -v msgattrib >/dev/null 2>&1; then
	  if [ -n "$(IN_CI)" ]; then echo "ERROR: CI=true but gettext (msgattrib) is missing" >&2; exit 1; fi
	  msg="!!!!! gettext (msgattrib) is missing: TRANSLATION CHECK SKIPPED (apt-get install gettext)"
	  echo "$$msg" >&2; mkdir -p var && echo "$$msg" >> $(NOTES); exit 0
	fi
	rm -rf var/messages-check && mkdir -p var/messages-check
	cp -r src/lindung var/messages-check/lindung
	(cd var/messages-check/lindung && $(CHECK_ENV) $(CURDIR)/$(BIN)/lindung makemessages -l id --no-obsolete >/dev/null)
	po=var/messages-check/lindung/locale/id/LC_MESSAGES/django.po
	untranslated=$$(msgattrib --untranslated --no-obsolete --no-wrap --no-location $$po)
	fuzzies=$$(msgattrib --only-fuzzy --no-obsolete --no-wrap --no-location $$po)
	missing=$$(printf '%s\n' "$$untranslated" | grep -c '^msgid ' || true)
	fuzzy=$$(printf '%s\n' "$$fuzzies" | grep -c '^msgid ' || true)
	# msgattrib prints the header entry (msgid "") when anything is printed at all.
	if [ "$$missing" -gt 1 ] || [ "$$fuzzy" -gt 1 ]; then
	  echo "ERROR: sentences without an Indonesian translation (add them to src/lindung/locale/id/LC_MESSAGES/django.po):" >&2
	  printf '%s\n' "$$untranslated" "$$fuzzies" | grep '^msgid ' | grep -v '^msgid ""$$' >&2 || true
	  exit 1
	fi
	rm -rf var/messages-check

# WeasyPrint (PDF letters) needs Pango and HarfBuzz's subsetter from Debian at run time.
PDF_LIBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core

system-libs: venv
	@if ! $(PY) -c "import weasyprint" >/dev/null 2>&1; then
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	    echo "== WeasyPrint cannot load its libraries: apt-get install -y $(PDF_LIBS)"
	    export DEBIAN_FRONTEND=noninteractive
	    apt-get install -y $(PDF_LIBS) </dev/null || { apt-get update && apt-get install -y $(PDF_LIBS) </dev/null; }
	  fi
	  $(PY) -c "import weasyprint" || { echo "ERROR: WeasyPrint needs: apt-get install -y $(PDF_LIBS)" >&2; exit 1; }
	fi

# Debian's Chromium for the Playwright tests (Playwright's own browser download is not reachable), and axe-core.
browsers: axe
	@if [ ! -x $(CHROMIUM) ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	  echo "== $(CHROMIUM) missing: apt-get install -y chromium"
	  export DEBIAN_FRONTEND=noninteractive
	  apt-get install -y chromium </dev/null || { apt-get update && apt-get install -y chromium </dev/null; } || true
	fi
	if [ -x $(CHROMIUM) ]; then
	  echo "== browser: $$($(CHROMIUM) --version 2>/dev/null || echo $(CHROMIUM))"
	elif [ -n "$(IN_CI)" ]; then
	  echo "ERROR: CI=true and $(CHROMIUM) is missing (apt-get install -y chromium failed or needs root)" >&2
	  exit 1
	else
	  msg="!!!!! $(CHROMIUM) is missing and could not be installed (as root: apt-get install -y chromium): BROWSER TESTS SKIPPED"
	  echo "$$msg" >&2
	  mkdir -p var && echo "$$msg" >> $(NOTES)
	fi

# axe-core $(AXE_VERSION) into $(AXE_PREFIX)/node_modules/axe-core with npm (which checks the registry's integrity
# hash); without npm, the same tarball from registry.npmjs.org with Python, checked against AXE_INTEGRITY. An
# installed copy of another version is replaced. With CI=true a failure fails the run; elsewhere the browser
# crawl then skips its accessibility check, loudly.
define AXE_FETCH
import base64, hashlib, io, sys, tarfile, urllib.request
version, integrity, target = sys.argv[1:4]
url = f"https://registry.npmjs.org/axe-core/-/axe-core-{version}.tgz"
with urllib.request.urlopen(url, timeout=60) as answer:
    data = answer.read()
algorithm, _, expected = integrity.partition("-")
if base64.b64encode(hashlib.new(algorithm, data).digest()).decode() != expected:
    sys.exit(f"{url}: integrity mismatch (expected {integrity})")
with tarfile.open(fileobj=io.BytesIO(data)) as archive:
    archive.extractall(target, filter="data")  # the tarball's files under package/
endef
export AXE_FETCH

axe:
	@installed=$$(sed -n 's/^  "version": "\(.*\)",$$/\1/p' $(AXE_PREFIX)/node_modules/axe-core/package.json 2>/dev/null || true)
	if [ "$$installed" = "$(AXE_VERSION)" ] && [ -s $(AXE_JS) ]; then
	  echo "== axe-core $(AXE_VERSION) ($(AXE_JS))"; exit 0
	fi
	rm -rf $(AXE_PREFIX)/node_modules/axe-core
	mkdir -p $(AXE_PREFIX)
	if command -v npm >/dev/null 2>&1; then
	  echo "== npm install axe-core@$(AXE_VERSION) into $(AXE_PREFIX)"
	  npm install --no-save --no-audit --no-fund --no-package-lock --prefix $(AXE_PREFIX) axe-core@$(AXE_VERSION) >&2 || true
	else
	  echo "== npm missing: axe-core $(AXE_VERSION) from registry.npmjs.org (integrity checked)"
	  python=$$( [ -x $(PY) ] && echo $(PY) || command -v python3 || true)
	  rm -rf $(AXE_PREFIX)/tmp-axe && mkdir -p $(AXE_PREFIX)/tmp-axe $(AXE_PREFIX)/node_modules
	  if [ -n "$$python" ] && "$$python" -c "$$AXE_FETCH" $(AXE_VERSION) $(AXE_INTEGRITY) $(AXE_PREFIX)/tmp-axe >&2; then
	    mv $(AXE_PREFIX)/tmp-axe/package $(AXE_PREFIX)/node_modules/axe-core
	  fi
	  rm -rf $(AXE_PREFIX)/tmp-axe
	fi
	if [ -s $(AXE_JS) ]; then
	  echo "== axe-core $(AXE_VERSION) ($(AXE_JS))"
	elif [ -n "$(IN_CI)" ]; then
	  echo "ERROR: CI=true and axe-core $(AXE_VERSION) could not be installed from the npm registry" >&2
	  exit 1
	else
	  msg="!!!!! axe-core $(AXE_VERSION) could not be installed from the npm registry: ACCESSIBILITY CHECKS SKIPPED"
	  echo "$$msg" >&2
	  mkdir -p var && echo "$$msg" >> $(NOTES)
	fi

# Debian's nginx for the test that runs `nginx -t` on deploy/nginx/lindung.conf (src/lindung/server/tests/
# test_deploy_files.py). Nothing here serves with it: where the package starts its default site (systemd, or
# an init script allowed to start services), that server is stopped again (and disabled under systemd).
NGINX := /usr/sbin/nginx

deploy-tools:
	@if [ ! -x $(NGINX) ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	  echo "== $(NGINX) missing: apt-get install -y nginx (only for nginx -t on the deployment files)"
	  export DEBIAN_FRONTEND=noninteractive
	  apt-get install -y nginx </dev/null || { apt-get update && apt-get install -y nginx </dev/null; } || true
	  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
	    systemctl disable --now nginx >/dev/null 2>&1 || true
	  fi
	  if [ -s /run/nginx.pid ] && kill -0 "$$(cat /run/nginx.pid)" 2>/dev/null; then
	    echo "== stopping the nginx that the package started (port 80)"
	    service nginx stop >/dev/null 2>&1 || $(NGINX) -s stop || true
	  fi
	fi
	if [ -x $(NGINX) ]; then
	  echo "== nginx: $$($(NGINX) -v 2>&1)"
	elif [ -n "$(IN_CI)" ]; then
	  echo "ERROR: CI=true and $(NGINX) is missing (apt-get install -y nginx failed or needs root)" >&2
	  exit 1
	else
	  msg="!!!!! $(NGINX) is missing and could not be installed (as root: apt-get install -y nginx): NGINX CHECK SKIPPED"
	  echo "$$msg" >&2
	  mkdir -p var && echo "$$msg" >> $(NOTES)
	fi

test-sqlite: venv messages axe
	@echo "== pytest on SQLite (fresh var/test-sqlite)"
	rm -rf var/test-sqlite && mkdir -p var/test-sqlite $(RESULTS)
	env -u DATABASE_URL LINDUNG_SECRET_KEY=$(TEST_SECRET_KEY) LINDUNG_TEST_CHROMIUM=$(CHROMIUM) LINDUNG_TEST_AXE=$(CURDIR)/$(AXE_JS) \
	  LINDUNG_DATA_DIR=$(CURDIR)/var/test-sqlite $(PYTEST) $(PYTEST_ARGS)

# Exit status 3: the server cannot be reached. Any other failure (psycopg missing, a broken check) is an
# error even outside CI. It connects to the maintenance database "postgres", as pytest-django does to
# create test_<name>, so the database named in the URL need not exist.
define PG_CHECK
import sys
import psycopg
try:
    psycopg.connect(sys.argv[1], dbname="postgres", connect_timeout=3).close()
except psycopg.OperationalError as exc:
    print(f"{type(exc).__name__}: {exc}".strip(), file=sys.stderr)
    sys.exit(3)
endef
export PG_CHECK

test-postgres: venv messages axe
	@echo "== pytest on PostgreSQL ($(TEST_DATABASE_URL))"
	status=0
	$(PY) -c "$$PG_CHECK" "$(TEST_DATABASE_URL)" || status=$$?
	if [ $$status -eq 3 ]; then
	  if [ -n "$(IN_CI)" ]; then
	    echo "ERROR: CI=true and PostgreSQL is not reachable at $(TEST_DATABASE_URL)" >&2
	    exit 1
	  fi
	  msg="!!!!! PostgreSQL not reachable at $(TEST_DATABASE_URL): PostgreSQL run SKIPPED (set TEST_DATABASE_URL)"
	  echo "$$msg" >&2
	  mkdir -p var && echo "$$msg" >> $(NOTES)
	  exit 0
	elif [ $$status -ne 0 ]; then
	  echo "ERROR: the PostgreSQL reachability check itself failed (status $$status)" >&2
	  exit 1
	fi
	rm -rf var/test-postgres && mkdir -p var/test-postgres $(RESULTS)
	env DATABASE_URL="$(TEST_DATABASE_URL)" LINDUNG_SECRET_KEY=$(TEST_SECRET_KEY) LINDUNG_TEST_CHROMIUM=$(CHROMIUM) \
	  LINDUNG_TEST_AXE=$(CURDIR)/$(AXE_JS) \
	  LINDUNG_TEST_DATABASE_NAME="$${LINDUNG_TEST_DATABASE_NAME:-$(CHECKOUT_TEST_DATABASE)}" \
	  LINDUNG_DATA_DIR=$(CURDIR)/var/test-postgres $(PYTEST) $(PYTEST_ARGS)

clean:
	rm -rf var/test-sqlite var/test-postgres var/test-checks $(NOTES) $(RESULTS) .mypy_cache .ruff_cache
