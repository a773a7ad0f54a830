"""How a post page scales with its responses: SQL queries and render time with 10, 100 and
1,000 approved, threaded comments (issue 3's figures).

Builds a throw-away SQLite site in a temporary folder (whatever DATABASE_URL says),
renders each post page in-process with Django's test client (page cache off, so every
request renders), and prints the query count and the median and p95 render time of
several requests. Reads nothing it did not make and leaves nothing behind.

With --hostile, also a reply chain 10,000 deep and a post with 50,000 responses: the
default page's render time and size, and the first view after a response changed (pages
laid out again) and with nothing kept at all.

    python bench/comments_scale.py [--sizes 10 100 1000] [--repeat 15] [--hostile]
                                   [--json out.json]
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(folder):
    os.environ["BLOGCMS_VAR_DIR"] = str(folder)
    # Always a throw-away SQLite file: the bench must never write into a real database.
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["BLOGCMS_PAGE_CACHE"] = "0"
    os.environ["BLOGCMS_PLAIN_STATIC"] = "1"  # no collectstatic manifest needed
    (folder / "static").mkdir()
    os.environ["DJANGO_SETTINGS_MODULE"] = "blogcms.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)


def build(size):
    """A published post with `size` approved responses, threaded as the query-count test
    threads them (tests.comment_helpers.add_thread)."""
    import datetime

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from posts.models import Category, Post
    from tests.comment_helpers import add_thread

    author, _ = get_user_model().objects.get_or_create(username="bench-author")
    post = Post.objects.create(
        title=f"A post with {size} comments",
        slug=f"post-with-{size}-comments",
        author=author,
        body="<p>Words.</p>",
        status=Post.Status.PUBLISHED,
        published_at=timezone.now() - datetime.timedelta(days=1),
    )
    post.categories.add(Category.default())
    add_thread(post, size)
    return post


def build_chain(length):
    """A published post whose responses are one reply chain `length` deep (made in bulk,
    with ids given, so each can name its parent)."""
    import datetime

    from django.db.models import Max
    from django.utils import timezone

    from comments.models import Comment
    from comments.sanitize import render_comment

    post = build(0)
    post.slug, post.title = f"chain-{length}", f"A reply chain {length} deep"
    post.save()
    first = (Comment.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
    start = timezone.now() - datetime.timedelta(days=1)
    html = render_comment("And another thing.")
    Comment.objects.bulk_create(
        [
            Comment(
                pk=first + n,
                post=post,
                parent_id=first + n - 1 if n else None,
                status=Comment.Status.APPROVED,
                author_name=f"Replier {n % 7}",
                author_email=f"r{n % 7}@example.com",
                content="And another thing.",
                content_html=html,
                created_at=start + datetime.timedelta(seconds=n),
            )
            for n in range(length)
        ],
        batch_size=2000,
    )
    return post


def first_view(post):
    """The view right after a response changed (its pages laid out again, its comments'
    HTML kept), and the one after nothing is kept at all."""
    from django.core.cache import cache
    from django.test import Client

    from comments.paging import forget_layout

    client = Client()
    url = post.get_absolute_url()
    times = {}
    cache.clear()
    started = time.perf_counter()
    assert client.get(url).status_code == 200
    times["nothing_kept_ms"] = round((time.perf_counter() - started) * 1000, 1)
    forget_layout(post.pk)
    started = time.perf_counter()
    assert client.get(url).status_code == 200
    times["relaid_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return times


def measure(post, repeat):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    url = post.get_absolute_url()
    assert client.get(url).status_code == 200  # warm caches, as on a running site
    times, cpu = [], []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
        assert response.status_code == 200
    times.sort()
    return {
        "queries": len(queries.captured_queries),
        "median_ms": round(statistics.median(times), 1),
        # CPU time (SQLite runs in this process too) hardly depends on the machine's load.
        "cpu_ms": round(statistics.median(cpu), 1),
        "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
        "bytes": len(response.content),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument(
        "--hostile",
        action="store_true",
        help="also a reply chain 10,000 deep and a post with 50,000 responses",
    )
    parser.add_argument("--json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="blogcms-comments-bench-") as folder:
        setup(Path(folder))
        from django.db import connection

        results = {}
        print(f"database: {connection.vendor}")
        print(
            f"{'comments':>9} {'queries':>8} {'median ms':>10} {'p95 ms':>8} {'CPU ms':>7} "
            f"{'KiB':>7}"
        )
        for size in args.sizes:
            result = measure(build(size), args.repeat)
            results[size] = result
            print(
                f"{size:>9} {result['queries']:>8} {result['median_ms']:>10} "
                f"{result['p95_ms']:>8} {result['cpu_ms']:>7} {result['bytes'] / 1024:>7.0f}"
            )
        if args.hostile:
            print()
            print(
                f"{'hostile post':>24} {'queries':>8} {'median ms':>10} {'p95 ms':>8} "
                f"{'CPU ms':>7} {'KiB':>7} {'relaid ms':>10} {'cold ms':>8}"
            )
            for label, make in (
                ("chain 10,000 deep", lambda: build_chain(10_000)),
                ("50,000 responses", lambda: build(50_000)),
            ):
                post = make()
                result = {**measure(post, args.repeat), **first_view(post)}
                results[label] = result
                print(
                    f"{label:>24} {result['queries']:>8} {result['median_ms']:>10} "
                    f"{result['p95_ms']:>8} {result['cpu_ms']:>7} "
                    f"{result['bytes'] / 1024:>7.0f} {result['relaid_ms']:>10} "
                    f"{result['nothing_kept_ms']:>8}"
                )
        connection.close()
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
