"""Telling the blogs a post links to: collect the links, discover each one's endpoint,
send a webmention (preferred) or a pingback, and record the outcome per (post, target).

Runs only in tasks (see tasks.py). Every URL here is someone else's, so every request
goes through the safe fetcher: discovery, the webmention POST and the XML-RPC call alike.
"""

import xmlrpc.client
from urllib.parse import urlencode, urljoin, urlsplit

from blogcms.addresses import site_url

from . import fetch
from .models import OutgoingPing
from .pages import link_header_urls, read_page
from .verify import our_hosts
from .xmlrpc import (
    ACCESS_DENIED,
    ALREADY_REGISTERED,
    SOURCE_NOT_FOUND,
    UPSTREAM_ERROR,
    parse_response,
)

# Faults worth asking again later: the other side could not fetch us, or was busy (0 is
# what a WordPress hiding its fault details answers to everything). WordPress does not
# retry faults at all; a bounded retry costs little and heals blips. The others (17 no
# link, 32/33 no such target, 48 done already) get the same answer every time.
TRANSIENT_FAULTS = {0, SOURCE_NOT_FOUND, ACCESS_DENIED, UPSTREAM_ERROR}


def transient_status(status):
    """An HTTP answer that may differ later: a server error, 429 Too Many Requests, 408
    Request Timeout (RFC 9110 §15.5.9, §15.6; RFC 6585 §4). Other 4xx are final."""
    return status >= 500 or status in (408, 429)


def permalink(post):
    return site_url(post.get_absolute_url())


def links_to_ping(post):
    """The post's outgoing links, as WordPress's pingback() picks them: http(s) only, not
    hosts without a dot, not bare home pages, not links to this site; each once, in order."""
    ours = our_hosts()
    links = []
    for anchor in read_page(permalink(post), post.body).anchors:
        parts = urlsplit(anchor.href)
        if parts.scheme not in ("http", "https") or "." not in (parts.hostname or ""):
            continue
        if parts.path in ("", "/") and not parts.query:
            continue
        if parts.netloc.lower() in ours or anchor.href in links:
            continue
        links.append(anchor.href)
    return links


def discover(url):
    """(protocol, endpoint) the page at `url` advertises, or (None, "") when it has none.

    Webmention first, as its spec orders it (§3.1.2): the HTTP Link header, then the first
    <link> or <a> with rel="webmention" in the document, resolved against the final URL
    after redirects. Then Pingback 1.0 §2: the X-Pingback header, then <link rel="pingback">.
    The headers count on any response (a PDF or an image may advertise an endpoint); only
    an HTML body is read.
    """
    page = fetch.fetch_page(url, any_type=True)
    if not page.ok:
        if transient_status(page.status):
            raise fetch.FetchError(f"the target answered HTTP {page.status}")
        return None, ""
    headers = page.headers
    html = read_page(page.url, page.text)
    webmention = link_header_urls(headers.get("link", ""), "webmention", page.url)
    webmention = webmention[0] if webmention else html.endpoint("webmention")
    if webmention:
        return OutgoingPing.Protocol.WEBMENTION, webmention
    pingback = headers.get("x-pingback", "").strip()
    if pingback:
        pingback = urljoin(page.url, pingback)
    else:  # Pingback 1.0 §2 names <link> only; an <a rel="pingback"> is no endpoint
        pingback = html.endpoint("pingback", tags=("link",))
    if pingback:
        return OutgoingPing.Protocol.PINGBACK, pingback
    return None, ""


def deliver(ping):
    """One attempt at telling ping.target_url about our post; the outcome is recorded."""
    try:
        protocol, endpoint = discover(ping.target_url)
    except fetch.FetchError as exc:
        ping.record(OutgoingPing.Status.NETWORK_ERROR, str(exc), retry=exc.transient)
        return
    if not protocol:
        ping.record(OutgoingPing.Status.NO_ENDPOINT, "No pingback or webmention endpoint.")
        return
    ping.protocol, ping.endpoint = protocol, endpoint
    source = permalink(ping.post)
    try:
        if protocol == OutgoingPing.Protocol.WEBMENTION:
            _send_webmention(ping, source)
        else:
            _send_pingback(ping, source)
    except fetch.FetchError as exc:
        ping.record(OutgoingPing.Status.NETWORK_ERROR, str(exc), retry=exc.transient)


def _send_webmention(ping, source):
    """Webmention §3.1.3: form-encoded source and target; any 2xx is success."""
    body = urlencode({"source": source, "target": ping.target_url})
    answer = fetch.post_form(ping.endpoint, body, "application/x-www-form-urlencoded")
    detail = f"HTTP {answer.status}: {answer.text[:500]}".strip()
    if answer.ok:
        ping.record(OutgoingPing.Status.SENT, detail)
    else:
        ping.record(OutgoingPing.Status.FAULT, detail, retry=transient_status(answer.status))


def _send_pingback(ping, source):
    """pingback.ping(our permalink, their URL); fault 48 means it is already there: done."""
    body = xmlrpc.client.dumps((source, ping.target_url), "pingback.ping", encoding="utf-8")
    answer = fetch.post_form(
        ping.endpoint, body.encode(), "text/xml", accept=("text/xml", "application/xml")
    )
    if not answer.ok:
        retry = transient_status(answer.status)
        ping.record(OutgoingPing.Status.NETWORK_ERROR, f"HTTP {answer.status}", retry=retry)
        return
    try:
        result = parse_response(answer.body)
    except xmlrpc.client.Fault as fault:
        # A stranger's server may answer any value as a code; we keep plain small ints.
        code = (
            fault.faultCode
            if type(fault.faultCode) is int and abs(fault.faultCode) < 2**31
            else None
        )
        if code == ALREADY_REGISTERED:
            ping.record(OutgoingPing.Status.SENT, str(fault.faultString), fault_code=code)
        else:
            ping.record(
                OutgoingPing.Status.FAULT,
                str(fault.faultString),
                fault_code=code,
                retry=code in TRANSIENT_FAULTS,
            )
        return
    except ValueError as exc:
        ping.record(OutgoingPing.Status.NETWORK_ERROR, str(exc), retry=True)
        return
    ping.record(OutgoingPing.Status.SENT, str(result))
