"""Cross-site request forgery on the comment form (comments/csrf.py): anonymous visitors
are checked by the origin their browser states, anyone with a session by the CSRF token."""

import re

import pytest
from django.test import Client

from comments.models import Comment

from .comment_helpers import form_data
from .factories import PostFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKEN_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')
OWN = "http://testserver"


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.BLOGCMS_PAGE_CACHE = True


@pytest.fixture
def post():
    return PostFactory(title="Forged or not", slug="forged-or-not")


@pytest.fixture
def browser():
    """A client that checks CSRF as a real server does."""
    return Client(enforce_csrf_checks=True)


def send(client, post, headers=None, **overrides):
    return client.post(
        f"/wp-comments-post/{post.pk}/", form_data(**overrides), headers=headers or {}
    )


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://blog.testserver"},
        # Sec-Fetch-Site wins over an Origin that a proxy or an old extension rewrote.
        {"Sec-Fetch-Site": "cross-site", "Origin": OWN},
    ],
)
def test_a_cross_site_post_from_an_anonymous_visitor_is_refused(browser, post, headers):
    """A forged POST from another site's page (its Origin, or Sec-Fetch-Site: cross-site)
    gets 403 and stores nothing."""
    response = send(browser, post, headers)
    assert response.status_code == 403
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": OWN, "Sec-Fetch-Site": "same-origin"},
        {"Origin": OWN},
        {"Sec-Fetch-Site": "same-origin"},
    ],
)
def test_a_same_origin_post_without_a_token_is_accepted(browser, post, headers):
    """An anonymous visitor posting from the site's own page needs no token."""
    response = send(browser, post, headers)
    assert response.status_code == 302
    assert Comment.objects.get().author_name == "Ada Lovelace"


def test_a_trusted_origin_is_accepted(browser, post, settings):
    """A front end on another origin that the site trusts (CSRF_TRUSTED_ORIGINS) may post."""
    settings.CSRF_TRUSTED_ORIGINS = ["https://www.example.org"]
    headers = {"Origin": "https://www.example.org", "Sec-Fetch-Site": "cross-site"}
    assert send(browser, post, headers).status_code == 302


def test_a_post_with_neither_origin_nor_fetch_metadata_is_accepted(browser, post):
    """No Origin and no Sec-Fetch-Site: a program, not a browser (every current browser
    sends Origin on a POST), so not a forgery; accepted as WordPress accepts it, and left
    to moderation and the spam checks."""
    assert send(browser, post).status_code == 302
    assert Comment.objects.count() == 1


def test_a_logged_in_user_needs_the_token(browser, post):
    """With a session, the comment form carries a token and a POST without it is 403,
    whatever its Origin says."""
    browser.force_login(UserFactory(username="reader"))
    page = browser.get(post.get_absolute_url())
    token = TOKEN_FIELD.search(page.text).group(1)
    same_origin = {"Origin": OWN, "Sec-Fetch-Site": "same-origin"}
    assert send(browser, post, same_origin, author=None, email=None).status_code == 403
    assert not Comment.objects.exists()
    response = send(browser, post, same_origin, csrfmiddlewaretoken=token)
    assert response.status_code == 302
    assert Comment.objects.get().user.username == "reader"


def test_the_admin_still_needs_the_token(browser):
    """The admin keeps Django's full CSRF protection: a same-origin POST without a token
    is refused."""
    staff = StaffFactory()
    browser.force_login(staff)
    response = browser.post(
        "/admin/logout/", headers={"Origin": OWN, "Sec-Fetch-Site": "same-origin"}
    )
    assert response.status_code == 403
    assert browser.get("/admin/").status_code == 200  # still logged in


def test_anonymous_pages_are_byte_identical_and_carry_no_token(post):
    """Two anonymous visitors get the same bytes (the cached page), no token, no cookie."""
    first, second = Client(), Client()
    url = post.get_absolute_url()
    pages = [first.get(url), second.get(url)]
    assert [p["X-Cache"] for p in pages] == ["miss", "hit"]
    assert pages[0].content == pages[1].content
    assert 'id="commentform"' in pages[0].text
    assert "csrfmiddlewaretoken" not in pages[0].text
    assert not first.cookies and not second.cookies


def test_a_logged_in_users_page_is_never_served_from_the_cache(post):
    """A logged-in user's page is rendered for them, with their token, never from the
    cache nor into it."""
    url = post.get_absolute_url()
    Client().get(url)
    member = Client()
    member.force_login(UserFactory(username="member", first_name="Mem", last_name="Ber"))
    pages = [member.get(url), member.get(url)]
    assert [p["X-Cache"] for p in pages] == ["pass", "pass"]
    assert all(TOKEN_FIELD.search(p.text) for p in pages)
    assert "Logged in as Mem Ber" in pages[0].text
    assert "csrfmiddlewaretoken" not in Client().get(url).text
