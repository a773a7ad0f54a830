"""The moderation queue, as good as WordPress's edit-comments.php: the pending count on the
admin index, filters with counts, search, bulk approve/unapprove/spam/trash/delete, edit,
reply from the admin, and the privacy tools (export or erase a commenter's data)."""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from blogcms.bigtables import BigTableAdmin
from blogcms.numbers import ascii_int
from posts.models import Post
from profiles.models import display_name

from . import moderation, privacy
from .models import Comment
from .sanitize import plain_text

Status = Comment.Status
# The row buttons of the moderation queue, in WordPress's order.
QUICK = [
    (Status.APPROVED, "Approve"),
    (Status.PENDING, "Unapprove"),
    (Status.SPAM, "Spam"),
    (Status.TRASH, "Trash"),
]


def _status_action(status, description, done):
    def action(modeladmin, request, queryset):
        count = queryset.set_status(status)
        modeladmin.message_user(request, f"{count} response(s) {done}.", messages.SUCCESS)

    action.__name__ = f"mark_{status}"
    return admin.action(description=description, permissions=["change"])(action)


class ReplyForm(forms.Form):
    comment = forms.CharField(label="Reply", widget=forms.Textarea(attrs={"rows": 8, "cols": 60}))


class PrivacyForm(forms.Form):
    email = forms.EmailField(label="Commenter's email address")
    remove_text = forms.BooleanField(
        label="Also remove the text of their comments (otherwise it is kept, anonymised)",
        required=False,
    )


class InResponseToFilter(admin.SimpleListFilter):
    """The responses to one post (WordPress: edit-comments.php?p=ID), reached from the "in
    response to" column. It offers the chosen post only: a choice per commented post would
    be a facet count each, past PostgreSQL's 1,664-column limit on a big blog."""

    title = "post"
    parameter_name = "post"

    def lookups(self, request, model_admin):
        # A choice whenever a post is asked for (the admin applies only filters that show).
        value = self.value()
        if not value:
            return []
        post = None
        if ascii_int(value) is not None:
            post = Post.objects.filter(pk=value).only("title").first()
        return [(value, post.title if post else f"#{value}")]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        post_id = ascii_int(value)
        if post_id is None:
            raise IncorrectLookupParameters(value)
        return queryset.filter(post_id=post_id)


@admin.register(Comment)
class CommentAdmin(BigTableAdmin):
    list_display = [
        "author_column",
        "excerpt",
        "quick_moderation",
        "in_response_to",
        "type",
        "status",
        "created_at",
    ]
    list_display_links = ["excerpt"]
    list_filter = ["status", "type", InResponseToFilter]
    # Facets ("Pending (3)", as WordPress's status links) while the table is small enough to
    # count at each view; on a big one they are a click away (blogcms.bigtables).
    search_fields = ["author_name", "author_email", "author_url", "author_ip", "content"]
    # No date_hierarchy: its year links read every response (SELECT DISTINCT over a million
    # rows); WordPress's comment screen has no date filter either.
    list_select_related = ["post"]
    list_per_page = 50
    raw_id_fields = ["post", "parent", "user"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = ["shown_as", "author_ip", "user_agent", "reply_link"]
    actions = [
        _status_action(Status.APPROVED, "Approve", "approved"),
        _status_action(Status.PENDING, "Unapprove", "unapproved"),
        _status_action(Status.SPAM, "Mark as spam", "marked as spam"),
        _status_action(Status.TRASH, "Move to Trash", "moved to the trash"),
        "delete_selected",
    ]
    fieldsets = [
        (None, {"fields": ["status", "post", "parent", "type", "reply_link"]}),
        ("Author", {"fields": ["author_name", "author_email", "author_url", "user"]}),
        ("Comment", {"fields": ["content", "shown_as", "created_at"]}),
        ("Sent from", {"fields": ["author_ip", "user_agent"], "classes": ["collapse"]}),
    ]

    @admin.display(description="author", ordering="author_name")
    def author_column(self, obj):
        return format_html(
            "<strong>{}</strong><br>{}<br>{}",
            obj.author_name or "Anonymous",
            obj.author_email,
            obj.author_ip or "",
        )

    @admin.display(description="comment")
    def excerpt(self, obj):
        """The words readers see, shortened, as plain text that the admin escapes: the row's
        edit link holds no markup of the commenter's (a link of theirs would break it), and
        nothing cut from their text is ever marked safe (Django's HTML truncator can hand
        escaped text back decoded)."""
        return Truncator(plain_text(obj.content_html)).chars(160) or "(no text)"

    @admin.display(description="moderate")
    def quick_moderation(self, obj):
        """One-click Approve / Unapprove / Spam / Trash per row, as WordPress's row links.
        The buttons post the list's own form (its CSRF token) to quick_moderation_view."""
        url = reverse("admin:comments_comment_moderate", args=[obj.pk])
        return format_html_join(
            " ",
            '<button type="submit" class="button" formaction="{}" name="status" value="{}">'
            "{}</button>",
            ((url, status, label) for status, label in QUICK if status != obj.status),
        )

    @admin.display(description="in response to", ordering="post__title")
    def in_response_to(self, obj):
        return format_html(
            '<a href="{}">{}</a> · <a href="?post={}">its responses</a> · <a href="{}">reply</a>',
            obj.get_absolute_url(),
            obj.post.title,
            obj.post_id,
            reverse("admin:comments_comment_reply", args=[obj.pk]),
        )

    @admin.display(description="as shown on the site")
    def shown_as(self, obj):
        # content_html is the sanitised HTML made at save time: shown, not escaped.
        return format_html('<div class="comment-content">{}</div>', mark_safe(obj.content_html))  # noqa: S308

    @admin.display(description="reply")
    def reply_link(self, obj):
        if not obj.pk:
            return "—"
        url = reverse("admin:comments_comment_reply", args=[obj.pk])
        return format_html('<a href="{}">Reply to this comment</a>', url)

    def get_urls(self):
        extra = [
            path(
                "<int:object_id>/reply/",
                self.admin_site.admin_view(self.reply_view),
                name="comments_comment_reply",
            ),
            path(
                "<int:object_id>/moderate/",
                self.admin_site.admin_view(self.quick_moderation_view),
                name="comments_comment_moderate",
            ),
            path(
                "privacy/",
                self.admin_site.admin_view(self.privacy_view),
                name="comments_comment_privacy",
            ),
        ]
        return extra + super().get_urls()

    def reply_view(self, request, object_id):
        """Reply from the admin; a held comment answered is approved first (WordPress's
        "Approve and Reply")."""
        parent = get_object_or_404(Comment.objects.select_related("post"), pk=object_id)
        if not self.has_change_permission(request, parent):
            raise PermissionDenied
        form = ReplyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            if parent.status != Status.APPROVED:
                parent.approve()
            user = request.user
            reply = Comment(
                post=parent.post,
                parent=parent,
                user=user,
                author_name=display_name(user),
                author_email=user.email,
                content=form.cleaned_data["comment"],
            )
            try:
                moderation.submit(reply, request=request)
            except moderation.Refused as refusal:
                self.message_user(request, refusal.message, messages.ERROR)
            else:
                self.message_user(request, "Reply published.", messages.SUCCESS)
                return redirect("admin:comments_comment_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Reply to {parent.author_name or 'Anonymous'}",
            "parent": parent,
            "form": form,
        }
        return TemplateResponse(request, "admin/comments/comment/reply.html", context)

    def quick_moderation_view(self, request, object_id):
        """POST only: set one response's status, then back to the list it came from."""
        comment = get_object_or_404(Comment, pk=object_id)
        status = request.POST.get("status")
        if request.method != "POST" or status not in dict(QUICK):
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request, comment):
            raise PermissionDenied
        comment.set_status(status)
        self.message_user(
            request,
            f"Response by {comment.author_name or 'Anonymous'}: "
            f"{comment.get_status_display().lower()}.",
            messages.SUCCESS,
        )
        back = request.META.get("HTTP_REFERER", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}):
            back = reverse("admin:comments_comment_changelist")
        return redirect(back)

    def privacy_view(self, request):
        """Export (JSON) or erase a commenter's personal data by email address."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = PrivacyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            email = form.cleaned_data["email"]
            if "erase" in request.POST:
                if not self.has_delete_permission(request):
                    raise PermissionDenied
                count = privacy.erase_personal_data(
                    email, remove_text=form.cleaned_data["remove_text"]
                )
                self.message_user(request, f"Erased the data of {count} response(s).")
                return redirect("admin:comments_comment_privacy")
            data = json.dumps(privacy.export_personal_data(email), indent=2, ensure_ascii=False)
            response = HttpResponse(data, content_type="application/json")
            response["Content-Disposition"] = 'attachment; filename="commenter-data.json"'
            return response
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Export or erase a commenter's personal data",
            "form": form,
        }
        return TemplateResponse(request, "admin/comments/comment/privacy.html", context)
