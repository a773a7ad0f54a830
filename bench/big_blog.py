"""A big blog on PostgreSQL: every page type's time with 100,000 posts, 1,000,000 comments,
5,000 tags and 500 categories, next to the same pages on a small blog (2% of it), measured
in one process, uncached (page cache off), with the EXPLAIN of each page's queries.

The data is made in bulk by PostgreSQL itself (generate_series INSERT … SELECT: a minute or
two for a million comments), stored counts and search vectors included, then VACUUM ANALYZE.
Both databases are kept between runs; --rebuild makes them again.

    python bench/big_blog.py [--rebuild] [--repeat 5] [--explain] [--json out.json]
        [--posts 100000 --comments 1000000 --tags 5000 --categories 500]

The big database is BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/
blogcms_bench); the small one has the same name with a "_small" suffix. Each page must stay
within 2x of its small-blog time: the table's last column says whether it does.
"""

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/blogcms_bench"
SMALL_SHARE = 50  # the small blog is the big one divided by this
LIMIT = 2.0  # a page may take at most this many times its small-blog time
COMMON_WORD = "blog"  # in every post
RARE_WORD = "quetzalcoatl"  # in one post in 20,000
BIG_THREAD = 2000  # comments on the bench's busiest post
SMALL_THREAD = 50
WORD_TEXT = (
    "the county program letter answer hearing river garden city council winter "
    "summer music school teacher market bridge railway harbour library museum "
    "theatre bakery festival election budget street forest mountain island weather "
    "recipe bicycle coffee travel history science painting poetry football cricket "
    "chess camera journal kitchen village planet ocean desert meadow lantern violin "
    "archive"
)
WORDS = WORD_TEXT.split()


def database_url(base, suffix=""):
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=parts.path + suffix))


def setup(folder, url):
    os.environ["BLOGCMS_VAR_DIR"] = str(folder)
    os.environ["DATABASE_URL"] = url
    os.environ["BLOGCMS_PAGE_CACHE"] = "0"
    os.environ["BLOGCMS_PLAIN_STATIC"] = "1"
    os.environ["DJANGO_SETTINGS_MODULE"] = "blogcms.settings"
    (folder / "static").mkdir(exist_ok=True)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DEBUG = False
    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # failures are in the table


def use_database(url, rebuild):
    """Point the default connection at `url`, creating (or, with rebuild, recreating) the
    database, and migrate it."""
    import dj_database_url
    import psycopg
    from django.core.management import call_command
    from django.db import connection

    connection.close()
    config = dj_database_url.parse(url)
    name = config["NAME"]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and rebuild:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    connection.settings_dict.update(NAME=name, CONN_MAX_AGE=600)
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


def column_defaults(model, given):
    """Every concrete column of `model` not in `given`, with its field's default, so the
    generator keeps working when a column is added (a NULL where the field allows one)."""
    from django.db import connection

    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.column in given:
            continue
        if field.has_default():
            value = field.get_db_prep_save(field.get_default(), connection)
        elif field.null:
            value = None
        else:
            value = field.get_db_prep_save(field.to_python(""), connection)
        columns.append(field.column)
        values.append(value)
    return columns, values


def insert_select(model, given, source):
    """INSERT INTO model's table the columns `given` ({column: SQL expression over `source`})
    plus every other column at its default, one statement."""
    from django.db import connection

    columns, values = column_defaults(model, given)
    names = ", ".join([*given, *columns])
    exprs = ", ".join([*(e.replace("%", "%%") for e in given.values()), *["%s"] * len(values)])
    source = source.replace("%", "%%")
    sql = f"INSERT INTO {model._meta.db_table} ({names}) SELECT {exprs} FROM {source}"
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.rowcount


def generate(posts, comments, tags, categories, vacuum=True):
    """Fill the database in bulk. Posts are ten minutes apart up to now (five scheduled after
    it), nearly all published; each in one or two categories and three tags (a few tags very
    popular); comments spread over the posts, 90% approved, with one post of BIG_THREAD and
    one of SMALL_THREAD comments."""
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from taggit.models import Tag, TaggedItem

    from blogcms.models import SiteSettings
    from comments.models import Comment
    from posts.counts import count_all
    from posts.models import Category, Post

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        SiteSettings.objects.get_or_create(pk=1)
        author, _ = get_user_model().objects.get_or_create(
            username="bench-author", defaults={"first_name": "Bench", "last_name": "Author"}
        )
        cursor.execute("SELECT setseed(0.42)")
        insert_select(
            Category,
            {
                "name": "'Category ' || g",
                "slug": "'category-' || g",
                "path": "'category-' || g",
                "description": "''",
            },
            f"generate_series(1, {categories}) g",
        )
        insert_select(
            Tag, {"name": "'tag ' || g", "slug": "'tag-' || g"}, f"generate_series(1, {tags}) g"
        )
        words = "ARRAY[" + ", ".join(f"'{w}'" for w in WORDS) + "]"
        body = (
            f"'<p>A {COMMON_WORD} post, number ' || g || '. ' || "
            f"array_to_string(ARRAY(SELECT ({words})[1 + ((g * 7919 + i * 104729) % "
            f"{len(WORDS)})] FROM generate_series(1, 80) i), ' ') || "
            f"CASE WHEN g % 20000 = 7 THEN ' {RARE_WORD}' ELSE '' END || '.</p>'"
        )
        published = f"now() - ({posts - 5} - g) * interval '10 minutes'"
        insert_select(
            Post,
            {
                "title": f"'Post ' || g || ' about the ' || ({words})[1 + (g % {len(WORDS)})]",
                "slug": "'post-' || g",
                "post_type": "'post'",
                "author_id": str(author.pk),
                "body": body,
                "status": "CASE WHEN g % 97 = 0 THEN 'draft' ELSE 'publish' END",
                "published_at": published,
                "created_at": published,
                "modified_at": published,
                "sticky": "g = 1",
                "comments_open": "true",
                "pings_open": "true",
            },
            f"generate_series(1, {posts}) g",
        )
        insert_select(
            Post,
            {
                "title": "'Page ' || g",
                "slug": "'page-' || g",
                "path": "'page-' || g",
                "post_type": "'page'",
                "author_id": str(author.pk),
                "body": f"'<p>A page of the {COMMON_WORD}.</p>'",
                "status": "'publish'",
                "published_at": "now() - interval '800 days'",
                "created_at": "now() - interval '800 days'",
                "modified_at": "now() - interval '800 days'",
                "show_in_menu": "g <= 5",
                "menu_order": "g",
            },
            "generate_series(1, 10) g",
        )
        cursor.execute(
            """
            INSERT INTO posts_post_categories (post_id, category_id)
            SELECT p.id, c.id FROM posts_post p
            JOIN posts_category c ON c.slug = 'category-' || (1 + p.id %% %s)
            WHERE p.post_type = 'post'
            UNION
            SELECT p.id, c.id FROM posts_post p
            JOIN posts_category c ON c.slug = 'category-' || (1 + (p.id * 7) %% %s)
            WHERE p.post_type = 'post' AND p.id %% 3 = 0
            """,
            [categories, categories],
        )
        content_type = ContentType.objects.get_for_model(Post)
        first_tag = Tag.objects.order_by("pk").values_list("pk", flat=True).first()
        # Three tags a post, skewed: the first tags are on a large share of posts.
        cursor.execute(
            f"""
            INSERT INTO {TaggedItem._meta.db_table} (object_id, content_type_id, tag_id)
            SELECT DISTINCT s.id, %s, %s + s.n FROM (
                SELECT p.id, floor(%s * power(random(), 3))::int AS n
                FROM posts_post p CROSS JOIN generate_series(1, 3) k
                WHERE p.post_type = 'post'
            ) s
            """,
            [content_type.pk, first_tag, tags],
        )
        cursor.execute(
            "SELECT id FROM posts_post WHERE post_type = 'post' AND status = 'publish' "
            "AND published_at <= now() ORDER BY published_at DESC OFFSET 2 LIMIT 2"
        )
        big_post, small_post = (row[0] for row in cursor.fetchall())
        cursor.execute("SELECT min(id) FROM posts_post WHERE post_type = 'post'")
        low = cursor.fetchone()[0]
        spread = min(big_post, small_post) - 5 - low
        post_of = (
            f"CASE WHEN g <= {BIG_THREAD} THEN {big_post} "
            f"WHEN g <= {BIG_THREAD + SMALL_THREAD} THEN {small_post} "
            f"ELSE {low} + floor(random() * {spread})::bigint END"
        )
        insert_select(
            Comment,
            {
                "post_id": "x.id",
                "type": "CASE WHEN g % 20 = 0 THEN 'pingback' ELSE 'comment' END",
                "status": (
                    f"CASE WHEN g <= {BIG_THREAD + SMALL_THREAD} OR g % 100 < 90 THEN 'approved' "
                    "WHEN g % 100 < 97 THEN 'pending' WHEN g % 100 < 99 THEN 'spam' "
                    "ELSE 'trash' END"
                ),
                "author_name": "'Reader ' || (g % 5000)",
                "author_email": "'reader' || (g % 5000) || '@example.com'",
                "author_url": "CASE WHEN g % 3 = 0 THEN 'https://example.org/' ELSE '' END",
                "author_ip": "('203.0.113.' || (g % 250))::inet",
                "content": "'Comment ' || g || ': I read the whole post and agree.'",
                "content_html": "'<p>Comment ' || g || ': I read the whole post and agree.</p>'",
                "created_at": "x.published_at + (g % 1000) * interval '1 minute'",
                "updated_at": "x.published_at + (g % 1000) * interval '1 minute'",
            },
            f"""(SELECT g, {post_of} AS post_id FROM generate_series(1, {comments}) g) s
            JOIN posts_post x ON x.id = s.post_id""",
        )
        # Two in three comments of the busiest posts answer the one before (threads).
        cursor.execute(
            """UPDATE comments_comment SET parent_id = id - 1
            WHERE post_id IN (%s, %s) AND id %% 3 <> 0
            AND id - 1 IN (SELECT id FROM comments_comment WHERE post_id IN (%s, %s))""",
            [big_post, small_post, big_post, small_post],
        )
        # The stored counts, as comments.models.count_responses keeps them, in one pass.
        cursor.execute(
            """UPDATE posts_post p SET response_count = c.n, last_response_at = c.last
            FROM (SELECT post_id, count(*) AS n, max(updated_at) AS last
                  FROM comments_comment WHERE status = 'approved' GROUP BY post_id) c
            WHERE p.id = c.post_id"""
        )
        count_all()  # categories' and tags' stored counts (posts.counts)
        get_user_model().objects.filter(username="bench-admin").delete()
        get_user_model().objects.create_superuser("bench-admin", "admin@example.com", "x")
    if vacuum:  # (not inside a test's transaction)
        connection.set_autocommit(True)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    print(f"  generated in {time.perf_counter() - started:.0f} s", flush=True)


def is_filled(posts):
    from posts.models import Post

    return Post.objects.posts().count() == posts


def pages():
    """(label, url, user): what the table measures, found in the data."""
    from django.db.models import Count
    from django.utils import timezone
    from taggit.models import Tag

    from posts.models import Category, Post

    big = Post.objects.posts().order_by("-response_count").first()
    small = Post.objects.posts().filter(response_count=SMALL_THREAD).first()
    popular = Tag.objects.annotate(n=Count("taggit_taggeditem_items")).order_by("-n").first()
    category = Category.objects.get(slug="category-1")
    month = timezone.localtime(small.published_at)
    last_page = min(500, -(-Post.objects.posts().published().count() // 10))
    return [
        # As a logged-in reader reads them: nothing of the post is kept for them
        # (posts.kept), so every query runs, as for the first visitor after a change.
        (f"post, {SMALL_THREAD} comments", small.get_absolute_url(), "reader"),
        (f"post, {BIG_THREAD} comments", big.get_absolute_url(), "reader"),
        ("home", "/", None),
        ("home, page 500 (or the last)", f"/page/{last_page}/", None),
        ("tag archive (most used)", f"/tag/{popular.slug}/", None),
        ("category archive", category.get_absolute_url(), None),
        ("month archive", f"/{month.year}/{month.month:02d}/", None),
        ("search, common word", f"/?s={COMMON_WORD}", None),
        ("search, rare word", f"/?s={RARE_WORD}", None),
        ("feed", "/feed/", None),
        ("comments feed", "/comments/feed/", None),
        ("sitemap index", "/sitemap.xml", None),
        ("sitemap page", "/sitemap-posts.xml?p=PAGE", None),
        ("sidebar widgets, cold", "SIDEBAR", None),
        ("admin: posts", "/admin/posts/post/", "admin"),
        ("admin: comments", "/admin/comments/comment/", "admin"),
        ("admin: comments pending", "/admin/comments/comment/?status__exact=pending", "admin"),
    ]


SIDEBAR = (
    "{% load sidebar %}{% recent_posts %}{% recent_comments %}{% archives %}{% categories %}"
    "{% tag_cloud %}"
)


class Probe:
    """One page of one blog, ready to be timed: made while that blog's database is active."""

    def __init__(self, label, url, user):
        from django.core.cache import caches
        from django.template import engines
        from django.test import Client

        self.label, self.url, self.times, self.queries = label, url, [], []
        self.client = Client()
        if user:
            from django.contrib.auth import get_user_model

            login, _ = get_user_model().objects.get_or_create(username=f"bench-{user}")
            self.client.force_login(login)
        self.prepare = lambda: None
        if url == "SIDEBAR":
            template = engines["django"].from_string(SIDEBAR)
            # The sidebar's fragments: each run renders them cold.
            self.prepare = caches["default"].clear
            self.request = lambda: template.render({})
        else:
            self.request = self.get

    def get(self):
        response = self.client.get(self.url)
        assert response.status_code == 200, (self.url, response.status_code)

    def run(self, timed=True):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.prepare()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            self.request()
            elapsed = (time.perf_counter() - started) * 1000
        if timed:
            self.times.append(elapsed)
            self.queries = [q["sql"] for q in queries.captured_queries]

    def result(self):
        if not self.times:
            nan = float("nan")
            return {"url": self.url, "best_ms": nan, "median_ms": nan, "queries": []}
        return {
            "url": self.url,
            "median_ms": round(statistics.median(self.times), 1),
            "best_ms": round(min(self.times), 1),
            "queries": self.queries,
        }


def explain(sql, full):
    """The plan of one captured query: whole, or its scan lines only."""
    from django.db import connection

    if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
        return []
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        lines = [row[0] for row in cursor.fetchall()]
    if full:
        return lines
    return [
        line.strip()
        for line in lines
        if "Scan" in line or "Sort " in line.lstrip("-> ").split("(")[0] + " "
    ]


def open_blog(url, rebuild, sizes, only=""):
    """Make `url` the active database (generated when needed) and its probes; returns
    (its connection, its probes)."""
    from django.db import connections

    use_database(url, rebuild)
    if rebuild or not is_filled(sizes["posts"]):
        print(f"generating {sizes} …", flush=True)
        if not rebuild:
            use_database(url, True)
        generate(**sizes)
    from posts.sitemaps import URLS_PER_PAGE

    sitemap_page = str(max(1, sizes["posts"] // URLS_PER_PAGE // 2))
    probes = [
        Probe(label, url.replace("PAGE", sitemap_page), user)
        for label, url, user in pages()
        if only in label
    ]
    return connections["default"], probes


def activate(wrapper, name):
    """Make `wrapper` (one blog's own connection) Django's default, with its own cache keys."""
    from django.core.cache import caches
    from django.db import connections

    connections["default"] = wrapper
    caches["default"].key_prefix = name


def measure(blogs, repeat):
    """Each page on each blog in turn, `repeat` times after a warm-up, so that both blogs
    meet the same load from the rest of the machine."""
    for index in range(len(blogs[0][2])):
        for run in range(repeat + 1):
            for name, wrapper, probes in blogs:
                activate(wrapper, name)
                probe = probes[index]
                try:
                    probe.run(timed=run > 0)
                except Exception as error:  # noqa: BLE001 - a failing page is reported
                    print(f"  {name} {probe.label}: FAILED {error!r}"[:300], flush=True)
                    break
        line = "  ".join(
            f"{name} best {probes[index].result()['best_ms']:>8.1f} ms" for name, _, probes in blogs
        )
        print(f"  {blogs[0][2][index].label:<28} {line}", flush=True)
    return [{p.label: p.result() for p in probes} for _, _, probes in blogs]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="generate both databases again")
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--tags", type=int, default=5_000)
    parser.add_argument("--categories", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--explain", action="store_true", help="whole plans, not scan lines")
    parser.add_argument("--json")
    parser.add_argument("--only", default="", help="the pages whose label holds this text")
    args = parser.parse_args()
    big_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    big_sizes = {
        "posts": args.posts,
        "comments": args.comments,
        "tags": args.tags,
        "categories": args.categories,
    }
    small_sizes = {key: max(10, value // SMALL_SHARE) for key, value in big_sizes.items()}
    small_sizes["comments"] = max(small_sizes["comments"], BIG_THREAD + SMALL_THREAD + 100)
    with tempfile.TemporaryDirectory(prefix="blogcms-big-blog-") as folder:
        setup(Path(folder), big_url)
        import dj_database_url
        from django.db import connections

        blogs = []
        for size_name, url, sizes in (
            ("small", database_url(big_url, "_small"), small_sizes),
            ("big", big_url, big_sizes),
        ):
            print(f"{size_name} blog {sizes}", flush=True)
            wrapper, probes = open_blog(url, args.rebuild, sizes, args.only)
            blogs.append((size_name, wrapper, probes))
            # The next blog gets a connection of its own (this one stays open for it).
            settings_dict = {
                **wrapper.settings_dict,
                "NAME": dj_database_url.parse(big_url)["NAME"],
            }
            connections["default"] = type(wrapper)(settings_dict, "default")
        small, big = measure(blogs, args.repeat)
        activate(blogs[1][1], "big")
        print(
            "\nEXPLAIN of each page's queries on the big blog"
            + (":" if args.explain else " (scan and sort lines; --explain for whole plans):")
        )
        for label, result in big.items():
            print(f"\n== {label}: {result['url']}")
            for n, sql in enumerate(result["queries"], 1):
                plan = explain(sql, args.explain)
                if plan:
                    print(f"  [{n}] {sql[:110]}")
                    for line in plan:
                        print(f"        {line}")
        for _, wrapper, _ in blogs:
            wrapper.close()
    # Best of the runs: on a shared machine the median measures the neighbours too.
    print(
        f"\n{'page':<28} {'small ms':>9} {'big ms':>9} {'ratio':>6} {'queries':>8}  within 2x"
        "   (best of each page's runs)"
    )
    failures = []
    for label, result in big.items():
        base = small[label]["best_ms"]
        ratio = result["best_ms"] / base if base else float("inf")
        ok = ratio <= LIMIT  # False for a failed page (NaN)
        if not ok:
            failures.append(label)
        print(
            f"{label:<28} {base:>9.1f} {result['best_ms']:>9.1f} {ratio:>6.2f} "
            f"{len(result['queries']):>8}  {'yes' if ok else 'NO'}"
        )
    if args.json:
        for side in (small, big):
            for result in side.values():
                result["queries"] = len(result["queries"])
        Path(args.json).write_text(json.dumps({"small": small, "big": big}, indent=2))
    if failures:
        print(f"\nover {LIMIT}x: {', '.join(failures)}")
        sys.exit(1)


if __name__ == "__main__":
    main()
