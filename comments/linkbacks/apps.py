from django.apps import AppConfig


class LinkbacksConfig(AppConfig):
    """Pingbacks and webmentions, in and out, and the one safe fetcher they share."""

    name = "comments.linkbacks"
    label = "linkbacks"
    verbose_name = "Linkbacks"

