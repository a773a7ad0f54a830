"""The sitemap index and its paginated sections, as WordPress 5.5+ serves /wp-sitemap.xml:
every public post of a big blog is in one sitemap page, none is left out."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.utils import timezone

from posts.models import Post
from posts.sitemaps import PostSitemap

from .factories import PageFactory, PostFactory

pytestmark = pytest.mark.django_db

AUG_19 = datetime.datetime(2011, 8, 19, 14, 0, tzinfo=datetime.UTC)
HOUR = datetime.timedelta(hours=1)


def locations(text):
    return re.findall(r"<loc>([^<]+)</loc>", text)


def sitemap_text(client):
    """The text of every sitemap page that the index /sitemap.xml names, one after another."""
    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    assert "<sitemapindex" in index.text
    pages = []
    for url in locations(index.text):
        parts = urlsplit(url)
        response = client.get(parts.path, dict(p.split("=") for p in parts.query.split("&") if p))
        assert response.status_code == 200, url
        pages.append(response.text)
    return "\n".join(pages)


def test_sitemap_xml_is_an_index_of_sections(client):
    """/sitemap.xml (named by robots.txt) is a sitemap index naming each section's page."""
    PostFactory()
    text = client.get("/sitemap.xml").text
    assert locations(text) == [
        "http://testserver/sitemap-posts.xml",
        "http://testserver/sitemap-pages.xml",
        "http://testserver/sitemap-categories.xml",
    ]


def section_pages(client, section="posts"):
    """{address: the <loc>s it lists} for each page of `section` the index names; each
    must answer."""
    pages = {}
    for url in locations(client.get("/sitemap.xml").text):
        parts = urlsplit(url)
        if parts.path == f"/sitemap-{section}.xml":
            response = client.get(
                parts.path, dict(q.split("=") for q in parts.query.split("&") if q)
            )
            assert response.status_code == 200, url
            pages[url] = locations(response.text)
    return pages


def page_of(pages, post):
    """The addresses of the listed pages that hold `post`."""
    return [
        url
        for url, listed in pages.items()
        if f"http://testserver{post.get_absolute_url()}" in listed
    ]


def test_every_post_of_a_big_blog_is_in_one_sitemap_page(client, monkeypatch):
    """With more posts than a page holds, the section is split into pages (?p=2, …) that the
    index names: each holds at most that many posts and none is empty, though drafts and
    pages take ids between the posts; every published post is in exactly one of them, and
    no draft or scheduled post is in any."""
    monkeypatch.setattr(PostSitemap, "limit", 2)
    posts, hidden = [], []
    for n in range(9):
        posts.append(PostFactory(published_at=AUG_19 + datetime.timedelta(days=n)))
        if n % 3 == 0:  # runs of ids with no published post in them
            hidden += [PostFactory(status=Post.Status.DRAFT) for _ in range(3)]
            PageFactory()
    hidden.append(PostFactory(published_at=timezone.now() + HOUR))
    pages = section_pages(client)
    assert list(pages)[:2] == [
        "http://testserver/sitemap-posts.xml",
        "http://testserver/sitemap-posts.xml?p=2",
    ]
    assert all(1 <= len(listed) <= 2 for listed in pages.values()), pages
    for post in posts:
        assert len(page_of(pages, post)) == 1, post
    assert not [post for post in hidden if page_of(pages, post)]
    assert sum(len(listed) for listed in pages.values()) == len(posts)
    beyond = client.get("/sitemap-posts.xml", {"p": len(pages) + 1})
    assert beyond.status_code == 404


def test_a_post_keeps_its_sitemap_page_as_the_blog_grows(client, monkeypatch):
    """A page holds posts by when they were written: publishing newer posts adds pages after
    it and leaves a post where it was, so a crawler reading the pages one after another
    while posts are published misses none."""
    monkeypatch.setattr(PostSitemap, "limit", 2)
    first = [PostFactory(published_at=AUG_19 + datetime.timedelta(days=n)) for n in range(5)]
    before = section_pages(client)
    for n in range(5):
        PostFactory(published_at=timezone.now() - datetime.timedelta(minutes=n))
    after = section_pages(client)
    assert len(after) > len(before)
    for post in first:
        assert page_of(after, post) == page_of(before, post)


def test_a_scheduled_post_joins_the_sitemap_at_its_time(client, monkeypatch):
    """A scheduled post is in no sitemap page until its time; then it is in one, a page
    of its own listed in the index if no published post shares its range, with no cron."""
    monkeypatch.setattr(PostSitemap, "limit", 2)
    PostFactory()
    for _ in range(2):
        PostFactory(status=Post.Status.DRAFT)  # its ids start a range of their own
    scheduled = PostFactory(published_at=timezone.now() + HOUR)
    before = section_pages(client)
    assert len(before) == 1 and not page_of(before, scheduled)
    with time_machine.travel(timezone.now() + 2 * HOUR):
        after = section_pages(client)
    assert len(after) == 2 and len(page_of(after, scheduled)) == 1


def test_an_empty_blog_has_a_sitemap_with_no_post(client):
    """With no published post the index still answers and names the posts' section, which
    answers with no URL; a second page does not exist."""
    PostFactory(status=Post.Status.DRAFT)
    assert section_pages(client) == {"http://testserver/sitemap-posts.xml": []}
    assert client.get("/sitemap-posts.xml", {"p": 2}).status_code == 404


def test_sitemap_page_addresses_search_engines_know_still_answer(client, monkeypatch):
    """The pages used to be newest first by offset: every ?p=N those named (one per two
    posts here) still answers with posts, for there are as many pages or more now."""
    monkeypatch.setattr(PostSitemap, "limit", 2)
    for n in range(5):
        PostFactory(published_at=AUG_19 + datetime.timedelta(days=n))
        PostFactory(status=Post.Status.DRAFT)
    for page in (1, 2, 3):
        response = client.get("/sitemap-posts.xml", {"p": page})
        assert response.status_code == 200 and locations(response.text)
    assert client.get("/sitemap-posts.xml", {"p": "x"}).status_code == 404


def test_wordpress_sitemap_address_leads_to_the_index(client):
    """/wp-sitemap.xml, WordPress's sitemap index, answers with a permanent redirect."""
    response = client.get("/wp-sitemap.xml")
    assert response.status_code == 301 and response["Location"] == "/sitemap.xml"


def test_categories_are_listed_once_a_post_in_them_is_public(client):
    """The categories section lists a category with a published post, not one whose only
    post is a draft or still scheduled; it appears when that post's time comes."""
    from .factories import CategoryFactory

    news, later, drafts = (CategoryFactory(name=n) for n in ("News", "Later", "Drafts"))
    PostFactory(categories=[news])
    PostFactory(categories=[drafts], status=Post.Status.DRAFT)
    PostFactory(categories=[later], published_at=timezone.now() + datetime.timedelta(hours=1))
    listed = locations(client.get("/sitemap-categories.xml").text)
    assert listed == [f"http://testserver{news.get_absolute_url()}"]
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=2)):
        listed = locations(client.get("/sitemap-categories.xml").text)
    assert f"http://testserver{later.get_absolute_url()}" in listed
