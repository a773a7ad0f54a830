"""What a commenter's own browser keeps: their details (only with consent) and the marker
that lets them, and nobody else, see their comment while it waits for moderation.

Names follow WordPress (wp_set_comment_cookies) so blogcms.pagecache recognises them and
never shares a page that shows them.
"""

from urllib.parse import quote, unquote

from django.conf import settings

from blogcms.numbers import ascii_int

from .forms import CONSENT_FIELD

HELD_COOKIE = "unapproved_comments"
HELD_SALT = "comments.held-marker"
# WordPress shows a held comment to its author for 10 minutes by a link; the marker here
# is bound to one browser, so it may last longer: a day, or until a moderator decides.
HELD_SECONDS = 24 * 3600
HELD_KEPT = 20  # the most recent held comments a browser remembers

# wp_set_comment_cookies(): a year, and only when the consent box is ticked.
# Cookie name → (form field, Comment attribute).
DETAIL_COOKIES = {
    "comment_author": ("author", "author_name"),
    "comment_author_email": ("email", "author_email"),
    "comment_author_url": ("url", "author_url"),
}
DETAIL_SECONDS = 365 * 24 * 3600


def remembered_details(request):
    """The form's initial name, email and website from the consent cookies."""
    details = {
        field: unquote(request.COOKIES[name])
        for name, (field, _) in DETAIL_COOKIES.items()
        if name in request.COOKIES
    }
    return details | {CONSENT_FIELD: True} if details else {}


def remember_details(response, comment, *, consent):
    """Keep the commenter's details for a year when they tick the box; forget them if not."""
    for name, (_, attribute) in DETAIL_COOKIES.items():
        value = getattr(comment, attribute)
        if consent and value:
            response.set_cookie(
                name,
                quote(value, safe="@"),  # as PHP's setcookie(): any name survives the trip
                max_age=DETAIL_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=_secure(),
            )
        else:
            response.delete_cookie(name, samesite="Lax")


def held_ids(request):
    """The ids of the held comments this browser wrote (signed, so they cannot be made up)."""
    value = request.get_signed_cookie(HELD_COOKIE, default="", salt=HELD_SALT, max_age=HELD_SECONDS)
    return [number for part in value.split(".") if (number := ascii_int(part)) is not None]


def mark_held(request, response, comment):
    ids = [*held_ids(request), comment.pk][-HELD_KEPT:]
    response.set_signed_cookie(
        HELD_COOKIE,
        ".".join(map(str, ids)),
        salt=HELD_SALT,
        max_age=HELD_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=_secure(),
    )


def _secure():
    """Over HTTPS only when the site runs on HTTPS (blogcms.production)."""
    return getattr(settings, "SESSION_COOKIE_SECURE", False)
