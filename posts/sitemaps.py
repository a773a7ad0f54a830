from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q
from django.db.models.functions import Coalesce, Greatest

from comments.models import Comment

from .models import Category, Post


class PostSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        # lastmod moves when a comment is approved, not only when the post is edited:
        # a response's updated_at is the moment its approval (or edit) changed the page.
        return (
            Post.objects.published()
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


class CategorySitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.3

    def items(self):
        return Category.objects.filter(posts__in=Post.objects.published()).distinct()


sitemaps = {"posts": PostSitemap, "categories": CategorySitemap}
