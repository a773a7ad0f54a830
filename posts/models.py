"""Posts and pages, their categories and the addresses they used to have.

Publication is data: an entry is visible when it is published and its date has come
(`Post.objects.published()`), so scheduled posts appear by themselves with no cron.

Pages (About, Contact) live in the same table as posts, as in WordPress's wp_posts: a
`post_type` tells them apart, so comments, linkbacks, moderation and the page cache work on
both unchanged. Every listing of the blog asks for `.posts()`; `Page` is the proxy whose
manager holds pages only.
"""

import html
from datetime import date, timedelta
from urllib.parse import parse_qs, quote, unquote, urlsplit

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import F, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.text import Truncator, slugify
from django_prose_editor.fields import ProseEditorField
from taggit.managers import TaggableManager

from blogcms.numbers import ascii_int
from profiles.models import display_name

UNCATEGORIZED_SLUG = "uncategorized"
# The text search configuration of the stored search vector (the trigger of migration
# 0008_stored_counts_search_vector_indexes) and of the queries matched against it.
SEARCH_CONFIG = "english"
# Search ranks by relevance among at most this many matches, the newest: a word found in
# every post costs one bounded step, not a rank computed for the whole blog.
SEARCH_CANDIDATES = 1000


class Category(models.Model):
    """A hierarchical category; URLs carry the whole path: /category/parent/child/.

    The path is stored, so a listing links any number of nested categories without
    walking their parents (WordPress caches the same chain: get_category_parents()).
    """

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True, allow_unicode=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.TextField(blank=True)
    path = models.CharField(max_length=1000, unique=True, editable=False)
    # Published posts in it, scheduled ones included (the widget takes those off), kept by
    # posts.counts: the sidebar reads it instead of counting a big blog's posts.
    post_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name_plural = "categories"
        ordering = ["path"]

    def __str__(self):
        # Indented by depth, as WordPress's category checklist shows the tree.
        return "— " * self.path.count("/") + self.name

    def clean(self):
        super().clean()
        if self.pk and self.parent and self.parent.is_within(self):
            raise ValidationError({"parent": "A category cannot sit inside itself."})

    def is_within(self, other):
        """True when this category is `other` or one of its descendants."""
        return self.path == other.path or self.path.startswith(other.path + "/")

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name, allow_unicode=True)
        previous = self.path
        self.path = f"{self.parent.path}/{self.slug}" if self.parent else self.slug
        super().save(*args, **kwargs)
        if previous and previous != self.path:
            for child in self.children.all():
                child.save()  # their paths start with ours

    def get_absolute_url(self):
        return reverse("posts:category", kwargs={"path": self.path})

    @staticmethod
    def address_maker():
        """A function from a category's path to its get_absolute_url(), with one reverse()
        for them all (a widget listing 500 categories spent half its time in reverse()):
        the rest of the address is the same for every category, and reverse() quotes the
        path it puts in as this does (django.urls.resolvers: RFC 3986's pchar)."""
        mark = "category-path-mark"
        head, tail = reverse("posts:category", kwargs={"path": mark}).rsplit(mark, 1)
        safe = RFC3986_SUBDELIMS + "/~:@"
        return lambda path: head + quote(path, safe=safe) + tail

    @classmethod
    def default(cls):
        category, _ = cls.objects.get_or_create(
            slug=UNCATEGORIZED_SLUG, defaults={"name": "Uncategorized"}
        )
        return category


def can_publish(user):
    """WordPress's publish_posts: Authors, Editors and administrators, not Contributors."""
    return user.has_perm("posts.publish_post")


def can_edit_others(user):
    """WordPress's edit_others_posts: Editors and administrators."""
    return user.has_perm("posts.edit_others_posts")


class PostQuerySet(models.QuerySet):
    def posts(self):
        """Blog posts only: what the home page, archives, feeds and widgets list."""
        return self.filter(post_type=Post.Type.POST)

    def pages(self):
        """Pages only (About, Contact): never in the listings, in the sitemap and search."""
        return self.filter(post_type=Post.Type.PAGE)

    def in_menu(self):
        """The published pages staff put in the site navigation, in menu order (WordPress
        orders pages by menu_order, then title: wp_list_pages' sort_column)."""
        return (
            self.pages()
            .published()
            .filter(show_in_menu=True)
            .order_by("menu_order", "title", "id")
            .only("title", *Post.URL_FIELDS)
        )

    def at_path(self, path):
        """The page at /parent/child/ (its whole path), or None."""
        return self.pages().filter(path=page_path(path)).first()

    def published(self):
        """What a visitor may see: published, and its time has come."""
        return self.filter(status=Post.Status.PUBLISHED, published_at__lte=timezone.now())

    def scheduled(self):
        """Published with a date still to come: visible by itself when that time arrives."""
        return self.filter(status=Post.Status.PUBLISHED, published_at__gt=timezone.now())

    def for_listing(self):
        """Everything a listing shows about each post, in a fixed number of queries (the
        approved-response count is stored on the post: no join with the comments)."""
        return self.select_related("author__profile", "featured_image").prefetch_related(
            "categories", "tags"
        )

    def search(self, term):
        """Full-text search ranked by relevance on PostgreSQL, from the stored, GIN-indexed
        search_vector; every word must match on SQLite.

        Relevance is ranked among the newest SEARCH_CANDIDATES matches, so a common word
        costs a bounded step (WordPress's own search, a LIKE over every row, has no bound)."""
        if connection.vendor == "postgresql":
            query = SearchQuery(term, search_type="websearch", config=SEARCH_CONFIG)
            limit = getattr(settings, "BLOGCMS_SEARCH_CANDIDATES", SEARCH_CANDIDATES)
            candidates = (
                self.filter(search_vector=query)
                .order_by("-published_at", "-id")
                .values("pk")[:limit]
            )
            return (
                self.filter(pk__in=candidates)
                .annotate(rank=SearchRank(F("search_vector"), query))
                .order_by("-rank", "-published_at", "-id")
            )
        matches = self
        for word in term.split()[:10]:
            matches = matches.filter(Q(title__icontains=word) | Q(body__icontains=word))
        return matches

    def at_url(self, url):
        """The post or page a URL of this site names, in every shape its permalink has had:
        /YYYY/MM/DD/slug/ (local date), /parent/page/, /?p=ID, /?page_id=ID, or an address
        it used to have. None otherwise. Only the path and query are read: whether the host
        is ours is the caller's call."""
        from django.urls import Resolver404, resolve

        parts = urlsplit(url)
        if "\x00" in unquote(url):
            return None  # no address holds a NUL (PostgreSQL refuses one in a query)
        if parts.path in ("", "/"):
            query = parse_qs(parts.query)
            if "page_id" in query:
                return self.pages().with_query_id(query["page_id"][0]).first()
            return self.with_query_id(query.get("p", [""])[0]).first()
        try:
            # Django resolves decoded paths (request.path_info): /%C3%A9t%C3%A9/ is /été/.
            match = resolve(unquote(parts.path))
        except Resolver404:
            return None
        kwargs = match.kwargs
        if match.view_name == "posts:page":
            return self.at_path(kwargs["path"]) or self.pages().formerly(page_path(kwargs["path"]))
        if match.view_name != "posts:detail":
            return None
        try:
            day = date(kwargs["year"], int(kwargs["month"]), int(kwargs["day"]))
        except ValueError:
            return None
        posts = self.posts()
        return posts.at_permalink(day, kwargs["slug"]) or posts.formerly(kwargs["slug"])

    def formerly(self, slug):
        """The post that once had `slug` (its old links keep working), or None; for a page,
        `slug` is the whole path it once had ("about/team")."""
        return self.filter(old_slugs__slug=slug).first()

    def with_query_id(self, value):
        """The post WordPress's ?p=`value` names, as a queryset: none unless `value` is
        ASCII digits (blogcms.numbers). A post imported from WordPress answers to its old
        ID (wxr.WordPressID) before a post of ours whose pk it is: the old blog's ?p= links
        are out in the world."""
        number = ascii_int(value)
        if number is None or number > 2**63 - 1:  # beyond any primary key (a bigint)
            return self.none()
        former = Post.objects.filter(wordpress_ids__kind="post", wordpress_ids__wp_id=number)
        old_or_ours = Coalesce(
            Subquery(former.values("pk")[:1]), Value(number), output_field=models.BigIntegerField()
        )
        return self.filter(pk=old_or_ours)

    def at_permalink(self, day, slug):
        """The post whose permalink is /YYYY/MM/DD/slug/ for `day` in the blog's time zone
        (never a page: they have no date in their address)."""
        for post in self.posts().filter(slug=slug):
            if post.local_date.date() == day:
                return post
        return None

    def visible_to(self, user):
        """Visitors see published posts. Staff also preview their own drafts, pending,
        private and scheduled posts, and those of others when they may edit them
        (WordPress: edit_others_posts)."""
        if not (user.is_authenticated and user.is_staff):
            return self.published()
        if can_edit_others(user):
            return self
        return self.published() | self.filter(author=user)


def page_path(path):
    """A page's path as stored: its slugs joined by "/", no slash at either end."""
    return "/".join(s for s in path.split("/") if s)


class Post(models.Model):
    class Type(models.TextChoices):
        # WordPress's post_type values, so an importer copies them as they are.
        POST = "post", "Post"
        PAGE = "page", "Page"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PENDING = "pending", "Pending review"
        PRIVATE = "private", "Private"
        PUBLISHED = "publish", "Published"

    title = models.CharField(max_length=300)
    # Unique among posts, and among the pages under one parent (the constraints below), as
    # WordPress's wp_unique_post_slug(): a page "about" and a post "about" may both exist.
    slug = models.SlugField(max_length=200, allow_unicode=True)
    post_type = models.CharField(
        "type", max_length=20, choices=Type.choices, default=Type.POST, db_index=True
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts"
    )
    body = ProseEditorField(
        extensions={
            "Bold": True,
            "Italic": True,
            "Strike": True,
            "Underline": True,
            "Subscript": True,
            "Superscript": True,
            "Heading": {"levels": [2, 3, 4]},
            "BulletList": True,
            "OrderedList": True,
            "ListItem": True,
            "Blockquote": True,
            "CodeBlock": True,
            "Code": True,
            "HardBreak": True,
            "HorizontalRule": True,
            # Not autolink: tiptap makes the link mark inclusive when it autolinks, so text
            # typed right after a link would join it (WordPress's editor never does).
            "Link": {"enableTarget": False, "autolink": False},
            # The image button picks from or uploads to the media library; srcset is
            # added when the page is shown (media_library/editor.py, content.py).
            "LibraryImage": {
                "pickerUrl": reverse_lazy("admin:media_library_mediaitem_picker"),
                "uploadUrl": reverse_lazy("admin:media_library_mediaitem_picker_upload"),
            },
            "Table": True,
            "TableRow": True,
            "TableHeader": True,
            "TableCell": True,
            "History": True,
        },
        # The editor's own allowlist (nh3) keeps staff HTML to what the editor can make:
        # no Contributor can slip a script into a post.
        sanitize=True,
    )
    excerpt = models.TextField(blank=True, help_text="Optional summary for listings and feeds.")
    featured_image = models.ForeignKey(
        "media_library.MediaItem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="featured_in",
        limit_choices_to={"mime_type__startswith": "image/"},  # MediaItemQuerySet.images()
        help_text="Optional; shown above the post. Pick one from the media library or upload.",
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(
        "publish date",
        default=timezone.now,
        db_index=True,
        help_text="A published post with a future date is scheduled and appears by itself.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)
    categories = models.ManyToManyField(Category, related_name="posts", blank=True)
    tags = TaggableManager(blank=True)
    comments_open = models.BooleanField(default=True)
    pings_open = models.BooleanField(default=True)
    sticky = models.BooleanField(default=False, help_text="Keep at the top of the home page.")
    # Pages only (WordPress's post_parent and menu_order).
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        limit_choices_to={"post_type": Type.PAGE},
        help_text="A page under another has its address: /parent/page/.",
    )
    menu_order = models.IntegerField(
        "order", default=0, help_text="Pages are listed by this number, lowest first."
    )
    show_in_menu = models.BooleanField(
        "show in the site navigation",
        default=False,
        help_text="Listed beside Home in the navigation of every theme, in page order.",
    )
    # A page's whole address ("about/team"), kept so one query finds it at any depth.
    path = models.CharField(max_length=1000, blank=True, editable=False, db_index=True)
    # Kept by comments.models (every save, delete and status change of a response, bulk
    # ones too), so listings and the sitemap read them without joining the comments.
    response_count = models.PositiveIntegerField("approved responses", default=0, editable=False)
    last_response_at = models.DateTimeField(null=True, editable=False)
    # Title (weight A) and body (B) as a tsvector, written by a PostgreSQL trigger on every
    # insert and on every update of the title or body, bulk ones too (migration
    # 0008_stored_counts_search_vector_indexes, with its GIN index). Unused (NULL) on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = PostQuerySet.as_manager()

    # What get_absolute_url() reads: a listing that loads .only() some fields loads these.
    URL_FIELDS = ("post_type", "slug", "path", "published_at")

    class Meta:
        ordering = ["-published_at", "-id"]
        get_latest_by = "published_at"
        indexes = [
            models.Index(fields=["status", "published_at"]),
            # The listings' orderings, read backwards: the home page (sticky first), and
            # archives and feeds; with `id` in them, a deep page skips rows in the index only.
            models.Index(
                fields=["post_type", "status", "sticky", "published_at", "id"],
                name="posts_home_order",
            ),
            models.Index(
                fields=["post_type", "status", "published_at", "id"], name="posts_listing_order"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"], condition=Q(post_type="post"), name="unique_post_slug"
            ),
            models.UniqueConstraint(
                fields=["path"], condition=Q(post_type="page"), name="unique_page_path"
            ),
        ]
        permissions = [
            ("publish_post", "Can publish posts"),
            ("edit_others_posts", "Can edit posts of other authors"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_page(self):
        return self.post_type == self.Type.PAGE

    @property
    def author_display(self):
        """The author's public name, never their login (profiles.display_name)."""
        return display_name(self.author)

    @property
    def address(self):
        """What names this entry in its URL: a post's slug, a page's whole path."""
        return self.path if self.is_page else self.slug

    def clean(self):
        super().clean()
        if not self.is_page:
            if self.parent_id:
                raise ValidationError({"parent": "Only pages sit under another page."})
            taken = Post.objects.posts().filter(slug=self.slug).exclude(pk=self.pk)
            if self.slug and taken.exists():
                raise ValidationError({"slug": "Another post already has this slug."})
            return
        self.clean_page_address()

    def clean_page_address(self):
        """A page sits under no page of its own, and its address is free: no other page
        has it and no other part of the site answers there (a date archive, the feed, the
        admin), so a page never shadows a post's permalink (WordPress:
        wp_unique_post_slug_is_bad_hierarchical_slug)."""
        from django.urls import Resolver404, resolve

        if self.parent_id and not self.parent.is_page:
            raise ValidationError({"parent": "A page sits under another page, not a post."})
        if self.parent_id and self.pk and self.parent.path_is_within(self):
            raise ValidationError({"parent": "A page cannot sit under itself."})
        if not self.slug:
            return
        path = self.computed_path()
        if len(path) > self._meta.get_field("path").max_length:
            raise ValidationError({"slug": "This page sits too deep: its address is too long."})
        if Post.objects.pages().filter(path=path).exclude(pk=self.pk).exists():
            raise ValidationError({"slug": f"Another page already has the address /{path}/."})
        try:
            answers = resolve(f"/{path}/").view_name
        except Resolver404:
            answers = None
        if answers != "posts:page":
            raise ValidationError(
                {"slug": f"The address /{path}/ belongs to another part of the site."}
            )

    def path_is_within(self, other):
        """True when this page is `other` or one of its descendants."""
        return self.path == other.path or self.path.startswith(other.path + "/")

    def computed_path(self):
        return f"{self.parent.path}/{self.slug}" if self.parent_id else self.slug

    def save(self, *args, **kwargs):
        # The editor's allowlist holds for every way a body is stored (admin, fixtures,
        # imports, code), not only for forms: templates show the body as it is.
        self.body = self._meta.get_field("body").sanitize(self.body)
        if not self.slug:
            self.slug = slugify(self.title, allow_unicode=True)[:200] or self.post_type
        self.path = self.computed_path() if self.is_page else ""
        previous = None
        if self.pk:
            previous = Post.objects.filter(pk=self.pk).values_list("slug", "path").first()
            # A post's old slug, or a page's old path (WordPress keeps _wp_old_slug).
            before = previous and (previous[1] or previous[0])
            if before and before != self.address:
                OldSlug.objects.get_or_create(slug=before, defaults={"post": self})
        super().save(*args, **kwargs)
        if self.is_page and previous and previous[1] != self.path:
            for child in self.children.all():
                child.save()  # their paths start with ours

    @property
    def local_date(self):
        return timezone.localtime(self.published_at)

    def get_absolute_url(self):
        if self.is_page:
            return reverse("posts:page", kwargs={"path": self.path})
        d = self.local_date
        return reverse(
            "posts:detail",
            kwargs={
                "year": d.year,
                "month": f"{d.month:02d}",
                "day": f"{d.day:02d}",
                "slug": self.slug,
            },
        )

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED and self.published_at <= timezone.now()

    @property
    def is_scheduled(self):
        return self.status == self.Status.PUBLISHED and self.published_at > timezone.now()

    def plain_body(self):
        """The body as text, its tags dropped and entities decoded (`Tom &amp; Jerry` is
        `Tom & Jerry`), for a template or a feed to escape once."""
        return html.unescape(strip_tags(self.body))

    def summary(self, words=55):
        """The excerpt, or the body's first 55 words as WordPress's wp_trim_excerpt: plain
        text."""
        return self.excerpt or Truncator(self.plain_body()).words(words, truncate=" […]")

    def meta_description(self, words=30):
        """What search engines show under the title: the excerpt, or the body's first words,
        as plain text for the template to escape."""
        text = self.excerpt or self.plain_body()
        return Truncator(" ".join(text.split())).words(words, truncate="…")

    def closed_by_age(self, site_settings=None):
        """Older than close_comments_days_old, when staff turned closing by age on."""
        if not (site_settings and site_settings.close_comments_for_old_posts):
            return False
        age_limit = timedelta(days=site_settings.close_comments_days_old)
        return timezone.now() - self.published_at > age_limit

    def comments_are_open(self, site_settings=None):
        """Published (a preview takes no comments), open per post, and not yet closed by
        age when staff turned that on."""
        return self.is_published and self.comments_open and not self.closed_by_age(site_settings)

    def pings_are_open(self, site_settings=None):
        """Pingbacks and webmentions are taken: published, pings open per post, and not
        closed by age (WordPress's _close_comments_for_old_post closes pings too)."""
        return self.is_published and self.pings_open and not self.closed_by_age(site_settings)


class PageManager(models.Manager.from_queryset(PostQuerySet)):
    def get_queryset(self):
        return super().get_queryset().pages()


class Page(Post):
    """A page (About, Contact): a Post row with post_type "page", a parent and a menu order,
    at /parent/slug/, with comments and linkbacks like a post's and in no listing.

    An importer creates one with Page.objects.create(title=…, slug=…, parent=…, …): the type
    is set here, the path follows from the parent, and comments and pings are closed unless
    given (as WordPress makes new pages).
    """

    objects = PageManager()

    class Meta:
        proxy = True
        ordering = ["menu_order", "title", "id"]

    def __init__(self, *args, **kwargs):
        if not args:  # from_db passes the stored values positionally
            kwargs.setdefault("post_type", Post.Type.PAGE)
            # WordPress's get_default_comment_status("page") is "closed" for comments and
            # pings, whatever the site's default for posts.
            kwargs.setdefault("comments_open", False)
            kwargs.setdefault("pings_open", False)
        super().__init__(*args, **kwargs)

    def save(self, *args, **kwargs):
        self.post_type = Post.Type.PAGE
        super().save(*args, **kwargs)


class TagUse(models.Model):
    """How many published posts carry a tag (scheduled ones included), kept by posts.counts
    beside taggit's Tag, which has no count (WordPress keeps wp_term_taxonomy.count)."""

    tag = models.OneToOneField(
        "taggit.Tag", on_delete=models.CASCADE, primary_key=True, related_name="use"
    )
    posts = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["posts"])]

    def __str__(self):
        return f"{self.tag}: {self.posts}"


class OldSlug(models.Model):
    """A slug a post used to have, or a path a page used to have; its old address keeps
    redirecting (WordPress: _wp_old_slug)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="old_slugs")
    # A post's slug, or a page's whole path ("about/team"): not a SlugField, for the slashes.
    slug = models.CharField("old address", max_length=1000, unique=True)

    def __str__(self):
        return self.slug
