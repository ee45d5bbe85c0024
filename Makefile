# The two commands: `make up` runs the platform (embedded default), `make test` runs every check and test.
# Both create and fill the virtual environment themselves (Python 3.11+).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock

.PHONY: up demo test test-fast lint lock bench docs clean system assets

# Debian packages the browser and Prometheus tests run against (Playwright cannot download browsers here).
SYSTEM_PACKAGES := chromium fonts-noto-cjk prometheus

# The exact versions of requirements.lock, then the project itself (its ranges are in pyproject.toml).
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

# The dashboard's front-end libraries (ECharts), pinned in package-lock.json and served by the reporting
# API itself (no CDN at run time): `npm ci` when node_modules is missing or the lock changed.
DASHBOARD := services/reporting/dashboard
ASSETS    := $(DASHBOARD)/node_modules/.installed

$(ASSETS): $(DASHBOARD)/package.json $(DASHBOARD)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "apt-get install npm"; sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	    $$sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q npm; }
	cd $(DASHBOARD) && npm ci --ignore-scripts --no-audit --no-fund
	touch $(ASSETS)

assets: $(ASSETS)       ## install the dashboard's pinned front-end libraries (npm ci)

up: $(STAMP) $(ASSETS)  ## start every service against the embedded broker (Ctrl-C stops)
	$(BIN)/ipp up

demo: $(STAMP) $(ASSETS) ## the same, with the demo data set loaded
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

test: lint system $(ASSETS) ## the checks, then unit, API, contract, deploy and e2e tests
	$(BIN)/pytest

test-fast: lint $(ASSETS) ## the checks, then everything but the end-to-end tests
	$(BIN)/pytest -m "not e2e"

lock: $(STAMP)          ## re-resolve requirements.lock from pyproject.toml (UPGRADE=1: newest allowed releases)
	$(BIN)/uv pip compile pyproject.toml --extra dev --python $(BIN)/python $(if $(UPGRADE),--upgrade) \
	    --output-file $(LOCK)

bench: $(STAMP)         ## benchmarks (not tests); figures go in docs/performance.md
	$(BIN)/python -m bench.enterprise_write
	$(BIN)/python -m bench.freshness
	$(BIN)/python -m bench.kpi_read
	$(BIN)/python -m bench.transfer_bulk
	$(BIN)/python -m bench.demo_load
	$(BIN)/python -m bench.transfer_xlsx
	$(BIN)/python -m bench.rebuild --events 100000
	$(BIN)/python -m bench.restart --events 20000
	$(BIN)/python -m bench.scaleout --writes 500   # needs IPP_TEST_POSTGRES_URL (SKIPPED without)

docs: $(STAMP)          ## regenerate the event schemas and AsyncAPI document
	$(BIN)/python -m ipp.eventdocs

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
