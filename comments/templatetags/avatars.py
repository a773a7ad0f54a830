from django import template

from comments.avatars import avatar_uri

register = template.Library()


@register.filter
def avatar(comment):
    """The comment's avatar as a data: URI (img-src allows data:)."""
    return avatar_uri(comment)
