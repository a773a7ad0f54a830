"""The blog on the Fediverse: being found (WebFinger, NodeInfo, the actor), posts as
Articles on their permalinks, and the inbox's signature checks and activities."""

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from comments.models import Comment
from federation.models import (
    Block,
    BlogActor,
    Delivery,
    FederatedPost,
    Follower,
    Reaction,
    RemoteActor,
    generate_key_pair,
)
from tests.factories import PostFactory
from tests.fediverse_peers import FakeMastodon

pytestmark = pytest.mark.django_db

AP = "application/activity+json"


@pytest.fixture
def site(settings):
    settings.BLOGCMS_SITE_URL = "http://testserver"
    settings.BLOGCMS_FETCH_ALLOW_LOOPBACK = True
    return settings


@pytest.fixture
def peer(site):
    with FakeMastodon() as mastodon:
        yield mastodon


@pytest.fixture
def blog(site):
    return BlogActor.load()


def permalink(post):
    return f"http://testserver{post.get_absolute_url()}"


# --- Being found ---------------------------------------------------------------------------


def test_webfinger_answers_the_handle_with_and_without_the_port(client, settings, blog):
    """acct:blog@host finds the actor, whether the host is written with its port or not."""
    settings.BLOGCMS_SITE_URL = "http://testserver:8000"
    for resource in ("acct:blog@testserver", "acct:blog@testserver:8000"):
        answer = client.get("/.well-known/webfinger", {"resource": resource})
        assert answer.status_code == 200, resource
        assert answer["Content-Type"] == "application/jrd+json"
        self_link = [link for link in answer.json()["links"] if link["rel"] == "self"][0]
        assert self_link == {"rel": "self", "type": AP, "href": blog.ap_id}
    assert (
        client.get("/.well-known/webfinger", {"resource": "acct:nobody@testserver"}).status_code
        == 404
    )
    assert client.get("/.well-known/webfinger").status_code == 400


def test_the_handle_is_configurable(client, blog):
    """Staff rename the handle; WebFinger follows it and the actor's id does not change."""
    old_id = blog.ap_id
    blog.username = "notes"
    blog.save()
    answer = client.get("/.well-known/webfinger", {"resource": "acct:notes@testserver"})
    assert answer.status_code == 200
    assert client.get("/activitypub/blog/", HTTP_ACCEPT=AP).json()["id"] == old_id


def test_host_meta_and_nodeinfo(client, blog):
    """host-meta points at WebFinger; /.well-known/nodeinfo links a NodeInfo 2.1 document."""
    xrd = client.get("/.well-known/host-meta").content.decode()
    assert 'template="http://testserver/.well-known/webfinger?resource={uri}"' in xrd
    link = client.get("/.well-known/nodeinfo").json()["links"][0]
    assert link["rel"].endswith("/schema/2.1")
    PostFactory()
    info = client.get("/nodeinfo/2.1").json()
    assert info["version"] == "2.1" and info["protocols"] == ["activitypub"]
    assert info["usage"]["localPosts"] == 1


def test_actor_document_has_inboxes_collections_and_one_stable_key(client, blog):
    """The actor names its inbox, shared inbox, outbox and followers, and its key, which
    stays the same across requests (it lives in the database)."""
    first = client.get("/activitypub/blog/").json()
    assert first["type"] == "Service" and first["preferredUsername"] == "blog"
    assert first["inbox"] == "http://testserver/activitypub/blog/inbox/"
    assert first["endpoints"]["sharedInbox"] == "http://testserver/activitypub/inbox/"
    assert first["publicKey"]["id"] == f"{blog.ap_id}#main-key"
    assert "BEGIN PUBLIC KEY" in first["publicKey"]["publicKeyPem"]
    assert client.get("/activitypub/blog/").json()["publicKey"] == first["publicKey"]
    assert BlogActor.objects.count() == 1
    browser = client.get("/activitypub/blog/", HTTP_ACCEPT="text/html,*/*;q=0.8")
    assert browser.status_code == 302 and browser["Location"] == "http://testserver/"


def test_permalink_negotiates_article_or_page(client, blog):
    """An ActivityPub client gets the Article at the permalink; a browser gets the page;
    both answers say Vary: Accept."""
    post = PostFactory(
        title="Hello Fediverse", body="<p>Words <strong>here</strong></p>", tags=["django"]
    )
    for accept in (AP, 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'):
        answer = client.get(post.get_absolute_url(), HTTP_ACCEPT=accept)
        assert answer.status_code == 200
        assert answer["Content-Type"].startswith(AP)
        assert "Accept" in answer["Vary"]
        article = answer.json()
        assert article["type"] == "Article" and article["name"] == "Hello Fediverse"
        assert article["content"] == "<p>Words <strong>here</strong></p>"
        assert article["attributedTo"] == blog.ap_id
        assert article["url"] == permalink(post)
        assert article["tag"][0]["type"] == "Hashtag" and article["tag"][0]["name"] == "#django"
    page = client.get(post.get_absolute_url(), HTTP_ACCEPT="text/html")
    assert page["Content-Type"].startswith("text/html")
    assert "Accept" in page["Vary"]


def test_a_draft_is_no_article(client, blog):
    """Negotiation shows nothing a visitor could not see."""
    post = PostFactory(status="draft")
    answer = client.get(post.get_absolute_url(), HTTP_ACCEPT=AP)
    assert answer.status_code == 404


def test_page_cache_keeps_html_and_articles_apart(
    client, settings, blog, django_capture_on_commit_callbacks
):
    """With the page cache on, a cached HTML page is never served to an ActivityPub client,
    and an Article is never served to a browser."""
    settings.BLOGCMS_PAGE_CACHE = True
    with django_capture_on_commit_callbacks(execute=True):
        post = PostFactory()
    url = post.get_absolute_url()
    assert client.get(url)["Content-Type"].startswith("text/html")
    assert client.get(url)["X-Cache"] == "hit"
    assert client.get(url, HTTP_ACCEPT=AP).json()["type"] == "Article"
    assert client.get(url)["Content-Type"].startswith("text/html")


def test_outbox_is_paged(client, blog):
    """The outbox counts the posts and pages them in OrderedCollectionPages of Creates."""
    for _ in range(22):
        PostFactory()
    collection = client.get("/activitypub/blog/outbox/").json()
    assert collection["type"] == "OrderedCollection" and collection["totalItems"] == 22
    first = client.get("/activitypub/blog/outbox/", {"page": 1}).json()
    assert first["type"] == "OrderedCollectionPage" and len(first["orderedItems"]) == 20
    assert first["orderedItems"][0]["type"] == "Create"
    assert first["orderedItems"][0]["object"]["type"] == "Article"
    second = client.get(first["next"].replace("http://testserver", "")).json()
    assert len(second["orderedItems"]) == 2 and "next" not in second
    assert client.get("/activitypub/blog/outbox/", {"page": 9}).status_code == 404


# --- The inbox: who may speak ---------------------------------------------------------------


def test_captured_mastodon_follow_is_accepted(
    client, peer, blog, django_capture_on_commit_callbacks
):
    """A Follow as Mastodon 4 sends it, signed draft-cavage with a generated key, makes a
    follower, and the blog's Accept reaches the follower's inbox signed by the blog."""
    follow = peer.captured("follow", blog=blog.ap_id)
    with django_capture_on_commit_callbacks(execute=True):
        answer = peer.deliver(client, follow)
    assert answer.status_code == 202, answer.content
    follower = Follower.objects.get()
    assert follower.status == Follower.Status.ACCEPTED
    assert follower.actor.ap_id == peer.actor_id and follower.actor.handle.startswith("@alice@")
    (accept,) = peer.inbox_posts()
    assert accept["type"] == "Accept" and accept["object"]["id"] == follow["id"]
    (received,) = [r for r in peer.received if r.method == "POST"]
    assert 'keyId="http://testserver/activitypub/blog/#main-key"' in received.headers["Signature"]
    assert received.headers["Digest"].startswith("SHA-256=")
    # The peer's actor was fetched with a signed GET (Mastodon's secure mode).
    (fetched,) = peer.requests_to("/users/alice")
    assert "Signature" in fetched.headers


def test_follow_waits_when_followers_are_approved_by_hand(
    client, peer, blog, django_capture_on_commit_callbacks
):
    """With "manually approve followers" on, a Follow waits: no Accept until staff approve."""
    blog.manually_approves_followers = True
    blog.save()
    with django_capture_on_commit_callbacks(execute=True):
        peer.deliver(client, peer.captured("follow", blog=blog.ap_id))
    assert Follower.objects.get().status == Follower.Status.PENDING
    assert peer.inbox_posts() == []


def test_undo_follow_removes_the_follower(client, peer, blog):
    """Undo(Follow) ends the following."""
    follow = peer.captured("follow", blog=blog.ap_id)
    peer.deliver(client, follow)
    undo = {
        "id": f"{peer.actor_id}#undo-1",
        "type": "Undo",
        "actor": peer.actor_id,
        "object": follow,
    }
    assert peer.deliver(client, undo).status_code == 202
    assert not Follower.objects.exists()


def test_rfc9421_signed_activity_is_accepted(client, peer, blog):
    """Fedify 2's form (Signature-Input, Signature, Content-Digest) verifies too."""
    answer = peer.deliver(client, peer.captured("follow", blog=blog.ap_id), form="rfc9421")
    assert answer.status_code == 202, answer.content
    assert Follower.objects.count() == 1


def test_unsigned_activity_is_refused(client, peer, blog):
    """No signature: 401, nothing fetched, nothing stored."""
    body = json.dumps(peer.captured("follow", blog=blog.ap_id))
    answer = client.post("/activitypub/inbox/", body, content_type=AP)
    assert answer.status_code == 401
    assert not Follower.objects.exists() and peer.received == []


def test_forged_signature_is_refused(client, peer, blog):
    """Signed with another key than the actor's: 401, nothing stored."""
    other = generate_key_pair()[0]
    from cryptography.hazmat.primitives import serialization

    forged_key = serialization.load_pem_private_key(other.encode(), None)
    answer = peer.deliver(client, peer.captured("follow", blog=blog.ap_id), key=forged_key)
    assert answer.status_code == 401
    assert not Follower.objects.exists()


def test_tampered_body_is_refused(client, peer, blog):
    """The body is not the one whose digest was signed: 401."""
    follow = peer.captured("follow", blog=blog.ap_id)
    body = json.dumps(follow).encode()
    headers = peer.cavage_headers("/activitypub/inbox/", body)
    follow["id"] += "-changed"
    answer = client.post("/activitypub/inbox/", json.dumps(follow), content_type=AP, **headers)
    assert answer.status_code == 401
    assert not Follower.objects.exists()


def test_stale_date_is_refused(client, peer, blog):
    """A Date an hour old is a replay: 401."""
    old = format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)
    answer = peer.deliver(client, peer.captured("follow", blog=blog.ap_id), date=old)
    assert answer.status_code == 401
    assert not Follower.objects.exists()


def test_key_on_another_host_is_refused_before_any_fetch(client, peer, blog):
    """An actor at one host vouched for by a key at another: 403, nothing fetched."""
    follow = peer.captured("follow", blog=blog.ap_id)
    answer = peer.deliver(client, follow, key_id="http://elsewhere.example/users/eve#main-key")
    assert answer.status_code == 403
    assert peer.received == [] and not Follower.objects.exists()


def test_blocked_domain_is_dropped_before_any_fetch(client, peer, blog):
    """A blocked domain's activity is dropped: nothing fetched, nothing stored."""
    Block.objects.create(domain="127.0.0.1")
    answer = peer.deliver(client, peer.captured("follow", blog=blog.ap_id))
    assert answer.status_code == 202
    assert peer.received == [] and not Follower.objects.exists()


def test_oversized_and_deep_bodies_are_refused(client, peer, blog, settings):
    """A body over the size cap is 413; JSON nested too deep is 400; neither is stored."""
    settings.BLOGCMS_FEDERATION_MAX_BODY = 1000
    big = peer.captured("follow", blog=blog.ap_id) | {"padding": "x" * 2000}
    assert peer.deliver(client, big).status_code == 413
    deep = peer.captured("follow", blog=blog.ap_id)
    nested = "leaf"
    for _ in range(40):
        nested = [nested]
    deep["nested"] = nested
    assert peer.deliver(client, deep).status_code == 400
    assert peer.received == []


def test_instance_rate_limit(client, peer, blog, settings):
    """Past its instance's rate, an activity is refused with 429 and a Retry-After."""
    settings.BLOGCMS_FEDERATION_INBOX_RATE = (2, 60)
    follow = peer.captured("follow", blog=blog.ap_id)
    assert peer.deliver(client, follow).status_code == 202
    assert peer.deliver(client, follow).status_code == 202
    answer = peer.deliver(client, follow)
    assert answer.status_code == 429 and int(answer["Retry-After"]) >= 1


def test_rotated_key_is_fetched_again(client, peer, blog):
    """A signature that fails with the cached key is checked once more with the key fetched
    afresh: an actor that rotated its key is still heard."""
    follow = peer.captured("follow", blog=blog.ap_id)
    assert peer.deliver(client, follow).status_code == 202
    from cryptography.hazmat.primitives import serialization

    peer.private_pem, peer.public_pem = generate_key_pair()
    peer.key = serialization.load_pem_private_key(peer.private_pem.encode(), None)
    assert peer.deliver(client, follow).status_code == 202
    assert RemoteActor.objects.get().public_key_pem == peer.public_pem


# --- Replies, likes and boosts ---------------------------------------------------------------


def test_captured_mastodon_reply_becomes_a_held_fediverse_response(client, peer, blog):
    """A Create(Note) replying to a post becomes a "Fediverse reply" under it, sanitised,
    held for moderation (a first-time author), shown once approved."""
    post = PostFactory()
    create = peer.captured("create_note", blog=blog.ap_id, post=permalink(post))
    answer = peer.deliver(client, create)
    assert answer.status_code == 202, answer.content
    reply = Comment.objects.get()
    assert reply.type == Comment.Type.FEDIVERSE and reply.post == post
    assert reply.status == Comment.Status.PENDING
    assert reply.author_name.startswith("Alice (@alice@")
    assert reply.author_url == peer.url("/@alice")
    assert "Lovely post!" in reply.content_html and "<script" not in reply.content_html
    assert reply.fediverse_note.ap_id == create["object"]["id"]
    assert b"Lovely post!" not in client.get(post.get_absolute_url()).content
    reply.approve()
    assert b"Lovely post!" in client.get(post.get_absolute_url()).content


def _note_links(html):
    """(href, text) of each link back to a Fediverse note on a page."""
    import html5lib

    tree = html5lib.parse(html, namespaceHTMLElements=False)
    return [
        (a.get("href"), "".join(a.itertext()))
        for a in tree.iter("a")
        if "fediverse-note" in (a.get("class") or "")
    ]


def test_reply_under_the_post_links_back_to_its_note(client, peer, blog):
    """The response shows where the reply lives: Mastodon's page for the note (its `url`),
    named by its server, so a reader can answer there."""
    post = PostFactory()
    create = peer.captured("create_note", blog=blog.ap_id, post=permalink(post))
    assert peer.deliver(client, create).status_code == 202
    reply = Comment.objects.get()
    reply.approve()
    page = client.get(post.get_absolute_url()).content.decode()
    host = peer.url("/").split("//")[1].split(":")[0].rstrip("/")
    assert _note_links(page) == [(create["object"]["url"], f"View on {host}")]
    assert create["object"]["url"].endswith("/@alice/113456789012345678")
    # The admin and mail see the same link from the stored row.
    assert Comment.objects.get().note_url == create["object"]["url"]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)//",
        "https://elsewhere.example/@alice/1",  # not the actor's host
        {"type": "Link", "href": "data:text/html,<script>alert(1)</script>"},
        None,
    ],
)
def test_note_link_falls_back_to_its_id(client, peer, blog, url):
    """A note's `url` that is not a web page on the author's own host is not linked: the
    note's id (checked to be on that host) is, which Mastodon answers with the same page."""
    post = PostFactory()
    create = peer.captured("create_note", blog=blog.ap_id, post=permalink(post))
    create["object"]["url"] = url
    assert peer.deliver(client, create).status_code == 202
    Comment.objects.get().approve()
    page = client.get(post.get_absolute_url()).content.decode()
    assert [href for href, _ in _note_links(page)] == [create["object"]["id"]]
    assert "javascript:" not in page and "data:text/html" not in page


def test_note_link_in_a_list_of_links_and_after_an_edit(client, peer, blog):
    """`url` may be a list of Links (as Pleroma and Misskey send); an Update that moves the
    note's page moves the link."""
    post = PostFactory()
    create = peer.captured("create_note", blog=blog.ap_id, post=permalink(post))
    page_url = peer.url("/notes/abc")
    create["object"]["url"] = [
        {"type": "Link", "mediaType": "text/html", "href": page_url},
        {"type": "Link", "mediaType": "application/activity+json", "href": create["object"]["id"]},
    ]
    assert peer.deliver(client, create).status_code == 202
    Comment.objects.get().approve()
    assert [h for h, _ in _note_links(client.get(post.get_absolute_url()).content)] == [page_url]
    update = dict(create, type="Update", id=create["id"] + "#update")
    update["object"] = dict(create["object"], url=peer.url("/notes/abc-moved"))
    assert peer.deliver(client, update).status_code == 202
    Comment.objects.filter(status=Comment.Status.PENDING).update(status=Comment.Status.APPROVED)
    html = client.get(post.get_absolute_url()).content
    assert [h for h, _ in _note_links(html)] == [peer.url("/notes/abc-moved")]


@pytest.mark.parametrize("number", ["²", "٣", "12x", ""])
def test_a_reply_to_a_staff_note_address_that_is_no_number_is_ignored(client, peer, blog, number):
    """inReplyTo naming our staff-note address with other digits ("²".isdigit() is true)
    answers nothing of ours: accepted and ignored, never a 500."""
    create = peer.captured(
        "create_note", blog=blog.ap_id, post=f"http://testserver/activitypub/notes/{number}/"
    )
    assert peer.deliver(client, create).status_code == 202
    assert not Comment.objects.exists()


def test_reply_to_a_reply_threads_under_it(client, peer, blog):
    """A Note answering a Fediverse reply we hold is stored under it."""
    from blogcms.models import SiteSettings

    SiteSettings.objects.update_or_create(pk=1, defaults={"comment_flood_seconds": 0})
    post = PostFactory()
    first = peer.captured("create_note", blog=blog.ap_id, post=permalink(post))
    peer.deliver(client, first)
    second = json.loads(json.dumps(first).replace("113456789012345678", "113456789012399999"))
    second["object"]["inReplyTo"] = first["object"]["id"]
    second["object"]["content"] = "<p>And another thing.</p>"
    assert peer.deliver(client, second).status_code == 202
    child = Comment.objects.get(content__contains="another thing")
    assert child.parent.fediverse_note.ap_id == first["object"]["id"]


def test_update_and_delete_of_a_note(client, peer, blog):
    """Update(Note) edits the response and judges it again; Delete removes it."""
    post = PostFactory()
    create = peer.captured("create_note", blog=blog.ap_id, post=permalink(post))
    peer.deliver(client, create)
    Comment.objects.get().approve()
    update = dict(create, type="Update", id=create["id"] + "#update")
    update["object"] = dict(create["object"], content="<p>Edited words</p>")
    assert peer.deliver(client, update).status_code == 202
    reply = Comment.objects.get()
    assert "Edited words" in reply.content_html
    delete = {
        "id": create["id"] + "#delete",
        "type": "Delete",
        "actor": peer.actor_id,
        "object": {"id": create["object"]["id"], "type": "Tombstone"},
    }
    assert peer.deliver(client, delete).status_code == 202
    assert not Comment.objects.exists()


def test_another_actors_delete_leaves_the_reply(client, peer, blog):
    """Only the note's author can delete it."""
    post = PostFactory()
    create = peer.captured("create_note", blog=blog.ap_id, post=permalink(post))
    peer.deliver(client, create)
    with FakeMastodon(username="mallory") as other:
        delete = {
            "id": other.url("/d"),
            "type": "Delete",
            "actor": other.actor_id,
            "object": create["object"]["id"],
        }
        assert other.deliver(client, delete).status_code == 202
    assert Comment.objects.count() == 1


def test_duplicate_reply_flood_per_actor(client, peer, blog, site):
    """The flood rule holds per remote actor: a second reply within the window is refused."""
    from blogcms.models import SiteSettings

    settings_row = SiteSettings.load()
    settings_row.comment_flood_seconds = 60
    settings_row.save()
    post = PostFactory()
    first = peer.captured("create_note", blog=blog.ap_id, post=permalink(post))
    assert peer.deliver(client, first).status_code == 202
    second = json.loads(json.dumps(first).replace("113456789012345678", "113456789012399999"))
    second["object"]["content"] = "<p>Quickly again</p>"
    assert peer.deliver(client, second).status_code == 429
    assert Comment.objects.count() == 1


def test_likes_and_boosts_are_counted_and_undone(
    client, peer, blog, django_capture_on_commit_callbacks
):
    """Like and Announce are counted per post; Undo takes one back, on the next view (once
    committed, a reaction starts a new content generation)."""
    post = PostFactory()
    like = {
        "id": peer.url("/likes/1"),
        "type": "Like",
        "actor": peer.actor_id,
        "object": permalink(post),
    }
    boost = {
        "id": peer.url("/boosts/1"),
        "type": "Announce",
        "actor": peer.actor_id,
        "object": permalink(post),
    }
    peer.deliver(client, like)
    peer.deliver(client, boost)
    assert post.reactions.filter(kind=Reaction.Kind.LIKE).count() == 1
    assert post.reactions.filter(kind=Reaction.Kind.ANNOUNCE).count() == 1
    page = client.get(post.get_absolute_url()).content.decode()
    assert "1 like, 1 boost on the Fediverse" in page
    undo = {"id": peer.url("/undo/1"), "type": "Undo", "actor": peer.actor_id, "object": like}
    with django_capture_on_commit_callbacks(execute=True):
        peer.deliver(client, undo)
    assert list(post.reactions.values_list("kind", flat=True)) == ["announce"]
    page = client.get(post.get_absolute_url()).content.decode()
    assert "0 likes, 1 boost on the Fediverse" in page


# --- Publishing -------------------------------------------------------------------------------


def test_publish_edit_and_delete_reach_followers(
    client, peer, blog, django_capture_on_commit_callbacks
):
    """Publishing sends Create(Article) to each follower's shared inbox once, editing sends
    Update, deleting sends Delete; then the permalink answers a Tombstone with 410."""
    peer.deliver(client, peer.captured("follow", blog=blog.ap_id))
    with django_capture_on_commit_callbacks(execute=True):
        post = PostFactory(title="Fresh")
    with django_capture_on_commit_callbacks(execute=True):
        post.title = "Fresher"
        post.save()
    url = post.get_absolute_url()
    with django_capture_on_commit_callbacks(execute=True):
        post.delete()
    shared = [json.loads(r.body) for r in peer.requests_to("/inbox")]
    assert [a["type"] for a in shared] == ["Create", "Update", "Delete"]
    assert shared[0]["object"]["name"] == "Fresh" and shared[1]["object"]["name"] == "Fresher"
    assert shared[2]["object"]["id"] == shared[0]["object"]["id"]
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == 3
    gone = client.get(url, HTTP_ACCEPT=AP)
    assert gone.status_code == 410 and gone.json()["type"] == "Tombstone"


def test_unpublishing_sends_delete(client, peer, blog, django_capture_on_commit_callbacks):
    """A published post turned back into a draft is deleted on followers' servers."""
    peer.deliver(client, peer.captured("follow", blog=blog.ap_id))
    with django_capture_on_commit_callbacks(execute=True):
        post = PostFactory()
    with django_capture_on_commit_callbacks(execute=True):
        post.status = "draft"
        post.save()
    assert [json.loads(r.body)["type"] for r in peer.requests_to("/inbox")] == ["Create", "Delete"]
    assert FederatedPost.objects.get().deleted_at is not None


def test_a_dead_inbox_is_retried_then_given_up(
    client, peer, blog, django_capture_on_commit_callbacks
):
    """A failing inbox gets growing waits; after the give-up span it is abandoned."""
    from federation.delivery import send

    peer.deliver(client, peer.captured("follow", blog=blog.ap_id))
    from tests.linkback_peers import Reply

    peer.routes["/inbox"] = Reply(503, {}, b"")
    with django_capture_on_commit_callbacks(execute=True):
        PostFactory()
    delivery = Delivery.objects.get(activity_type="Create")
    assert delivery.status == Delivery.Status.FAILED and delivery.next_retry_at is not None
    delivery.created_at -= timedelta(days=4)
    send(delivery)
    assert delivery.status == Delivery.Status.GIVEN_UP and delivery.next_retry_at is None


def test_malformed_ids_are_refused_not_errors(client, peer, blog):
    """A note id that is no URL, one too long to store, and a profile update naming a key on
    another host are each refused with a 4xx, never a 500, and store nothing."""
    post = PostFactory()
    create = peer.captured("create_note", blog=blog.ap_id, post=permalink(post))
    broken = json.loads(json.dumps(create))
    broken["object"]["id"] = "http://[broken"
    assert peer.deliver(client, broken).status_code == 403
    too_long = json.loads(json.dumps(create))
    too_long["object"]["id"] = peer.url("/notes/" + "x" * 2100)
    assert peer.deliver(client, too_long).status_code == 403
    profile = peer.actor_document() | {
        "publicKey": {"id": "http://elsewhere.example/k", "publicKeyPem": "x"}
    }
    update = {"id": peer.url("/u/1"), "type": "Update", "actor": peer.actor_id, "object": profile}
    assert peer.deliver(client, update).status_code == 422
    assert not Comment.objects.exists()
    assert RemoteActor.objects.get().key_id == peer.key_id


def test_key_fetches_keep_to_the_per_address_rate(client, peer, blog, settings):
    """Fetching a stranger's key counts against the fetcher's per-address rate: past it,
    the activity is refused (401) without connecting."""
    settings.BLOGCMS_FEDERATION_FETCH_RATE = (0, 60)
    answer = peer.deliver(client, peer.captured("follow", blog=blog.ap_id))
    assert answer.status_code == 401 and "too many fetches" in answer.json()["error"]
    assert peer.received == [] and not Follower.objects.exists()


def test_followers_collection_lists_accepted_followers(client, peer, blog):
    """The followers collection counts and pages accepted followers only."""
    peer.deliver(client, peer.captured("follow", blog=blog.ap_id))
    collection = client.get("/activitypub/blog/followers/").json()
    assert collection["type"] == "OrderedCollection" and collection["totalItems"] == 1
    page = client.get("/activitypub/blog/followers/", {"page": 1}).json()
    assert page["orderedItems"] == [peer.actor_id]
    Follower.objects.update(status=Follower.Status.PENDING)
    assert client.get("/activitypub/blog/followers/").json()["totalItems"] == 0
