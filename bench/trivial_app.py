"""The yardstick for `make bench`: a WSGI app that answers every request with the same bytes
from memory (the post page as blogcms serves it), under the same gunicorn settings.

Nothing a web application can do is faster than this, so each blogcms figure is printed as
a fraction of it: a ratio measured in the same run stays comparable on a busy machine,
where absolute requests/s do not.
"""

import os
from pathlib import Path

BODY = Path(os.environ["BENCH_TRIVIAL_BODY"]).read_bytes()
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
