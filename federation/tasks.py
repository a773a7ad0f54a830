"""Fediverse work in the background worker (django-tasks), never in a request."""

from django_tasks import task

from comments.linkbacks.tasks import enqueue_at


@task()
def federate_post(post_id):
    """Tell followers of a post's publication, edit or withdrawal."""
    from posts.models import Post

    from .delivery import federate

    post = Post.objects.filter(pk=post_id).first()
    return None if post is None else federate(post)


@task()
def federate_deleted_post(record_id):
    from .delivery import federate_deletion
    from .models import FederatedPost

    record = FederatedPost.objects.filter(pk=record_id).first()
    return None if record is None else federate_deletion(record)


@task()
def deliver(delivery_id):
    """One attempt at one inbox; a retryable failure is enqueued again for its next time."""
    from .delivery import send
    from .models import Delivery

    delivery = Delivery.objects.filter(pk=delivery_id).first()
    if delivery is None or delivery.is_done:
        return None
    send(delivery)
    if delivery.next_retry_at:
        enqueue_at(deliver, delivery.next_retry_at, delivery.pk)
    return delivery.status


@task()
def send_reply_note(comment_id):
    """Create(Note) of a staff reply, to the author of the Fediverse reply it answers."""
    from comments.models import Comment

    from .delivery import send_reply

    comment = Comment.objects.select_related("post", "parent__fediverse_note__actor").filter(
        pk=comment_id
    )
    comment = comment.first()
    return None if comment is None else send_reply(comment)
