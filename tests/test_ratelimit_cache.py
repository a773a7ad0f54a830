"""Flood windows need an add() that is atomic across gunicorn workers: without Redis they
live in the database cache, whose unique key makes a second add() fail."""

import threading

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connections

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


@pytest.mark.django_db(transaction=True)
def test_racing_adds_on_the_database_cache_let_exactly_one_through(database_ratelimit):
    """Eight threads adding the same flood key at once: exactly one wins."""
    barrier = threading.Barrier(8)
    wins = []

    def racer():
        try:
            barrier.wait()
            if caches["ratelimit"].add("comments:flood:ip:race", 1, 15):
                wins.append(1)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=racer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
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
