"""The comment form's POST and the one-click approve link. Thin: the rules live in
moderation.py, the checks on fields in forms.py, the visitor's cookies in cookies.py."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from posts.models import Post

from . import avatars, cookies, csrf, moderation
from .forms import CONSENT_FIELD, CommentForm
from .models import Comment
from .notifications import comment_from_token

CLOSED = "Sorry, comments are closed for this item."
LOGIN_REQUIRED = "Sorry, you must be logged in to comment."


def _refuse(request, post, message, status, *, errors=()):
    """WordPress's wp_die() page: a refusal's message, or the form's errors ("Error: …")."""
    context = {"post": post, "message": message, "errors": errors}
    return TemplateResponse(request, "comments/error.html", context, status=status)


@require_POST
@csrf.origin_checked
def post_comment(request, post_id):
    """wp-comments-post.php: check, moderate, store, then send the visitor to their comment."""
    post = get_object_or_404(Post.objects.published(), pk=post_id)
    site = request.site_settings
    if not post.comments_are_open(site):
        return _refuse(request, post, CLOSED, 403)
    if site.comment_registration and not request.user.is_authenticated:
        return _refuse(request, post, LOGIN_REQUIRED, 403)
    form = CommentForm(request.POST, post=post, user=request.user, site=site)
    if not form.is_valid():
        return _refuse(request, post, None, 200, errors=form.error_messages_in_order())
    comment = form.build_comment()
    try:
        moderation.submit(comment, request=request)
    except moderation.Refused as refusal:
        return _refuse(request, post, refusal.message, refusal.status)

    if comment.status == Comment.Status.PENDING:
        # As WordPress: a query the page cache never shares, and (our addition) a signed
        # cookie, so only this browser sees "Your comment is awaiting moderation."
        url = f"{post.get_absolute_url()}?{urlencode({'unapproved': comment.pk})}"
        response = redirect(f"{url}#comment-{comment.pk}")
        cookies.mark_held(request, response, comment)
    else:
        response = redirect(comment)
    if form.user is None and CONSENT_FIELD in form.fields:
        cookies.remember_details(response, comment, consent=form.consents)
    return response


@login_required
@permission_required(moderation.MODERATE_PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def approve_from_mail(request, token):
    """The moderation mail's link: GET asks to confirm, POST approves (no change on GET)."""
    comment = comment_from_token(token)
    if comment is None:
        raise Http404("This approval link is not valid any more.")
    if request.method == "POST":
        comment.approve()
        return redirect(comment)
    return TemplateResponse(request, "comments/approve_confirm.html", {"comment": comment})


@require_safe
def avatar(request, token):
    """A commenter's picture. The token is a keyed hash and the picture depends on it alone,
    so it never changes: browsers and caches keep it for a year."""
    if not avatars.TOKEN.fullmatch(token):
        raise Http404("No such avatar.")
    response = HttpResponse(avatars.identicon_svg(token), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
