"""gunicorn configuration for `make run` and production (deploy/systemd/blogcms-web.service);
every value can be overridden on the command line. docs/deploy.md describes the layout."""

import multiprocessing
import os

# Production binds a unix socket that nginx proxies to (`--bind unix:...` or the socket unit).
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
# gthread, except that a client gets READ_BUDGET_SECONDS (5 s) to send its whole request:
# one trickling its head or stalling its body cannot hold a thread longer (issue 7). Behind
# nginx requests arrive whole; without it (`make run`) this is the only bound.
worker_class = "blogcms.gunicorn_worker.BudgetedThreadWorker"
# A worker whose main loop is silent this long is killed (with gthread, not a slow request:
# the slowest legitimate one, a pingback fetching its source, stops itself after 10 s).
timeout = 30
graceful_timeout = 20
# Protect against huge request heads (gunicorn's defaults, stated).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = "-"
wsgi_app = "blogcms.wsgi:application"
# gunicorn 27's control socket sits at one path per user: two instances on a host would clash.
control_socket_disable = True
