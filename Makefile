# Every target creates .venv on first use with the pinned versions of constraints.txt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench venv clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,fast]"
	# The bytecode an installed wheel has: an editable install compiles none, and where
	# PYTHONDONTWRITEBYTECODE is set no process writes it, so every command would compile
	# its ~50 modules from source first (about 0.1 s of each start).
	$(BIN)/python -m compileall -q app screens services
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/redrive-console demo

test: $(STAMP)
	env -u NO_COLOR -u TEXTUAL_THEME $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check app screens services tests bench

bench: $(STAMP)
	$(BIN)/python bench/storage.py
	$(BIN)/python bench/planner.py
	$(BIN)/python bench/redrive.py
	$(BIN)/python bench/ui.py
	$(BIN)/python bench/preflight.py

clean:
	rm -rf $(VENV)
