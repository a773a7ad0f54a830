"""What a post page shows of its life on the Fediverse: "12 likes, 4 boosts"."""

from django import template
from django.core.cache import cache
from django.db.models import Count
from django.template.defaultfilters import pluralize
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def fediverse_reactions(context, post):
    """The post's likes and boosts from the Fediverse, or nothing when none: one query per
    content generation (a like or boost starts a new one: federation.apps), so a post page
    seen before runs none."""
    from blogcms.cache import content_generation
    from federation.models import Reaction

    if post.pk is None:  # a preview of a post not yet saved
        return ""
    request = context.get("request")
    generation = getattr(request, "content_generation", None) or content_generation()
    key = f"blogcms:fediverse-reactions:{generation}:{post.pk}"
    counts = cache.get(key)
    if counts is None:
        counts = dict(post.reactions.values_list("kind").annotate(n=Count("id")))
        cache.set(key, counts)
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
