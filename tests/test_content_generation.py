"""The content generation every page-cache hit starts with (blogcms.cache.read_generation):
read from the file cache's file only when that file was replaced, and never stale."""

import pytest
from django.core.cache import caches
from django.core.cache.backends.filebased import FileBasedCache

from blogcms.cache import GENERATION_KEY, content_generation, read_generation


@pytest.fixture
def file_cache(settings, tmp_path, monkeypatch):
    """The default cache in its own folder, counting the reads of the generation's file."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        },
    }
    reads = []
    real_get = FileBasedCache.get

    def counting_get(self, key, *args, **kwargs):
        if key == GENERATION_KEY:
            reads.append(key)
        return real_get(self, key, *args, **kwargs)

    monkeypatch.setattr(FileBasedCache, "get", counting_get)
    return reads


def test_an_unchanged_generation_is_not_read_again(file_cache):
    """Once read, the value is taken from memory while the file is the same one."""
    first = content_generation()
    assert read_generation() == first  # read from the file, once
    reads = len(file_cache)
    assert [read_generation() for _ in range(20)] == [first] * 20
    assert len(file_cache) == reads


def test_a_new_generation_is_seen_at_once_from_any_process(file_cache, tmp_path):
    """A generation written by this process, or by another worker (another cache object on
    the same folder), is the next value read: nothing is stale."""
    first = content_generation()
    assert read_generation() == first
    caches["default"].set(GENERATION_KEY, first + 1, None)
    assert read_generation() == first + 1
    other_worker = FileBasedCache(str(tmp_path / "cache"), {})
    for value in range(first + 2, first + 12):  # quick successive changes
        other_worker.set(GENERATION_KEY, value, None)
        assert read_generation() == value


def test_a_cleared_cache_starts_a_new_generation(file_cache):
    """cache.clear() (or a cull) removes the file: read_generation() says so, and the next
    generation is new."""
    first = content_generation()
    caches["default"].clear()
    assert read_generation() is None
    assert content_generation() not in (None, first)
