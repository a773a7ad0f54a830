"""WordPress's old addresses, which links into a migrated blog still carry: the query-string
links of its default permalinks (?p=ID, ?cat=ID, ?m=200801, ?feed=rss2, ?paged=2) and a few
paths (/feed/rss2/, /wp-login.php, /wp-admin/). Each answers with a permanent redirect to
the address that replaced it, or a 404: never the home page in silence.
"""

import datetime
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.views.decorators.http import require_safe
from django.views.generic import RedirectView
from taggit.models import Tag

from blogcms.numbers import ascii_int

from .models import Category, Post

# WordPress's feed names (?feed=… and /feed/…/). We serve RSS 2.0 and Atom; RSS 0.92 and
# RDF readers follow the 301 to RSS 2.0.
FEEDS = {"rss2": "posts:feed", "rss": "posts:feed", "rdf": "posts:feed", "atom": "posts:atom_feed"}
COMMENT_FEEDS = {"comments-rss2": "posts:comments_feed", "comments-atom": "posts:comments_feed"}


def _number(value):
    """`value` as a positive integer (ASCII digits only, blogcms.numbers), or a 404."""
    number = ascii_int(value, default=0)
    if number < 1:
        raise Http404("Not a number.")
    return number


def _date_archive(m):
    """?m=YYYY, ?m=YYYYMM or ?m=YYYYMMDD (WordPress reads longer values up to the second;
    the archive is the day's)."""
    _number(m)
    if len(m) < 4:
        raise Http404("No such date.")
    year, month, day = int(m[:4]), m[4:6], m[6:8]
    try:
        datetime.date(year, int(month or 1), int(day or 1))
    except ValueError as exc:
        raise Http404("No such date.") from exc
    if len(m) >= 8:
        return reverse("posts:day", kwargs={"year": year, "month": month, "day": day})
    if len(m) >= 6:
        return reverse("posts:month", kwargs={"year": year, "month": month})
    return reverse("posts:year", kwargs={"year": year})


def _author(value):
    """?author=ID, for a user with something published (as redirect_canonical(): others
    are not revealed)."""
    user = get_object_or_404(get_user_model(), pk=_number(value))
    if not Post.objects.published().filter(author=user).exists():
        raise Http404("No such author.")
    return reverse("posts:author", kwargs={"username": user.get_username()})


def _query_target(request, query):
    """(address, its feed's address) that the query string names, or (None, None)."""
    if query.get("p") or query.get("page_id"):
        # ?p= names any entry, ?page_id= only pages (WordPress's get_page_link()).
        entries = Post.objects.visible_to(request.user)
        if query.get("page_id"):
            entries, value = entries.pages(), query["page_id"]
        else:
            value = query["p"]
            # An imported attachment's old ID: WordPress's redirect_canonical() sends ?p= of
            # any public post type to its page, and that page (6.4+) to the file.
            if (url := imported_attachment(_number(value))) is not None:
                return url, None
        entry = get_object_or_404(entries.with_query_id(value))
        return entry.get_absolute_url(), entry.get_absolute_url() + "feed/"
    if query.get("attachment_id"):
        if (url := imported_attachment(_number(query["attachment_id"]))) is None:
            raise Http404("No such file.")
        return url, None
    if query.get("cat"):
        # The category's own id, which the WordPress importer keeps as it was.
        category = get_object_or_404(Category, pk=_number(query["cat"]))
        feed = reverse("posts:category_feed", kwargs={"path": category.path})
        return category.get_absolute_url(), feed
    if query.get("tag"):
        tag = get_object_or_404(Tag, slug=query["tag"])
        url = reverse("posts:tag", kwargs={"slug": tag.slug})
        return url, reverse("posts:tag_feed", kwargs={"slug": tag.slug})
    if query.get("author"):
        return _author(query["author"]), None
    if query.get("m"):
        return _date_archive(query["m"]), None
    return None, None


def query_redirect(request):
    """Where an old query-string link to / now lives, or None when it is the home page (or
    a search) itself. A link naming something that does not exist is a 404; an empty value
    (?cat=) counts as absent, as WordPress reads its query vars."""
    query = request.GET
    target, feed = _query_target(request, query)
    if query.get("feed"):
        name = query["feed"]
        if name in COMMENT_FEEDS and target is None:
            return reverse(COMMENT_FEEDS[name])
        if name not in FEEDS:
            raise Http404("No such feed.")
        if target is None:
            return reverse(FEEDS[name])
        if feed is None:
            raise Http404("No feed here.")
        return feed
    if query.get("paged"):
        number = _number(query["paged"])
        base = target or "/"
        target = f"{base}page/{number}/" if number > 1 else base
    if target is not None and "s" in query:
        target += "?" + urlencode({"s": query["s"]})
    return target


def imported_upload(file_path):
    """The library's URL of the file a WordPress blog served at /wp-content/uploads/
    `file_path` (e.g. "2011/08/photo.jpg", or its size "2011/08/photo-300x200.jpg"), or
    None. The WordPress importer keeps each imported file's old path."""
    from wxr.attachments import upload_url  # the importer sits above posts: asked, not imported

    return upload_url(file_path)


def imported_attachment(wp_id=None, *, address=None):
    """The library's URL of the file of the old blog's attachment `wp_id`
    (/?attachment_id=N), or of the one whose page was at the path `address`
    (/2011/08/19/post-slug/cafe/, /about/cafe/, /cafe/), or None: as WordPress 6.4+ answers
    attachment pages (wp_attachment_pages_enabled off), with its file."""
    from wxr.attachments import attachment_url

    return attachment_url(wp_id=wp_id, address=address)


@require_safe
def wp_upload(request, file_path):
    """/wp-content/uploads/YYYY/MM/file.jpg of an imported file: 301 to the library's copy."""
    if (url := imported_upload(file_path)) is None:
        raise Http404("No such file.")
    return redirect(url, permanent=True)


class AdminLogin(RedirectView):
    """/wp-login.php and /wp-admin/…: the admin's login, then the admin."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return f"{reverse('admin:login')}?{urlencode({'next': reverse('admin:index')})}"


urlpatterns = [
    *(
        path(f"feed/{name}/", RedirectView.as_view(pattern_name=view, permanent=True))
        for name, view in FEEDS.items()
        if name != "atom"  # /feed/atom/ is the Atom feed itself
    ),
    path("wp-login.php", AdminLogin.as_view()),
    path("wp-admin/", AdminLogin.as_view()),
    path("wp-admin/<path:rest>", AdminLogin.as_view()),
    path("wp-content/uploads/<path:file_path>", wp_upload, name="wp_upload"),
    # WordPress 5.5+'s sitemap index, as search consoles and robots.txt files still name it.
    path("wp-sitemap.xml", RedirectView.as_view(pattern_name="sitemap", permanent=True)),
]
