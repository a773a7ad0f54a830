"""The safe fetcher: what it refuses before connecting, and the limits it keeps while reading."""

import gzip
import socket
import time
import tracemalloc
import zlib
from unittest import mock

import pytest
from django.test import override_settings

from comments.linkbacks import addresses, fetch
from tests.linkback_peers import Reply
from tests.test_deploy import manage

allow_loopback = override_settings(BLOGCMS_FETCH_ALLOW_LOOPBACK=True)


@pytest.fixture
def no_connections():
    """Any attempt to open a socket connection fails the test (and sends nothing)."""
    with (
        mock.patch.object(socket.socket, "connect", side_effect=AssertionError("connect")) as c1,
        mock.patch("socket.create_connection", side_effect=AssertionError("create")) as c2,
        mock.patch(
            "urllib3.util.connection.create_connection", side_effect=AssertionError("urllib3")
        ) as c3,
    ):
        yield [c1, c2, c3]
    assert not any(m.called for m in (c1, c2, c3)), "a connection was attempted"


def fake_dns(mapping):
    """Resolve the names in `mapping` to the given addresses; a real lookup for the rest."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in mapping:
            family = socket.AF_INET6 if ":" in mapping[host][0] else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (a, port)) for a in mapping[host]]
        return real(host, port, *args, **kwargs)

    return mock.patch("socket.getaddrinfo", side_effect=getaddrinfo)


REFUSED_URLS = [
    # loopback, in every spelling a resolver accepts
    "http://127.0.0.1/",
    "http://localhost/",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://0x7f.1/",
    "http://127.1/",
    "http://0x7f000001/",
    "http://017700000001/",
    "http://[::1]/",
    # private, shared, link-local (cloud metadata), multicast, reserved, unspecified
    "http://10.0.0.1/",
    "http://172.16.5.4/",
    "http://192.168.1.1:8080/",
    "http://100.64.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://0.0.0.0/",
    "http://0/",
    "http://[::]/",
    # special-purpose and documentation blocks
    "http://192.0.0.9/",
    "http://192.88.99.1/",
    "http://[3fff::1]/",
    "http://[3fff:fff::1]/",
    "http://[::ffff:192.88.99.1]/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://[fd12:3456::1]/",
    "http://[fec0::1]/",
    "http://[ff02::1]/",
    # IPv6 forms that carry a private IPv4 address
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:10.0.0.1]/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://[::7f00:1]/",
    "http://[::10.0.0.1]/",
    "http://[2002:7f00:1::]/",
    "http://[2002:a00:1::1]/",
    "http://[64:ff9b::7f00:1]/",
    "http://[64:ff9b::10.0.0.1]/",
    "http://[64:ff9b:1::a00:1]/",
    "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",  # Teredo
    # schemes other than http and https, and URLs with no host
    "ftp://example.com/file",
    "file:///etc/passwd",
    "gopher://example.com/",
    "javascript:alert(1)",
    "data:text/html,<title>x</title>",
    "http:///path-only",
    "http://example.com:99999/",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_refused_addresses_are_never_connected_to(url, no_connections):
    """Every non-public address class and non-http scheme is refused before any connection."""
    with pytest.raises(fetch.UnsafeURL):
        fetch.fetch_page(url)


@pytest.mark.parametrize(
    "url",
    ["http://10.0.0.1/", "http://[::ffff:10.0.0.1]/", "http://[64:ff9b::a9fe:a9fe]/"],
)
def test_allowing_loopback_allows_nothing_else(url, no_connections):
    """BLOGCMS_FETCH_ALLOW_LOOPBACK opens loopback only, never private networks."""
    with allow_loopback, pytest.raises(fetch.UnsafeURL):
        fetch.fetch_page(url)


def test_a_name_that_resolves_to_a_private_address_is_refused(no_connections):
    """DNS names are judged by the addresses they resolve to."""
    with fake_dns({"intranet.example.com": ["10.1.2.3"]}), pytest.raises(fetch.UnsafeURL):
        fetch.fetch_page("http://intranet.example.com/")


def test_a_name_with_one_private_address_among_public_ones_is_refused(no_connections):
    """Every resolved address must be public, not just the first."""
    dns = fake_dns({"mixed.example.com": ["93.184.216.34", "192.168.0.10"]})
    with dns, pytest.raises(fetch.UnsafeURL):
        fetch.fetch_page("http://mixed.example.com/")


def test_public_addresses_pass_the_check():
    """Ordinary public IPv4 and IPv6 addresses, and 6to4/NAT64 forms of them, are allowed."""
    import ipaddress

    for address in [
        "93.184.216.34",
        "2606:2800:220:1::1",
        "2002:5db8:d822::1",
        "64:ff9b::5db8:d822",
    ]:
        assert addresses.refusal_reason(ipaddress.ip_address(address)) is None, address


def test_loopback_is_read_from_settings_at_call_time(stub):
    """The same fetch is refused, then allowed under override_settings, then refused again."""
    url = stub.page("/p/", "<title>ok</title>")
    with pytest.raises(fetch.UnsafeURL):
        fetch.fetch_page(url)
    with allow_loopback:
        assert fetch.fetch_page(url).status == 200
    with pytest.raises(fetch.UnsafeURL):
        fetch.fetch_page(url)


@allow_loopback
def test_connects_to_the_checked_address_with_one_lookup(stub):
    """The host is resolved once; the request goes to that address with the original Host."""
    stub.page("/p/", "<title>ok</title>")
    with fake_dns({"blog.example.test": ["127.0.0.1"]}) as dns:
        page = fetch.fetch_page(f"http://blog.example.test:{stub._server.server_port}/p/")
    assert page.status == 200
    assert [c.args[0] for c in dns.call_args_list].count("blog.example.test") == 1
    assert stub.received[-1].headers["Host"] == f"blog.example.test:{stub._server.server_port}"


@allow_loopback
def test_user_agent_names_blogcms_and_the_site(stub, settings):
    """Whoever we fetch from can see who is asking."""
    settings.BLOGCMS_SITE_URL = "https://blog.example.org"
    fetch.fetch_page(stub.page("/p/", "<title>ok</title>"))
    agent = stub.received[-1].headers["User-Agent"]
    assert "blogcms" in agent and "https://blog.example.org" in agent


@allow_loopback
def test_a_redirect_to_a_private_address_is_refused_without_connecting(stub):
    """Each redirect is checked again: a public page cannot bounce us to cloud metadata."""
    stub.routes["/r"] = Reply(302, {"Location": "http://169.254.169.254/latest/meta-data/"})
    real_connect = socket.socket.connect
    targets = []

    def only_loopback(sock, address):
        targets.append(address[0])
        if address[0] != "127.0.0.1":
            raise AssertionError(f"connected to {address[0]}")
        return real_connect(sock, address)

    with (
        mock.patch.object(socket.socket, "connect", only_loopback),
        pytest.raises(fetch.UnsafeURL),
    ):
        fetch.fetch_page(stub.url("/r"))
    assert targets == ["127.0.0.1"]


@allow_loopback
def test_redirects_are_followed_at_most_three_times(stub):
    """Three redirects are followed; a fourth is refused."""
    stub.page("/end", "<title>end</title>")
    for hop, nxt in [("/a", "/b"), ("/b", "/c"), ("/c", "/end"), ("/d", "/a")]:
        stub.routes[hop] = Reply(301, {"Location": nxt})
    page = fetch.fetch_page(stub.url("/a"))
    assert page.status == 200 and page.url == stub.url("/end")
    with pytest.raises(fetch.FetchError, match="redirects"):
        fetch.fetch_page(stub.url("/d"))


@allow_loopback
def test_non_html_sources_are_refused(stub):
    """Only HTML is read; an image or JSON is refused without reading its body."""
    stub.routes["/img"] = Reply(200, {"Content-Type": "image/png"}, b"\x89PNG" * 100)
    with pytest.raises(fetch.WrongType):
        fetch.fetch_page(stub.url("/img"))


@allow_loopback
def test_an_oversized_body_is_refused(stub):
    """A declared body over 1 MB is refused at once; an undeclared one at the cap."""
    big = b"<p>" + b"x" * (fetch.MAX_BODY_BYTES + 10)
    stub.routes["/declared"] = Reply(200, {"Content-Type": "text/html"}, big)
    stub.routes["/streamed"] = Reply(
        200, {"Content-Type": "text/html"}, drip=[(big[:600_000], 0), (big[600_000:], 0)]
    )
    for path in ("/declared", "/streamed"):
        with pytest.raises(fetch.TooLarge):
            fetch.fetch_page(stub.url(path))


@allow_loopback
@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_compression_bomb_stops_at_the_cap_in_bounded_memory(stub, encoding):
    """The 1 MB cap counts decompressed bytes: 50 MB of zeros in 50 KB stop at 1 MB."""
    zeros = b"\0" * (50 * 1024 * 1024)
    bomb = gzip.compress(zeros, 9) if encoding == "gzip" else zlib.compress(zeros, 9)
    del zeros
    headers = {"Content-Type": "text/html", "Content-Encoding": encoding}
    stub.routes["/bomb"] = Reply(200, headers, bomb)
    tracemalloc.start()
    try:
        with pytest.raises(fetch.TooLarge):
            fetch.fetch_page(stub.url("/bomb"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024


@allow_loopback
def test_a_compressed_page_is_read_whole(stub):
    """An honest gzip page decodes to its text."""
    html = "<title>Zipped</title>" + "<p>words</p>" * 1000
    headers = {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"}
    stub.routes["/z"] = Reply(200, headers, gzip.compress(html.encode()))
    assert fetch.fetch_page(stub.url("/z")).text == html


@allow_loopback
def test_a_drip_fed_body_is_cut_at_the_total_budget(stub, monkeypatch):
    """A server that sends a byte every 0.2 s cannot hold us past the total budget."""
    monkeypatch.setattr(fetch, "BUDGET_SECONDS", 1.0)
    stub.routes["/slow"] = Reply(200, {"Content-Type": "text/html"}, drip=[(b"x", 0.2)] * 50)
    started = time.monotonic()
    with pytest.raises(fetch.TooSlow):
        fetch.fetch_page(stub.url("/slow"))
    assert time.monotonic() - started < 2.5


@allow_loopback
def test_drip_fed_headers_are_cut_at_the_total_budget(stub, monkeypatch):
    """Slow headers count too: each line arriving within the read timeout is not enough."""
    monkeypatch.setattr(fetch, "BUDGET_SECONDS", 1.0)
    head = [(b"HTTP/1.1 200 OK\r\n", 0.2)] + [(b"X-Slow: 1\r\n", 0.2)] * 50
    stub.routes["/slow-head"] = Reply(0, drip=head)
    started = time.monotonic()
    with pytest.raises(fetch.TooSlow):
        fetch.fetch_page(stub.url("/slow-head"))
    assert time.monotonic() - started < 2.5


@allow_loopback
def test_charset_comes_from_the_header_or_the_page(stub):
    """A Latin-1 page is decoded by its declared charset."""
    body = "<title>Café</title>".encode("latin-1")
    stub.routes["/l"] = Reply(200, {"Content-Type": "text/html; charset=iso-8859-1"}, body)
    stub.routes["/m"] = Reply(
        200, {"Content-Type": "text/html"}, b'<meta charset="iso-8859-1">' + body
    )
    assert "Café" in fetch.fetch_page(stub.url("/l")).text
    assert "Café" in fetch.fetch_page(stub.url("/m")).text


@allow_loopback
@pytest.mark.parametrize("charset", ["undefined", "idna", "punycode", "rot13", "bogus"])
def test_a_charset_python_cannot_decode_with_falls_back_to_utf8(stub, charset):
    """A declared charset that is unknown, or a codec that raises, reads as UTF-8 text."""
    body = "<title>Café</title>".encode()
    stub.routes["/h"] = Reply(200, {"Content-Type": f"text/html; charset={charset}"}, body)
    stub.routes["/m"] = Reply(
        200, {"Content-Type": "text/html"}, f'<meta charset="{charset}">'.encode() + body
    )
    assert "Café" in fetch.fetch_page(stub.url("/h")).text
    assert "Café" in fetch.fetch_page(stub.url("/m")).text


@allow_loopback
@pytest.mark.parametrize(
    "path, sent",
    [
        ("/café/", "/caf%C3%A9/"),
        ("/a page/?q=two words", "/a%20page/?q=two%20words"),
        ("/nul\0/", "/nul%00/"),
        ("/already%20encoded/?x=%C3%A9", "/already%20encoded/?x=%C3%A9"),
        ("/ünï?q=é#frag", "/%C3%BCn%C3%AF?q=%C3%A9"),
    ],
)
def test_a_path_is_sent_percent_encoded(stub, path, sent):
    """Spaces, NULs and non-ASCII in a path or query are percent-encoded, %XX kept as is."""
    stub.routes[sent.split("?")[0]] = Reply(200, body=b"<title>ok</title>")
    assert fetch.fetch_page(stub.url(path)).status == 200
    assert stub.received[-1].path == sent


@allow_loopback
@pytest.mark.parametrize("location", ["/café/", "/a b/", "/nul\0"])
def test_a_redirect_to_an_odd_path_is_followed(stub, location):
    """A redirect's path is percent-encoded like any other, and followed."""
    stub.routes["/r"] = Reply(302, {"Location": location})
    stub.routes["/caf%C3%A9/"] = stub.routes["/a%20b/"] = Reply(200, body=b"<p>ok</p>")
    assert fetch.fetch_page(stub.url("/r")).status in (200, 404)


@allow_loopback
@pytest.mark.parametrize("location", ["http://x:bad/", "http://[::1", "//[x/"])
def test_a_redirect_to_an_invalid_url_is_a_fetch_error(stub, location):
    """A Location that is no URL ends the fetch with an UnsafeURL, never a crash."""
    stub.routes["/r"] = Reply(302, {"Location": location})
    with pytest.raises(fetch.UnsafeURL):
        fetch.fetch_page(stub.url("/r"))


@allow_loopback
@pytest.mark.parametrize(
    "head",
    [
        b"garbage\r\n\r\n",
        b"HTTP/1.1 abc OK\r\n\r\n",
        b"HTTP/9.9 200 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX: " + b"a" * 70_000 + b"\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n" + b"X: a\r\n" * 200 + b"\r\n",
    ],
    ids=["garbage", "bad-status", "bad-version", "long-header", "many-headers"],
)
def test_a_malformed_answer_is_a_fetch_error(stub, head):
    """A server that does not speak HTTP properly is a network error, not a crash."""
    stub.routes["/bad"] = Reply(0, drip=[(head, 0)])
    with pytest.raises(fetch.FetchError, match="network error"):
        fetch.fetch_page(stub.url("/bad"))


PRODUCTION_ENV = {"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "blog.example.com"}


@pytest.mark.parametrize("value, expected", [("1", "True"), ("", "False")])
def test_the_loopback_switch_is_read_from_the_environment(value, expected):
    """BLOGCMS_FETCH_ALLOW_LOOPBACK=1 in the environment turns the setting on; unset, off."""
    show = "from django.conf import settings; print(settings.BLOGCMS_FETCH_ALLOW_LOOPBACK)"
    result = manage("shell", "-c", show, BLOGCMS_FETCH_ALLOW_LOOPBACK=value, **PRODUCTION_ENV)
    assert result.stdout.splitlines()[-1] == expected, result.stderr


def test_check_deploy_flags_the_loopback_switch():
    """`check --deploy` warns (blogcms.W001) while loopback fetches are allowed."""
    result = manage("check", "--deploy", BLOGCMS_FETCH_ALLOW_LOOPBACK="1", **PRODUCTION_ENV)
    assert "blogcms.W001" in result.stderr + result.stdout
