"""Publishing a post (or editing a published one) queues its outgoing linkbacks."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from posts.models import Page, Post


@receiver(post_save, sender=Post, dispatch_uid="linkbacks_send_on_publish")
@receiver(post_save, sender=Page, dispatch_uid="linkbacks_send_on_publish_page")
def send_linkbacks_on_publish(sender, instance, raw=False, **kwargs):
    """After commit, enqueue the send task, held until published_at for a scheduled post.
    The task itself checks default_pingback_flag and publication when it runs."""
    if raw or instance.status != Post.Status.PUBLISHED:
        return
    from .tasks import enqueue_at, send_linkbacks

    post_id, when = instance.pk, instance.published_at
    transaction.on_commit(lambda: enqueue_at(send_linkbacks, when, post_id))
