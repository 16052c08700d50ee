"""``lindung db_worker``: django-tasks-db's worker, which first tidies what killed processes left behind and
then shows it is alive (``lindung.worker.heartbeat``) while it runs; a job it abandons when told to stop is
released at once (``housekeeping.task_abandoned_release``).

This app is listed before ``django_tasks_db`` in ``INSTALLED_APPS``, so that this command is the one run; its
options are the original's (``lindung db_worker --help``).
"""

from __future__ import annotations

from typing import Any

from django.tasks.signals import task_finished
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from lindung.worker.heartbeat import heartbeat_start
from lindung.worker.housekeeping import task_abandoned_release, worker_housekeeping


class Command(DatabaseWorkerCommand):
    help = "Run the background worker (the database-backed task queue), after tidying what killed processes left."

    def handle(self, *args: Any, **options: Any) -> None:
        worker_housekeeping()
        task_finished.connect(task_abandoned_release, dispatch_uid="lindung.worker.task_abandoned_release")
        # Under the id the worker records on the jobs it claims (``--worker-id``; by default a random one).
        stop = heartbeat_start(options["worker_id"])
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
