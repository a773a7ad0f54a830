"""Cross-site request forgery on the comment form, without a token for anonymous visitors.

WordPress's comment form carries no token for visitors who are not logged in, so the page
is the same for all of them and can be served whole from a cache (blogcms.pagecache) or as a
file by the front server. A forged cross-site POST is still refused: every current browser
says where a POST comes from, by `Sec-Fetch-Site` (Fetch Metadata) and `Origin`, and this
checks them as Go's net/http CrossOriginProtection does (Filippo Valsorda, "CSRF", 2025):

1. `Sec-Fetch-Site: same-origin` or `none` (typed in, a bookmark): accepted; any other
   value (`cross-site`, `same-site`: a sibling subdomain) is refused, unless `Origin` is one
   of CSRF_TRUSTED_ORIGINS.
2. No `Sec-Fetch-Site` (an older browser): `Origin` must be this site's own or a trusted one;
   `Origin: null` (a sandboxed frame, a data: URL) is refused.
3. Neither header: accepted, as WordPress accepts it. Browsers have sent `Origin` on every
   cross-origin POST since 2020 (Chrome 80, Firefox 70, Safari 14), so a request with neither
   comes from a program — curl, a spam bot — which can as easily fetch a page for its token
   first: a token would stop no one there, and a forgery needs a victim's browser.

Whoever has a session (a logged-in user, staff) gets the full token check, and their form
carries the token: needs_token() is the one rule both the form and the check follow. Their
session cookie is SameSite=Lax, so a cross-site POST arrives without it, and is then
refused by the check above.
"""

import functools

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt, csrf_protect

CROSS_SITE = "Cross-site comment refused: this form must be sent from the site's own page."


def needs_token(request):
    """A visitor with a session gets (and must send back) a CSRF token; others need none."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES


def _trusted(origin):
    return origin in getattr(settings, "CSRF_TRUSTED_ORIGINS", ())


def is_same_origin(request):
    """The browser says this POST comes from this site's own pages (see the module's rules)."""
    origin = request.headers.get("Origin")
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none") or (origin is not None and _trusted(origin))
    if origin is None:
        return True
    try:
        own = f"{request.scheme}://{request.get_host()}"
    except DisallowedHost:
        return False
    return origin == own or _trusted(origin)


def refuse(request, reason):
    """Django's own CSRF failure page (403), as for a missing token."""
    return import_string(settings.CSRF_FAILURE_VIEW)(request, reason=reason)


def origin_checked(view):
    """The anonymous comment POST: same-origin by the browser's word; with a session, the
    CSRF token as CsrfViewMiddleware checks it."""
    protected = csrf_protect(view)

    @csrf_exempt
    @functools.wraps(view)
    def checked(request, *args, **kwargs):
        if needs_token(request):
            return protected(request, *args, **kwargs)
        if not is_same_origin(request):
            return refuse(request, CROSS_SITE)
        return view(request, *args, **kwargs)

    return checked
