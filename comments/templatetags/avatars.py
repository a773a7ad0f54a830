from django import template

from comments.avatars import avatar_url

register = template.Library()


@register.filter
def avatar(comment):
    """The address of the comment's avatar (served by comments.views.avatar)."""
    return avatar_url(comment)
