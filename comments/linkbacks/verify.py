"""Receiving a linkback: is the target one of our posts that takes pings, does the source
really link to it, and may we store it. Pingbacks (synchronous, at the XML-RPC endpoint)
and webmentions (checked in the request, verified in a background task) take the same
steps through `accept` and `receive`.

A refusal is a LinkbackRefused with a Reason, whatever step refused: the fetcher's and
moderation's own errors are translated here. What a sender is told is the endpoint's
business: xmlrpc.py maps each reason to its Pingback fault, webmention.py to its HTTP
status, so an answer reveals only what its table says.
"""

import enum
import html
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db import OperationalError

from blogcms.addresses import site_host
from blogcms.models import SiteSettings
from comments.models import MAX_URL, Comment
from comments.moderation import Refused, decide_status, matches_keys, submit
from posts.models import Post

from . import fetch, ratelimit
from .pages import read_page

log = logging.getLogger(__name__)


class Reason(enum.StrEnum):
    SOURCE_INVALID = "the source is not an http(s) URL, or is too long"
    SOURCE_REFUSED = "the source's address is not public"
    SOURCE_UNFETCHABLE = "the source could not be fetched"
    SOURCE_GONE = "the source answered 410 Gone"
    SAME_RESOURCE = "the source and the target are one URL"
    NO_LINK = "the source does not link to the target"
    TARGET_ELSEWHERE = "the target is not on this site"
    TARGET_MISSING = "the target names no post visitors can read"
    TARGET_CLOSED = "the target post takes no pings"
    ALREADY_REGISTERED = "this source is already registered on the post"
    DISALLOWED = "the sender or source holds a disallowed word"
    RATE_LIMITED = "an address the source leads to is over its rate"
    NOT_STORED = "the database could not store it"


class LinkbackRefused(Exception):
    """A linkback refused for `reason`; `detail` (how a fetch failed, say) is for logs only."""

    def __init__(self, reason, detail=""):
        super().__init__(detail or reason)
        self.reason = reason
        self.detail = detail


def our_hosts(request=None):
    """The host[:port] names this site answers to: the public site URL, and the request's."""
    hosts = {site_host()}
    if request is not None:
        hosts.add(request.get_host().lower())
    return hosts - {""}


def http_url(url):
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _our_url(url, hosts):
    return http_url(url) and urlsplit(url).netloc.lower() in hosts


def public_post(target, hosts):
    """The post visitors can read at `target`, pings open or not.

    A post visitors cannot see (draft, pending, private, scheduled) is refused exactly as
    one that does not exist: the endpoints must not reveal it is there."""
    if not _our_url(target, hosts):
        raise LinkbackRefused(Reason.TARGET_ELSEWHERE)
    post = Post.objects.published().at_url(target)
    if post is None:
        raise LinkbackRefused(Reason.TARGET_MISSING)
    return post


def target_post(target, hosts):
    """The post `target` names, if it may receive linkbacks."""
    post = public_post(target, hosts)
    if not post.pings_are_open(SiteSettings.load()):
        raise LinkbackRefused(Reason.TARGET_CLOSED)
    return post


def check_source(source, target):
    if not http_url(source) or len(source) > MAX_URL:
        raise LinkbackRefused(Reason.SOURCE_INVALID)
    if source == target:
        raise LinkbackRefused(Reason.SAME_RESOURCE)


def existing(post, source):
    """The linkback `source` already left on `post`, if any (trashed ones count: WordPress)."""
    return (
        Comment.objects.filter(post=post, author_url=source)
        .exclude(type=Comment.Type.COMMENT)
        .first()
    )


def new_response(post, source, kind, *, ip=None, user_agent=""):
    """The response a linkback would store, as far as we know it before reading the
    source: who sent it and from where. `Mention.fill` adds what the source says."""
    return Comment(
        post=post,
        type=kind,
        author_email="",
        author_url=source,
        author_ip=ip,
        user_agent=user_agent[:255],
    )


def check_policy(response):
    """Refuse a linkback whose source URL, sender's address or user agent holds a
    disallowed word, before its source is fetched; the words read from the source meet
    the same words in moderation (decide_status sends them to spam), as a comment's do."""
    if matches_keys(response, SiteSettings.load().keyword_list("disallowed_keys")):
        raise LinkbackRefused(Reason.DISALLOWED)


def check_literal_address(source):
    """What the webmention endpoint can tell about a source without a DNS lookup (no
    network work in a request): a source whose host is written as an IP address is
    refused when that address is not public, or when it has no fetches left in this
    window, without counting one (the fetch counts). A host name is left to the fetch in
    the task, which resolves it and applies both rules."""
    try:
        address = fetch.literal_address(source)
    except fetch.FetchError as exc:
        raise LinkbackRefused(Reason.SOURCE_REFUSED, str(exc)) from exc
    if address is not None and ratelimit.SOURCES.spent(address):
        raise LinkbackRefused(Reason.RATE_LIMITED, str(address))


def within_rate(address):
    """Count one source fetch from `address`; False once it is over BLOGCMS_LINKBACK_RATE.

    The fetcher asks this for every address a source fetch connects to, redirects
    included, so every spelling of a host (127.1, 2130706433, localhost, ::ffff:7f00:1)
    and every host redirecting to it share the one count of the address really fetched.
    """
    return ratelimit.SOURCES.take(address)


@dataclass
class Mention:
    title: str
    excerpt: str

    def author_for(self, source):
        """Shown as the response's author: the page title, else the source's host."""
        return self.title or urlsplit(source).hostname

    def fill(self, response):
        """Put what the source says into the response (`new_response`) for its source."""
        response.author_name = self.author_for(response.author_url)
        response.content = self.excerpt
        return response


def read_source(source, target):
    """Fetch the source through the safe fetcher; its title and the words around the link.

    Refuses it when it cannot be fetched (SOURCE_REFUSED for its address, SOURCE_GONE on
    410), when it does not link to the target, and when an address it leads to is over
    its rate.
    """
    try:
        fetched = fetch.fetch_page(source, admit=within_rate)
    except fetch.Throttled as exc:
        raise LinkbackRefused(Reason.RATE_LIMITED, str(exc)) from exc
    except fetch.UnsafeURL as exc:
        raise LinkbackRefused(Reason.SOURCE_REFUSED, str(exc)) from exc
    except fetch.FetchError as exc:
        raise LinkbackRefused(Reason.SOURCE_UNFETCHABLE, str(exc)) from exc
    if fetched.status == 410:
        raise LinkbackRefused(Reason.SOURCE_GONE, "HTTP 410")
    if not fetched.ok:
        raise LinkbackRefused(Reason.SOURCE_UNFETCHABLE, f"HTTP {fetched.status}")
    page = read_page(fetched.url, fetched.text)
    if not page.links_to(target):
        raise LinkbackRefused(Reason.NO_LINK)
    # The excerpt is text: escaped, so "&lt;a href…&gt;" written in the source stays text
    # when the response is rendered as comment markup (WordPress: esc_html on the context).
    return Mention(page.author_title, html.escape(page.excerpt_around(target), quote=False))


def restate(response, source, mention):
    """Bring a stored linkback up to date with its source (a webmention sent again).

    Changed words go back through the rules new responses meet (decide_status), so an
    approved mention that now says a disallowed word is spam, and one that says something
    new waits for a moderator unless the rules approve it. Spam and trash, a moderator's
    verdict, stay as they are. Returns True when something changed."""
    author, content = mention.author_for(source), mention.excerpt
    if (response.author_name, response.content) == (author, content):
        return False
    response.author_name, response.content = author, content
    if response.status in (Comment.Status.APPROVED, Comment.Status.PENDING):
        response.status = decide_status(response, SiteSettings.load())
    response.save()
    return True


def store(comment):
    """Save through moderation (the one path for every response)."""
    try:
        return submit(comment)
    except Refused as exc:
        if exc.code == "duplicate":
            raise LinkbackRefused(Reason.ALREADY_REGISTERED) from exc
        raise LinkbackRefused(Reason.DISALLOWED, exc.message) from exc
    except OperationalError as exc:  # the database is down or busy; anything else is a bug
        log.exception("linkback from %s could not be stored", comment.author_url)
        raise LinkbackRefused(Reason.NOT_STORED, str(exc)) from exc


# A webmention sent again updates what its source said, or withdraws it (Webmention
# §3.2.2); a pingback sent again is refused as already registered (Pingback 1.0, 48).
UPDATABLE = {Comment.Type.WEBMENTION}
WITHDRAWN = {Reason.SOURCE_GONE, Reason.NO_LINK}


def accept(source, target, hosts):
    """The checks made before anything is fetched: the post `target` names (one that
    takes pings), and a source that can be one. In WordPress's order (pingback_ping):
    the target, then the source. Returns the post, for `receive`."""
    post = target_post(target, hosts)
    check_source(source, target)
    return post


def receive(source, target, kind, *, post, ip=None, user_agent=""):
    """Verify a linkback of `kind` from `source` to `post` (found by `accept`) and store
    it, or bring a stored one up to date, or remove one its source withdrew. Returns
    "stored", "updated", "unchanged" or "removed"; raises LinkbackRefused otherwise."""
    previous = existing(post, source)
    if previous is not None and kind not in UPDATABLE:
        raise LinkbackRefused(Reason.ALREADY_REGISTERED)
    response = new_response(post, source, kind, ip=ip, user_agent=user_agent)
    check_policy(response)
    try:
        mention = read_source(source, target)
    except LinkbackRefused as refused:
        if previous is None or refused.reason not in WITHDRAWN:
            raise
        previous.delete()
        return "removed"
    if previous is not None:
        return "updated" if restate(previous, source, mention) else "unchanged"
    store(mention.fill(response))
    return "stored"
