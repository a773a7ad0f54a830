"""Linkback tasks on the database backend, run by `manage.py db_worker` as `make run` does."""

import datetime
import io
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from comments.linkbacks.models import OutgoingPing
from comments.linkbacks.tasks import THROTTLED_ATTEMPTS, deliver_linkback
from posts.models import Post
from tests.factories import PostFactory
from tests.linkback_peers import Reply, linking_page

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


def _waiting_mentions():
    return DBTaskResult.objects.filter(status="READY", task_path__endswith="verify_webmention")


def test_a_mention_refused_by_the_rate_is_retried_later_not_dropped(client, stub, settings):
    """A deletion sent in a busy minute: the sender got 202, the task finds the source's
    address over its rate, and queues itself again for after the window instead of
    dropping the mention; then the source's 410 removes the stored response."""
    settings.BLOGCMS_LINKBACK_RATE = (1, 60)
    post = PostFactory()
    target = f"http://testserver{post.get_absolute_url()}"
    stub.page("/reply/", linking_page("Theirs", target))
    stub.page("/other/", linking_page("Another", target))
    # Named by host: a source written as an address would be refused at the endpoint.
    source, other = (
        f"http://localhost:{stub._server.server_port}/{p}/" for p in ("reply", "other")
    )
    start = datetime.datetime(2030, 1, 1, 0, 0, 10, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        assert client.post("/webmention/", {"source": source, "target": target}).status_code == 202
        run_worker()
    assert post.responses.count() == 1
    stub.routes["/reply/"] = Reply(410, body=b"gone")
    minute = start + datetime.timedelta(minutes=1)
    with time_machine.travel(minute, tick=False):
        assert client.post("/webmention/", {"source": other, "target": target}).status_code == 202
        run_worker()  # the host's one fetch this minute
        stub.received.clear()
        assert client.post("/webmention/", {"source": source, "target": target}).status_code == 202
        run_worker()
    assert not stub.received and post.responses.count() == 2
    [waiting] = _waiting_mentions()
    window_end = minute + datetime.timedelta(seconds=50)
    assert window_end <= waiting.run_after <= window_end + datetime.timedelta(seconds=60)
    with time_machine.travel(waiting.run_after, tick=False):
        run_worker()
    assert list(post.responses.values_list("author_url", flat=True)) == [other]
    assert not _waiting_mentions().exists()


def test_a_mention_always_over_the_rate_is_given_up_after_a_few_attempts(client, stub, settings):
    """A source whose address never has fetches left is tried a bounded number of times,
    each later than the last, then given up: the queue does not grow for ever."""
    settings.BLOGCMS_LINKBACK_RATE = (0, 60)
    post = PostFactory()
    target = f"http://testserver{post.get_absolute_url()}"
    stub.page("/reply/", linking_page("Theirs", target))
    source = f"http://localhost:{stub._server.server_port}/reply/"
    waits, now = [], datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    with time_machine.travel(now, tick=False):
        client.post("/webmention/", {"source": source, "target": target})
    for _ in range(20):
        with time_machine.travel(now, tick=False):
            run_worker()
        waiting = _waiting_mentions().first()
        if waiting is None:
            break
        waits.append(waiting.run_after - now)
        now = waiting.run_after
    assert len(waits) == THROTTLED_ATTEMPTS - 1
    assert all(wait > datetime.timedelta(0) for wait in waits)
    assert not stub.received and not post.responses.exists()
