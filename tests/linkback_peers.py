"""A stub blog on 127.0.0.1 for the linkback tests: it serves the pages a test gives it
(slow, huge, compressed or plain), has its own XML-RPC and Webmention endpoints, and
records every request it receives, so a test can see exactly what blogcms fetched or sent.
"""

import datetime
import threading
import time
import urllib.request
import xmlrpc.client
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import time_machine


@dataclass
class Reply:
    status: int = 200
    headers: dict = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})
    body: bytes = b""
    # Each (bytes, seconds) pair is written then followed by a pause: a drip-feeding server.
    # With status 0 nothing else is sent, so the drip can be the status line and headers.
    drip: list = field(default_factory=list)


@dataclass
class Received:
    method: str
    path: str
    headers: dict
    body: bytes


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        blog = self.server.blog
        received = Received(self.command, self.path, dict(self.headers), body)
        blog.received.append(received)
        route = blog.routes.get(self.path.split("?")[0])
        reply = route(received) if callable(route) else route or Reply(404, body=b"not found")
        if reply.status == 0:
            self._drip(reply.drip)
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if not reply.drip and "Content-Length" not in reply.headers:
            self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self._drip([(reply.body, 0), *reply.drip])

    def _drip(self, chunks):
        try:
            for chunk, pause in chunks:
                self.wfile.write(chunk)
                self.wfile.flush()
                time.sleep(pause)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up on us, as it should with a slow or huge body
        self.close_connection = True

    do_GET = do_POST = do_HEAD = _serve

    def log_message(self, *args):
        pass


class StubBlog:
    """Another blog, running in a thread. Use as a context manager."""

    def __init__(self, host="127.0.0.1"):
        self.host = host  # any of 127.0.0.0/8, for a test that needs several addresses
        self.routes = {}
        self.received = []
        self.pingbacks = []  # (source, target) of each pingback.ping received
        self.webmentions = []  # (source, target) of each webmention received
        self.pingback_answer = "Pingback registered. Keep the web talking! :-)"
        self.verify_sources = False  # fetch each source and check its link, as blogs do
        self.routes["/xmlrpc"] = self._xmlrpc
        self.routes["/webmention"] = self._webmention
        self._server = ThreadingHTTPServer((host, 0), _Handler)
        self._server.daemon_threads = True
        self._server.blog = self

    def __enter__(self):
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    @property
    def base(self):
        return f"http://{self.host}:{self._server.server_port}"

    def url(self, path):
        return f"{self.base}{path}"

    def page(self, path, html, *, headers=None, status=200):
        """Serve `html` at `path`; returns its absolute URL."""
        all_headers = {"Content-Type": "text/html; charset=utf-8", **(headers or {})}
        self.routes[path] = Reply(status, all_headers, html.encode())
        return self.url(path)

    def requests_to(self, path):
        return [r for r in self.received if r.path.split("?")[0] == path]

    def _links_to(self, source, target):
        """As a real blog does before registering a linkback: fetch the source, find the link."""
        with urllib.request.urlopen(source, timeout=5) as page:
            return f'href="{target}"' in page.read().decode()

    def _xmlrpc(self, received):
        params, method = xmlrpc.client.loads(received.body)
        if method == "pingback.ping":
            self.pingbacks.append(tuple(params))
        answer = self.pingback_answer
        if self.verify_sources and not self._links_to(*params):
            answer = xmlrpc.client.Fault(17, "The source URL does not contain a link.")
        if isinstance(answer, xmlrpc.client.Fault):
            body = xmlrpc.client.dumps(answer, methodresponse=True)
        else:
            body = xmlrpc.client.dumps((answer,), methodresponse=True)
        return Reply(200, {"Content-Type": "text/xml"}, body.encode())

    def _webmention(self, received):
        form = parse_qs(received.body.decode())
        source, target = form["source"][0], form["target"][0]
        self.webmentions.append((source, target))
        if self.verify_sources and not self._links_to(source, target):
            return Reply(400, {"Content-Type": "text/plain"}, b"Source does not link to target")
        return Reply(202, {"Content-Type": "text/plain"}, b"Accepted")


def linking_page(title, *links, before="I read", after="and I have thoughts about it."):
    """An HTML page with a <title> whose paragraph links to each of `links`."""
    anchors = " ".join(f'<a href="{link}">this post</a>' for link in links)
    return (
        f"<!doctype html><html><head><title>{title}</title></head><body>"
        f"<p>{before} {anchors} {after}</p></body></html>"
    )


def one_rate_window():
    """The clock (still ticking) at the start of a linkback rate window: windows are fixed
    minutes, so a test that counts pings must not straddle the edge of one."""
    return time_machine.travel(datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC), tick=True)


def permalink(post):
    """A post's full address as the test client's site ("testserver") serves it."""
    return f"http://testserver{post.get_absolute_url()}"
