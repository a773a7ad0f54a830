"""Findings of the review of the day's merges (a85ed4f..d8096a0): each test states a rule
the review found broken, met as a visitor, a Fediverse server or an importer meets it."""

import pytest
from django.test import Client

from .factories import PostFactory

pytestmark = pytest.mark.django_db


def lenient_client():
    """A client that returns the 500 page instead of raising, as a visitor meets it."""
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("digits", [4300, 4301, 6000])
def test_a_number_of_thousands_of_digits_is_no_number_not_a_500(digits):
    """Python's int() refuses more than 4,300 digits (ValueError, CVE-2020-10735): an old
    WordPress query (?p=, ?attachment_id=, ?author=…), a comment page or reply, or a
    permalink's year spelt with thousands of digits is a 404 or the page, never a 500."""
    client = lenient_client()
    post = PostFactory()
    number = "1" * digits
    addresses = [
        f"/?p={number}",
        f"/?page_id={number}",
        f"/?attachment_id={number}",
        f"/?author={number}",
        f"/?cat={number}",
        f"/?m={number}",
        f"/?paged={number}",
        f"/{number}/01/01/slug/",
    ]
    for address in addresses:
        assert client.get(address).status_code == 404, address[:40]
    for query in ("replytocom", "cpage"):
        response = client.get(f"{post.get_absolute_url()}?{query}={number}")
        assert response.status_code in (200, 404), query
