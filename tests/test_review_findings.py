"""Findings of the review of the day's merges (1f07ebc..f5f5424): each test states the rule
the review found broken (each was xfail(strict) until its fix), now held."""

import contextlib
import io
import json
import socket
import tarfile
import threading
import xmlrpc.client
from pathlib import Path

import defusedxml.ElementTree as ET
import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from posts.models import Post
from profiles.models import Profile

from .comment_helpers import configure, form_data
from .factories import CommentFactory, PageFactory, PostFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

WP61 = Path(__file__).parent / "data" / "wxr" / "wp61-multiauthor.xml"
WP_NAMESPACE = "{http://wordpress.org/export/1.2/}"

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite stores NUL characters; PostgreSQL refuses them (DataError)",
)


def lenient_client():
    """A client that returns the 500 page instead of raising, as a visitor meets it."""
    return Client(raise_request_exception=False)


def import_wxr(path):
    call_command("import_wordpress", str(path), stdout=io.StringIO(), stderr=io.StringIO())


def test_an_imported_javascript_author_url_is_never_a_link(client, tmp_path, settings):
    """An imported comment's website is a URL a visitor may follow: a javascript: (or any
    non-http) address from a WXR file never reaches an href (WordPress: esc_url() on
    display; our comment form's URLField allows http and https only)."""
    settings.TIME_ZONE = "America/New_York"
    hostile = WP61.read_text().replace(
        "<wp:comment_author_url>https://lupe.example/</wp:comment_author_url>",
        "<wp:comment_author_url>javascript:alert(document.cookie)</wp:comment_author_url>",
    )
    path = tmp_path / "hostile.xml"
    path.write_text(hostile)
    import_wxr(path)
    response = client.get("/2022/03/14/budget-hearing/")
    assert response.status_code == 200
    assert "Lupe" in response.text
    assert "javascript:" not in response.text


def test_a_stored_non_http_author_url_is_never_a_link(client):
    """Whatever a website field holds (an older import, the admin, a linkback), a page links
    a commenter's name only to an http(s) address: a comment and a pingback alike."""
    configure()
    post = PostFactory()
    CommentFactory(post=post, author_name="Lupe", author_url="javascript:alert(1)")
    CommentFactory(
        post=post, type="pingback", author_name="Elsewhere", author_url=" JavaScript:alert(2)"
    )
    response = client.get(post.get_absolute_url())
    assert "Lupe" in response.text and "Elsewhere" in response.text
    assert "alert(" not in response.text


def test_a_comment_link_on_a_page_answers(client):
    """Comment.get_absolute_url() of a comment on a page (About, comments broken into
    pages) answers 200 and shows that comment, as it does for a post's comment."""
    configure(page_comments=True, comments_per_page=1)
    page = PageFactory(slug="about")
    oldest, *_ = [CommentFactory(post=page) for _ in range(3)]
    url = oldest.get_absolute_url()
    assert "comment-page-1/" in url
    response = client.get(url.split("#")[0])
    assert response.status_code == 200
    assert f'id="comment-{oldest.pk}"' in response.text


def test_a_page_cannot_take_a_comment_page_address():
    """A page's slug `comment-page-2` would be shadowed by its parent's second page of
    comments: the editor is told the address belongs to another part of the site."""
    parent = PageFactory(slug="about")
    page = PageFactory.build(slug="comment-page-2", parent=parent)
    with pytest.raises(ValidationError) as error:
        page.clean_page_address()
    assert "slug" in error.value.message_dict


def test_unicode_digits_in_cpage_or_replytocom_are_not_a_500():
    """?cpage= and ?replytocom= with a Unicode digit ("²".isdigit() is true, int() refuses
    it) are bad input: the post page (or a 404), never a 500."""
    configure(thread_comments=True)
    post = PostFactory()
    client = lenient_client()
    for query in ("cpage=%C2%B2", "replytocom=%C2%B2"):
        response = client.get(f"{post.get_absolute_url()}?{query}")
        assert response.status_code in (200, 404), query


@postgresql_only
def test_a_nul_byte_in_an_address_is_not_a_500():
    """A NUL byte in the path or a query key a page reads is bad input: 400 or 404, never a
    500 (PostgreSQL refuses NUL in text; production and CI run on it)."""
    PostFactory()
    PageFactory(slug="about")
    client = lenient_client()
    for url in ("/%00/", "/about%00/", "/%00/feed/", "/tag/%00/", "/author/%00/",
                "/category/%00/", "/2026/11/28/%00/", "/?s=%00", "/?tag=%00"):  # fmt: skip
        assert client.get(url).status_code in (400, 404), url


@postgresql_only
def test_a_nul_byte_in_a_linkback_target_is_refused_not_a_500():
    """A pingback or webmention whose target holds a NUL byte is refused with the protocol's
    answer (fault 33 / 400), never a 500."""
    post = PostFactory()
    client = lenient_client()
    target = f"http://testserver{post.get_absolute_url()}%00"
    body = xmlrpc.client.dumps(("http://a.example/", target), "pingback.ping")
    response = client.post("/xmlrpc.php", body, content_type="text/xml")
    assert response.status_code == 200
    with contextlib.suppress(xmlrpc.client.Fault):
        xmlrpc.client.loads(response.content)
    response = client.post(
        "/webmention/", {"source": "http://a.example/", "target": "http://testserver/%00/"}
    )
    assert response.status_code == 400


def test_a_nul_byte_in_an_address_is_a_400_on_every_database():
    """The address check answers before any view (or the ActivityPub negotiation) queries
    the database: a plain 400, on SQLite as on PostgreSQL."""
    client = lenient_client()
    for url in ("/%00/", "/2026/11/28/%00/", "/?s=%00", "/?tag%00=x"):
        assert client.get(url).status_code == 400, url
    response = client.get("/2026/11/28/%00/", HTTP_ACCEPT="application/activity+json")
    assert response.status_code == 400


def test_a_nul_byte_in_a_comment_is_refused_with_a_message(client):
    """A comment whose text or name holds a NUL is refused by the form (Django's
    ProhibitNullCharactersValidator), with the form's message, never a 500."""
    configure()
    post = PostFactory()
    for field in ("comment", "author", "email", "url"):
        value = {"email": "a\x00@example.com", "url": "https://a.example/\x00"}.get(field, "a\x00b")
        response = lenient_client().post(
            f"/wp-comments-post/{post.pk}/",
            form_data(**{field: value}),
            REMOTE_ADDR="203.0.113.10",
        )
        assert response.status_code in (200, 400), field
        assert "Null characters are not allowed" in response.text, field
    assert not post.responses.exists()


def test_an_exported_page_is_a_page():
    """The export names a page a page (wp:post_type "page", with its parent and menu order),
    so that WordPress, or blogcms importing it again, keeps About a page at /about/."""
    PageFactory(title="About", slug="about")
    out = io.StringIO()
    call_command("export_wordpress", stdout=out)
    items = ET.fromstring(out.getvalue().encode()).iter("item")
    about = next(item for item in items if item.findtext("title") == "About")
    assert about.findtext(f"{WP_NAMESPACE}post_type") == "page"


def test_an_imported_page_answers_at_its_old_address(client, settings):
    """A WordPress page in the export (About, /about/) becomes a blogcms page that answers at
    the same address: pages exist now (posts.Page), so the importer's seam must use them."""
    settings.TIME_ZONE = "America/New_York"
    import_wxr(WP61)
    assert Post.objects.pages().filter(slug="about").exists()
    assert client.get("/about/").status_code == 200


def test_an_import_run_address_that_is_not_a_number_is_not_found():
    """/admin/wxr/importrun/abc/change/ (a mistyped or edited address) is a 404 or the
    admin's "doesn't exist" redirect, as every other admin change page answers, never a 500."""
    client = lenient_client()
    client.force_login(StaffFactory())
    response = client.get("/admin/wxr/importrun/abc/change/")
    assert response.status_code in (302, 404)


def test_a_new_display_name_shows_on_the_next_request(
    client, settings, django_capture_on_commit_callbacks
):
    """The page cache keeps a page "until something it shows changes": an author's new
    display name (Profiles › Your profile) shows on their post's next view, as an edit does."""
    settings.BLOGCMS_PAGE_CACHE = True
    author = UserFactory(first_name="Ana", last_name="Ruiz")
    post = PostFactory(author=author)
    assert "Ana Ruiz" in client.get(post.get_absolute_url()).text
    with django_capture_on_commit_callbacks(execute=True):
        Profile.objects.create(user=author, nickname="La Cronista", display_as="nickname")
    again = client.get(post.get_absolute_url())
    assert "La Cronista" in again.text, again["X-Cache"]


def test_a_new_name_shows_on_the_next_request_and_a_login_keeps_the_cache(
    client, settings, django_capture_on_commit_callbacks
):
    """A user's new first or last name (the profile form, the users admin) shows on their
    post's next view; a login (it writes last_login) leaves cached pages cached."""
    settings.BLOGCMS_PAGE_CACHE = True
    author = UserFactory(first_name="Ana", last_name="Ruiz")
    post = PostFactory(author=author)
    client.get(post.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        author.last_login = timezone.now()
        author.save(update_fields=["last_login"])
        author.save()  # the whole user, its name unchanged
    assert client.get(post.get_absolute_url())["X-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        author.last_name = "Ruiz Vega"
        author.save()
    assert "Ana Ruiz Vega" in client.get(post.get_absolute_url()).text


def serve_raw(answer):
    """A one-shot-per-connection HTTP peer on 127.0.0.1 sending `answer` (raw bytes)."""
    server = socket.create_server(("127.0.0.1", 0))

    def run():
        with contextlib.suppress(OSError):
            while True:
                connection, _ = server.accept()
                with connection:
                    connection.recv(65536)
                    connection.sendall(answer)

    threading.Thread(target=run, daemon=True).start()
    return server


def test_a_source_with_a_unicode_digit_content_length_is_answered_not_a_500(settings):
    """A pingback source answering `Content-Length: ²` (a byte that decodes to a digit
    isdigit() accepts and int() refuses) gets an XML-RPC answer (the length is not trusted,
    the body is read within the cap), never a 500."""
    settings.BLOGCMS_FETCH_ALLOW_LOOPBACK = True
    post = PostFactory()
    target = f"http://testserver{post.get_absolute_url()}"
    page = f'<html><title>t</title><body><a href="{target}">a link</a></body></html>'.encode()
    server = serve_raw(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: \xb2\r\n"
        b"Connection: close\r\n\r\n" + page
    )
    source = f"http://127.0.0.1:{server.getsockname()[1]}/"
    try:
        response = lenient_client().post(
            "/xmlrpc.php",
            xmlrpc.client.dumps((source, target), "pingback.ping"),
            content_type="text/xml",
        )
    finally:
        server.close()
    assert response.status_code == 200
    with contextlib.suppress(xmlrpc.client.Fault):
        xmlrpc.client.loads(response.content)


def test_an_imported_posts_first_edit_keeps_the_imported_text_as_a_revision(settings):
    """Every post keeps its text as it was before an edit (revisions.Revision.record on each
    save; a post made in the admin has its first version as a revision): an imported post's
    imported text can be compared and restored after the first edit, as any post's can."""
    settings.TIME_ZONE = "America/New_York"
    import_wxr(WP61)
    post = Post.objects.get(wordpress_ids__wp_id=10)
    imported = post.body
    post.body = "<p>Rewritten after the move.</p>"
    post.save()
    assert post.revisions.filter(is_autosave=False, body=imported).exists()


def test_a_backup_whose_manifest_lacks_its_database_is_refused_with_a_message(tmp_path):
    """restore answers an archive whose manifest.json names no database (hand-made, or from
    a future version) with a CommandError saying so, not a KeyError traceback."""
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"format": "blogcms-backup", "version": 1}))
    archive_path = tmp_path / "odd.tar.gz"
    with tarfile.open(archive_path, "w:gz") as archive:
        archive.add(manifest, arcname="manifest.json")
    with pytest.raises(CommandError, match="names no database"):
        call_command("restore", str(archive_path), force=True)


@pytest.mark.parametrize(
    "manifest",
    [
        [],
        {"format": "blogcms-backup", "version": 1, "database": "sqlite"},
        {"format": "blogcms-backup", "version": 1, "database": {"vendor": ["sqlite"]}},
    ],
)
def test_a_backup_whose_manifest_has_another_shape_is_refused_with_a_message(tmp_path, manifest):
    """A manifest.json that is not the object backup writes (a list, a database named by a
    string or a list) is refused with a CommandError, never a traceback."""
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest))
    archive_path = tmp_path / "odd.tar.gz"
    with tarfile.open(archive_path, "w:gz") as archive:
        archive.add(path, arcname="manifest.json")
    with pytest.raises(CommandError):
        call_command("restore", str(archive_path), force=True)


def test_a_listed_summary_escapes_the_body_once(client):
    """A body's `&amp;` and `&lt;` show as `&` and `<` in a search listing's summary and in
    the feed, not as `&amp;` spelt out (the entities are decoded before escaping)."""
    import feedparser
    import html5lib

    PostFactory(title="Cartoons", body="<p>Tom &amp; Jerry &lt;3 <em>cheese</em></p>")
    listing = client.get("/", {"s": "Jerry"}).content.decode()
    assert "<p>Tom &amp; Jerry &lt;3 cheese</p>" in listing
    assert "&amp;amp;" not in listing and "&amp;lt;" not in listing
    feed = feedparser.parse(client.get("/feed/").content)
    # The summary is HTML to a reader, who shows its text: entities decoded once.
    summary = html5lib.parseFragment(feed.entries[0].summary, namespaceHTMLElements=False)
    assert "".join(summary.itertext()) == "Tom & Jerry <3 cheese"
