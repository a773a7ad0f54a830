"""What an import keeps: the WordPress ID of everything it brought over (so a second run
changes nothing, and the old blog's /?p=ID links keep answering), and each run started from
the admin, with its progress and summary."""

from django.conf import settings
from django.db import models

from .storage import import_storage


class WordPressID(models.Model):
    """The ID an object had on the WordPress blog it was imported from. WordPress numbers
    posts, pages and attachments in one sequence (wp_posts), terms in another, comments and
    users in their own: `kind` says which. Deleting the object deletes its row, so a later
    import brings it back (as WordPress's importer would)."""

    class Kind(models.TextChoices):
        USER = "user", "Author"
        CATEGORY = "category", "Category"
        TAG = "tag", "Tag"
        POST = "post", "Post or page"
        ATTACHMENT = "attachment", "Attachment"
        COMMENT = "comment", "Comment"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    wp_id = models.PositiveBigIntegerField("WordPress ID")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+"
    )
    category = models.ForeignKey(
        "posts.Category", null=True, on_delete=models.CASCADE, related_name="+"
    )
    tag = models.ForeignKey("taggit.Tag", null=True, on_delete=models.CASCADE, related_name="+")
    # PostQuerySet.with_query_id() reads this relation: /?p=ID answers with the old ID.
    post = models.ForeignKey(
        "posts.Post", null=True, on_delete=models.CASCADE, related_name="wordpress_ids"
    )
    comment = models.ForeignKey(
        "comments.Comment", null=True, on_delete=models.CASCADE, related_name="+"
    )
    media_item = models.ForeignKey(
        "media_library.MediaItem", null=True, on_delete=models.CASCADE, related_name="+"
    )
    # An attachment's file under the old blog's wp-content/uploads (its _wp_attached_file,
    # "2021/12/cafe.jpg"): the old /wp-content/uploads/… addresses redirect by it.
    old_file = models.CharField(max_length=500, blank=True, db_index=True)
    # An attachment's page on the old blog (its <link>, as a path: "2011/08/19/post/cafe",
    # "cafe", "about/cafe"): the old address redirects to the file (posts.legacy).
    old_address = models.CharField(max_length=500, blank=True, db_index=True)

    class Meta:
        verbose_name = "WordPress ID"
        constraints = [
            models.UniqueConstraint(fields=["kind", "wp_id"], name="one_object_per_wordpress_id")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.wp_id}"

    @classmethod
    def attachment_file(cls, **lookup):
        """The library item of the imported attachment `lookup` names (wp_id=…,
        old_file=…, old_address=…), or None."""
        row = (
            cls.objects.filter(kind=cls.Kind.ATTACHMENT, media_item__isnull=False, **lookup)
            .select_related("media_item")
            .first()
        )
        return row.media_item if row else None

    @classmethod
    def field_for(cls, kind):
        """The foreign key that holds objects of `kind`."""
        return {
            cls.Kind.USER: "user",
            cls.Kind.CATEGORY: "category",
            cls.Kind.TAG: "tag",
            cls.Kind.POST: "post",
            cls.Kind.COMMENT: "comment",
            cls.Kind.ATTACHMENT: "media_item",
        }[kind]

    @classmethod
    def known(cls, kind, wp_ids):
        """{wp_id: our pk} for those of `wp_ids` already imported (one query)."""
        column = f"{cls.field_for(kind)}_id"
        rows = cls.objects.filter(kind=kind, wp_id__in=list(wp_ids)).values_list("wp_id", column)
        return dict(rows)

    @classmethod
    def remember(cls, kind, pairs):
        """Record (wp_id, our pk) pairs in one INSERT."""
        column = f"{cls.field_for(kind)}_id"
        cls.objects.bulk_create([cls(kind=kind, wp_id=w, **{column: pk}) for w, pk in pairs])


class SourceBlog(models.Model):
    """A WordPress blog this site imported (its wp:base_blog_url). WordPress IDs are only
    unique within one blog: a second blog's post 10 is not the first blog's post 10, so an
    import from another blog is refused rather than taken as "already imported"."""

    base_url = models.URLField(max_length=500, unique=True)
    first_imported_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.base_url

    @classmethod
    def check_same_blog(cls, base_url, *, moved=False):
        """Record `base_url` as the blog imported here; the reason to refuse, if another
        blog's IDs are already kept (None when all is well). `moved`: the same blog, at a
        new address."""
        base_url = base_url.rstrip("/")
        others = cls.objects.exclude(base_url=base_url)
        if others.exists() and not moved and WordPressID.objects.exists():
            return (
                f"This site already holds an import of {others.first().base_url}; this file "
                f"is from {base_url or 'a blog without wp:base_blog_url'}. WordPress IDs are "
                "per blog, so its posts would be taken for the other blog's. Import it into a "
                "fresh site, or, if it is the same blog at a new address, run import_wordpress "
                "with --same-blog."
            )
        cls.objects.get_or_create(base_url=base_url)
        return None


class ImportRun(models.Model):
    """One import started from the admin: the uploaded file waits in private storage until
    the background task reads it, and is deleted afterwards (it holds commenters' emails
    and addresses)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for the worker"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    file = models.FileField(upload_to="%Y/%m/", storage=import_storage)
    file_name = models.CharField(max_length=255, editable=False)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    items_total = models.PositiveIntegerField(default=0)
    items_done = models.PositiveIntegerField(default=0)
    summary = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "WordPress import"
        ordering = ["-created_at"]
        permissions = [("export_blog", "Can export the whole blog (WXR)")]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def percent(self):
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.items_done / self.items_total) if self.items_total else 0

    @property
    def is_finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)
