"""Shared pieces for the comment tests: a visitor's form POST as a browser sends it."""

import time

from django.contrib.auth import get_user_model

from blogcms.models import SiteSettings
from comments.forms import form_timestamp
from comments.models import Comment
from comments.sanitize import render_comment


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


def add_thread(post, count):
    """`count` approved responses, made in bulk: count/50 threads, each comment answered
    twice, level after level, so 500 reach six levels (deeper than the site's five);
    some by a user, some pingbacks, some with a website."""
    user, _ = get_user_model().objects.get_or_create(username="regular-commenter")
    html = render_comment("A reply, with a https://example.com/ link and <em>emphasis</em>.")
    made, parents, levels = 0, [None] * max(1, count // 50), 0
    while made < count:
        level = []
        for parent in parents:
            for _ in range(1 if parent is None else 2):
                if made < count:
                    level.append(
                        Comment(
                            post=post,
                            parent=parent,
                            type=Comment.Type.PINGBACK if made % 7 == 3 else Comment.Type.COMMENT,
                            status=Comment.Status.APPROVED,
                            author_name=f"Reader {made}",
                            author_email=f"r{made}@example.com",
                            author_url="https://example.org/" if made % 3 == 0 else "",
                            user=user if made % 4 == 0 else None,
                            content="A reply",
                            content_html=html,
                        )
                    )
                    made += 1
        parents = Comment.objects.bulk_create(level)
        levels += 1
    return levels
