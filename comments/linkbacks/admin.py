"""Staff see, on each post, what its links told other blogs, and can send again."""

from django.contrib import admin, messages
from django.db import transaction

from .models import OutgoingPing


class OutgoingPingInline(admin.TabularInline):
    model = OutgoingPing
    extra = 0
    can_delete = False
    verbose_name = "outgoing linkback"
    verbose_name_plural = "Outgoing linkbacks (pingbacks and webmentions this post sent)"
    fields = readonly_fields = [
        "target_url",
        "status",
        "protocol",
        "fault_code",
        "message",
        "attempts",
        "next_retry_at",
        "updated_at",
    ]

    def has_add_permission(self, request, obj=None):
        return False


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
