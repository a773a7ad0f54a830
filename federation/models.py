"""The blog's side of the Fediverse: its own actor and key, the remote actors it has met,
who follows it, whom it blocks, what it has federated, and each delivery's outcome."""

from datetime import timedelta
from functools import lru_cache
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.db import models
from django.utils import timezone

from blogcms.addresses import site_url


def generate_key_pair():
    """A 2048-bit RSA key pair as PEM text (what Mastodon makes for each account)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@lru_cache(maxsize=4)
def _load_private_key(pem):
    """Parsed once per process: loading checks the RSA key, which costs tens of ms, more
    than signing with it."""
    return serialization.load_pem_private_key(pem.encode(), password=None)


def domain_of(url):
    """The host (lower-case, no port) of an actor's or key's id: what blocks and limits name."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


class BlogActor(models.Model):
    """The blog itself as one ActivityPub actor (`@blog@host`): one row, made on first use,
    with one stable key pair kept here (a key that changed would orphan every follower)."""

    username = models.SlugField(
        "handle",
        max_length=64,
        default="blog",
        help_text="The blog's Fediverse handle: @handle@your-host.",
    )
    manually_approves_followers = models.BooleanField(
        "manually approve followers",
        default=False,
        help_text="New followers wait for staff approval (Mastodon's locked account).",
    )
    private_key_pem = models.TextField(editable=False)
    public_key_pem = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "blog actor"

    def __str__(self):
        return f"@{self.username}"

    @classmethod
    def load(cls):
        actor = cls.objects.order_by("pk").first()
        if actor is None:
            private, public = generate_key_pair()
            actor, _ = cls.objects.get_or_create(
                pk=1, defaults={"private_key_pem": private, "public_key_pem": public}
            )
        return actor

    # Addresses: the actor's id never holds the handle, so renaming it orphans no follower.
    @property
    def ap_id(self):
        return site_url("/activitypub/blog/")

    @property
    def key_id(self):
        return f"{self.ap_id}#main-key"

    @property
    def inbox(self):
        return site_url("/activitypub/blog/inbox/")

    @property
    def shared_inbox(self):
        return site_url("/activitypub/inbox/")

    @property
    def outbox(self):
        return site_url("/activitypub/blog/outbox/")

    @property
    def followers_url(self):
        return site_url("/activitypub/blog/followers/")

    @property
    def following_url(self):
        return site_url("/activitypub/blog/following/")

    def private_key(self):
        return _load_private_key(self.private_key_pem)


class RemoteActor(models.Model):
    """A Fediverse account we have met, as its own document said (fetched through the safe
    fetcher), with its public key: the cache the inbox verifies signatures against."""

    ap_id = models.URLField("id", max_length=2000, unique=True)
    domain = models.CharField(max_length=255, db_index=True)
    type = models.CharField(max_length=32, default="Person")  # noqa: A003
    preferred_username = models.CharField(max_length=255, blank=True)
    name = models.CharField(max_length=255, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    icon_url = models.URLField(max_length=2000, blank=True)
    inbox = models.URLField(max_length=2000, blank=True)
    shared_inbox = models.URLField(max_length=2000, blank=True)
    key_id = models.CharField(max_length=2000, blank=True, db_index=True)
    public_key_pem = models.TextField(blank=True)
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["domain", "preferred_username"]

    def __str__(self):
        return self.handle or self.ap_id

    @property
    def handle(self):
        return f"@{self.preferred_username}@{self.domain}" if self.preferred_username else ""

    @property
    def delivery_inbox(self):
        """One delivery per shared inbox (Mastodon's sharedInbox), else the actor's own."""
        return self.shared_inbox or self.inbox

    @property
    def display_name(self):
        return self.name or self.preferred_username or self.ap_id

    def is_stale(self):
        age = getattr(settings, "BLOGCMS_FEDERATION_ACTOR_TTL", timedelta(days=1))
        return timezone.now() - self.fetched_at > age


class FollowerQuerySet(models.QuerySet):
    def accepted(self):
        return self.filter(status=Follower.Status.ACCEPTED)

    def inboxes(self):
        """The distinct inboxes to deliver to: one per shared inbox."""
        seen = []
        for actor in RemoteActor.objects.filter(pk__in=self.accepted().values("actor")).only(
            "inbox", "shared_inbox"
        ):
            if actor.delivery_inbox and actor.delivery_inbox not in seen:
                seen.append(actor.delivery_inbox)
        return seen


class Follower(models.Model):
    """A remote actor following the blog: accepted, or waiting for staff approval."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        ACCEPTED = "accepted", "Following"

    actor = models.OneToOneField(RemoteActor, on_delete=models.CASCADE, related_name="following")
    follow_id = models.URLField("Follow activity", max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)

    objects = FollowerQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return str(self.actor)


class Block(models.Model):
    """An actor, or a whole domain, whose activities are dropped before anything is fetched."""

    domain = models.CharField(max_length=255, blank=True, db_index=True)
    actor_id = models.URLField("actor", max_length=2000, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(domain="", actor_id=""), name="block_names_something"
            )
        ]

    def __str__(self):
        return self.actor_id or f"*@{self.domain}"

    def save(self, *args, **kwargs):
        self.domain = self.domain.strip().lower()
        super().save(*args, **kwargs)

    @classmethod
    def blocks(cls, *urls):
        """Whether any of `urls` (an actor's id, a key's id) is blocked, by actor or domain."""
        urls = [u for u in urls if u]
        domains = {domain_of(u) for u in urls} - {""}
        return cls.objects.filter(
            models.Q(domain__in=domains) | models.Q(actor_id__in=urls)
        ).exists()


class FederatedPost(models.Model):
    """What the Fediverse was told about one post: its object id (kept, so an edit or a
    new slug keeps the same id) and whether it was deleted (then a Tombstone answers)."""

    post = models.OneToOneField(
        "posts.Post", null=True, on_delete=models.SET_NULL, related_name="federation"
    )
    ap_id = models.URLField("object id", max_length=2000, unique=True)
    path = models.CharField(max_length=2000, db_index=True)  # the permalink's path
    published = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.ap_id


class RemoteNote(models.Model):
    """A Fediverse reply stored as a response: its Note's id and author, so Update and
    Delete find the response, and a reply to it threads under it."""

    comment = models.OneToOneField(
        "comments.Comment", on_delete=models.CASCADE, related_name="fediverse_note"
    )
    ap_id = models.URLField("note id", max_length=2000, unique=True)
    # Where a reader opens the note on its own server (Mastodon's /@user/123 page); the
    # reply under the post links to it.
    url = models.URLField("note page", max_length=2000, blank=True)
    actor = models.ForeignKey(RemoteActor, on_delete=models.CASCADE, related_name="notes")

    def __str__(self):
        return self.ap_id


class Reaction(models.Model):
    """A Like or an Announce (boost) of a post, counted per post; Undo removes it."""

    class Kind(models.TextChoices):
        LIKE = "like", "Like"
        ANNOUNCE = "announce", "Boost"

    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="reactions")
    actor = models.ForeignKey(RemoteActor, on_delete=models.CASCADE, related_name="reactions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    activity_id = models.URLField(max_length=2000, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "actor", "kind"], name="one_reaction_each")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} by {self.actor} on {self.post}"


# Waits between attempts at one inbox; after the last, a dead instance is given up.
BACKOFF = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=8),
    timedelta(days=1),
    timedelta(days=2),
]


class Delivery(models.Model):
    """One activity to one inbox, with its outcome; retried with growing waits, given up
    once it has failed for BLOGCMS_FEDERATION_GIVE_UP (default 3 days)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        GIVEN_UP = "given_up", "Given up"

    post = models.ForeignKey(
        "posts.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    activity_type = models.CharField(max_length=20)
    activity = models.JSONField()
    inbox = models.URLField(max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    message = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_retry_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "inbox"]
        verbose_name_plural = "deliveries"

    def __str__(self):
        return f"{self.activity_type} to {self.inbox}: {self.get_status_display()}"

    @property
    def is_done(self):
        return self.status in (self.Status.SENT, self.Status.GIVEN_UP)

    def record(self, status, message="", *, retry=False):
        """Store an attempt's outcome; a retryable failure gets its next time, until the
        instance has been failing for longer than the give-up span."""
        self.status, self.message = status, message[:2000]
        self.attempts += 1
        self.next_retry_at = None
        if retry:
            give_up = getattr(settings, "BLOGCMS_FEDERATION_GIVE_UP", timedelta(days=3))
            wait = BACKOFF[min(self.attempts, len(BACKOFF)) - 1]
            when = timezone.now() + wait
            if when - self.created_at <= give_up:
                self.next_retry_at = when
            else:
                self.status = self.Status.GIVEN_UP
        self.save()
