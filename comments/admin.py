from django.contrib import admin

from .models import Comment


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["author_name", "type", "status", "post", "created_at"]
    list_filter = ["status", "type"]
    search_fields = ["author_name", "author_email", "author_url", "content"]
    raw_id_fields = ["post", "parent", "user"]
