"""python manage.py import_wordpress export.xml [--media-dir DIR]"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wxr.importer import Importer
from wxr.parse import WXRError


class ProgressBar:
    """A bar on the terminal (the command's stderr), redrawn at most ten times a second;
    nothing when stderr is not a terminal (a cron job's log gets the summary only)."""

    def __init__(self, stream):
        self.stream = stream
        self.shown = stream.isatty()
        self.last = 0.0

    def __call__(self, done, total):
        now = time.monotonic()
        if not self.shown or (now - self.last < 0.1 and done < total):
            return
        self.last = now
        width = 30
        filled = width * done // total if total else width
        percent = 100 * done // total if total else 100
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r[{bar}] {percent:3d}% {done:,}/{total:,} items", ending="")
        if done >= total:
            self.stream.write("")
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Import a WordPress export (WXR 1.0–1.2): authors, categories, tags, posts and their "
        "comments. Running it again with the same file, or a later export, adds only what "
        "is new."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the .xml file from Tools → Export")
        parser.add_argument(
            "--media-dir", type=Path, help="a copy of the old blog's wp-content/uploads"
        )
        parser.add_argument(
            "--same-blog",
            action="store_true",
            help="the file is from the blog imported before, now at another address",
        )

    def handle(self, *args, file, media_dir=None, same_blog=False, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        if media_dir is not None and not media_dir.is_dir():
            raise CommandError(f"No such folder: {media_dir}")
        self.stderr.style_func = None  # a bar, not an error in red
        progress = ProgressBar(self.stderr)
        importer = Importer(media_dir=media_dir, progress=progress, same_blog=same_blog)
        try:
            summary = importer.run(lambda: file.open("rb"))
        except WXRError as exc:
            raise CommandError(f"{file}: {exc} Nothing was imported.") from exc
        self.stdout.write(str(summary))
