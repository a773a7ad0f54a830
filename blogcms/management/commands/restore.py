"""`make restore FILE=…`: put a backup's database and media back, into an empty database."""

from django.core.cache import caches
from django.core.management.base import BaseCommand

from blogcms import backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into an empty database (--force: replace "
        "everything in a database that has tables). Stop the site first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The .tar.gz written by `manage.py backup`.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Drop every table of a database that is not empty before restoring.",
        )

    def handle(self, *args, archive, force, **options):
        manifest = backup.restore(archive, force=force)
        caches["default"].clear()  # cached pages show what was there before
        self.stdout.write(
            f"Restored the database and {manifest['media']['files']} media file(s) from "
            f"{archive} (made {manifest['created_at']}). `make run` (or `manage.py migrate`) "
            "brings its schema up to date if the backup is older than this code."
        )
