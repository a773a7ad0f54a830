"""python manage.py export_wordpress > blog.xml"""

from django.core.management.base import BaseCommand

from wxr.export import export_wxr


class Command(BaseCommand):
    help = (
        "Write the whole blog as a WordPress export (WXR 1.2) to standard output: authors, "
        "categories, tags, posts, comments, pingbacks and trackbacks."
    )

    def handle(self, *args, **options):
        for chunk in export_wxr():
            self.stdout.write(chunk, ending="")
