"""Put tasks whose worker died mid-run back in the queue.

django-tasks-db marks a task RUNNING when a worker claims it and never takes it back if
that worker dies. A task RUNNING for longer than any task takes is requeued: a linkback
checks its record first, so it is not sent twice; a notification mail may be (at least
once beats never for a moderator's mail). `make run` calls this before
starting its worker; a cron or a worker host's start script may call it too. (Under
`run_worker --supervise`, a worker that dies has its task requeued at once.)
"""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from blogcms.worker import requeue_running


class Command(BaseCommand):
    help = "Requeue tasks left RUNNING by a worker that died."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=1800,
            help="Seconds a task must have been running to count as abandoned (default 1800).",
        )

    def handle(self, *args, older_than, **options):
        cutoff = timezone.now() - timedelta(seconds=older_than)
        count = requeue_running(started_before=cutoff)
        self.stdout.write(f"Requeued {count} abandoned task(s).")
