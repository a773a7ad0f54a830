from django.contrib import admin
from django.shortcuts import redirect

from .models import SiteSettings


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    """One row: the list page goes straight to it."""

    fieldsets = [
        ("General", {"fields": ["title", "tagline", "theme", "date_format"]}),
        ("Reading", {"fields": ["posts_per_page", "posts_per_rss"]}),
        (
            "Discussion: default post settings",
            {"fields": ["default_comment_status", "default_ping_status", "default_pingback_flag"]},
        ),
        (
            "Discussion: other comment settings",
            {
                "fields": [
                    "require_name_email",
                    "comment_registration",
                    "close_comments_for_old_posts",
                    "close_comments_days_old",
                    "show_comments_cookies_opt_in",
                    "thread_comments",
                    "thread_comments_depth",
                    "show_avatars",
                    "page_comments",
                    "comments_per_page",
                    "default_comments_page",
                    "comment_order",
                ]
            },
        ),
        ("Discussion: email me whenever", {"fields": ["comments_notify", "moderation_notify"]}),
        (
            "Discussion: before a comment appears",
            {"fields": ["comment_moderation", "comment_previously_approved"]},
        ),
        (
            "Discussion: moderation and abuse",
            {
                "fields": [
                    "comment_max_links",
                    "moderation_keys",
                    "disallowed_keys",
                    "comment_flood_seconds",
                    "pingback_hide_fault_details",
                ]
            },
        ),
    ]

    def has_add_permission(self, request):
        return not SiteSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        settings = SiteSettings.load()
        return redirect("admin:blogcms_sitesettings_change", settings.pk)
