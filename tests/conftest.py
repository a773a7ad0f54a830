import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Site settings, flood state and fragments are cached: every test starts clean."""
    cache.clear()
    yield
    cache.clear()
