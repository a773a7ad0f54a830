"""Staff see and manage the blog's Fediverse side: its handle and approval setting,
followers (approve, remove), blocks (an actor or a whole domain), deliveries and reactions."""

from django.contrib import admin, messages
from django.db import transaction

from .models import (
    Block,
    BlogActor,
    Delivery,
    FederatedPost,
    Follower,
    Reaction,
    RemoteActor,
    RemoteNote,
)


@admin.register(BlogActor)
class BlogActorAdmin(admin.ModelAdmin):
    list_display = ["__str__", "manually_approves_followers", "created_at"]
    fields = ["username", "manually_approves_followers"]

    def has_add_permission(self, request):
        return False  # the one row is made on first use (BlogActor.load)

    def get_queryset(self, request):
        BlogActor.load()  # so the list always holds it, even before the first request
        return super().get_queryset(request)

    def has_delete_permission(self, request, obj=None):
        return False  # its key is what every follower's server knows the blog by


@admin.register(Follower)
class FollowerAdmin(admin.ModelAdmin):
    list_display = ["actor", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["actor__ap_id", "actor__preferred_username", "actor__domain"]
    list_select_related = ["actor"]
    readonly_fields = ["actor", "follow_id", "created_at"]
    actions = ["approve", "remove", "block_domains"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Approve selected followers (send Accept)")
    def approve(self, request, queryset):
        from .activities import send_accept

        pending = list(queryset.filter(status=Follower.Status.PENDING).select_related("actor"))
        with transaction.atomic():
            for follower in pending:
                follower.status = Follower.Status.ACCEPTED
                follower.save(update_fields=["status"])
                send_accept(follower)
        self.message_user(request, f"{len(pending)} follower(s) approved.", messages.SUCCESS)

    @admin.action(description="Remove selected followers (send Reject)")
    def remove(self, request, queryset):
        from .activities import send_accept

        followers = list(queryset.select_related("actor"))
        with transaction.atomic():
            for follower in followers:
                send_accept(follower, kind="Reject")  # Mastodon drops the follow on Reject
                follower.delete()
        self.message_user(request, f"{len(followers)} follower(s) removed.", messages.SUCCESS)

    @admin.action(description="Block the domains of selected followers")
    def block_domains(self, request, queryset):
        domains = set(queryset.values_list("actor__domain", flat=True))
        for domain in domains:
            Block.objects.get_or_create(domain=domain, actor_id="")
        removed, _ = Follower.objects.filter(actor__domain__in=domains).delete()
        self.message_user(
            request, f"Blocked {len(domains)} domain(s); {removed} follower(s) removed."
        )


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ["__str__", "domain", "actor_id", "created_at"]
    search_fields = ["domain", "actor_id"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A blocked actor or domain follows no more.
        gone = Follower.objects.filter(actor__ap_id=obj.actor_id) if obj.actor_id else None
        if obj.domain:
            gone = Follower.objects.filter(actor__domain=obj.domain)
        if gone is not None:
            gone.delete()


@admin.register(RemoteActor)
class RemoteActorAdmin(admin.ModelAdmin):
    list_display = ["__str__", "name", "domain", "type", "fetched_at"]
    search_fields = ["ap_id", "preferred_username", "name", "domain"]
    readonly_fields = [f.name for f in RemoteActor._meta.fields]
    actions = ["block_actors"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Block selected actors")
    def block_actors(self, request, queryset):
        for actor in queryset:
            Block.objects.get_or_create(actor_id=actor.ap_id, domain="")
        Follower.objects.filter(actor__in=queryset).delete()
        self.message_user(request, "Blocked.")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["activity_type", "inbox", "post", "status", "attempts", "next_retry_at"]
    list_filter = ["status", "activity_type"]
    search_fields = ["inbox", "post__title"]
    list_select_related = ["post"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Send selected deliveries again")
    def resend(self, request, queryset):
        from .tasks import deliver

        ids = list(queryset.values_list("pk", flat=True))
        queryset.update(status=Delivery.Status.PENDING, attempts=0, next_retry_at=None)
        transaction.on_commit(lambda: [deliver.enqueue(pk) for pk in ids])
        self.message_user(request, f"{len(ids)} delivery(ies) queued again.")


@admin.register(Reaction)
class ReactionAdmin(admin.ModelAdmin):
    list_display = ["post", "kind", "actor", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["post", "actor"]
    readonly_fields = ["post", "actor", "kind", "activity_id", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(FederatedPost)
class FederatedPostAdmin(admin.ModelAdmin):
    list_display = ["ap_id", "post", "published", "deleted_at"]
    readonly_fields = ["post", "ap_id", "path", "published", "deleted_at"]

    def has_add_permission(self, request):
        return False


@admin.register(RemoteNote)
class RemoteNoteAdmin(admin.ModelAdmin):
    list_display = ["ap_id", "actor", "comment"]
    readonly_fields = ["comment", "ap_id", "actor"]

    def has_add_permission(self, request):
        return False


class FediverseDeliveriesMixin:
    """For PostAdmin: on a post's change page, what its followers were sent and how each
    delivery went (as the outgoing linkbacks are shown), and its likes and boosts."""

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "fediverse_deliveries"] if obj else fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj:
            fieldsets.append(("Fediverse", {"fields": ["fediverse_deliveries"]}))
        return fieldsets

    @admin.display(description="Deliveries to followers")
    def fediverse_deliveries(self, obj):
        from django.db.models import Count
        from django.utils.html import format_html, format_html_join

        counts = dict(
            obj.reactions.values_list("kind").annotate(n=Count("id")).values_list("kind", "n")
        )
        reactions = format_html(
            "<p>{} likes, {} boosts</p>",
            counts.get(Reaction.Kind.LIKE, 0),
            counts.get(Reaction.Kind.ANNOUNCE, 0),
        )
        deliveries = list(obj.deliveries.all()[:100])
        if not deliveries:
            return format_html("{}<p>None yet.</p>", reactions)
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    d.activity_type,
                    d.inbox,
                    d.get_status_display(),
                    d.message[:200],
                    f"{d.attempts}"
                    + (f", next {d.next_retry_at:%Y-%m-%d %H:%M}" if d.next_retry_at else ""),
                )
                for d in deliveries
            ),
        )
        return format_html(
            "{}<table><thead><tr><th>activity</th><th>inbox</th><th>status</th>"
            "<th>message</th><th>attempts</th></tr></thead><tbody>{}</tbody></table>",
            reactions,
            rows,
        )
