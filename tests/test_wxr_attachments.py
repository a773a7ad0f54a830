"""import_wordpress with attachments of every kind, as a WordPress 6.4 export has them: an
image and a PDF attached to a post, an unattached logo, a PDF under a page, a podcast's MP3
with a plain /?attachment_id= link, a zip whose numeric slug WordPress put under
…/attachment/42/, and files the library must refuse (HTML, SVG, a "PDF" that is a web
page). Every old address of each answers; the files keep their month folders and are only
ever served as downloads."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from media_library.models import MediaItem
from posts.models import Post
from tests.factories import PageFactory, PostFactory, UserFactory
from wxr.models import WordPressID

pytestmark = pytest.mark.django_db

FILE = Path(__file__).parent / "data" / "wxr" / "wp64-attachments.xml"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + b"\x00" * 400
ZIP = b"PK\x05\x06" + b"\x00" * 18  # an empty zip archive


@pytest.fixture(autouse=True)
def _site(settings, tmp_path):
    """The old blog ran on New York time; library files go to a temporary MEDIA_ROOT,
    served by Django as with `make run`."""
    settings.TIME_ZONE = "America/New_York"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def uploads(tmp_path):
    """A copy of the old blog's wp-content/uploads."""
    folder = tmp_path / "wp-content" / "uploads"
    for month in ("2011/08", "2011/09", "2012/01", "2013/05"):
        (folder / month).mkdir(parents=True)
    Image.new("RGB", (640, 480), (90, 60, 30)).save(folder / "2011/08/cafe.jpg", "JPEG")
    Image.new("RGB", (300, 225), (90, 60, 30)).save(folder / "2011/08/cafe-300x225.jpg")
    Image.new("RGB", (120, 40), (0, 90, 200)).save(folder / "2011/09/logo.png", "PNG")
    (folder / "2011/08/menu.pdf").write_bytes(PDF)
    (folder / "2011/08/Menu.PDF").write_bytes(PDF + b"% the old menu\n")
    (folder / "2012/01/floor-plan.pdf").write_bytes(PDF)
    (folder / "2013/05/episode-1.mp3").write_bytes(MP3)
    (folder / "2011/08/slides.zip").write_bytes(ZIP)
    (folder / "2011/08/evil.html").write_bytes(b"<script>alert(document.cookie)</script>")
    (folder / "2011/08/drawing.svg").write_bytes(b'<svg onload="alert(1)"/>')
    (folder / "2011/08/fake.pdf").write_bytes(b"<html><script>alert(1)</script></html>")
    (folder / "notes.txt").write_bytes(b"Opening hours: 7 to 7.\n")
    return folder


def run_import(*extra, path=FILE):
    out = io.StringIO()
    call_command("import_wordpress", str(path), *extra, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def library_item(wp_id):
    return WordPressID.objects.get(kind="attachment", wp_id=wp_id).media_item


def imported_post(wp_id):
    return Post.objects.get(wordpress_ids__kind="post", wordpress_ids__wp_id=wp_id)


# -- 1. old attachment pages ---------------------------------------------------------------


@pytest.mark.parametrize(
    "old_address, wp_id",
    [
        ("/2011/08/19/cafe-opening/cafe/", 21),  # attached to a post
        ("/2011/08/19/cafe-opening/menu/", 22),  # a PDF attached to a post
        ("/logo/", 23),  # unattached
        ("/about/floor-plan/", 24),  # attached to a page
        ("/2011/08/19/cafe-opening/attachment/42/", 26),  # a numeric slug
        ("/?attachment_id=25", 25),  # plain permalinks
        ("/?attachment_id=23", 23),  # the ID of one that had a pretty address too
    ],
)
def test_old_attachment_pages_redirect_to_the_file(client, uploads, old_address, wp_id):
    """Every address an attachment page had on the old blog moves (301) to the library's
    file, as WordPress 6.4+ answers attachment pages; and that file is served."""
    run_import("--media-dir", str(uploads))
    response = client.get(old_address)
    assert response.status_code == 301
    assert response["Location"] == library_item(wp_id).file.url
    assert client.get(response["Location"]).status_code == 200


def test_attachment_pages_of_refused_or_unknown_files_are_404s(client, uploads):
    """An attachment that was not imported (the HTML file) has no old page here, and a
    made-up attachment path is the themed 404, not a guess."""
    run_import("--media-dir", str(uploads))
    for address in ("/2011/08/19/cafe-opening/evil/", "/drawing/", "/2011/08/19/cafe-opening/x/"):
        assert client.get(address).status_code == 404, address
    assert client.get("/?attachment_id=28").status_code == 404


def test_attachment_pages_never_shadow_posts_pages_or_comment_pages(client, uploads):
    """The post, its comment pages and its feed answer as before; a page made here at an
    old attachment's address is the page; a post's bare-slug guess still works where no
    attachment had the address."""
    run_import("--media-dir", str(uploads))
    PageFactory(title="Our logo", slug="logo")
    post = imported_post(20)
    assert client.get("/2011/08/19/cafe-opening/").status_code == 200
    assert client.get("/2011/08/19/cafe-opening/feed/").status_code == 200
    assert client.get("/about/").status_code == 200
    logo = client.get("/logo/")
    assert logo.status_code == 200 and "Our logo" in logo.text
    response = client.get("/cafe-opening/")
    assert (response.status_code, response["Location"]) == (301, post.get_absolute_url())


def test_ordinary_pages_cost_no_query_for_attachments(client, uploads):
    """Old attachment addresses are looked up only when nothing else answers: showing a
    page or a post never asks for them."""
    run_import("--media-dir", str(uploads))
    post = PostFactory(author=UserFactory(), slug="hello")
    for url in ("/about/", imported_post(20).get_absolute_url(), post.get_absolute_url()):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        assert not any("wxr_wordpressid" in q["sql"] for q in queries.captured_queries), url


# -- 2. files that are not images ------------------------------------------------------------


def test_pdfs_audio_and_archives_come_over_as_files(uploads):
    """A PDF, an MP3, a zip and a text file become library files (not images): kept byte
    for byte, typed by what they are, with title and caption; the summary counts them."""
    summary = run_import("--media-dir", str(uploads))
    menu = library_item(22)
    assert not menu.is_image and (menu.width, menu.height, menu.sizes) == (None, None, {})
    assert (menu.mime_type, menu.title, menu.caption) == ("application/pdf", "menu", "Autumn menu")
    assert menu.file_size == len(PDF) and menu.file.open("rb").read() == PDF
    assert library_item(25).mime_type == "audio/mpeg"
    assert library_item(26).mime_type == "application/zip"
    assert library_item(32).mime_type == "text/plain"
    assert library_item(21).is_image and library_item(23).is_image
    assert "images: 2 new" in summary and "files: 6 new" in summary
    assert MediaItem.objects.count() == 8


def test_files_a_browser_could_run_are_refused_and_named(uploads):
    """HTML and SVG are refused by their type, a "PDF" that is a web page by its first
    bytes; the summary says which and why, and nothing of them is stored."""
    summary = run_import("--media-dir", str(uploads))
    assert "3 × attachments the media library refuses" in summary
    assert "2011/08/evil.html: Files of type .html are not accepted" in summary
    assert "2011/08/drawing.svg: Files of type .svg are not accepted" in summary
    assert "2011/08/fake.pdf: The file is not the PDF file its name says (.pdf)." in summary
    assert not WordPressID.objects.filter(kind="attachment", wp_id__in=[28, 29, 31]).exists()
    names = [m.file.name for m in MediaItem.objects.all()]
    assert not any(n.endswith((".html", ".svg")) or "fake" in n for n in names)


def test_a_file_over_the_size_limit_is_refused(uploads, settings):
    """BLOGCMS_FILE_MAX_BYTES bounds a file, counted as it is copied."""
    settings.BLOGCMS_FILE_MAX_BYTES = 300
    summary = run_import("--media-dir", str(uploads))
    assert "2013/05/episode-1.mp3: The file must be at most 300 bytes." in summary
    assert not WordPressID.objects.filter(kind="attachment", wp_id=25).exists()
    assert library_item(22).mime_type == "application/pdf"  # small enough


def test_files_are_served_as_downloads_only(client, uploads, settings):
    """A library file is sent with its type as an attachment, never sniffed, under the
    sandbox CSP; an HTML file dropped into MEDIA_ROOT by hand is not served at all."""
    run_import("--media-dir", str(uploads))
    response = client.get(library_item(22).file.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == "attachment"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == PDF
    image = client.get(library_item(21).file.url)
    assert (image["Content-Type"], image["Content-Disposition"]) == ("image/jpeg", "inline")
    dropped = Path(settings.MEDIA_ROOT) / "library" / "2011" / "08" / "page.html"
    dropped.write_bytes(b"<script>alert(1)</script>")
    assert client.get("/media/library/2011/08/page.html").status_code == 404


def test_old_file_addresses_and_body_links_reach_the_files(client, uploads):
    """/wp-content/uploads/…/menu.pdf moves to the library's file; links in the imported
    body (absolute, site-relative, a name that collided) now lead to the files, and
    the body's image still names its library item."""
    run_import("--media-dir", str(uploads))
    menu, old_menu, slides = library_item(22), library_item(27), library_item(26)
    for old, item in [("2011/08/menu.pdf", menu), ("2013/05/episode-1.mp3", library_item(25))]:
        response = client.get(f"/wp-content/uploads/{old}")
        assert (response.status_code, response["Location"]) == (301, item.file.url)
    body = imported_post(20).body
    assert f'href="{menu.file.url}"' in body and f'href="{slides.file.url}"' in body
    assert f'href="{old_menu.file.url}"' in body and old_menu.file.url != menu.file.url
    assert "old.example/wp-content" not in body
    assert f"wp-image-{library_item(21).pk}" in body
    assert imported_post(20).featured_image == library_item(21)


# -- 3. month folders -----------------------------------------------------------------------


def test_files_keep_their_year_and_month_folders(uploads):
    """Each file lands in library/YYYY/MM/ of its _wp_attached_file (not this month's),
    sizes beside it; a name already there gets a unique one; a file kept outside month
    folders goes to its attachment's month."""
    run_import("--media-dir", str(uploads))
    assert library_item(21).file.name == "library/2011/08/cafe.jpg"
    assert library_item(21).sizes["medium"]["file"].startswith("library/2011/08/cafe-300x")
    assert library_item(23).file.name == "library/2011/09/logo.png"
    assert library_item(24).file.name == "library/2012/01/floor-plan.pdf"
    assert library_item(25).file.name == "library/2013/05/episode-1.mp3"
    assert library_item(22).file.name == "library/2011/08/menu.pdf"
    other = library_item(27).file.name  # Menu.PDF: the same sanitised name, same month
    assert other.startswith("library/2011/08/menu") and other.endswith(".pdf")
    assert other != "library/2011/08/menu.pdf"
    assert library_item(32).file.name == "library/2014/03/notes.txt"


# -- running again, export and the round trip ------------------------------------------------


def test_a_second_run_changes_nothing(uploads):
    """The same file again makes no second copy of any file."""
    run_import("--media-dir", str(uploads))
    before = sorted(MediaItem.objects.values_list("pk", "file"))
    summary = run_import("--media-dir", str(uploads))
    assert "images: 0 new, 2 already imported" in summary
    assert "files: 0 new, 6 already imported" in summary
    assert sorted(MediaItem.objects.values_list("pk", "file")) == before


def test_export_then_import_gives_the_files_back(tmp_path, uploads, settings):
    """The export lists files as attachments (their URL, _wp_attached_file, size) and links
    to them by absolute URL; importing it into an empty blog with MEDIA_ROOT as --media-dir
    gives each back: same bytes, type, title, caption and month folder, and the body's
    links lead to them."""
    settings.BLOGCMS_SITE_URL = "https://new.example"
    run_import("--media-dir", str(uploads))
    out = io.StringIO()
    call_command("export_wordpress", stdout=out)
    export = tmp_path / "blog.xml"
    export.write_text(out.getvalue(), encoding="utf-8")
    assert "<![CDATA[library/2011/08/menu.pdf]]>" in out.getvalue()
    # Absolute, as WordPress's importer finds the attachment URLs it replaces in bodies.
    assert 'href="https://new.example/media/library/2011/08/menu.pdf"' in out.getvalue()

    def files():
        return sorted(
            (m.title, m.caption, m.mime_type, m.file_size, m.file.name.rsplit("/", 1)[0])
            for m in MediaItem.objects.all()
        )

    before = files()
    contents = {m.title: m.file.open("rb").read() for m in MediaItem.objects.all()}
    Post.objects.all().delete()
    MediaItem.objects.all().delete()
    WordPressID.objects.all().delete()
    run_import("--media-dir", str(settings.MEDIA_ROOT), path=export)
    assert files() == before
    assert {m.title: m.file.open("rb").read() for m in MediaItem.objects.all()} == contents
    menu = MediaItem.objects.get(title="menu")
    assert f'href="{menu.file.url}"' in Post.objects.posts().get().body


def test_running_again_gives_old_attachment_pages_to_an_earlier_import(client, uploads):
    """Attachments imported before their old pages were kept get them when the same file
    is imported again (nothing else changes)."""
    run_import("--media-dir", str(uploads))
    WordPressID.objects.filter(kind="attachment").update(old_address="")
    assert client.get("/logo/").status_code == 404
    run_import()
    response = client.get("/logo/")
    assert (response.status_code, response["Location"]) == (301, library_item(23).file.url)


def test_a_blog_in_a_folder_keeps_its_attachment_pages_below_the_site(client, uploads, tmp_path):
    """An old blog at https://old.example/blog/ had /blog/logo/: here the blog is the site,
    so /logo/ answers, as its posts do at /YYYY/MM/DD/slug/."""
    text = FILE.read_text(encoding="utf-8").replace(
        "https://old.example", "https://old.example/blog"
    )
    path = tmp_path / "in-a-folder.xml"
    path.write_text(text, encoding="utf-8")
    run_import("--media-dir", str(uploads), path=path)
    assert client.get("/2011/08/19/cafe-opening/").status_code == 200
    for old, wp_id in [("/logo/", 23), ("/2011/08/19/cafe-opening/menu/", 22)]:
        response = client.get(old)
        assert (response.status_code, response["Location"]) == (301, library_item(wp_id).file.url)
