# blogcms: `make run` serves the site, `make test` runs the suite. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: install run worker test lint check format bench bench-scale clean

$(BIN)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt ".[test]"
	touch $@

install: $(BIN)/.installed

## Migrate, load the demo content, collect static files, then serve with gunicorn and a task worker.
run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) createcachetable
	$(MANAGE) load_demo
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(MANAGE) ensure_admin --url http://$(HOST):$(PORT)/admin/
	@echo "Serving blogcms at http://$(HOST):$(PORT)/ (Ctrl-C stops the server and the worker)"
	@$(MANAGE) requeue_stale_tasks
	@$(MANAGE) db_worker --queue-name '*' & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/gunicorn -c blogcms/gunicorn.conf.py

## One background task worker (run more on other hosts against the same PostgreSQL).
worker: install
	$(MANAGE) db_worker --queue-name '*'

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## What CI checks besides the tests: lint, formatting, no missing migration.
check: lint
	$(MANAGE) makemigrations --check --dry-run

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Requests/s, latency and worker memory under load, with and without the page cache.
bench: install
	$(BIN)/python bench/run.py

## The post page's queries and render time with 10, 100 and 1,000 comments; then every page
## type on a big blog (100,000 posts, 1,000,000 comments) on PostgreSQL against a small one
## (BENCH_DATABASE_URL, kept between runs; BIG_BLOG_ARGS=--rebuild makes it again).
bench-scale: install
	$(BIN)/python bench/comments_scale.py
	$(BIN)/python bench/big_blog.py $(BIG_BLOG_ARGS)

clean:
	rm -rf $(VENV) var/static var/cache
