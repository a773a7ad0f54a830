"""Where an uploaded export waits for the worker: never under MEDIA_ROOT, which the web
server serves to anyone (the file holds commenters' emails and IP addresses)."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.utils.functional import LazyObject


class _ImportStorage(LazyObject):
    def _setup(self):
        # STORAGES["wordpress_imports"] when set (a private bucket shared by workers on
        # other hosts); else a folder under var/ on this host.
        if "wordpress_imports" in settings.STORAGES:
            self._wrapped = storages["wordpress_imports"]
        else:
            self._wrapped = FileSystemStorage(location=settings.VAR_DIR / "wordpress-imports")


def import_storage():
    return _ImportStorage()
