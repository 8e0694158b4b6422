# postsale: `make run` serves the demo, `make test` runs the whole suite.
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: install run test lint format migrate demo clean

# requirements.lock (the versions CI tested and audited) constrains every package; README says how to refresh it.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --constraint requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo

# Plain HTTP on localhost: DEBUG defaults to true here (override with DEBUG=false HTTPS_ONLY=false).
# A Celery worker and beat run beside the web server (Procfile.dev), on Redis with REDIS_URL and on
# files under var/ without it.
run: demo
	@echo ""
	@echo "postsale is starting on http://127.0.0.1:8000/ with a worker and beat (stop with Ctrl-C)"
	@if [ -z "$$REDIS_URL" ]; then echo "REDIS_URL is not set: tasks queue in var/celery/, the cache is var/cache/."; fi
	@DEBUG=$${DEBUG:-true} honcho -f Procfile.dev start

test: install
	@if [ -n "$$DATABASE_URL" ]; then echo "make test: database $$DATABASE_URL"; \
	else echo "make test: DATABASE_URL is not set, using SQLite"; fi
	@if [ -n "$$REDIS_URL" ]; then echo "make test: broker $$REDIS_URL, real Celery worker tests"; \
	else echo "make test: REDIS_URL is not set, Celery tasks run in-process"; fi
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/test_layers.py

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
