"""The sitemap index and its paginated sections, as WordPress 5.5+ serves /wp-sitemap.xml:
every public post of a big blog is in one sitemap page, none is left out."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
import time_machine

from posts.models import Post
from posts.sitemaps import PostSitemap

from .factories import PostFactory

pytestmark = pytest.mark.django_db

AUG_19 = datetime.datetime(2011, 8, 19, 14, 0, tzinfo=datetime.UTC)


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


def test_every_post_of_a_big_blog_is_in_one_sitemap_page(client, monkeypatch):
    """With more posts than a page holds, the section is split into pages (?p=2, …) that the
    index names; every published post is in exactly one of them, newest first."""
    monkeypatch.setattr(PostSitemap, "limit", 2)
    posts = [PostFactory(published_at=AUG_19 + datetime.timedelta(days=n)) for n in range(5)]
    PostFactory(status=Post.Status.DRAFT)
    index = locations(client.get("/sitemap.xml").text)
    assert [u for u in index if "posts" in u] == [
        "http://testserver/sitemap-posts.xml",
        "http://testserver/sitemap-posts.xml?p=2",
        "http://testserver/sitemap-posts.xml?p=3",
    ]
    listed = []
    for page in (1, 2, 3):
        listed += locations(client.get("/sitemap-posts.xml", {"p": page}).text)
    assert listed == [f"http://testserver{p.get_absolute_url()}" for p in reversed(posts)]
    assert client.get("/sitemap-posts.xml", {"p": 4}).status_code == 404


def test_wordpress_sitemap_address_leads_to_the_index(client):
    """/wp-sitemap.xml, WordPress's sitemap index, answers with a permanent redirect."""
    response = client.get("/wp-sitemap.xml")
    assert response.status_code == 301 and response["Location"] == "/sitemap.xml"


def test_categories_are_listed_once_a_post_in_them_is_public(client):
    """The categories section lists a category with a published post, not one whose only
    post is a draft or still scheduled; it appears when that post's time comes."""
    from django.utils import timezone

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
