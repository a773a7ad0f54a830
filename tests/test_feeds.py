"""Feeds parse with a real feed reader, carry the right items and never an email address."""

import datetime
import re

import feedparser
import pytest

from blogcms.models import SiteSettings
from posts.models import Post

from .factories import CategoryFactory, CommentFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
AUG_19 = datetime.datetime(2011, 8, 19, 14, 0, tzinfo=datetime.UTC)


@pytest.fixture
def blog():
    """Two public posts, a draft and a future post, with comments of every status."""
    writer = UserFactory(
        username="writer", first_name="Wanda", last_name="Writer", email="wanda@example.com"
    )
    news = CategoryFactory(name="News", slug="news")
    local = CategoryFactory(name="Local", slug="local", parent=news)
    older = PostFactory(
        title="Older post", author=writer, categories=[news], tags=["Policy"], published_at=AUG_19
    )
    newer = PostFactory(
        title="Newer post",
        author=writer,
        categories=[local],
        tags=["Town"],
        published_at=AUG_19 + datetime.timedelta(days=1),
    )
    PostFactory(title="Draft post", status=Post.Status.DRAFT, categories=[news], tags=["Policy"])
    PostFactory(
        title="Future post",
        categories=[news],
        tags=["Policy"],
        published_at=datetime.datetime(2099, 1, 1, tzinfo=datetime.UTC),
    )
    CommentFactory(post=older, author_name="Ana", author_email="ana@example.com", content="Yes!")
    CommentFactory(post=newer, author_name="Ben", author_email="ben@example.com", content="No.")
    CommentFactory(post=older, author_name="Held", status="pending", content="Held back")
    CommentFactory(post=older, author_name="Spammer", status="spam", content="Buy now")
    return {"older": older, "newer": newer}


def fetch(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert not EMAIL.search(response.content.decode()), f"an email address in {url}"
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def titles(parsed):
    return [entry.title for entry in parsed.entries]


def test_rss_feed_lists_public_posts_newest_first(client, blog):
    """/feed/ is RSS 2.0 with the published posts, newest first, with author and terms."""
    parsed = fetch(client, "/feed/")
    assert parsed.version == "rss20"
    assert parsed.feed.title == SiteSettings.load().title
    assert titles(parsed) == ["Newer post", "Older post"]
    entry = parsed.entries[0]
    assert entry.link == "http://testserver" + blog["newer"].get_absolute_url()
    assert entry.author == "Wanda Writer"
    assert {t.term for t in entry.tags} == {"Local", "Town"}
    assert entry.comments == entry.link + "#comments"  # absolute, as RSS 2.0 wants


def test_feeds_carry_the_whole_post(client, blog):
    """RSS has the full HTML in content:encoded and Atom in <content>, as WordPress's feeds."""
    body = blog["newer"].body
    rss = fetch(client, "/feed/").entries[0]
    assert [c.value for c in rss.content] == [body]
    atom = fetch(client, "/feed/atom/").entries[0]
    assert [(c.type, c.value) for c in atom.content] == [("text/html", body)]


def test_atom_feed_lists_public_posts(client, blog):
    """/feed/atom/ is Atom 1.0 with the same posts."""
    parsed = fetch(client, "/feed/atom/")
    assert parsed.version == "atom10"
    assert titles(parsed) == ["Newer post", "Older post"]
    assert parsed.entries[0].author == "Wanda Writer"


def test_feed_length_follows_posts_per_rss(client, blog):
    """The number of items is the site's posts_per_rss setting."""
    site = SiteSettings.load()
    site.posts_per_rss = 1
    site.save()
    assert titles(fetch(client, "/feed/")) == ["Newer post"]


def test_category_feeds(client, blog):
    """/category/x/feed/ carries that category's public posts; nested paths work."""
    assert titles(fetch(client, "/category/news/feed/")) == ["Older post"]
    assert titles(fetch(client, "/category/news/local/feed/")) == ["Newer post"]
    assert client.get("/category/nope/feed/").status_code == 404


def test_tag_feed(client, blog):
    """/tag/x/feed/ carries that tag's public posts."""
    parsed = fetch(client, "/tag/policy/feed/")
    assert titles(parsed) == ["Older post"]
    assert "Policy" in parsed.feed.title
    assert client.get("/tag/nope/feed/").status_code == 404


def test_comments_feed_has_approved_responses_only(client, blog):
    """/comments/feed/ lists approved responses on public posts, never held or spam."""
    parsed = fetch(client, "/comments/feed/")
    assert sorted(titles(parsed)) == [
        "Comment on Newer post by Ben",
        "Comment on Older post by Ana",
    ]
    body = client.get("/comments/feed/").content.decode()
    assert "Held back" not in body and "Buy now" not in body


def test_post_comments_feed(client, blog):
    """A post's /feed/ lists that post's approved comments only."""
    parsed = fetch(client, blog["older"].get_absolute_url() + "feed/")
    assert titles(parsed) == ["Comment on Older post by Ana"]
    assert parsed.entries[0].author == "Ana"
    assert "Yes!" in parsed.entries[0].summary


def test_hidden_post_has_no_comments_feed(client):
    """A draft's comment feed is 404, as the post is."""
    draft = PostFactory(status=Post.Status.DRAFT, published_at=AUG_19)
    assert client.get(draft.get_absolute_url() + "feed/").status_code == 404


def test_comments_on_a_draft_stay_out_of_the_comments_feed(client):
    """Approved comments on a post that went back to draft leave the site-wide feed."""
    post = PostFactory(title="Withdrawn")
    CommentFactory(post=post, author_name="Cy")
    post.status = Post.Status.DRAFT
    post.save()
    assert titles(fetch(client, "/comments/feed/")) == []


def test_pages_advertise_their_feeds(client, blog):
    """Home, category and single pages link their feeds with rel=alternate."""
    assert 'href="/feed/"' in client.get("/").text
    assert 'href="/category/news/feed/"' in client.get("/category/news/").text
    single = client.get(blog["older"].get_absolute_url()).text
    assert f'href="{blog["older"].get_absolute_url()}feed/"' in single
