"""Staff see, on each post, what its links told other blogs, and can send again."""

from django.contrib import admin, messages
from django.db import transaction
from django.utils.html import format_html, format_html_join

from .models import OutgoingPing


class OutgoingLinkbacksMixin:
    """For PostAdmin: a read-only table, on a post's change page, of the linkbacks it sent.

    A read-only field rather than an inline, so the post form posts no extra formset.
    """

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "outgoing_linkbacks"] if obj else fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj:
            fieldsets.append(("Outgoing linkbacks", {"fields": ["outgoing_linkbacks"]}))
        return fieldsets

    @admin.display(description="Pingbacks and webmentions sent")
    def outgoing_linkbacks(self, obj):
        pings = list(obj.outgoing_pings.all())
        if not pings:
            return "None yet."
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    p.target_url,
                    p.get_status_display(),
                    p.get_protocol_display(),
                    "" if p.fault_code is None else p.fault_code,
                    p.message[:200],
                    f"{p.attempts}"
                    + (f", next {p.next_retry_at:%Y-%m-%d %H:%M}" if p.next_retry_at else ""),
                )
                for p in pings
            ),
        )
        return format_html(
            "<table><thead><tr><th>target</th><th>status</th><th>protocol</th><th>fault</th>"
            "<th>message</th><th>attempts</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )


def forget_outcomes(pings):
    return pings.update(status=OutgoingPing.Status.PENDING, attempts=0, next_retry_at=None)


@admin.action(description="Re-send pingbacks and webmentions")
def resend_post_linkbacks(modeladmin, request, queryset):
    """On posts: send to every link again, recorded or new, after this transaction commits."""
    from .tasks import send_linkbacks

    count = forget_outcomes(OutgoingPing.objects.filter(post__in=queryset))
    post_ids = list(queryset.values_list("pk", flat=True))
    transaction.on_commit(lambda: [send_linkbacks.enqueue(pk) for pk in post_ids])
    modeladmin.message_user(
        request,
        f"Linkbacks of {len(post_ids)} post(s) queued ({count} sent before).",
        messages.SUCCESS,
    )


@admin.register(OutgoingPing)
class OutgoingPingAdmin(admin.ModelAdmin):
    list_display = ["target_url", "post", "status", "protocol", "fault_code", "attempts"]
    list_filter = ["status", "protocol"]
    search_fields = ["target_url", "post__title"]
    list_select_related = ["post"]
    readonly_fields = [f.name for f in OutgoingPing._meta.fields]
    actions = ["resend_selected"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Re-send selected linkbacks")
    def resend_selected(self, request, queryset):
        from .tasks import deliver_linkback

        ids = list(queryset.values_list("pk", flat=True))
        forget_outcomes(queryset)
        transaction.on_commit(lambda: [deliver_linkback.enqueue(pk) for pk in ids])
        self.message_user(request, f"{len(ids)} linkback(s) queued again.", messages.SUCCESS)
