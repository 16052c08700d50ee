"""What a killed process leaves behind, tidied by the worker when it starts (``lindung db_worker``).

A web request or a job killed mid-way (a restart, the out-of-memory killer, a power cut) writes nothing to the
database, since every write is one transaction; but it can leave a temporary file with the upload in it (NIKs
inside) and a task recorded as running for ever. The worker, at start:

1. sends ``worker_starting`` so that each app tidies its own records (``imports`` marks the dead uploads failed
   and removes their files);
2. marks failed the tasks recorded as running for longer than any of Lindung's tasks runs;
3. removes from ``LINDUNG_TMP_DIR`` (uploads being read, Django's temporary upload files) what is older than
   any request or job still alive could be using.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.dispatch import Signal
from django.tasks.base import TaskResult, TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

# Sent with ``now``; receivers tidy their own app's records and files.
worker_starting = Signal()
# Sent with ``task_ids`` when workers stopped leaving these tasks unfinished (``tasks_release``); receivers mark
# their own records of them.
tasks_abandoned = Signal()
# No task of Lindung's runs this long; one recorded as running longer died with its worker.
TASK_DEAD_AFTER = dt.timedelta(hours=24)


def worker_housekeeping(*, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    worker_starting.send(sender=None, now=now)
    dead = tasks_fail_dead(before=now - TASK_DEAD_AFTER, note="running for more than a day: its worker died")
    removed = temporary_files_remove(older_than=now - temporary_file_lifetime())
    # Counts only: nothing personal in the log.
    logger.info("worker housekeeping: %d dead tasks marked failed, %d temporary files removed", dead, removed)


def temporary_file_lifetime() -> dt.timedelta:
    """A temporary file older than the longest a job may stay silent belongs to no living request or job."""
    return dt.timedelta(seconds=settings.LINDUNG_IMPORT_STALE_SECONDS)


def tasks_fail_dead(*, before: dt.datetime, note: str, ids: list[str] | None = None) -> int:
    """Mark failed the tasks recorded as running since before ``before`` (or those of ``ids``, whenever they
    started): their worker is gone, and no worker would ever finish them."""
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    running = running.filter(id__in=ids) if ids is not None else running.filter(started_at__lt=before)
    return running.update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path="lindung.worker.housekeeping.WorkerDied",
        traceback=note,
    )


def tasks_release(worker_ids: list[str]) -> int:
    """After these workers stopped: the tasks they left marked running are marked failed (their transactions
    died with them), and ``tasks_abandoned`` tells the apps which. Returns how many."""
    if not worker_ids:
        return 0
    ours = set(worker_ids)
    # Few rows run at once; the worker ids are a JSON list, which SQLite cannot search inside.
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).values_list("id", "worker_ids")
    ids = [str(task_id) for task_id, workers in running if ours.intersection(workers or [])]
    if not ids:
        return 0
    count = tasks_fail_dead(before=timezone.now(), ids=ids, note="the server stopped before the task finished")
    tasks_abandoned.send(sender=None, task_ids=ids)
    logger.info("worker housekeeping: %d tasks left unfinished by stopped workers marked failed", count)
    return count


# How a job ends when its worker abandons it: a second SIGTERM (``lindung serve`` after its grace) or Ctrl-C makes
# django-tasks-db's worker raise SystemExit inside the job, which it records as the job's failure.
ABANDONED_BY = frozenset({"builtins.SystemExit", "builtins.KeyboardInterrupt"})


def task_abandoned_release(*, task_result: TaskResult[Any, Any], **_signal: Any) -> None:
    """When a job ends (``task_finished``, in the worker): a job its worker abandoned is already recorded as
    failed and its transaction rolled back, but an app's own record of it (an upload "running") would wait for
    the stale timeout; ``tasks_abandoned`` tells the apps at once, as ``tasks_release`` does for a job whose
    worker was killed."""
    if task_result.status != TaskResultStatus.FAILED or not task_result.errors:
        return
    if task_result.errors[-1].exception_class_path not in ABANDONED_BY:
        return
    tasks_abandoned.send(sender=None, task_ids=[str(task_result.id)])
    logger.info("worker housekeeping: task %s abandoned by its stopping worker", task_result.id)


def temporary_files_remove(*, older_than: dt.datetime) -> int:
    """Remove the entries of ``LINDUNG_TMP_DIR`` last changed before ``older_than``; returns how many."""
    folder = Path(settings.LINDUNG_TMP_DIR)
    if not folder.is_dir():
        return 0
    cutoff = older_than.timestamp()
    removed = 0
    for entry in folder.iterdir():
        try:
            if entry.lstat().st_mtime >= cutoff:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed += 1
        except FileNotFoundError:
            continue  # removed meanwhile by the request that made it
    return removed
