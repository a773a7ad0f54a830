"""The whole blog as a WordPress export (WXR 1.2): authors, categories, tags, the media
library as attachments, posts and pages with their comments, pingbacks and trackbacks
(every status, spam and trash included, so that import(export(blog)) is the same blog;
WordPress's own export leaves spam out), and the navigation as a nav menu.

IDs: what came from WordPress keeps its WordPress ID (the old ?p= links stay true on either
side); what was made here is numbered after the highest kept ID of its kind (posts, pages,
attachments and menu items share WordPress's wp_posts sequence, so each comes after the
others). Posts are read in chunks with their comments and terms prefetched: memory does not
grow with the blog.
"""

import datetime
import re
from urllib.parse import quote

from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.db.models import Max, OuterRef, Prefetch, Subquery
from django.utils import timezone
from taggit.models import Tag

from blogcms.addresses import site_url
from blogcms.models import SiteSettings
from comments.models import Comment
from media_library import processing
from media_library.models import MediaItem
from posts.models import Category, Post

from . import write
from .content import relabel_images, rewrite_urls, to_wordpress
from .models import WordPressID
from .records import Author, Item, ItemTerm, Site, Term
from .records import Comment as CommentRecord

Kind = WordPressID.Kind
CHUNK = 200
MENU = ("main-menu", "Main menu")  # the nav menu the navigation's pages are exported as
WP_DATE = "%Y-%m-%d %H:%M:%S"
COMMENT_STATUSES = {
    Comment.Status.APPROVED: "1",
    Comment.Status.PENDING: "0",
    Comment.Status.SPAM: "spam",
    Comment.Status.TRASH: "trash",
}


def wordpress_slug(slug):
    """As WordPress stores a non-ASCII slug: percent-encoded, lower-case hex (%d0%bf)."""
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(slug, safe="-_.~"))


def _kept_id(kind, column):
    """The WordPress ID an object was imported with, as a subquery on its pk."""
    return Subquery(
        WordPressID.objects.filter(kind=kind, **{column: OuterRef("pk")}).values("wp_id")[:1]
    )


class _Numbering:
    """WordPress IDs for one kind: the kept one, or the next after the highest kept."""

    def __init__(self, *kinds):
        top = WordPressID.objects.filter(kind__in=kinds).aggregate(top=Max("wp_id"))["top"]
        self.offset = top or 0

    def __call__(self, kept, pk):
        return kept if kept is not None else self.offset + pk


def export_wxr():
    """Yield the export as strings."""
    settings = SiteSettings.load()
    home = site_url("/")
    base = home.rstrip("/")
    site = Site(
        title=settings.title,
        link=base,
        description=settings.tagline,
        language="en-US",
        base_site_url=base,
        base_blog_url=base,
    )
    yield from write.site_header(site, timezone.now().strftime("%Y-%m-%d %H:%M"))
    users = _authors()
    for a in users.values():
        yield write.author(a)
    yield "\n"
    for t in _terms():
        yield write.term(t)
    yield "\n"
    numbers = _PostNumbers()
    for i in _attachments(numbers, users):
        yield write.item(i)
    for i in _items(users, base, numbers):
        yield write.item(i)
    for i in _menu_items(numbers):
        yield write.item(i)
    yield write.FOOTER


def _authors():
    """Everyone who wrote a post or a comment while logged in, or uploaded an image:
    {pk: Author}."""
    number = _Numbering(Kind.USER)
    users = (
        get_user_model().objects.filter(pk__in=Post.objects.values("author"))
        | get_user_model().objects.filter(pk__in=Comment.objects.values("user"))
        | get_user_model().objects.filter(pk__in=MediaItem.objects.values("uploaded_by"))
    )
    users = users.distinct().annotate(wp_id=_kept_id(Kind.USER, "user")).order_by("pk")
    return {
        u.pk: Author(
            login=u.get_username(),
            wp_id=number(u.wp_id, u.pk),
            email=u.email,
            display_name=u.get_full_name() or u.get_username(),
            first_name=u.first_name,
            last_name=u.last_name,
        )
        for u in users
    }


def _terms():
    """Categories, parents before children (path order does that), then tags; WordPress
    numbers both in one sequence."""
    number = _Numbering(Kind.CATEGORY, Kind.TAG)
    offset = Tag.objects.aggregate(top=Max("pk"))["top"] or 0
    categories = Category.objects.select_related("parent").annotate(
        wp_id=_kept_id(Kind.CATEGORY, "category")
    )
    for c in categories.order_by("path"):
        yield Term(
            "category",
            number(c.wp_id, offset + c.pk),  # after every tag's number: no two alike
            slug=wordpress_slug(c.slug),
            name=c.name,
            parent=wordpress_slug(c.parent.slug) if c.parent else "",
            description=c.description,
        )
    for t in Tag.objects.annotate(wp_id=_kept_id(Kind.TAG, "tag")).order_by("pk"):
        yield Term("post_tag", number(t.wp_id, t.pk), slug=wordpress_slug(t.slug), name=t.name)
    if Post.objects.pages().exists():
        # The navigation (pages with show_in_menu) is this menu's items; with the menu
        # present, an importer shows those pages only, not all of them.
        top = offset + (Category.objects.aggregate(top=Max("pk"))["top"] or 0)
        yield Term("nav_menu", number.offset + top + 1, slug=MENU[0], name=MENU[1])


def _local_and_gmt(moment):
    return (
        timezone.localtime(moment).strftime(WP_DATE),
        moment.astimezone(datetime.UTC).strftime(WP_DATE),
    )


class _PostNumbers:
    """WordPress IDs in the wp_posts sequence: kept ones, else posts and pages by pk after
    the highest kept ID, then attachments after every post, then menu items."""

    def __init__(self):
        self.number = _Numbering(Kind.POST, Kind.ATTACHMENT)
        self.post_top = Post.objects.aggregate(top=Max("pk"))["top"] or 0
        self.media_top = MediaItem.objects.aggregate(top=Max("pk"))["top"] or 0
        rows = WordPressID.objects.filter(kind=Kind.ATTACHMENT, media_item__isnull=False)
        self.kept_media = dict(rows.values_list("media_item", "wp_id"))
        self.media = set(MediaItem.objects.values_list("pk", flat=True))

    def post(self, kept, pk):
        return self.number(kept, pk)

    def media_item(self, pk):
        return self.number(self.kept_media.get(pk), self.post_top + pk)

    def menu_item(self, n):
        return self.number.offset + self.post_top + self.media_top + n

    def body(self, html):
        """A body for WordPress: each library image's wp-image-N names the attachment by
        its exported ID, and its src, like every link to a library file (a PDF), is
        absolute, as WordPress's importer maps attachment URLs found in post_content
        (backfill_attachment_urls())."""

        def relabel(pk, src):
            if pk not in self.media:
                return pk, src
            return self.media_item(pk), site_url(src) if _site_relative(src) else src

        return rewrite_urls(relabel_images(html, relabel), _absolute_media_url)


def _site_relative(url):
    return url.startswith("/") and not url.startswith("//")


def _absolute_media_url(url):
    """A link to a library file (a PDF, an image's full size) made absolute, as the
    attachment URLs WordPress's importer replaces in post_content are; None for others."""
    library = default_storage.url(processing.LIBRARY_FOLDER)
    return site_url(url) if _site_relative(url) and url.startswith(library) else None


def _attachments(numbers, users):
    """The media library, images and other files, as WordPress attachments: the file's
    absolute URL, its path (_wp_attached_file, relative to MEDIA_ROOT: import_wordpress
    --media-dir MEDIA_ROOT takes it back), its sizes (_wp_attachment_metadata), alt text,
    title and caption."""
    items = MediaItem.objects.select_related("uploaded_by").order_by("pk")
    for m in items.iterator(chunk_size=CHUNK):
        url = m.file.url
        url = site_url(url) if _site_relative(url) else url
        wp_id = numbers.media_item(m.pk)
        date, date_gmt = _local_and_gmt(m.uploaded_at)
        meta = [
            ("_wp_attached_file", m.file.name),
            ("_wp_attachment_metadata", write.php_serialize(_attachment_metadata(m))),
        ]
        if m.alt_text:
            meta.append(("_wp_attachment_image_alt", m.alt_text))
        yield Item(
            wp_id=wp_id,
            post_type="attachment",
            title=m.title,
            link=url,
            pub_date=m.uploaded_at.strftime("%a, %d %b %Y %H:%M:%S +0000"),
            creator=m.uploaded_by.get_username() if m.uploaded_by else "",
            guid=url,
            excerpt=m.caption,
            date=date,
            date_gmt=date_gmt,
            modified=date,
            modified_gmt=date_gmt,
            comment_status="closed",
            ping_status="closed",
            slug=wordpress_slug(m.file.name.rpartition("/")[2].rpartition(".")[0]),
            status="inherit",
            attachment_url=url,
            meta=meta,
        )


def _attachment_metadata(m):
    """WordPress's _wp_attachment_metadata (wp_generate_attachment_metadata()): the
    original's dimensions and path, and each size's file name beside it; for a file that is
    no image (a PDF), its size only."""
    if not m.is_image:
        return {"filesize": m.file_size}
    return {
        "width": m.width,
        "height": m.height,
        "file": m.file.name,
        "filesize": m.file_size,
        "sizes": {
            name: {
                "file": size["file"].rpartition("/")[2],
                "width": size["width"],
                "height": size["height"],
                "mime-type": m.mime_type,
            }
            for name, size in m.sizes.items()
        },
        "image_meta": {},
    }


def _kept_post_id(field):
    return Subquery(
        WordPressID.objects.filter(kind=Kind.POST, post=OuterRef(field)).values("wp_id")[:1]
    )


def _items(users, base, numbers):
    comments_number = _Numbering(Kind.COMMENT)
    comments = Comment.objects.annotate(
        wp_id=_kept_id(Kind.COMMENT, "comment"),
        parent_wp_id=Subquery(
            WordPressID.objects.filter(kind=Kind.COMMENT, comment=OuterRef("parent")).values(
                "wp_id"
            )[:1]
        ),
    ).order_by("created_at", "pk")
    posts = (
        Post.objects.select_related("author")
        .annotate(wp_id=_kept_id(Kind.POST, "post"), parent_wp_id=_kept_post_id("parent"))
        .prefetch_related("categories", "tags", Prefetch("responses", queryset=comments))
        .order_by("pk")
    )
    now = timezone.now()
    for post in posts.iterator(chunk_size=CHUNK):
        wp_id = numbers.post(post.wp_id, post.pk)
        date, date_gmt = _local_and_gmt(post.published_at)
        modified, modified_gmt = _local_and_gmt(post.modified_at)
        status = post.status
        if status == Post.Status.PUBLISHED and post.published_at > now:
            status = "future"
        terms = [
            ItemTerm("category", wordpress_slug(c.slug), c.name) for c in post.categories.all()
        ]
        terms += [ItemTerm("post_tag", wordpress_slug(t.slug), t.name) for t in post.tags.all()]
        meta = []
        if post.featured_image_id:
            meta.append(("_thumbnail_id", str(numbers.media_item(post.featured_image_id))))
        page = post.is_page
        yield Item(
            wp_id=wp_id,
            post_type=post.post_type,
            title=post.title,
            link=site_url(post.get_absolute_url()),
            pub_date=post.published_at.strftime("%a, %d %b %Y %H:%M:%S +0000"),
            creator=post.author.get_username(),
            guid=f"{base}/?page_id={wp_id}" if page else f"{base}/?p={wp_id}",
            content=to_wordpress(numbers.body(post.body)),
            excerpt=post.excerpt,
            date=date,
            date_gmt=date_gmt,
            modified=modified,
            modified_gmt=modified_gmt,
            comment_status="open" if post.comments_open else "closed",
            ping_status="open" if post.pings_open else "closed",
            slug=wordpress_slug(post.slug),
            status=status,
            parent=numbers.post(post.parent_wp_id, post.parent_id) if post.parent_id else 0,
            menu_order=post.menu_order,
            sticky=post.sticky,
            terms=terms,
            meta=meta,
            comments=[_comment(c, comments_number, users) for c in post.responses.all()],
        )


def _menu_items(numbers):
    """The navigation's pages as nav_menu_item items of one menu, in menu order, as
    WordPress exports a menu (wp_setup_nav_menu_item()'s postmeta)."""
    pages = (
        Post.objects.pages()
        .filter(show_in_menu=True)
        .order_by("menu_order", "title", "pk")
        .annotate(wp_id=_kept_id(Kind.POST, "post"))
    )
    for n, page in enumerate(pages, start=1):
        wp_id = numbers.menu_item(n)
        date, date_gmt = _local_and_gmt(page.published_at)
        yield Item(
            wp_id=wp_id,
            post_type="nav_menu_item",
            title="",
            guid=f"{site_url('/')}?p={wp_id}",
            date=date,
            date_gmt=date_gmt,
            modified=date,
            modified_gmt=date_gmt,
            comment_status="closed",
            ping_status="closed",
            slug=str(wp_id),
            status="publish",
            menu_order=n,
            terms=[ItemTerm("nav_menu", MENU[0], MENU[1])],
            meta=[
                ("_menu_item_type", "post_type"),
                ("_menu_item_menu_item_parent", "0"),
                ("_menu_item_object_id", str(numbers.post(page.wp_id, page.pk))),
                ("_menu_item_object", "page"),
                ("_menu_item_target", ""),
                ("_menu_item_classes", 'a:1:{i:0;s:0:"";}'),
                ("_menu_item_xfn", ""),
                ("_menu_item_url", ""),
            ],
        )


def _comment(c, number, users):
    date, date_gmt = _local_and_gmt(c.created_at)
    parent = number(c.parent_wp_id, c.parent_id) if c.parent_id else 0
    user = users.get(c.user_id)
    return CommentRecord(
        wp_id=number(c.wp_id, c.pk),
        author=c.author_name,
        author_email=c.author_email,
        author_url=c.author_url,
        author_ip=c.author_ip or "",
        date=date,
        date_gmt=date_gmt,
        content=c.content,
        approved=COMMENT_STATUSES[c.status],
        type=c.type,
        parent=parent,
        user_id=user.wp_id if user else 0,
    )
