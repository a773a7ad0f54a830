"""What a post page shows of its responses: the thread, the count and the form state."""

from dataclasses import dataclass, field

from blogcms.pagecache import unvalidated

from . import cookies, csrf
from .forms import CommentForm, form_timestamp
from .models import Comment
from .sanitize import allowed_tags_sentence
from .thread import ThreadRenderer


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


def _reply_target(request, responses):
    """The approved comment named by ?replytocom=N (the no-JavaScript reply link), or None."""
    wanted = request.GET.get("replytocom", "")
    if not wanted.isdigit():
        return None
    return next(
        (c for c in responses if c.pk == int(wanted) and c.status == Comment.Status.APPROVED),
        None,
    )


def post_page_context(request, post):
    """Everything the responses section needs, in one query for the responses however many
    (and one more when some arrived or changed since their HTML was kept)."""
    site = request.site_settings
    depth = site.thread_comments_depth if site.thread_comments else 1
    comments_open = post.comments_are_open(site)
    login_required = site.comment_registration and not request.user.is_authenticated
    renderer = ThreadRenderer(
        request,
        post,
        cookies.held_ids(request),
        page=1,
        show_reply=comments_open and not login_required,
    )
    responses = renderer.responses()
    reply_to = _reply_target(request, responses) if site.thread_comments else None
    form = None
    if comments_open:
        form = CommentForm(
            post=post,
            user=request.user,
            site=site,
            initial={
                **cookies.remembered_details(request),
                "comment_parent": reply_to.pk if reply_to else None,
                # When this page was rendered: a page served from the cache is the same
                # for every visitor, so the stamp is the page's age, not the visitor's.
                "shown_at": unvalidated(request, form_timestamp()),
            },
        )
    thread = build_thread(responses, depth, newest_first=site.comment_order == "desc")
    return {
        "responses": responses,
        "response_count": sum(c.status == Comment.Status.APPROVED for c in responses),
        "thread": thread,
        "thread_html": renderer.render_thread(thread, depth),
        "comments_open": comments_open,
        "login_required_to_comment": login_required,
        "max_depth": depth,
        "comment_form": form,
        "csrf_token_needed": csrf.needs_token(request),
        "reply_to": reply_to,
        "allowed_tags_sentence": allowed_tags_sentence(),
    }
