"""Background tasks of the contributions app: thin adapters over the services.

``coverage_update_task`` runs the coverage job once, for the web or an operator to enqueue.
``coverage_daily_task`` is the daily schedule on the django-tasks-db worker (``lindung db_worker``):
the queue has no clock, so each run enqueues the next one for the following night, and
``lindung coverage schedule`` starts the chain (idempotent). A cron entry or systemd timer calling
``lindung coverage update`` remains a valid alternative where an installation prefers one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.tasks import task
from django.utils import timezone

from lindung.contributions.coverage import coverage_update
from lindung.nightly import enqueue_nightly

# Just after midnight in the installation's time zone: yesterday's payments are in, nobody is at work.
DAILY_AT = dt.time(0, 15)


@task
def coverage_update_task(today: str | None = None) -> dict[str, Any]:
    """Arguments and result are JSON (the queue stores them): ``today`` as YYYY-MM-DD, a summary back."""
    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    return coverage_update(today=day).as_dict()


@task
def coverage_daily_task() -> dict[str, Any]:
    """Today's coverage job, then the dashboard's figures (arrears changed), then the next night's run."""
    from lindung.dashboard.tasks import dashboard_refresh_task  # the dashboard reads what this job writes

    summary = coverage_update(today=timezone.localdate()).as_dict()
    dashboard_refresh_task.enqueue()
    coverage_daily_schedule()
    return summary


def coverage_daily_schedule(*, now: dt.datetime | None = None) -> dt.datetime | None:
    """Enqueue the next nightly run unless one is already waiting; the time it will run, or None if waiting."""
    return enqueue_nightly(coverage_daily_task, DAILY_AT, now=now)
