"""Many visitors commenting at the same moment: each comment is stored once, none fails."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection, connections
from django.test import Client

from comments.models import Comment
from tests.comment_helpers import post_comment
from tests.factories import PostFactory

VISITORS = 50
ROOT = Path(__file__).resolve().parent.parent


def post_at_once(post, count):
    """`count` threads, released together, each posting its own comment; their answers."""
    start = threading.Barrier(count)
    statuses, errors = [], []

    def visit(n):
        try:
            client = Client()
            start.wait()
            response = post_comment(
                client,
                post,
                ip=f"198.51.100.{n + 1}",
                email=f"visitor{n}@example.com",
                author=f"Visitor {n}",
                comment=f"Comment number {n}",
            )
            statuses.append(response.status_code)
        except Exception as exc:  # noqa: BLE001 - any failure in a thread fails the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=visit, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses, errors


@pytest.mark.django_db(transaction=True)
def test_simultaneous_comments_are_each_stored_once(tmp_path):
    """50 threads post 50 different comments at once: 50 redirects, 50 rows, no error.

    On PostgreSQL, and on SQLite as deployed (a file in WAL mode, BEGIN IMMEDIATE, busy
    timeout). SQLite's in-memory test database locks whole tables instead, unlike any real
    site, so there the test runs itself again on a temporary database file.
    """
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        env = os.environ | {"SQLITE_TEST_NAME": str(tmp_path / "concurrency.sqlite3")}
        env.pop("DATABASE_URL", None)
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "--create-db", f"{__file__}"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
        assert "1 passed" in result.stdout
        return
    post = PostFactory()
    statuses, errors = post_at_once(post, VISITORS)
    assert errors == []
    assert statuses == [302] * VISITORS
    contents = sorted(Comment.objects.filter(post=post).values_list("content", flat=True))
    assert contents == sorted(f"Comment number {n}" for n in range(VISITORS))
