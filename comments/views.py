"""The comment form's POST and the one-click approve link. Thin: the rules live in
moderation.py, the checks on fields in forms.py."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods, require_POST

from posts.models import Post

from . import moderation
from .forms import CommentForm
from .notifications import comment_from_token


@require_POST
def post_comment(request, post_id):
    post = get_object_or_404(Post.objects.published(), pk=post_id)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return redirect(post)
    comment = form.save(commit=False)
    comment.post = post
    try:
        moderation.submit(comment, request=request)
    except moderation.Refused as refusal:
        return TemplateResponse(
            request, "comments/error.html", {"message": refusal.message}, status=refusal.status
        )
    return redirect(comment)


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
