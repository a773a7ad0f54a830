"""A task that records each run of itself, for tests/test_two_instances.py: the workers of
two hosts import it from the same code, as they would any task of the project."""

import os
import time
from pathlib import Path

from django_tasks import task


@task()
def record_run(folder, number):
    """Leave one file per run: a second run of the same task leaves a second file."""
    time.sleep(0.3)  # long enough for the other worker to try to take it too
    runs = Path(folder)
    for attempt in range(100):
        try:
            with open(runs / f"{number}.{attempt}", "x") as mark:
                mark.write(str(os.getpid()))
            return
        except FileExistsError:
            continue
