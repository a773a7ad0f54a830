"""What a page's head tells search engines and browsers: a meta description made from the
post (escaped, never marked safe) or the tagline, and the site's icon on every page, the
admin's included."""

import pytest

from blogcms.models import SiteSettings

from .factories import PageFactory, PostFactory, StaffFactory
from .pages import find, parse

pytestmark = pytest.mark.django_db


def description(response):
    (meta,) = find(parse(response), ".//head/meta[@name='description']")
    return meta.get("content")


def test_a_post_is_described_by_its_excerpt():
    """A post with an excerpt is described by it."""
    post = PostFactory(excerpt="Serrano writes to ICE.", body="<p>Long body.</p>")
    assert description(client_get(post.get_absolute_url())) == "Serrano writes to ICE."


def test_without_an_excerpt_the_first_words_describe_it_as_plain_text():
    """Without an excerpt, the body's first 30 words describe a post, as text: tags gone,
    entities decoded once, and the words escaped again in the attribute."""
    words = " ".join(f"w{n}" for n in range(40))
    post = PostFactory(body=f"<p>Tom &amp; Jerry say <b>&quot;hi&quot;</b> {words}</p>")
    got = description(client_get(post.get_absolute_url()))
    assert got.startswith('Tom & Jerry say "hi" w0 w1')
    assert got.endswith("w24…") and len(got.split()) == 30


def test_a_hostile_body_stays_text_in_the_description():
    """Markup that survives into a post's words cannot close the attribute or open a tag."""
    post = PostFactory(body='<p>&lt;script&gt;alert(1)&lt;/script&gt; "><img src=x></p>')
    response = client_get(post.get_absolute_url())
    assert description(response) == '<script>alert(1)</script> ">'
    assert b"<script>alert(1)" not in response.content


def test_a_page_is_described_by_its_words():
    """Pages are described like posts."""
    page = PageFactory(title="About", slug="about", body="<p>We write about birds.</p>")
    assert description(client_get(page.get_absolute_url())) == "We write about birds."


def test_listings_are_described_by_the_tagline():
    """The home page and other listings carry the tagline, or the title without one."""
    PostFactory()
    site = SiteSettings.load()
    site.tagline = "Notes from the river"
    site.save()
    assert description(client_get("/")) == "Notes from the river"
    site.tagline = ""
    site.save()
    assert description(client_get("/?s=matter")) == site.title


def test_favicon_answers_and_pages_link_it(client):
    """/favicon.ico leads to the icon, and public and admin pages link it (no browser asks
    /favicon.ico and logs a 404)."""
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.ico"
    PostFactory()
    pages = [client.get("/"), client.get("/admin/login/")]
    client.force_login(StaffFactory())
    pages.append(client.get("/admin/"))
    for page in pages:
        assert page.status_code == 200
        links = find(parse(page), ".//head/link[@rel='icon']")
        assert [link.get("href") for link in links] == ["/static/favicon.ico"]


def client_get(url):
    from django.test import Client

    response = Client().get(url)
    assert response.status_code == 200, url
    return response
