"""The admin dashboard's "At a glance" (WordPress: wp_dashboard_right_now), its latest
held responses (wp_dashboard_recent_comments) and the user's recent drafts (Quick Draft)."""

from django import template
from django.db.models import Count

from comments.models import Comment
from posts.models import Post

register = template.Library()

HELD_SHOWN = 5
DRAFTS_SHOWN = 3


@register.simple_tag
def at_a_glance():
    """Posts, pages and responses by status, in two queries whatever their number."""
    entries = dict(Post.objects.values_list("post_type").annotate(n=Count("id")).order_by())
    responses = dict(Comment.objects.values_list("status").annotate(n=Count("id")).order_by())
    return {
        "posts": entries.get(Post.Type.POST, 0),
        "pages": entries.get(Post.Type.PAGE, 0),
        "approved": responses.get(Comment.Status.APPROVED, 0),
        "held": responses.get(Comment.Status.PENDING, 0),
        "spam": responses.get(Comment.Status.SPAM, 0),
    }


@register.simple_tag
def latest_held_responses():
    """The newest responses waiting for a moderator, with the entry each answers."""
    held = Comment.objects.filter(status=Comment.Status.PENDING).select_related("post")
    return list(held.order_by("-created_at", "-id")[:HELD_SHOWN])


@register.simple_tag
def recent_drafts(user):
    """The user's latest drafts, as under WordPress's Quick Draft box."""
    drafts = Post.objects.posts().filter(author=user, status=Post.Status.DRAFT)
    return list(drafts.order_by("-modified_at").only("id", "title", "modified_at")[:DRAFTS_SHOWN])
