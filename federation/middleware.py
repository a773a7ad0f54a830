"""Content negotiation on permalinks: an ActivityPub client asking a post's address for
`application/activity+json` (or ld+json with the ActivityStreams profile) gets the Article;
browsers get the page as before. Sits above the page cache, so the cache only ever holds
HTML, and marks every permalink answer `Vary: Accept` for caches downstream."""

from django.utils.cache import patch_vary_headers

from blogcms.numbers import ascii_int

AS_PROFILE = "https://www.w3.org/ns/activitystreams"


def wants_activity_json(request):
    """Accept names activity+json, or ld+json with the ActivityStreams profile (AP §3.2)."""
    for part in request.headers.get("Accept", "").split(","):
        media = part.split(";")[0].strip().lower()
        if media == "application/activity+json":
            return True
        if media == "application/ld+json" and AS_PROFILE in part:
            return True
    return False


class ActivityNegotiationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        negotiates = request.method in ("GET", "HEAD") and _is_permalink(request.path_info)
        if negotiates:
            request.varies_above = ("Accept",)  # kept with the page by the page cache
        if negotiates and wants_activity_json(request):
            from .views import article_or_tombstone

            response = article_or_tombstone(request, request.path_info)
            if response is not None:
                patch_vary_headers(response, ["Accept"])
                return response
        response = self.get_response(request)
        if negotiates:
            patch_vary_headers(response, ["Accept"])
        return response


def _is_permalink(path):
    """A post's address (/YYYY/MM/DD/slug/), the only pages that are also objects."""
    from django.urls import Resolver404, resolve

    parts = path.strip("/").split("/")
    if len(parts) != 4 or ascii_int(parts[0]) is None:
        return False
    try:
        return resolve(path).view_name == "posts:detail"
    except Resolver404:
        return False
