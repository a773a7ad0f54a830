"""Preview of unsaved changes: the editor's Preview button posts the form here, and staff
see the post as it would look with those edits, in the active theme, with nothing saved
(WordPress: post_preview() keeps the edits in an autosave and shows them; here they are
never stored at all). Draft or published, the stored post stays as it is."""

from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.text import slugify
from taggit.models import Tag

from comments.display import post_page_context

from .models import UNCATEGORIZED_SLUG, Category

# An entry never saved borrows this id, which no row has, so its categories and tags can
# be given in memory (Django refuses to read relations of an instance without one).
UNSAVED_ID = 0


class PreviewAdminMixin:
    """For the post and page admins: POST the change form to …/preview/ (the Preview
    button's formaction) and get the page as it would be, in a new tab."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        extra = [
            path("preview/", wrap(self.preview_view), name=f"{info}_preview"),
            path("<path:object_id>/preview/", wrap(self.preview_view), name=f"{info}_preview"),
        ]
        return extra + super().get_urls()

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        args = [object_id] if object_id else []
        extra = {"preview_url": reverse(f"admin:{info}_preview", args=args)}
        return super().changeform_view(
            request, object_id, form_url, {**extra, **(extra_context or {})}
        )

    def preview_view(self, request, object_id=None):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if object_id is None:
            obj = None
            if not self.has_add_permission(request):
                raise PermissionDenied
        else:
            obj = self.get_object(request, unquote(object_id))
            if obj is None:
                raise Http404(f"No {self.opts.verbose_name} with this ID.")
            if not self.has_change_permission(request, obj):
                raise PermissionDenied
        fields = flatten_fieldsets(self.get_fieldsets(request, obj))
        form_class = self.get_form(request, obj, change=obj is not None, fields=fields)
        # No uploaded files: a preview stores nothing, and an image must be stored to show.
        form = form_class(request.POST, instance=obj)
        if not form.is_valid():
            return self.preview_refused(request, form)
        entry = form.instance  # the edits applied in memory only: save() is never called
        if entry.pk is None:
            entry.pk = UNSAVED_ID
        if not entry.author_id:
            entry.author = request.user  # as saving it would (PostAdmin.save_model)
        if entry.is_page:
            entry.path = entry.computed_path()  # its address under the parent chosen
        entry._prefetched_objects_cache = preview_terms(form.cleaned_data)
        response = TemplateResponse(
            request,
            "posts/page_detail.html" if entry.is_page else "posts/post_detail.html",
            preview_context(request, entry),
        )
        add_never_cache_headers(response)
        response["X-Robots-Tag"] = "noindex"
        return response

    def preview_refused(self, request, form):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "This preview cannot be shown",
            "form": form,
        }
        response = TemplateResponse(
            request, "admin/posts/preview_refused.html", context, status=400
        )
        add_never_cache_headers(response)
        return response


def preview_terms(cleaned_data):
    """The categories and tags chosen in the form, as the entry's prefetched relations: a
    post saved with no category gets "Uncategorized" (PostAdmin.save_related), and a new
    tag is shown by its name before it exists."""
    terms = {}
    if "categories" in cleaned_data:
        chosen = cleaned_data["categories"]
        terms["categories"] = chosen or [
            Category.objects.filter(slug=UNCATEGORIZED_SLUG).first()
            or Category(name="Uncategorized", slug=UNCATEGORIZED_SLUG, path=UNCATEGORIZED_SLUG)
        ]
    if "tags" in cleaned_data:
        names = cleaned_data["tags"]
        known = {t.name.lower(): t for t in Tag.objects.filter(name__in=names)}
        terms["tags"] = [
            known.get(name.lower()) or Tag(name=name, slug=slugify(name, allow_unicode=True) or "-")
            for name in names
        ]
    return terms


def preview_context(request, entry):
    """The entry's page as a visitor would see it, its responses included; it takes no
    comment (the form would post to the stored post) and sends no linkback headers."""
    return {
        **post_page_context(request, entry),
        "post": entry,
        "is_preview": True,
        "pings_open": False,
        "canonical_url": request.build_absolute_uri(entry.get_absolute_url()),
        "comments_open": False,
        "comment_form": None,
    }
