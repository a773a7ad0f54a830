"""Staff and the Fediverse: approving, removing and blocking followers, the post's
delivery state, and replies from the admin that go back to the Fediverse."""

import json

import pytest

from comments.models import Comment
from federation.models import Block, BlogActor, Follower
from tests.factories import PostFactory, StaffFactory
from tests.fediverse_peers import FakeMastodon

pytestmark = pytest.mark.django_db


@pytest.fixture
def peer(settings):
    settings.BLOGCMS_SITE_URL = "http://testserver"
    settings.BLOGCMS_FETCH_ALLOW_LOOPBACK = True
    with FakeMastodon() as mastodon:
        yield mastodon


@pytest.fixture
def staff():
    return StaffFactory(first_name="Mod", last_name="Erator")


def follow(client, peer):
    blog = BlogActor.load()
    assert peer.deliver(client, peer.captured("follow", blog=blog.ap_id)).status_code == 202


def test_staff_approve_a_held_follower(client, peer, staff, django_capture_on_commit_callbacks):
    """A held follower approved in the admin is sent the Accept it waited for."""
    blog = BlogActor.load()
    blog.manually_approves_followers = True
    blog.save()
    follow(client, peer)
    follower = Follower.objects.get()
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/federation/follower/",
            {"action": "approve", "_selected_action": [follower.pk]},
        )
    follower.refresh_from_db()
    assert follower.status == Follower.Status.ACCEPTED
    assert [a["type"] for a in peer.inbox_posts()] == ["Accept"]


def test_staff_remove_a_follower(client, peer, staff, django_capture_on_commit_callbacks):
    """Removing a follower sends Reject (Mastodon then drops the follow) and forgets it."""
    with django_capture_on_commit_callbacks(execute=True):
        follow(client, peer)
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/federation/follower/",
            {"action": "remove", "_selected_action": [Follower.objects.get().pk]},
        )
    assert not Follower.objects.exists()
    assert [a["type"] for a in peer.inbox_posts()] == ["Accept", "Reject"]


def test_blocking_a_domain_removes_its_followers_and_drops_its_activities(client, peer, staff):
    """A blocked domain's followers go, and what it sends next is dropped unread."""
    follow(client, peer)
    client.force_login(staff)
    client.post(
        "/admin/federation/follower/",
        {"action": "block_domains", "_selected_action": [Follower.objects.get().pk]},
    )
    assert Block.objects.filter(domain="127.0.0.1").exists()
    assert not Follower.objects.exists()
    client.logout()
    fetched_before = len(peer.received)
    follow(client, peer)
    assert not Follower.objects.exists() and len(peer.received) == fetched_before


def test_post_admin_shows_deliveries_and_reactions(
    client, peer, staff, django_capture_on_commit_callbacks
):
    """A post's change page lists each delivery to followers with its outcome, and counts
    its likes and boosts."""
    follow(client, peer)
    with django_capture_on_commit_callbacks(execute=True):
        post = PostFactory()
    like = {
        "id": peer.url("/likes/1"),
        "type": "Like",
        "actor": peer.actor_id,
        "object": f"http://testserver{post.get_absolute_url()}",
    }
    peer.deliver(client, like)
    client.force_login(staff)
    page = client.get(f"/admin/posts/post/{post.pk}/change/").content.decode()
    assert "Deliveries to followers" in page
    assert peer.url("/inbox") in page and "Sent" in page
    assert "1 likes, 0 boosts" in page


def test_staff_reply_goes_back_as_a_note(client, peer, staff, django_capture_on_commit_callbacks):
    """Staff answering a Fediverse reply from the admin send a Create(Note) in reply to it,
    addressed to its author, who can fetch the note."""
    post = PostFactory()
    create = peer.captured(
        "create_note",
        blog=BlogActor.load().ap_id,
        post=f"http://testserver{post.get_absolute_url()}",
    )
    peer.deliver(client, create)
    parent = Comment.objects.get()
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/comments/comment/{parent.pk}/reply/", {"comment": "Thank you!"})
    (sent,) = [json.loads(r.body) for r in peer.requests_to("/users/alice/inbox")]
    assert sent["type"] == "Create" and sent["object"]["type"] == "Note"
    assert sent["object"]["inReplyTo"] == create["object"]["id"]
    assert sent["object"]["to"] == [peer.actor_id]
    assert "Thank you!" in sent["object"]["content"]
    client.logout()
    note = client.get(sent["object"]["id"].replace("http://testserver", ""))
    assert note.status_code == 200 and note.json()["inReplyTo"] == create["object"]["id"]
