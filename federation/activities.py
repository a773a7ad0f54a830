"""What each activity does once the inbox has verified who sent it.

Follow, Undo, Create/Update/Delete of a Note (replies become responses through the one
moderation path), Like and Announce. Anything else is accepted and ignored, as Mastodon
does with types it does not know.
"""

import logging
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from blogcms.addresses import site_url
from blogcms.models import SiteSettings
from blogcms.numbers import ascii_int
from comments import moderation
from comments.linkbacks.verify import our_hosts
from comments.models import MAX_AUTHOR, MAX_URL, Comment
from comments.sanitize import is_web_url
from posts.models import Post

from .inbox import MAX_ID, Refused, id_of
from .models import (
    BlogActor,
    FederatedPost,
    Follower,
    Reaction,
    RemoteActor,
    RemoteNote,
    domain_of,
)
from .signatures import SignatureError, verify

log = logging.getLogger(__name__)

NOTE_TYPES = ("Note", "Article", "Question")
STAFF_NOTE_PATH = "/activitypub/notes/"


def handle(activity, actor):
    kind = activity["type"]
    handler = HANDLERS.get(kind)
    if handler is None:
        return "ignored"
    return handler(activity, actor)


# --- Following -----------------------------------------------------------------------------


def on_follow(activity, actor):
    blog = BlogActor.load()
    if id_of(activity.get("object")) != blog.ap_id:
        raise Refused(422, "only the blog can be followed here")
    follow_id = id_of(activity)
    if not follow_id:
        raise Refused(400, "the Follow has no id")
    status = (
        Follower.Status.PENDING if blog.manually_approves_followers else Follower.Status.ACCEPTED
    )
    follower, created = Follower.objects.get_or_create(
        actor=actor, defaults={"follow_id": follow_id, "status": status}
    )
    if not created:
        follower.follow_id = follow_id  # a repeated Follow is answered again (Mastodon)
        follower.save(update_fields=["follow_id"])
    if follower.status == Follower.Status.ACCEPTED:
        send_accept(follower)
        return "accepted"
    return "held"


def send_accept(follower, kind="Accept"):
    """Accept (or Reject) the follower's Follow, after commit, in a task."""
    from .delivery import deliver_to_actor

    blog = BlogActor.load()
    answer = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{blog.ap_id}#{kind.lower()}s/{follower.actor.pk}-{timezone.now().timestamp():.0f}",
        "type": kind,
        "actor": blog.ap_id,
        "object": {
            "id": follower.follow_id,
            "type": "Follow",
            "actor": follower.actor.ap_id,
            "object": blog.ap_id,
        },
        "to": [follower.actor.ap_id],
    }
    deliver_to_actor(answer, follower.actor)


def on_undo(activity, actor):
    inner = activity.get("object")
    inner_id = id_of(inner)
    inner_type = inner.get("type") if isinstance(inner, dict) else None
    if inner_type in (None, "Follow"):
        gone, _ = (
            Follower.objects.filter(actor=actor)
            .filter(**({"follow_id": inner_id} if inner_type is None else {}))
            .delete()
        )
        if gone:
            return "unfollowed"
    if inner_type in (None, "Like", "Announce"):
        gone, _ = Reaction.objects.filter(actor=actor, activity_id=inner_id).delete()
        if gone:
            return "reaction withdrawn"
    return "ignored"


def forget_actor(actor_id, key_id, signed):
    """Delete of an account: verified with the key we hold (never fetched), then its
    following, reactions and notes go."""
    actor = RemoteActor.objects.filter(ap_id=actor_id, key_id=key_id).first()
    if actor is None:
        return "ignored"
    try:
        verify(signed, actor.public_key_pem)
    except SignatureError as exc:
        raise Refused(401, str(exc)) from exc
    Follower.objects.filter(actor=actor).delete()
    Reaction.objects.filter(actor=actor).delete()
    return "forgotten"


# --- Replies -------------------------------------------------------------------------------


def _our_url(url):
    try:
        return urlsplit(url).netloc.lower() in our_hosts()
    except ValueError:
        return False


def replied_to(url):
    """(post, parent response) a Note's inReplyTo names: one of our posts (by its object
    id or any permalink shape), a Fediverse reply we hold, or a staff reply we sent."""
    if not isinstance(url, str) or not url:
        return None, None
    if note := RemoteNote.objects.select_related("comment__post").filter(ap_id=url).first():
        return note.comment.post, note.comment
    if record := FederatedPost.objects.select_related("post").filter(ap_id=url).first():
        return record.post, None
    if not _our_url(url):
        return None, None
    path = urlsplit(url).path
    if path.startswith(STAFF_NOTE_PATH):
        pk = ascii_int(path[len(STAFF_NOTE_PATH) :].strip("/"))
        comment = Comment.objects.filter(pk=pk).select_related("post").first() if pk else None
        return (comment.post, comment) if comment else (None, None)
    return Post.objects.published().at_url(url), None


def _note_text(note):
    content = note.get("content")
    if not isinstance(content, str) or not content.strip():
        raise Refused(422, "the note has no content")
    return content[: Comment._meta.get_field("content").max_length]


def _author_name(actor):
    name = actor.display_name
    if actor.handle and actor.handle not in name:
        name = f"{name} ({actor.handle})"
    return name[:MAX_AUTHOR]


def _note(activity, actor):
    note = activity.get("object")
    if not isinstance(note, dict) or note.get("type") not in NOTE_TYPES:
        return None
    note_id = id_of(note)
    if not note_id or id_of(note.get("attributedTo")) not in ("", actor.ap_id):
        raise Refused(403, "the note is not the actor's")
    if domain_of(note_id) != actor.domain:
        raise Refused(403, "the note does not live on the actor's host")
    return note


def _note_page(note, actor):
    """Where people read the note: its `url` (a string, a Link or a list of them) when that
    is a web page on the actor's own host, else its id, else "" (no link). Not with a
    backslash: a browser reads it as a slash (WHATWG URL), so `https://evil\\@host/` opens
    evil where urlsplit, hence domain_of, names host."""
    urls = note.get("url")
    for candidate in [*(urls if isinstance(urls, list) else [urls]), note["id"]]:
        href = candidate.get("href") if isinstance(candidate, dict) else candidate
        if (
            isinstance(href, str)
            and len(href) <= MAX_ID
            and "\\" not in href
            and is_web_url(href)
            and domain_of(href) == actor.domain
        ):
            return href
    return ""


def on_create(activity, actor):
    note = _note(activity, actor)
    if note is None:
        return "ignored"
    if RemoteNote.objects.filter(ap_id=note["id"]).exists():
        return "known"
    post, parent = replied_to(note.get("inReplyTo"))
    if post is None:
        return "ignored"  # a note that answers nothing of ours (a mention elsewhere)
    if not post.comments_are_open(SiteSettings.load()):
        raise Refused(403, "comments are closed on that post")
    profile = actor.url or actor.ap_id
    comment = Comment(
        post=post,
        parent=parent,
        type=Comment.Type.FEDIVERSE,
        author_name=_author_name(actor),
        author_url=profile if len(profile) <= MAX_URL else "",
        content=_note_text(note),
        user_agent=f"ActivityPub {actor.domain}"[:255],
    )
    try:
        with transaction.atomic():
            moderation.submit(comment)
            RemoteNote.objects.create(
                comment=comment, ap_id=note["id"], url=_note_page(note, actor), actor=actor
            )
    except moderation.Refused as exc:
        raise Refused(exc.status, exc.message) from exc
    return f"response {comment.status}"


def on_update(activity, actor):
    obj = activity.get("object")
    if isinstance(obj, dict) and obj.get("type") not in NOTE_TYPES and id_of(obj) == actor.ap_id:
        from .actors import Unverifiable, store_actor

        try:
            store_actor(obj, fetched_from=actor.ap_id)  # a profile edit, signed by its owner
        except Unverifiable as exc:
            raise Refused(422, str(exc)) from exc
        return "actor updated"
    note = _note(activity, actor)
    if note is None:
        return "ignored"
    held = RemoteNote.objects.select_related("comment__post").filter(ap_id=note["id"], actor=actor)
    remote = held.first()
    if remote is None:
        return on_create(activity, actor)
    comment = remote.comment
    comment.content = _note_text(note)
    remote.url = _note_page(note, actor)
    remote.save(update_fields=["url"])
    # An edited reply is judged again by the same rules (an approved one may be held).
    if comment.status != Comment.Status.SPAM:
        comment.status = moderation.decide_status(comment, SiteSettings.load())
    comment.save()
    return f"response {comment.status}"


def on_delete(activity, actor):
    obj_id = id_of(activity.get("object"))
    removed, _ = Comment.objects.filter(
        fediverse_note__ap_id=obj_id, fediverse_note__actor=actor
    ).delete()
    return "response deleted" if removed else "ignored"


# --- Likes and boosts ----------------------------------------------------------------------


def _react(kind):
    def on_reaction(activity, actor):
        post, parent = replied_to(id_of(activity.get("object")))
        activity_id = id_of(activity)
        if post is None or parent is not None or not activity_id:
            return "ignored"  # a like of a reply is not the post's
        Reaction.objects.get_or_create(
            post=post, actor=actor, kind=kind, defaults={"activity_id": activity_id}
        )
        return kind

    return on_reaction


HANDLERS = {
    "Follow": on_follow,
    "Undo": on_undo,
    "Create": on_create,
    "Update": on_update,
    "Delete": on_delete,
    "Like": _react(Reaction.Kind.LIKE),
    "Announce": _react(Reaction.Kind.ANNOUNCE),
}


def staff_note_id(comment):
    return site_url(f"{STAFF_NOTE_PATH}{comment.pk}/")
