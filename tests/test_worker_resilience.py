"""The task worker `make run` starts outlives database outages and its own death.

Real processes on a database of their own (tests/standalone_site.py): `manage.py
run_worker` sends pingbacks to a stub blog on 127.0.0.1 while the test locks the SQLite
file, cuts PostgreSQL's connections, or kills the worker with SIGKILL.
"""

import contextlib
import os
import signal
import time
from unittest import mock

import pytest
from django.db import OperationalError, ProgrammingError
from django_tasks_db.models import DBTaskResult

from blogcms.worker import Backoff, ResilientWorker
from comments.linkbacks.tasks import deliver_linkback
from tests.linkback_peers import Reply
from tests.standalone_site import StandaloneSite, wait_for

# The figure; SQLite's busy timeout (settings.SQLITE_OPTIONS) is 20 s, so a worker
# that does not survive the lock dies during it.
LOCK_SECONDS = 30
# How long PostgreSQL refuses new connections after dropping the old ones.
DOWN_SECONDS = 5

SEED = """
import datetime
from django.utils import timezone
from comments.linkbacks.models import OutgoingPing
from comments.linkbacks.tasks import deliver_linkback
from posts.models import Post
from tests.factories import PostFactory

post = PostFactory(status=Post.Status.DRAFT)
later = timezone.now() + datetime.timedelta(days=365)
for target in {ready!r}:
    deliver_linkback.enqueue(OutgoingPing.objects.create(post=post, target_url=target).pk)
for target in {held!r}:
    ping = OutgoingPing.objects.create(post=post, target_url=target)
    deliver_linkback.using(run_after=later).enqueue(ping.pk)
"""
# Makes the held tasks due (run_after in the past).
RELEASE = (
    "UPDATE django_tasks_database_dbtaskresult SET run_after = '2000-01-01 00:00:00' "
    "WHERE status = 'READY'"
)
WORKER = ("run_worker", "--queue-name", "*", "--interval", "0.2", "--no-startup-delay")


def pingable(stub, path):
    """A page on the stub blog that advertises its XML-RPC endpoint."""
    return stub.page(path, "<p>x</p>", headers={"X-Pingback": stub.url("/xmlrpc")})


def pinged(stub):
    return sorted(target for _, target in stub.pingbacks)


def successful(site, count):
    return lambda: site.task_statuses().count("SUCCESSFUL") == count


@pytest.mark.slow
def test_worker_waits_out_a_sqlite_lock_longer_than_the_busy_timeout(tmp_path, stub):
    """With the database locked for 30 s (past SQLite's 20 s busy timeout), the worker
    backs off and retries instead of exiting, then sends the ping queued meanwhile."""
    first, during = pingable(stub, "/first/"), pingable(stub, "/during/")
    with StandaloneSite(tmp_path) as site:
        site.shell(SEED.format(ready=[first], held=[during]))
        worker = site.start(*WORKER, name="worker")
        wait_for(successful(site, 1), 30, "the first ping")

        lock = site.connect()
        lock.execute("BEGIN EXCLUSIVE")
        lock.execute(RELEASE)  # queued while the database is locked
        time.sleep(LOCK_SECONDS)
        assert worker.poll() is None, worker.log.read_text()
        lock.execute("COMMIT")
        lock.close()

        wait_for(successful(site, 2), 30, "the ping queued during the lock")
        assert pinged(stub) == [during, first]
        assert worker.poll() is None
        assert "Database unavailable (OperationalError: database is locked)" in (
            worker.log.read_text()
        )
        assert site.stop(worker) == 0


@pytest.mark.postgres
def test_worker_reconnects_after_postgresql_drops_its_connections(tmp_path, stub):
    """When PostgreSQL drops every connection and refuses new ones for a while (what a
    restart does to its clients), the worker keeps retrying and sends the pings queued
    meanwhile."""
    first, during = pingable(stub, "/first/"), pingable(stub, "/during/")
    with StandaloneSite(tmp_path, "postgresql") as site:
        site.shell(SEED.format(ready=[first], held=[during]))
        worker = site.start(*WORKER, name="worker")
        wait_for(successful(site, 1), 30, "the first ping")

        with site.connect() as ours, site.admin() as admin:
            admin.execute(f'ALTER DATABASE "{site.name}" ALLOW_CONNECTIONS false')
            try:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> %s",
                    (site.name, ours.info.backend_pid),
                )
                ours.execute(RELEASE)  # queued while the server is "down"
                time.sleep(DOWN_SECONDS)
                assert worker.poll() is None, worker.log.read_text()
            finally:
                admin.execute(f'ALTER DATABASE "{site.name}" ALLOW_CONNECTIONS true')

        wait_for(successful(site, 2), 60, "the ping queued during the outage")
        assert pinged(stub) == [during, first]
        assert worker.poll() is None
        assert "Database unavailable (OperationalError" in worker.log.read_text()
        assert site.stop(worker) == 0


def test_supervisor_restarts_a_killed_worker_and_its_task_is_not_lost(tmp_path, stub):
    """`run_worker --supervise` (what `make run` starts) replaces a worker killed with
    SIGKILL; the new one runs the queued pings and the one the dead worker was sending."""
    calls = []

    def hang_the_first_time(received):
        calls.append(received)
        if len(calls) == 1:
            return Reply(status=0, drip=[(b"", 10)])  # no answer: the worker dies waiting
        return stub.routes["/xmlrpc"](received)

    stub.routes["/slow-xmlrpc"] = hang_the_first_time
    slow = stub.page("/slow/", "<p>x</p>", headers={"X-Pingback": stub.url("/slow-xmlrpc")})
    queued = pingable(stub, "/queued/")
    with StandaloneSite(tmp_path) as site:
        site.shell(SEED.format(ready=[slow], held=[queued]))
        supervisor = site.start(*WORKER, "--supervise", name="supervisor")
        log = supervisor.log
        first = wait_for(lambda: worker_pids(log.read_text())[:1], 30, "the first worker")[0]
        wait_for(lambda: calls, 30, "the worker to start sending the slow ping")
        site.query(RELEASE)  # another ping queued behind it
        assert site.task_statuses() == ["READY", "RUNNING"]

        os.kill(first, signal.SIGKILL)
        second = wait_for(lambda: worker_pids(log.read_text())[1:], 30, "a new worker")[0]
        wait_for(successful(site, 2), 30, "both pings")
        assert pinged(stub) == [queued, slow]
        assert len(calls) == 2  # the killed worker's ping was sent again
        assert second != first and supervisor.poll() is None

        assert site.stop(supervisor) == 0
        assert not alive(second)  # the supervisor stopped its worker before exiting


def test_a_worker_stops_when_its_supervisor_is_killed(tmp_path):
    """The worker runs in its own process group (Ctrl-C reaches only the supervisor): if the
    supervisor dies by SIGKILL, the worker notices and stops rather than live on unseen."""
    with StandaloneSite(tmp_path) as site:
        supervisor = site.start(*WORKER, "--supervise", name="supervisor")
        worker = wait_for(lambda: worker_pids(supervisor.log.read_text()), 30, "a worker")[0]
        supervisor.kill()
        supervisor.wait(timeout=10)
        wait_for(lambda: not alive(worker), 10, "the worker to stop")
        assert "Supervisor pid" in supervisor.log.read_text()


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def worker_pids(log):
    """The pids in the supervisor's "Started task worker pid N." lines."""
    return [int(line.split()[-1].rstrip(".")) for line in log.splitlines() if "Started" in line]


def test_backoff_doubles_up_to_its_cap_and_starts_over_after_a_quiet_spell():
    """Retries come after 1, 2, 4… s, never more than the cap; after the cap's length of
    calm, the next outage starts again at 1 s."""
    now = [0.0]
    backoff = Backoff(first=1, cap=8, clock=lambda: now[0])
    delays = []
    for _ in range(6):
        delays.append(backoff.next())
        now[0] += delays[-1]
    assert delays == [1, 2, 4, 8, 8, 8]
    now[0] += 9
    assert backoff.next() == 1


def resilient_worker():
    return ResilientWorker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="the-worker",
        excluded_queue_names=[],
        backoff=Backoff(first=0, cap=0),
    )


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("failing", [["set_successful"], ["set_successful", "set_failed"]])
def test_a_task_cut_short_by_an_outage_runs_again(database_tasks, failing):
    """A task that met a database outage goes back in the queue once the database answers,
    whether its failure could be recorded or not even that (it would stay RUNNING)."""
    deliver_linkback.enqueue(404)  # no such ping: the task ends at once
    originals = {method: getattr(DBTaskResult, method) for method in failing}
    calls = []

    def outage(method):
        def during_the_outage(task_result, *args):
            calls.append(method)
            if len(calls) <= len(failing):  # the first run: each way of recording fails
                raise OperationalError("server closed the connection unexpectedly")
            return originals[method](task_result, *args)

        return during_the_outage

    with contextlib.ExitStack() as patches:
        for method in failing:
            patches.enter_context(mock.patch.object(DBTaskResult, method, outage(method)))
        resilient_worker().run()
    task = DBTaskResult.objects.get()
    assert task.status == "SUCCESSFUL"
    assert task.worker_ids == ["the-worker", "the-worker"]  # claimed, requeued, claimed again


@pytest.mark.django_db(transaction=True)
def test_a_programming_error_still_stops_the_worker(database_tasks):
    """Only outages are waited out: a bug (here a ProgrammingError) ends the worker loudly,
    for the supervisor to restart it and the log to show it."""
    deliver_linkback.enqueue(404)
    with (
        mock.patch.object(DBTaskResult, "claim", side_effect=ProgrammingError("bug")),
        pytest.raises(ProgrammingError),
    ):
        resilient_worker().run()
