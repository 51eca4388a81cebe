# Two commands for a fresh machine (see README.md):
#   make release   build the release (validates first) and the docs site
#   make test      run the test suite
# Each creates .venv and installs the package with its development dependencies when needed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: release validate test lint docs clean

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

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/sce generate --check
	$(BIN)/sce fmt --check
	$(BIN)/python -m pytest -q

clean:
	rm -rf dist site build .pytest_cache
