"""Every response carries a Permissions-Policy denying the powerful features a blog never
uses, to itself and to anything it embeds."""

import pytest

from .factories import PostFactory

pytestmark = pytest.mark.django_db

DENIED = {"camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"}


def policy(response):
    return dict(part.strip().split("=", 1) for part in response["Permissions-Policy"].split(","))


@pytest.mark.parametrize(
    "request_page",
    [
        pytest.param(lambda client: client.get(PostFactory().get_absolute_url()), id="post"),
        pytest.param(lambda client: client.get("/admin/login/"), id="admin-login"),
        pytest.param(lambda client: client.get("/no/such/page/"), id="404"),
        pytest.param(
            lambda client: client.post(
                "/admin/login/",
                "a=b",
                content_type="application/x-www-form-urlencoded; charset=utf-16",
            ),
            id="refused-form",
        ),
    ],
)
def test_powerful_features_are_denied_on_every_response(client, request_page):
    """A post, the admin, a 404 and a refused form all deny camera, microphone, geolocation,
    payment, USB and ad-topic tracking to every origin (an empty allowlist)."""
    features = policy(request_page(client))
    assert all(features[name] == "()" for name in DENIED)
