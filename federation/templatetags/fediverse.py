"""What a post page shows of its life on the Fediverse: "12 likes, 4 boosts"."""

from django import template
from django.db.models import Count
from django.template.defaultfilters import pluralize
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def fediverse_reactions(post):
    """The post's likes and boosts from the Fediverse (one query), or nothing when none."""
    from federation.models import Reaction

    counts = dict(post.reactions.values_list("kind").annotate(n=Count("id")))
    likes, boosts = counts.get(Reaction.Kind.LIKE, 0), counts.get(Reaction.Kind.ANNOUNCE, 0)
    if not (likes or boosts):
        return ""
    return format_html(
        '<p class="fediverse-reactions">{} like{}, {} boost{} on the Fediverse</p>',
        likes,
        pluralize(likes),
        boosts,
        pluralize(boosts),
    )
