# The two commands a newcomer needs are `make run` and `make test` (see README.md).
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test lint bench fuzz clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/tongxin migrate
	$(BIN)/tongxin demo
	$(BIN)/tongxin serve

test: install
	scripts/services.sh
	scripts/chromium.sh
	$(BIN)/pytest
	$(MAKE) --no-print-directory lint

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install
	scripts/services.sh
	$(BIN)/python -m bench $(ONLY)

# Schemathesis, every operation and phase, as an admin, on a fresh PostgreSQL database (under
# 10 minutes); `make fuzz FUZZ="sqlite --max-examples 5"` for other budgets (python -m fuzz -h).
fuzz: install
	scripts/services.sh
	$(BIN)/python -m fuzz $(FUZZ)

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache
