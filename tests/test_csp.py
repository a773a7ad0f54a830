"""The Content-Security-Policy: no inline script anywhere, no inline style on public pages."""

from io import StringIO

import pytest
from django.core.management import call_command

from .factories import StaffFactory

pytestmark = pytest.mark.django_db

SEED_URL = "/2011/08/19/ny-rep-serrano-opposes-s-comm-policy/"


def directives(response):
    policy = response["Content-Security-Policy"]
    return dict((part.split()[0], part.split()[1:]) for part in policy.split("; ") if part)


def test_public_pages_allow_no_inline_style_or_script(client):
    """The post page's policy has no 'unsafe-inline', and the page needs none: no style
    attribute, no <style>, no inline <script>."""
    call_command("load_demo", stdout=StringIO())
    response = client.get(SEED_URL)
    policy = directives(response)
    assert policy["style-src"] == ["'self'"] and "'unsafe-inline'" not in policy["script-src"]
    page = response.text
    assert " style=" not in page and "<style" not in page
    assert "<script>" not in page  # only <script src="…"> from our own static files


def test_the_admin_alone_may_use_inline_styles(client):
    """Django's admin and the editor set style attributes: only /admin/ allows them."""
    client.force_login(StaffFactory())
    policy = directives(client.get("/admin/"))
    assert "'unsafe-inline'" in policy["style-src"]
    assert "'unsafe-inline'" not in policy["script-src"]
