# painreview: regenerate every table, figure and in-text number of the paper from raw data.
#
#   make all                       # data/synthetic -> tables/, figures/, notebooks/ (committed)
#   make all DATA=dir OUT=dir      # your own data -> OUT/tables, OUT/figures, OUT/notebooks
#   make all ... SDC=on            # with statistical disclosure control
#   make test                      # unit tests, nbval on the notebooks, reproducibility check
#
# Each target builds the virtual environment it needs from the hash-pinned lock.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules

# The run's settings reach the package in environment variables, never in a command line:
# a path with spaces, quotes or other shell characters is never split or executed. Their
# defaults and checks live in the package (painreview/settings.py): DATA=data/synthetic,
# OUT=the repository, CONVERSION=opioids_aware, SDC=off, JOBS=2.
# make expands `$` in a value given on its command line: the unexpanded text goes along
# too, and the package refuses a path that make has changed, in one line.
MAKE_RAW_DATA := $(value DATA)
MAKE_RAW_OUT := $(value OUT)
export DATA OUT CONVERSION SDC JOBS MAKE_RAW_DATA MAKE_RAW_OUT

NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))

VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
BOOT_PYTHON ?= python3
ENV_STAMP := $(VENV)/.installed
LOCK := requirements.lock
UV_VERSION := $(shell sed -n 's/^uv==\([0-9.]*\).*/\1/p' $(LOCK))

ARGS ?=
OTHER_PYTHONS ?= 3.11 3.12 3.13 3.14
# Outside the checkout (a copy inside it would be git-ignored, which the privacy tests notice).
OTHERS_DIR ?= /tmp/painreview-others-$(shell pwd | cksum | cut -d' ' -f1)

.PHONY: all lab env validate tables notebooks report browser test test-others unit cffconvert nbval check-outputs hashes bench lock clean distclean help

help: ## list the targets and the settings with their defaults
	@echo "Targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/; s/^/  /' | expand -t 18
	@echo ""
	@$(BOOT_PYTHON) -c 'from painreview.settings import help_lines; print(*help_lines(), sep="\n")'
	@printf '  %-12s %-20s %s\n' \
	  BOOT_PYTHON '$(BOOT_PYTHON)' 'the Python that creates .venv (3.11 to 3.13)' \
	  VENV '$(VENV)' 'the environment folder' \
	  OTHER_PYTHONS '$(OTHER_PYTHONS)' 'versions make test-others looks for (empty: none)' \
	  OTHERS_DIR '$(OTHERS_DIR)' 'their environments and copies' \
	  ARGS '$(ARGS)' 'extra arguments of make bench (--quick)'

lab: $(ENV_STAMP) ## start JupyterLab on the project's environment (its python3 kernel), in notebooks/
	$(PY) -m jupyter lab --notebook-dir=notebooks

env: $(ENV_STAMP) ## create .venv from the lock (nothing happens when it is up to date)

$(ENV_STAMP): $(LOCK) pyproject.toml
	@test -x $(PY) || $(BOOT_PYTHON) -m venv $(VENV)
	@test -x $(UV) && [ "$$($(UV) --version | cut -d' ' -f2)" = "$(UV_VERSION)" ] \
	  || $(PY) -m pip install --quiet --disable-pip-version-check 'uv==$(UV_VERSION)'
	$(UV) pip sync --quiet --python $(PY) --require-hashes --compile-bytecode $(LOCK)
	$(UV) pip install --quiet --python $(PY) --no-deps --no-build-isolation -e .
	@$(PY) -m compileall -q painreview
	@touch $@

# One driver process (python -m painreview run): settings checked first, the output root
# guarded and locked, validation, the notebooks whose inputs changed (by content, not
# mtime) two kernels at a time, the report; everything staged and moved into OUT only when
# the whole run succeeded. Nothing to do: it says so without importing pandas.
all: $(ENV_STAMP) ## validate DATA, then run the stale notebooks into OUT (tables/, figures/, notebooks/, report)
	@$(PY) -m painreview run --env

notebooks report: all ## (the same as make all)

validate: $(ENV_STAMP) ## check DATA against the raw data contract
	@$(PY) -m painreview validate --env

tables: $(ENV_STAMP) ## write OUT/tables/ directly from the package, without notebooks (SDC applies)
	@$(PY) -m painreview tables --env

test: $(ENV_STAMP) browser cffconvert ## unit tests, nbval on the committed notebooks, outputs reproduced
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory nbval
	@$(MAKE) --no-print-directory check-outputs
	@$(MAKE) --no-print-directory test-others

test-others: ## unit tests and the output check under every other supported Python found (tools/other-pythons.sh)
	@BOOT_PYTHON='$(BOOT_PYTHON)' SUPPORTED='$(OTHER_PYTHONS)' OTHERS='$(OTHERS_DIR)' tools/other-pythons.sh

# The report's test opens it in a real browser engine: headless Chromium from Debian.
browser: ## install Chromium for the report test when missing (needs root; CI runs as root)
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing chromium for the report test"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is not installed: the report's browser test will be skipped"; fi; }

# CITATION.cff is validated by cffconvert, in its own environment: its jsonschema < 4
# conflicts with Jupyter's.
CFF_VENV := .venv-cffconvert
cffconvert: $(CFF_VENV)/.installed ## the environment of the CITATION.cff test (tools/cffconvert.lock)

$(CFF_VENV)/.installed: tools/cffconvert.lock | $(ENV_STAMP)
	@test -x $(CFF_VENV)/bin/python || $(UV) venv --quiet --python $(PY) $(CFF_VENV)
	$(UV) pip sync --quiet --python $(CFF_VENV)/bin/python --require-hashes $<
	@touch $@

unit: $(ENV_STAMP) ## the unit tests only
	$(PY) -m pytest -q tests

# nbval compares every text output of every cell (tables, key numbers). Nothing is
# sanitised: the notebooks print no times, paths or memory addresses, so any difference
# is a real change. PNG outputs are not compared by nbval; check-outputs compares the
# figure files byte for byte.
nbval: $(ENV_STAMP) ## re-run the committed notebooks and compare their outputs
	$(PY) -m pytest -q -p no:cacheprovider --nbval --nbval-current-env $(NOTEBOOKS)

check-outputs: $(ENV_STAMP) ## regenerate everything from data/synthetic; compare with git and outputs.sha256
	$(PY) -m painreview run --data data/synthetic --out . --conversion opioids_aware --sdc off --force
	@$(PY) -m painreview check-outputs

hashes: $(ENV_STAMP) ## record the committed outputs' hashes in outputs.sha256 (after regenerating them)
	@$(PY) -m painreview check-outputs --write

bench: $(ENV_STAMP) ## measure make all, the no-op rebuild and 34 to 34,000 users; write docs/benchmarks.md (ARGS=--quick: a try)
	-$(PY) -m painreview bench $(ARGS)

lock: ## re-resolve the lock from pyproject.toml (needs the network)
	$(UV) pip compile pyproject.toml --extra dev --universal --generate-hashes --python-version 3.11 \
	  --custom-compile-command "make lock" -o $(LOCK)
	echo "cffconvert==2.0.0" | $(UV) pip compile - --universal --generate-hashes --python-version 3.11 \
	  --custom-compile-command "make lock" --quiet -o tools/cffconvert.lock

clean: ## remove stamps and caches (keeps the committed outputs and .venv)
	rm -rf .make .painreview-output .pytest_cache .hypothesis
	find . -name __pycache__ -prune -not -path './.venv/*' -exec rm -rf {} +

distclean: clean ## also remove .venv
	rm -rf $(VENV) $(CFF_VENV) $(OTHERS_DIR)

