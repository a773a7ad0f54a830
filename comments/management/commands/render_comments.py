"""Re-render every response's stored HTML from its raw text, after a whitelist change."""

from django.core.management.base import BaseCommand

from blogcms.cache import content_changed
from comments.models import Comment


class Command(BaseCommand):
    help = "Re-render every comment's content_html from its raw content (after a whitelist change)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        changed = 0
        batch = []
        for comment in Comment.objects.only("pk", "content", "content_html").iterator(batch_size):
            before = comment.content_html
            comment.render()
            if comment.content_html != before:
                batch.append(comment)
            if len(batch) >= batch_size:
                changed += Comment.objects.bulk_update(batch, ["content_html"])
                batch = []
        if batch:
            changed += Comment.objects.bulk_update(batch, ["content_html"])
        if changed:
            content_changed()  # bulk_update sends no post_save: cached pages must go too
        self.stdout.write(f"Re-rendered {changed} comment(s).")
