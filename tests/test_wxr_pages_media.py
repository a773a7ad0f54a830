"""import_wordpress with pages and attachments: a WordPress 6.4 export whose pages nest
(a child before its parent in the file), whose images come from a copy of wp-content/uploads
(--media-dir), and whose bodies show them by attachment ID and size URL. Every old address
answers, and a second run changes nothing."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from PIL import Image

from comments.models import Comment
from media_library.models import MediaItem
from posts.models import OldSlug, Page, Post
from tests.factories import PageFactory
from wxr.models import WordPressID
from wxr.parse import read
from wxr.records import Item

pytestmark = pytest.mark.django_db

FILE = Path(__file__).parent / "data" / "wxr" / "wp64-pages-media.xml"


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
    """A copy of the old blog's wp-content/uploads: a 600×400 photo with the 300×200 size
    WordPress made of it, and a PDF (which the library keeps as a download)."""
    folder = tmp_path / "wp-content" / "uploads"
    (folder / "2021" / "12").mkdir(parents=True)
    Image.new("RGB", (600, 400), (200, 120, 40)).save(folder / "2021/12/cafe.jpg", "JPEG")
    Image.new("RGB", (300, 200), (200, 120, 40)).save(folder / "2021/12/cafe-300x200.jpg")
    (folder / "2021/12/menu.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    return folder


def run_import(*extra):
    out = io.StringIO()
    call_command("import_wordpress", str(FILE), *extra, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def entry(wp_id):
    return Post.objects.get(wordpress_ids__kind="post", wordpress_ids__wp_id=wp_id)


def library_item(wp_id):
    return WordPressID.objects.get(kind="attachment", wp_id=wp_id).media_item


def test_pages_keep_their_tree_menu_order_and_comments(uploads):
    """Pages become pages under their parent (a child written before its parent in the
    file), with menu order, status and threaded comments; the old blog's menu names the
    pages the navigation shows."""
    summary = run_import("--media-dir", str(uploads))
    about, team, contact = entry(8), entry(3), entry(9)
    assert all(p.post_type == Post.Type.PAGE for p in (about, team, contact))
    assert (team.parent, team.path, about.path) == (about, "about/team", "about")
    assert (about.menu_order, contact.menu_order) == (1, 2)
    assert entry(11).status == Post.Status.DRAFT and entry(11).path == "about/secret-plans"
    assert list(Post.objects.in_menu()) == [about]  # the menu links About only
    question, answer = (
        Comment.objects.get(post=team, author_name=n) for n in ("Lupe", "Barrio Desk")
    )
    assert answer.parent == question
    assert team.comments_open and not about.comments_open
    assert "pages: 4 new, 0 already imported" in summary
    assert not Post.objects.posts().filter(title__in=["About", "Team"]).exists()


def test_old_page_addresses_answer(client, uploads):
    """/about/ and /about/team/ answer as before; /?page_id=ID and /?p=ID of a page move
    to it; a page shows its comments."""
    run_import("--media-dir", str(uploads))
    assert client.get("/about/").status_code == 200
    team = client.get("/about/team/")
    assert team.status_code == 200 and "Who writes the Friday column?" in team.text
    for query in ("/?page_id=3", "/?p=3"):
        response = client.get(query)
        assert (response.status_code, response["Location"]) == (301, "/about/team/")
    assert client.get("/?page_id=5").status_code == 404  # post 5 is no page


def test_attachments_become_library_items(uploads):
    """Each image attachment is a library item made from its file in --media-dir, with the
    attachment's title, caption (excerpt), alt text, date and sizes, in its old month
    folder; the PDF is a library file (tests/test_wxr_attachments.py has more)."""
    summary = run_import("--media-dir", str(uploads))
    cafe = library_item(6)
    assert (cafe.title, cafe.caption, cafe.alt_text) == (
        "cafe",
        "The counter, at 7 am",
        "The counter of the café",
    )
    assert (cafe.width, cafe.height) == (600, 400)
    assert cafe.sizes["medium"]["width"] == 300
    assert cafe.uploaded_at.isoformat() == "2022-01-01T03:00:00+00:00"
    assert cafe.uploaded_by.get_full_name() == "Barrio Desk"  # the wp:author, in full
    assert cafe.file.name == "library/2021/12/cafe.jpg"
    assert "images: 1 new, 0 already imported" in summary
    assert "files: 1 new, 0 already imported" in summary
    assert library_item(7).mime_type == "application/pdf" and not library_item(7).is_image
    assert MediaItem.objects.count() == 2


def test_bodies_show_library_images_with_srcset(client, uploads):
    """An old size URL (https or http, with the old host or none) becomes the library's file
    of that size, wp-image-N names the library item, so the page adds srcset; another
    site's image keeps its address, and a link to the PDF leads to the library's file."""
    run_import("--media-dir", str(uploads))
    cafe = library_item(6)
    body = entry(5).body
    medium = cafe.rendition("medium").url
    assert f'src="{medium}"' in body and f"wp-image-{cafe.pk}" in body
    assert f'href="{cafe.file.url}"' in body
    assert 'src="https://elsewhere.example/wp-content/uploads/2021/12/cafe.jpg"' in body
    assert f'href="{library_item(7).file.url}"' in body
    assert f'src="{cafe.file.url}"' in entry(3).body  # a site-relative /wp-content/ address
    page = client.get("/2021/12/31/cafe-con-leche/").text
    assert f"{medium} 300w" in page and f"{cafe.file.url} 600w" in page  # srcset


def test_featured_image_comes_from_thumbnail_id(uploads):
    """A post's _thumbnail_id names its featured image."""
    run_import("--media-dir", str(uploads))
    assert entry(5).featured_image == library_item(6)


def test_old_upload_addresses_redirect_to_library_files(client, uploads):
    """/wp-content/uploads/2021/12/cafe-300x200.jpg moves (301) to the library's file of
    that size, which is served; the original moves to the original, the PDF to its file;
    an unknown file is a 404."""
    run_import("--media-dir", str(uploads))
    cafe = library_item(6)
    response = client.get("/wp-content/uploads/2021/12/cafe-300x200.jpg")
    assert response.status_code == 301
    assert response["Location"] == cafe.rendition("medium").url
    assert client.get(response["Location"]).status_code == 200
    response = client.get("/wp-content/uploads/2021/12/cafe.jpg")
    assert (response.status_code, response["Location"]) == (301, cafe.file.url)
    response = client.get("/wp-content/uploads/2021/12/menu.pdf")
    assert (response.status_code, response["Location"]) == (301, library_item(7).file.url)
    assert client.get("/wp-content/uploads/2021/12/menu-2.pdf").status_code == 404


def test_an_old_attachment_link_leads_to_its_file(client, uploads):
    """/?attachment_id=6 and the attachment's old page /2021/12/31/cafe-con-leche/cafe/
    move to the file, as WordPress 6.4 answers with attachment pages off; an attachment
    that is not in the file is a 404."""
    run_import("--media-dir", str(uploads))
    for old in ("/?attachment_id=6", "/2021/12/31/cafe-con-leche/cafe/"):
        response = client.get(old)
        assert (response.status_code, response["Location"]) == (301, library_item(6).file.url)
    assert client.get("/?attachment_id=10").status_code == 404


def test_a_second_run_changes_nothing(uploads):
    """Running the same file again (with the media folder or without it) makes no second
    page, image or comment, and leaves bodies as they were."""
    run_import("--media-dir", str(uploads))
    before = list(Post.objects.order_by("pk").values_list("pk", "path", "body", "parent"))
    counts = (MediaItem.objects.count(), Comment.objects.count(), OldSlug.objects.count())
    summary = run_import("--media-dir", str(uploads))
    assert "pages: 0 new, 4 already imported" in summary
    assert "images: 0 new, 1 already imported" in summary
    run_import()
    assert list(Post.objects.order_by("pk").values_list("pk", "path", "body", "parent")) == before
    assert (MediaItem.objects.count(), Comment.objects.count(), OldSlug.objects.count()) == counts


def test_without_media_dir_attachments_are_skipped_with_the_reason():
    """Nothing is downloaded from the old blog: without --media-dir, attachments are
    skipped and the summary says how to bring them; bodies keep the old addresses."""
    summary = run_import()
    assert "2 × attachments: no --media-dir given" in summary
    assert not MediaItem.objects.exists()
    assert "https://barrio.example/wp-content/uploads/2021/12/cafe-300x200.jpg" in entry(5).body
    assert "wp-image-" not in entry(5).body  # no library item of that number


def test_a_taken_page_address_gets_a_suffix(client, uploads):
    """A page here already at /about/ keeps it; the imported About becomes /about-2/ (as
    wp_unique_post_slug() renames), its child follows it, and the summary says so."""
    ours = PageFactory(title="Ours", slug="about")
    summary = run_import("--media-dir", str(uploads))
    assert Page.objects.get(pk=ours.pk).path == "about"
    assert (entry(8).path, entry(3).path) == ("about-2", "about-2/team")
    assert "pages whose address was taken here, renamed: /about/" in summary
    assert client.get("/about/").status_code == 200  # ours


def test_a_file_outside_the_media_dir_is_never_read(tmp_path, uploads):
    """_wp_attached_file is the file's word, not ours: a path out of --media-dir
    ("../../secret.jpg") is not opened."""
    Image.new("RGB", (10, 10)).save(tmp_path / "secret.jpg")
    text = FILE.read_text(encoding="utf-8").replace(
        "<![CDATA[2021/12/cafe.jpg]]>", "<![CDATA[../../../secret.jpg]]>"
    )
    path = tmp_path / "hostile.xml"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    call_command("import_wordpress", str(path), "--media-dir", str(uploads), stdout=out)
    assert "attachments whose file is not in --media-dir: ../../../secret.jpg" in out.getvalue()
    assert not MediaItem.objects.images().exists()  # the PDF is in the folder: imported


def test_the_export_keeps_wordpress_ids_of_pages_and_attachments(uploads, settings):
    """Exported again, the imported blog's pages and attachments keep their WordPress IDs:
    the child page names its parent, the post its featured image (_thumbnail_id), its body
    the attachment (wp-image-6) at an absolute URL, and the navigation is a nav menu."""
    settings.BLOGCMS_SITE_URL = "https://new.example"
    run_import("--media-dir", str(uploads))
    out = io.StringIO()
    call_command("export_wordpress", stdout=out)
    items = {i.wp_id: i for i in read(io.BytesIO(out.getvalue().encode())) if isinstance(i, Item)}
    cafe = library_item(6)
    attachment = items[6]
    assert attachment.post_type == "attachment"
    assert attachment.attachment_url == f"https://new.example{cafe.file.url}"
    assert attachment.meta_value("_wp_attached_file") == cafe.file.name
    assert attachment.meta_value("_wp_attachment_image_alt") == "The counter of the café"
    assert 's:5:"width";i:600;' in attachment.meta_value("_wp_attachment_metadata")
    assert (items[3].post_type, items[3].parent, items[8].menu_order) == ("page", 8, 1)
    assert items[5].meta_value("_thumbnail_id") == "6"
    medium = cafe.rendition("medium").url
    assert f'class="size-medium wp-image-6" src="https://new.example{medium}"' in items[5].content
    menu = [i for i in items.values() if i.post_type == "nav_menu_item"]
    assert [m.meta_value("_menu_item_object_id") for m in menu] == ["8"]
