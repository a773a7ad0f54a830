"""Avatars beside comments, drawn here: nothing fetched from a third party, nothing about
the email address given away, one small cacheable picture per commenter."""

import hashlib
import re

import pytest

from .comment_helpers import configure
from .factories import CommentFactory, PostFactory

pytestmark = pytest.mark.django_db

AVATAR = re.compile(r'<img class="avatar" src="(/avatar/[0-9a-f]{40}\.svg)"')


def avatars(client, post):
    return AVATAR.findall(client.get(post.get_absolute_url()).text)


def test_each_commenter_has_their_own_avatar(client):
    """The same email draws the same picture, another email another; pingbacks have none."""
    post = PostFactory()
    CommentFactory(post=post, author_email="ann@example.com")
    CommentFactory(post=post, author_email="ANN@example.com", content="Again.")
    CommentFactory(post=post, author_email="bob@example.com")
    CommentFactory(post=post, type="pingback", author_email="", author_url="https://x.org/")
    first, again, other = avatars(client, post)
    assert first == again and first != other
    picture = client.get(first)
    assert picture.status_code == 200 and picture["Content-Type"] == "image/svg+xml"
    assert picture.content.startswith(b"<svg") and b"<script" not in picture.content
    assert "immutable" in picture["Cache-Control"]
    assert client.get(other).content != picture.content


def test_the_avatar_gives_the_email_away_to_nobody(client):
    """No Gravatar-style MD5 (or plain hash) of the address appears on the page."""
    post = PostFactory()
    CommentFactory(post=post, author_email="ann@example.com")
    page = client.get(post.get_absolute_url()).text
    for digest in (hashlib.md5, hashlib.sha256):  # noqa: S324 - looking for a leak
        assert digest(b"ann@example.com").hexdigest()[:40] not in page
    assert "gravatar" not in page.lower()


def test_only_well_formed_avatar_addresses_answer(client):
    """Anything but 40 hex digits is a 404, never an error."""
    assert client.get("/avatar/nothex.svg").status_code == 404
    assert client.get("/avatar/" + "a" * 39 + ".svg").status_code == 404


def test_avatars_can_be_turned_off(client):
    """show_avatars off (WordPress's option) draws none."""
    post = PostFactory()
    CommentFactory(post=post)
    assert avatars(client, post)
    configure(show_avatars=False)
    assert avatars(client, post) == []
