"""bench/content.py still builds the benchmark's site as the models change."""

import pytest
from django.core.management import call_command

from bench import content
from comments.models import Comment
from posts.models import Post

pytestmark = pytest.mark.django_db


def test_bench_content_gives_the_seed_post_50_approved_threaded_responses():
    """The benchmark measures the seed post with 50 approved responses, some threaded."""
    call_command("load_demo")
    content.build()
    seed = Post.objects.get(slug=content.SEED_SLUG)
    responses = seed.responses.filter(status=Comment.Status.APPROVED)
    assert responses.count() == content.RESPONSES == 50
    assert responses.filter(type=Comment.Type.PINGBACK).count() > 1
    assert responses.filter(parent__parent__isnull=False).count() > 5  # three levels deep
    assert Post.objects.published().count() == 1 + content.MORE_POSTS
