"""A post page's SQL does not grow with its responses: one query fetches the whole thread."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from comments.models import Comment
from comments.sanitize import render_comment
from tests.comment_helpers import post_comment
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db

HTML = render_comment("A reply with a https://example.com/ link.")


def add_thread(post, count):
    """`count` approved responses, made in bulk: count/50 threads, each comment answered
    twice, level after level, so 500 reach six levels (deeper than the site's five);
    some by a user, some pingbacks, some with a website."""
    user = UserFactory(username="regular")
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
                            content_html=HTML,
                        )
                    )
                    made += 1
        parents = Comment.objects.bulk_create(level)
        levels += 1
    return levels


def queries_for(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


@pytest.mark.parametrize("visitor", ["anonymous", "held author", "logged in"])
def test_post_page_queries_constant_from_1_to_500_responses(visitor):
    """The same number of queries with 1 and with 500 threaded responses, for every visitor."""
    counts = []
    for size in (1, 500):
        post = PostFactory(slug=f"scale-{size}")
        client = Client()
        if visitor == "held author":
            post_comment(client, post, ip=f"192.0.2.{size % 250}", email=f"h{size}@example.com")
        elif visitor == "logged in":
            client.force_login(UserFactory(username=f"reader-{size}"))
        levels = add_thread(post, size)
        url = post.get_absolute_url()
        client.get(url)  # warm the site settings and sidebar caches, as on a running site
        count, response = queries_for(client, url)
        if size == 500:
            assert levels > 5
            assert f"{size} Responses to" in response.text
            assert response.text.count('class="comment depth-5') > 0
            assert 'class="comment depth-6' not in response.text
        counts.append(count)
    assert counts[0] == counts[1], counts
