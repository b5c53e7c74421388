# make run   - set up .venv and serve the app at http://localhost:8501
# make test  - set up .venv with dev tools, then lint and run the whole test suite
# make bench - run the benchmarks (engine speed; live page speed in headless Chromium)
# make serve-replicas N=2 - serve N replicas of the app behind HAProxy at http://localhost:8501
# make clean - remove the venv, caches and test artifacts

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test bench clean browser-deps haproxy-deps serve-replicas

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Stamp files: reinstall only when a requirements file changes.
$(VENV)/.installed-run: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt requirements-bench.txt | $(BIN)/python
	$(BIN)/python -m pip install -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed-run
	MALLOC_ARENA_MAX=2 $(BIN)/python -m streamlit run serve.py --server.port 8501  # runtime.SERVER_ENV

test: $(VENV)/.installed-dev browser-deps haproxy-deps
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-dev browser-deps
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# Browser tests need Debian's chromium. Under CI=true they are mandatory, so install it;
# elsewhere the browser tests skip with a reason when it is missing.
browser-deps:
	@if command -v chromium >/dev/null 2>&1; then \
		:; \
	elif [ "$${CI:-}" = "true" ]; then \
		echo "CI=true and chromium not on PATH: installing it with apt-get"; \
		if [ "$$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
		$$SUDO apt-get update && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	else \
		echo "chromium not on PATH: browser tests will be skipped" \
			"(install it with 'apt-get install chromium', or set CI=true)"; \
	fi

# The replica tests need Debian's haproxy: installed under CI=true, skipped elsewhere.
haproxy-deps:
	@if command -v haproxy >/dev/null 2>&1; then \
		:; \
	elif [ "$${CI:-}" = "true" ]; then \
		echo "CI=true and haproxy not on PATH: installing it with apt-get"; \
		if [ "$$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
		$$SUDO apt-get update && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y haproxy; \
	else \
		echo "haproxy not on PATH: replica tests will be skipped" \
			"(install it with 'apt-get install haproxy', or set CI=true)"; \
	fi

# N replicas of the app (one process each) behind HAProxy, sticky by cookie (deploy/).
N ?= 2
serve-replicas: $(VENV)/.installed-run
	@command -v haproxy >/dev/null 2>&1 || { echo "needs haproxy: apt-get install haproxy"; exit 1; }
	$(BIN)/python deploy/replicas.py --replicas $(N) --port 8501

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis tests/browser/artifacts
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
