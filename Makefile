# Two commands on a fresh machine: `make demo` (the main job) and `make test` (every test). Both install first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_PORT ?= 8765
EXTRAS ?= export,postgres,kafka,browser,api,distributed,dev

.PHONY: install demo test bench system-deps clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[$(EXTRAS)]"
	touch $@

install: $(BIN)/.installed

# Debian packages the tests start on 127.0.0.1 (installed only when missing; needs root or sudo).
system-deps:
	@bash scripts/system-deps.sh

demo: install
	$(BIN)/sightsearch demo --port $(DEMO_PORT)

test: install system-deps
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python bench/crawl.py --scale
	$(BIN)/python bench/extraction.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/events.py
	$(BIN)/python bench/browser.py
	$(BIN)/python bench/api.py
	$(BIN)/python bench/distributed.py

clean:
	rm -rf $(VENV) .pytest_cache sightsearch.db sightsearch.db-wal sightsearch.db-shm .sightsearch
