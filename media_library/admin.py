"""The library in the admin (WordPress: Media → Library, Add New), and the two small JSON
endpoints the post editor's image button uses: list/search the library's images, upload an
image to it. The library also keeps other files (a PDF, an MP3: media_library.files),
listed beside the images and uploaded from Add."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import JsonResponse
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_POST

from . import files, processing
from .models import MediaItem

ACCEPT = "image/jpeg,image/png,image/gif,image/webp"


class UploadForm(forms.ModelForm):
    """Adding an item is uploading its image or file; alt text and caption go with it."""

    upload = forms.FileField(
        label="File",
        help_text=(
            "An image (JPEG, PNG, GIF or WebP; location and camera details are removed), or "
            "a document, audio, video or archive (PDF, MP3, zip…), offered as a download."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join([ACCEPT, *(f".{e}" for e in files.FILE_TYPES)])}
        ),
    )

    class Meta:
        model = MediaItem
        fields = ["upload", "title", "alt_text", "caption"]

    def clean_upload(self):
        """Checked here, so a refusal shows on the form (stored by save_model)."""
        upload = self.cleaned_data["upload"]
        self.checked_file = self.clean_image = None
        if files.is_file_type(upload.name):
            self.checked_file = files.clean_file(upload)
        elif files.is_image_name(upload.name):
            self.clean_image = processing.clean_upload(upload)
        else:
            files.refuse_type(upload.name)
        return upload


@admin.register(MediaItem)
class MediaItemAdmin(admin.ModelAdmin):
    list_display = ["preview", "__str__", "dimensions", "mime_type", "uploaded_by", "uploaded_at"]
    list_display_links = ["preview", "__str__"]
    list_filter = ["mime_type", "uploaded_at"]
    search_fields = ["title", "alt_text", "caption", "file"]
    date_hierarchy = "uploaded_at"
    readonly_fields = ["large_preview", "file_link", "dimensions", "mime_type", "uploaded_by"]
    fields = [
        "large_preview",
        "title",
        "alt_text",
        "caption",
        "file_link",
        "dimensions",
        "mime_type",
        "uploaded_by",
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = UploadForm
            kwargs["fields"] = UploadForm.Meta.fields
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return UploadForm.Meta.fields if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        obj.uploaded_by = request.user
        if form.checked_file is not None:
            obj.save_with_file(form.checked_file)
        else:
            obj.save_with_image(form.clean_image)

    @admin.display(description="preview")
    def preview(self, obj):
        if not obj.is_image:
            return format_html(
                '<span class="media-library-file">{}</span>', files.extension(obj.file.name)
            )
        thumbnail = obj.rendition("thumbnail")
        return format_html(
            '<img src="{}" width="{}" height="{}" alt="" class="media-library-thumbnail" '
            'loading="lazy">',
            thumbnail.url,
            min(thumbnail.width, 80),
            round(thumbnail.height * min(thumbnail.width, 80) / thumbnail.width),
        )

    @admin.display(description="preview")
    def large_preview(self, obj):
        if not obj.is_image:
            return "A file, offered as a download (no preview)."
        return obj.img_tag("medium", lazy=False)

    @admin.display(description="file")
    def file_link(self, obj):
        return format_html('<a href="{}">{}</a>', obj.file.url, obj.file.name)

    @admin.display(description="dimensions")
    def dimensions(self, obj):
        return f"{obj.width} × {obj.height}" if obj.is_image else "—"

    def has_change_permission(self, request, obj=None):
        """Authors edit and delete their own uploads; Editors everyone's (WordPress:
        edit_others_posts, which also governs attachments)."""
        if obj is not None and not self._may_edit(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not self._may_edit(request.user, obj):
            return False
        return super().has_delete_permission(request, obj)

    @staticmethod
    def _may_edit(user, item):
        return item.uploaded_by_id == user.pk or user.has_perm("posts.edit_others_posts")

    def get_urls(self):
        return [
            path(
                "picker/",
                self.admin_site.admin_view(self.picker_view),
                name="media_library_mediaitem_picker",
            ),
            path(
                "picker/upload/",
                self.admin_site.admin_view(self.picker_upload_view),
                name="media_library_mediaitem_picker_upload",
            ),
            *super().get_urls(),
        ]

    @method_decorator(require_GET)
    def picker_view(self, request):
        """The editor's image dialog lists the library, newest first: ?q= searches."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        items = MediaItem.objects.images()
        if query := request.GET.get("q", "").strip()[:200]:
            items = items.filter(
                Q(title__icontains=query)
                | Q(alt_text__icontains=query)
                | Q(caption__icontains=query)
            )
        page = Paginator(items, 40).get_page(request.GET.get("page"))
        return JsonResponse(
            {
                "results": [item.as_json() for item in page.object_list],
                "next": page.next_page_number() if page.has_next() else None,
            }
        )

    @method_decorator(require_POST)
    def picker_upload_view(self, request):
        """The editor's image dialog uploads an image; the answer is the new item (201) or
        why it was refused (400)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        upload = request.FILES.get("file")
        if upload is None:
            return JsonResponse({"error": "Choose an image to upload."}, status=400)
        try:
            item = MediaItem.create_from_upload(
                upload,
                uploaded_by=request.user,
                alt_text=request.POST.get("alt", "")[:300],
                caption=request.POST.get("caption", "")[:2000],
            )
        except ValidationError as exc:
            return JsonResponse({"error": " ".join(exc.messages)}, status=400)
        return JsonResponse(item.as_json(), status=201)
