"""What we told other blogs: one record per (post, linked URL), with its outcome."""

from datetime import timedelta

from django.db import models
from django.utils import timezone

# Attempts before a failing linkback is given up; the waits between them grow.
MAX_ATTEMPTS = 4
BACKOFF = [timedelta(minutes=5), timedelta(hours=1), timedelta(hours=6)]


class OutgoingPing(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        NO_ENDPOINT = "no_endpoint", "No endpoint"
        FAULT = "fault", "Fault"
        NETWORK_ERROR = "network_error", "Network error"

    class Protocol(models.TextChoices):
        PINGBACK = "pingback", "Pingback"
        WEBMENTION = "webmention", "Webmention"

    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="outgoing_pings")
    target_url = models.URLField(max_length=2000)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    protocol = models.CharField(max_length=10, choices=Protocol.choices, blank=True)
    endpoint = models.URLField(max_length=2000, blank=True)
    fault_code = models.IntegerField(null=True, blank=True)
    message = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_retry_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "target_url"], name="one_ping_per_target")
        ]
        ordering = ["post", "target_url"]

    def __str__(self):
        return f"{self.target_url}: {self.get_status_display()}"

    @property
    def is_done(self):
        """Sent, or nothing more to try: WordPress counts fault 48 (already registered) as done."""
        if self.status in (self.Status.SENT, self.Status.NO_ENDPOINT):
            return True
        return self.next_retry_at is None and self.attempts > 0

    def record(self, status, message="", *, fault_code=None, retry=False):
        """Store an attempt's outcome; a retryable failure gets its next time, until the last."""
        self.status = status
        self.message = message[:2000]
        self.fault_code = fault_code
        self.attempts += 1
        self.next_retry_at = None
        if retry and self.attempts < MAX_ATTEMPTS:
            wait = BACKOFF[min(self.attempts, len(BACKOFF)) - 1]
            self.next_retry_at = timezone.now() + wait
        self.save()
