"""The admin's import runs here, in the background worker, never in the request."""

import logging
import time

from django.utils import timezone
from django_tasks import task

log = logging.getLogger(__name__)


class _StoredProgress:
    """Writes progress on the run (its own UPDATE, between batches, so the admin page sees
    it) at most once a second."""

    def __init__(self, run_id):
        self.run_id = run_id
        self.last = 0.0

    def __call__(self, done, total):
        from .models import ImportRun

        now = time.monotonic()
        if now - self.last >= 1 or done >= total:
            self.last = now
            ImportRun.objects.filter(pk=self.run_id).update(items_done=done, items_total=total)


@task()
def import_wordpress_file(run_id):
    from .importer import Importer
    from .models import ImportRun
    from .parse import WXRError

    run = ImportRun.objects.get(pk=run_id)
    run.status = ImportRun.Status.RUNNING
    run.save(update_fields=["status"])
    try:
        summary = Importer(progress=_StoredProgress(run.pk)).run(lambda: run.file.open("rb"))
    except WXRError as exc:
        run.status, run.summary = ImportRun.Status.FAILED, f"{exc} Nothing was imported."
    except Exception as exc:
        run.status = ImportRun.Status.FAILED
        run.summary = (
            f"The import stopped ({type(exc).__name__}: {exc}). The batches written before "
            "stay whole; importing the same file again finishes the job."
        )
        raise
    else:
        run.status, run.summary = ImportRun.Status.DONE, str(summary)
    finally:
        run.refresh_from_db(fields=["items_done", "items_total"])
        run.finished_at = timezone.now()
        run.file.delete(save=False)  # commenters' emails and addresses: not kept
        run.save()
    return run.status
