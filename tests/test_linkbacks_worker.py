"""Linkback tasks on the database backend, run by `manage.py db_worker` as `make run` does."""

import io
from unittest import mock

import pytest
from django.core.management import call_command
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from comments.linkbacks.models import OutgoingPing
from comments.linkbacks.tasks import deliver_linkback
from posts.models import Post
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.BLOGCMS_FETCH_ALLOW_LOOPBACK = True
    settings.BLOGCMS_SITE_URL = "http://blog.example.org"


def run_worker():
    call_command("db_worker", batch=True, queue_name="*", interval=0, startup_delay=False)


def draft():
    """A post whose saving queues no send task of its own."""
    return PostFactory(status=Post.Status.DRAFT)


def statuses():
    return sorted(DBTaskResult.objects.values_list("status", flat=True))


def test_publishing_queues_the_send_in_the_database_and_the_worker_sends_it(stub):
    """Nothing is sent in the request that publishes; the worker sends it from the queue."""
    theirs = stub.page("/p/", "<p>x</p>", headers={"X-Pingback": stub.url("/xmlrpc")})
    post = PostFactory(body=f'<a href="{theirs}">their post</a>')
    assert stub.pingbacks == []
    assert statuses() == ["READY"]
    run_worker()
    assert stub.pingbacks == [(f"http://blog.example.org{post.get_absolute_url()}", theirs)]
    assert OutgoingPing.objects.get().status == "sent"
    assert set(statuses()) == {"SUCCESSFUL"}


def test_a_retry_waits_in_the_database_until_its_time(stub):
    """A failed delivery is queued again with run_after; a worker leaves it until then."""
    ping = OutgoingPing.objects.create(post=draft(), target_url="http://127.0.0.1:9/x/p")
    deliver_linkback.enqueue(ping.pk)
    run_worker()
    ping.refresh_from_db()
    assert ping.status == "network_error" and ping.next_retry_at is not None
    waiting = DBTaskResult.objects.get(status="READY")
    assert waiting.run_after == ping.next_retry_at
    run_worker()  # not due yet: it stays queued
    assert DBTaskResult.objects.get(pk=waiting.pk).status == "READY"


def test_a_crashed_worker_loses_no_queued_task(stub):
    """A worker that dies mid-task leaves every other queued task in the database, and the
    next worker runs them all."""
    theirs = stub.page("/p/", "<p>x</p>", headers={"X-Pingback": stub.url("/xmlrpc")})
    pings = [
        OutgoingPing.objects.create(post=draft(), target_url=f"{theirs}?n={n}") for n in range(3)
    ]
    for ping in pings:
        deliver_linkback.enqueue(ping.pk)

    def die(worker, task_result):
        raise SystemExit("worker killed")  # the process dies: nothing marks the task done

    with mock.patch.object(Worker, "run_task", die), pytest.raises(SystemExit):
        run_worker()
    assert statuses() == ["READY", "READY", "RUNNING"]
    run_worker()
    assert statuses() == ["RUNNING", "SUCCESSFUL", "SUCCESSFUL"]
    assert len(stub.pingbacks) == 2
    # The task in flight when the worker died stays RUNNING (django-tasks-db does not
    # reclaim it); its record stays pending, so staff can see it and re-send it.
    assert sorted(OutgoingPing.objects.values_list("status", flat=True)) == [
        "pending",
        "sent",
        "sent",
    ]
    # requeue_stale_tasks (run by `make run` before its worker starts) gives it back.
    call_command("requeue_stale_tasks", older_than=0, stdout=io.StringIO())
    run_worker()
    assert statuses() == ["SUCCESSFUL", "SUCCESSFUL", "SUCCESSFUL"]
    assert set(OutgoingPing.objects.values_list("status", flat=True)) == {"sent"}
