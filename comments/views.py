from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from posts.models import Post

from .forms import CommentForm


@require_POST
def post_comment(request, post_id):
    post = get_object_or_404(Post.objects.published(), pk=post_id)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return redirect(post)
    comment = form.save(commit=False)
    comment.post = post
    comment.save()
    return redirect(comment)
