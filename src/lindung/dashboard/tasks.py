"""Background tasks of the dashboard: thin adapters over ``dashboard_refresh``.

``dashboard_refresh_task`` rebuilds the summary tables once (the page's "Recompute now" button enqueues it).
``dashboard_daily_task`` is the nightly run on the django-tasks-db worker, after the coverage job
(``lindung.contributions.tasks.DAILY_AT``, 00:15) has rebuilt the arrears the dashboard reads: each run
enqueues the next, and ``lindung dashboard schedule`` starts the chain.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.tasks import task

from lindung.accounts.models import User
from lindung.dashboard.services import dashboard_refresh
from lindung.nightly import enqueue_nightly

# Half an hour after the nightly coverage job starts (00:15), which takes minutes at a million enrolments.
DAILY_AT = dt.time(0, 45)


def _summary(actor: User | None) -> dict[str, Any]:
    run = dashboard_refresh(actor=actor)
    return {"as_of": run.as_of.isoformat(), "rows": run.rows, "seconds": round(run.seconds, 1)}


@task
def dashboard_refresh_task(actor_id: int | None = None) -> dict[str, Any]:
    """Arguments and result are JSON (the queue stores them): the user who asked, by id."""
    actor = User.objects.filter(pk=actor_id, is_active=True).first() if actor_id else None
    return _summary(actor)


@task
def dashboard_daily_task() -> dict[str, Any]:
    """Tonight's refresh, then the next night's."""
    summary = _summary(None)
    dashboard_daily_schedule()
    return summary


def dashboard_daily_schedule(*, now: dt.datetime | None = None) -> dt.datetime | None:
    """Enqueue the next nightly run unless one is waiting; the time it will run, or None if one was waiting."""
    return enqueue_nightly(dashboard_daily_task, DAILY_AT, now=now)
