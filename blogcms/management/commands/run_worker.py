"""db_worker that survives database outages; with --supervise, restarted when it dies.

`make run` runs `run_worker --supervise --queue-name '*'` beside gunicorn. Under systemd
or another supervisor, run it without --supervise and let that restart it.
"""

import argparse
import os

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand

from blogcms.worker import ResilientWorker, stop_with_parent, worker_command
from blogcms.worker import supervise as run_supervised


class Command(DBWorkerCommand):
    help = (
        "Run a task worker that waits out database outages (--supervise: and start a new "
        "one whenever it exits)."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--supervise",
            action="store_true",
            help="Run the worker in a child process and start it again whenever it exits.",
        )
        # Ids of workers that died: the tasks they left RUNNING go back in the queue.
        parser.add_argument("--reclaim", action="append", default=[], help=argparse.SUPPRESS)
        # Set by the supervisor: the worker stops when that process is gone.
        parser.add_argument("--supervisor-pid", type=int, help=argparse.SUPPRESS)

    def handle(
        self,
        *,
        verbosity,
        queue_name,
        interval,
        batch,
        backend_name,
        startup_delay,
        reload,
        max_tasks,
        worker_id,
        exclude_queues,
        supervise,
        reclaim,
        supervisor_pid,
        **options,
    ):
        self.configure_logging(verbosity)
        if supervise:
            if batch:
                raise CommandError("--batch and --supervise cannot be used together.")
            argv = ["--queue-name", queue_name, "--interval", str(interval)]
            argv += ["--backend", backend_name, "--verbosity", str(verbosity), "--no-reload"]
            if exclude_queues:
                argv += ["--exclude-queues", exclude_queues]
            if not startup_delay:
                argv += ["--no-startup-delay"]
            if max_tasks:
                argv += ["--max-tasks", str(max_tasks)]
            raise SystemExit(run_supervised(worker_command(argv)))

        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ResilientWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
            reclaim=reclaim,
        )
        if supervisor_pid:
            stop_with_parent(supervisor_pid)
        if reload and not batch:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
