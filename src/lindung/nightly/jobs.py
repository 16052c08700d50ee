"""The nightly run on the django-tasks-db worker (``lindung db_worker``).

The queue has no clock: each run enqueues the next for the following night, and ``lindung nightly schedule``
starts the chain (idempotent). A cron entry or systemd timer calling ``lindung nightly run`` is the
alternative where an installation prefers one; then do not schedule it on the worker as well.

The steps, in order, each reading what the one before wrote:

1. the worker's housekeeping (dead uploads and tasks, temporary files), for workers that run for weeks;
2. coverage: every enrolment's paid-through month and arrears from the invoices and payments; the lapsed
   enrolments ended (``contributions.coverage.coverage_update``);
3. retention (UU 27/2022): the people whose records have outlived their retention rules anonymised, after coverage
   has ended the lapsed enrolments (``pdp.retention.pdp_retention_run``);
4. the dashboard's summary tables, which read those arrears (``dashboard.services.dashboard_refresh``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.tasks import task
from django.utils import timezone

from lindung.contributions.coverage import coverage_update
from lindung.dashboard.services import dashboard_refresh
from lindung.pdp.retention import pdp_retention_run
from lindung.worker.housekeeping import worker_housekeeping
from lindung.worker.schedule import enqueue_nightly

# Just after midnight in the installation's time zone: yesterday's payments are in, nobody is at work.
NIGHTLY_AT = dt.time(0, 15)


def nightly_run(*, today: dt.date | None = None) -> dict[str, Any]:
    """The night's steps for ``today``; a JSON summary of each."""
    today = today or timezone.localdate()
    worker_housekeeping()
    coverage = coverage_update(today=today).as_dict()
    retention = pdp_retention_run(today=today)
    figures = dashboard_refresh(today=today)
    return {
        "today": today.isoformat(),
        "coverage": coverage,
        "retention": retention.as_dict(),
        "dashboard": {"as_of": figures.as_of.isoformat(), "rows": figures.rows, "seconds": round(figures.seconds, 1)},
    }


@task
def nightly_task() -> dict[str, Any]:
    """Tonight's run, then the next night's in the queue."""
    summary = nightly_run()
    nightly_schedule()
    return summary


def nightly_schedule(*, now: dt.datetime | None = None) -> dt.datetime | None:
    """Enqueue the next nightly run unless one is already waiting; when it will run, or None if one was waiting."""
    return enqueue_nightly(nightly_task, NIGHTLY_AT, now=now)
