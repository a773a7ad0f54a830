"""Invalidation of cached page fragments: one generation number that moves on every change.

Fragments (the sidebar) and whole pages (blogcms.pagecache) include the generation in their
cache key, so saving a post, a comment or a category makes every worker render afresh.
"""

import os
import threading
import time

from django.core.cache import cache, caches
from django.core.cache.backends.filebased import FileBasedCache
from django.db import transaction

GENERATION_KEY = "blogcms:content-generation"


class GenerationReader:
    """cache.get(GENERATION_KEY), read on every request (each page cache hit starts with it).

    With Django's file cache, reading it means opening, unpickling and decompressing a file:
    most of a hit's own time. That file is never written in place: a new generation is a new
    file moved over the old one. So the file last read is kept open (pinned: while it is
    open, no new file can be given its inode), and while the key's path still names that
    inode, the value is the one read: one stat() instead. Nothing is ever stale: a file
    replaced between the pin and the read only makes the next request read again. Any other
    cache (Redis) is read each time."""

    def __init__(self):
        self.lock = threading.Lock()
        self.kept = None  # (path, (device, inode) of the pinned file, value, the open file)

    def __call__(self):
        backend = caches["default"]
        if not isinstance(backend, FileBasedCache):
            return backend.get(GENERATION_KEY)
        # The file Django names for the key (a private method, stable since Django 1.x).
        path = backend._key_to_file(GENERATION_KEY)
        try:
            stat = os.stat(path)
        except OSError:  # not written yet, culled or cleared: the cache says what now
            return backend.get(GENERATION_KEY)
        kept = self.kept
        if kept is not None and kept[:2] == (path, (stat.st_dev, stat.st_ino)):
            return kept[2]
        with self.lock:
            try:
                pinned = open(path, "rb")  # noqa: SIM115 - held open on purpose, see above
            except OSError:
                return backend.get(GENERATION_KEY)
            value = backend.get(GENERATION_KEY)  # this file's value, or a newer one
            if value is None:
                pinned.close()
                return None
            inode = os.fstat(pinned.fileno())
            old, self.kept = self.kept, (path, (inode.st_dev, inode.st_ino), value, pinned)
            if old is not None:
                old[3].close()
            return value


read_generation = GenerationReader()


def content_generation():
    value = read_generation()
    if value is None:
        value = time.time_ns()
        cache.add(GENERATION_KEY, value, None)
    return value


def content_changed(**kwargs):
    """Signal receiver: after the transaction commits, start a new generation."""
    if kwargs.get("raw"):
        return
    if not getattr(kwargs.get("instance"), "changes_public_pages", True):
        return
    transaction.on_commit(lambda: cache.set(GENERATION_KEY, time.time_ns(), None))


def relation_changed(**kwargs):
    """m2m_changed receiver: once a post's categories or tags have changed (post_add,
    post_remove, post_clear), not also before."""
    if kwargs["action"].startswith("post_"):
        content_changed(**kwargs)


def watch(*models, relations=()):
    """New generation when any of `models` is saved or deleted, or any of the many-to-many
    `relations` (through models) changes; other relations (a user's groups) do not count."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for model in models:
        post_save.connect(content_changed, sender=model, dispatch_uid=f"gen-save-{model.__name__}")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"gen-del-{model.__name__}")
    for through in relations:
        m2m_changed.connect(
            relation_changed, sender=through, dispatch_uid=f"gen-m2m-{through.__name__}"
        )


def watch_fields(model, *fields):
    """New generation when a saved `model` instance changes one of `fields`, and only then:
    a user's name shows on their posts, but their last_login (written on every login) does
    not, and flushing every cached page at each login would empty the cache."""
    from django.db.models.signals import pre_save

    def fields_changed(sender, instance, raw=False, update_fields=None, **kwargs):
        if raw or instance.pk is None:  # a new user shows on no page yet
            return
        if update_fields is not None and not set(fields) & set(update_fields):
            return
        before = sender._default_manager.filter(pk=instance.pk).values(*fields).first()
        if before and any(before[name] != getattr(instance, name) for name in fields):
            content_changed()

    pre_save.connect(
        fields_changed, sender=model, weak=False, dispatch_uid=f"gen-fields-{model.__name__}"
    )
