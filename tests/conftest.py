import pytest
from django.core.cache import caches

from blogcms.pagecache import local_pages
from tests.linkback_peers import StubBlog


def _clear_caches():
    from blogcms import bigtables

    for alias in caches:
        caches[alias].clear()
    local_pages.clear()
    bigtables._sizes.clear()  # each worker's memory of table sizes


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Site settings, flood state, rate limits and fragments are cached: every test starts
    clean."""
    _clear_caches()
    yield
    _clear_caches()


@pytest.fixture
def stub():
    """A small blog on 127.0.0.1 serving pages and linkback endpoints (tests/linkback_peers)."""
    with StubBlog() as blog:
        yield blog


@pytest.fixture
def loopback_peers(settings):
    """The stub blog lives on 127.0.0.1, which the safe fetcher refuses unless told."""
    settings.BLOGCMS_FETCH_ALLOW_LOOPBACK = True
