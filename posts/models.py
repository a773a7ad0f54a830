"""Posts, their categories and the slugs they used to have.

Publication is data: a post is visible when it is published and its date has come
(`Post.objects.published()`), so scheduled posts appear by themselves with no cron.
"""

from datetime import date, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Count, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator, slugify
from django_prose_editor.fields import ProseEditorField
from taggit.managers import TaggableManager

from .images import validate_image

UNCATEGORIZED_SLUG = "uncategorized"


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
    def published(self):
        """What a visitor may see: published, and its time has come."""
        return self.filter(status=Post.Status.PUBLISHED, published_at__lte=timezone.now())

    def scheduled(self):
        """Published with a date still to come: visible by itself when that time arrives."""
        return self.filter(status=Post.Status.PUBLISHED, published_at__gt=timezone.now())

    def for_listing(self):
        """Everything a listing shows about each post, in a fixed number of queries."""
        from comments.models import Comment

        return (
            self.select_related("author")
            .prefetch_related("categories", "tags")
            .annotate(
                response_count=Count(
                    "responses", filter=Q(responses__status=Comment.Status.APPROVED)
                )
            )
        )

    def search(self, term):
        """Full-text search ranked by relevance on PostgreSQL; every word must match on SQLite."""
        if connection.vendor == "postgresql":
            from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

            vector = SearchVector("title", weight="A") + SearchVector("body", weight="B")
            query = SearchQuery(term, search_type="websearch")
            # Match with @@ (ts_rank gives a tiny non-zero rank to some non-matches).
            return (
                self.annotate(document=vector, rank=SearchRank(vector, query))
                .filter(document=query)
                .order_by("-rank", "-published_at")
            )
        matches = self
        for word in term.split()[:10]:
            matches = matches.filter(Q(title__icontains=word) | Q(body__icontains=word))
        return matches

    def at_url(self, url):
        """The post a URL of this site names, in every shape its permalink has had:
        /YYYY/MM/DD/slug/ (local date), /?p=ID, or a slug it used to have. None otherwise.
        Only the path and query are read: whether the host is ours is the caller's call."""
        from django.urls import Resolver404, resolve

        parts = urlsplit(url)
        if parts.path in ("", "/"):
            return self.with_query_id(parse_qs(parts.query).get("p", [""])[0]).first()
        try:
            # Django resolves decoded paths (request.path_info): /%C3%A9t%C3%A9/ is /été/.
            match = resolve(unquote(parts.path))
            kwargs = match.kwargs
            day = date(kwargs["year"], int(kwargs["month"]), int(kwargs["day"]))
        except (Resolver404, KeyError, ValueError):
            return None
        if match.view_name != "posts:detail":
            return None
        return self.at_permalink(day, kwargs["slug"]) or self.formerly(kwargs["slug"])

    def formerly(self, slug):
        """The post that once had `slug` (its old links keep working), or None."""
        return self.filter(old_slugs__slug=slug).first()

    def with_query_id(self, value):
        """The post WordPress's ?p=`value` names, as a queryset: none unless `value` is
        ASCII digits ("²".isdigit() is true, yet int("²") raises). A post imported from
        WordPress answers to its old ID (wxr.WordPressID) before a post of ours whose pk
        it is: the old blog's ?p= links are out in the world."""
        if not (value.isascii() and value.isdigit()):
            return self.none()
        number = int(value)
        if number > 2**63 - 1:  # beyond any primary key (a bigint)
            return self.none()
        former = Post.objects.filter(wordpress_ids__kind="post", wordpress_ids__wp_id=number)
        old_or_ours = Coalesce(
            Subquery(former.values("pk")[:1]), Value(number), output_field=models.BigIntegerField()
        )
        return self.filter(pk=old_or_ours)

    def at_permalink(self, day, slug):
        """The post whose permalink is /YYYY/MM/DD/slug/ for `day` in the blog's time zone."""
        for post in self.filter(slug=slug):
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


class Post(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PENDING = "pending", "Pending review"
        PRIVATE = "private", "Private"
        PUBLISHED = "publish", "Published"

    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=200, unique=True, allow_unicode=True)
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
            "Link": {"enableTarget": False},
            "Image": True,
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
    featured_image = models.ImageField(
        upload_to="featured/%Y/%m/",
        blank=True,
        validators=[validate_image],
        width_field="featured_image_width",
        height_field="featured_image_height",
        help_text="Optional. JPEG, PNG, GIF or WebP; shown above the post.",
    )
    featured_image_alt = models.CharField(
        "featured image description",
        max_length=300,
        blank=True,
        help_text="What the image shows, for readers who cannot see it.",
    )
    # Kept so pages give the image its size before it loads (no layout shift).
    featured_image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    featured_image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
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

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        get_latest_by = "published_at"
        indexes = [models.Index(fields=["status", "published_at"])]
        permissions = [
            ("publish_post", "Can publish posts"),
            ("edit_others_posts", "Can edit posts of other authors"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # The editor's allowlist holds for every way a body is stored (admin, fixtures,
        # imports, code), not only for forms: templates show the body as it is.
        self.body = self._meta.get_field("body").sanitize(self.body)
        if not self.slug:
            self.slug = slugify(self.title, allow_unicode=True)[:200] or "post"
        if self.pk:
            previous = Post.objects.filter(pk=self.pk).values_list("slug", flat=True).first()
            if previous and previous != self.slug:
                OldSlug.objects.get_or_create(slug=previous, defaults={"post": self})
        super().save(*args, **kwargs)

    @property
    def local_date(self):
        return timezone.localtime(self.published_at)

    def get_absolute_url(self):
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

    def summary(self, words=55):
        """The excerpt, or the body's first 55 words as WordPress's wp_trim_excerpt."""
        return self.excerpt or Truncator(strip_tags(self.body)).words(words, truncate=" […]")

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


class OldSlug(models.Model):
    """A slug a post used to have; its old permalink keeps redirecting (WordPress: _wp_old_slug)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="old_slugs")
    slug = models.SlugField(max_length=200, unique=True, allow_unicode=True)

    def __str__(self):
        return self.slug
