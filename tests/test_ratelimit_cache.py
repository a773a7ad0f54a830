"""Flood windows need an add() that is atomic across gunicorn workers: without Redis they
live in the database cache, whose unique key makes a second add() fail."""

import os
import threading

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection, connections

from comments.forms import form_timestamp
from comments.moderation import FLOOD_MESSAGE

from .factories import PostFactory

DATABASE_RATELIMIT = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "blogcms_ratelimit_test",
    },
}


@pytest.fixture
def database_ratelimit(settings):
    settings.CACHES = DATABASE_RATELIMIT
    call_command("createcachetable", verbosity=0)
    yield caches["ratelimit"]
    caches["ratelimit"].clear()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the in-memory SQLite test database locks whole tables; CI runs this on PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_racing_adds_on_the_database_cache_let_exactly_one_through(database_ratelimit):
    """Eight threads adding the same flood key at once: exactly one wins, none fails."""
    barrier = threading.Barrier(8)
    wins, errors = [], []

    def racer():
        try:
            barrier.wait()
            if caches["ratelimit"].add("comments:flood:ip:race", 1, 15):
                wins.append(1)
        except Exception as error:  # noqa: BLE001 - a failing racer must fail the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=racer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(wins) == 1


@pytest.mark.django_db
def test_flood_is_refused_through_the_database_cache(client, database_ratelimit):
    """The second comment within 15 s gets 429 when the flood window is in the database."""
    post = PostFactory()
    url = f"/wp-comments-post/{post.pk}/"
    first = {"author": "Ann", "email": "ann@example.com", "comment": "First thought."}
    second = {**first, "comment": "Second thought."}
    stamp = form_timestamp(now=0)  # shown long ago: the bot timer lets it through
    assert client.post(url, {**first, "shown_at": stamp}).status_code == 302
    response = client.post(url, {**second, "shown_at": stamp})
    assert response.status_code == 429
    assert FLOOD_MESSAGE in response.text


@pytest.fixture
def redis_ratelimit(settings):
    """The "ratelimit" cache on Redis, as with REDIS_URL set (CI starts redis-server)."""
    import redis

    url = os.environ.get("BLOGCMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {url}")
    settings.CACHES = {
        "default": DATABASE_RATELIMIT["default"],
        "ratelimit": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url},
    }
    caches["ratelimit"].clear()
    yield caches["ratelimit"]
    caches["ratelimit"].clear()


@pytest.mark.django_db
def test_flood_is_refused_through_redis(client, redis_ratelimit):
    """With REDIS_URL the flood window lives in Redis, shared by every worker and host."""
    post = PostFactory()
    url = f"/wp-comments-post/{post.pk}/"
    stamp = form_timestamp(now=0)
    first = {"author": "Ann", "email": "ann@example.com", "comment": "One.", "shown_at": stamp}
    assert client.post(url, first).status_code == 302
    assert client.post(url, {**first, "comment": "Two."}).status_code == 429
    assert any(key.startswith(b":1:comments:flood:") for key in redis_keys(redis_ratelimit))


def redis_keys(redis_cache):
    return redis_cache._cache.get_client().keys("*")
