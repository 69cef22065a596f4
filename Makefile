# painreview: regenerate every table, figure and in-text number of the paper from raw data.
#
#   make all                       # data/synthetic -> tables/, figures/, notebooks/ (committed)
#   make all DATA=dir OUT=dir      # your own data -> OUT/tables, OUT/figures, OUT/notebooks
#   make test                      # unit tests, nbval on the notebooks, reproducibility check
#
# Each target builds the virtual environment it needs from the hash-pinned lock.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules

DATA ?= data/synthetic
OUT ?= .
CONVERSION ?= opioids_aware
SDC ?= off
JOBS ?= 2

VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
BOOT_PYTHON ?= python3
ENV_STAMP := $(VENV)/.installed
LOCK := requirements.lock
UV_VERSION := $(shell sed -n 's/^uv==\([0-9.]*\).*/\1/p' $(LOCK))

# Stamps live under the output root, so that runs into different roots never share them.
STAMPS := $(OUT)/.make
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
SOURCES := $(wildcard painreview/*.py painreview/data/*)
DATA_FILES := $(sort $(wildcard $(DATA)/*.csv $(DATA)/*.xlsx $(DATA)/*.dta))
RUN_ARGS := --data '$(DATA)' --out '$(OUT)' --conversion '$(CONVERSION)' --sdc '$(SDC)'

ARGS ?=

.PHONY: all lab env check-output validate tables notebooks report browser test test-others unit cffconvert nbval check-outputs hashes bench lock clean distclean help

help: ## list the targets and the settings with their defaults
	@echo "Targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/; s/^/  /' | expand -t 18
	@echo ""
	@echo "Settings (make TARGET NAME=value); the value shown is the default unless you set it:"
	@printf '  %-12s %-20s %s\n' \
	  DATA '$(DATA)' 'dataset folder (the raw data contract, docs/raw-data.md)' \
	  OUT '$(OUT)' 'output root: OUT/tables, OUT/figures, OUT/notebooks, OUT/report.html' \
	  CONVERSION '$(CONVERSION)' 'morphine-equivalent table: opioids_aware or cdc_2022' \
	  SDC '$(SDC)' 'disclosure control of every output: off or on' \
	  JOBS '$(JOBS)' 'notebooks run at once' \
	  BOOT_PYTHON '$(BOOT_PYTHON)' 'the Python that creates .venv (3.11 to 3.13)' \
	  VENV '$(VENV)' 'the environment folder' \
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

all: $(ENV_STAMP) ## validate DATA, then run every notebook into OUT (tables/, figures/, notebooks/)
	@$(MAKE) --no-print-directory $(STAMPS)/validated
	@$(MAKE) --no-print-directory -j$(JOBS) --output-sync=target report

# The run's settings. When they differ from the last run's into this OUT (another DATA,
# CONVERSION or SDC), validation reruns and so does every notebook after it. They are
# written only once validation has passed, so a failed run leaves nothing under OUT.
SETTINGS := $(abspath $(DATA)) $(CONVERSION) $(SDC)
ifneq ($(SETTINGS),$(shell cat '$(STAMPS)/settings' 2>/dev/null))
$(STAMPS)/validated: FORCE
endif

validate: $(STAMPS)/validated ## check DATA against the raw data contract

# Validation comes first and creates nothing under OUT when it fails.
# Data other than data/synthetic may not write into a tracked folder of the repository.
# Checked whenever validation is considered, even when its stamp is up to date.
check-output: | $(ENV_STAMP)
	@$(PY) -m painreview check-output '$(DATA)' '$(OUT)'

$(STAMPS)/validated: $(DATA_FILES) $(SOURCES) | $(ENV_STAMP) check-output
	$(PY) -m painreview validate '$(DATA)'
	@mkdir -p $(@D) && echo '$(SETTINGS)' > $(STAMPS)/settings && touch $@

tables: $(STAMPS)/validated ## write OUT/tables/ directly from the package, without notebooks
	$(PY) -m painreview tables '$(DATA)' --out '$(OUT)' --conversion '$(CONVERSION)'

NOTEBOOK_STAMPS := $(patsubst notebooks/%.ipynb,$(STAMPS)/%.done,$(NOTEBOOKS))

notebooks: $(NOTEBOOK_STAMPS) ## run every notebook (make -j2 safe)

$(STAMPS)/%.done: notebooks/%.ipynb $(SOURCES) $(DATA_FILES) $(STAMPS)/validated
	$(PY) -m painreview run-notebook $< $(RUN_ARGS)
	@touch $@

# The audit reads the tables the other notebooks write.
$(filter $(STAMPS)/08_%.done,$(NOTEBOOK_STAMPS)): $(filter-out $(STAMPS)/08_%.done,$(NOTEBOOK_STAMPS))

report: $(OUT)/report.html ## the self-contained report and the provenance manifest

$(OUT)/report.html: $(STAMPS)/validated $(NOTEBOOK_STAMPS)
	$(PY) -m painreview report '$(OUT)' --data '$(DATA)' --conversion '$(CONVERSION)' --sdc '$(SDC)'

test: $(ENV_STAMP) browser cffconvert ## unit tests, nbval on the committed notebooks, outputs reproduced
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory nbval
	@$(MAKE) --no-print-directory check-outputs
	@$(MAKE) --no-print-directory test-others

test-others: ## unit tests and the output check under every other supported Python found (tools/other-pythons.sh)
	@BOOT_PYTHON='$(BOOT_PYTHON)' tools/other-pythons.sh

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
	rm -rf .make
	$(MAKE) --no-print-directory all DATA=data/synthetic OUT=. JOBS=$(JOBS)
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
	rm -rf .make .pytest_cache .hypothesis
	find . -name __pycache__ -prune -not -path './.venv/*' -exec rm -rf {} +

distclean: clean ## also remove .venv
	rm -rf $(VENV) $(CFF_VENV) .venv-others

FORCE:
