"""Remote actors and their keys, fetched only through the safe fetcher, signed as the blog.

A key is trusted for the actor that owns it only when both live on the same host: an
actor at one server cannot be vouched for by a key at another.
"""

import logging

from django.utils import timezone

from comments.linkbacks import fetch
from comments.linkbacks.ratelimit import Limit

from .models import BlogActor, RemoteActor, domain_of
from .signatures import sign_headers

log = logging.getLogger(__name__)

# Documents fetched per remote address (redirects included), whatever asked for them.
FETCHES = Limit("federation:fetch", "BLOGCMS_FEDERATION_FETCH_RATE", (60, 60))


class Unverifiable(Exception):
    """The actor or its key could not be had or trusted; the message says why."""


def sign_as_blog(method, url, body):
    """The fetcher's `sign` hook: every GET and POST we make is signed by the blog."""
    actor = BlogActor.load()
    return sign_headers(
        method, url, private_key=actor.private_key(), key_id=actor.key_id, body=body
    )


def fetch_document(url):
    """A JSON-LD document at `url` (signed GET, bounded size and depth, the address policy
    and the per-address rate); Unverifiable when it cannot be had."""
    try:
        fetched, document = fetch.fetch_json(
            url, admit=lambda identity: FETCHES.take(str(identity)), sign=sign_as_blog
        )
    except fetch.FetchError as exc:
        raise Unverifiable(f"cannot fetch {url}: {exc}") from exc
    if not fetched.ok or not isinstance(document, dict):
        raise Unverifiable(f"cannot fetch {url}: HTTP {fetched.status}")
    if domain_of(fetched.url) != domain_of(url):
        raise Unverifiable(f"{url} redirected to another host")
    return document


def _text(value, limit=255):
    return value[:limit] if isinstance(value, str) else ""


def _url(value):
    """A link from a document: a string, or the href/url of a Link or Image."""
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("href") or value.get("url") or ""
        if isinstance(value, list | dict):
            return _url(value)
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        return value[:2000]
    return ""


def store_actor(document, *, fetched_from):
    """Create or refresh the RemoteActor a fetched document describes; its id must live on
    the host it was fetched from."""
    ap_id = document.get("id")
    if not isinstance(ap_id, str) or len(ap_id) > 2000:
        raise Unverifiable("the actor has no usable id")
    if domain_of(ap_id) != domain_of(fetched_from):
        raise Unverifiable("the actor's id is not on the host it was fetched from")
    key = document.get("publicKey") or {}
    if isinstance(key, list):
        key = key[0] if key else {}
    key_id = key.get("id", "") if isinstance(key, dict) else ""
    if key_id and domain_of(key_id) != domain_of(ap_id):
        raise Unverifiable("the actor's key lives on another host")
    endpoints = document.get("endpoints") if isinstance(document.get("endpoints"), dict) else {}
    values = {
        "domain": domain_of(ap_id),
        "type": _text(document.get("type"), 32) or "Person",
        "preferred_username": _text(document.get("preferredUsername")),
        "name": _text(document.get("name")),
        "url": _url(document.get("url")) or ap_id,
        "icon_url": _url(document.get("icon")),
        "inbox": _url(document.get("inbox")),
        "shared_inbox": _url(endpoints.get("sharedInbox")),
        "key_id": key_id[:2000],
        "public_key_pem": key.get("publicKeyPem", "") if isinstance(key, dict) else "",
        "fetched_at": timezone.now(),
    }
    actor, _ = RemoteActor.objects.update_or_create(ap_id=ap_id, defaults=values)
    return actor


def fetch_actor(actor_id):
    return store_actor(fetch_document(actor_id), fetched_from=actor_id)


def actor_for(actor_id, *, refresh=False):
    """The RemoteActor `actor_id` names, from the cache while fresh, else fetched."""
    actor = RemoteActor.objects.filter(ap_id=actor_id).first()
    if actor is None or refresh or actor.is_stale():
        actor = fetch_actor(actor_id)
    return actor


def key_owner(key_id, *, refresh=False):
    """The actor whose public key has id `key_id`: cached, or fetched. Mastodon's key id is
    the actor's id with #main-key, so fetching it without the fragment gives the actor; a
    standalone key document names its `owner`, fetched in turn (same host required)."""
    if not refresh:
        actor = RemoteActor.objects.filter(key_id=key_id).exclude(public_key_pem="").first()
        if actor is not None:
            return actor
    url = key_id.split("#", 1)[0]
    document = fetch_document(url)
    if "inbox" not in document and isinstance(document.get("owner"), str):
        owner = document["owner"]
        if domain_of(owner) != domain_of(key_id):
            raise Unverifiable("the key's owner lives on another host")
        actor = fetch_actor(owner)
    else:
        actor = store_actor(document, fetched_from=url)
    if actor.key_id != key_id:
        raise Unverifiable("the actor does not hold that key")
    return actor
