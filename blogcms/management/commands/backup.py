"""`make backup`: the database and the uploaded media in one archive under var/backups/."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from blogcms import backup


class Command(BaseCommand):
    help = "Back up the database and MEDIA_ROOT into one .tar.gz (safe while the site runs)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            help="Where to write the archive (default: var/backups/blogcms-<UTC time>.tar.gz).",
        )

    def handle(self, *args, output, **options):
        if not output:
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            output = settings.VAR_DIR / "backups" / f"blogcms-{stamp}.tar.gz"
        manifest = backup.create(output)
        media = manifest["media"]
        self.stdout.write(
            f"Backed up the {manifest['database']['vendor']} database and {media['files']} "
            f"media file(s) to {output}"
        )
