"""Shared pieces for the comment tests: a visitor's form POST as a browser sends it."""

import time

from blogcms.models import SiteSettings
from comments.forms import form_timestamp


def configure(**fields):
    """Change site settings as staff would in the admin."""
    site = SiteSettings.load()
    for name, value in fields.items():
        setattr(site, name, value)
    site.save()
    return site


def form_data(**overrides):
    """A complete comment form, shown a minute ago (so it passes the bot timer)."""
    data = {
        "comment": "What a thoughtful post.",
        "author": "Ada Lovelace",
        "email": "ada@example.com",
        "url": "",
        "comment_parent": "",
        "shown_at": form_timestamp(time.time() - 60),
        "homepage": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def post_comment(client, post, ip="203.0.113.10", **overrides):
    """POST the comment form of `post` from the visitor at `ip`."""
    return client.post(f"/wp-comments-post/{post.pk}/", form_data(**overrides), REMOTE_ADDR=ip)
