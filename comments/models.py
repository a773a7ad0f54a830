"""Every response to a post: comments, pingbacks, trackbacks and webmentions.

The author's raw text is kept beside the sanitised HTML made from it at save time, so
pages never sanitise on view and a whitelist change can re-render old comments.
"""

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import cached_property

from blogcms.cache import content_changed

from .sanitize import is_web_url, render_comment

# WordPress's limits (wp_get_comment_fields_max_lengths).
MAX_AUTHOR = 245
MAX_EMAIL = 100
MAX_URL = 200
MAX_CONTENT = 65525


# What a comment's HTML shows (templates/comments/_comment.html), besides its dates.
THREAD_FIELDS = (
    "pk", "parent_id", "status", "type", "author_name", "author_email", "author_url",
    "content_html",
)  # fmt: skip


class CommentQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Comment.Status.APPROVED)

    def set_status(self, status):
        """Moderate many at once (one UPDATE); pages showing them are invalidated and their
        posts' counts made again, since update() sends no post_save."""
        from .paging import forget_layout

        post_ids = set(self.values_list("post_id", flat=True).order_by().distinct())
        for post_id in post_ids:
            forget_layout(post_id)
        count = self.update(status=status, updated_at=timezone.now())
        count_responses(post_ids)
        content_changed()
        return count

    def for_thread(self, post, held=(), pks=None, signed=False):
        """for_display()'s responses (those of `pks` only, if given) as plain rows: what
        the thread's layout and each comment's HTML need (comments.thread), without making
        a model instance or parsing a date per row, which for a thousand rows would cost
        more than the page. `version` and `created` are updated_at and created_at as the
        database stores them."""
        rows = self.for_display(post, held)
        if pks is not None:
            rows = rows.filter(pk__in=[*pks, *held])
        fields = [*THREAD_FIELDS, "version", "created", "note_url"]
        if signed:
            # Which responses are approved now, in the same query: (how many, their ids'
            # sum), to check a kept layout against (comments.paging.Layout.signature).
            approved = (
                Comment.objects.filter(post=post, status=Comment.Status.APPROVED)
                .order_by()
                .values("post")
            )
            rows = rows.annotate(
                approved_count=Subquery(approved.annotate(n=Count("pk")).values("n")[:1]),
                approved_sum=Subquery(approved.annotate(s=Sum("pk")).values("s")[:1]),
            )
            fields += ["approved_count", "approved_sum"]
        return rows.annotate(
            created=Cast("created_at", output_field=models.CharField()),
            # A Fediverse reply's note, joined on its unique key (federation.RemoteNote).
            note_url=F("fediverse_note__url"),
        ).values_list(*fields, named=True)

    def for_display(self, post, held=()):
        """The approved responses of one post in display order, one query; plus those of
        `held` (ids from the visitor's own signed marker) still waiting for moderation.
        `version` moves on every save: the raw text of updated_at (parsing a thousand
        datetimes would cost more than the page)."""
        shown = models.Q(status=Comment.Status.APPROVED)
        if held:
            shown |= models.Q(status=Comment.Status.PENDING, pk__in=list(held))
        # Only what the thread shows: no raw text, address or user agent (the email stays,
        # never shown: the avatar is drawn from a keyed hash of it).
        hidden = ("content", "author_ip", "user_agent", "user", "updated_at")
        return (
            self.filter(shown, post=post)
            .defer(*hidden)
            .annotate(version=Cast("updated_at", output_field=models.CharField()))
            .order_by("created_at", "id")
        )


def count_responses(post_ids):
    """Store on each of these posts its number of approved responses and when one last
    changed (Post.response_count, Post.last_response_at): listings and the sitemap read
    them instead of counting comments. Made from the table, so it is exact whatever ran
    before; one UPDATE, whose subqueries use the (post, status, created_at) index.

    The posts' rows are locked first (in id order), so two responses moderated at once on
    one post are counted one after the other, each seeing the other's (PostgreSQL's READ
    COMMITTED gives the counting statement a snapshot taken after the lock)."""
    from posts.models import Post

    post_ids = sorted({pk for pk in post_ids if pk is not None})
    if not post_ids:
        return
    approved = Comment.objects.filter(post=OuterRef("pk"), status=Comment.Status.APPROVED)
    per_post = approved.order_by().values("post").annotate(n=Count("pk")).values("n")
    posts = Post.objects.filter(pk__in=post_ids)
    with transaction.atomic():
        list(posts.select_for_update().order_by("pk").values_list("pk", flat=True))
        posts.update(
            response_count=Coalesce(Subquery(per_post, output_field=IntegerField()), 0),
            last_response_at=Subquery(approved.order_by("-updated_at").values("updated_at")[:1]),
        )


def count_all_responses(batch=1000):
    """count_responses() for every post, a batch at a time: after work that went around the
    ORM (a WordPress import's bulk_create, SQL)."""
    from posts.models import Post

    post_ids = list(Post.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(post_ids), batch):
        count_responses(post_ids[start : start + batch])
    return len(post_ids)


class Comment(models.Model):
    class Type(models.TextChoices):
        COMMENT = "comment", "Comment"
        PINGBACK = "pingback", "Pingback"
        TRACKBACK = "trackback", "Trackback"
        WEBMENTION = "webmention", "Webmention"
        # A reply from Mastodon and the rest of the Fediverse, over ActivityPub (federation/).
        FEDIVERSE = "fediverse", "Fediverse reply"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        SPAM = "spam", "Spam"
        TRASH = "trash", "Trash"

    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="responses")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    type = models.CharField(max_length=12, choices=Type.choices, default=Type.COMMENT)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    author_name = models.CharField("name", max_length=MAX_AUTHOR, blank=True)
    author_email = models.EmailField("email", max_length=MAX_EMAIL, blank=True, db_index=True)
    author_url = models.URLField("website", max_length=MAX_URL, blank=True)
    author_ip = models.GenericIPAddressField("IP address", null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    content = models.TextField("comment", max_length=MAX_CONTENT)
    content_html = models.TextField(editable=False, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["post", "status", "created_at"]),
            # The moderation queue: one status, in the list's order, read a page at a time.
            models.Index(fields=["status", "created_at", "id"], name="comments_queue_order"),
        ]

    def __str__(self):
        return f"{self.get_type_display()} by {self.author_name or 'anonymous'} on {self.post}"

    @classmethod
    def from_db(cls, db, field_names, values):
        comment = super().from_db(db, field_names, values)
        # What the database holds; "unknown" when the status was not loaded (.only()).
        comment._stored_status = comment.__dict__.get("status", "unknown")
        comment._stored_post_id = comment.__dict__.get("post_id")
        return comment

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "content" in update_fields:
            self.render()  # a status change leaves the stored HTML alone
        super().save(*args, **kwargs)
        self._forget_pages()
        if self.changes_public_pages:
            # Its post's count (and the one it was moved from, in the admin).
            count_responses({self.post_id, getattr(self, "_stored_post_id", None)})
        self._stored_status = self.status
        self._stored_post_id = self.post_id

    @classmethod
    def deleted(cls, instance, origin=None, **kwargs):
        """post_delete receiver (comments.apps): an approved response deleted, one by one or
        in bulk, leaves its post's count; not when its post itself is being deleted."""
        from posts.models import Post

        deleting = origin.model if isinstance(origin, models.QuerySet) else type(origin)
        if issubclass(deleting, Post):
            return
        if instance.changes_public_pages:
            count_responses({instance.post_id})

    def delete(self, *args, **kwargs):
        self._forget_pages()
        return super().delete(*args, **kwargs)

    def _forget_pages(self):
        """The post's comment pages are laid out again when what they show changed."""
        from .paging import forget_layout

        if self.changes_public_pages:
            forget_layout(self.post_id)

    @property
    def changes_public_pages(self):
        """Saving or deleting this response changes what visitors see only when it is, or
        was, approved: a wave of held or spam comments leaves every cached page alone."""
        approved = self.Status.APPROVED
        stored = getattr(self, "_stored_status", None)  # None: a new response
        return approved in (self.status, stored) or stored == "unknown"

    def render(self):
        """Make the stored safe HTML from the raw text (the only place it is made); once per
        text, so moderation's link count and the save share one sanitising pass."""
        if getattr(self, "_rendered_from", None) != self.content:
            self.content_html = render_comment(self.content)
            self._rendered_from = self.content

    @classmethod
    def from_thread_row(cls, row):
        """An unsaved instance from a for_thread() row, enough to render it."""
        created = parse_datetime(row.created)
        if timezone.is_naive(created):  # SQLite keeps UTC without an offset
            created = timezone.make_aware(created, datetime.UTC)
        comment = cls(**{name: getattr(row, name) for name in THREAD_FIELDS}, created_at=created)
        comment.note_url = comment.linkable(getattr(row, "note_url", None))
        return comment

    def get_absolute_url(self):
        """On the comment page that shows it (WordPress's get_comment_link())."""
        from blogcms.models import SiteSettings

        from .paging import comment_url

        return comment_url(self, SiteSettings.load())

    def set_status(self, status):
        """Moderation's verdict: only the status (and updated_at) is written."""
        self.status = status
        self.save(update_fields=["status", "updated_at"])

    def approve(self):
        self.set_status(self.Status.APPROVED)

    @property
    def is_linkback(self):
        """A notice that another page links here; a Fediverse reply is a comment that came
        by another road, shown as one."""
        return self.type not in (self.Type.COMMENT, self.Type.FEDIVERSE)

    @cached_property
    def note_url(self):
        """A Fediverse reply's note on its own server, where it is read and answered there."""
        if self.type != self.Type.FEDIVERSE:
            return ""
        note = getattr(self, "fediverse_note", None)  # None: no note stored (yet)
        return self.linkable(note.url if note else "")

    @property
    def note_site(self):
        """The server the Fediverse reply came from, named on its link."""
        return urlsplit(self.note_url).hostname or ""

    @staticmethod
    def linkable(url):
        """`url` as an href: only an http(s) address, "" for anything else or nothing."""
        return url if url and is_web_url(url) else ""

    @property
    def author_link(self):
        """The author's website as a link's href: only an http(s) address, whatever a past
        version, an import or the admin stored (a javascript: URL is never a link)."""
        return self.linkable(self.author_url)

    @classmethod
    def usable_website(cls, url):
        """`url` if a comment form would have taken it (an http(s) URL that fits the field),
        else "": how imported and federated websites are kept."""
        url = url.strip()
        if not url or len(url) > MAX_URL or not is_web_url(url):
            return ""
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            return ""
        return url

    @property
    def source_site(self):
        """The host of a linkback's source, shown as WordPress shows "title | site"."""
        return urlsplit(self.author_url).hostname or ""
