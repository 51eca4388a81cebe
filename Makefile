# Two commands for a fresh machine (see README.md):
#   make release   build the release (validates first) and the docs site
#   make test-all  run every test (what CI runs: .ci/run)
# and, while working, `make test`: the fast tier (everything but the wheel build, the browser, the
# tests of the release build and of the documentation site, the Frictionless command line and the
# tests marked slow; pyproject.toml lists the marks), with fewer Hypothesis examples per property,
# spread over the machine's cores (pytest-xdist).
# Each creates .venv and installs the package with its development dependencies when needed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: release validate check test test-all lint docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

validate: $(STAMP)
	$(BIN)/sce validate

# Validates, builds dist/<name>-<version>/ and its zip, updates the loader's registry, builds the
# site into dist/site. PREVIOUS=<release dir or zip> adds the release diff and the SemVer check.
release: $(STAMP)
	$(BIN)/sce build $(if $(PREVIOUS),--previous "$(PREVIOUS)")

FAST_TIER := not (slow or wheel or browser or release_build or site_build or frictionless_cli)

check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/sce generate --check
	$(BIN)/sce fmt --check

test: check
	HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-fast} $(BIN)/python -m pytest -q -n auto -m "$(FAST_TIER)"

test-all: check
	$(BIN)/python -m pytest -q

clean:
	rm -rf dist site build .pytest_cache
