"""The ActivityStreams documents the blog serves and sends: its actor, each post as an
Article, the collections, and the activities wrapped around them.

Contexts are named, never fetched: every peer (Mastodon, Fedify, bovine) knows these.
"""

from datetime import UTC

from django.utils import timezone
from django.utils.html import strip_tags

from blogcms.addresses import site_url

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
ACTIVITY_JSON = "application/activity+json"
CONTEXT = [AS_CONTEXT, SECURITY_CONTEXT]
PAGE_SIZE = 20


def iso(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def actor_document(actor, site):
    """The blog as a Service actor (WordPress's ActivityPub plugin makes its blog actor a
    Group or Service; Mastodon shows either as an account)."""
    document = {
        "@context": CONTEXT,
        "id": actor.ap_id,
        "type": "Service",
        "preferredUsername": actor.username,
        "name": site.title,
        "summary": site.tagline,
        "url": site_url("/"),
        "inbox": actor.inbox,
        "outbox": actor.outbox,
        "followers": actor.followers_url,
        "following": actor.following_url,
        "manuallyApprovesFollowers": actor.manually_approves_followers,
        "discoverable": True,
        "published": iso(actor.created_at),
        "endpoints": {"sharedInbox": actor.shared_inbox},
        "publicKey": {
            "id": actor.key_id,
            "owner": actor.ap_id,
            "publicKeyPem": actor.public_key_pem,
        },
        "icon": {"type": "Image", "mediaType": "image/svg+xml", "url": site_url("/favicon.svg")},
    }
    return document


def object_id(post):
    """The id the Fediverse knows a post by: kept from its first federation, so a new slug
    or date never makes it a new object."""
    record = getattr(post, "federation", None)
    return record.ap_id if record is not None else site_url(post.get_absolute_url())


def article(post, actor):
    """A post as an Article: its stored (editor-sanitised) HTML, never re-rendered."""
    ap_id = object_id(post)
    document = {
        "id": ap_id,
        "type": "Article",
        "attributedTo": actor.ap_id,
        "name": post.title,
        "summary": strip_tags(post.summary()) if post.excerpt else None,
        "content": post.body,
        "url": site_url(post.get_absolute_url()),
        "published": iso(post.published_at),
        "updated": iso(post.modified_at),
        "to": [PUBLIC],
        "cc": [actor.followers_url],
        "tag": [
            {
                "type": "Hashtag",
                "name": f"#{tag.name}",
                "href": site_url(f"/tag/{tag.slug}/"),
            }
            for tag in post.tags.all()
        ],
        "replies": {
            "id": f"{ap_id}#replies",
            "type": "Collection",
            "totalItems": post.responses.filter(status="approved").count(),
        },
        "attachment": [],
    }
    if post.featured_image:
        document["attachment"].append(
            {
                "type": "Image",
                "url": site_url(post.featured_image.url)
                if post.featured_image.url.startswith("/")
                else post.featured_image.url,
                "name": post.featured_image_alt,
            }
        )
    return {k: v for k, v in document.items() if v is not None}


def activity(kind, actor, obj, *, suffix=None, to=None, cc=None):
    """An activity by the blog wrapping `obj`; its id derives from the object's."""
    obj_id = obj["id"] if isinstance(obj, dict) else obj
    stamp = suffix or timezone.now().strftime("%Y%m%dT%H%M%S%f")
    return {
        "@context": CONTEXT,
        "id": f"{obj_id}#{kind.lower()}-{stamp}",
        "type": kind,
        "actor": actor.ap_id,
        "object": obj,
        "to": to if to is not None else [PUBLIC],
        "cc": cc if cc is not None else [actor.followers_url],
        "published": iso(timezone.now()),
    }


def tombstone(record):
    return {
        "@context": AS_CONTEXT,
        "id": record.ap_id,
        "type": "Tombstone",
        "formerType": "Article",
        "deleted": iso(record.deleted_at or timezone.now()),
    }


def ordered_collection(collection_id, total, first=None):
    document = {
        "@context": AS_CONTEXT,
        "id": collection_id,
        "type": "OrderedCollection",
        "totalItems": total,
    }
    if first:
        document["first"] = first
    return document


def collection_page(collection_id, page, items, has_next):
    document = {
        "@context": AS_CONTEXT,
        "id": f"{collection_id}?page={page}",
        "type": "OrderedCollectionPage",
        "partOf": collection_id,
        "orderedItems": items,
    }
    if has_next:
        document["next"] = f"{collection_id}?page={page + 1}"
    if page > 1:
        document["prev"] = f"{collection_id}?page={page - 1}"
    return document


def reply_note(comment, actor, remote):
    """A staff reply as a Note answering the remote note, mentioning its author (Mastodon
    shows a reply in the author's notifications only when they are mentioned)."""
    author = remote.actor
    return {
        "id": site_url(f"/activitypub/notes/{comment.pk}/"),
        "type": "Note",
        "attributedTo": actor.ap_id,
        "inReplyTo": remote.ap_id,
        "content": comment.content_html,
        "url": site_url(comment.get_absolute_url()),
        "published": iso(comment.created_at),
        "to": [author.ap_id],
        "cc": [PUBLIC],
        "tag": [{"type": "Mention", "href": author.ap_id, "name": author.handle or author.ap_id}],
    }
