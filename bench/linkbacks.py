"""Time pingback.ping round trips over real HTTP on 127.0.0.1: successful ones (our
endpoint fetches the source page from a stub blog, verifies the link and stores the
pingback) and refused ones (before any fetch, fault 33; after the fetch, fault 17; by the
per-address rate, fault 49, before connecting).

    .venv/bin/python bench/linkbacks.py [--calls 50]

Uses a throwaway SQLite database in a temporary var/ directory; prints medians and p95.
"""

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import xmlrpc.client
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class ThreadedWSGIServer(WSGIServer):
    daemon_threads = True

    def process_request(self, request, client_address):
        threading.Thread(target=self._handle, args=(request, client_address), daemon=True).start()

    def _handle(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        finally:
            self.shutdown_request(request)


def setup_django(var_dir):
    os.environ.update(
        DJANGO_SETTINGS_MODULE="blogcms.settings",
        BLOGCMS_VAR_DIR=var_dir,
        BLOGCMS_FETCH_ALLOW_LOOPBACK="1",
        BLOGCMS_PLAIN_STATIC="1",
        BLOGCMS_PAGE_CACHE="0",
    )
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)  # the "ratelimit" cache, as `make run`
    # The per-host rate limit would refuse the bench itself after ten calls.
    settings.BLOGCMS_LINKBACK_RATE = (10**6, 60)


def timed(samples, fn):
    started = time.perf_counter()
    try:
        return fn()
    finally:
        samples.append((time.perf_counter() - started) * 1000)


def summary(name, samples):
    samples = sorted(samples)
    p95 = samples[max(int(len(samples) * 0.95) - 1, 0)]
    median = statistics.median(samples)
    print(f"{name:<42} n={len(samples):<4} median {median:6.1f} ms   p95 {p95:6.1f} ms")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as var_dir:
        setup_django(var_dir)
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.core.wsgi import get_wsgi_application
        from django.utils import timezone

        from posts.models import Post
        from tests.linkback_peers import StubBlog, linking_page

        author = get_user_model().objects.create(username="bench")
        post = Post.objects.create(
            title="Target", slug="target", author=author, body="<p>x</p>",
            status=Post.Status.PUBLISHED, published_at=timezone.now() - timezone.timedelta(days=1),
        )  # fmt: skip
        draft = Post.objects.create(title="Draft", slug="draft", author=author, body="<p>x</p>")
        server = make_server(
            "127.0.0.1", 0, get_wsgi_application(), ThreadedWSGIServer, QuietHandler
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        endpoint = xmlrpc.client.ServerProxy(f"{base}/xmlrpc.php")
        target = base + post.get_absolute_url()
        ok, before_fetch, after_fetch, over_rate = [], [], [], []
        with StubBlog() as stub:
            for n in range(args.calls):
                source = stub.page(f"/s{n}/", linking_page(f"Source {n}", target))
                timed(ok, lambda s=source: endpoint.pingback.ping(s, target))
                unlinked = stub.page(f"/u{n}/", linking_page(f"Other {n}", base + "/elsewhere/"))
                for samples, src, tgt, code in [
                    (before_fetch, source, base + draft.get_absolute_url(), 33),
                    (after_fetch, unlinked, target, 17),
                ]:
                    try:
                        timed(samples, lambda s=src, t=tgt: endpoint.pingback.ping(s, t))
                    except xmlrpc.client.Fault as fault:
                        assert fault.faultCode == code, fault
            settings.BLOGCMS_LINKBACK_RATE = (0, 60)  # every source address is over its rate
            for n in range(args.calls):
                source = stub.url(f"/u{n}/")
                try:
                    timed(over_rate, lambda s=source: endpoint.pingback.ping(s, target))
                except xmlrpc.client.Fault as fault:
                    assert fault.faultCode == 49, fault
        server.shutdown()
        summary("pingback.ping registered (fetch + store)", ok)
        summary("pingback.ping refused before fetch (33)", before_fetch)
        summary("pingback.ping refused after fetch (17)", after_fetch)
        summary("pingback.ping refused by the rate (49)", over_rate)


if __name__ == "__main__":
    main()
