# Two commands: `make run` (set up from nothing, serve with demo data) and `make test` (set up, run everything).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed-stamp

.PHONY: run test setup messages migrate up lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP) messages

messages: $(STAMP)
	$(BIN)/pybabel -q compile -d locale -D django  # a fuzzy (unchecked) English guess is never shipped

migrate: setup
	$(BIN)/python manage.py migrate --noinput

run: migrate
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The full stack of SPEC §2: web (gunicorn), Celery worker and beat against DATABASE_URL and REDIS_URL.
up: setup
	@test -n "$$DATABASE_URL" || { echo "make up needs DATABASE_URL (PostgreSQL) and REDIS_URL"; exit 2; }
	@test -n "$$REDIS_URL" || { echo "make up needs DATABASE_URL (PostgreSQL) and REDIS_URL"; exit 2; }
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/honcho start

test: setup
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=takamatsu.settings.test
	$(BIN)/ruff check --quiet apps takamatsu tests
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check apps takamatsu tests bench
	$(BIN)/lint-imports

bench: setup
	$(BIN)/python bench/catalogue_pages.py
	$(BIN)/python bench/pdf_render.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
