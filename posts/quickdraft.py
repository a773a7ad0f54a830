"""Quick Draft: a title and a few lines from the dashboard make a draft post (WordPress's
wp_dashboard_quick_press), to be finished in the editor later."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html, linebreaks
from django.utils.text import slugify

from .models import Category, Post


class QuickDraftForm(forms.Form):
    title = forms.CharField(max_length=300)
    content = forms.CharField(
        required=False, max_length=65_525, widget=forms.Textarea(attrs={"rows": 3})
    )


def free_slug(title):
    """The title's slug, or with -2, -3… when a post has it (wp_unique_post_slug)."""
    base = slugify(title, allow_unicode=True)[:190] or "draft"
    taken = set(Post.objects.posts().filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


class QuickDraftAdminMixin:
    """For the post admin: POST /admin/posts/post/quick-draft/ from the dashboard."""

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view(self.quick_draft_view)
        return [path("quick-draft/", view, name=f"{info}_quick_draft"), *super().get_urls()]

    def quick_draft_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = QuickDraftForm(request.POST)
        if not form.is_valid():
            self.message_user(request, "A quick draft needs a title.", messages.ERROR)
            return redirect("admin:index")
        from revisions.models import authored_by

        title = form.cleaned_data["title"]
        with authored_by(request.user):
            draft = Post.objects.create(
                title=title,
                slug=free_slug(title),
                # Plain lines become paragraphs, escaped: the editor takes over from here.
                body=linebreaks(form.cleaned_data["content"], autoescape=True),
                status=Post.Status.DRAFT,
                author=request.user,
            )
        draft.categories.add(Category.default())
        self.log_addition(request, draft, "Quick Draft")
        edit = reverse("admin:posts_post_change", args=[draft.pk])
        self.message_user(
            request, format_html('Draft saved. <a href="{}">Edit “{}”</a>', edit, title)
        )
        return redirect("admin:index")
