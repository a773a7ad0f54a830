"""What keeps a big blog fast stays exact: the stored response counts follow every way a
response changes, the stored search vector every way a post is written, and a deep page
of a listing shows what a plain offset would."""

import datetime
import importlib
import re

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.test import Client
from django.utils import timezone

from blogcms.models import SiteSettings
from comments.models import Comment
from posts.models import Category, Post, TagUse

from .factories import CategoryFactory, CommentFactory, PostFactory, StaffFactory

pytestmark = pytest.mark.django_db

AUG_19 = datetime.datetime(2011, 8, 19, 14, 0, tzinfo=datetime.UTC)
CHANGELIST = "/admin/comments/comment/"
HOUR = datetime.timedelta(hours=1)


def comments_link(client, post):
    """The "N Comments" link the home page shows under `post`."""
    text = client.get("/").text
    start = text.index(f'href="{post.get_absolute_url()}#comments">')
    return text[start : text.index("</a>", start)].split(">", 1)[1]


def main(response):
    """The page's <main> element, without the sidebar's recent posts."""
    text = response.content.decode()
    return text[text.index("<main") : text.index("</main>")]


def exact(post):
    post.refresh_from_db()
    approved = post.responses.filter(status=Comment.Status.APPROVED)
    return post.response_count == approved.count()


def test_the_listing_count_follows_every_moderation_path(client):
    """New, approved one by one, moderated in bulk (admin action), moved to another post,
    deleted one by one and in bulk: the count under each post is the approved responses."""
    post, other = PostFactory(), PostFactory()
    staff = Client()
    staff.force_login(StaffFactory(is_superuser=True))
    first = CommentFactory(post=post)
    held = CommentFactory(post=post, status=Comment.Status.PENDING)
    assert comments_link(client, post) == "1 Comment"
    held.approve()
    assert comments_link(client, post) == "2 Comments"
    staff.post(CHANGELIST, {"action": "mark_spam", "_selected_action": [first.pk, held.pk]})
    assert comments_link(client, post) == "Leave a comment"
    Comment.objects.filter(pk=first.pk).set_status(Comment.Status.APPROVED)
    assert comments_link(client, post) == "1 Comment"
    first.refresh_from_db()
    first.post = other
    first.save()
    assert (comments_link(client, post), comments_link(client, other)) == (
        "Leave a comment",
        "1 Comment",
    )
    CommentFactory.create_batch(2, post=other)
    Comment.objects.filter(pk=first.pk).get().delete()
    assert comments_link(client, other) == "2 Comments"
    staff.post(
        CHANGELIST,
        {"action": "delete_selected", "_selected_action": [c.pk for c in other.responses.all()]}
        | {"post": "yes"},
    )
    assert comments_link(client, other) == "Leave a comment"
    assert exact(post) and exact(other)


def test_a_post_with_responses_can_be_deleted():
    """Deleting a post deletes its responses without recounting the post being deleted."""
    post = PostFactory()
    CommentFactory.create_batch(3, post=post)
    post.delete()
    assert not Comment.objects.exists()


def test_the_migration_counts_what_was_there():
    """Existing posts get their counts and last response date from the migration."""
    post = PostFactory()
    CommentFactory.create_batch(2, post=post)
    CommentFactory(post=post, status=Comment.Status.SPAM)
    Post.objects.update(response_count=0, last_response_at=None)
    migration = importlib.import_module("posts.migrations.0008_stored_counts_search_vector_indexes")
    migration.count_responses(apps, None)
    post.refresh_from_db()
    assert post.response_count == 2
    assert post.last_response_at == max(
        c.updated_at for c in post.responses.filter(status=Comment.Status.APPROVED)
    )


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the stored search vector is PostgreSQL's; SQLite matches words (CI runs both)",
)


@postgres_only
@pytest.mark.postgres
def test_search_finds_posts_however_they_were_written(client):
    """The stored vector follows save(), a bulk update() and a bulk_create(): search finds
    each by its new words and no longer by its old ones."""
    saved = PostFactory(title="Walrus notes")
    saved.title = "Narwhal notes"
    saved.save()
    bulk = PostFactory(body="<p>About a pelican.</p>")
    Post.objects.filter(pk=bulk.pk).update(body="<p>About a cormorant.</p>")
    created = Post.objects.bulk_create(
        [Post(title="Imported", slug="imported", author=saved.author, body="<p>A puffin.</p>")]
    )[0]
    Post.objects.filter(pk=created.pk).update(status="publish", published_at=AUG_19)

    def found(word):
        return main(client.get("/", {"s": word}))

    assert "Narwhal notes" in found("narwhal") and "Walrus" not in found("walrus")
    assert bulk.title in found("cormorant") and bulk.title not in found("pelican")
    assert "Imported" in found("puffin")


@postgres_only
@pytest.mark.postgres
def test_a_common_word_ranks_among_the_newest_matches(client, settings):
    """A word in every post ranks (title first) among the newest BLOGCMS_SEARCH_CANDIDATES
    matches only: a bounded step, however big the blog."""
    settings.BLOGCMS_SEARCH_CANDIDATES = 2
    old = PostFactory(title="Lighthouse", body="<p>lighthouse</p>", published_at=AUG_19)
    for n in range(2):
        PostFactory(
            body="<p>A lighthouse, again.</p>", published_at=AUG_19 + datetime.timedelta(n + 1)
        )
    text = main(client.get("/", {"s": "lighthouse"}))
    assert old.get_absolute_url() not in text
    assert text.count('id="post-') == 2


def test_deep_pages_show_what_an_offset_would(client):
    """/page/N/ lists the posts a plain OFFSET would, sticky posts first on the home page,
    in archives and search too; past the last page is a 404."""
    SiteSettings.objects.update_or_create(pk=1, defaults={"posts_per_page": 2})
    posts = [
        PostFactory(title=f"Entry {n:02d}", published_at=AUG_19 + datetime.timedelta(hours=n))
        for n in range(9)
    ]
    Post.objects.filter(pk=posts[0].pk).update(sticky=True)
    home = ["Entry 00"] + [f"Entry {n:02d}" for n in range(8, 0, -1)]
    for page in (2, 3, 5):
        text = main(client.get(f"/page/{page}/"))
        shown = [t for t in home if f">{t}</a>" in text]
        assert shown == home[(page - 1) * 2 : page * 2], page
    assert client.get("/page/6/").status_code == 404
    archive = main(client.get("/2011/08/page/4/"))
    assert [n for n in range(9) if f">Entry {n:02d}</a>" in archive] == [1, 2]
    search = main(client.get("/page/2/", {"s": "Entry"}))
    assert search.count('id="post-') == 2


def widget_counts(client):
    """{name: count} of the sidebar's categories and tag cloud, as a visitor reads them."""
    from django.core.cache import cache

    cache.clear()  # the sidebar is a cached fragment: read it as a fresh page would
    text = client.get("/").text
    categories = dict(re.findall(r'/">([^<]+)</a> \((\d+)\)</li>', text))
    tags = dict(re.findall(r'aria-label="([^"]+) \((\d+) items?\)"', text))
    return {**{k: int(v) for k, v in categories.items()}, **{k: int(v) for k, v in tags.items()}}


def test_sidebar_counts_follow_every_change_of_posts_and_terms(client):
    """Categories and tags count published posts through publishing, taking down, adding,
    removing and clearing terms from either side, and deleting; a scheduled post counts
    from its time on, by itself."""
    news, misc = CategoryFactory(name="News"), CategoryFactory(name="Misc")
    post = PostFactory(categories=[news], tags=["alpha", "beta"])
    PostFactory(categories=[news], tags=["alpha"])
    assert widget_counts(client) == {"News": 2, "alpha": 2, "beta": 1}
    post.status = Post.Status.DRAFT
    post.save()
    assert widget_counts(client) == {"News": 1, "alpha": 1}
    post.status = Post.Status.PUBLISHED
    post.save()
    post.categories.add(misc)
    post.tags.remove("beta")
    assert widget_counts(client) == {"News": 2, "Misc": 1, "alpha": 2}
    misc.posts.clear()
    news.posts.remove(post)
    post.tags.clear()
    assert widget_counts(client) == {"News": 1, "alpha": 1}
    PostFactory(categories=[misc], tags=["later"], published_at=timezone.now() + HOUR)
    assert widget_counts(client) == {"News": 1, "alpha": 1}
    with time_machine.travel(timezone.now() + 2 * HOUR):
        assert widget_counts(client) == {"News": 1, "Misc": 1, "alpha": 1, "later": 1}
    Post.objects.get(tags__name="alpha").delete()
    assert widget_counts(client) == {}


def test_the_tag_cloud_shows_the_most_used_tags_less_their_scheduled_posts(client):
    """The cloud shows the 45 tags on most published posts (ties by name). Tags whose posts
    are mostly scheduled count only the published ones and leave their places, even below
    45 tags of higher stored counts, to the next tags; they return when their time comes."""
    many = [f"t{n:02d}" for n in range(43)]
    for _ in range(3):
        PostFactory(tags=many)
    for _ in range(2):
        PostFactory(tags=["u00", "u01"])
    PostFactory(tags=["busy"])
    for _ in range(3):
        PostFactory(tags=["busy", "later"], published_at=timezone.now() + HOUR)

    def cloud():
        counts = widget_counts(client)
        counts.pop("Uncategorized")
        return counts

    assert cloud() == {**{t: 3 for t in many}, "u00": 2, "u01": 2}
    with time_machine.travel(timezone.now() + 2 * HOUR):
        assert cloud() == {"busy": 4, "later": 3, **{t: 3 for t in many}}


def test_the_categories_widget_links_each_category_escaped(client):
    """Each category with a published post is an escaped link to its archive (nested and
    non-Latin paths as the category's own address), by name, with its count; the links
    lead to the archives. With none, "No categories." (The minimal theme has no such
    widget.)"""
    from django.core.cache import cache

    assert "<li>No categories.</li>" in client.get("/").text
    parent = CategoryFactory(name="Новости", slug="новости")
    child = CategoryFactory(name="<b>Tips</b> & tricks", slug="tips", parent=parent)
    PostFactory(categories=[parent, child])
    PostFactory(categories=[child])
    cache.clear()
    text = client.get("/").text
    widget = text[text.index("widget-categories") :]
    widget = widget[: widget.index("</ul>")]
    assert re.findall(r'<li><a href="([^"]+)">([^<]*)</a> \((\d+)\)</li>', widget) == [
        (
            "/category/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8/tips/",
            "&lt;b&gt;Tips&lt;/b&gt; &amp; tricks",
            "2",
        ),
        ("/category/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8/", "Новости", "1"),
    ]
    assert child.get_absolute_url() == "/category/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8/tips/"
    assert client.get(child.get_absolute_url()).status_code == 200


def test_the_migration_counts_the_terms_that_were_there(client):
    """Existing categories and tags get their counts from the migration."""
    PostFactory(categories=[CategoryFactory(name="News")], tags=["alpha"])
    Category.objects.update(post_count=0)
    TagUse.objects.all().delete()
    migration = importlib.import_module("posts.migrations.0009_stored_term_counts")
    migration.count_terms(apps, None)
    assert widget_counts(client) == {"News": 1, "alpha": 1}


def test_recount_repairs_counts_a_bulk_import_left_behind(client):
    """Rows written around the ORM (a bulk import) are counted by `manage.py recount`."""
    from io import StringIO

    from django.core.management import call_command

    post = PostFactory(categories=[CategoryFactory(name="News")], tags=["alpha"])
    Comment.objects.bulk_create(
        [Comment(post=post, content="x", content_html="<p>x</p>", status="approved")]
    )
    Category.objects.update(post_count=0)
    TagUse.objects.all().delete()
    call_command("recount", stdout=StringIO())
    assert comments_link(client, post) == "1 Comment"
    assert widget_counts(client) == {"News": 1, "alpha": 1}


def test_the_archives_widget_lists_the_blogs_own_months(client, settings):
    """Months with published posts, newest first, in the blog's time zone (a post at 02:00
    UTC on 1 September is August's in New York); none of only drafts or scheduled posts."""
    settings.TIME_ZONE = "America/New_York"
    PostFactory(published_at=datetime.datetime(2011, 9, 1, 2, 0, tzinfo=datetime.UTC))
    PostFactory(published_at=datetime.datetime(2011, 6, 15, 12, 0, tzinfo=datetime.UTC))
    PostFactory(published_at=datetime.datetime(2011, 6, 20, 12, 0, tzinfo=datetime.UTC))
    PostFactory(published_at=AUG_19.replace(month=7), status=Post.Status.DRAFT)
    PostFactory(published_at=timezone.now() + HOUR)
    from django.core.cache import cache

    cache.clear()
    text = client.get("/").text
    widget = text[text.index("widget-archives") :]
    months = re.findall(r'<a href="/(\d{4})/(\d{2})/">([^<]+)</a>', widget[: widget.index("</ul>")])
    assert months == [("2011", "08", "August 2011"), ("2011", "06", "June 2011")]


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_responses_approved_at_the_same_instant_are_all_counted():
    """Eight held responses of one post approved at once, as eight workers would: the
    stored count is eight (each count waits for the post's row, then sees the others)."""
    import threading

    from django.db import connections

    post = PostFactory()
    held = [CommentFactory(post=post, status=Comment.Status.PENDING) for _ in range(8)]
    barrier = threading.Barrier(8)
    errors = []

    def approve(pk):
        try:
            comment = Comment.objects.get(pk=pk)
            barrier.wait()
            comment.approve()
        except Exception as error:  # noqa: BLE001 - a failing thread must fail the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(c.pk,)) for c in held]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    post.refresh_from_db()
    assert post.response_count == 8


def test_archives_offer_no_empty_page_for_scheduled_posts(client):
    """A tag's and a category's archive have as many pages as published posts fill ("Older
    posts" only where one follows): a scheduled post adds no page until its time comes."""
    SiteSettings.objects.update_or_create(pk=1, defaults={"posts_per_page": 2})
    news = CategoryFactory(name="News", slug="news")
    for _ in range(4):
        PostFactory(categories=[news], tags=["deep"])
    PostFactory(categories=[news], tags=["deep"], published_at=timezone.now() + HOUR)
    for url in ("/tag/deep/page/", "/category/news/page/"):
        second = main(client.get(f"{url}2/"))
        assert second.count('id="post-') == 2 and "Older posts" not in second
        assert "Older posts" in main(client.get(url[: -len("page/")]))
        assert client.get(f"{url}3/").status_code == 404
        with time_machine.travel(timezone.now() + 2 * HOUR):
            assert main(client.get(f"{url}3/")).count('id="post-') == 1
