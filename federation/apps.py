from django.apps import AppConfig


class FederationConfig(AppConfig):
    """ActivityPub: the blog as an actor that the Fediverse follows and replies to."""

    name = "federation"
    verbose_name = "Fediverse"

    def ready(self):
        from blogcms.cache import watch

        from . import signals  # noqa: F401  (publishing a post federates it)
        from .models import Reaction

        watch(Reaction)  # a like or boost changes the post page
