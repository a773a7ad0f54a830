"""One way in for everything the Fediverse sends: the inbox's checks, in the order that
costs a stranger the most and us the least.

1. size (before reading), then JSON bounded in depth, with no NUL in any string (PostgreSQL
   stores none: a note's id, text or page with one would be a 500);
2. a signature is present, and names a key;
3. a blocked actor or domain is dropped (202, nothing stored) before any fetch;
4. the instance's rate (per key host);
5. the actor and its key live on one host;
6. the key: cached, else fetched through the safe fetcher; a signature that fails with a
   cached key is tried once more with the key fetched afresh (the actor may have rotated);
7. the signature (draft-cavage or RFC 9421), Date window and body digest;
8. the activity's actor is the key's owner;
then the activity is handled (activities.py). Each refusal is a Refused with its status.
"""

import logging
from dataclasses import dataclass

from django.conf import settings

from comments.linkbacks import fetch
from comments.linkbacks.ratelimit import Limit

from . import actors
from .models import Block, domain_of
from .signatures import SignatureError, key_id_of, verify

log = logging.getLogger(__name__)

# Activities taken per sending instance (the key's host) per window.
INSTANCES = Limit("federation:inbox", "BLOGCMS_FEDERATION_INBOX_RATE", (300, 60))
DEFAULT_MAX_BODY = 256_000


@dataclass
class Refused(Exception):
    status: int
    reason: str

    def __str__(self):
        return self.reason


def max_body():
    return getattr(settings, "BLOGCMS_FEDERATION_MAX_BODY", DEFAULT_MAX_BODY)


MAX_ID = 2000  # the longest id we store (Mastodon's are under 200)


def id_of(value):
    """The id of an embedded object or a bare reference; "" for none, or one too long to
    store."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and len(value) <= MAX_ID else ""


def receive(signed):
    """Check an incoming POST (a SignedRequest) and handle its activity; returns what the
    handler says. Raises Refused."""
    from .activities import handle

    if len(signed.body) > max_body():
        raise Refused(413, "the activity is too large")
    try:
        activity = fetch.load_json(signed.body)
    except fetch.BadJSON as exc:
        raise Refused(400, str(exc)) from exc
    if not isinstance(activity, dict) or not isinstance(activity.get("type"), str):
        raise Refused(400, "not an activity")
    if _holds_nul(activity):
        raise Refused(400, "the activity holds a NUL character")
    actor_id = id_of(activity.get("actor"))
    if not actor_id:
        raise Refused(400, "the activity names no actor")
    try:
        key_id = key_id_of(signed)
    except SignatureError as exc:
        raise Refused(401, str(exc)) from exc
    if Block.blocks(actor_id, key_id):
        return "blocked"
    if not INSTANCES.take(domain_of(key_id)):
        raise Refused(429, "too many activities from your instance; try again later")
    if domain_of(actor_id) != domain_of(key_id):
        raise Refused(403, "the key and the actor live on different hosts")
    if activity["type"] == "Delete" and id_of(activity.get("object")) == actor_id:
        # An account deleted on its server: its key is gone with it, and Mastodon sends
        # these to every server it ever talked to. Forget what we hold; fetch nothing.
        from .activities import forget_actor

        return forget_actor(actor_id, key_id, signed)
    actor = _verified_owner(signed, key_id)
    if actor.ap_id != actor_id:
        raise Refused(403, "the activity's actor is not the key's owner")
    return handle(activity, actor)


def _holds_nul(document):
    """Whether any string of a JSON document (a key or a value) holds a NUL."""
    nodes = [document]
    while nodes:
        node = nodes.pop()
        if isinstance(node, str) and "\x00" in node:
            return True
        if isinstance(node, dict):
            nodes.extend([*node, *node.values()])
        elif isinstance(node, list):
            nodes.extend(node)
    return False


def _verified_owner(signed, key_id):
    try:
        actor = actors.key_owner(key_id)
    except actors.Unverifiable as exc:
        raise Refused(401, str(exc)) from exc
    try:
        verify(signed, actor.public_key_pem)
        return actor
    except SignatureError as first:
        if not _may_refetch(actor):
            raise Refused(401, str(first)) from first
    try:
        actor = actors.key_owner(key_id, refresh=True)
        verify(signed, actor.public_key_pem)
    except actors.Unverifiable as exc:
        raise Refused(401, str(exc)) from exc
    except SignatureError as exc:
        raise Refused(401, str(exc)) from exc
    return actor


def _may_refetch(actor):
    """A cached key is fetched again at most once per minute per actor (a forger must not
    make us fetch on every request)."""
    from django.core.cache import caches

    return caches["ratelimit"].add(f"federation:refetch:{actor.pk}", 1, 60)
