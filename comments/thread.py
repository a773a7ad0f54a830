"""The comment thread as HTML: each comment rendered once, the thread put together without
recursion.

A comment's HTML depends on the comment (its version: `updated_at`, moved by every save and
status change), its place (depth, whether it gets a Reply link), the theme's
`comments/_comment.html` and the site's avatar and date settings; nothing in it depends on
the visitor. So each is rendered once and kept, per post, theme, template source and
settings, in one cache entry for the page of the thread it is on (one cache read however many
comments); a comment that changes is rendered again, alone. Held comments, which only their
author sees, are rendered on every view and never kept.

`comments/_comment.html` renders one comment (a theme may override it): an `<li>` holding
the comment, and `{{ children }}` where its replies go; the replies, each from the same
template, are joined here in a loop (a chain 10,000 deep is flattened at the site's
thread depth by build_thread, and is never rendered by recursion).
"""

import hashlib
from dataclasses import dataclass, field

from django.core.cache import cache
from django.template import Context
from django.template.loader import get_template
from django.utils.safestring import mark_safe

from .models import Comment

KEY_PREFIX = "blogcms:thread:v1"
# Where a comment's replies go in its rendered HTML (never in a visitor's text: that is
# escaped or sanitised, and sanitize.py drops comments).
CHILDREN = mark_safe("<!--blogcms:children-->")
CHILDREN_OPEN, CHILDREN_CLOSE = '<ol class="children">', "</ol>"
# A page of fragments is kept a day at most: rendering them again is cheap next to that.
KEEP_SECONDS = 24 * 3600


@dataclass
class Node:
    comment: Comment  # or a row of CommentQuerySet.for_thread()
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


def template_version(template, *settings):
    """A digest of `template`'s source (as the active theme resolves it) and `settings`:
    HTML kept from it is not used once a deploy or a setting changes it."""
    source = getattr(getattr(template, "template", None), "source", "")
    text = "\0".join([source, *map(str, settings)])
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def walk(roots):
    """Every node, depth first, without recursion."""
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))


class ThreadRenderer:
    """Renders one page's thread, from build_thread() over CommentQuerySet.for_thread() rows."""

    def __init__(self, request, post, *, page, show_reply):
        self.site = request.site_settings
        self.template = get_template("comments/_comment.html")
        digest = template_version(self.template, self.site.show_avatars, self.site.date_format)
        self.key = f"{KEY_PREFIX}:{post.pk}:{page}:{self.site.theme}:{digest}"
        self.show_reply = show_reply

    def version(self, node, max_depth):
        """What the kept HTML of `node` must match, or None if it is never kept."""
        row = node.comment
        if row.status != Comment.Status.APPROVED:
            return None  # a held comment: for its author only
        return (row.version, node.depth, self.show_reply and node.depth < max_depth)

    def render_thread(self, roots, max_depth):
        """The thread's HTML, in one string, put together with a stack instead of recursion."""
        kept = cache.get(self.key) or {}
        parts, missing, keep = {}, [], {}
        for node in walk(roots):
            version = self.version(node, max_depth)
            found = kept.get(node.comment.pk)
            if version is not None and found is not None and found[0] == version:
                parts[node.comment.pk] = found[1]
                keep[node.comment.pk] = found
            else:
                missing.append((node, version))
        if missing:
            context = Context({"site": self.site, "children": CHILDREN}, autoescape=True)
            for node, version in missing:
                reply = node.comment.status == Comment.Status.APPROVED and (
                    self.show_reply and node.depth < max_depth
                )
                comment = Comment.from_thread_row(node.comment)
                with context.push(node=node, c=comment, show_reply=reply):
                    html = self.template.template.render(context)
                head, _, tail = html.partition(CHILDREN)
                parts[node.comment.pk] = (head, tail)
                if version is not None:
                    keep[node.comment.pk] = (version, (head, tail))
        rendered_kept = any(version is not None for _, version in missing)
        if rendered_kept or keep.keys() != kept.keys():
            # Only this page's comments as they are now: what left the page goes.
            cache.set(self.key, keep, KEEP_SECONDS)
        out = []
        stack = [(iter(roots), "")]
        while stack:
            node = next(stack[-1][0], None)
            if node is None:
                out.append(stack.pop()[1])
                continue
            head, tail = parts[node.comment.pk]
            out.append(head)
            if node.children:
                out.append(CHILDREN_OPEN)
                stack.append((iter(node.children), CHILDREN_CLOSE + tail))
            else:
                out.append(tail)
        # Every part is the output of a template rendered with autoescaping.
        return mark_safe("".join(out))  # noqa: S308
