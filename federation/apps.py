from django.apps import AppConfig


class FederationConfig(AppConfig):
    """ActivityPub: the blog as an actor that the Fediverse follows and replies to."""

    name = "federation"
    verbose_name = "Fediverse"

    def ready(self):
        from . import signals  # noqa: F401  (publishing a post federates it)
