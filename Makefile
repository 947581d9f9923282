# The two commands the README starts with: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 3000
export KONSPEKT_DATA_DIR ?= $(CURDIR)/data
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
# llama-cpp-python builds llama.cpp from source: portable (no -march=native), so the wheel pip
# caches runs on any x86-64 machine; ~12 minutes on 2 cores, once.
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF

.PHONY: run home test install lint format lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# constraints.txt pins the whole resolved tree, so every machine gets the same versions.
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e .
	$(BIN)/pip check
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	$(BIN)/pip check
	touch $@

install: $(VENV)/.installed

# The instance folder, prepared by the same code as `konspekt` uses when it runs first:
# $(DAGSTER_HOME)/dagster.yaml links to this repository's dagster.yaml.
home: $(VENV)/.installed
	bash scripts/install-system-packages.sh run
	$(BIN)/python -m konspekt.instance "$(DAGSTER_HOME)"

run: home
	$(BIN)/dagster dev -w workspace.yaml -h $(HOST) -p $(PORT)

test: $(VENV)/.installed-dev
	bash scripts/install-system-packages.sh test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# After changing dependencies in pyproject.toml: re-resolve and re-pin the tree.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet -e '.[dev]' && .lock-venv/bin/pip check
	.lock-venv/bin/pip freeze --exclude-editable | grep -v '^-e' > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
