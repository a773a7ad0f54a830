"""A post page's SQL does not grow with its responses: one query fetches the whole thread."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.comment_helpers import add_thread, post_comment
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db


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
