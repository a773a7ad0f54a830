"""Public pages: the permalink, pages (About), the listings (home, archives, category, tag,
author, search) and robots.txt. Thin views: what is visible lives on PostQuerySet.

Every listing of the blog starts from `Post.objects.posts()`: pages are in search and the
sitemap only (WordPress's main query asks for post_type "post")."""

import datetime

from django.contrib.auth import get_user_model
from django.core.paginator import EmptyPage
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.dateformat import format as format_date
from django.views.decorators.http import require_safe
from taggit.models import Tag

from comments.display import post_page_context
from comments.linkbacks.advertise import LinkbackEndpoints
from media_library.content import prefetch_content_media
from profiles.models import display_name

from . import legacy
from .kept import kept_for_anonymous
from .models import Category, Post, page_path
from .pagination import OlderNewerPaginator


def _render_listing(
    request, posts, *, title, base_url, page=1, feed_url=None, extra=None, empty_is_404=False
):
    """Paginate `posts` at the site's posts_per_page (Older / Newer, uncounted) and render
    the listing template.

    A date archive with no posts is a 404, as WordPress's handle_404() makes it; an existing
    category, tag or author with none shows "Nothing Found".
    """
    if page == 1 and request.resolver_match and "page" in request.resolver_match.kwargs:
        # /page/1/ is the listing itself (keeping ?s= on search pages).
        query = request.GET.urlencode()
        return redirect(f"{base_url}?{query}" if query else base_url, permanent=True)
    if not posts.query.order_by:
        posts = posts.order_by(*Post._meta.ordering)  # the order posts_listing_order keeps
    paginator = OlderNewerPaginator(posts.for_listing(), request.site_settings.posts_per_page)
    try:
        page_obj = paginator.page(page)
    except EmptyPage as exc:
        raise Http404("No such page.") from exc
    if empty_is_404 and not page_obj.object_list:
        raise Http404("No posts on this date.")
    context = {
        "listing_title": title,
        "listing_base_url": base_url,
        "page_obj": page_obj,
        # The library images in the page's bodies, fetched once for all its posts.
        "posts": prefetch_content_media(page_obj.object_list),
        "feed_url": feed_url,
        **(extra or {}),
    }
    return TemplateResponse(request, "posts/post_list.html", context)


@require_safe
def home(request, page=1):
    """The front page; also answers WordPress's query URLs: ?s=term here, ?p=ID,
    ?page_id=ID, ?cat=ID and the others with a permanent redirect (posts/legacy.py)."""
    if (moved := legacy.query_redirect(request)) is not None:
        return redirect(moved, permanent=True)
    if "s" in request.GET:
        return search(request, page)
    posts = Post.objects.posts().published().order_by("-sticky", "-published_at", "-id")
    return _render_listing(request, posts, title=None, base_url="/", page=page)


def search(request, page=1):
    term = request.GET.get("s", "").strip()[:200]
    # Pages are found too (WordPress searches every searchable post type).
    posts = Post.objects.published().search(term) if term else Post.objects.none()
    return _render_listing(
        request,
        posts,
        title=f"Search Results for: {term}",
        base_url="/",
        page=page,
        extra={"search_term": term, "is_search": True},
    )


def _date_or_404(year, month=1, day=1):
    try:
        return datetime.date(year, month, day)
    except ValueError as exc:
        raise Http404("No such date.") from exc


@require_safe
def year_archive(request, year, page=1):
    _date_or_404(year)
    posts = Post.objects.posts().published().filter(published_at__year=year)
    return _render_listing(
        request,
        posts,
        title=f"Yearly Archives: {year}",
        base_url=f"/{year}/",
        page=page,
        empty_is_404=True,
    )


@require_safe
def month_archive(request, year, month, page=1):
    when = _date_or_404(year, int(month))
    posts = Post.objects.posts().published()
    posts = posts.filter(published_at__year=year, published_at__month=when.month)
    return _render_listing(
        request,
        posts,
        title=f"Monthly Archives: {format_date(when, 'F Y')}",
        base_url=f"/{year}/{month}/",
        page=page,
        empty_is_404=True,
    )


@require_safe
def day_archive(request, year, month, day, page=1):
    when = _date_or_404(year, int(month), int(day))
    posts = Post.objects.posts().published().filter(published_at__date=when)
    return _render_listing(
        request,
        posts,
        title=f"Daily Archives: {format_date(when, request.site_settings.date_format)}",
        base_url=f"/{year}/{month}/{day}/",
        page=page,
        empty_is_404=True,
    )


def category_from_path(path):
    """The category at /category/parent/child/, by its whole path."""
    return get_object_or_404(Category, path="/".join(s for s in path.split("/") if s))


@require_safe
def category(request, path, page=1):
    cat = category_from_path(path)
    posts = Post.objects.posts().published().filter(categories=cat)
    return _render_listing(
        request,
        posts,
        title=f"Category Archives: {cat.name}",
        base_url=cat.get_absolute_url(),
        page=page,
        feed_url=reverse("posts:category_feed", kwargs={"path": cat.path}),
        extra={"category": cat},
    )


@require_safe
def tag(request, slug, page=1):
    tag = get_object_or_404(Tag, slug=slug)
    posts = Post.objects.posts().published().filter(tags=tag)
    return _render_listing(
        request,
        posts,
        title=f"Tag Archives: {tag.name}",
        base_url=reverse("posts:tag", kwargs={"slug": tag.slug}),
        page=page,
        feed_url=reverse("posts:tag_feed", kwargs={"slug": tag.slug}),
        extra={"tag": tag},
    )


@require_safe
def author(request, username, page=1):
    user = get_object_or_404(get_user_model(), username=username)
    posts = Post.objects.posts().published().filter(author=user)
    return _render_listing(
        request,
        posts,
        title=f"Author Archives: {display_name(user)}",
        base_url=reverse("posts:author", kwargs={"username": user.get_username()}),
        page=page,
    )


def find_post(user, year, month, day, slug):
    """The post at a permalink, as `user` may see it, or None."""
    day = _date_or_404(year, int(month), int(day))
    entries = (
        Post.objects.visible_to(user)
        .select_related("author__profile", "featured_image")
        .defer("author__password")  # never shown; and kept posts (posts.kept) must not hold it
    )
    return entries.at_permalink(day, slug)


def _entry_page(request, entry, template, extra=None, cpage=None):
    """A post's or a page's own page: the entry, its responses (page `cpage` of them when
    comments are broken into pages) and the comment form, the linkback endpoints advertised
    when it takes pings; a preview is never cached."""
    if not hasattr(entry, "content_media"):  # a kept post has its images already
        prefetch_content_media([entry])
    context = {
        "post": entry,
        "pings_open": entry.pings_are_open(request.site_settings),
        "canonical_url": request.build_absolute_uri(entry.get_absolute_url()),
        "linkback_endpoints": LinkbackEndpoints.for_request(request),
        **(extra or {}),
        **post_page_context(request, entry, cpage),
    }
    response = TemplateResponse(request, template, context)
    if not entry.is_published:
        # A preview of a draft, pending, private or scheduled entry is never cached.
        add_never_cache_headers(response)
    elif context["pings_open"]:
        context["linkback_endpoints"].advertise(response)
    return response


def _post_with_neighbours(user, year, month, day, slug):
    """The post at a permalink with all its page shows of it (terms, images) and its
    previous and next posts, or None; and when a scheduled post becomes its next post (a
    timestamp), or None."""
    post = find_post(user, year, month, day, slug)
    if post is None:
        return None, None
    prefetch_related_objects([post], "categories", "tags")
    prefetch_content_media([post])
    neighbours = Post.objects.posts().only("title", *Post.URL_FIELDS)
    # The next post in the same query as the scheduled one that will become it.
    following = (
        neighbours.filter(status=Post.Status.PUBLISHED, published_at__gt=post.published_at)
        .order_by("published_at", "id")
        .first()
    )
    scheduled = following is not None and following.published_at > timezone.now()
    found = {
        "post": post,
        # Rendered here (safe template output) so that a kept post keeps it too: a URL
        # lookup per term.
        "entry_terms_html": render_to_string("posts/_entry_terms.html", {"post": post}),
        "previous_post": neighbours.published()
        .filter(published_at__lt=post.published_at)
        .order_by("-published_at", "-id")
        .first(),
        "next_post": None if scheduled else following,
    }
    return found, following.published_at.timestamp() if scheduled else None


@require_safe
def post_detail(request, year, month, day, slug, cpage=None):
    found = kept_for_anonymous(
        request,
        ("permalink", request.site_settings.theme, year, month, day, slug),
        lambda: _post_with_neighbours(request.user, year, month, day, slug),
    )
    if found is None:
        if old := Post.objects.visible_to(request.user).posts().formerly(slug):
            return redirect(old, permanent=True)
        raise Http404("No such post.")
    post = found.pop("post")
    return _entry_page(request, post, "posts/post_detail.html", found, cpage=cpage)


@require_safe
def page_or_guess(request, path, cpage=None):
    """/about/ and /about/team/, with WordPress's precedence (the date permalinks and the
    archives are routed before this): the page at that path (…/comment-page-N/: page N of
    its comments); else, for a bare /slug/, the post of that slug or that once had it
    (redirect_guess_404_permalink()); else a page that once had that path; each a 301.
    Before the guesses, an imported attachment's old page answers with its file (301).
    Otherwise the themed 404."""
    path = page_path(path)
    entries = Post.objects.visible_to(request.user).select_related(
        "author__profile", "featured_image"
    )
    if page := entries.at_path(path):
        return _entry_page(request, page, "posts/page_detail.html", cpage=cpage)
    if cpage is not None:
        raise Http404("No such page.")
    # An old attachment page (…/post-slug/cafe/, /about/cafe/, /cafe/): its file, before
    # a guess, as WordPress's get_page_by_path() finds attachments beside pages.
    if file_url := legacy.imported_attachment(address=path):
        return redirect(file_url, permanent=True)
    published = Post.objects.published()
    if "/" not in path:
        posts = published.posts()
        if post := posts.filter(slug=path).first() or posts.formerly(path):
            return redirect(post, permanent=True)
    if page := published.pages().formerly(path):
        return redirect(page, permanent=True)
    raise Http404("No such page.")


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /xmlrpc.php",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain")
