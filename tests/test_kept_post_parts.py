"""What an uncached post page keeps between views for visitors without a login (posts.kept,
comments.display): the post, its terms and neighbours, and its comment rows, per content
generation; each change still shows on the next view."""

import datetime
import pickle

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blogcms.cache import content_generation
from blogcms.models import SiteSettings
from posts.kept import KEY_PREFIX
from posts.models import Post

from .factories import CategoryFactory, CommentFactory, PostFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_off(settings):
    settings.BLOGCMS_PAGE_CACHE = False


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Changes made inside `with committed():` start a new generation on leaving it, as
    they would once committed on a live site."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def post():
    return PostFactory(
        title="Kept words",
        slug="kept-words",
        published_at=timezone.now() - datetime.timedelta(days=1),
    )


def test_a_post_page_seen_before_runs_no_query(client, post):
    """Once viewed (and its comment pages laid out), a post page with its responses runs
    no SQL query for a visitor without a login (it ran six each time)."""
    for n in range(3):
        CommentFactory(post=post, content=f"Thought {n}.")
    url = post.get_absolute_url()
    client.get(url)  # lays the comment pages out
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert "Thought 2." in response.text
    assert [q["sql"] for q in queries] == []


def test_an_edit_shows_on_the_next_view(client, post, committed):
    """A post's new title and category show on its page at once."""
    url = post.get_absolute_url()
    client.get(url)
    with committed():
        post.title = "Edited words"
        post.save()
        post.categories.add(CategoryFactory(name="Fresh category"))
    text = client.get(url).text
    assert "Edited words" in text
    assert "Fresh category" in text


def test_an_approved_comment_shows_on_the_next_view(client, post, committed):
    """Approving a comment shows it on the next view of its post."""
    url = post.get_absolute_url()
    with committed():
        comment = CommentFactory(post=post, content="Held thought.", status="pending")
    assert "Held thought." not in client.get(url).text
    with committed():
        comment.status = "approved"
        comment.save()
    assert "Held thought." in client.get(url).text


def test_a_scheduled_post_becomes_the_next_link_at_its_time(client, post, time_machine):
    """The post after this one, scheduled, is linked as "next" once its time comes, with
    nothing saved in between."""
    time_machine.move_to(timezone.now(), tick=False)
    PostFactory(title="Tomorrow's news", published_at=timezone.now() + datetime.timedelta(hours=1))
    url = post.get_absolute_url()
    assert 'rel="next"' not in client.get(url).text
    time_machine.shift(datetime.timedelta(minutes=59))
    assert 'rel="next"' not in client.get(url).text
    time_machine.shift(datetime.timedelta(minutes=1, seconds=1))
    assert "Tomorrow&#x27;s news →" in client.get(url).text


def test_logged_in_staff_never_get_the_kept_post(client, post):
    """Staff, who may see drafts at the same address, get the post as it is in the
    database, not as it was kept for visitors."""
    url = post.get_absolute_url()
    client.get(url)
    Post.objects.filter(pk=post.pk).update(title="Changed without a save")
    assert "Changed without a save" not in client.get(url).text  # kept for visitors
    client.force_login(StaffFactory())
    assert "Changed without a save" in client.get(url).text


def test_the_kept_post_holds_no_password_hash(client, post):
    """The author's password hash is never written to the shared cache."""
    client.get(post.get_absolute_url())
    day = timezone.localtime(post.published_at)
    theme = SiteSettings.load().theme
    parts = ["permalink", theme, f"{day:%Y}", f"{day:%m}", f"{day:%d}", post.slug]
    kept = cache.get(":".join([KEY_PREFIX, str(content_generation()), *parts]))
    assert kept["post"].title == "Kept words"
    assert post.author.password
    assert post.author.password.encode() not in pickle.dumps(kept)


def test_an_authors_new_name_shows_once_a_page_lifetime_has_passed(
    client, post, settings, time_machine
):
    """A user's change moves no content generation (every login saves the user), so the
    author's new name shows on the post's page after BLOGCMS_PAGE_CACHE_SECONDS at most,
    as on a cached page."""
    settings.BLOGCMS_PAGE_CACHE_SECONDS = 60
    time_machine.move_to(timezone.now(), tick=False)
    url = post.get_absolute_url()
    client.get(url)
    post.author.first_name, post.author.last_name = "Renamed", "Author"
    post.author.save()
    time_machine.shift(61)
    assert "Renamed Author" in client.get(url).text
