# Two commands on a fresh Debian machine:
#   make demo   set everything up, print the ranked attack paths of the demo estate (to
#               secrets, and into AWS account admin), the fixes that cut them, write
#               demo-paths.svg
#   make test   set everything up, run the whole suite (unit, CLI, notebook, lint, types)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench graphviz chromium clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq python3-venv; \
	  else echo "Python's venv module is missing: run 'sudo apt-get install -y python3-venv'" >&2; exit 1; fi; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@$(BIN)/python -c 'import boto3, kubernetes; assert int(boto3.__version__.split(".")[1]) >= 40, boto3.__version__' \
	  || { echo "dependency resolution went wrong (see pyproject.toml pins)" >&2; exit 1; }
	@touch $@

# Graphviz's `dot` renders the diagrams; without it riskgraph still writes DOT text.
graphviz:
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && apt-get install -y -qq graphviz; \
	  else echo "Graphviz 'dot' is not installed: run 'sudo apt-get install -y graphviz'" \
	       "(macOS: 'brew install graphviz'); SVG output needs it." >&2; fi; }

# Headless Chromium renders the HTML report in its test; without it that one test skips.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    { apt-get update -qq && apt-get install -y -qq chromium; } \
	      || echo "could not install Chromium: the HTML report's browser test skips" >&2; \
	  else echo "Chromium is not installed: run 'sudo apt-get install -y chromium'" \
	       "to run the HTML report's browser test (it is skipped meanwhile)." >&2; fi; }

demo: $(STAMP) graphviz
	$(BIN)/riskgraph paths --demo --to secret
	$(BIN)/riskgraph paths --demo --to aws-admin --quiet
	$(BIN)/riskgraph fixes --demo --to secret --quiet
	$(BIN)/riskgraph paths --demo --to secret --format svg -o demo-paths.svg --quiet \
	  && echo "wrote demo-paths.svg"

lint: $(STAMP)
	$(BIN)/ruff check riskgraph ingest queries tests bench
	$(BIN)/mypy

test: $(STAMP) graphviz chromium
	$(BIN)/python -m pytest -n 2
	$(MAKE) --no-print-directory lint

# Scale benchmark: make bench PODS=150000
PODS ?= 10000
bench: $(STAMP)
	$(BIN)/python -m bench.run --pods $(PODS)

clean:
	rm -rf $(VENV) demo-paths.svg bench/out .pytest_cache .mypy_cache .ruff_cache
