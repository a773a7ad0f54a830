"""The safe fetcher: the only code that fetches a URL someone else gave us.

Pingback and webmention sources, endpoint discovery and the calls we make to other
blogs' endpoints all come through here, because every one of those URLs is chosen by a
stranger and could point at this machine's private services (SSRF). The rules:

- http and https only; the host is resolved once and EVERY address it resolves to must be
  public (see `refusal_reason`), whatever spelling the URL uses: we check the addresses
  the resolver returns, so 2130706433, 0177.0.0.1, 0x7f.1 and 127.1 are all 127.0.0.1;
- we connect to the address we checked (DNS cannot swap it afterwards); TLS still
  verifies the certificate against the host name through SNI;
- each redirect (at most 3) goes through the same checks;
- connect and read timeouts, and a watchdog that cuts the socket when the total budget
  (10 s) is spent, so a server that drips one byte a second cannot hold a worker;
- the body is capped at 1 MB counting DECOMPRESSED bytes: we inflate gzip/deflate
  ourselves with a bounded output size, so a compression bomb stops at the cap;
- HTML only, where the caller asks for pages.
"""

import contextlib
import http.client
import ipaddress
import re
import socket
import threading
import time
import zlib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import webencodings
from django.conf import settings
from django.utils.encoding import iri_to_uri
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import HTTPError

from blogcms.addresses import site_url

HTML_TYPES = ("text/html", "application/xhtml+xml")
MAX_REDIRECTS = 3
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
MAX_BODY_BYTES = 1_000_000
BUDGET_SECONDS = 10.0
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 5.0
CHUNK = 16_384

# Tunnels and translators that carry an IPv4 address inside an IPv6 one; ipaddress does
# not look inside all of them (e.g. 64:ff9b::10.0.0.1 and 2002:a00:1:: are "global").
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: low 32 bits are the IPv4 address
LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: local-use translation
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # RFC 4291 §2.5.5.1, deprecated
SHARED_V4 = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598 carrier-grade NAT
# Special-purpose blocks this Python's ipaddress still calls global (IANA registries).
SPECIAL_PURPOSE = (
    ipaddress.ip_network("192.0.0.0/24"),  # RFC 6890 IETF protocol assignments
    ipaddress.ip_network("192.88.99.0/24"),  # RFC 7526 deprecated 6to4 relay anycast
    ipaddress.ip_network("3fff::/20"),  # RFC 9637 documentation
)


class FetchError(Exception):
    """The URL could not be fetched safely; the message says why, for logs and records."""


class UnsafeURL(FetchError):
    """Refused before any connection: bad scheme, or a host that is not public."""


class Throttled(FetchError):
    """Refused before connecting: the caller's limit on fetches from that address is spent."""


class TooLarge(FetchError):
    pass


class TooSlow(FetchError):
    pass


class WrongType(FetchError):
    pass


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


def embedded_ipv4(address):
    """The IPv4 address an IPv6 one carries (mapped, IPv4-compatible, 6to4, NAT64), or None."""
    if address.version != 6:
        return None
    if address.ipv4_mapped or address.sixtofour:
        return address.ipv4_mapped or address.sixtofour
    if address in NAT64 or (address in IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def host_identity(address):
    """The one address that stands for a host however it is written: an IPv6 form of an
    IPv4 address counts as that IPv4 address (for per-host limits)."""
    return embedded_ipv4(address) or address


def refusal_reason(address):
    """Why we must not connect to `address` (an ipaddress object), or None when it is public."""
    allow_loopback = getattr(settings, "BLOGCMS_FETCH_ALLOW_LOOPBACK", False)
    if address.version == 6:
        if address in LOCAL_NAT64:
            return "a local-use NAT64 address"
        if address.teredo:
            return "a Teredo tunnel address"
        embedded = embedded_ipv4(address)
        if embedded is not None:
            reason = refusal_reason(embedded)
            return f"an IPv6 form of {embedded}, {reason}" if reason else None
    if address.is_loopback:
        return None if allow_loopback else "a loopback address"
    for flag in ("unspecified", "private", "link_local", "multicast", "reserved"):
        if getattr(address, f"is_{flag}"):
            return f"a {flag.replace('_', '-')} address"
    if address.version == 6 and address.is_site_local:
        return "a site-local address"
    if address.version == 4 and address in SHARED_V4:
        return "a shared (carrier-grade NAT) address"
    if any(address in network for network in SPECIAL_PURPOSE):
        return "a special-purpose address"
    if not address.is_global:
        return "not a global address"
    return None


def resolve_public(host, port):
    """The first address `host` resolves to, once every address it resolves to is checked."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve {host}: {exc}") from exc
    addresses = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0].split("%")[0])
        if reason := refusal_reason(address):
            raise UnsafeURL(f"{host} is {reason} ({address})")
        addresses.append(address)
    if not addresses:
        raise FetchError(f"cannot resolve {host}")
    return addresses[0]


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
    if inflater is None and declared.isdigit() and int(declared) > limit:
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


def _exchange(method, target, address, *, body, headers, accept, deadline, limit):
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
        "Accept": ", ".join(accept) if accept else "*/*",
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
                if fetched.ok:
                    _check_type(fetched, accept)
                    fetched.body = _read_body(response, deadline, limit)
            except (OSError, HTTPError, http.client.HTTPException) as exc:
                # HTTPException: a garbage status line, over-long or too many headers.
                watchdog.check()
                raise FetchError(f"network error: {exc}") from exc
            watchdog.check()
    finally:
        connection.close()
    return fetched


def _check_type(fetched, accept):
    if accept and fetched.content_type not in accept:
        raise WrongType(
            f"content type {fetched.content_type or 'none'!r} is not one of {', '.join(accept)}"
        )


def address_of(url):
    """The checked public address a fetch of `url` would connect to, as `host_identity`."""
    target = _Target.parse(url)
    return host_identity(resolve_public(target.host, target.port))


def request(method, url, *, body=None, headers=None, accept=HTML_TYPES, follow=True, admit=None):
    """Fetch `url` safely; see the module docstring for the rules.

    Returns a Fetched for any final status; the body is read only for 2xx answers, and
    then only when its content type is in `accept` (None accepts any). Redirects are
    followed for GET (at most 3, each checked again). Raises FetchError otherwise.

    `admit(address)`, when given, is asked before the first connection to each address
    of the fetch, redirects included (as `host_identity`), and False refuses with
    Throttled: a limit per victim, so a redirect cannot carry us past it.
    """
    deadline = time.monotonic() + BUDGET_SECONDS
    admitted = set()
    for _hop in range(MAX_REDIRECTS + 1):
        target = _Target.parse(url)
        address = resolve_public(target.host, target.port)
        identity = host_identity(address)
        if admit is not None and identity not in admitted:
            if not admit(identity):
                raise Throttled(f"too many fetches from {identity}; try again later")
            admitted.add(identity)
        fetched = _exchange(
            method,
            target,
            address,
            body=body,
            headers=headers,
            accept=accept,
            deadline=deadline,
            limit=MAX_BODY_BYTES,
        )
        location = fetched.headers.get("location")
        if not (follow and fetched.status in REDIRECT_STATUSES and location):
            return fetched
        try:
            url = urljoin(url, location)
        except ValueError as exc:  # "http://[::1": urlsplit refuses a broken IPv6 host
            raise UnsafeURL(f"the redirect is not a valid URL: {exc}") from exc
    raise FetchError(f"more than {MAX_REDIRECTS} redirects")


def fetch_page(url, *, admit=None):
    """GET an HTML page someone else named (`admit`: see `request`)."""
    return request("GET", url, admit=admit)


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
