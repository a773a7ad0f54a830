"""From the post list: Quick Edit of one post's title, slug, date, status, categories and
tags, and Bulk Edit of the categories, tags and status of many (WordPress's inline-edit-post
and bulk_edit_posts()). The same rules as the editor: Contributors publish nothing, and
a post left with no category is Uncategorized."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from taggit.forms import TagField

from .models import Category, Post, can_publish

QUICK_FIELDS = ["title", "slug", "published_at", "status", "categories", "tags"]


class BulkEditForm(forms.Form):
    status = forms.ChoiceField(required=False)
    add_categories = forms.ModelMultipleChoiceField(
        Category.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    remove_categories = forms.ModelMultipleChoiceField(
        Category.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    add_tags = TagField(required=False, help_text="Separate tags with commas.")
    remove_tags = TagField(required=False, help_text="Separate tags with commas.")

    def __init__(self, *args, user, with_terms, **kwargs):
        super().__init__(*args, **kwargs)
        statuses = Post.Status.choices
        if not can_publish(user):
            statuses = [(Post.Status.DRAFT, "Draft"), (Post.Status.PENDING, "Pending review")]
        self.fields["status"].choices = [("", "— No change —"), *statuses]
        if not with_terms:  # pages have no categories or tags
            for name in ("add_categories", "remove_categories", "add_tags", "remove_tags"):
                del self.fields[name]

    def apply(self, post):
        """Change `post` as the form says; True when anything changed."""
        data = self.cleaned_data
        changed = False
        if data.get("status") and data["status"] != post.status:
            post.status = data["status"]
            post.save()  # one save per post: what follows publication runs for each
            changed = True
        if data.get("add_categories") or data.get("remove_categories"):
            post.categories.add(*data["add_categories"])
            post.categories.remove(*data["remove_categories"])
            if not post.categories.exists():
                post.categories.add(Category.default())
            changed = True
        if data.get("add_tags") or data.get("remove_tags"):
            post.tags.add(*data["add_tags"])
            post.tags.remove(*data["remove_tags"])
            changed = True
        return changed


class BulkEditAdminMixin:
    """For the post and page admins: a "Quick edit" link on each row and a "Bulk edit"
    action (add it to `actions`)."""

    def _has_terms(self, request):
        return "categories" in flatten_fieldsets(self.get_fieldsets(request))

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view(self.quick_edit_view)
        return [
            path("<path:object_id>/quick-edit/", view, name=f"{info}_quick_edit"),
            *super().get_urls(),
        ]

    def get_list_display(self, request):
        # The link carries the list's filters, so Update comes back to the same list.
        back = urlencode({"_changelist_filters": request.GET.urlencode()})
        info = f"{self.opts.app_label}_{self.opts.model_name}"

        @admin.display(description="")
        def quick_edit(obj):
            url = reverse(f"admin:{info}_quick_edit", args=[obj.pk])
            if request.GET:
                url = f"{url}?{back}"
            return format_html('<a href="{}" class="quick-edit">Quick edit</a>', url)

        return [*super().get_list_display(request), quick_edit]

    def quick_edit_view(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"No {self.opts.verbose_name} with this ID.")
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        fields = [f for f in QUICK_FIELDS if f in flatten_fieldsets(self.get_fieldsets(request))]
        form_class = self.get_form(
            request,
            obj,
            change=True,
            fields=fields,
            widgets={"categories": forms.CheckboxSelectMultiple},
        )
        form = form_class(request.POST or None, instance=obj)
        if request.method == "POST" and form.is_valid():
            obj = form.save(commit=False)
            self.save_model(request, obj, form, change=True)
            self.save_related(request, form, formsets=[], change=True)
            self.log_change(request, obj, self.construct_change_message(request, form, None))
            self.message_user(request, f"“{obj}” was changed.", messages.SUCCESS)
            return redirect(self._changelist_back(request))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "title": f"Quick edit “{obj}”",
            "form": form,
            "media": self.media + form.media,
            "back": self._changelist_back(request),
        }
        return TemplateResponse(request, "admin/posts/quick_edit.html", context)

    def _changelist_back(self, request):
        """The list, with the filters it was opened with (the admin's preserved filters)."""
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        filters = request.GET.get("_changelist_filters", "")
        url = reverse(f"admin:{info}_changelist")
        return f"{url}?{filters}" if filters else url

    @admin.action(description="Bulk edit selected: categories, tags, status")
    def bulk_edit(self, request, queryset):
        with_terms = self._has_terms(request)
        form = BulkEditForm(
            request.POST if "apply" in request.POST else None,
            user=request.user,
            with_terms=with_terms,
        )
        if form.is_bound and form.is_valid():
            changed = refused = 0
            for post in queryset:
                if not self.has_change_permission(request, post):
                    refused += 1
                    continue
                changed += form.apply(post)
            self.message_user(
                request, f"{changed} {self.opts.verbose_name}(s) updated.", messages.SUCCESS
            )
            if refused:
                self.message_user(
                    request,
                    f"{refused} not changed: you may not edit them.",
                    messages.WARNING,
                )
            return None  # back to the list
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Bulk edit {queryset.count()} {self.opts.verbose_name_plural}",
            "form": form,
            "entries": queryset,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/posts/bulk_edit.html", context)
