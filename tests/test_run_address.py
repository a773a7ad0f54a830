"""Without BLOGCMS_SITE_URL, the site's public address is where `make run` listens."""

import os

import pytest

from blogcms.settings import local_site_url
from tests.standalone_site import StandaloneSite

MODERATION_MAIL = """
from comments.models import Comment
from comments.notifications import notify
from tests.factories import CommentFactory, StaffFactory

StaffFactory()
notify(CommentFactory(status=Comment.Status.PENDING))
"""


def test_make_run_on_another_port_mails_links_to_that_port(tmp_path):
    """`PORT=8123 make run` (HOST and PORT set, no BLOGCMS_SITE_URL) mails the moderator
    links to http://127.0.0.1:8123/ and prints that admin address, not port 8000."""
    site = StandaloneSite(tmp_path)
    del site.env["BLOGCMS_SITE_URL"]
    site.env.update(
        HOST="127.0.0.1",
        PORT="8123",
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
    )
    with site:
        mail = site.shell(MODERATION_MAIL)
        login = site.manage("ensure_admin")
    assert "Approve it: http://127.0.0.1:8123/comments/approve/" in mail
    assert "http://127.0.0.1:8123/admin/comments/comment/" in mail
    assert "Log in to the admin at http://127.0.0.1:8123/admin/" in login
    assert ":8000" not in mail + login


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        (None, None, "http://127.0.0.1:8000"),
        ("localhost", "8123", "http://localhost:8123"),
        ("0.0.0.0", "8123", "http://127.0.0.1:8123"),  # noqa: S104
        ("::", "9000", "http://127.0.0.1:9000"),
        ("::1", "9000", "http://[::1]:9000"),
    ],
)
def test_the_default_address_follows_host_and_port(host, port, url):
    """HOST and PORT make the address; a wildcard bind is reached on the loopback address."""
    assert local_site_url(host, port) == url


@pytest.mark.parametrize(
    ("host", "allowed"),
    [("192.0.2.7", "192.0.2.7"), ("2001:db8::7", "[2001:db8::7]"), ("0.0.0.0", None)],  # noqa: S104
)
def test_the_listening_address_is_an_allowed_host(host, allowed):
    """`HOST=192.0.2.7 make run` answers requests for 192.0.2.7 (the address its mails link
    to) without ALLOWED_HOSTS being set; a wildcard bind adds nothing."""
    import subprocess
    import sys

    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'blogcms.settings';"
        "from django.conf import settings; print(settings.ALLOWED_HOSTS)"
    )
    env = {k: v for k, v in os.environ.items() if k != "ALLOWED_HOSTS"} | {"HOST": host}
    hosts = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert "'127.0.0.1'" in hosts
    if allowed:
        assert f"'{allowed}'" in hosts
    else:
        assert "0.0.0.0" not in hosts  # noqa: S104
