"""Test settings: the real settings, with fast and isolated stand-ins where it matters."""

from blogcms.settings import *  # noqa: F403

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "ratelimit",
    },
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "wordpress_imports": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
}
# Tasks run at once in tests; the database backend and its worker are tested on their own.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# Other tests change data inside a test transaction, where on_commit never bumps the content
# generation; tests/test_pagecache.py turns the page cache on and runs on_commit callbacks.
BLOGCMS_PAGE_CACHE = False
# WhiteNoise warns on every request when STATIC_ROOT (filled by collectstatic) is missing.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
