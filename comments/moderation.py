"""The one path by which any response (comment, pingback, webmention) is stored.

The rules follow WordPress's `wp_allow_comment()` (wp-includes/comment.php) in its order:
duplicate check, flood check, then the approval decision of `check_comment()` and
`wp_check_comment_disallowed_list()`. Each rule reads the SiteSettings field named after
the WordPress option it mirrors. Flood state lives in the shared cache, so every gunicorn
worker sees the same window.
"""

import hashlib
import re

from django.core.cache import caches
from django.db import transaction
from django.db.models import Q
from django.utils.html import strip_tags

from blogcms.models import SiteSettings
from blogcms.visitor import client_ip

from .models import Comment

MODERATE_PERMISSION = "comments.change_comment"
# Responses a person wrote here or on their own server (not a linkback): flood-limited, and
# approved without moderation once the same author has one approved.
PERSON_TYPES = (Comment.Type.COMMENT, Comment.Type.FEDIVERSE)

DUPLICATE_MESSAGE = "Duplicate comment detected; it looks as though you've already said that!"
FLOOD_MESSAGE = "You are posting comments too quickly. Slow down."

# Links as `check_comment()` counts them: in the rendered text, so bare URLs count too.
_LINK = re.compile(r"<a [^>]*href", re.IGNORECASE)


class Refused(Exception):
    """A response refused before it is stored: message for the visitor, HTTP status, short code."""

    def __init__(self, message, status, code):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


def can_moderate(user):
    """Users who may moderate are never held or throttled (WordPress: moderate_comments)."""
    return bool(user and user.is_active and user.has_perm(MODERATE_PERMISSION))


def submit(comment, *, request=None):
    """The one path by which any response (comment, pingback, webmention) is stored:
    refuses duplicates (Refused(..., 409, "duplicate")) and, for type=comment only, floods
    (Refused(..., 429, "flood")); decides the status by the site's rules (staff exempt);
    saves (sanitising happens in Comment.save); after commit enqueues the notification task.
    Returns the saved comment.

    A caller that already knows the response is spam (a bot trap) sets status SPAM before
    calling; that verdict is kept, silently, whatever the rules would say.
    """
    if request is not None:
        _fill_from_request(comment, request)
    site = SiteSettings.load()
    moderator = can_moderate(comment.user)
    if is_duplicate(comment):
        raise Refused(DUPLICATE_MESSAGE, 409, "duplicate")
    if comment.type in PERSON_TYPES and not moderator:
        check_flood(comment, site)
    if comment.status != Comment.Status.SPAM:
        comment.status = decide_status(comment, site, moderator=moderator)
    with transaction.atomic():
        comment.save()
        transaction.on_commit(lambda: _enqueue_notification(comment.pk))
    return comment


def _fill_from_request(comment, request):
    if not comment.author_ip:
        comment.author_ip = client_ip(request)
    if not comment.user_agent:
        comment.user_agent = request.META.get("HTTP_USER_AGENT", "")[:255]


def _enqueue_notification(comment_id):
    from .tasks import notify_new_response

    notify_new_response.enqueue(comment_id)


def is_duplicate(comment):
    """Same post, parent, author (name or email) and text, not trashed (wp_allow_comment)."""
    same_author = Q(author_name=comment.author_name)
    if comment.author_email:
        same_author |= Q(author_email__iexact=comment.author_email)
    return (
        Comment.objects.filter(
            post_id=comment.post_id, parent_id=comment.parent_id, content=comment.content
        )
        .exclude(status=Comment.Status.TRASH)
        .filter(same_author)
        .exists()
    )


def _flood_key(kind, value):
    digest = hashlib.sha256(str(value).strip().lower().encode()).hexdigest()[:32]
    return f"comments:flood:{kind}:{digest}"


def check_flood(comment, site):
    """A second comment from the same IP or email within comment_flood_seconds is refused
    (check_comment_flood_db). add() on the "ratelimit" cache (Redis or the database) is
    atomic, so two racing workers cannot both pass."""
    seconds = site.comment_flood_seconds
    if not seconds:
        return
    identities = (("ip", comment.author_ip), ("email", comment.author_email))
    if comment.type == Comment.Type.FEDIVERSE:
        # The address is the author's server, shared by all its users: count per actor.
        identities = (("actor", comment.author_url),)
    for kind, value in identities:
        if value and not caches["ratelimit"].add(_flood_key(kind, value), 1, seconds):
            raise Refused(FLOOD_MESSAGE, 429, "flood")


def _haystacks(comment):
    """The fields WordPress matches moderation and disallowed words against."""
    return [
        comment.author_name,
        comment.author_email,
        comment.author_url,
        comment.content,
        strip_tags(comment.content),
        comment.author_ip or "",
        comment.user_agent,
    ]


def matches_keys(comment, words):
    """True when any word occurs, case-insensitively, in any of the matched fields."""
    haystacks = [h.lower() for h in _haystacks(comment) if h]
    return any(word.lower() in h for word in words for h in haystacks)


def count_links(comment):
    """Links in the rendered text, bare URLs included (they become links on render)."""
    comment.render()  # the same pass Comment.save() then keeps
    return len(_LINK.findall(comment.content_html))


def previously_approved(comment):
    """An approved comment by the same email (or user) exists, or for a Fediverse reply an
    approved one by the same remote actor (its profile URL); linkbacks never qualify."""
    if comment.type == Comment.Type.FEDIVERSE:
        return bool(comment.author_url) and (
            Comment.objects.approved()
            .filter(type=comment.type, author_url=comment.author_url)
            .exclude(pk=comment.pk)
            .exists()
        )
    if comment.type != Comment.Type.COMMENT or not comment.author_email:
        return False
    same_author = Q(author_email__iexact=comment.author_email)
    if comment.user_id:
        same_author |= Q(user_id=comment.user_id)
    return (
        Comment.objects.approved()
        .filter(type=Comment.Type.COMMENT)
        .filter(same_author)
        .exclude(pk=comment.pk)
        .exists()
    )


def decide_status(comment, site, *, moderator=False):
    """approved, pending or spam, by the site's discussion settings (wp_allow_comment)."""
    if moderator or (comment.user_id and comment.user_id == comment.post.author_id):
        return Comment.Status.APPROVED
    if matches_keys(comment, site.keyword_list("disallowed_keys")):
        return Comment.Status.SPAM
    if holds(comment, site):
        return Comment.Status.PENDING
    return Comment.Status.APPROVED


def holds(comment, site):
    """check_comment() answering "no": the comment waits for a moderator."""
    if site.comment_moderation:
        return True
    if site.comment_max_links and count_links(comment) >= site.comment_max_links:
        return True
    if matches_keys(comment, site.keyword_list("moderation_keys")):
        return True
    return site.comment_previously_approved and not previously_approved(comment)
