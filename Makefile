# The two commands: `make up` runs the platform (embedded default), `make test` runs every test.
# Both create and fill the virtual environment themselves (Python 3.11+).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: up demo test test-fast lint bench docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

up: $(STAMP)            ## start every service against the embedded broker (Ctrl-C stops)
	$(BIN)/ipp up

demo: $(STAMP)          ## the same, with the demo data set loaded
	$(BIN)/ipp up --demo

test: $(STAMP)          ## import contracts, unit, API, contract, deploy and e2e tests
	$(BIN)/lint-imports
	$(BIN)/pytest

test-fast: $(STAMP)     ## everything but the end-to-end tests
	$(BIN)/lint-imports
	$(BIN)/pytest -m "not e2e"

bench: $(STAMP)         ## benchmarks (not tests); figures go in docs/performance.md
	$(BIN)/python -m bench.enterprise_write
	$(BIN)/python -m bench.freshness
	$(BIN)/python -m bench.transfer_bulk

docs: $(STAMP)          ## regenerate the event schemas and AsyncAPI document
	$(BIN)/python -m ipp.eventdocs

clean:
	rm -rf var .pytest_cache
