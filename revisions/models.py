"""Revisions of posts and pages: every save that changes the title, body or excerpt keeps a
copy (WordPress: wp_save_post_revision on post_updated), and each editor's autosave is kept
apart, one per post and user (WordPress: wp_create_post_autosave)."""

import contextlib
import contextvars

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from posts.models import Post

# Who is saving, for revisions made while it is set (the admin sets it around its saves).
_current_author = contextvars.ContextVar("revision_author", default=None)


@contextlib.contextmanager
def authored_by(user):
    """Revisions made inside this block are signed by `user` (a save knows no request)."""
    token = _current_author.set(user)
    try:
        yield
    finally:
        _current_author.reset(token)


class RevisionQuerySet(models.QuerySet):
    def saved(self):
        """Revisions made by saving the post, newest first; not autosaves."""
        return self.filter(is_autosave=False)

    def autosave_of(self, post, user):
        """`user`'s autosave of `post`, or None."""
        return self.filter(post=post, author=user, is_autosave=True).first()


class Revision(models.Model):
    """The title, body and excerpt of a post as they were at one save (or one autosave)."""

    FIELDS = ("title", "body", "excerpt")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    excerpt = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who saved it; empty when code saved the post outside the admin.",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    is_autosave = models.BooleanField(default=False)

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "author"],
                condition=Q(is_autosave=True),
                name="one_autosave_per_post_and_user",
            )
        ]

    def __str__(self):
        kind = "Autosave" if self.is_autosave else "Revision"
        return f"{kind} of “{self.title}” at {self.created_at:%Y-%m-%d %H:%M}"

    def content(self):
        return {name: getattr(self, name) for name in self.FIELDS}

    def matches(self, post):
        """True when `post` holds exactly this revision's title, body and excerpt."""
        return all(getattr(post, name) == value for name, value in self.content().items())

    @classmethod
    def record(cls, post, author=None):
        """Keep `post` as it is now, unless the newest revision already holds it (WordPress
        skips a revision when no revisioned field changed: wp_save_post_revision)."""
        latest = post.revisions.saved().first()
        if latest is not None and latest.matches(post):
            return None
        return cls.objects.create(
            post=post, author=author, **{name: getattr(post, name) for name in cls.FIELDS}
        )

    @classmethod
    def autosave(cls, post, user, *, title, body, excerpt):
        """Store `user`'s unsaved edits of `post` as their one autosave, replacing the last.
        The body passes the editor's allowlist, as every stored body does."""
        body = Post._meta.get_field("body").sanitize(body)
        revision, _ = cls.objects.update_or_create(
            post=post,
            author=user,
            is_autosave=True,
            defaults={
                "title": title,
                "body": body,
                "excerpt": excerpt,
                "created_at": timezone.now(),
            },
        )
        return revision

    def restore(self, user):
        """Put this revision's content back into the post; the save is a revision of its own
        (signed by `user`), and `user`'s autosave is spent (WordPress: wp_restore_post_revision)."""
        post = self.post
        for name, value in self.content().items():
            setattr(post, name, value)
        with authored_by(user):
            post.save()
        Revision.objects.filter(post=post, author=user, is_autosave=True).delete()
        return post


def record_revision(sender, instance, raw=False, **kwargs):
    """post_save: every save of a post or page keeps a revision when its text changed."""
    if raw:  # fixtures load rows as they are
        return
    Revision.record(instance, author=_current_author.get())
