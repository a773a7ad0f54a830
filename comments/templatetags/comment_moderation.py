from django import template

from comments.models import Comment

register = template.Library()


@register.simple_tag
def pending_comment_count():
    """How many responses wait for a moderator (WordPress's bubble by "Comments")."""
    return Comment.objects.filter(status=Comment.Status.PENDING).count()
