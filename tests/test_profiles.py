"""Staff sign posts and replies with their display name (first and last name, or a chosen
nickname), never with their login name."""

import feedparser
import pytest

from comments.models import Comment
from profiles.models import Profile

from .comment_helpers import post_comment
from .factories import CommentFactory, PostFactory, StaffFactory

pytestmark = pytest.mark.django_db


def staff(username="jdoe_login", first="", last="", nickname=None, display_as=None):
    user = StaffFactory(username=username, first_name=first, last_name=last)
    if nickname is not None:
        Profile.objects.create(
            user=user, nickname=nickname, display_as=display_as or Profile.DisplayAs.NAME
        )
    return user


def test_post_byline_is_first_and_last_name(client):
    """A post is "by" its author's first and last name."""
    post = PostFactory(author=staff(first="Jane", last="Doe"))
    page = client.get(post.get_absolute_url()).text
    assert ">Jane Doe</a>" in page


def test_post_byline_is_the_chosen_nickname(client):
    """An author who chose to be displayed by nickname is, on the post and in the feed."""
    post = PostFactory(
        author=staff(
            first="Jane", last="Doe", nickname="Birdwatcher", display_as=Profile.DisplayAs.NICKNAME
        )
    )
    page = client.get(post.get_absolute_url()).text
    assert ">Birdwatcher</a>" in page and "Jane Doe" not in page
    feed = feedparser.parse(client.get("/feed/").content)
    assert feed.entries[0].author == "Birdwatcher"


def test_login_name_is_never_the_byline(client):
    """A user with no name and no nickname is "Anonymous" in the byline and the feed, not
    their login name (half of what a password guesser needs)."""
    post = PostFactory(author=staff(username="secretlogin"))
    page = client.get(post.get_absolute_url()).text
    assert ">Anonymous</a>" in page
    assert ">secretlogin<" not in page
    feed = feedparser.parse(client.get("/feed/").content)
    assert feed.entries[0].author == "Anonymous"


def test_staff_reply_from_the_admin_is_signed_with_the_display_name(client):
    """A reply written in the moderation screen carries the replier's display name."""
    replier = staff(nickname="The Editor", display_as=Profile.DisplayAs.NICKNAME)
    parent = CommentFactory()
    client.force_login(replier)
    response = client.post(
        f"/admin/comments/comment/{parent.pk}/reply/", {"comment": "Thanks for writing."}
    )
    assert response.status_code == 302
    assert Comment.objects.get(parent=parent).author_name == "The Editor"


def test_logged_in_comment_form_and_comment_use_the_display_name(client):
    """The comment form says "Logged in as" the display name, and the comment is signed
    with it."""
    user = staff(first="Jane", last="Doe")
    post = PostFactory()
    client.force_login(user)
    page = client.get(post.get_absolute_url()).text
    assert "Logged in as Jane Doe." in page and "jdoe_login" not in page
    post_comment(client, post, author="", email="")
    assert Comment.objects.get(post=post).author_name == "Jane Doe"


def test_staff_edit_their_own_profile_in_the_admin(client):
    """ "Your profile" opens the user's own profile; names and nickname are saved there;
    display by nickname needs a nickname."""
    user = staff(first="Jane", last="Doe")
    client.force_login(user)
    index = client.get("/admin/").text
    assert "Your profile" in index
    response = client.get("/admin/profiles/profile/?mine=1")
    assert response.status_code == 302
    url = response.url
    refused = client.post(url, {"first_name": "Jane", "last_name": "Doe", "display_as": "nickname"})
    assert "Choose a nickname to be displayed by it." in refused.text
    saved = client.post(
        url,
        {"first_name": "Janet", "last_name": "Doe", "nickname": "JD", "display_as": "nickname"},
    )
    assert saved.status_code == 302
    user.refresh_from_db()
    assert (user.first_name, user.profile.nickname) == ("Janet", "JD")
    assert str(user.profile) == "JD"


def test_staff_cannot_edit_someone_elses_profile(client):
    """A non-administrator reaches only their own profile."""
    from django.contrib.auth.models import Group

    other = staff(username="other", nickname="Other")
    author = staff(username="author")
    author.is_superuser = False
    author.save()
    author.groups.add(Group.objects.get(name="Author"))
    client.force_login(author)
    url = f"/admin/profiles/profile/{other.profile.pk}/change/"
    assert client.get(url).status_code in (302, 403, 404)
    assert client.post(url, {"nickname": "Hacked", "display_as": "nickname"}).status_code in (
        302,
        403,
        404,
    )
    other.profile.refresh_from_db()
    assert other.profile.nickname == "Other"
