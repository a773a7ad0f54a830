"""RSS 2.0 and Atom feeds, thin subclasses of Django's syndication framework.

No feed carries an email address: items name their author, never their mail.
"""

import contextvars

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from taggit.models import Tag

from blogcms.models import SiteSettings
from comments.models import Comment
from media_library.content import filter_content_images, prefetch_content_media

from .models import Post
from .views import category_from_path, find_post

# The request being answered: a Feed instance is shared by every request and thread of a
# worker, so per-request state lives in a context variable, not on the instance.
_request = contextvars.ContextVar("feed_request")


class FullTextRss(Rss201rev2Feed):
    """RSS 2.0 with the whole post in <content:encoded>, as WordPress's feeds carry it."""

    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
        }

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content:encoded", item["content_html"])


class FullTextAtom(Atom1Feed):
    """Atom with the whole post in <content type="html"> beside its summary."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content", item["content_html"], {"type": "html"})


class SiteFeed(Feed):
    """A feed that reads the site settings when used."""

    def __call__(self, request, *args, **kwargs):
        token = _request.set(request)
        try:
            return super().__call__(request, *args, **kwargs)
        finally:
            _request.reset(token)

    @property
    def site(self):
        return SiteSettings.load()

    def absolute(self, path):
        """RSS wants absolute URLs where Django's framework does not add the domain."""
        return _request.get().build_absolute_uri(path)


class LatestPostsFeed(SiteFeed):
    feed_type = FullTextRss

    def title(self, obj=None):
        return self.site.title

    def description(self, obj=None):
        return self.site.tagline

    def link(self, obj=None):
        return "/"

    def posts(self, obj):
        return Post.objects.posts().published()

    def items(self, obj=None):
        posts = (
            self.posts(obj)
            .select_related("author__profile")
            .prefetch_related("categories", "tags")
            .order_by("-published_at", "-id")[: self.site.posts_per_rss]
        )
        return prefetch_content_media(posts)  # the library images in the bodies

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        # HTML to a reader (RSS description, Atom summary type="html"): the summary is
        # plain text, entities decoded, so escaped here (`&lt;img&gt;` stays text).
        return escape(item.summary())

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.modified_at

    def item_author_name(self, item):
        return item.author_display

    def item_categories(self, item):
        return [c.name for c in item.categories.all()] + [t.name for t in item.tags.all()]

    def item_comments(self, item):
        return self.absolute(item.get_absolute_url() + "#comments")

    def item_extra_kwargs(self, item):
        # srcset as on the page, and absolute image URLs: readers fetch them from elsewhere.
        content = filter_content_images(item.body, item.content_media, absolute=self.absolute)
        return {"content_html": content}


class LatestPostsAtomFeed(LatestPostsFeed):
    feed_type = FullTextAtom

    def subtitle(self, obj=None):
        return self.site.tagline


class CategoryFeed(LatestPostsFeed):
    def get_object(self, request, path):
        return category_from_path(path)

    def title(self, obj=None):
        return f"{self.site.title} » {obj.name} Category Feed"

    def link(self, obj=None):
        return obj.get_absolute_url()

    def posts(self, obj):
        return Post.objects.posts().published().filter(categories=obj)


class TagFeed(LatestPostsFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Tag, slug=slug)

    def title(self, obj=None):
        return f"{self.site.title} » {obj.name} Tag Feed"

    def link(self, obj=None):
        return reverse("posts:tag", kwargs={"slug": obj.slug})

    def posts(self, obj):
        return Post.objects.posts().published().filter(tags=obj)


class LatestCommentsFeed(SiteFeed):
    """Approved responses on published posts and pages, newest first (WordPress's comments
    feed covers both)."""

    def title(self, obj=None):
        return f"Comments for {self.site.title}"

    def link(self, obj=None):
        return "/"

    def description(self, obj=None):
        return self.site.tagline

    def comments(self, obj):
        return Comment.objects.approved().filter(post__in=Post.objects.published())

    def items(self, obj=None):
        return (
            self.comments(obj)
            .select_related("post")
            .order_by("-created_at", "-id")[: self.site.posts_per_rss]
        )

    def item_title(self, item):
        return f"Comment on {item.post.title} by {item.author_name or 'Anonymous'}"

    def item_description(self, item):
        return item.content_html

    def item_link(self, item):
        return item.get_absolute_url()

    def item_pubdate(self, item):
        return item.created_at

    def item_author_name(self, item):
        return item.author_name or "Anonymous"


class PostCommentsFeed(LatestCommentsFeed):
    def get_object(self, request, year, month, day, slug):
        post = find_post(request.user, year, month, day, slug)
        if post is None or not post.is_published:
            raise Http404("No such post.")
        return post

    def title(self, obj=None):
        return f"Comments on: {obj.title}"

    def link(self, obj=None):
        return obj.get_absolute_url()

    def comments(self, obj):
        return Comment.objects.approved().filter(post=obj)


class PageCommentsFeed(PostCommentsFeed):
    """/about/feed/: a page's comments, as WordPress serves them."""

    def get_object(self, request, path):
        page = Post.objects.published().at_path(path)
        if page is None:
            raise Http404("No such page.")
        return page
