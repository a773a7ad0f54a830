"""export_wordpress: the blog as WXR 1.2 that WordPress's importer reads, and
import(export(blog)) gives the same blog, field by field."""

import datetime
import io
import re
import shutil
from pathlib import Path

import defusedxml.ElementTree as ET
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from taggit.models import Tag

from comments.models import Comment
from media_library.models import MediaItem
from posts.models import Category, Post
from tests.factories import (
    CategoryFactory,
    CommentFactory,
    MediaItemFactory,
    PageFactory,
    PostFactory,
    UserFactory,
    image_upload,
)
from wxr.models import WordPressID
from wxr.parse import read
from wxr.records import Item

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "wxr"
NS = {
    "wp": "http://wordpress.org/export/1.2/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
}
BODY = (
    "<p>First paragraph with <strong>bold</strong>, <em>italics</em> and "
    '<a href="https://example.org/">a link</a>.</p>'
    "<h2>A heading</h2>"
    "<ul><li><p>one</p></li><li><p>two</p></li></ul>"
    "<blockquote><p>Quoted words.</p></blockquote>"
    "<pre><code>line one\n\nline two</code></pre>"
    '<p><img src="/media/featured/2022/03/a.jpg" alt="A picture"></p>'
    "<p>Closing words.</p>"
)


def export():
    out = io.StringIO()
    call_command("export_wordpress", stdout=out)
    return out.getvalue()


def moment(*args):
    return datetime.datetime(*args, tzinfo=datetime.UTC)


def build_blog():
    """A blog with everything an export carries."""
    maria = UserFactory(username="maria", first_name="María", last_name="Pérez")
    desk = UserFactory(username="desk")
    news = CategoryFactory(name="News", slug="news", description="This week")
    hall = CategoryFactory(name="City Hall", slug="city-hall", parent=news)
    russian = CategoryFactory(name="Новости", slug="новости", parent=news)
    common = dict(published_at=moment(2022, 3, 14, 21, 30), body=BODY)
    main = PostFactory(
        title="Budget & the hearing",
        slug="budget-hearing",
        author=maria,
        excerpt="Short & sweet, ]]> and all.",
        sticky=True,
        pings_open=False,
        categories=[hall, russian],
        tags=["Café", "budget"],
        **common,
    )
    PostFactory(title="Été chaud", slug="été-chaud", author=desk, comments_open=False, **common)
    PostFactory(title="Draft", slug="draft", status=Post.Status.DRAFT, author=desk)
    PostFactory(title="Pending", slug="pending", status=Post.Status.PENDING, author=desk)
    PostFactory(title="Private", slug="private", status=Post.Status.PRIVATE, author=desk)
    PostFactory(title="Later", slug="later", published_at=moment(2031, 1, 1, 15), author=desk)
    when = moment(2022, 3, 15, 10)
    top = CommentFactory(
        post=main, author_ip="203.0.113.7", created_at=when, author_url="https://lupe.example/"
    )
    reply = CommentFactory(
        post=main, parent=top, user=maria, created_at=when, content="Yes.\n\nIndeed."
    )
    CommentFactory(post=main, parent=reply, created_at=when, author_ip="2001:db8::5")
    for status in ("pending", "spam", "trash"):
        CommentFactory(post=main, status=status, created_at=when, content=f"A {status} one")
    for kind in ("pingback", "trackback", "webmention"):
        CommentFactory(
            post=main,
            type=kind,
            author_email="",
            author_url=f"https://{kind}.example/post/",
            content="[…] linked here […]",
            created_at=when,
        )
    Post.objects.update(modified_at=moment(2022, 3, 16, 8))


def build_pages_and_media():
    """Pages in a tree with menu order, the navigation and a comment; library images with
    alt text and caption, one featured, one shown in a body at its medium size; a PDF
    linked from a body."""
    desk = get_user_model().objects.get(username="desk")
    photo = MediaItemFactory(
        upload=image_upload("cafe.jpg", size=(600, 400)),
        title="The café",
        alt_text="The counter",
        caption="At 7 am",
        uploaded_by=desk,
        uploaded_at=moment(2021, 12, 31, 9),
    )
    MediaItemFactory(upload=image_upload("map.png", size=(80, 60), fmt="PNG"), title="Map")
    menu = MediaItem.create_from_upload(
        SimpleUploadedFile("Menu.pdf", b"%PDF-1.4\n%%EOF\n"),
        allow_files=True,
        title="The menu",
        caption="Autumn",
        uploaded_by=desk,
        uploaded_at=moment(2021, 11, 2, 9),
    )
    medium = photo.rendition("medium")
    body = (
        f'<p>Hello.</p><img class="wp-image-{photo.pk} size-medium" src="{medium.url}" '
        f'alt="The counter" width="300" height="200"><p><a href="{photo.file.url}">Full</a></p>'
        f'<p><a href="{menu.file.url}">The menu</a></p>'
    )
    common = dict(author=desk, published_at=moment(2022, 1, 1, 12))
    about = PageFactory(title="About", slug="about", menu_order=1, show_in_menu=True, **common)
    team = PageFactory(title="Team", slug="team", parent=about, body=body, **common)
    PageFactory(title="Contact", slug="contact", menu_order=2, show_in_menu=True, **common)
    PageFactory(title="Plans", slug="plans", parent=about, status=Post.Status.DRAFT, **common)
    CommentFactory(post=team, content="Who writes on Fridays?", created_at=moment(2022, 2, 1))
    Post.objects.filter(slug="budget-hearing").update(featured_image=photo)
    Post.objects.update(modified_at=moment(2022, 3, 16, 8))


def media_names(html):
    """A body with each library image named by its item and size, not by pk and file name
    (which a new import changes)."""
    items = {str(m.pk): m for m in MediaItem.objects.all()}
    files = {
        r.url: f"{m.title}@{r.width}x{r.height}" for m in items.values() for r in m.renditions()
    }
    html = re.sub(r"wp-image-(\d+)", lambda m: f"wp-image-[{items[m.group(1)].title}]", html)
    return re.sub(
        r'(src|href)="([^"]+)"',
        lambda m: f'{m.group(1)}="{files.get(m.group(2), m.group(2))}"',
        html,
    )


def snapshot():
    """Everything that makes the blog, without database ids."""

    def seconds(value):
        return value.replace(microsecond=0)

    def image(item):
        return item and (item.title, item.alt_text, item.caption, item.width, item.height)

    posts = {
        (p.post_type, p.address): (
            p.title,
            p.author.username,
            media_names(p.body),
            p.excerpt,
            p.status,
            seconds(p.published_at),
            seconds(p.modified_at),
            p.comments_open,
            p.pings_open,
            p.sticky,
            sorted(p.categories.values_list("slug", flat=True)),
            sorted(p.tags.names()),
            p.parent.path if p.parent else None,
            p.menu_order,
            p.show_in_menu,
            image(p.featured_image),
        )
        for p in Post.objects.all()
    }
    media = sorted(
        (
            *image(m),
            m.mime_type,
            m.file_size if not m.is_image else None,  # a file comes back byte for byte
            sorted((r.name, r.width or 0, r.height or 0) for r in m.renditions()),
            seconds(m.uploaded_at),
            m.uploaded_by.username if m.uploaded_by else None,
        )
        for m in MediaItem.objects.all()
    )
    comments = sorted(
        (
            c.post.slug,
            c.type,
            c.status,
            c.author_name,
            c.author_email,
            c.author_url,
            c.author_ip,
            c.content,
            c.content_html,
            seconds(c.created_at),
            c.user.username if c.user else None,
            c.parent.author_name if c.parent else None,
        )
        for c in Comment.objects.all()
    )
    categories = sorted(
        (c.slug, c.name, c.description, c.path, c.parent.slug if c.parent else None)
        for c in Category.objects.all()
    )
    tags = sorted(Tag.objects.values_list("name", "slug"))
    users = sorted(
        get_user_model().objects.values_list("username", "email", "first_name", "last_name")
    )
    return posts, comments, categories, tags, users, media


def empty_the_blog():
    Comment.objects.all().delete()
    for page in Post.objects.pages().order_by("-path"):  # children first (PROTECT)
        page.delete()
    Post.objects.all().delete()
    MediaItem.objects.all().delete()
    for category in Category.objects.order_by("-path"):  # children first (PROTECT)
        category.delete()
    Tag.objects.all().delete()
    WordPressID.objects.all().delete()
    get_user_model().objects.all().delete()


@pytest.fixture
def media_root(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_import_of_the_export_is_the_same_blog(tmp_path, settings, media_root):
    """Posts (every status, sticky, discussion settings, terms, featured image), pages
    (tree, menu order, navigation), comments (threads, every status, pingbacks, trackbacks,
    webmentions), categories, tags, authors, library images (alt text, caption, sizes,
    and where bodies show them) and files (a PDF a body links to) survive export then
    import into an empty blog, with a copy of MEDIA_ROOT as --media-dir, field by field."""
    settings.TIME_ZONE = "America/New_York"
    build_blog()
    build_pages_and_media()
    before = snapshot()
    path = tmp_path / "blog.xml"
    path.write_text(export(), encoding="utf-8")
    shutil.copytree(media_root, tmp_path / "uploads")
    empty_the_blog()
    call_command(
        "import_wordpress",
        str(path),
        "--media-dir",
        str(tmp_path / "uploads"),
        stdout=io.StringIO(),
    )
    after = snapshot()
    for part_before, part_after in zip(before, after, strict=True):
        if isinstance(part_before, dict):
            for key, fields in part_before.items():
                for field_before, field_after in zip(fields, part_after[key], strict=True):
                    assert (key, field_after) == (key, field_before)
        assert part_after == part_before


def test_the_export_is_wxr_1_2_as_wordpress_reads_it():
    """Namespaces, wp:wxr_version 1.2, CDATA text (a "]]>" in a body split as wxr_cdata()
    does), a post's terms with their domains, comments with status and parent."""
    build_blog()
    text = export()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8" ?>')
    root = ET.fromstring(text.encode())
    channel = root.find("channel")
    assert channel.find("wp:wxr_version", NS).text == "1.2"
    items = {i.find("wp:post_name", NS).text: i for i in channel.findall("item")}
    main = items["budget-hearing"]
    assert main.find("excerpt:encoded", NS).text == "Short & sweet, ]]> and all."
    assert "]]]]><![CDATA[>" in text
    assert main.find("content:encoded", NS).text.startswith("<!-- wp:freeform --><p>First")
    domains = sorted((c.get("domain"), c.get("nicename")) for c in main.findall("category"))
    assert ("category", "%d0%bd%d0%be%d0%b2%d0%be%d1%81%d1%82%d0%b8") in domains
    assert ("post_tag", "caf%c3%a9") in domains  # taggit keeps the accent
    assert items["%c3%a9t%c3%a9-chaud"].find("wp:comment_status", NS).text == "closed"
    assert items["later"].find("wp:status", NS).text == "future"
    approved = sorted(
        c.find("wp:comment_approved", NS).text for c in main.findall("wp:comment", NS)
    )
    assert approved == ["0", "1", "1", "1", "1", "1", "1", "spam", "trash"]
    parents = [int(c.find("wp:comment_parent", NS).text) for c in main.findall("wp:comment", NS)]
    assert sum(1 for p in parents if p) == 2


def test_an_imported_blog_exports_with_its_wordpress_ids(settings):
    """What came from WordPress keeps its IDs in the export (its ?p= links stay true);
    what was written here is numbered after them, with no two alike."""
    settings.TIME_ZONE = "America/New_York"
    call_command("import_wordpress", str(DATA / "wp61-multiauthor.xml"), stdout=io.StringIO())
    PostFactory(title="Written here")
    items = [r for r in read(io.BytesIO(export().encode())) if isinstance(r, Item)]
    ids = {i.title: i.wp_id for i in items}
    assert ids["Budget hearing moved to Thursday"] == 10 and ids["Café con leche"] == 5
    assert ids["Written here"] > 34
    assert len(set(ids.values())) == len(items)
    hearing = next(i for i in items if i.wp_id == 10)
    assert {c.wp_id for c in hearing.comments} == {21, 22, 23, 24, 25, 26}
    assert next(c for c in hearing.comments if c.wp_id == 22).parent == 21


def test_export_queries_do_not_grow_with_posts(django_assert_max_num_queries, media_root):
    """Posts are read in chunks with their comments and terms prefetched; pages and
    library images take no query each."""
    build_blog()
    build_pages_and_media()
    for _ in range(30):
        CommentFactory(post=PostFactory(tags=["x"]), created_at=timezone.now())
        PageFactory(show_in_menu=True)
    for _ in range(5):
        MediaItemFactory(upload=image_upload(size=(40, 30)))
    # A fixed number: 20 for authors, terms, posts and comments, a few for the library
    # (attachments, their kept IDs and numbering) and the navigation's menu.
    with django_assert_max_num_queries(28):
        export()
