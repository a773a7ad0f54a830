"""The task worker `make run` keeps alive: it outlives database outages, and a supervisor
outlives the worker.

django-tasks-db's worker exits on a database error: a PostgreSQL restart, or a SQLite lock
held past the busy timeout (a long import, a backup), would stop every pingback and mail
until someone noticed. `ResilientWorker` treats the errors a database raises when it is
unreachable or busy (`OperationalError`, `InterfaceError`) as an outage: it closes its
connections, waits (doubling up to a cap) and carries on, and puts a task the outage
interrupted or failed back in the queue. Every other error is a bug and still ends the
process, loudly; `supervise()` then starts a new worker, with the same backoff so a worker
that cannot start does not spin.
"""

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

log = logging.getLogger("blogcms.worker")

# What a database raises when it is down, restarting, refusing connections or locked.
OUTAGES = (OperationalError, InterfaceError)
# A task that failed because the database did runs again, up to this many runs in all.
MAX_RUNS = 5
# The longest wait between two tries, in seconds.
MAX_BACKOFF = 30.0


class Backoff:
    """Delays of first, 2×first, 4×first… seconds up to `cap`; after `cap` seconds without
    trouble the next delay starts from `first` again."""

    def __init__(self, first=1.0, cap=MAX_BACKOFF, clock=time.monotonic):
        self.first, self.cap, self.clock = first, cap, clock
        self.delay = None
        self.last = None

    def next(self):
        now = self.clock()
        if self.delay is None or now - self.last > self.cap + self.delay:
            self.delay = self.first
        else:
            self.delay = min(self.delay * 2, self.cap)
        self.last = now
        return self.delay


def requeue_running(*, claimed_by=(), started_before=None):
    """Put RUNNING tasks back in the queue: those last claimed by one of the worker ids
    `claimed_by`, or those started before `started_before`. Returns how many.

    A linkback checks its record first, so it is not sent twice; a notification mail may
    be (at least once beats never for a moderator's mail)."""
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    if started_before is not None:
        running = running.filter(started_at__lte=started_before)
    if claimed_by:
        # worker_ids is a JSON list; SQLite has no JSON `contains`, and RUNNING tasks are few.
        wanted = set(claimed_by)
        ids = [
            pk
            for pk, workers in running.values_list("pk", "worker_ids")
            if workers and workers[-1] in wanted
        ]
        running = running.filter(pk__in=ids)
    return running.update(status=TaskResultStatus.READY, started_at=None)


def close_connections():
    """Drop every database connection; the next query opens a fresh one."""
    for connection in connections.all(initialized_only=True):
        with contextlib.suppress(*OUTAGES):  # closing a dead connection may complain
            connection.close()


class ResilientWorker(Worker):
    """db_worker's loop, resumed after a database outage instead of ending with it."""

    def __init__(self, *, reclaim=(), backoff=None, **options):
        super().__init__(**options)
        # Tasks these workers (earlier ones that died, and this one) left RUNNING go back in
        # the queue as soon as the database answers.
        self.reclaim = {self.worker_id, *reclaim}
        self.backoff = backoff or Backoff()

    def run(self):
        while True:
            try:
                if count := requeue_running(claimed_by=self.reclaim):
                    log.warning("Requeued %d interrupted task(s).", count)
                return super().run()
            except OUTAGES as error:
                if not self.running:  # asked to stop: an outage is no reason to stay
                    raise
                delay = self.backoff.next()
                log.warning(
                    "Database unavailable (%s: %s); retrying in %.0f s.",
                    type(error).__name__,
                    str(error).strip() or "no message",
                    delay,
                )
                close_connections()
                self.startup_delay = False
                time.sleep(delay)

    def run_task(self, db_task_result):
        super().run_task(db_task_result)
        if (
            db_task_result.status == TaskResultStatus.FAILED
            and db_task_result.exception_class_path in _OUTAGE_PATHS
            and len(db_task_result.worker_ids) < MAX_RUNS
        ):
            # The database failed, not the task (a lock outlasted the busy timeout, the
            # server restarted): run it again after a pause instead of losing it.
            delay = self.backoff.next()
            DBTaskResult.objects.filter(pk=db_task_result.pk).update(
                status=TaskResultStatus.READY,
                run_after=timezone.now() + timedelta(seconds=delay),
                started_at=None,
                finished_at=None,
            )
            log.warning("Task %s met a database outage; it runs again.", db_task_result.pk)


_OUTAGE_PATHS = {f"{error.__module__}.{error.__qualname__}" for error in OUTAGES}


def supervise(command, *, backoff=None, stop_timeout=30.0):
    """Run `command` (a worker's argv, to which `--worker-id`, `--supervisor-pid` and
    `--reclaim` are added) until SIGINT or SIGTERM, starting it again whenever it exits.
    Returns the exit status.

    Each worker gets a fresh id; the next one is told the previous id, so the task a killed
    worker was running goes back in the queue instead of waiting for requeue_stale_tasks."""
    backoff = backoff or Backoff()
    stopping = False
    child = None

    def stop(signum, frame):
        nonlocal stopping
        if not stopping and child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)  # once: a second would make it drop its task
        stopping = True

    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGINT, signal.SIGTERM)}
    last_id = None
    try:
        while not stopping:
            worker_id = get_random_string(32)
            argv = [*command, "--worker-id", worker_id, "--supervisor-pid", str(os.getpid())]
            if last_id:
                argv += ["--reclaim", last_id]
            # Its own process group: a terminal's Ctrl-C reaches the supervisor only, which
            # passes on one SIGTERM (a second signal would make the worker drop its task).
            child = subprocess.Popen(argv, process_group=0)  # noqa: S603 (our manage.py)
            if stopping:
                child.send_signal(signal.SIGTERM)
            log.warning("Started task worker pid %d.", child.pid)
            status = child.wait()
            last_id = worker_id
            if stopping:
                break
            delay = backoff.next()
            log.warning(
                "Task worker pid %d exited with status %d; starting another in %.0f s.",
                child.pid,
                status,
                delay,
            )
            _sleep_unless(lambda: stopping, delay)
        return 0
    finally:
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=stop_timeout)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def stop_with_parent(parent_pid, every=1.0):
    """Stop this process gracefully (SIGTERM to itself) once `parent_pid` is no longer its
    parent: a worker in its own process group would outlive a supervisor killed with
    SIGKILL, and keep working with nobody to stop it."""

    def watch():
        while os.getppid() == parent_pid:
            time.sleep(every)
        log.warning("Supervisor pid %d is gone; stopping.", parent_pid)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="supervisor-watch", daemon=True).start()


def _sleep_unless(stopped, seconds):
    deadline = time.monotonic() + seconds
    while not stopped() and time.monotonic() < deadline:
        time.sleep(min(0.2, deadline - time.monotonic()))


def worker_command(argv):
    """The argv that runs one resilient worker with these db_worker options."""
    return [sys.executable, str(settings.BASE_DIR / "manage.py"), "run_worker", *argv]
