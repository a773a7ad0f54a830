"""The safe fetcher: the only code that fetches a URL someone else gave us.

Pingback and webmention sources, endpoint discovery and the calls we make to other
blogs' endpoints all come through here, because every one of those URLs is chosen by a
stranger and could point at this machine's private services (SSRF). The rules:

- http and https only; the host is resolved once and EVERY address it resolves to must be
  public (addresses.py), whatever spelling the URL uses: we check the addresses the
  resolver returns, so 2130706433, 0177.0.0.1, 0x7f.1 and 127.1 are all 127.0.0.1;
- we connect to the address we checked (DNS cannot swap it afterwards); TLS still
  verifies the certificate against the host name through SNI;
- each redirect (at most 3) goes through the same checks;
- connect and read timeouts, and a watchdog that cuts the socket when the total budget
  (10 s) is spent, so a server that drips one byte a second cannot hold a worker;
- the body is capped at 1 MB counting DECOMPRESSED bytes: we inflate gzip/deflate
  ourselves with a bounded output size, so a compression bomb stops at the cap;
- HTML only, where the caller asks for pages; JSON (ActivityPub documents) in its own
  mode, with a smaller cap and a bound on nesting depth (`fetch_json`, `load_json`).
"""

import contextlib
import http.client
import json
import re
import socket
import threading
import time
import zlib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import webencodings
from django.utils.encoding import iri_to_uri
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import HTTPError

from blogcms.addresses import site_url
from blogcms.numbers import ascii_int

from .addresses import NotPublic, Unresolvable, host_identity, literal_public, resolve_public

HTML_TYPES = ("text/html", "application/xhtml+xml")
MAX_REDIRECTS = 3
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
MAX_BODY_BYTES = 1_000_000
BUDGET_SECONDS = 10.0
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 5.0
CHUNK = 16_384
# ActivityPub documents (actors, notes, keys): a real one is a few kB; Mastodon caps at 1 MB.
JSON_TYPES = ("application/activity+json", "application/ld+json", "application/json")
MAX_JSON_BYTES = 256_000
MAX_JSON_DEPTH = 32


class FetchError(Exception):
    """The URL could not be fetched safely; the message says why, for logs and records.

    `transient`: whether the same fetch may succeed later (a timeout, a refused
    connection, a failed lookup); False for what will fail the same way every time."""

    transient = True


class UnsafeURL(FetchError):
    """Refused before any connection: bad scheme, or a host that is not public."""

    transient = False


class Throttled(FetchError):
    """Refused before connecting: the caller's limit on fetches from that address is spent."""


class TooLarge(FetchError):
    transient = False


class TooSlow(FetchError):
    pass


class WrongType(FetchError):
    transient = False


class TooManyRedirects(FetchError):
    transient = False


class BadJSON(FetchError):
    """Not JSON, or JSON nested deeper than we read."""

    transient = False


@dataclass
class Fetched:
    url: str  # after redirects
    status: int
    headers: dict  # lower-cased names
    body: bytes

    @property
    def ok(self):
        return 200 <= self.status < 300

    @property
    def content_type(self):
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def text(self):
        """The body decoded by a byte-order mark, else the declared charset, else a
        <meta charset>, else UTF-8. Labels are read as browsers read them (the WHATWG
        Encoding Standard, via webencodings): "latin1" is windows-1252, and a label that is
        no web encoding ("idna", "undefined", "rot13": Python codecs that raise) is UTF-8."""
        match = re.search(r"charset=[\"']?([\w.:-]+)", self.headers.get("content-type", ""))
        if not match:
            match = re.search(rb"<meta[^>]+charset=[\"']?([\w.:-]+)", self.body[:2048], re.I)
        label = match.group(1) if match else "utf-8"
        label = label.decode("ascii") if isinstance(label, bytes) else label
        text, _encoding = webencodings.decode(
            self.body, webencodings.lookup(label) or webencodings.UTF8, errors="replace"
        )
        return text


def user_agent():
    """Names blogcms and the site, so the people we fetch from know who is asking."""
    return f"blogcms (linkbacks; +{site_url()})"


@dataclass
class _Target:
    url: str
    scheme: str
    host: str  # as named in the URL (for Host, SNI and certificate checks)
    port: int
    path: str

    @classmethod
    def parse(cls, url):
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise UnsafeURL(f"not a valid URL: {exc}") from exc
        if parts.scheme not in ("http", "https"):
            raise UnsafeURL("only http and https URLs are fetched")
        if not parts.hostname:
            raise UnsafeURL("the URL has no host")
        try:
            host = parts.hostname.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise UnsafeURL(f"not a valid host name: {exc}") from exc
        default_port = 443 if parts.scheme == "https" else 80
        # A request line carries ASCII without spaces or controls (http.client refuses the
        # rest): encode as browsers do (RFC 3987 §3.1), keeping any %XX already there.
        path = iri_to_uri(parts.path or "/")
        if parts.query:
            path = f"{path}?{iri_to_uri(parts.query)}"
        return cls(url, parts.scheme, host, port or default_port, path)

    @property
    def host_header(self):
        host = f"[{self.host}]" if ":" in self.host else self.host
        default_port = 443 if self.scheme == "https" else 80
        return host if self.port == default_port else f"{host}:{self.port}"


class _Watchdog:
    """Cuts the connection's socket when the total budget is spent; reads then end at once.

    The socket is taken right after connecting: http.client drops its own reference once
    the response is under way, and the response's reads are what a slow server stretches.
    """

    def __init__(self, seconds):
        self.fired = False
        self._sock = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(seconds, 0), self._fire)
        self._timer.daemon = True

    def watch(self, sock):
        with self._lock:
            self._sock = sock
        if self.fired:
            self._cut()

    def _fire(self):
        self.fired = True
        self._cut()

    def check(self):
        """Raise when the budget ran out: a cut socket looks like an early, clean EOF."""
        if self.fired:
            raise TooSlow(f"the fetch took longer than {BUDGET_SECONDS:g} s")

    def _cut(self):
        with self._lock:
            if self._sock is not None:
                # Already closed means the fetch ended as the timer fired: nothing to cut.
                with contextlib.suppress(OSError):
                    self._sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *exc):
        self._timer.cancel()


def _decompressor(encoding):
    """A zlib object for the Content-Encoding, or None for identity."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj(32 + zlib.MAX_WBITS)  # zlib or gzip header, auto-detected
    raise WrongType(f"unsupported content encoding {encoding!r}")


def _read_body(response, deadline, limit):
    """Read at most `limit` decompressed bytes, within the deadline."""
    inflater = _decompressor(response.headers.get("content-encoding", ""))
    declared = response.headers.get("content-length", "")
    if inflater is None and ascii_int(declared, default=0) > limit:
        raise TooLarge(f"the body is {declared} bytes, more than {limit}")
    chunks, size = [], 0
    for raw in response.stream(CHUNK, decode_content=False):
        if time.monotonic() > deadline:
            raise TooSlow(f"the fetch took longer than {BUDGET_SECONDS:g} s")
        try:
            data = inflater.decompress(raw, limit - size + 1) if inflater else raw
        except zlib.error as exc:
            raise FetchError(f"bad compressed body: {exc}") from exc
        size += len(data)
        if size > limit:
            raise TooLarge(f"the body is more than {limit} bytes")
        chunks.append(data)
    return b"".join(chunks)


def _exchange(method, target, address, *, body, headers, accept, any_type, deadline, limit):
    """One request to one checked address; the response, its body read for 2xx only."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TooSlow(f"the fetch took longer than {BUDGET_SECONDS:g} s")
    timeout = min(CONNECT_TIMEOUT, remaining)
    if target.scheme == "https":
        connection = HTTPSConnection(
            str(address),
            target.port,
            timeout=timeout,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
        )
    else:
        connection = HTTPConnection(str(address), target.port, timeout=timeout)
    headers = {
        "Host": target.host_header,
        "User-Agent": user_agent(),
        "Accept": _accept_header(accept, any_type),
        "Accept-Encoding": "gzip, deflate",
        **(headers or {}),
    }
    try:
        with _Watchdog(remaining) as watchdog:
            try:
                connection.connect()
                watchdog.watch(connection.sock)
                connection.sock.settimeout(min(READ_TIMEOUT, remaining))
                connection.request(
                    method, target.path, body=body, headers=headers, preload_content=False
                )
                response = connection.getresponse()
                watchdog.check()
                fetched = Fetched(
                    target.url,
                    response.status,
                    # Repeated headers (several Link lines) are joined with ", ".
                    {name.lower(): response.headers[name] for name in response.headers},
                    b"",
                )
                if fetched.ok and _acceptable(fetched, accept, any_type):
                    fetched.body = _read_body(response, deadline, limit)
            except (OSError, HTTPError, http.client.HTTPException) as exc:
                # HTTPException: a garbage status line, over-long or too many headers.
                watchdog.check()
                raise FetchError(f"network error: {exc}") from exc
            watchdog.check()
    finally:
        connection.close()
    return fetched


def _accept_header(accept, any_type):
    """The types we read, anything else (with `any_type`) only if nothing better."""
    if not accept:
        return "*/*"
    return ", ".join([*accept, "*/*;q=0.1"] if any_type else accept)


def _acceptable(fetched, accept, any_type):
    """Whether to read the body: its type is one of `accept`. Another type is refused
    (WrongType), or, with `any_type`, answered with its headers and no body."""
    if not accept or fetched.content_type in accept:
        return True
    if any_type:
        return False
    raise WrongType(
        f"content type {fetched.content_type or 'none'!r} is not one of {', '.join(accept)}"
    )


def _public_address(target, resolve=resolve_public):
    """The checked address to connect to for `target` (`resolve`: how its host is read);
    the address policy's refusals as the fetcher's errors."""
    try:
        return resolve(target.host, target.port)
    except NotPublic as exc:
        raise UnsafeURL(str(exc)) from exc
    except Unresolvable as exc:
        raise FetchError(str(exc)) from exc


def literal_address(url):
    """For a URL whose host is written as an IP address: that address once checked, as
    `host_identity`. None for a host name, which would need a DNS lookup."""
    address = _public_address(_Target.parse(url), resolve=literal_public)
    return None if address is None else host_identity(address)


def request(
    method,
    url,
    *,
    body=None,
    headers=None,
    accept=HTML_TYPES,
    any_type=False,
    follow=True,
    admit=None,
    sign=None,
    limit=MAX_BODY_BYTES,
):
    """Fetch `url` safely; see the module docstring for the rules.

    Returns a Fetched for any final status; the body is read only for 2xx answers, and
    then only when its content type is in `accept` (None accepts any); another type is
    refused with WrongType, or with `any_type` returned with an empty body. Redirects are
    followed for GET (at most 3, each checked again). Raises FetchError otherwise.

    `admit(address)`, when given, is asked before the first connection to each address
    of the fetch, redirects included (as `host_identity`), and False refuses with
    Throttled: a limit per victim, so a redirect cannot carry us past it.

    `sign(method, url, body)`, when given, returns headers to add to each request of
    the fetch (an HTTP Signature covers the URL, so each redirect hop is signed anew).
    """
    deadline = time.monotonic() + BUDGET_SECONDS
    admitted = set()
    for _hop in range(MAX_REDIRECTS + 1):
        target = _Target.parse(url)
        address = _public_address(target)
        identity = host_identity(address)
        if admit is not None and identity not in admitted:
            if not admit(identity):
                raise Throttled(f"too many fetches from {identity}; try again later")
            admitted.add(identity)
        hop_headers = dict(headers or {})
        if sign is not None:
            hop_headers.update(sign(method, url, body))
        fetched = _exchange(
            method,
            target,
            address,
            body=body,
            headers=hop_headers,
            accept=accept,
            any_type=any_type,
            deadline=deadline,
            limit=limit,
        )
        location = fetched.headers.get("location")
        if not (follow and fetched.status in REDIRECT_STATUSES and location):
            return fetched
        try:
            url = urljoin(url, location)
        except ValueError as exc:  # "http://[::1": urlsplit refuses a broken IPv6 host
            raise UnsafeURL(f"the redirect is not a valid URL: {exc}") from exc
    raise TooManyRedirects(f"more than {MAX_REDIRECTS} redirects")


def fetch_page(url, *, admit=None, any_type=False):
    """GET an HTML page someone else named (`admit`, `any_type`: see `request`)."""
    return request("GET", url, admit=admit, any_type=any_type)


def post_form(url, body, content_type, *, accept=None):
    """POST to an endpoint someone else advertised (no redirects followed)."""
    return request(
        "POST",
        url,
        body=body,
        headers={"Content-Type": content_type},
        accept=accept,
        follow=False,
    )


def load_json(body, max_depth=MAX_JSON_DEPTH):
    """A JSON document from bytes, refused (BadJSON) when it is not JSON or nests deeper
    than `max_depth`. The C parser stops a very deep body with RecursionError; the walk
    after it (iterative) holds every document to our own, much smaller bound."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise BadJSON(f"not JSON: {exc}") from exc
    level = [document]
    for _depth in range(max_depth):
        level = [
            child
            for node in level
            if isinstance(node, dict | list)
            for child in (node.values() if isinstance(node, dict) else node)
        ]
        if not level:
            return document
    if any(isinstance(node, dict | list) for node in level):
        raise BadJSON(f"the JSON nests deeper than {max_depth} levels")
    return document


def fetch_json(url, *, admit=None, sign=None):
    """GET a JSON(-LD) document someone else named (an ActivityPub actor, key or note):
    the same rules as pages, at most MAX_JSON_BYTES, parsed by `load_json`."""
    fetched = request("GET", url, accept=JSON_TYPES, admit=admit, sign=sign, limit=MAX_JSON_BYTES)
    if not fetched.ok:
        return fetched, None
    return fetched, load_json(fetched.body)


def post_json(url, body, content_type, *, sign=None):
    """POST a JSON document to an inbox someone else advertised (no redirects followed)."""
    return request(
        "POST",
        url,
        body=body,
        headers={"Content-Type": content_type},
        accept=None,
        follow=False,
        sign=sign,
        limit=MAX_JSON_BYTES,
    )
