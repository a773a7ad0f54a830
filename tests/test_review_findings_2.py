"""Findings of the review of the day's merges (a85ed4f..d8096a0): each test states a rule
the review found broken, met as a visitor, a Fediverse server or an importer meets it."""

import io
import os

import pytest
from django.core.management import call_command
from django.test import Client

from wxr.models import WordPressID

from . import test_wxr_attachments as wp64
from .factories import PostFactory
from .fediverse_peers import FakeMastodon

# The old blog's wp-content/uploads for wp64-attachments.xml (a fixture).
uploads = wp64.uploads

pytestmark = pytest.mark.django_db


def lenient_client():
    """A client that returns the 500 page instead of raising, as a visitor meets it."""
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("digits", [4300, 4301, 6000])
def test_a_number_of_thousands_of_digits_is_no_number_not_a_500(digits):
    """Python's int() refuses more than 4,300 digits (ValueError, CVE-2020-10735): an old
    WordPress query (?p=, ?attachment_id=, ?author=…), a comment page or reply, or a
    permalink's year spelt with thousands of digits is a 404 or the page, never a 500."""
    client = lenient_client()
    post = PostFactory()
    number = "1" * digits
    addresses = [
        f"/?p={number}",
        f"/?page_id={number}",
        f"/?attachment_id={number}",
        f"/?author={number}",
        f"/?cat={number}",
        f"/?m={number}",
        f"/?paged={number}",
        f"/{number}/01/01/slug/",
    ]
    for address in addresses:
        assert client.get(address).status_code == 404, address[:40]
    for query in ("replytocom", "cpage"):
        response = client.get(f"{post.get_absolute_url()}?{query}={number}")
        assert response.status_code in (200, 404), query


@pytest.fixture
def media_root(settings, tmp_path):
    """Library files in a temporary MEDIA_ROOT, served by Django as with `make run`."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.MEDIA_ROOT = tmp_path / "media"


def test_an_attachment_page_address_too_long_or_with_nul_does_not_stop_the_import(
    client, uploads, media_root, tmp_path
):
    """An attachment's <link> is the old blog's (or anyone's) text: one longer than the
    500 characters an old address may hold, or with an encoded NUL (PostgreSQL refuses
    NUL), stops nothing. The file comes over, its other addresses answer; only that
    address, which no request could reach, is not kept."""
    long_path = "/".join(["a" * 60] * 10) + "/menu"
    wxr = (
        wp64.FILE.read_text()
        .replace(
            "<link>https://old.example/2011/08/19/cafe-opening/menu/</link>",
            f"<link>https://old.example/{long_path}/</link>",
        )
        .replace(
            "<link>https://old.example/logo/</link>", "<link>https://old.example/lo%00go/</link>"
        )
    )
    path = tmp_path / "odd-links.xml"
    path.write_text(wxr)
    out = io.StringIO()
    call_command("import_wordpress", str(path), "--media-dir", str(uploads), stdout=out)
    assert "images: 2 new" in out.getvalue() and "files: 6 new" in out.getvalue()
    menu, logo = (WordPressID.objects.get(kind="attachment", wp_id=wp_id) for wp_id in (22, 23))
    assert (menu.old_address, logo.old_address) == ("", "")
    assert client.get("/?attachment_id=22")["Location"] == menu.media_item.file.url
    assert client.get("/?attachment_id=23")["Location"] == logo.media_item.file.url
    assert client.get(f"/{long_path}/").status_code == 404


@pytest.fixture
def peer(settings):
    """A Mastodon server on 127.0.0.1 that signs what it delivers (tests/fediverse_peers)."""
    settings.BLOGCMS_SITE_URL = "http://testserver"
    settings.BLOGCMS_FETCH_ALLOW_LOOPBACK = True
    with FakeMastodon() as mastodon:
        yield mastodon


@pytest.mark.parametrize("where", ["id", "content", "url", "href"])
def test_a_fediverse_reply_holding_a_nul_is_refused_not_a_500(peer, where):
    """An activity is a stranger's text: a NUL in a note's id, its content or its page
    (`url`, a string or a Link: new today), which PostgreSQL cannot store, is bad input,
    400, with nothing stored; never a 500 at the inbox."""
    from comments.models import Comment
    from federation.models import BlogActor, RemoteNote

    client = lenient_client()
    post = PostFactory()
    create = peer.captured(
        "create_note",
        blog=BlogActor.load().ap_id,
        post=f"http://testserver{post.get_absolute_url()}",
    )
    note = create["object"]
    page = peer.url("/@alice/1\x00")
    if where == "id":
        note["id"] += "\x00"
    elif where == "content":
        note["content"] = "<p>Lovely\x00post</p>"
    else:
        note["url"] = page if where == "url" else [{"type": "Link", "href": page}]
    assert peer.deliver(client, create).status_code == 400
    assert not Comment.objects.exists() and not RemoteNote.objects.exists()


S3_PROBE = """
import json, django
django.setup()
from django.core.files.storage import storages
storage = storages["default"]
names = ["backup.tgz", "site.gz", "song.mid", "clip.3gp", "menu.pdf", "cat.webp"]
print(json.dumps({n: storage._get_write_parameters(f"library/2026/11/{n}") for n in names}))
"""


def test_files_in_an_s3_bucket_are_typed_as_the_library_types_them():
    """In a bucket, a file is stored with the type the library checked it as (the type
    views.serve sends), not one guessed by the host's mimetypes: a .tgz or .gz was stored
    with `Content-Encoding: gzip`, so a browser unpacked the download and saved a tar (or
    the bare file) under the archive's name; a .mid or .3gp got another type."""
    import json
    import subprocess
    import sys

    from django.conf import settings

    from media_library.files import FILE_TYPES

    result = subprocess.run(
        [sys.executable, "-c", S3_PROBE],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("BLOGCMS_S3")},
            "DJANGO_SETTINGS_MODULE": "blogcms.settings",
            "BLOGCMS_S3_BUCKET": "blog-media",
            "BLOGCMS_S3_ENDPOINT_URL": "http://127.0.0.1:9",
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
        },
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    params = json.loads(result.stdout)
    for name in ("backup.tgz", "site.gz", "song.mid", "clip.3gp", "menu.pdf"):
        kind = name.rpartition(".")[2]
        assert "ContentEncoding" not in params[name], name
        assert params[name]["ContentType"] == FILE_TYPES[kind].mime_type, name
        assert params[name]["ContentDisposition"] == "attachment", name
    assert params["cat.webp"]["ContentType"] == "image/webp"
    assert "ContentDisposition" not in params["cat.webp"]


def test_an_unattached_file_with_a_posts_slug_never_shadows_the_posts_old_address(
    client, uploads, media_root, tmp_path
):
    """On a /%postname%/ blog an image uploaded to the library before its post has the
    post's slug (WordPress keeps post slugs unique among posts only), so both had the
    address /cafe-opening/, and WordPress answered it with the post. The post's old link,
    out in the world, still leads to the post, not to a download of the image."""
    wxr = (
        wp64.FILE.read_text()
        .replace(
            "<link>https://old.example/2011/08/19/cafe-opening/</link>",
            "<link>https://old.example/cafe-opening/</link>",
        )
        .replace(
            "<link>https://old.example/logo/</link>",
            "<link>https://old.example/cafe-opening/</link>",
        )
    )
    path = tmp_path / "postname-permalinks.xml"
    path.write_text(wxr)
    call_command("import_wordpress", str(path), "--media-dir", str(uploads), stdout=io.StringIO())
    post = wp64.imported_post(20)
    response = client.get("/cafe-opening/")
    assert (response.status_code, response["Location"]) == (301, post.get_absolute_url())
    logo = wp64.library_item(23)
    assert client.get("/?attachment_id=23")["Location"] == logo.file.url


def test_an_attached_file_name_too_long_for_the_disk_is_skipped_not_a_crash(
    uploads, media_root, tmp_path
):
    """_wp_attached_file is the export's text: a name longer than the file system allows
    (ENAMETOOLONG) is a file that is not in --media-dir, skipped and named in the summary;
    the rest of the import goes on."""
    long_name = "2011/08/" + "m" * 300 + ".pdf"
    wxr = wp64.FILE.read_text().replace(
        "<wp:meta_value><![CDATA[2011/08/menu.pdf]]></wp:meta_value>",
        f"<wp:meta_value><![CDATA[{long_name}]]></wp:meta_value>",
    )
    path = tmp_path / "long-name.xml"
    path.write_text(wxr)
    out = io.StringIO()
    call_command("import_wordpress", str(path), "--media-dir", str(uploads), stdout=out)
    assert "attachments whose file is not in --media-dir" in out.getvalue()
    assert "images: 2 new" in out.getvalue() and "files: 5 new" in out.getvalue()
    assert not WordPressID.objects.filter(kind="attachment", wp_id=22).exists()


@pytest.mark.parametrize("extension", ["png", "pdf"])
def test_a_media_address_too_long_for_the_disk_is_a_404(media_root, extension):
    """The media view (`make run`) answers an address whose path the file system cannot
    hold (ENAMETOOLONG: thousands of characters, well within a request line) with a 404,
    not a 500."""
    address = "/media/library/" + "a/" * 2500 + f"x.{extension}"
    assert lenient_client().get(address).status_code == 404


@pytest.mark.parametrize("address, tag", [("/feed/", "description"), ("/feed/atom/", "summary")])
def test_a_feeds_summary_never_turns_the_bodys_text_into_markup(client, address, tag):
    """A feed's description (RSS) and summary (Atom, type="html") are HTML to a reader.
    The summary is the body's text with its entities decoded, so it must be escaped for
    HTML once more: a post that shows `&lt;img onerror=…&gt;` as text (a tutorial, an
    import) never hands readers a live <img>, and `a&lt;b` is not cut into a <b> tag.
    WordPress keeps the entities (wp_trim_excerpt) for the same reason."""
    import defusedxml.ElementTree as ET
    import html5lib

    PostFactory(
        title="HTML for beginners",
        excerpt="",
        body="<p>Type &lt;img src=x onerror=alert(1)&gt; here; a&lt;b &amp; c.</p>",
    )
    tree = ET.fromstring(client.get(address).content)
    (entry,) = [e for e in tree.iter() if e.tag.rpartition("}")[2] in ("item", "entry")]
    (summary,) = [e.text for e in entry if e.tag.rpartition("}")[2] == tag]
    fragment = html5lib.parseFragment(summary, namespaceHTMLElements=False)
    assert not list(fragment.iter("img")) and not list(fragment.iter("b"))
    assert "".join(fragment.itertext()) == "Type <img src=x onerror=alert(1)> here; a<b & c."


@pytest.mark.parametrize("field", ["url", "id"])
def test_a_note_link_goes_to_the_server_it_names(client, peer, field):
    """ "View on <server>" leads to that server. A browser reads a backslash as a slash
    (WHATWG URL), so `https://evil.example\\@<server>/…` opens evil.example while
    Python's urlsplit names <server>: such an address (the note's `url`, or its id, the
    fallback) is no link to the note."""
    import html5lib

    from comments.models import Comment
    from federation.models import BlogActor

    post = PostFactory()
    create = peer.captured(
        "create_note",
        blog=BlogActor.load().ap_id,
        post=f"http://testserver{post.get_absolute_url()}",
    )
    note = create["object"]
    spoof = note["id"].replace("://", "://evil.example\\@", 1)
    if field == "url":
        note["url"] = spoof
    else:
        note["id"] = note["url"] = spoof
    assert peer.deliver(client, create).status_code == 202
    Comment.objects.get().approve()
    page = html5lib.parse(client.get(post.get_absolute_url()).content, namespaceHTMLElements=False)
    links = [a.get("href") for a in page.iter("a") if "fediverse-note" in (a.get("class") or "")]
    assert all("\\" not in href and "evil.example" not in href for href in links), links


@pytest.mark.parametrize("value", ["abc", "²", "1.5"])
def test_a_featured_image_that_is_no_id_is_no_preview_not_a_500(value):
    """The featured image box previews the chosen library image: a value that is no id
    (typed in the raw id box, or ?featured_image=abc on the add form) shows the form
    with no preview, as Django's own widget shows no label, never a 500."""
    from .factories import StaffFactory

    client = lenient_client()
    client.force_login(StaffFactory(is_superuser=True))
    response = client.get("/admin/posts/post/add/", {"featured_image": value})
    assert response.status_code == 200
    assert 'name="featured_image"' in response.text
