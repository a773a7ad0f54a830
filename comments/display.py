"""What a post page shows of its responses: the thread, the count and the form state."""

from django.core.cache import cache
from django.http import Http404
from django.template.loader import get_template, render_to_string
from django.utils.safestring import mark_safe

from blogcms.cache import content_generation
from blogcms.numbers import ascii_int
from blogcms.pagecache import unvalidated

from . import cookies, csrf, paging
from .forms import CONSENT_FIELD, CommentForm, form_timestamp
from .models import Comment
from .sanitize import allowed_tags_sentence
from .thread import ThreadRenderer, build_thread, template_version


def _reply_target(request, responses):
    """The approved comment named by ?replytocom=N (the no-JavaScript reply link), or None."""
    wanted = ascii_int(request.GET.get("replytocom", ""))
    if wanted is None:
        return None
    return next(
        (c for c in responses if c.pk == wanted and c.status == Comment.Status.APPROVED),
        None,
    )


FORM_KEY_PREFIX = "blogcms:comment-form:v1"
FORM_KEEP_SECONDS = 3600


def _page_links(base_url, layout, number):
    """Older/newer comment page links (WordPress's paginate_comments_links()), or None."""
    if layout.count == 1:
        return None

    def url(n):
        return base_url if n == layout.default else f"{base_url}comment-page-{n}/"

    return {
        "number": number,
        "count": layout.count,
        "older": url(number - 1) + "#comments" if number > 1 else None,
        "newer": url(number + 1) + "#comments" if number < layout.count else None,
        "pages": [(n, url(n) + "#comments") for n in range(1, layout.count + 1)],
    }


def _page_number(request, cpage):
    """The comment page asked for: …/comment-page-N/ or ?cpage=N (None: the default)."""
    if cpage is None:
        cpage = ascii_int(request.GET.get("cpage", ""))
    return cpage


def _on_page(rows, layout, number):
    """The rows shown on page `number`: its approved responses, and the visitor's held
    ones whose parent is there (or, with no parent shown, on the default page)."""
    page = set(layout.pages[number - 1])

    def shown(row):
        if row.status == Comment.Status.APPROVED:
            return row.pk in page
        return row.parent_id in page or (row.parent_id is None and number == layout.default)

    return [row for row in rows if shown(row)]


def post_page_context(request, post, cpage=None):
    """Everything the responses section needs, for one comment page, in one query: the
    page's responses by id, or every response of the post when its pages must be laid out
    again (an approved response changed; or, one more query, it changed without save())."""
    site = request.site_settings
    depth = paging.thread_depth(site)
    comments_open = post.comments_are_open(site)
    login_required = site.comment_registration and not request.user.is_authenticated
    held = cookies.held_ids(request)
    layout = paging.cached_layout(post, site)
    rows = None
    number = _page_number(request, cpage)
    renderer = ThreadRenderer(
        request, post, page=number or "default", show_reply=comments_open and not login_required
    )
    if layout is not None and layout.signature[0]:
        number = number or layout.default
        if not 1 <= number <= layout.count:
            raise Http404("No such comment page.")
        rows = _page_rows(request, post, held, layout, number)
        if not layout.matches(rows):
            layout = rows = None
    if rows is None:  # laid out (again) from every response, this page's among them
        rows = list(Comment.objects.for_thread(post, held))
        layout = paging.Layout.of(rows, site)
        paging.keep_layout(post, site, layout)
        number = _page_number(request, cpage) or layout.default
    if not 1 <= number <= layout.count:
        raise Http404("No such comment page.")
    responses = _on_page(rows, layout, number)
    reply_to = _reply_target(request, responses) if site.thread_comments else None
    form = None
    if comments_open:
        form = CommentForm(
            post=post,
            user=request.user,
            site=site,
            initial={
                **cookies.remembered_details(request),
                "comment_parent": reply_to.pk if reply_to else None,
                # When this page was rendered: a page served from the cache is the same
                # for every visitor, so the stamp is the page's age, not the visitor's.
                "shown_at": unvalidated(request, form_timestamp()),
            },
        )
    thread = build_thread(responses, depth, newest_first=site.comment_order == "desc")
    base_url = post.get_absolute_url()
    context = {
        "responses": responses,
        "response_count": layout.approved,
        "comment_pages": _page_links(base_url, layout, number),
        "thread": thread,
        "thread_html": renderer.render_thread(thread, depth),
        "comments_open": comments_open,
        "login_required_to_comment": login_required,
        "max_depth": depth,
        "comment_form": form,
        "csrf_token_needed": csrf.needs_token(request),
        "reply_to": reply_to,
        "allowed_tags_sentence": allowed_tags_sentence(),
    }
    personal = form is None or form.user or form.initial.get(CONSENT_FIELD) or reply_to
    if not (personal or context["csrf_token_needed"]):
        context["comment_form_html"] = _blank_form_html(request, post, context)
    return context


ROWS_KEY_PREFIX = "blogcms:comment-rows:v1"
ROWS_KEEP_SECONDS = 600


def _page_rows(request, post, held, layout, number):
    """The rows of comment page `number` (for_thread(signed=True)): for a visitor with no
    held comment (no one's own), kept per content generation and layout, since every change
    of an approved response starts a new generation once committed (blogcms.cache; bulk
    updates call content_changed()) and a new layout at once (Comment.save()). Saves the
    one query left of the responses section."""
    page = layout.pages[number - 1]
    if held:
        return list(Comment.objects.for_thread(post, held, pks=page, signed=True))
    generation = getattr(request, "content_generation", None) or content_generation()
    key = f"{ROWS_KEY_PREFIX}:{generation}:{post.pk}:{layout.laid_out_at}:{number}"
    rows = cache.get(key)
    if rows is None:
        rows = list(Comment.objects.for_thread(post, pks=page, signed=True))
        cache.set(key, rows, ROWS_KEEP_SECONDS)
    return rows


SHOWN_AT = "shown-at-placeholder"


def _blank_form_html(request, post, context):
    """The comment form as every anonymous visitor without saved details gets it, rendered
    once per post, theme, template and content generation (widgets render through templates: a third
    of the page's time); only the "shown at" stamp is put in for each render."""
    generation = getattr(request, "content_generation", None) or content_generation()
    version = template_version(get_template("comments/_form.html"))
    key = f"{FORM_KEY_PREFIX}:{post.pk}:{request.site_settings.theme}:{generation}:{version}"
    html = cache.get(key)
    if html is None:
        form = context["comment_form"]
        stamp = form.initial["shown_at"]
        form.initial["shown_at"] = SHOWN_AT
        html = render_to_string("comments/_form.html", {**context, "post": post})
        form.initial["shown_at"] = stamp
        cache.set(key, html, FORM_KEEP_SECONDS)
    # The stamp is signed base64 text: nothing in it needs escaping.
    return mark_safe(html.replace(SHOWN_AT, context["comment_form"].initial["shown_at"]))  # noqa: S308
