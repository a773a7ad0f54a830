"""import_wordpress with an export made by a real WordPress (6.1.9, Debian's package):
tests/wordpress/make_export.sh built the blog through WordPress's own PHP API and wrote
tests/data/wxr/real-wp61.xml with WordPress's own export_wp(), and copied the uploads
(the photo and the sizes WordPress made of it with GD). What a blogger moving over checks:
every post, page and comment with its status, the thread, the pingback, categories and
tags, sticky and scheduled posts, the images, and that every old address answers."""

import io
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import time_machine
from django.core.management import call_command
from taggit.models import Tag

from comments.models import Comment
from media_library.models import MediaItem
from posts.models import Category, Post
from tests.test_wxr_export import empty_the_blog, snapshot
from wxr.models import SourceBlog, WordPressID
from wxr.parse import read
from wxr.records import Item

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "wxr"
FILE = DATA / "real-wp61.xml"
UPLOADS = DATA / "real-wp61-uploads"

# The blog make_export.php wrote, by WordPress ID.
HELLO, SAMPLE_PAGE, PRIVACY, ESPRESSO, PHOTO = 1, 2, 3, 4, 5
LISBON, CAFE, PRIVET, LINKS_1, LINKS_2 = 7, 8, 9, 10, 11
DRAFT, SCHEDULED, PRIVATE, ABOUT, TEAM = 12, 13, 14, 15, 16


@pytest.fixture(autouse=True)
def _site(settings, tmp_path):
    """The old blog ran on Madrid time (timezone_string Europe/Madrid); library files go
    to a temporary MEDIA_ROOT, served by Django as with `make run`."""
    settings.TIME_ZONE = "Europe/Madrid"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.MEDIA_ROOT = tmp_path / "media"


def run_import(path=FILE, *extra):
    out = io.StringIO()
    call_command("import_wordpress", str(path), *extra, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def summary():
    return run_import(FILE, "--media-dir", str(UPLOADS))


def entry(wp_id):
    return Post.objects.get(wordpress_ids__kind="post", wordpress_ids__wp_id=wp_id)


def items():
    return [r for r in read(FILE.open("rb")) if isinstance(r, Item)]


def test_the_fixture_is_wordpress_own_output():
    """The file is WordPress 6.1.9's export, as it writes it: each category and tag twice
    (wp:category/wp:tag and again wp:term) and no spam comment (export_wp() leaves them
    out); the uploads are the photo and the two sizes WordPress made."""
    text = FILE.read_text(encoding="utf-8")
    assert '<!-- generator="WordPress/6.1.9"' in text
    assert text.count("<wp:term_slug><![CDATA[espresso]]>") == 1
    assert text.count("<wp:tag_slug><![CDATA[espresso]]>") == 1
    assert "Cheap Pills" not in text
    files = sorted(p.name for p in (UPLOADS / "2024" / "03").iterdir())
    assert files == ["espresso-150x150.jpg", "espresso-300x225.jpg", "espresso.jpg"]


def test_terms_written_twice_import_once(summary):
    """WordPress writes each category and tag twice; each comes over once, with its
    parent, and a name WordPress stored HTML-escaped ("Food &amp; Drink") reads as
    written ("Food & Drink")."""
    assert "categories: 4 new, 0 already imported" in summary
    assert "tags: 5 new, 0 already imported" in summary
    assert Category.objects.count() == 4 and Tag.objects.count() == 5
    coffee = Category.objects.get(slug="coffee")
    assert (coffee.parent.name, coffee.parent.slug) == ("Food & Drink", "food-drink")
    assert coffee.description == "Beans, roasts, cups"
    assert sorted(entry(ESPRESSO).tags.names()) == ["espresso", "home barista"]
    assert list(entry(CAFE).tags.names()) == ["café"]
    assert list(entry(LISBON).categories.values_list("slug", flat=True)) == ["travel"]


def test_category_page_shows_the_name_once_escaped(client, summary):
    """The category archive's heading is "Food &amp; Drink" in HTML, shown as
    "Food & Drink": not "Food &amp;amp; Drink"."""
    page = client.get("/category/food-drink/")
    assert page.status_code == 200
    assert "Food &amp; Drink" in page.text and "&amp;amp;" not in page.text
    assert client.get("/category/food-drink/coffee/").status_code == 200


def test_every_post_and_page_comes_with_its_status(summary):
    """Ten posts and four pages (WordPress's own "Hello world!", "Sample Page" and draft
    "Privacy Policy" among them); the draft (no slug, a floating date), the scheduled
    (future), the private post and the page tree with its menu order."""
    assert "posts: 10 new, 0 already imported" in summary
    assert "pages: 4 new, 0 already imported" in summary
    assert Post.objects.posts().count() == 10 and Post.objects.pages().count() == 4
    draft = entry(DRAFT)
    assert (draft.status, draft.slug) == (Post.Status.DRAFT, "half-written-thoughts")
    assert entry(PRIVATE).status == Post.Status.PRIVATE
    assert entry(PRIVACY).status == Post.Status.DRAFT and entry(PRIVACY).is_page
    scheduled = entry(SCHEDULED)
    assert scheduled.status == Post.Status.PUBLISHED
    assert scheduled.published_at.isoformat() == "2030-06-01T07:00:00+00:00"
    about, team = entry(ABOUT), entry(TEAM)
    assert (team.parent, team.path, about.menu_order, team.menu_order) == (
        about,
        "about/team",
        1,
        2,
    )
    assert entry(ESPRESSO).author.get_full_name() == "María García"
    assert entry(LISBON).excerpt == "Trams, tiles and a very small coffee."


def test_bodies_lose_block_markup_and_classic_posts_get_paragraphs(summary):
    """Block comments go; a classic body gets wpautop()'s paragraphs and line breaks."""
    assert "<!-- wp:" not in entry(ESPRESSO).body
    assert "<h2>The grind</h2>" in entry(ESPRESSO).body
    lisbon = entry(LISBON).body
    assert "<p>We arrived late.<br>" in lisbon
    assert "<p>The rest of the trip was rain.</p>" in lisbon and "more" not in lisbon


def test_sticky_post_leads_the_home_page(client, summary):
    """ "Notes from Lisbon" is sticky: first on the home page though newer posts exist."""
    assert entry(LISBON).sticky
    home = client.get("/").text
    assert home.index("Notes from Lisbon") < home.index("Привет, мир")


def test_scheduled_post_appears_on_its_date(client, summary):
    """The scheduled post answers 404 until its date, then is on the home page."""
    url = "/2030/06/01/coffee-in-2030/"
    assert client.get(url).status_code == 404
    assert "Coffee in 2030" not in client.get("/").text
    with time_machine.travel("2030-06-01 07:00:01+00:00"):
        assert client.get(url).status_code == 200
        assert "Coffee in 2030" in client.get("/").text


def test_comments_keep_thread_status_and_the_pingback(client, summary):
    """Five comments (the spam one was never exported): the reply under its question by
    its user, the held one hidden, and the pingback shown as "Pingback: Bean Blog »
    Home espresso round-up" (WordPress stores the name HTML-escaped)."""
    assert "comments: 4 new" in summary and "pingbacks: 1 new" in summary
    espresso = entry(ESPRESSO)
    question = Comment.objects.get(post=espresso, author_name="Lupe")
    answer = Comment.objects.get(post=espresso, author_name="María García")
    assert answer.parent == question and answer.user.username == "maria"
    held = Comment.objects.get(author_name="Tom")
    assert held.status == Comment.Status.PENDING
    pingback = Comment.objects.get(type=Comment.Type.PINGBACK)
    assert pingback.author_name == "Bean Blog » Home espresso round-up"
    assert pingback.status == Comment.Status.APPROVED
    assert Comment.objects.count() == 5
    page = client.get("/2024/03/10/espresso-at-home/").text
    assert "Pingback: " in page and "Bean Blog » Home espresso round-up" in page
    assert "&amp;raquo;" not in page
    assert "I like a darker roast." in page and "moka pot" not in page
    assert page.index("Which beans") < page.index("A medium roast")


def test_featured_and_body_images_are_library_images_with_srcset(client, summary):
    """The photo is one library image with WordPress's sizes; it is the featured image,
    and the body's image block shows the library's medium size with a srcset."""
    assert "images: 1 new, 0 already imported" in summary
    photo = WordPressID.attachment_file(wp_id=PHOTO)
    assert (photo.width, photo.height, photo.alt_text) == (
        400,
        300,
        "A cup of espresso on a wooden table",
    )
    assert sorted(photo.sizes) == ["medium", "thumbnail"]
    assert entry(ESPRESSO).featured_image == photo
    page = client.get("/2024/03/10/espresso-at-home/").text
    assert 'src="/media/library/2024/03/espresso-300x225.jpg"' in page
    assert "/media/library/2024/03/espresso-300x225.jpg 300w" in page
    assert "/media/library/2024/03/espresso.jpg 400w" in page
    assert "oldblog.example" not in page
    assert client.get("/media/library/2024/03/espresso-300x225.jpg").status_code == 200


def test_unicode_titles_and_slugs(client, summary):
    """ "Café con leche" keeps WordPress's ASCII slug; the Cyrillic post's percent-encoded
    slug is text here and its old address answers."""
    assert entry(CAFE).slug == "cafe-con-leche"
    assert entry(PRIVET).slug == "Привет-мир"
    page = client.get("/2024/03/16/%d0%9f%d1%80%d0%b8%d0%b2%d0%b5%d1%82-%d0%bc%d0%b8%d1%80/")
    assert page.status_code == 200 and "Кофе и города." in page.text
    assert (entry(LINKS_1).slug, entry(LINKS_2).slug) == ("weekly-links", "weekly-links-2")


def assert_answers(client, address, url):
    """`address` (path and query of an old URL) shows `url`: 200 there, or 301 to it."""
    response = client.get(address)
    if response.status_code == 301:
        assert (address, response["Location"]) == (address, url)
        response = client.get(url)
    assert (address, response.status_code) == (address, 200)


def test_every_old_address_answers(client, summary):
    """Each public item's <link>, its guid, /?p=ID and (pages) /?page_id=ID answer with
    it; an attachment's <link>, file and /?p=ID move to the library file; what a visitor could
    not see on WordPress (draft, private, scheduled) is a 404 at every address."""
    checked = 0
    for item in items():
        link, guid = urlsplit(item.link), urlsplit(item.guid)
        link_address = link.path + (f"?{link.query}" if link.query else "")
        guid_address = guid.path + (f"?{guid.query}" if guid.query else "")
        if item.post_type == "attachment":
            photo = WordPressID.attachment_file(wp_id=item.wp_id)
            # ?p= of an attachment too: redirect_canonical() sends any public post type's
            # ID to its page, and the page (attachment pages off) to the file.
            for address in (link_address, guid_address, f"/?p={item.wp_id}"):
                response = client.get(address)
                assert (address, response.status_code) == (address, 301)
                assert response["Location"] == photo.file.url
            continue
        addresses = {link_address, guid_address, f"/?p={item.wp_id}"}
        if item.post_type == "page":
            addresses.add(f"/?page_id={item.wp_id}")
        if item.status != "publish":
            for address in addresses:
                assert (address, client.get(address).status_code) == (address, 404)
            continue
        url = entry(item.wp_id).get_absolute_url()
        assert unquote(link_address) == unquote(url)  # the same permalink as before
        for address in addresses:
            assert_answers(client, address, url)
        checked += 1
    assert checked == 10  # 7 public posts and 3 public pages


def test_a_second_run_changes_nothing(summary):
    """The same file again adds nothing and changes nothing."""
    counts = [m.objects.count() for m in (Post, Comment, Category, Tag, MediaItem, WordPressID)]
    again = run_import(FILE, "--media-dir", str(UPLOADS))
    assert "posts: 0 new, 10 already imported" in again
    assert "images: 0 new, 1 already imported" in again
    assert "comments: 0 new, 4 already imported" in again
    assert [
        m.objects.count() for m in (Post, Comment, Category, Tag, MediaItem, WordPressID)
    ] == counts


def test_export_then_import_into_an_empty_blog_is_the_same_blog(summary, settings, tmp_path):
    """export_wordpress of the imported blog, imported into an empty blog with a copy of
    the media as --media-dir, gives the same blog, field by field."""
    before = snapshot()
    path = tmp_path / "blog.xml"
    out = io.StringIO()
    call_command("export_wordpress", stdout=out)
    path.write_text(out.getvalue(), encoding="utf-8")
    shutil.copytree(settings.MEDIA_ROOT, tmp_path / "uploads")
    empty_the_blog()
    SourceBlog.objects.all().delete()
    assert not Post.objects.exists()
    run_import(path, "--media-dir", str(tmp_path / "uploads"))
    assert snapshot() == before
