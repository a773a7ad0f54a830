"""Site-wide settings that staff edit in the admin.

One row, cached; saving it takes effect on the next request in every worker. The
discussion fields mirror WordPress's options of the same name (wp-admin/includes/schema.php),
so a blogger moving over finds the defaults they know.
"""

import contextvars

from django.core.cache import cache
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction

from .themes import theme_choices

CACHE_KEY = "blogcms:site-settings:v1"
# The row read for the request being served (set by ThemeMiddleware), so code without the
# request at hand (feeds, template tags) does not read the cache again.
current_site_settings = contextvars.ContextVar("current_site_settings", default=None)


class SiteSettings(models.Model):
    class CommentOrder(models.TextChoices):
        ASC = "asc", "Older comments at the top"
        DESC = "desc", "Newer comments at the top"

    # Reading and general (WordPress: blogname, blogdescription, posts_per_page, …)
    title = models.CharField(max_length=200, default="blogcms")
    tagline = models.CharField(max_length=300, blank=True, default="Just another blogcms site")
    theme = models.CharField(max_length=50, default="classic", choices=theme_choices)
    posts_per_page = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    posts_per_rss = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    date_format = models.CharField(
        max_length=30,
        default="F j, Y",
        help_text="Django/PHP date format characters, as WordPress's date_format.",
    )

    # Discussion: defaults for new posts
    default_comment_status = models.BooleanField(
        "Allow people to submit comments on new posts", default=True
    )
    default_ping_status = models.BooleanField(
        "Allow link notifications from other blogs (pingbacks) on new posts", default=True
    )
    default_pingback_flag = models.BooleanField(
        "Attempt to notify any blogs linked to from the post", default=True
    )
    # Discussion: other comment settings
    require_name_email = models.BooleanField(
        "Comment author must fill out name and email", default=True
    )
    comment_registration = models.BooleanField(
        "Users must be registered and logged in to comment", default=False
    )
    close_comments_for_old_posts = models.BooleanField(
        "Automatically close comments on old posts", default=False
    )
    close_comments_days_old = models.PositiveIntegerField("Close comments after days", default=14)
    show_comments_cookies_opt_in = models.BooleanField(
        "Show comments cookies opt-in checkbox", default=True
    )
    thread_comments = models.BooleanField("Enable threaded (nested) comments", default=True)
    # WordPress: show_avatars. Drawn here from a keyed hash, never fetched from a third party
    # (Gravatar would tell it every reader of every page, and its MD5 gives emails away).
    show_avatars = models.BooleanField("Show avatars beside comments", default=True)
    thread_comments_depth = models.PositiveSmallIntegerField(
        "Threaded comments levels deep",
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    comment_order = models.CharField(
        max_length=4, choices=CommentOrder.choices, default=CommentOrder.ASC
    )
    # WordPress: page_comments (off since WordPress 4.4), comments_per_page (top-level
    # comments on each page), default_comments_page. comments.paging cuts a page short of
    # BLOGCMS_COMMENTS_PAGE_LIMIT responses in any case, so no post's page grows unbounded.
    page_comments = models.BooleanField("Break comments into pages", default=False)
    comments_per_page = models.PositiveSmallIntegerField(
        "Top level comments per page", default=50, validators=[MinValueValidator(1)]
    )
    default_comments_page = models.CharField(
        "Page displayed by default",
        max_length=6,
        choices=[("newest", "Last page"), ("oldest", "First page")],
        default="newest",
    )
    # Discussion: email me whenever
    comments_notify = models.BooleanField(
        "Email the post author when anyone posts a comment", default=True
    )
    moderation_notify = models.BooleanField("Email moderators when a comment is held", default=True)
    # Discussion: before a comment appears
    comment_moderation = models.BooleanField("Comment must be manually approved", default=False)
    comment_previously_approved = models.BooleanField(
        "Comment author must have a previously approved comment", default=True
    )
    # Discussion: moderation
    comment_max_links = models.PositiveSmallIntegerField(
        "Hold a comment if it contains this many or more links", default=2
    )
    moderation_keys = models.TextField(
        "Comment moderation words",
        blank=True,
        help_text="One word or IP address per line; a match in name, email, URL, text, IP or "
        "user agent holds the comment.",
    )
    disallowed_keys = models.TextField(
        "Disallowed comment keys",
        blank=True,
        help_text="One word or IP address per line; a match sends the comment to spam.",
    )
    comment_flood_seconds = models.PositiveSmallIntegerField(
        "Seconds between comments from one IP or email", default=15
    )
    # Linkbacks
    pingback_hide_fault_details = models.BooleanField(
        "Answer every pingback fault except 48 with a bare 0 (as WordPress does)",
        default=False,
    )

    class Meta:
        verbose_name = "site settings"
        verbose_name_plural = "site settings"

    def __str__(self):
        return "Site settings"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)
        # Again after commit: a request between the two could cache the old row for minutes.
        cache.delete(CACHE_KEY)
        transaction.on_commit(lambda: cache.delete(CACHE_KEY))

    @classmethod
    def load(cls):
        """The settings row, from the shared cache when it is there."""
        settings = current_site_settings.get() or cache.get(CACHE_KEY)
        if settings is None:
            settings, _ = cls.objects.get_or_create(pk=1)
            cache.set(CACHE_KEY, settings, 300)
        return settings

    def keyword_list(self, field):
        """The non-empty lines of moderation_keys or disallowed_keys."""
        return [line.strip() for line in getattr(self, field).splitlines() if line.strip()]
