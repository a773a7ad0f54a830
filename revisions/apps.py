from django.apps import AppConfig


class RevisionsConfig(AppConfig):
    name = "revisions"

    def ready(self):
        from django.db.models.signals import post_save

        from posts.models import Page, Post

        from .models import record_revision

        # A proxy model's saves are sent as its own (Page), not as Post's.
        for sender in (Post, Page):
            post_save.connect(record_revision, sender=sender, dispatch_uid=f"revision-{sender}")
