"""Hostile and broken export files are refused with a clear message, before anything is
stored; a huge file is read in bounded memory."""

import io
import tracemalloc
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from bench.wxr_import import write_blog
from posts.models import Category, Post
from wxr.parse import WXRError, read
from wxr.records import Item

DATA = Path(__file__).parent / "data" / "wxr"
HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
{doctype}<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>T</title><wp:wxr_version>1.2</wp:wxr_version>
<wp:author><wp:author_id>1</wp:author_id><wp:author_login>admin</wp:author_login></wp:author>
<wp:category><wp:term_id>2</wp:term_id><wp:category_nicename>news</wp:category_nicename><wp:cat_name>News</wp:cat_name></wp:category>
"""
LAUGHS = """<!DOCTYPE rss [
 <!ENTITY a "aaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>
"""
EXTERNAL = '<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'


def import_text(tmp_path, text):
    path = tmp_path / "export.xml"
    path.write_text(text, encoding="utf-8")
    call_command("import_wordpress", str(path), stdout=io.StringIO(), stderr=io.StringIO())


def item(n, title="A post"):
    return (
        f"<item><title>{title}</title><dc:creator>admin</dc:creator><wp:post_id>{n}</wp:post_id>"
        "<wp:post_date>2022-01-01 10:00:00</wp:post_date><wp:status>publish</wp:status>"
        "<wp:post_type>post</wp:post_type><wp:post_name>p{n}</wp:post_name></item>\n"
    )


def assert_nothing_stored():
    assert not Post.objects.exists()
    assert not Category.objects.exists()
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("doctype", [LAUGHS, EXTERNAL], ids=["entity-expansion", "external"])
def test_entities_and_dtds_are_refused_unread(tmp_path, doctype):
    """A DTD with entities (billion laughs, an external file) is refused: WordPress never
    writes one, and nothing is expanded, fetched or stored."""
    body = HEAD.format(doctype=doctype) + item(1, "&c;") + "</channel></rss>"
    with pytest.raises(CommandError, match="declares a DTD or entities.*Nothing was imported"):
        import_text(tmp_path, body)
    assert_nothing_stored()


@pytest.mark.django_db
def test_a_truncated_file_fails_naming_the_last_item_and_stores_nothing(tmp_path):
    """A file cut short is refused with its line and the last item read; the items before
    the break are not imported either (the whole file is checked first)."""
    body = HEAD.format(doctype="") + item(1, "First") + item(2, "Second") + "<item><title>Thi"
    with pytest.raises(CommandError) as failure:
        import_text(tmp_path, body)
    message = str(failure.value)
    assert "broken at line 9" in message and 'after post 2 "Second"' in message
    assert_nothing_stored()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text, message",
    [
        ("<html><body>hi</body></html>", "not an RSS file"),
        ('<rss version="2.0"><channel><title>A feed</title><item/></channel></rss>', "no wp:wxr"),
        ("", "broken at line 1"),
    ],
    ids=["html", "plain-rss", "empty"],
)
def test_a_file_that_is_not_an_export_says_so(tmp_path, text, message):
    """An HTML page, a plain RSS feed or an empty file is not a WordPress export."""
    with pytest.raises(CommandError, match=message):
        import_text(tmp_path, text)
    assert_nothing_stored()


def test_a_missing_file_is_a_clear_error():
    """A path that does not exist is named, not a traceback."""
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_wordpress", "/nonexistent/export.xml")


def test_records_come_out_as_wordpress_wrote_them():
    """The parser keeps WordPress's values: percent-encoded slugs, postmeta, the featured
    image's attachment ID, every comment with its meta."""
    records = list(read(DATA / "wp61-multiauthor.xml"))
    site = records[0]
    assert (site.title, site.wxr_version, site.base_blog_url) == (
        "Barrio Notes",
        "1.2",
        "https://barrio.example",
    )
    items = {r.wp_id: r for r in records if isinstance(r, Item)}
    assert items[10].meta_value("_thumbnail_id") == "12"
    assert items[30].slug.startswith("%d0%bd")
    assert items[12].attachment_url.endswith("/2022/03/hall.jpg")
    assert items[10].comments[0].meta == [("akismet_result", "false")]
    assert [c.parent for c in items[10].comments[:2]] == [0, 21]


def test_memory_stays_flat_however_long_the_file(tmp_path):
    """Reading 2,000 posts takes no more memory than reading 200: each item is dropped once
    read (the file is streamed, never held whole)."""

    def peak(posts):
        path = write_blog(tmp_path / f"{posts}.xml", posts, comments=5)
        tracemalloc.start()
        count = sum(1 for record in read(path) if isinstance(record, Item))
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert count == posts
        return top

    small, large = peak(200), peak(2000)
    assert large < small * 1.5
    assert large < 2 * 2**20  # a couple of items, not a 10 MB tree


def test_wxr_error_is_raised_lazily_by_the_reader():
    """read() is a generator: it fails when it reaches the problem, with WXRError."""
    records = read(io.BytesIO(b"<rss><channel><wp:x>"))
    with pytest.raises(WXRError):
        list(records)


@pytest.mark.django_db
def test_control_characters_old_exports_carry_are_dropped_not_fatal(tmp_path):
    """A vertical tab or form feed pasted into a post (XML forbids them; real exports have
    them) is removed, the post imported, and the summary says how many went."""
    body = HEAD.format(doctype="") + item(1, "Pasted\x0bfrom\x0cWord") + "</channel></rss>"
    path = tmp_path / "export.xml"
    path.write_text(body, encoding="utf-8")
    out = io.StringIO()
    call_command("import_wordpress", str(path), stdout=out)
    assert Post.objects.get().title == "PastedfromWord"
    assert "2 control characters that XML does not allow were removed" in out.getvalue()


def test_names_wordpress_stored_escaped_are_read_as_text():
    """WordPress saves term, commenter and user names through _wp_specialchars(): the
    export's "Food &amp; Drink" is the name "Food & Drink", and "&lt;b&gt;" is the text
    "<b>" (escaped again wherever it is shown)."""
    text = (
        HEAD.format(doctype="").replace("<wp:cat_name>News", "<wp:cat_name>Food &amp;amp; News")
        + "<wp:tag><wp:term_id>5</wp:term_id><wp:tag_slug>b</wp:tag_slug>"
        "<wp:tag_name><![CDATA[&lt;b&gt; tag]]></wp:tag_name></wp:tag>"
        + item(1).replace(
            "</item>",
            "<wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_author><![CDATA["
            "Blog &raquo; Post]]></wp:comment_author></wp:comment></item>",
        )
        + "</channel></rss>"
    )
    records = list(read(io.BytesIO(text.encode())))
    names = [r.name for r in records if hasattr(r, "taxonomy")]
    assert names == ["Food & News", "<b> tag"]
    assert next(r for r in records if isinstance(r, Item)).comments[0].author == "Blog » Post"
