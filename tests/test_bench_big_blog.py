"""bench/big_blog.py's bulk generator still fills every table as the models change, with
the stored counts and search vectors the pages read."""

import pytest
from django.db import connection
from django.db.models import Count, Q
from taggit.models import Tag

from bench import big_blog
from comments.models import Comment
from posts.models import Category, Post

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the generator is PostgreSQL's own SQL (generate_series); CI runs this there",
    ),
    pytest.mark.django_db,
]


def test_the_generator_makes_a_consistent_blog(client):
    """Posts, comments, tags and categories in the asked numbers; every stored count equals
    what it counts; the busiest post has its thread; search finds the rare word."""
    big_blog.generate(posts=400, comments=4000, tags=20, categories=5, vacuum=False)
    assert Post.objects.posts().count() == 400
    assert Comment.objects.count() == 4000
    assert (Tag.objects.count(), Category.objects.count()) == (20, 5)
    approved = Count("responses", filter=Q(responses__status=Comment.Status.APPROVED))
    posts = Post.objects.annotate(counted=approved)
    assert not [p.pk for p in posts if p.counted != p.response_count]
    assert posts.filter(response_count=big_blog.BIG_THREAD).exists()
    published = Post.objects.posts().filter(status=Post.Status.PUBLISHED)
    for category in Category.objects.all():
        assert category.post_count == published.filter(categories=category).count()
    for tag in Tag.objects.select_related("use"):
        assert tag.use.posts == published.filter(tags=tag).count()
    found = client.get("/", {"s": big_blog.RARE_WORD}).text
    assert found.count('id="post-') == 1  # post 7 of 400 (one in 20,000, from the 7th)
