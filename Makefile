# Two commands on a fresh machine: `make demo` (the main job) and `make test` (every test). Both install first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_PORT ?= 8765
EXTRAS ?= export,postgres,kafka,browser,api,distributed,agent,dev

.PHONY: install demo test bench system-deps clean
# The web console (console/) is built into the Python package when Node is present; the API works without it.
CONSOLE_BUILD := src/sightsearch/api/console_dist/index.html
CONSOLE_DEPS := console/node_modules/.package-lock.json
CONSOLE_SOURCES := $(shell find console/src console/public -type f 2>/dev/null) console/index.html console/vite.config.ts

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[$(EXTRAS)]"
	touch $@

install: $(BIN)/.installed $(CONSOLE_BUILD)

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

test: install system-deps
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python bench/crawl.py
	$(BIN)/python bench/extraction.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/events.py
	$(BIN)/python bench/browser.py
	$(BIN)/python bench/api.py
	$(BIN)/python bench/distributed.py
	$(BIN)/python bench/agent.py

clean:
	rm -rf $(VENV) .pytest_cache sightsearch.db sightsearch.db-wal sightsearch.db-shm .sightsearch
	rm -rf console/node_modules console/test-results src/sightsearch/api/console_dist
