"""Background work for comments, run by the tasks API after the comment is committed."""

from django_tasks import task

from .models import Comment
from .notifications import notify


@task()
def notify_new_response(comment_id):
    """Mail the post's author about an approved response, or the moderators about a held one."""
    comment = Comment.objects.select_related("post__author").filter(pk=comment_id).first()
    if comment is not None:
        notify(comment)
