"""gunicorn configuration for `make run`; every value can be overridden on the command line."""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = 30
graceful_timeout = 20
# Protect against slow or huge request heads.
limit_request_line = 8190
limit_request_fields = 100
accesslog = "-"
wsgi_app = "blogcms.wsgi:application"
# gunicorn 27's control socket sits at one path per user: two instances on a host would clash.
control_socket_disable = True
