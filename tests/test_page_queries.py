"""Every page type runs a fixed number of SQL queries, whatever the amount of content."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from blogcms.models import SiteSettings

from .factories import CategoryFactory, CommentFactory, PageFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = datetime.datetime(2011, 8, 19, 14, 0, tzinfo=datetime.UTC)

# The most queries any page type may run with a cold cache (sidebar and navigation included;
# both are cached fragments, so a warm page runs neither). 14: a post's Fediverse likes and
# boosts are one more (federation's fediverse_reactions tag).
CEILING = 14
# A post page seen before: its post, terms, neighbours and comment rows are kept per content
# generation too (posts.kept, comments.display); the one query left lays its comment pages
# out after the cold view.
POST_WARM_CEILING = 1

PAGES = {
    "home": lambda post: "/",
    "single post": lambda post: post.get_absolute_url(),
    "category": lambda post: post.categories.order_by("-parent")[0].get_absolute_url(),
    "tag": lambda post: f"/tag/{post.tags.first().slug}/",
    "year archive": lambda post: "/2011/",
    "month archive": lambda post: "/2011/08/",
    "day archive": lambda post: "/2011/08/19/",
    "author": lambda post: f"/author/{post.author.username}/",
    "page": lambda post: "/about/team/",
    "search": lambda post: "/?s=post",
    "feed": lambda post: "/feed/",
    "sitemap index": lambda post: "/sitemap.xml",
    "sitemap page": lambda post: "/sitemap-posts.xml",
}


def build(size):
    """`size` posts on one day by one author, each in `size` nested categories with `size`
    tags, the first with `size` threaded responses; `size` pages in the navigation, the
    page /about/team/ with `size` responses. Returns that first post."""
    SiteSettings.objects.get_or_create(pk=1)  # the row exists on any running site
    author = UserFactory(username="author")
    parent = None
    categories = []
    for n in range(size):
        parent = CategoryFactory(name=f"Cat {n}", slug=f"cat-{n}", parent=parent)
        categories.append(parent)
    tags = [f"tag {n}" for n in range(size)]
    posts = [
        PostFactory(
            author=author,
            categories=categories,
            tags=tags,
            published_at=DAY + datetime.timedelta(minutes=n),
        )
        for n in range(size)
    ]
    first = posts[-1]
    about = PageFactory(author=author, slug="about", show_in_menu=True)
    team = PageFactory(author=author, slug="team", parent=about, show_in_menu=True)
    for n in range(size - 1):
        PageFactory(author=author, show_in_menu=True, menu_order=n)
    for entry in (first, team):
        respond(entry, size)
    return first


def respond(entry, size):
    """`size` threaded responses on `entry`: comments, pingbacks, some with a website."""
    previous = None
    for n in range(size):
        previous = CommentFactory(
            post=entry,
            parent=previous if n % 2 else None,
            type="pingback" if n % 5 == 0 else "comment",
            author_url="https://example.org/" if n % 3 == 0 else "",
        )


def count_queries(client, url):
    """Queries for `url` with a cold cache (sidebar widgets and site settings counted too),
    then warm (the sidebar fragment and site settings come from the cache)."""
    counts = []
    cache.clear()
    for _ in ("cold", "warm"):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        counts.append(len(queries))
    return tuple(counts)


def queries_per_page(client, size):
    """Each page type's query count with `size` of everything, then the data is rolled back."""
    with transaction.atomic():
        post = build(size)
        counts = {name: count_queries(client, url(post)) for name, url in PAGES.items()}
        transaction.set_rollback(True)
    return counts


def test_query_counts_do_not_grow_with_content(client):
    """Home, single post, category, tag, date archives, author and page run as many queries
    with 50 posts, tags, categories and responses as with one, and no more than CEILING
    (cold); the printed pairs are (cold, warm) counts."""
    small = queries_per_page(client, 1)
    large = queries_per_page(client, 50)
    print("\nSQL queries per page:", small)
    assert large == small
    assert max(cold for cold, warm in small.values()) <= CEILING, small


def test_deep_pages_run_as_many_queries_however_many_posts_they_skip(client):
    """/page/2/ of the home page, an archive and search runs as many queries with 25 posts
    as with 60 (the skipped posts are read in the index, then one page of rows)."""
    SiteSettings.objects.get_or_create(pk=1)
    counts = []
    for size in (25, 60):
        with transaction.atomic():
            author = UserFactory(username="author")
            for n in range(size):
                PostFactory(
                    author=author, tags=["deep"], published_at=DAY + datetime.timedelta(minutes=n)
                )
            urls = ("/page/2/", "/2011/page/2/", "/tag/deep/page/2/", "/page/2/?s=post")
            counts.append({url: count_queries(client, url) for url in urls})
            transaction.set_rollback(True)
    assert counts[0] == counts[1]


def test_a_post_page_seen_before_runs_at_most_one_query(client):
    """A post page's second view runs at most POST_WARM_CEILING queries, with 50 posts,
    tags, categories and responses (it ran six)."""
    with transaction.atomic():
        post = build(50)
        cold, warm = count_queries(client, post.get_absolute_url())
        transaction.set_rollback(True)
    assert warm <= POST_WARM_CEILING, (cold, warm)
