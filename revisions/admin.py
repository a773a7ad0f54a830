"""The revisions screens of the post and page admins, added by RevisionsAdminMixin: the
list of revisions, a side-by-side comparison of any two, restoring one, and the editor's
autosave with the offer to bring it back (WordPress: revision.php, wp_autosave)."""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format

from .diff import compare
from .models import Revision, authored_by


class AutosaveForm(forms.Form):
    """What the editor sends every minute or so: the post's text fields as they stand."""

    title = forms.CharField(max_length=300, required=False)
    body = forms.CharField(required=False)
    excerpt = forms.CharField(required=False)


def autosave_seconds():
    """How often the open editor autosaves (WordPress's AUTOSAVE_INTERVAL is 60)."""
    from django.conf import settings

    return getattr(settings, "BLOGCMS_AUTOSAVE_SECONDS", 60)


class RevisionsAdminMixin:
    """For a ModelAdmin of Post or Page: revisions on every save, their screens, autosave."""

    change_form_template = "admin/revisions/change_form.html"

    def _url_name(self, view):
        return f"{self.opts.app_label}_{self.opts.model_name}_{view}"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        extra = [
            path(
                "<path:object_id>/revisions/",
                wrap(self.revisions_view),
                name=self._url_name("revisions"),
            ),
            path(
                "<path:object_id>/revisions/<int:revision_id>/restore/",
                wrap(self.restore_revision_view),
                name=self._url_name("restore_revision"),
            ),
            path(
                "<path:object_id>/autosave/",
                wrap(self.autosave_view),
                name=self._url_name("autosave"),
            ),
        ]
        return extra + super().get_urls()

    def save_model(self, request, obj, form, change):
        with authored_by(request.user):
            super().save_model(request, obj, form, change)
        # The saved post supersedes this editor's autosave (WordPress deletes it on save).
        Revision.objects.filter(post=obj, author=request.user, is_autosave=True).delete()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        extra = {}
        if obj is not None:
            extra = {
                "revisions_url": reverse(f"admin:{self._url_name('revisions')}", args=[obj.pk]),
                "revision_count": obj.revisions.saved().count(),
                "newer_autosave": self.newer_autosave(request, obj),
            }
            if self.has_change_permission(request, obj):
                extra["autosave_url"] = reverse(
                    f"admin:{self._url_name('autosave')}", args=[obj.pk]
                )
                extra["autosave_seconds"] = autosave_seconds()
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def newer_autosave(self, request, obj):
        """The user's autosave when it is newer than the post and differs from it."""
        autosave = Revision.objects.autosave_of(obj, request.user)
        if autosave and autosave.created_at > obj.modified_at and not autosave.matches(obj):
            return autosave
        return None

    def _entry_or_404(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"No {self.opts.verbose_name} with this ID.")
        return obj

    def revisions_view(self, request, object_id):
        """The revisions, newest first, and the comparison of two: ?old=ID&new=ID, where a
        missing `new` is the post as it is now."""
        obj = self._entry_or_404(request, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        # Every saved revision, and this user's own autosave (others' are theirs).
        revisions = list(
            obj.revisions.filter(Q(is_autosave=False) | Q(author=request.user)).select_related(
                "author"
            )
        )
        by_id = {str(r.pk): r for r in revisions}
        saved = [r for r in revisions if not r.is_autosave]
        new = by_id.get(request.GET.get("new", ""))
        old = by_id.get(request.GET.get("old", ""))
        if old is None and new is None and saved:
            # The last change made: the newest revision (or the one before it, when the
            # newest is what the post holds now) against the post as it is.
            old = saved[1] if len(saved) > 1 and saved[0].matches(obj) else saved[0]
        left = obj if old is None else old
        right = obj if new is None else new
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "title": f"Revisions of “{obj}”",
            "revisions": revisions,
            "current_revision": saved[0] if saved and saved[0].matches(obj) else None,
            "old": old,
            "new": new,
            "diffs": [] if left is right else compare(left, right),
            "can_restore": self.has_change_permission(request, obj),
            "restore_url_name": f"admin:{self._url_name('restore_revision')}",
            "change_url": reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk]
            ),
        }
        return TemplateResponse(request, "admin/revisions/revisions.html", context)

    def restore_revision_view(self, request, object_id, revision_id):
        """POST: the post takes the revision's title, body and excerpt, as a new revision."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._entry_or_404(request, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        revision = get_object_or_404(obj.revisions, pk=revision_id)
        if revision.is_autosave and revision.author_id != request.user.pk:
            raise Http404("No such revision.")
        when = date_format(timezone.localtime(revision.created_at), "DATETIME_FORMAT")
        revision.restore(request.user)
        self.log_change(request, obj, f"Restored the revision of {when}.")
        self.message_user(request, f"“{obj}” restored to the revision of {when}.", messages.SUCCESS)
        return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", obj.pk)

    def autosave_view(self, request, object_id):
        """POST from the open editor: keep its unsaved text as this user's autosave."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._entry_or_404(request, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        form = AutosaveForm(request.POST)
        if not form.is_valid():
            return JsonResponse({"errors": form.errors}, status=400)
        # A field the form lacks (a page has no excerpt) is kept as stored.
        text = {
            name: form.cleaned_data[name] if name in request.POST else getattr(obj, name)
            for name in Revision.FIELDS
        }
        revision = Revision.autosave(obj, request.user, **text)
        when = date_format(timezone.localtime(revision.created_at), "TIME_FORMAT")
        return JsonResponse(
            {"saved_at": revision.created_at.isoformat(), "message": f"Autosaved at {when}."}
        )
