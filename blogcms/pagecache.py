"""The anonymous page cache: whole pages for visitors who carry nothing personal.

Why not Django's own UpdateCacheMiddleware/FetchFromCacheMiddleware: they refuse every
response that sets a cookie, so every post page (its comment form sets `csrftoken`) would
never be cached; they key on `Vary: Cookie`, so each visitor would get a private copy; and
they know nothing of our content generation.

The rules, in the order they are applied:

- Only GET and HEAD, outside the admin and the XML-RPC endpoint, for requests that carry
  nothing personal: no session or messages cookie, no commenter cookie (`comment_author…`),
  no held-comment marker (`unapproved`, `moderation-hash` in the query string, as WordPress's
  wp_get_unapproved_comment_author_email() reads them), no Authorization header.
- Only 200 answers, not streamed, setting no cookie, not marked private/no-cache/no-store
  (staff previews use never_cache), varying on nothing but Cookie, with no CSP nonce.
- The key holds the content generation of blogcms.cache (a new one after every change to a
  post, category, comment, tag or the site settings, once committed), the theme, and the
  scheme, host, path and query string. A change therefore shows on the very next request.
- A page lives BLOGCMS_PAGE_CACHE_SECONDS (60) and never past the time the next scheduled
  post goes live, so scheduled posts appear on time with nothing saved.

CSRF: while a cacheable page renders, `{% csrf_token %}` renders a random placeholder
(csrf_placeholder, a context processor) instead of a token. Every answer made from the page,
the first and each hit, replaces it with a token freshly masked from that visitor's own
secret, and CsrfViewMiddleware sets or renews that visitor's cookie as usual. So the stored
body holds nobody's token, a second visitor can post a comment, and no JavaScript is needed.
If anything called get_token() itself during the render, a real token may be in the body,
and the page is not stored. Other values that must be new in each answer (a form's signed
"shown at" time) use the same means: fresh_value(request, make).

Conditional GET: each answer carries an ETag and a Last-Modified (when it was rendered);
ConditionalGetMiddleware, above this one, answers 304. A page with a form gets a weak ETag
that also hashes the visitor's CSRF secret, so a 304 never keeps a form whose token no
longer matches the visitor's cookie.

Answers carry `X-Cache: hit`, `miss` (rendered, and stored for GET) or `pass` (not cacheable).
"""

import contextlib
import hashlib
import math
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.urls import NoReverseMatch, reverse
from django.utils.cache import cc_delim_re, patch_cache_control, patch_vary_headers
from django.utils.functional import SimpleLazyObject
from django.utils.html import escape
from django.utils.http import http_date
from django.utils.module_loading import import_string

from .cache import GENERATION_KEY, content_generation

KEY_PREFIX = "blogcms:page:v3"
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


def is_excluded_path(path):
    excluded = list(getattr(settings, "BLOGCMS_PAGE_CACHE_EXCLUDED_PATHS", DEFAULT_EXCLUDED_PATHS))
    with contextlib.suppress(NoReverseMatch):  # a URLconf without the admin
        excluded.append(reverse("admin:index"))
    return path.startswith(tuple(excluded))


def is_cacheable_request(request):
    return (
        is_enabled()
        and request.method in ("GET", "HEAD")
        and not is_excluded_path(request.path)
        and not carries_something_personal(request)
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
    """Both in one cache round trip (it shows with Redis), each made as usual when absent."""
    from . import models

    found = cache.get_many([GENERATION_KEY, models.CACHE_KEY])
    generation = found.get(GENERATION_KEY) or content_generation()
    site = found.get(models.CACHE_KEY) or models.SiteSettings.load()
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


class Placeholders:
    """Stand-ins for the values each answer makes afresh, while a cacheable page renders:
    {dotted path of the function that makes the value: the random text standing in}."""

    def __init__(self):
        self.used = {}

    def take(self, make):
        path = f"{make.__module__}.{make.__qualname__}"
        if path not in self.used:
            self.used[path] = f"fresh-{secrets.token_hex(16)}"
        return self.used[path]


def fresh_value(request, make):
    """`make(request)`, a top-level function returning HTML-safe text, for this answer; on a
    page being rendered for the cache, a stand-in that every answer made from the stored page
    replaces with a new `make(request)`. For values that must not be shared or go stale: the
    CSRF token, a form's signed "shown at" time."""
    placeholders = getattr(request, "page_cache_placeholders", None)
    if placeholders is None:
        return make(request)
    return placeholders.take(make)


def fill_fresh_values(request, content, used):
    for path, text in used.items():
        content = content.replace(text.encode(), escape(import_string(path)(request)).encode())
    return content


def csrf_placeholder(request):
    """Context processor, after Django's own csrf one: on pages rendered for the cache,
    `{% csrf_token %}` is a fresh value."""
    if getattr(request, "page_cache_placeholders", None) is None:
        return {}
    return {"csrf_token": SimpleLazyObject(lambda: fresh_value(request, get_token))}


@dataclass
class CachedPage:
    content: bytes
    status: int
    headers: list
    stored_at: float
    expires_at: float
    fresh_values: dict
    digest: str

    @classmethod
    def capture(cls, request, response, placeholders, generation):
        """The page to keep, or None when this answer must not be shared."""
        if not is_storable(request, response):
            return None
        now = time.time()
        expires_at = now + getattr(settings, "BLOGCMS_PAGE_CACHE_SECONDS", DEFAULT_SECONDS)
        if (scheduled := next_scheduled_publish(generation)) is not None:
            expires_at = min(expires_at, scheduled)
        headers = [(k, v) for k, v in response.items() if k.lower() not in UNSTORED_HEADERS]
        return cls(
            content=response.content,
            status=response.status_code,
            headers=headers,
            stored_at=now,
            expires_at=expires_at,
            fresh_values=placeholders.used,
            digest=_digest(response.content),
        )

    @property
    def timeout(self):
        return max(1, math.ceil(self.expires_at - time.time()))

    def is_fresh(self):
        return time.time() < self.expires_at

    def to_response(self, request):
        response = HttpResponse(status=self.status)
        for name, value in self.headers:
            response[name] = value
        response.content = self.content
        return response

    def finish(self, request, response, outcome):
        """Fresh values (the visitor's own CSRF token) and validators, on an answer made from
        this page."""
        if not self.fresh_values:
            etag = f'"{self.digest}"'
        else:
            response.content = fill_fresh_values(request, response.content, self.fresh_values)
            # Weak: fresh values differ per answer. With the visitor's CSRF secret, so a 304
            # never keeps a form whose token does not match their cookie.
            secret = request.META.get("CSRF_COOKIE", "").encode()
            etag = f'W/"{_digest(self.digest.encode(), secret)}"'
        response["ETag"] = etag
        if not response.has_header("Last-Modified"):
            response["Last-Modified"] = http_date(self.stored_at)
        if not response.has_header("Cache-Control"):
            # Browsers may keep the page but must ask again each time (a 304 is cheap).
            patch_cache_control(response, max_age=0, must_revalidate=True)
        patch_vary_headers(response, ["Cookie"])
        response["X-Cache"] = outcome
        return response


class PageCacheMiddleware:
    """Sits below CsrfViewMiddleware (which sets the visitor's cookie) and
    ConditionalGetMiddleware (which answers 304), above everything a hit can skip."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_cacheable_request(request):
            return self.pass_through(request)
        generation, site = generation_and_site()
        # Read once per request: the theme layer and the sidebar take them from here.
        request.site_settings, request.content_generation = site, generation
        key = page_key(request, generation, site.theme)
        if key is None:
            return self.pass_through(request)
        page = cache.get(key)
        if isinstance(page, CachedPage) and page.is_fresh():
            return page.finish(request, page.to_response(request), "hit")

        request.page_cache_placeholders = placeholders = Placeholders()
        response = self.get_response(request)
        page = CachedPage.capture(request, response, placeholders, generation)
        if page is None:
            if placeholders.used and not response.streaming:
                response.content = fill_fresh_values(request, response.content, placeholders.used)
            response["X-Cache"] = "pass"
            return response
        if request.method == "GET":
            cache.set(key, page, page.timeout)
        return page.finish(request, response, "miss")

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
