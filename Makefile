# The two commands a new user needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: bytecode demo test lint typecheck pytest slow install clean bench bench-quick soak

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Bytecode written once, as a wheel install does (pip compiles it), even where the environment
# says not to write any (PYTHONDONTWRITEBYTECODE): otherwise every start compiles the sources
# again (~0.4 s of a console's start).
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q duty_console devices > /dev/null

demo: bytecode
	$(BIN)/duty-console demo

lint: $(STAMP)
	$(BIN)/ruff check duty_console devices tests bench
	$(BIN)/ruff format --check duty_console devices tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# The slow tests (long fuzzing, the many-users shift, the soak) run with `make soak`.
pytest: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow" --durations=15

# What `make test` leaves out: tests that take more than a few seconds (the wheel in a fresh venv).
slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

test: lint typecheck pytest

# Every benchmark with progress bars, then the table (also written into bench/README.md).
bench: bytecode
	$(BIN)/python bench/run.py

# Everything marked slow, then the demo soak (SOAK_MINUTES, default 60; figures in
# docs/reliability.md).
SOAK_MINUTES ?= 60
soak: $(STAMP)
	$(BIN)/python -m pytest -q -m slow
	$(BIN)/python -m tests.reliability.soak --minutes $(SOAK_MINUTES)

bench-quick: bytecode
	$(BIN)/python bench/run.py --quick

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
