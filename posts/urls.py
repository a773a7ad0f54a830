"""WordPress-compatible permalinks, so a migrated blog keeps every link it had."""

from django.urls import path, register_converter

from . import feeds, legacy, views


class FourDigits:
    regex = "[0-9]{4}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return f"{int(value):04d}"


class TwoDigits:
    regex = "[0-9]{2}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return f"{int(value):02d}"


register_converter(FourDigits, "yyyy")
register_converter(TwoDigits, "mm")

app_name = "posts"


def paged(route, view, name):
    """A listing and its /page/N/ pages."""
    return [
        path(route, view, name=name),
        path(f"{route}page/<int:page>/", view, name=f"{name}_page"),
    ]


urlpatterns = [
    *paged("", views.home, "home"),
    path("feed/", feeds.LatestPostsFeed(), name="feed"),
    path("feed/atom/", feeds.LatestPostsAtomFeed(), name="atom_feed"),
    path("comments/feed/", feeds.LatestCommentsFeed(), name="comments_feed"),
    path("robots.txt", views.robots_txt, name="robots"),
    *paged("<yyyy:year>/", views.year_archive, "year"),
    *paged("<yyyy:year>/<mm:month>/", views.month_archive, "month"),
    *paged("<yyyy:year>/<mm:month>/<mm:day>/", views.day_archive, "day"),
    path("<yyyy:year>/<mm:month>/<mm:day>/<str:slug>/", views.post_detail, name="detail"),
    path(
        "<yyyy:year>/<mm:month>/<mm:day>/<str:slug>/comment-page-<int:cpage>/",
        views.post_detail,
        name="detail_comment_page",
    ),
    path(
        "<yyyy:year>/<mm:month>/<mm:day>/<str:slug>/feed/",
        feeds.PostCommentsFeed(),
        name="post_comments_feed",
    ),
    path("tag/<str:slug>/feed/", feeds.TagFeed(), name="tag_feed"),
    *paged("tag/<str:slug>/", views.tag, "tag"),
    *paged("author/<str:username>/", views.author, "author"),
    # Nested categories: the path is everything between /category/ and the suffix.
    path("category/<path:path>/feed/", feeds.CategoryFeed(), name="category_feed"),
    path("category/<path:path>/page/<int:page>/", views.category, name="category_page"),
    path("category/<path:path>/", views.category, name="category"),
    # Old WordPress addresses: /feed/rss2/, /wp-login.php, /wp-admin/, /wp-content/uploads/.
    *legacy.urlpatterns,
    # Last, so no page shadows the routes above: /about/team/ (a page, or a link cut short
    # to a post's slug, or a page's old path). This module is included last in the project.
    path("<path:path>/feed/", feeds.PageCommentsFeed(), name="page_comments_feed"),
    path(
        "<path:path>/comment-page-<int:cpage>/",
        views.page_or_guess,
        name="page_comment_page",
    ),
    path("<path:path>/", views.page_or_guess, name="page"),
]
