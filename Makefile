# Two commands: `make run` starts Studio, `make test` runs the whole suite.
# Both create .venv and install on first use, and reuse it afterwards.
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench load install

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "Studio: http://127.0.0.1:$(PORT)  (Ctrl-C stops the web server and the workers)"
	STUDIO_PORT=$(PORT) $(BIN)/honcho start --no-colour

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy studio
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run

bench: $(STAMP)
	$(BIN)/python manage.py bench $(BENCH_ARGS)

# 50 simulated users browsing, searching and streaming for 60 s against a seeded gunicorn.
load: $(STAMP)
	$(BIN)/python manage.py loadtest $(LOAD_ARGS)
