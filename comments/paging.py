"""Comment pages: WordPress's "Break comments into pages", and a bound for every post.

As WordPress (get_comment_pages_count(), get_page_of_comment()): pages hold
`comments_per_page` top-level comments with all their replies, page 1 holds the oldest,
and the page shown at the post's own URL is the last ("newest") or the first; the others
are at `…/comment-page-N/` (or `?cpage=N`), and a comment's link names its page.

Our addition: no page holds more than BLOGCMS_COMMENTS_PAGE_LIMIT (1,000) responses, even
with paging off or in one enormous thread (a reply chain 10,000 deep, 50,000 comments on a
post): a thread longer than that continues on the next page. So a page view renders a
bounded number of comments, fetched by id.

The layout (which approved responses are on which page) is computed from one light query
over the post's responses and kept until an approved response of the post changes.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from .models import Comment
from .thread import build_thread, walk

KEY_PREFIX = "blogcms:comment-pages:v1"
DEFAULT_LIMIT = 1000
KEEP_SECONDS = 24 * 3600


def page_limit():
    return max(1, getattr(settings, "BLOGCMS_COMMENTS_PAGE_LIMIT", DEFAULT_LIMIT))


def thread_depth(site):
    return site.thread_comments_depth if site.thread_comments else 1


@dataclass
class Layout:
    pages: list  # per page (page 1 first, the oldest), the approved responses' ids
    default: int  # the page at the post's own URL
    signature: tuple = (0, 0)  # (how many approved responses, the sum of their ids)
    # When it was made: a page's rows are kept per layout (comments.display), so a layout
    # made again (an approved response changed) never shows rows kept for the one before.
    laid_out_at: int = 0

    def matches(self, rows):
        """`rows` (for_thread(signed=True)) show the same approved responses as laid out:
        a change that bypassed save() (a bulk update) is caught here too."""
        return bool(rows) and (rows[0].approved_count or 0, rows[0].approved_sum or 0) == (
            self.signature
        )

    @property
    def count(self):
        return len(self.pages)

    @property
    def approved(self):
        return sum(map(len, self.pages))

    def page_of(self, pk):
        """The page holding response `pk`, or None."""
        for number, pks in enumerate(self.pages, 1):
            if pk in pks:
                return number
        return None

    @classmethod
    def of(cls, rows, site):
        """Cut the approved `rows` (in date order) into pages."""
        approved = [row for row in rows if row.status == Comment.Status.APPROVED]
        roots = build_thread(approved, thread_depth(site))
        per_page = site.comments_per_page if site.page_comments else None
        limit = page_limit()
        pages, threads = [[]], 0
        for root in roots:
            if per_page and threads >= per_page:
                pages.append([])
                threads = 0
            threads += 1
            for node in walk([root]):
                if len(pages[-1]) >= limit:  # a thread too long for one page goes on
                    pages.append([])
                    threads = 1
                pages[-1].append(node.comment.pk)
        newest = site.default_comments_page == "newest"
        return cls(
            pages=pages,
            default=len(pages) if newest else 1,
            signature=(len(approved), sum(row.pk for row in approved)),
            laid_out_at=time.time_ns(),
        )


def _settings_part(site):
    return (
        site.page_comments,
        site.comments_per_page,
        site.default_comments_page,
        thread_depth(site),
        page_limit(),
    )


def _key(post_id):
    return f"{KEY_PREFIX}:{post_id}"


def cached_layout(post, site):
    """The kept layout of `post`'s responses, or None."""
    found = cache.get(_key(post.pk))
    if found is not None and found[0] == _settings_part(site):
        return found[1]
    return None


def keep_layout(post, site, layout):
    cache.set(_key(post.pk), (_settings_part(site), layout), KEEP_SECONDS)


def layout_for(post, site):
    """The post's layout, computed (one query) when it is not kept."""
    layout = cached_layout(post, site)
    if layout is None:
        layout = Layout.of(Comment.objects.for_thread(post), site)
        keep_layout(post, site, layout)
    return layout


def forget_layout(post_id):
    """An approved response of the post changed: lay its pages out again. At once (this
    transaction's next view) and once committed (a view in another process in between
    may have laid out the old responses)."""
    cache.delete(_key(post_id))
    transaction.on_commit(lambda: cache.delete(_key(post_id)))


def comment_url(comment, site):
    """The link to a response: its post's URL, with comment-page-N/ when it is not on the
    page shown there (get_comment_link()). With paging off, only a post past the page
    limit has pages, and it has been viewed (so laid out): no query is made to find out."""
    post_url = comment.post.get_absolute_url()
    layout = cached_layout(comment.post, site)
    if layout is None and site.page_comments:
        layout = layout_for(comment.post, site)
    page = layout.page_of(comment.pk) if layout is not None else None
    if page is None or page == layout.default:
        return f"{post_url}#comment-{comment.pk}"
    return f"{post_url}comment-page-{page}/#comment-{comment.pk}"
