# Two commands on a fresh machine (Python 3.11+ and make): `make run` serves, `make test` tests; `make lint` checks.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test lint install clean

# Each step says what it does: a first install takes a minute or two, and a silent terminal looks stuck.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed (set PYTHON=python3.11)")'
	@test -x $(BIN)/python || { echo "Creating the virtual environment in $(VENV)..."; $(PYTHON) -m venv $(VENV); }
	@echo "Installing Avatar Creator and its dependencies into $(VENV) (a minute or two the first time)..."
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)
	@echo "Installed."

# The tests also build tiny diffusers pipelines, so they install the `local` extra (CPU torch 2.13.0).
$(TEST_STAMP): $(STAMP)
	@echo "Installing the test extras (CPU torch and diffusers, a few minutes the first time)..."
	@$(BIN)/python -m pip install --quiet -e '.[dev,local]'
	@touch $(TEST_STAMP)

install: $(STAMP)

# `avatar-creator run` migrates, seeds and serves, saying each step; the same command works on Windows and macOS.
run: $(STAMP)
	@$(BIN)/avatar-creator run

# The tests that assert a latency or a rate (marked `serial`) run alone first; the rest then runs on TEST_PROCESSES
# processes, a file per process at a time (a file's servers and browser are shared by its tests). Exit code 5 is
# "nothing selected", which PYTEST_ARGS naming only one kind of test gives.
TEST_PROCESSES ?= 2
test: $(TEST_STAMP)
	@echo "Running the timing-sensitive tests alone (pytest -m serial $(PYTEST_ARGS))..."
	@$(BIN)/python -m pytest -m serial $(PYTEST_ARGS); serial=$$?; \
	echo "Running the rest on $(TEST_PROCESSES) processes (pytest -m 'not serial' -n $(TEST_PROCESSES) $(PYTEST_ARGS))..."; \
	$(BIN)/python -m pytest -m "not serial" -n $(TEST_PROCESSES) --dist loadfile $(PYTEST_ARGS); rest=$$?; \
	for status in $$serial $$rest; do [ $$status -eq 0 ] || [ $$status -eq 5 ] || exit $$status; done

# ruff and mypy come with the `dev` extra; mypy treats the `local` extra's torch and diffusers as opaque.
# hadolint and check-jsonschema too: the Dockerfile's lint, and compose.yaml against the vendored Compose schema.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy avatar_creator
	$(BIN)/hadolint Dockerfile
	$(BIN)/check-jsonschema --schemafile deploy/compose-spec.json compose.yaml

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
