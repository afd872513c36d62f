# One entry point for the project. `make demo` and `make test` set up .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB := var/demo.db
DEMO_URL := sqlite:///$(DEMO_DB)
DEMO_WEEKS ?= 26
DEMO_AGENTS ?= 120
DEMO_SEED ?= 1
DEMO_SERVE ?= 1
DEMO_ROSTER_SECONDS ?= 60

.PHONY: install lock audit demo test test-postgres check lint format typecheck imports bench bench-roster clean

# The locks pin every package, with hashes, for CPython 3.11 on Linux x86_64 (the Dockerfile's
# base image too): requirements-dev.lock everything `make install` puts in .venv (the project's
# dependencies, both extras, pip, setuptools and wheel), requirements.lock the image's subset.
DEV_LOCK := requirements-dev.lock
LOCK := requirements.lock
LOCK_FLAGS := --generate-hashes --no-header --python-version 3.11 --python-platform x86_64-unknown-linux-gnu
LOCK_HEADER := \# Pinned with hashes for CPython 3.11 on Linux x86_64; regenerate with `make lock` (uv).
BUILD_REQUIRES := $(BIN)/python -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"], "pip", sep="\n")'
AUDIT_PROBE := https://pypi.org/pypi/pip/24.0/json

# The locked pip goes in first: the pip a new venv brings (23.2 on CPython 3.11.7) refuses the
# lock in hash mode when a package asks for another with an extra (pip-audit's
# CacheControl[filecache]) and a newer release of it than the locked one is on the index.
$(STAMP): pyproject.toml $(DEV_LOCK)
	$(PYTHON) -m venv $(VENV)
	sed -n '/^pip==/,/^    #/p' $(DEV_LOCK) > $(VENV)/pip.lock
	$(BIN)/pip install --quiet --require-hashes --no-deps -r $(VENV)/pip.lock
	$(BIN)/pip install --quiet --require-hashes -r $(DEV_LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP) ## create .venv from requirements-dev.lock (hashes checked) and install the project

lock: $(STAMP) ## re-resolve both lock files from pyproject.toml (keeps pins that still fit; uv)
	$(BUILD_REQUIRES) | $(BIN)/uv pip compile pyproject.toml - --all-extras $(LOCK_FLAGS) -o $(DEV_LOCK)
	$(BUILD_REQUIRES) | $(BIN)/uv pip compile pyproject.toml - --extra dask -c $(DEV_LOCK) $(LOCK_FLAGS) -o $(LOCK)
	for f in $(DEV_LOCK) $(LOCK); do sed -i '/^# Pinned with hashes/d' $$f; sed -i '1i $(LOCK_HEADER)' $$f; done

audit: $(STAMP) ## pip-audit of every package in requirements-dev.lock (needs PyPI's vulnerability data)
	@$(BIN)/python -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=20)' $(AUDIT_PROBE) 2>/dev/null \
	  || { echo "make audit: PyPI's vulnerability data ($(AUDIT_PROBE)) does not answer from this machine; nothing was audited" >&2; exit 2; }
	$(BIN)/pip-audit --strict --progress-spinner off --require-hashes --disable-pip -r $(DEV_LOCK)

demo: $(STAMP) ## build the demo centre on SQLite (var/demo.db), run the pipeline, serve API + dashboard
	rm -f $(DEMO_DB)
	$(BIN)/wfm db upgrade --database-url $(DEMO_URL)
	$(BIN)/wfm demo-data --database-url $(DEMO_URL) --weeks $(DEMO_WEEKS) --agents $(DEMO_AGENTS) --seed $(DEMO_SEED)
	$(BIN)/wfm db status --database-url $(DEMO_URL)
	$(BIN)/wfm forecast --database-url $(DEMO_URL) --weeks 3
	$(BIN)/wfm requirements --database-url $(DEMO_URL)
	$(BIN)/wfm schedule --database-url $(DEMO_URL) --time-limit $(DEMO_ROSTER_SECONDS) --publish
	$(BIN)/wfm demo-catch-up --database-url $(DEMO_URL)
	$(BIN)/wfm capacity-plan DUB --months 12 --attrition 0.02 --database-url $(DEMO_URL)
	@if [ "$(DEMO_SERVE)" = "1" ]; then $(BIN)/wfm up --database-url $(DEMO_URL) --simulate; fi

test: $(STAMP) ## run the test suite (PostgreSQL tests too when WFM_TEST_DATABASE_URL is set)
	$(BIN)/pytest -q

test-postgres: $(STAMP) ## run the database tests against WFM_TEST_DATABASE_URL
	$(BIN)/pytest -q -m postgres

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP) ## mypy over every package
	$(BIN)/mypy wfm api dashboard erlang forecasting scheduling

imports: $(STAMP) ## the import-linter contracts of docs/architecture.md
	$(BIN)/lint-imports --no-cache

check: lint typecheck imports test ## lint, format check, types, import contracts, tests

bench: $(STAMP) ## run the benchmarks (they print figures against baselines)
	@for b in bench/*_bench.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

bench-roster: $(STAMP) ## the roster benchmark alone (ROSTER_BENCH_ARGS=--quick: 200 agents only)
	$(BIN)/python bench/roster_bench.py $(ROSTER_BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
