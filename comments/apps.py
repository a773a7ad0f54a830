from django.apps import AppConfig
from django.db.models.signals import post_delete


class CommentsConfig(AppConfig):
    name = "comments"

    def ready(self):
        from .models import Comment

        post_delete.connect(Comment.deleted, sender=Comment, dispatch_uid="comment-count")
