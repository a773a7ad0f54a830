"""Invalidation of cached page fragments: one generation number that moves on every change.

Fragments (the sidebar, later whole pages) include the generation in their cache key, so
saving a post, a comment or a category makes every worker render afresh.
"""

import time

from django.core.cache import cache
from django.db import transaction

GENERATION_KEY = "blogcms:content-generation"


def content_generation():
    value = cache.get(GENERATION_KEY)
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


def watch(*models):
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for model in models:
        post_save.connect(content_changed, sender=model, dispatch_uid=f"gen-save-{model.__name__}")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"gen-del-{model.__name__}")
    m2m_changed.connect(content_changed, dispatch_uid="gen-m2m")
