"""The widgets of a WordPress sidebar: recent posts, recent comments, archives,
categories and a tag cloud; and the site navigation. Each is one query, cached by the
content generation. Pages are in none of the post widgets (WordPress lists posts only)."""

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.timezone import template_localtime

from blogcms.cache import content_generation
from comments.models import Comment
from posts.archives import published_months
from posts.counts import categories_with_posts, most_used_tags
from posts.models import Category, Post

register = template.Library()


@register.simple_tag(takes_context=True)
def generation(context):
    """The content generation, as the page cache already read it for this request."""
    request = context.get("request")
    return getattr(request, "content_generation", None) or content_generation()


@register.inclusion_tag("partials/widget_recent_posts.html")
def recent_posts(count=5):
    posts = Post.objects.posts().published().only("title", *Post.URL_FIELDS)
    return {"posts": posts[:count]}


@register.inclusion_tag("partials/widget_recent_comments.html")
def recent_comments(count=5):
    comments = (
        Comment.objects.approved()
        # Comments on pages too, as WordPress's Recent Comments widget shows them.
        .filter(post__in=Post.objects.published())
        .select_related("post")
        .only(
            "id",
            "author_name",
            "author_url",
            "type",
            "post__title",
            *(f"post__{name}" for name in Post.URL_FIELDS),
        )
        .order_by("-created_at", "-id")[:count]
    )
    return {"comments": comments}


@register.inclusion_tag("partials/widget_archives.html")
def archives():
    """The months with published posts, newest first (posts.archives), in the blog's time
    zone as the date filter showed them; joined here as the categories are, for a blog of
    many years lists hundreds of months (three date filters a month took 90 µs)."""
    months = (template_localtime(row["month"]) for row in published_months())
    links = format_html_join(
        "",
        '<li><a href="/{}/">{}</a></li>',
        ((date_format(month, "Y/m"), date_format(month, "F Y")) for month in months),
    )
    return {"links": links}


@register.inclusion_tag("partials/widget_categories.html")
def categories():
    """Categories with published posts, by name, from their stored counts (posts.counts).

    Their <li> links are joined here, each escaped by format_html_join, not in a template
    loop: a big blog lists hundreds, and the engine's lookups, localisation and a reverse()
    for each link took about 30 µs a link (15 ms for 500). The count is printed as the
    template printed it (no thousands separator: USE_THOUSAND_SEPARATOR is off)."""
    address = Category.address_maker()
    links = format_html_join(
        "",
        '<li><a href="{}">{}</a> ({})</li>',
        ((address(path), name, count) for path, name, count in categories_with_posts()),
    )
    return {"links": links}


@register.inclusion_tag("partials/widget_tag_cloud.html")
def tag_cloud(limit=45):
    """WordPress's wp_tag_cloud: the most used tags, sized from 8pt to 22pt by use, from
    their stored counts (posts.counts)."""
    tags = list(most_used_tags(limit))
    if tags:
        low, high = min(t.count for t in tags), max(t.count for t in tags)
        spread = max(high - low, 1)
        for t in tags:
            # Eight steps from 8pt to 22pt, as classes (our CSP allows no style attribute).
            t.step = 1 + round((t.count - low) * 7 / spread)
    tags.sort(key=lambda t: t.name.lower())
    return {"tags": tags}


@register.simple_tag
def menu_pages():
    """The pages staff put in the site navigation, in their order: one query, inside the
    theme's cached navigation fragment."""
    return list(Post.objects.in_menu())
