import pytest
from django.core.cache import caches


def _clear_caches():
    for alias in caches:
        caches[alias].clear()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Site settings, flood state, rate limits and fragments are cached: every test starts
    clean."""
    _clear_caches()
    yield
    _clear_caches()
