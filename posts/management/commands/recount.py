"""`manage.py recount`: make every stored count again from the tables (each post's approved
responses, each category's and tag's published posts), after a bulk import or SQL that went
around the ORM. Normal saves, deletes and moderation keep them exact by themselves."""

from django.core.management.base import BaseCommand

from comments.models import count_all_responses
from posts.counts import count_all


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def handle(self, *args, **options):
        posts = count_all_responses()
        count_all()
        self.stdout.write(f"Counted the responses of {posts} posts, and every term.")
