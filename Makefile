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

.PHONY: install demo test test-postgres check lint format typecheck imports bench bench-roster clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## create .venv and install the project with its dev tools

demo: $(STAMP) ## build the demo centre on SQLite (var/demo.db), run the pipeline, serve API + dashboard
	rm -f $(DEMO_DB)
	$(BIN)/wfm db upgrade --database-url $(DEMO_URL)
	$(BIN)/wfm demo-data --database-url $(DEMO_URL) --weeks $(DEMO_WEEKS) --agents $(DEMO_AGENTS) --seed $(DEMO_SEED)
	$(BIN)/wfm db status --database-url $(DEMO_URL)
	$(BIN)/wfm forecast --database-url $(DEMO_URL) --weeks 3
	$(BIN)/wfm requirements --database-url $(DEMO_URL)
	$(BIN)/wfm schedule --database-url $(DEMO_URL) --time-limit $(DEMO_ROSTER_SECONDS) --publish
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
