"""The production layout as real processes, for tests/test_slow_clients.py: a throw-away
site (SQLite in a temporary folder, production settings), gunicorn with the project's config
on a unix socket, nginx with the shipped server block (deploy/nginx/blogcms.conf) in front,
clients that stall, and a reader who times page views. Everything binds 127.0.0.1 (or a
socket in the folder) and is stopped by its context manager, whatever happens.
"""

import http.client
import os
import pwd
import select
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NGINX = Path("/usr/sbin/nginx")
SHIPPED_CONF = ROOT / "deploy" / "nginx" / "blogcms.conf"
SERVER_NAME = "blog.example.com"
SEED_URL = "/2011/08/19/ny-rep-serrano-opposes-s-comm-policy/"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_group(process, grace=10):
    """SIGTERM to the process group, SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class Site:
    """A folder with a migrated SQLite database, the demo post and collected static files,
    and the environment production gives gunicorn (blogcms.production, behind a proxy)."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.var = self.folder / "var"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "blogcms.production",
            "BLOGCMS_VAR_DIR": str(self.var),
            "DATABASE_URL": f"sqlite:///{self.var / 'blogcms.sqlite3'}",
            "SECRET_KEY": "slow-clients-test-" + "x" * 40,
            "ALLOWED_HOSTS": SERVER_NAME,
            "BLOGCMS_SITE_URL": f"https://{SERVER_NAME}",
            "BLOGCMS_CLIENT_IP_HEADER": "HTTP_X_REAL_IP",
            "LOG_LEVEL": "WARNING",
        }
        self.env.pop("REDIS_URL", None)

    def build(self):
        self.var.mkdir(parents=True, exist_ok=True)
        setup = (
            "from django.core.management import call_command as c; "
            "c('migrate', verbosity=0); c('createcachetable'); c('load_demo'); "
            "c('collectstatic', interactive=False, verbosity=0)"
        )
        subprocess.run(
            [BIN / "python", "manage.py", "shell", "--command", setup],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        return self


class Gunicorn:
    """gunicorn with blogcms/gunicorn.conf.py (or another config), in its own process group."""

    def __init__(self, site, bind, workers=3, config=ROOT / "blogcms" / "gunicorn.conf.py"):
        self.site = site
        self.bind = bind
        self.env = {**site.env, "WEB_CONCURRENCY": str(workers)}
        self.config = config
        self.log = site.folder / "gunicorn.log"
        self.process = None

    def __enter__(self):
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [BIN / "gunicorn", "-c", self.config, "--bind", self.bind],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_until_answering()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_until_answering(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log.read_text()[-3000:]}")
            try:
                if page_view(self.connection, "/").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def __exit__(self, *exc):
        if self.process:
            stop_group(self.process)

    def connection(self, timeout=5):
        """A plain HTTP connection straight to gunicorn, as nginx makes one."""
        if self.bind.startswith("unix:"):
            return UnixHTTPConnection(self.bind.removeprefix("unix:"), timeout)
        host, port = self.bind.rsplit(":", 1)
        return http.client.HTTPConnection(host, int(port), timeout=timeout)

    def address(self):
        """(family, address) to open a raw socket to gunicorn."""
        if self.bind.startswith("unix:"):
            return socket.AF_UNIX, self.bind.removeprefix("unix:")
        host, port = self.bind.rsplit(":", 1)
        return socket.AF_INET, (host, int(port))


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def render_shipped_conf(folder, var, upstream, http_port, https_port):
    """deploy/nginx/blogcms.conf with this machine's ports, paths and a self-signed
    certificate; every other line is the shipped one. Each replaced text must be there."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-days", "1", "-subj", f"/CN={SERVER_NAME}", "-keyout", key, "-out", cert],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    replacements = [
        ("    listen [::]:80;\n", ""),
        ("    listen [::]:443 ssl http2;\n", ""),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        (f"/etc/letsencrypt/live/{SERVER_NAME}/fullchain.pem", str(cert)),
        (f"/etc/letsencrypt/live/{SERVER_NAME}/privkey.pem", str(key)),
        ("root /srv/blogcms/var;", f"root {var};"),
        ("server unix:/run/blogcms/gunicorn.sock ", f"server {upstream} "),
    ]
    text = SHIPPED_CONF.read_text()
    for shipped, here in replacements:
        assert text.count(shipped) == 1, f"deploy/nginx/blogcms.conf no longer has {shipped!r}"
        text = text.replace(shipped, here)
    return text


class Nginx:
    """nginx as this user, with a main config of its own (pid, logs and temporary files in
    the folder) whose http block includes the rendered shipped server block."""

    def __init__(self, folder, var, upstream):
        self.folder = Path(folder)
        self.var = var
        self.upstream = upstream
        self.http_port = free_port()
        self.https_port = free_port()
        self.process = None

    def write_config(self):
        self.folder.mkdir(exist_ok=True)
        site_conf = self.folder / "blogcms.conf"
        site_conf.write_text(
            render_shipped_conf(
                self.folder, self.var, self.upstream, self.http_port, self.https_port
            )
        )
        temp = self.folder / "temp"
        main = self.folder / "nginx.conf"
        main.write_text(
            f"""
daemon off;
user {pwd.getpwuid(os.geteuid()).pw_name};
worker_processes 1;
pid {self.folder / "nginx.pid"};
error_log {self.folder / "error.log"} info;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    access_log {self.folder / "access.log"};
    client_body_temp_path {temp / "body"};
    proxy_temp_path {temp / "proxy"};
    fastcgi_temp_path {temp / "fastcgi"};
    uwsgi_temp_path {temp / "uwsgi"};
    scgi_temp_path {temp / "scgi"};
    include {site_conf};
}}
"""
        )
        temp.mkdir(exist_ok=True)
        return main

    def command(self, *args):
        return [NGINX, "-p", self.folder, "-c", self.folder / "nginx.conf", "-e", "stderr", *args]

    def __enter__(self):
        self.write_config()
        self.log = self.folder / "nginx.out"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            deadline = time.monotonic() + 20
            while page_view(self.connection, "/").status != 200:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"nginx did not answer:\n{self.log.read_text()[-3000:]}")
                time.sleep(0.1)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        if self.process:
            stop_group(self.process)

    def connection(self, timeout=5, source="127.0.0.1"):
        """An HTTPS connection to nginx from the address `source`, trusting its self-signed
        certificate."""
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return http.client.HTTPSConnection(
            "127.0.0.1",
            self.https_port,
            timeout=timeout,
            context=context,
            source_address=(source, 0),
        )

    def address(self):
        return socket.AF_INET, ("127.0.0.1", self.https_port)

    def wrap(self, sock):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context.wrap_socket(sock)


@dataclass
class View:
    path: str
    status: int | None  # None: no answer within the connection's timeout
    seconds: float


def page_view(connect, path, timeout=5):
    """One visitor's GET on a new connection, as nginx sends it on (Host, HTTPS)."""
    started = time.monotonic()
    conn = connect(timeout=timeout)
    try:
        headers = {"Host": SERVER_NAME, "X-Forwarded-Proto": "https"}
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        return View(path, response.status, time.monotonic() - started)
    except (TimeoutError, ConnectionError, http.client.HTTPException):
        return View(path, None, time.monotonic() - started)
    finally:
        conn.close()


def fetch(conn, method, path, body=None):
    """(status, headers, body) of one request on the connection `conn`, which it closes."""
    try:
        conn.request(method, path, body=body, headers={"Host": SERVER_NAME})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def read_pages(connect, seconds=None, until=None, paths=("/", SEED_URL), pause=0.2, timeout=5):
    """A reader going from page to page for `seconds` (or until the monotonic time `until`);
    every view, timed."""
    views = []
    deadline = until if until is not None else time.monotonic() + seconds
    while time.monotonic() < deadline:
        views.append(page_view(connect, paths[len(views) % len(paths)], timeout))
        time.sleep(pause)
    return views


class SlowClients:
    """`count` connections that never complete a request, each from its own loopback
    address (127.0.1.x): half send their request head one byte a second, half send a head
    announcing a 10 kB body, a few bytes of it, then nothing. Records when the server hung
    up on each (seconds after the attack began: `started`; all are connected at `connected`)."""

    TRICKLED_HEAD = (
        f"GET / HTTP/1.1\r\nHost: {SERVER_NAME}\r\nX-Forwarded-Proto: https\r\n".encode()
        + b"X-Padding: " + b"a" * 400 + b"\r\n\r\n"
    )  # fmt: skip
    STALLED_HEAD = (
        f"POST /xmlrpc.php HTTP/1.1\r\nHost: {SERVER_NAME}\r\nX-Forwarded-Proto: https\r\n"
        "Content-Type: text/xml\r\n"
        "Content-Length: 10000\r\n\r\n<?xml version"
    ).encode()

    def __init__(self, server, count=50):
        self.server = server
        self.count = count
        self.clients = []  # [socket, bytes sent of the trickled head, or None for a staller]
        self.hung_up = {}  # client index -> seconds after the start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle, daemon=True)

    def __enter__(self):
        family, address = self.server.address()
        self.started = time.monotonic()
        try:
            for i in range(self.count):
                sock = socket.socket(family, socket.SOCK_STREAM)
                sock.settimeout(5)
                if family == socket.AF_INET:
                    sock.bind((f"127.0.1.{i + 1}", 0))
                sock.connect(address)
                if hasattr(self.server, "wrap"):
                    sock = self.server.wrap(sock)
                trickler = i % 2 == 0
                if not trickler:
                    sock.sendall(self.STALLED_HEAD)
                self.clients.append([sock, 0 if trickler else None])
        except BaseException:
            self.__exit__()
            raise
        self.connected = time.monotonic()
        self._thread.start()
        return self

    def _trickle(self):
        while not self._stop.is_set():
            for i, client in enumerate(self.clients):
                sock, sent = client
                if i in self.hung_up or sent is None or sent >= len(self.TRICKLED_HEAD):
                    continue
                try:
                    sock.send(self.TRICKLED_HEAD[sent : sent + 1])
                    client[1] += 1
                except OSError:
                    self.hung_up[i] = time.monotonic() - self.started
            self._notice_hang_ups(timeout=1.0)

    def _notice_hang_ups(self, timeout):
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0 and not self._stop.is_set():
            waiting = [c[0] for i, c in enumerate(self.clients) if i not in self.hung_up]
            if not waiting:
                self._stop.wait(left)
                return
            readable, _, _ = select.select(waiting, [], [], left)
            for sock in readable:
                i = next(i for i, c in enumerate(self.clients) if c[0] is sock)
                try:
                    sock.settimeout(0.1)
                    data = sock.recv(65536)
                except (TimeoutError, ssl.SSLWantReadError):
                    continue
                except OSError:
                    data = b""
                if not data:  # an answer (408, 400) is followed by the close
                    self.hung_up[i] = time.monotonic() - self.started

    def still_connected(self):
        return self.count - len(self.hung_up)

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        for sock, _ in self.clients:
            sock.close()
