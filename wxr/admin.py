"""WordPress import (upload a file, watch its progress, read its summary) and export
(download the whole blog), for administrators, as WordPress's Tools → Import and Export."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.text import slugify

from blogcms.models import SiteSettings

from .export import export_wxr
from .models import ImportRun
from .tasks import import_wordpress_file


class ImportForm(forms.ModelForm):
    class Meta:
        model = ImportRun
        fields = ["file"]
        labels = {"file": "WordPress export file (.xml)"}
        help_texts = {
            "file": "Made by Tools → Export in WordPress. Importing the same file again, or a "
            "later export of the same blog, adds only what is new."
        }

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xml"):
            raise forms.ValidationError("Choose the .xml file WordPress's export made.")
        return upload


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    form = ImportForm
    list_display = ["file_name", "status", "progress", "started_by", "created_at"]
    change_list_template = "admin/wxr/importrun/change_list.html"

    @admin.display(description="progress")
    def progress(self, run):
        return f"{run.percent}% ({run.items_done:,}/{run.items_total:,} items)"

    def has_change_permission(self, request, obj=None):
        return False  # a run is read, not edited

    def save_model(self, request, obj, form, change):
        obj.started_by = request.user
        obj.file_name = form.cleaned_data["file"].name[:255]
        super().save_model(request, obj, form, change)
        run_id = obj.pk
        transaction.on_commit(lambda: import_wordpress_file.enqueue(run_id))

    def response_add(self, request, obj, post_url_continue=None):
        messages.info(request, "The import has started; this page follows it.")
        return redirect("admin:wxr_importrun_change", obj.pk)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The run's progress, refreshed every two seconds until it ends, then its summary."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        # The admin's own lookup: an id that is not a number is no run, not a ValueError.
        run = self.get_object(request, object_id)
        if run is None:
            raise Http404("No such import run.")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Import of {run.file_name}",
            "run": run,
        }
        return TemplateResponse(request, "admin/wxr/importrun/progress.html", context)

    def get_urls(self):
        export = self.admin_site.admin_view(self.export_view)
        return [path("export/", export, name="wxr_export"), *super().get_urls()]

    def export_view(self, request):
        """The whole blog as WXR 1.2, streamed (WordPress's Tools → Export)."""
        if not request.user.has_perm("wxr.export_blog"):
            raise PermissionDenied
        name = slugify(SiteSettings.load().title) or "blog"
        response = StreamingHttpResponse(export_wxr(), content_type="application/xml")
        filename = f"{name}.WordPress.{timezone.localdate():%Y-%m-%d}.xml"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def changelist_view(self, request, extra_context=None):
        extra = {"can_export": request.user.has_perm("wxr.export_blog"), **(extra_context or {})}
        return super().changelist_view(request, extra)
