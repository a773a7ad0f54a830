"""Avatars beside comments, drawn here: nothing fetched from a third party, nothing about
the email address given away."""

import base64
import hashlib
import re

import pytest

from .comment_helpers import configure
from .factories import CommentFactory, PostFactory

pytestmark = pytest.mark.django_db

AVATAR = re.compile(r'<img class="avatar" src="data:image/svg\+xml;base64,([^"]+)"')


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
    assert base64.b64decode(first).startswith(b"<svg")


def test_the_avatar_gives_the_email_away_to_nobody(client):
    """No Gravatar-style MD5 (or plain hash) of the address appears on the page."""
    post = PostFactory()
    CommentFactory(post=post, author_email="ann@example.com")
    page = client.get(post.get_absolute_url()).text
    for digest in (hashlib.md5, hashlib.sha256):  # noqa: S324 - looking for a leak
        assert digest(b"ann@example.com").hexdigest() not in page
    assert "gravatar" not in page.lower()


def test_avatars_can_be_turned_off(client):
    """show_avatars off (WordPress's option) draws none."""
    post = PostFactory()
    CommentFactory(post=post)
    assert avatars(client, post)
    configure(show_avatars=False)
    assert avatars(client, post) == []
