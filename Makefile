# The two commands: `make up` runs the platform (embedded default), `make test` runs every check and test.
# Both create and fill the virtual environment themselves (Python 3.11+).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock

.PHONY: up demo test test-fast lint lock bench docs clean system

# Debian packages the browser and Prometheus tests run against (Playwright cannot download browsers here).
SYSTEM_PACKAGES := chromium fonts-noto-cjk prometheus

# The exact versions of requirements.lock, then the project itself (its ranges are in pyproject.toml).
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

up: $(STAMP)            ## start every service against the embedded broker (Ctrl-C stops)
	$(BIN)/ipp up

demo: $(STAMP)          ## the same, with the demo data set loaded
	$(BIN)/ipp up --demo

lint: $(STAMP)          ## ruff (lint and import order), mypy, import-linter contracts
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

system:                 ## apt-get install the missing SYSTEM_PACKAGES (nothing when all are there)
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	    echo "apt-get install$$missing"; sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	    $$sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q $$missing; \
	fi

test: lint system       ## the checks, then unit, API, contract, deploy and e2e tests
	$(BIN)/pytest

test-fast: lint         ## the checks, then everything but the end-to-end tests
	$(BIN)/pytest -m "not e2e"

lock: $(STAMP)          ## re-resolve requirements.lock from pyproject.toml (UPGRADE=1: newest allowed releases)
	$(BIN)/uv pip compile pyproject.toml --extra dev --python $(BIN)/python $(if $(UPGRADE),--upgrade) \
	    --output-file $(LOCK)

bench: $(STAMP)         ## benchmarks (not tests); figures go in docs/performance.md
	$(BIN)/python -m bench.enterprise_write
	$(BIN)/python -m bench.freshness
	$(BIN)/python -m bench.transfer_bulk
	$(BIN)/python -m bench.rebuild --events 100000
	$(BIN)/python -m bench.restart --events 20000

docs: $(STAMP)          ## regenerate the event schemas and AsyncAPI document
	$(BIN)/python -m ipp.eventdocs

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
