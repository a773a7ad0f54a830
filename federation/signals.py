"""Publishing, editing, withdrawing or deleting a post tells the blog's followers, after
commit, in a task (held until published_at for a scheduled post)."""

from django.db import transaction
from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver

from posts.models import Post


@receiver(post_save, sender=Post, dispatch_uid="federation_on_save")
def federate_on_save(sender, instance, raw=False, **kwargs):
    if raw or instance.is_page:
        return
    from comments.linkbacks.tasks import enqueue_at

    from .models import FederatedPost, Follower
    from .tasks import federate_post

    published = instance.status == Post.Status.PUBLISHED
    if not FederatedPost.objects.filter(post=instance).exists() and not (
        published and Follower.objects.accepted().exists()
    ):
        return  # a draft the Fediverse never saw, or a post with nobody to tell
    post_id, when = instance.pk, instance.published_at if published else None
    transaction.on_commit(lambda: enqueue_at(federate_post, when, post_id))


@receiver(pre_delete, sender=Post, dispatch_uid="federation_on_delete")
def federate_on_delete(sender, instance, **kwargs):
    from .models import FederatedPost
    from .tasks import federate_deleted_post

    ids = list(FederatedPost.objects.filter(post=instance).values_list("pk", flat=True))
    transaction.on_commit(lambda: [federate_deleted_post.enqueue(pk) for pk in ids])


@receiver(post_save, sender="comments.Comment", dispatch_uid="federation_staff_reply")
def send_staff_reply(sender, instance, created, raw=False, **kwargs):
    """A reply staff publish to a Fediverse reply goes back to its author as a Note, so the
    conversation continues on their server."""
    if raw or not created or instance.parent_id is None or instance.user_id is None:
        return
    from comments.models import Comment
    from comments.moderation import can_moderate

    if instance.status != Comment.Status.APPROVED or not can_moderate(instance.user):
        return
    if not Comment.objects.filter(pk=instance.parent_id, type=Comment.Type.FEDIVERSE).exists():
        return
    from .tasks import send_reply_note

    comment_id = instance.pk
    transaction.on_commit(lambda: send_reply_note.enqueue(comment_id))
