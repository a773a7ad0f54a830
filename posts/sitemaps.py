from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q
from django.db.models.functions import Coalesce, Greatest

from comments.models import Comment

from .models import Category, Post


class PostSitemap(Sitemap):
    changefreq = "weekly"

    def entries(self):
        return Post.objects.posts()

    def items(self):
        # lastmod moves when a comment is approved, not only when the post is edited:
        # a response's updated_at is the moment its approval (or edit) changed the page.
        return (
            self.entries()
            .published()
            .annotate(
                last_response=Max(
                    "responses__updated_at",
                    filter=Q(responses__status=Comment.Status.APPROVED),
                )
            )
            .annotate(lastmod=Greatest("modified_at", Coalesce("last_response", "modified_at")))
            .order_by("-published_at")
        )

    def lastmod(self, post):
        return post.lastmod or post.modified_at


class PageSitemap(PostSitemap):
    """Pages have their own section, as in WordPress's wp-sitemap-posts-page."""

    def entries(self):
        return Post.objects.pages()


class CategorySitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.3

    def items(self):
        return Category.objects.filter(posts__in=Post.objects.published()).distinct()


sitemaps = {"posts": PostSitemap, "pages": PageSitemap, "categories": CategorySitemap}
