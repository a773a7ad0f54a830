"""import_wordpress: a WordPress export (as WordPress 6.1 writes it) becomes the same blog
here, every old URL answers, and a second run changes nothing."""

import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.wxr_import import write_blog
from comments.linkbacks.models import OutgoingPing
from comments.models import Comment
from posts.models import Category, OldSlug, Post
from tests.factories import PostFactory
from wxr.models import WordPressID

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "wxr"
WP61 = DATA / "wp61-multiauthor.xml"


@pytest.fixture(autouse=True)
def _old_blogs_time_zone(settings):
    """The old blog ran on New York time: this site is set up the same way."""
    settings.TIME_ZONE = "America/New_York"


def run_import(path, *extra):
    out = io.StringIO()
    call_command("import_wordpress", str(path), *extra, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def post(wp_id):
    return Post.objects.get(wordpress_ids__wp_id=wp_id)


def comment(wp_id):
    return Comment.objects.get(pk=WordPressID.objects.get(kind="comment", wp_id=wp_id).comment_id)


def test_authors_become_users_who_must_set_a_password():
    """Each wp:author is a user matched by login, with the export's names and email, and no
    usable password until one is set."""
    run_import(WP61)
    maria = get_user_model().objects.get(username="maria")
    assert (maria.email, maria.get_full_name()) == ("maria@barrio.example", "María Pérez")
    assert not maria.has_usable_password()
    assert maria.is_staff and maria.groups.filter(name="Author").exists()
    assert get_user_model().objects.get(username="admin").get_full_name() == "Barrio Desk"


def test_an_author_whose_login_exists_is_that_user(django_user_model):
    """Authors are matched by login: an existing user is reused, not changed or doubled."""
    maria = django_user_model.objects.create_user("maria", "m@new.example", "pw-12345-long")
    run_import(WP61)
    assert post(10).author == maria
    maria.refresh_from_db()
    assert maria.email == "m@new.example" and maria.check_password("pw-12345-long")


def test_categories_keep_their_tree_slugs_and_descriptions():
    """Categories keep parent, slug (a percent-encoded Cyrillic one as text) and description."""
    run_import(WP61)
    news = Category.objects.get(slug="news")
    assert news.description == "What happened this week"
    assert Category.objects.get(slug="city-hall").parent == news
    russian = Category.objects.get(slug="новости")
    assert (russian.name, russian.path) == ("Новости", "news/новости")
    assert list(post(10).categories.values_list("slug", flat=True)) == ["city-hall"]
    assert list(post(5).tags.names()) == ["Café"]


def test_block_comments_and_autop_become_stored_markup():
    """A block post loses its <!-- wp:… --> delimiters; a classic post gets wpautop's
    paragraphs and line breaks; a caption stays a paragraph under its image; a script goes."""
    run_import(WP61)
    block = post(10).body
    assert "wp:" not in block and "<!--" not in block
    assert "<p>The council <strong>moved</strong> the hearing.</p>" in block
    assert "<h2>What changes</h2>" in block and "<p>City hall at dusk</p>" in block
    assert "<script" not in block and "alert" not in block
    classic = post(5).body
    assert classic.startswith("<p>The new café on <strong>Fifth</strong> opened today.<br>")
    assert 'src="https://barrio.example/wp-content/uploads/2021/12/cafe-300x200.jpg"' in classic
    assert "<p>The counter, at 7 am</p>" in classic
    assert "<h2>Menu</h2>" in classic  # an h1 is the editor's highest heading, h2
    assert "<pre>open: 7–15\nclosed: Mon</pre>" in classic
    assert "<p>Come by.</p>" in classic and "<p></p>" not in classic


def test_status_dates_sticky_and_discussion_settings_come_over():
    """publish, future (scheduled), draft, pending and private map to blogcms's statuses;
    the GMT date is the publish date; sticky, comment and ping status are kept."""
    run_import(WP61)
    hearing = post(10)
    assert hearing.status == Post.Status.PUBLISHED and hearing.sticky
    assert hearing.published_at.isoformat() == "2022-03-14T21:30:00+00:00"
    assert hearing.modified_at.isoformat() == "2022-03-15T13:00:00+00:00"
    assert hearing.excerpt == "The hearing moves to Thursday."
    assert (hearing.comments_open, hearing.pings_open) == (True, False)
    assert post(32).is_scheduled
    assert post(31).status == Post.Status.DRAFT
    # A draft's GMT date is 0000-00-00: its local date is read in the site's time zone.
    assert post(31).published_at.isoformat() == "2022-03-15T13:00:00+00:00"
    assert post(34).status == Post.Status.PENDING and post(34).slug == "pending-review-piece"
    assert post(33).status == Post.Status.PRIVATE


def test_comments_keep_threads_statuses_types_and_authors():
    """Comments keep their thread, status (approved, held, spam, trash), type (pingback,
    trackback), name, email, URL, IP, date and user; their HTML goes through the comment
    sanitizer."""
    run_import(WP61)
    first, reply = comment(21), comment(22)
    assert reply.parent == first and reply.user.username == "maria"
    assert (first.author_name, first.author_email, first.author_url, first.author_ip) == (
        "Lupe",
        "lupe@mail.example",
        "https://lupe.example/",
        "203.0.113.7",
    )
    assert first.created_at.isoformat() == "2022-03-14T22:02:11+00:00"
    assert "<em>parking</em>" in first.content_html and "<script" not in first.content_html
    assert "<script>" in first.content  # the raw text is kept, as for any comment
    assert comment(23).type == Comment.Type.PINGBACK
    assert comment(26).type == Comment.Type.TRACKBACK
    assert [comment(n).status for n in (21, 24, 25, 26)] == ["approved", "spam", "pending", "trash"]
    assert comment(25).author_ip is None  # "unknown" is no address


def test_old_permalinks_answer(client):
    """/YYYY/MM/DD/slug/ (a Cyrillic slug percent-encoded as WordPress wrote it) answers,
    and /?p=ID with the old WordPress ID moves to the post."""
    run_import(WP61)
    assert client.get("/2021/12/31/cafe-con-leche/").status_code == 200
    cyrillic = (
        "/2022/05/02/%d0%bd%d0%be%d0%b2%d0%be%d1%81%d1%82%d0%b8-"
        "%d1%80%d0%b0%d0%b9%d0%be%d0%bd%d0%b0/"
    )
    assert client.get(cyrillic).status_code == 200
    response = client.get("/?p=10")
    assert response.status_code == 301
    assert response["Location"] == "/2022/03/14/budget-hearing/"


def test_an_old_id_wins_over_a_local_post_with_that_pk(client, tmp_path):
    """?p=N names the imported post whose WordPress ID is N, even when a post made here has
    N as its primary key: the old blog's links are the ones out in the world."""
    ours = PostFactory()
    run_import(write_blog(tmp_path / "one.xml", 1, comments=0, start=ours.pk))
    imported = Post.objects.get(wordpress_ids__wp_id=ours.pk)
    assert imported != ours
    assert list(Post.objects.with_query_id(str(ours.pk))) == [imported]
    assert list(Post.objects.with_query_id(str(imported.pk))) == [imported]  # its own pk too


def test_a_second_run_changes_nothing():
    """Importing the same file again adds nothing and changes nothing (matched by the
    WordPress IDs the first run kept), and says so."""
    run_import(WP61)
    before = (Post.objects.count(), Comment.objects.count(), Category.objects.count())
    bodies = list(Post.objects.values_list("pk", "body", "modified_at"))
    summary = run_import(WP61)
    assert (Post.objects.count(), Comment.objects.count(), Category.objects.count()) == before
    assert list(Post.objects.values_list("pk", "body", "modified_at")) == bodies
    assert "posts: 0 new, 7 already imported" in summary
    assert "comments: 0 new, 4 already imported" in summary


def test_a_later_export_adds_only_what_is_new():
    """A later export of the same blog (here WXR 1.1) adds its new post and the new reply
    to an old comment, threaded under it."""
    run_import(WP61)
    summary = run_import(DATA / "wp61-later.xml")
    assert "posts: 1 new, 1 already imported" in summary
    assert "comments: 1 new, 1 already imported" in summary
    assert post(50).title == "Hearing outcome"
    assert comment(27).parent == comment(21)
    assert Post.objects.posts().count() == 8


def test_shortcodes_left_as_text_are_named_in_the_summary(tmp_path):
    """A post holding a [gallery] (which needs the media library) is imported with the
    shortcode as text, and the summary names it."""
    text = (DATA / "wp61-later.xml").read_text(encoding="utf-8")
    path = tmp_path / "gallery.xml"
    path.write_text(
        text.replace("The budget passed.", '[gallery ids="3,4"]\n\nThe budget passed.'), "utf-8"
    )
    summary = run_import(path)
    assert '<p>[gallery ids="3,4"]</p>' in post(50).body
    assert (
        'shortcodes blogcms does not run, kept as text: post 50 "Hearing outcome" [gallery]'
        in summary
    )


def test_the_summary_says_what_was_skipped_and_why():
    """Counts per kind, and each skipped kind with its reason and the items it names."""
    summary = run_import(WP61)
    assert "authors: 3 new" in summary and "categories: 4 new" in summary
    assert "posts: 7 new" in summary and "pingbacks: 2 new" in summary
    assert '1 × in WordPress\'s trash: post 35 "Old rumour"' in summary
    assert "pages: 1 new" in summary
    assert "1 × attachments: no --media-dir given" in summary
    assert "nav_menu_item items (site machinery, not content)" in summary
    assert not Post.objects.filter(title__in=["Old rumour", "hall", "Home"]).exists()


def test_colliding_slugs_get_a_suffix_and_public_posts_keep_theirs(client):
    """A draft sharing a published post's slug gets -2 (wp_unique_post_slug); an imported
    post whose slug a post here already has gets -2 too, and its old link redirects."""
    PostFactory(slug="cafe-con-leche")
    run_import(WP61)
    assert post(10).slug == "budget-hearing" and post(31).slug == "budget-hearing-2"
    assert post(5).slug == "cafe-con-leche-2"
    assert OldSlug.objects.get(slug="cafe-con-leche").post == post(5)
    response = client.get("/2021/12/31/cafe-con-leche/")
    assert response.status_code == 301 and response["Location"].endswith("cafe-con-leche-2/")


def test_a_password_protected_post_stays_out_of_public_view(tmp_path):
    """blogcms has no post passwords: a protected post is imported as private, and the
    summary says so, rather than published for all to read."""
    text = (DATA / "wp61-later.xml").read_text(encoding="utf-8")
    path = tmp_path / "protected.xml"
    path.write_text(
        text.replace(
            "<wp:post_password></wp:post_password>", "<wp:post_password>s3</wp:post_password>"
        ),
        encoding="utf-8",
    )
    summary = run_import(path)
    assert post(50).status == post(10).status == Post.Status.PRIVATE
    assert "Warning: 2 × password-protected posts imported as private" in summary


def test_no_linkback_is_sent_for_imported_posts(settings):
    """Imported posts ping nobody: the old blog did that when they were published."""
    run_import(DATA / "wp61-later.xml")
    assert "https://councilwatch.example/" in post(50).body
    assert not OutgoingPing.objects.exists()


def test_wxr_1_0_without_an_author_list_imports():
    """WXR 1.0 (WordPress 2.x) lists no authors: dc:creator makes them; its excerpt and wp
    namespaces are the 1.0 ones."""
    summary = run_import(DATA / "wp27-wxr10.xml")
    old = post(3)
    assert old.author.username == "editor" and old.excerpt == "Short version."
    assert old.body == "<p>First post on the old blog.</p>"
    assert comment(1).status == "approved"
    assert "WXR 1.0" in summary


def test_a_broken_item_is_skipped_alone_with_its_comments():
    """An item whose date is not a date is named in the summary and skipped with its
    comments; the rest of the file is imported."""
    summary = run_import(DATA / "broken-date.xml")
    assert '1 × its post_date is not a date: post 2 "Bad date"' in summary
    assert "1 × comments on skipped items" in summary
    assert Post.objects.get().title == "Good"


def test_a_time_zone_other_than_the_old_blogs_is_warned_about(settings):
    """Permalinks carry the local date: when this site's TIME_ZONE is not the old blog's,
    the summary says how many links would move and what to set."""
    settings.TIME_ZONE = "UTC"
    summary = run_import(WP61)
    assert "Warning: 1 posts were dated on the old blog in a time zone (UTC-5)" in summary
    assert "Set TIME_ZONE" in summary


def test_import_queries_do_not_grow_with_posts(tmp_path):
    """Posts, terms and comments are written a batch at a time: 3 or 30 posts with their
    comments take the same number of queries (fewer than 71 comments: SQLite splits larger
    INSERTs at its 999-parameter limit, by size, not per row)."""
    run_import(write_blog(tmp_path / "first.xml", 1, comments=2, start=1))  # authors, terms
    counts = []
    for n in (3, 30):
        path = write_blog(tmp_path / f"{n}.xml", n, comments=2, start=n * 100)
        with CaptureQueriesContext(connection) as queries:
            run_import(path)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert Comment.objects.count() == 2 * 34


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_terminal_sees_a_progress_bar():
    """On a terminal, stderr shows a bar that ends at 100% with the item count; a log file
    (not a terminal) gets the summary only."""
    terminal, log = Terminal(), io.StringIO()
    call_command("import_wordpress", str(WP61), stdout=io.StringIO(), stderr=terminal)
    assert terminal.getvalue().rstrip().endswith("] 100% 11/11 items")
    assert "[" in terminal.getvalue() and "\r" in terminal.getvalue()
    call_command("import_wordpress", str(WP61), stdout=io.StringIO(), stderr=log)
    assert log.getvalue() == ""


def test_another_blogs_export_is_refused_unless_it_is_the_same_blog_moved():
    """WordPress IDs are per blog: a second blog's file is refused (its post 3 is not our
    post 3), with what to do; --same-blog imports a blog that changed address."""
    run_import(WP61)
    with pytest.raises(CommandError, match="already holds an import of https://barrio.example"):
        run_import(DATA / "wp27-wxr10.xml")
    assert not Post.objects.filter(title="Hello world!").exists()
    run_import(DATA / "wp27-wxr10.xml", "--same-blog")
    assert Post.objects.filter(title="Hello world!").exists()


def test_a_reply_to_a_missing_comment_starts_its_own_thread(tmp_path):
    """A reply whose parent is neither in the file nor imported before is kept, at the top
    of its thread, and the summary says which."""
    text = (DATA / "wp61-later.xml").read_text(encoding="utf-8")
    path = tmp_path / "orphan.xml"
    path.write_text(text.replace("<wp:comment_parent>21<", "<wp:comment_parent>99<"), "utf-8")
    summary = run_import(path)
    assert comment(27).parent is None
    assert "Warning: 1 × replies to a comment not in the file" in summary
    assert "comment 27 (reply to 99)" in summary


def test_an_import_leaves_the_stored_counts_exact():
    """bulk_create sends no signals: after an import, each post's stored response count and
    each category's post count are what the tables hold (listings and the sidebar read
    them, never counting)."""
    from django.db.models import Count, Q

    from posts.models import Category

    run_import(WP61)
    approved = Q(responses__status=Comment.Status.APPROVED)
    counted = Post.objects.annotate(n=Count("responses", filter=approved))
    assert any(p.n for p in counted)
    assert {p.pk: p.response_count for p in counted} == {p.pk: p.n for p in counted}
    published = Q(posts__status=Post.Status.PUBLISHED, posts__post_type="post")
    categories = Category.objects.annotate(n=Count("posts", filter=published))
    assert any(c.n for c in categories)
    assert {c.pk: c.post_count for c in categories} == {c.pk: c.n for c in categories}
