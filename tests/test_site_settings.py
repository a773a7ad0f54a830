"""Site settings are cached in every worker; a change must not be lost to a race."""

import pytest
from django.core.cache import cache

from blogcms.models import CACHE_KEY, SiteSettings

pytestmark = pytest.mark.django_db


def test_settings_read_before_the_commit_do_not_outlive_it(django_capture_on_commit_callbacks):
    """A request that caches the old row between save() and commit is undone at commit."""
    site = SiteSettings.load()
    with django_capture_on_commit_callbacks(execute=True):
        site.theme = "minimal"
        site.save()
        # Another worker, reading before the admin's transaction commits, caches the old row.
        stale = SiteSettings.objects.get(pk=1)
        stale.theme = "classic"
        cache.set(CACHE_KEY, stale, 300)
    assert SiteSettings.load().theme == "minimal"
