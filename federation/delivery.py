"""Telling followers: which activity a post's change makes, one Delivery per inbox (one per
shared inbox), and the signed POST of each, recorded with its outcome.

Runs only in tasks (tasks.py); every inbox is someone else's URL, so every POST goes
through the safe fetcher, signed as the blog.
"""

import json

from django.db import transaction
from django.utils import timezone

from blogcms.addresses import site_url
from comments.linkbacks import fetch
from comments.linkbacks.send import transient_status

from .actors import sign_as_blog
from .documents import ACTIVITY_JSON, activity, article, reply_note, tombstone
from .models import BlogActor, Delivery, FederatedPost, Follower


def enqueue(deliveries):
    """After commit, one task per delivery."""
    from .tasks import deliver

    ids = [d.pk for d in deliveries]
    transaction.on_commit(lambda: [deliver.enqueue(pk) for pk in ids])
    return ids


def deliver_to_actor(payload, actor, post=None):
    inbox = actor.inbox or actor.shared_inbox
    if not inbox:
        return []
    delivery = Delivery.objects.create(
        post=post, activity_type=payload["type"], activity=payload, inbox=inbox
    )
    return enqueue([delivery])


def deliver_to_followers(payload, post=None):
    deliveries = [
        Delivery.objects.create(
            post=post, activity_type=payload["type"], activity=payload, inbox=inbox
        )
        for inbox in Follower.objects.inboxes()
    ]
    return enqueue(deliveries)


def federate(post):
    """Create, Update or Delete: what the Fediverse must now be told about `post`; None
    when nothing (a draft never federated, a page)."""
    blog = BlogActor.load()
    record = FederatedPost.objects.filter(post=post).first()
    public = post.is_published and not post.is_page
    if public:
        if record is None or record.deleted_at:
            kind = "Create"
            record = record or FederatedPost(post=post, ap_id=site_url(post.get_absolute_url()))
            record.deleted_at = None
            record.published = timezone.now()
        else:
            kind = "Update"
        record.path = post.get_absolute_url()
        record.save()
        post.federation = record
        payload = activity(kind, blog, article(post, blog))
    elif record is not None and not record.deleted_at:
        kind = "Delete"
        record.deleted_at = timezone.now()
        record.save()
        obj = tombstone(record)
        obj.pop("@context")
        payload = activity(kind, blog, obj)
    else:
        return None
    return deliver_to_followers(payload, post=post)


def federate_deletion(record):
    """The post row is gone: its object is deleted on every follower's server."""
    if record.deleted_at:
        return None
    record.deleted_at = timezone.now()
    record.save()
    obj = tombstone(record)
    obj.pop("@context", None)
    return deliver_to_followers(activity("Delete", BlogActor.load(), obj))


def send_reply(comment):
    """A staff reply to a Fediverse reply, sent to that reply's author as Create(Note)."""
    remote = getattr(comment.parent, "fediverse_note", None)
    if remote is None:
        return None
    blog = BlogActor.load()
    note = reply_note(comment, blog, remote)
    payload = activity("Create", blog, note, suffix="create", to=note["to"], cc=note["cc"])
    return deliver_to_actor(payload, remote.actor, post=comment.post)


def send(delivery):
    """One signed POST of one activity to one inbox; the outcome is recorded."""
    body = json.dumps(delivery.activity).encode()
    try:
        answer = fetch.post_json(delivery.inbox, body, ACTIVITY_JSON, sign=sign_as_blog)
    except fetch.FetchError as exc:
        delivery.record(Delivery.Status.FAILED, str(exc), retry=exc.transient)
        return
    if answer.ok:
        delivery.record(Delivery.Status.SENT, f"HTTP {answer.status}")
    else:
        delivery.record(
            Delivery.Status.FAILED,
            f"HTTP {answer.status}",
            retry=transient_status(answer.status),
        )
