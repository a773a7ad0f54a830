"""Forms are read as UTF-8: a form POST declaring any other character set is refused with a
400 before anything reads it, on every form endpoint, with CSRF checked as in a browser."""

import io
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


class CutShort(io.BytesIO):
    """A request body that breaks off: the client hung up (or gunicorn's budget cut it)."""

    def read(self, *args):
        raise OSError("client went away")


@pytest.mark.parametrize(
    ("endpoint", "content_type"),
    [
        ("comment", URLENCODED),
        ("/admin/login/", URLENCODED),
        ("/xmlrpc.php", "text/xml"),
        ("/webmention/", URLENCODED),
        ("/csp-report/", "application/csp-report"),
    ],
)
def test_a_body_cut_short_is_a_400_not_a_500(endpoint, content_type):
    """A POST whose body never arrives in full (announced, then the client hung up) is
    answered 400 on every endpoint that reads a body, and nothing is stored."""
    post = PostFactory()
    path = f"/wp-comments-post/{post.pk}/" if endpoint == "comment" else endpoint
    response = Client(raise_request_exception=False).generic(
        "POST",
        path,
        content_type=content_type,
        HTTP_ORIGIN="http://testserver",
        **{"wsgi.input": CutShort(), "CONTENT_LENGTH": "100", "CONTENT_TYPE": content_type},
    )
    assert response.status_code == 400
    assert "could not be read" in response.content.decode()
    assert not Comment.objects.exists()
