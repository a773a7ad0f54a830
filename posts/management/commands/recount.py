"""`manage.py recount`: make every stored count again from the tables (each post's approved
responses, each category's and tag's published posts), after a bulk import or SQL that went
around the ORM. Normal saves, deletes and moderation keep them exact by themselves."""

from django.core.management.base import BaseCommand

from comments.models import count_responses
from posts.counts import count_all
from posts.models import Post


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def handle(self, *args, **options):
        post_ids = list(Post.objects.values_list("pk", flat=True))
        for start in range(0, len(post_ids), 1000):
            count_responses(post_ids[start : start + 1000])
        count_all()
        self.stdout.write(f"Counted the responses of {len(post_ids)} posts, and every term.")
