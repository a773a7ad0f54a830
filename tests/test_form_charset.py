"""Forms are read as UTF-8: a form POST declaring any other character set is refused with a
400 before anything reads it, on every form endpoint, with CSRF checked as in a browser."""

from urllib.parse import urlencode

import pytest
from django.test import Client

from comments.models import Comment

from .comment_helpers import form_data
from .factories import PostFactory, StaffFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
URLENCODED = "application/x-www-form-urlencoded"


@pytest.fixture
def browser():
    """A client that checks CSRF as the real site does, holding the cookie and its token."""
    client = Client(enforce_csrf_checks=True)
    client.get("/admin/login/")
    client.token = client.cookies["csrftoken"].value
    return client


def urlencoded(fields):
    return urlencode(fields).encode()


def multipart(fields):
    parts = [
        f'--B0UND\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    return ("".join(parts) + "--B0UND--\r\n").encode()


def comment_form(browser):
    post = PostFactory()
    fields = {**form_data(comment="Charset test"), "csrfmiddlewaretoken": browser.token}
    return f"/wp-comments-post/{post.pk}/", fields


def login_form(browser):
    StaffFactory(username="boss", password=PASSWORD)
    fields = {"username": "boss", "password": PASSWORD, "csrfmiddlewaretoken": browser.token}
    return "/admin/login/", fields


@pytest.mark.parametrize("endpoint", [comment_form, login_form])
@pytest.mark.parametrize("charset", ["utf-16", "iso-8859-1", "no-such-charset"])
def test_urlencoded_form_in_another_charset_is_a_400(browser, endpoint, charset):
    """A url-encoded form declaring utf-16, latin-1 or an unknown label gets a 400 with a
    message, not a 500 (Django's own 400 re-read the body) nor a silent UTF-8 reading;
    nothing is stored and nobody is logged in."""
    url, fields = endpoint(browser)
    response = browser.generic(
        "POST", url, urlencoded(fields), content_type=f"{URLENCODED}; charset={charset}"
    )
    assert response.status_code == 400
    assert "UTF-8" in response.text
    assert not Comment.objects.exists()
    assert "_auth_user_id" not in browser.session


@pytest.mark.parametrize("endpoint", [comment_form, login_form])
def test_multipart_form_in_another_charset_is_a_400(browser, endpoint):
    """The same holds for a multipart form (which Django would decode in the declared
    charset)."""
    url, fields = endpoint(browser)
    content_type = "multipart/form-data; boundary=B0UND; charset=iso-8859-1"
    response = browser.generic("POST", url, multipart(fields), content_type=content_type)
    assert response.status_code == 400
    assert not Comment.objects.exists()


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", "utf8"])
def test_every_spelling_of_utf8_is_accepted(browser, charset):
    """A form declaring UTF-8 under any of its WHATWG labels is read (Django alone refuses
    "utf8"): the comment is stored."""
    url, fields = comment_form(browser)
    response = browser.generic(
        "POST", url, urlencoded(fields), content_type=f"{URLENCODED}; charset={charset}"
    )
    assert response.status_code == 302
    assert Comment.objects.get().content == "Charset test"


def test_a_form_declaring_no_charset_is_read_as_utf8(browser):
    """What browsers send (no charset at all) logs staff in as before."""
    url, fields = login_form(browser)
    response = browser.generic("POST", url, urlencoded(fields), content_type=URLENCODED)
    assert response.status_code == 302
    assert browser.session["_auth_user_id"]
