# blogcms: `make run` serves the site, `make test` runs the suite. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: install run worker backup restore test lint check format bench bench-scale clean

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
	$(MANAGE) ensure_admin
	@echo "Serving blogcms at http://$(HOST):$(PORT)/ (Ctrl-C stops the server and the worker)"
	@$(MANAGE) requeue_stale_tasks
	@# The worker waits out database outages, and its supervisor restarts it if it dies.
	@$(MANAGE) run_worker --supervise --queue-name '*' & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	  $(BIN)/gunicorn -c blogcms/gunicorn.conf.py

## One supervised background task worker (run more on other hosts against the same PostgreSQL).
worker: install
	$(MANAGE) run_worker --supervise --queue-name '*'

## The database and uploaded media in one archive: var/backups/blogcms-<UTC time>.tar.gz.
backup: install
	$(MANAGE) backup

## Put a backup back into an empty database: make restore FILE=var/backups/….tar.gz [FORCE=1]
restore: install
	@test -n "$(FILE)" || { echo "usage: make restore FILE=var/backups/<name>.tar.gz [FORCE=1]"; exit 2; }
	$(MANAGE) restore "$(FILE)" $(if $(FORCE),--force)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## The browser tests alone: Playwright with Debian's Chromium; axe-core and Lighthouse (pinned
## in tests/browser/package-lock.json) audit a gunicorn-served site.
.PHONY: test-browser screenshots
test-browser: install
	test -d tests/browser/node_modules || npm ci --prefix tests/browser --no-audit --no-fund
	$(BIN)/python -m pytest -m browser $(PYTEST_ARGS)

## Retake the README's pictures (docs/screenshots/) from the demo site in Chromium.
screenshots: install
	$(BIN)/python -m tests.screenshots

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

bench-import: install  ## 10,000 WordPress posts with 100,000 comments: posts/s, comments/s, memory
	$(BIN)/python bench/wxr_import.py

clean:
	rm -rf $(VENV) var/static var/cache
