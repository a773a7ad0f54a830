"""The anonymous page cache: whole pages for visitors who carry nothing personal.

Why not Django's own UpdateCacheMiddleware/FetchFromCacheMiddleware: they key on
`Vary: Cookie`, so each visitor would get a private copy, and they know nothing of our
content generation.

The rules, in the order they are applied:

- Only GET and HEAD, outside the admin, the XML-RPC endpoint and static and media files, for
  requests that carry nothing personal: no session or messages cookie, no commenter cookie
  (`comment_author…`), no held-comment marker (`unapproved`, `moderation-hash` in the query
  string, as WordPress's wp_get_unapproved_comment_author_email() reads them), no
  Authorization header.
- Only the query keys a public page reads (BLOGCMS_PAGE_CACHE_QUERY_KEYS: WordPress's public
  query vars) count: others (`?utm_source=`, `?x=123`) are removed from the request before any
  view sees it, so they can neither make a new page nor get past the cache.
- Only 200 answers, not streamed, setting no cookie, not marked private/no-cache/no-store
  (staff previews use never_cache), varying on nothing but Cookie, with no CSP nonce, and
  where nothing called get_token() (a visitor's CSRF token in the body).
- The key holds the content generation of blogcms.cache (a new one after every change to a
  post, category, comment, tag or the site settings, once committed), the theme, and the
  scheme, host, path and the query string's kept keys. A change shows on the next request.
- A page lives BLOGCMS_PAGE_CACHE_SECONDS (60) and never past the time the next scheduled
  post goes live, so scheduled posts appear on time with nothing saved.

A hit does almost nothing, and is the same bytes for every anonymous visitor: anonymous
comment forms carry no CSRF token, as WordPress's do not (the comment endpoint refuses
cross-site POSTs by their Origin and Sec-Fetch-Site headers, and asks for the token from
anyone with a session: comments/csrf.py). PageCacheWSGI, around Django in blogcms/wsgi.py,
answers a page this worker holds in memory (LocalPages; the key holds the generation, so it
cannot be stale) after one shared cache read, before any of Django's request handling.
Otherwise PageCacheMiddleware, the first middleware, answers from the shared cache, or lets
the stack render the page and stores it with the headers the middleware below added
(security, CSP, X-Frame-Options). docs/page-cache.md explains the design.

Conditional GET: each answer carries a weak ETag (the body's digest, not counting the values
a render marks with unvalidated(): the form's "shown at" stamp) and a Last-Modified (when it
was rendered); an unchanged page answers 304 here, before anything else runs.

Answers carry `X-Cache: hit`, `miss` (rendered, and stored for GET) or `pass` (not cacheable).
"""

import contextlib
import functools
import hashlib
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost, SuspiciousOperation
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse, QueryDict
from django.middleware.http import ConditionalGetMiddleware
from django.urls import NoReverseMatch, get_urlconf, reverse
from django.utils.cache import cc_delim_re, get_conditional_response, patch_cache_control
from django.utils.http import http_date, parse_etags, parse_http_date_safe

from .cache import content_generation, read_generation

KEY_PREFIX = "blogcms:page:v4"
DEFAULT_SECONDS = 60
DEFAULT_EXCLUDED_PATHS = ("/xmlrpc.php", "/xmlrpc/")
DEFAULT_PRIVATE_COOKIE_PREFIXES = ("comment_author", "unapproved")
DEFAULT_PRIVATE_QUERY_KEYS = ("unapproved", "moderation-hash")
# django.contrib.messages' CookieStorage.cookie_name
MESSAGES_COOKIE = "messages"
PRIVATE_CACHE_CONTROL = {"private", "no-cache", "no-store"}
HARMLESS_VARY = {"cookie", "accept-encoding"}
# Added per answer, or meaningless once stored.
UNSTORED_HEADERS = {"content-length", "etag", "x-cache"}
# The query keys public pages read, named as WordPress's public query vars (WP::$public_query_vars)
# so old links keep working; any other key is dropped before the view runs.
DEFAULT_QUERY_KEYS = (
    "s", "p", "page_id", "cat", "tag", "m", "author", "paged", "cpage", "feed",
    "attachment_id", "preview", "replytocom",
)  # fmt: skip
# A worker's own copies of its last pages (LocalPages).
DEFAULT_LOCAL_BYTES = 16 * 1024 * 1024


def is_enabled():
    return getattr(settings, "BLOGCMS_PAGE_CACHE", True)


def carries_something_personal(request):
    """A login, a flash message, a commenter's saved details or a held-comment marker."""
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or MESSAGES_COOKIE in cookies:
        return True
    prefixes = tuple(
        getattr(
            settings, "BLOGCMS_PAGE_CACHE_PRIVATE_COOKIE_PREFIXES", DEFAULT_PRIVATE_COOKIE_PREFIXES
        )
    )
    if any(name.startswith(prefixes) for name in cookies):
        return True
    query_keys = getattr(
        settings, "BLOGCMS_PAGE_CACHE_PRIVATE_QUERY_KEYS", DEFAULT_PRIVATE_QUERY_KEYS
    )
    if any(key in request.GET for key in query_keys):
        return True
    return "HTTP_AUTHORIZATION" in request.META


@functools.lru_cache(maxsize=8)
def _admin_prefix(urlconf):
    with contextlib.suppress(NoReverseMatch):  # a URLconf without the admin
        return reverse("admin:index", urlconf=urlconf)
    return None


def is_excluded_path(path):
    excluded = [
        *getattr(settings, "BLOGCMS_PAGE_CACHE_EXCLUDED_PATHS", DEFAULT_EXCLUDED_PATHS),
        # Files have their own caching (WhiteNoise, the front server).
        settings.STATIC_URL or "/static/",
        settings.MEDIA_URL or "/media/",
    ]
    if admin := _admin_prefix(get_urlconf() or settings.ROOT_URLCONF):
        excluded.append(admin)
    return path.startswith(tuple(excluded))


def keep_only_page_query_keys(request):
    """Drop the query keys no public page reads, so `?anything=1` is the page itself."""
    if not request.META.get("QUERY_STRING"):
        return
    kept = set(getattr(settings, "BLOGCMS_PAGE_CACHE_QUERY_KEYS", DEFAULT_QUERY_KEYS))
    if set(request.GET) <= kept:
        return
    query = QueryDict(mutable=True)
    for key, values in request.GET.lists():
        if key in kept:
            query.setlist(key, values)
    request.META["QUERY_STRING"] = query.urlencode()
    query._mutable = False
    request.GET = query


def asks_for_json(request):
    """ActivityPub clients ask the same permalinks for JSON (`application/activity+json`,
    `application/ld+json`): the cache holds the pages browsers get, so it never answers
    them (federation's negotiation, below, does)."""
    return "json" in request.META.get("HTTP_ACCEPT", "").lower()


def is_cacheable_request(request):
    return (
        is_enabled()
        and request.method in ("GET", "HEAD")
        and not is_excluded_path(request.path)
        and not carries_something_personal(request)
        and not asks_for_json(request)
    )


def is_storable(request, response):
    """A public 200 page that is the same for every anonymous visitor."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    cache_control = {
        v.strip().lower() for v in cc_delim_re.split(response.get("Cache-Control", ""))
    }
    if cache_control & PRIVATE_CACHE_CONTROL:
        return False
    vary = {v.strip().lower() for v in cc_delim_re.split(response.get("Vary", "")) if v.strip()}
    if not vary <= HARMLESS_VARY:
        return False
    if "'nonce-" in response.get("Content-Security-Policy", ""):
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return False  # SessionMiddleware, above, is about to set a session cookie
    # get_token() was called by something other than {% csrf_token %}: a real token may be
    # in the body, and it must not reach another visitor.
    return not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")


def next_scheduled_publish(generation):
    """When the next scheduled post goes live (a timestamp), or None; one query per
    generation and per scheduled time passed."""
    key = f"{KEY_PREFIX}:next-scheduled:{generation}"
    when = cache.get(key)
    if when is None or 0 < when <= time.time():
        from posts.models import Post

        upcoming = (
            Post.objects.scheduled()
            .order_by("published_at")
            .values_list("published_at", flat=True)
            .first()
        )
        when = upcoming.timestamp() if upcoming else 0
        cache.set(key, when, 600)  # one query per 10 min at most; old generations go soon
    return when or None


def generation_and_site():
    """The content generation (one shared cache read) and the site settings: this worker's
    copy when it was read in the same generation (saving the settings starts a new one)."""
    from . import models

    generation = read_generation() or content_generation()
    site = local_pages.site_in(generation)
    if site is None:
        site = models.SiteSettings.load()
        local_pages.site = (generation, site)
    return generation, site


def _digest(*parts):
    return hashlib.blake2b(b"\0".join(parts), digest_size=16).hexdigest()


def page_key(request, generation, theme):
    """None when the Host header is not allowed (the request then fails as usual)."""
    try:
        where = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    except DisallowedHost:
        return None
    return f"{KEY_PREFIX}:{generation}:{theme}:{_digest(where.encode())}"


def unvalidated(request, text):
    """Mark `text`, just rendered into this page, as a value that changes on every render
    without the page changing (a form's signed "shown at" time): it does not count in the
    page's ETag, so a visitor keeps getting 304 for an unchanged page. Returns `text`."""
    marked = getattr(request, "page_cache_unvalidated", None)
    if marked is not None:
        marked.append(str(text))
    return text


def validator_digest(content, unvalidated_texts):
    for text in unvalidated_texts:
        content = content.replace(text.encode(), b"")
    return _digest(content)


def stored_vary(request, response):
    """The kept page's Vary: the response's own, plus Cookie (this cache tells visitors apart
    by their cookies) and what middleware above this one varies on (`request.varies_above`,
    e.g. Accept on permalinks, federation.middleware), which a hit served before Django
    would otherwise not say."""
    names = [v.strip() for v in cc_delim_re.split(response.get("Vary", "")) if v.strip()]
    for name in ("Cookie", *getattr(request, "varies_above", ())):
        if name.lower() not in {n.lower() for n in names}:
            names.append(name)
    return ", ".join(names)


@dataclass
class CachedPage:
    content: bytes
    status: int
    headers: list
    stored_at: float
    expires_at: float
    etag: str
    status_line: str = ""
    wsgi_headers: tuple = ()

    @classmethod
    def capture(cls, request, response, generation):
        """The page to keep, or None when this answer must not be shared."""
        if not is_storable(request, response):
            return None
        now = time.time()
        expires_at = now + getattr(settings, "BLOGCMS_PAGE_CACHE_SECONDS", DEFAULT_SECONDS)
        if (scheduled := next_scheduled_publish(generation)) is not None:
            expires_at = min(expires_at, scheduled)
        digest = validator_digest(response.content, request.page_cache_unvalidated)
        headers = [
            (k, v) for k, v in response.items() if k.lower() not in UNSTORED_HEADERS | {"vary"}
        ]
        headers.append(("Vary", stored_vary(request, response)))
        headers.append(("ETag", f'W/"{digest}"'))
        if not response.has_header("Last-Modified"):
            headers.append(("Last-Modified", http_date(now)))
        if not response.has_header("Cache-Control"):
            # Browsers may keep the page but must ask again each time (a 304 is cheap).
            headers.append(("Cache-Control", "max-age=0, must-revalidate"))
        return cls(
            content=response.content,
            status=response.status_code,
            headers=headers,
            stored_at=now,
            expires_at=expires_at,
            etag=f'W/"{digest}"',
            status_line=f"{response.status_code} {response.reason_phrase}",
            wsgi_headers=(
                *headers,
                ("Content-Length", str(len(response.content))),
                ("X-Cache", "hit"),
            ),
        )

    @property
    def timeout(self):
        return max(1, math.ceil(self.expires_at - time.time()))

    def is_fresh(self):
        return time.time() < self.expires_at

    def answer(self, request, outcome):
        """The stored page, or 304 when the visitor's copy is this one."""
        response = HttpResponse(self.content, status=self.status)
        for name, value in self.headers:
            response.headers[name] = value
        response.headers["X-Cache"] = outcome
        not_modified = get_conditional_response(
            request, etag=self.etag, last_modified=int(self.stored_at), response=response
        )
        if not_modified is None:
            return response
        not_modified.headers["X-Cache"] = outcome
        return not_modified

    def is_unchanged_for(self, environ):
        """The visitor's copy is this page (If-None-Match, else If-Modified-Since), as
        django.utils.cache.get_conditional_response judges it for GET and HEAD."""
        if if_none_match := environ.get("HTTP_IF_NONE_MATCH"):
            etags = parse_etags(if_none_match)
            bare = self.etag.removeprefix("W/")
            return "*" in etags or any(tag.removeprefix("W/") == bare for tag in etags)
        if if_modified_since := environ.get("HTTP_IF_MODIFIED_SINCE"):
            since = parse_http_date_safe(if_modified_since)
            return since is not None and int(self.stored_at) <= since
        return False

    def wsgi_answer(self, environ, start_response):
        if self.is_unchanged_for(environ):
            start_response("304 Not Modified", [*NOT_MODIFIED_HEADERS(self.headers), X_HIT])
            return []
        start_response(self.status_line, list(self.wsgi_headers))
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [self.content]


class LocalPages:
    """The pages this worker served last, in memory: a hit then reads only the generation
    from the shared cache. Bounded by BLOGCMS_PAGE_CACHE_LOCAL_BYTES; shared by the
    worker's threads (gunicorn gthread), hence the lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.pages = OrderedDict()
        self.size = 0
        self.site = None  # (generation, SiteSettings) last read

    def site_in(self, generation):
        site = self.site
        if site is not None and site[0] == generation:
            return site[1]
        return None

    def get(self, key):
        with self.lock:
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def put(self, key, page):
        limit = getattr(settings, "BLOGCMS_PAGE_CACHE_LOCAL_BYTES", DEFAULT_LOCAL_BYTES)
        if len(page.content) > limit // 4:
            return
        with self.lock:
            # A page rendered again after it expired replaces the old copy (kept, it would
            # be found stale by every later request, and each would render the page again).
            if (old := self.pages.pop(key, None)) is not None:
                self.size -= len(old.content)
            self.pages[key] = page
            self.size += len(page.content)
            while self.size > limit:
                _, old = self.pages.popitem(last=False)
                self.size -= len(old.content)

    def clear(self):
        with self.lock:
            self.pages.clear()
            self.size = 0
            self.site = None


local_pages = LocalPages()


X_HIT = ("X-Cache", "hit")
# What a 304 repeats of the page's headers (RFC 9110, 15.4.5).
# A request's validators of the copy it holds (django.utils.cache.get_conditional_response).
CONDITIONS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
)
KEPT_ON_304 = {"cache-control", "content-location", "etag", "expires", "last-modified", "vary"}


def NOT_MODIFIED_HEADERS(headers):  # noqa: N802
    return [(name, value) for name, value in headers if name.lower() in KEPT_ON_304]


class PageCacheWSGI:
    """The page cache's hits, before Django: wraps the WSGI application (blogcms/wsgi.py).

    A hit here costs a WSGIRequest (so that the key is made exactly as PageCacheMiddleware
    makes it), one shared cache read (the generation) and this worker's memory: no request
    signals, no middleware, no response object. Anything else — a page this worker does not
    hold, a visitor with something personal — goes to Django, where PageCacheMiddleware
    renders and stores it (and answers from the shared cache)."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        page = self.page_for(environ)
        if page is None:
            return self.application(environ, start_response)
        return page.wsgi_answer(environ, start_response)

    def page_for(self, environ):
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return None
        try:
            # A copy: WSGIRequest writes the decoded path back into the dict it is given,
            # and Django, on a miss, must read the environ gunicorn made (a path outside
            # Latin-1, such as a Cyrillic slug, would no longer encode: a 500).
            request = WSGIRequest(environ.copy())
            if not is_cacheable_request(request):
                return None
            keep_only_page_query_keys(request)
            generation = read_generation()
            site = local_pages.site_in(generation)
            if site is None:
                return None
            page = local_pages.get(page_key(request, generation, site.theme))
        except (SuspiciousOperation, ValueError):  # Django answers (400) and logs these
            return None
        return page if page is not None and page.is_fresh() else None


class PageCacheMiddleware:
    """The first middleware: a hit returns before any other runs. On a miss the page is
    rendered by the whole stack below, and stored with the headers it added."""

    def __init__(self, get_response):
        self.get_response = get_response
        # For a page not kept: the 304 Django's ConditionalGetMiddleware, below, would give.
        self.conditional_get = ConditionalGetMiddleware(get_response)

    def __call__(self, request):
        if not is_cacheable_request(request):
            if request.method in ("GET", "HEAD"):
                # Read once, before any lookup: what is kept per generation (the sidebar,
                # the comment form and rows, posts.kept) takes it from here.
                request.content_generation = content_generation()
            return self.pass_through(request)
        keep_only_page_query_keys(request)
        generation, site = generation_and_site()
        # Read once per request: the theme layer and the sidebar take them from here.
        request.site_settings, request.content_generation = site, generation
        key = page_key(request, generation, site.theme)
        if key is None:
            return self.pass_through(request)
        page = local_pages.get(key)
        if page is None or not page.is_fresh():  # another worker may have one fresher
            page = cache.get(key)
            if isinstance(page, CachedPage):
                local_pages.put(key, page)
        if isinstance(page, CachedPage) and page.is_fresh():
            return page.answer(request, "hit")

        request.page_cache_unvalidated = []
        # Rendered whole even for a visitor who holds a copy: a 304 made below could not be
        # kept, and once a page expired, revalidations (browsers, feed readers) would miss
        # again and again. The answer below still says 304 to them.
        conditions = {name: request.META.pop(name) for name in CONDITIONS if name in request.META}
        response = self.get_response(request)
        request.META.update(conditions)
        page = CachedPage.capture(request, response, generation)
        if page is None:
            if conditions:
                response = self.conditional_get.process_response(request, response)
            response["X-Cache"] = "pass"
            return response
        if request.method == "GET":
            cache.set(key, page, page.timeout)
            local_pages.put(key, page)
        return page.answer(request, "miss")

    def pass_through(self, request):
        response = self.get_response(request)
        if (
            is_enabled()
            and carries_something_personal(request)
            and not response.has_header("Cache-Control")
        ):
            # Pages for a logged-in user or a commenter are theirs alone.
            patch_cache_control(response, private=True)
        response["X-Cache"] = "pass"
        return response
