"""The sitemap index (/sitemap.xml) and its sections, paginated as WordPress 5.5+ serves
/wp-sitemap.xml: an index of section pages of at most 2,000 URLs each
(wp_sitemaps_get_max_urls), so every post of a big blog is in a sitemap.

The posts' pages are ranges of ids (posts.pagination.IdRangePaginator), not offsets in a
count: the index costs one index probe per page it lists instead of counting every
published post (WordPress counts them, wp_sitemaps_get_max_num_pages), and a post stays on
its page as the blog grows. Pages, being few, are counted.
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import Count, F
from django.db.models.functions import Coalesce, Greatest

from .models import Category, Post
from .pagination import IdRangePaginator, IndexSkippingPaginator

# WordPress's wp_sitemaps_get_max_urls(); the protocol allows up to 50,000.
URLS_PER_PAGE = 2000


class PostSitemap(Sitemap):
    changefreq = "weekly"
    limit = URLS_PER_PAGE

    def entries(self):
        return Post.objects.posts()

    def items(self):
        # lastmod moves when a comment is approved, not only when the post is edited:
        # last_response_at (kept by comments.models) is the last change to an approved one.
        return (
            self.entries()
            .published()
            .only("modified_at", "last_response_at", *Post.URL_FIELDS)
            .annotate(lastmod=Greatest("modified_at", Coalesce("last_response_at", "modified_at")))
            .order_by("-published_at", "-id")
        )

    @property
    def paginator(self):
        # Page 1 the oldest 2,000 ids: ?p=N of the former newest-first pages still answers.
        return IdRangePaginator(self._items(), self.limit)

    def lastmod(self, post):
        return post.lastmod

    def get_latest_lastmod(self):
        # None: the index lists its pages without <lastmod>, as WordPress's does; Django's
        # default would read every post of the section to find the newest date.
        return None


class PageSitemap(PostSitemap):
    """Pages have their own section, as in WordPress's wp-sitemap-posts-page."""

    def entries(self):
        return Post.objects.pages()

    @property
    def paginator(self):
        # Ranges of ids would give the few pages of a blog a sitemap page each; counted, and
        # a page deep in the section skips them in the index (posts_listing_order).
        return IndexSkippingPaginator(self._items(), self.limit)


class CategorySitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.3
    limit = URLS_PER_PAGE

    def items(self):
        # From the stored counts (posts.counts), less the categories whose every counted
        # post is still scheduled: no post of the past is read.
        scheduled_only = (
            Post.categories.through.objects.filter(post__in=Post.objects.posts().scheduled())
            .order_by()
            .values("category")
            .annotate(n=Count("pk"))
            .filter(n__gte=F("category__post_count"))
            .values("category")
        )
        return (
            Category.objects.filter(post_count__gt=0)
            .exclude(pk__in=scheduled_only)
            .order_by("path")
        )


sitemaps = {"posts": PostSitemap, "pages": PageSitemap, "categories": CategorySitemap}
