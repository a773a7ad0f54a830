"""The whole blog as a WordPress export (WXR 1.2): authors, categories, tags, posts with
their comments, pingbacks and trackbacks (every status, spam and trash included, so that
import(export(blog)) is the same blog; WordPress's own export leaves spam out).

IDs: what came from WordPress keeps its WordPress ID (the old ?p= links stay true on either
side); what was made here is numbered after the highest kept ID of its kind. Posts are read
in chunks with their comments and terms prefetched: memory does not grow with the blog.
"""

import datetime
import re
from urllib.parse import quote

from django.contrib.auth import get_user_model
from django.db.models import Max, OuterRef, Prefetch, Subquery
from django.utils import timezone
from taggit.models import Tag

from blogcms.addresses import site_url
from blogcms.models import SiteSettings
from comments.models import Comment
from posts.models import Category, Post

from . import write
from .content import to_wordpress
from .models import WordPressID
from .records import Author, Item, ItemTerm, Site, Term
from .records import Comment as CommentRecord

Kind = WordPressID.Kind
CHUNK = 200
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
    for i in _items(users, base):
        yield write.item(i)
    yield write.FOOTER


def _authors():
    """Everyone who wrote a post or a comment while logged in: {pk: Author}."""
    number = _Numbering(Kind.USER)
    users = get_user_model().objects.filter(
        pk__in=Post.objects.values("author")
    ) | get_user_model().objects.filter(pk__in=Comment.objects.values("user"))
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


def _local_and_gmt(moment):
    return (
        timezone.localtime(moment).strftime(WP_DATE),
        moment.astimezone(datetime.UTC).strftime(WP_DATE),
    )


def _items(users, base):
    posts_number = _Numbering(Kind.POST, Kind.ATTACHMENT)
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
        .annotate(wp_id=_kept_id(Kind.POST, "post"))
        .prefetch_related("categories", "tags", Prefetch("responses", queryset=comments))
        .order_by("pk")
    )
    now = timezone.now()
    for post in posts.iterator(chunk_size=CHUNK):
        wp_id = posts_number(post.wp_id, post.pk)
        date, date_gmt = _local_and_gmt(post.published_at)
        modified, modified_gmt = _local_and_gmt(post.modified_at)
        status = post.status
        if status == Post.Status.PUBLISHED and post.published_at > now:
            status = "future"
        terms = [
            ItemTerm("category", wordpress_slug(c.slug), c.name) for c in post.categories.all()
        ]
        terms += [ItemTerm("post_tag", wordpress_slug(t.slug), t.name) for t in post.tags.all()]
        yield Item(
            wp_id=wp_id,
            post_type="post",
            title=post.title,
            link=site_url(post.get_absolute_url()),
            pub_date=post.published_at.strftime("%a, %d %b %Y %H:%M:%S +0000"),
            creator=post.author.get_username(),
            guid=f"{base}/?p={wp_id}",
            content=to_wordpress(post.body),
            excerpt=post.excerpt,
            date=date,
            date_gmt=date_gmt,
            modified=modified,
            modified_gmt=modified_gmt,
            comment_status="open" if post.comments_open else "closed",
            ping_status="open" if post.pings_open else "closed",
            slug=wordpress_slug(post.slug),
            status=status,
            sticky=post.sticky,
            terms=terms,
            comments=[_comment(c, comments_number, users) for c in post.responses.all()],
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
