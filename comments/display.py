"""What a post page shows of its responses: the thread, the count and the form state."""

from dataclasses import dataclass, field

from .forms import CommentForm
from .models import Comment
from .sanitize import allowed_tags_sentence


@dataclass
class Node:
    comment: Comment
    depth: int
    parent: "Node | None" = None
    children: list = field(default_factory=list)


def build_thread(comments, max_depth=5, newest_first=False):
    """Nest `comments` (already fetched, one query) under their parents.

    A reply below `max_depth` joins its parent's level, as WordPress shows it; a reply
    whose parent is not shown (held, spam) starts a thread of its own.
    """
    nodes = {}
    roots = []
    for comment in comments:
        parent = nodes.get(comment.parent_id)
        while parent is not None and parent.depth >= max_depth:
            parent = parent.parent
        node = Node(comment, parent.depth + 1 if parent else 1, parent)
        nodes[comment.pk] = node
        (parent.children if parent else roots).append(node)
    if newest_first:
        roots.reverse()
    return roots


def post_page_context(request, post):
    site = request.site_settings
    responses = list(Comment.objects.for_display(post))
    depth = site.thread_comments_depth if site.thread_comments else 1
    return {
        "responses": responses,
        "response_count": len(responses),
        "thread": build_thread(responses, depth, newest_first=site.comment_order == "desc"),
        "comments_open": post.comments_are_open(site),
        "max_depth": depth,
        "comment_form": CommentForm(),
        "allowed_tags_sentence": allowed_tags_sentence(),
    }
