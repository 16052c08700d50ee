"""Runs at a time of day on the database-backed task queue, which has no clock of its own.

A nightly task enqueues its next run when it finishes; ``enqueue_nightly`` starts (or restarts) such a chain
and never puts a second run in the queue while one is waiting.
"""

from __future__ import annotations

import datetime as dt

from django.tasks import Task
from django.tasks.base import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult


def enqueue_nightly(task: Task, at: dt.time, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """Enqueue ``task`` for ``at`` tomorrow (installation time) unless a run is already waiting.

    Returns when it will run, or None when one was waiting.
    """
    waiting = DBTaskResult.objects.filter(
        task_path=f"{task.func.__module__}.{task.func.__qualname__}", status=TaskResultStatus.READY
    )
    if waiting.exists():
        return None
    local_now = timezone.localtime(now)
    run_at = dt.datetime.combine(local_now.date() + dt.timedelta(days=1), at, tzinfo=local_now.tzinfo)
    task.using(run_after=run_at).enqueue()
    return run_at
