from django.apps import AppConfig


class LinkbacksConfig(AppConfig):
    """Pingbacks and webmentions, in and out, and the one safe fetcher they share."""

    name = "comments.linkbacks"
    label = "linkbacks"
    verbose_name = "Linkbacks"

    def ready(self):
        from . import signals  # noqa: F401  (connects the send-on-publish handler)
