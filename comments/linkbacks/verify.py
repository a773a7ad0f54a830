"""Verifying a linkback: is the target one of our posts that takes pings, does the source
really link to it, and may we store it. Pingbacks (synchronous, at the XML-RPC endpoint)
and webmentions (in a background task) share every step; each refusal carries the
Pingback 1.0 fault code (https://www.hixie.ch/specs/pingback/pingback#TOC3) and a
message in WordPress's words (class-wp-xmlrpc-server.php, pingback_ping).
"""

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

# Pingback 1.0 fault codes.
GENERIC = 0
SOURCE_NOT_FOUND = 16
NO_LINK = 17
TARGET_NOT_FOUND = 32
TARGET_INVALID = 33
ALREADY_REGISTERED = 48
ACCESS_DENIED = 49
UPSTREAM_ERROR = 50


class LinkbackRefused(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


class SourceGone(LinkbackRefused):
    """The source answered 410 Gone: a webmention it made is withdrawn (Webmention §3.2.2)."""


class RateLimited(LinkbackRefused):
    """An address the source leads to has no fetches left in this window: try later."""


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


TARGET_MISSING = "The specified target URL does not exist."
SOURCE_MISSING = "The source URL does not exist."


def target_post(target, hosts):
    """The post `target` names, if it may receive linkbacks (else fault 32 or 33).

    A post visitors cannot see (draft, pending, private, scheduled) is answered as one
    that does not exist, word for word: the endpoint must not reveal it is there."""
    if not http_url(target) or urlsplit(target).netloc.lower() not in hosts:
        raise LinkbackRefused(TARGET_NOT_FOUND, "The specified target URL is not on this site.")
    post = Post.objects.published().at_url(target)
    if post is None:
        raise LinkbackRefused(TARGET_NOT_FOUND, TARGET_MISSING)
    if not post.pings_are_open(SiteSettings.load()):
        raise LinkbackRefused(
            TARGET_INVALID,
            "The specified target URL cannot be used as a target. It either doesn't exist, "
            "or it is not a pingback-enabled resource.",
        )
    return post


def public_post(target, hosts):
    """The post visitors can read at `target`, pings open or not (else fault 32)."""
    post = None
    if http_url(target) and urlsplit(target).netloc.lower() in hosts:
        post = Post.objects.published().at_url(target)
    if post is None:
        raise LinkbackRefused(TARGET_NOT_FOUND, TARGET_MISSING)
    return post


def check_source(source, target):
    if not http_url(source) or len(source) > MAX_URL:
        raise LinkbackRefused(SOURCE_NOT_FOUND, SOURCE_MISSING)
    if source == target:
        raise LinkbackRefused(
            GENERIC, "The source URL and the target URL cannot both point to the same resource."
        )


def existing(post, source):
    """The linkback `source` already left on `post`, if any (trashed ones count: WordPress)."""
    return (
        Comment.objects.filter(post=post, author_url=source)
        .exclude(type=Comment.Type.COMMENT)
        .first()
    )


RATE_REFUSAL = "Too many pingbacks from that site; please try again later."


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
    """Refuse (49) a linkback whose source URL, sender's address or user agent holds a
    disallowed word, before its source is fetched; the words read from the source meet
    the same words in moderation (decide_status sends them to spam), as a comment's do."""
    if matches_keys(response, SiteSettings.load().keyword_list("disallowed_keys")):
        raise LinkbackRefused(ACCESS_DENIED, "Access denied.")


def check_literal_address(source):
    """What the webmention endpoint can tell about a source without a DNS lookup (no
    network work in a request): a source whose host is written as an IP address is
    refused (16) when that address is not public, and (49) when it has no fetches left in
    this window, without counting one (the fetch counts). A host name is left to the
    fetch in the task, which resolves it and applies both rules."""
    try:
        address = fetch.literal_address(source)
    except fetch.FetchError as exc:
        # Why it was refused (the address a spelling like 0xa.1 stands for) stays in the log.
        log.info("linkback source %s refused: %s", source, exc)
        raise LinkbackRefused(SOURCE_NOT_FOUND, SOURCE_MISSING) from exc
    if address is None:
        return
    if ratelimit.SOURCES.spent(address):
        raise RateLimited(ACCESS_DENIED, RATE_REFUSAL)


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

    Raises LinkbackRefused 16 when it cannot be fetched (SourceGone on 410), 17 when it
    does not link to the target, 49 (RateLimited) when an address it leads to is over
    its rate.
    """
    try:
        fetched = fetch.fetch_page(source, admit=within_rate)
    except fetch.Throttled as exc:
        raise RateLimited(ACCESS_DENIED, RATE_REFUSAL) from exc
    except fetch.FetchError as exc:
        # One answer for every way a fetch fails (address refused, unknown host, closed
        # port, timeout, HTTP error): naming the reason would tell a stranger how a host
        # resolves and which ports answer. The log keeps it.
        log.info("linkback source %s not fetched: %s", source, exc)
        raise LinkbackRefused(SOURCE_NOT_FOUND, SOURCE_MISSING) from exc
    if fetched.status == 410:
        raise SourceGone(SOURCE_NOT_FOUND, SOURCE_MISSING)
    if not fetched.ok:
        log.info("linkback source %s answered HTTP %s", source, fetched.status)
        raise LinkbackRefused(SOURCE_NOT_FOUND, SOURCE_MISSING)
    page = read_page(fetched.url, fetched.text)
    if not page.links_to(target):
        raise LinkbackRefused(
            NO_LINK,
            "The source URL does not contain a link to the target URL, and so cannot be "
            "used as a source.",
        )
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
    """Save through moderation (the one path for every response); refusals become faults."""
    try:
        return submit(comment)
    except Refused as exc:
        if exc.code == "duplicate":
            raise LinkbackRefused(
                ALREADY_REGISTERED, "The pingback has already been registered."
            ) from exc
        raise LinkbackRefused(ACCESS_DENIED, exc.message) from exc
    except OperationalError as exc:  # the database is down or busy; anything else is a bug
        log.exception("linkback from %s could not be stored", comment.author_url)
        raise LinkbackRefused(
            UPSTREAM_ERROR, "The response could not be stored; please try again later."
        ) from exc
