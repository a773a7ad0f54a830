"""A published post as every visitor without a login sees it, kept per content generation.

What a post's page shows of the post itself does not depend on who reads it: the post with
its author, categories, tags and library images, and the previous and next posts. Looking
them up is most of an uncached page view's CPU time (Django's ORM builds six queries), so for
a visitor who is not logged in they are kept in the shared cache after the first view, by
the same rule as the page cache (blogcms.cache, blogcms.pagecache):

- the key holds the content generation, which every save of a post, page, category, tag,
  comment, media item or site setting moves on (and every bulk change, by content_changed());
- nothing is kept past the time the next scheduled post goes live where it shows (the
  post's next post: `find()` says when), since a post can appear with nothing saved;
- only a post found is kept (a 404 or a former slug's redirect runs its queries each time),
  and staff, who may see drafts and private posts at the same address, never use it;
- the author's password hash is not fetched (it would otherwise be stored in the cache);
- the author's name (a user or profile change moves no generation: every login saves the
  user) is as fresh as in the page cache: nothing is kept longer than a cached page lives
  (BLOGCMS_PAGE_CACHE_SECONDS).
"""

import time

from django.conf import settings
from django.core.cache import cache

from blogcms.cache import content_generation

KEY_PREFIX = "blogcms:published-post:v1"
DEFAULT_KEEP_SECONDS = 60  # as blogcms.pagecache


def kept_for_anonymous(request, parts, find):
    """What `find()` found, kept per generation for a visitor without a login under the key
    made of `parts`; for others, found afresh. `find()` returns (what a page shows, or
    None; the timestamp after which it may be out of date, or None)."""
    if request.user.is_authenticated:
        return find()[0]
    # Read before `find()` runs its queries: content saved meanwhile lands in a newer
    # generation, never under this one.
    generation = getattr(request, "content_generation", None) or content_generation()
    key = ":".join([KEY_PREFIX, str(generation), *map(str, parts)])
    found = cache.get(key)
    if found is None:
        found, until = find()
        timeout = getattr(settings, "BLOGCMS_PAGE_CACHE_SECONDS", DEFAULT_KEEP_SECONDS)
        if until is not None:
            timeout = min(timeout, int(until - time.time()))
        if found is not None and timeout > 0:
            cache.set(key, found, timeout)
    return found
