# Two commands on a fresh machine: `make demo` (the main job) and `make test` (every test). Both install first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_PORT ?= 8765
EXTRAS ?= export,postgres,kafka,browser,api,distributed,agent,dev

.PHONY: install demo test bench system-deps clean deploy-check airflow
# The web console (console/) is built into the Python package when Node is present; the API works without it.
CONSOLE_BUILD := src/sightsearch/api/console_dist/index.html
CONSOLE_DEPS := console/node_modules/.package-lock.json
CONSOLE_SOURCES := $(shell find console/src console/public -type f 2>/dev/null) console/index.html console/vite.config.ts

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[$(EXTRAS)]"
	touch $@

# The package is installed editable, and pip compiles no bytecode for it: without this every process (a crawl, each
# parser process) would compile ~200 modules again at start-up (0.1-0.3 s), when PYTHONDONTWRITEBYTECODE is set.
install: $(BIN)/.installed $(CONSOLE_BUILD)
	@$(BIN)/python -m compileall -q src >/dev/null

$(CONSOLE_DEPS): console/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		cd console && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the web console is not built (install Node 20 to get it at /)"; fi

$(CONSOLE_BUILD): $(CONSOLE_DEPS) $(CONSOLE_SOURCES)
	@if command -v npm >/dev/null 2>&1; then cd console && npm run --silent build; fi

# Debian packages the tests start on 127.0.0.1 (installed only when missing; needs root or sudo).
system-deps:
	@bash scripts/system-deps.sh

demo: install
	$(BIN)/sightsearch demo --port $(DEMO_PORT)

test: install system-deps deploy-check
	$(BIN)/python -m pytest -q --ignore=tests/deploy

bench: install
	$(BIN)/python bench/crawl.py --scale
	$(BIN)/python bench/http_clients.py
	$(BIN)/python bench/analysis_cpu.py
	$(BIN)/python bench/extraction.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/events.py
	$(BIN)/python bench/browser.py
	$(BIN)/python bench/api.py
	$(BIN)/python bench/distributed.py
	$(BIN)/python bench/agent.py

# Deployment files checked without a Docker engine: hadolint, compose config (dev + prod), actionlint, nginx -t,
# shellcheck, a TLS smoke test of NGINX in front of the API and Flower, and the Airflow DAG (tests/deploy).
DEPLOY_TOOLS := $(BIN)/.deploy-tools

$(DEPLOY_TOOLS): $(BIN)/.installed pyproject.toml
	$(BIN)/python -m pip install -q -e ".[deploy]"
	touch $@

deploy-check: install $(DEPLOY_TOOLS) airflow
	@bash deploy/scripts/check-deps.sh
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/deploy

# Airflow in its own venv (its pins conflict with ours), with the project installed beside it.
AIRFLOW_VENV ?= .venv-airflow

$(AIRFLOW_VENV)/.installed: airflow/requirements.txt pyproject.toml
	test -x $(AIRFLOW_VENV)/bin/python || $(PYTHON) -m venv $(AIRFLOW_VENV)
	$(AIRFLOW_VENV)/bin/python -m pip install -q --upgrade pip
	$(AIRFLOW_VENV)/bin/python -m pip install -q -r airflow/requirements.txt
	$(AIRFLOW_VENV)/bin/python -m pip install -q --no-deps -e .
	touch $@

airflow: $(AIRFLOW_VENV)/.installed

clean:
	rm -rf $(VENV) $(AIRFLOW_VENV) .pytest_cache sightsearch.db sightsearch.db-wal sightsearch.db-shm .sightsearch
	rm -rf console/node_modules console/test-results src/sightsearch/api/console_dist
