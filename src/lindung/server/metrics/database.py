"""Figures read from the database when ``/metrics`` is scraped (a prometheus_client collector).

Every query reads an index or a table of a few rows; ``tests/test_metrics.py`` pins their number and, on
PostgreSQL, that none scans the task table:

- the queue: the jobs due and waiting (``status = READY``), which django-tasks-db's partial index holds;
- the last runs of Lindung's tasks, by ``(task_path, status, finished_at)`` (``worker`` migration 0002): the
  newest finished row of each task and status, one index lookup each;
- the newest invoice build (one row per programme and month) and the task workers' heartbeats (one row per
  worker started).

A database that does not answer makes ``lindung_database_up`` 0 and leaves the other figures out: the scrape
still answers, with the web processes' own figures.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator

from django.db import DatabaseError
from django.db.models import Case, Count, F, Max, Min, When
from django.db.models.functions import Greatest
from django.tasks.base import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max
from prometheus_client.core import GaugeMetricFamily, Metric

from lindung.contributions.models import Invoice
from lindung.worker.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# Lindung's background tasks, by the label their figures carry. Named by path, as the queue stores them: the
# nightly run sits in a layer above this one (a test checks that each path is a task).
TASKS = {
    "nightly": "lindung.nightly.jobs.nightly_task",
    "import": "lindung.imports.jobs.import_task",
    "coverage": "lindung.contributions.tasks.coverage_update_task",
    "dashboard": "lindung.dashboard.tasks.dashboard_refresh_task",
}


class DatabaseCollector:
    """Collects the figures above at each scrape; ``now`` is the clock (a test passes its own)."""

    def __init__(self, now: dt.datetime | None = None) -> None:
        self._now = now

    def collect(self) -> Iterator[Metric]:
        now = self._now or timezone.now()
        try:
            families = [*_queue(now), *_task_runs(), *_invoices(), *_workers(now)]
        except DatabaseError as exc:
            logger.warning("metrics: the database did not answer (%s)", type(exc).__name__)
            yield GaugeMetricFamily("lindung_database_up", _UP, value=0)
            return
        yield GaugeMetricFamily("lindung_database_up", _UP, value=1)
        yield from families


_UP = "Whether the database answered this scrape's queries (1) or not (0: the figures read from it are missing)."


def _queue(now: dt.datetime) -> Iterator[Metric]:
    # A job is due from its run_after, or from its enqueueing when it has none (django-tasks-db stores "none"
    # as the greatest date): a nightly run queued yesterday for 00:15 has waited since 00:15, not since yesterday.
    due_since = Case(
        When(run_after=get_date_max(), then=F("enqueued_at")),
        default=Greatest(F("enqueued_at"), F("run_after")),
    )
    due = DBTaskResult.objects.ready().order_by().aggregate(waiting=Count("pk"), since=Min(due_since))
    yield GaugeMetricFamily(
        "lindung_tasks_waiting", "Background jobs due and waiting for a task worker.", due["waiting"]
    )
    yield GaugeMetricFamily(
        "lindung_tasks_waiting_oldest_seconds",
        "Seconds the longest-waiting due job has waited for a task worker (0 when none waits).",
        0 if due["since"] is None else max(0.0, (now - due["since"]).total_seconds()),
    )


def _task_runs() -> Iterator[Metric]:
    running = GaugeMetricFamily("lindung_tasks_running", "Jobs of each task a worker is running now.", labels=["task"])
    success = GaugeMetricFamily(
        "lindung_task_last_success_timestamp_seconds",
        "When a task's last successful run finished (Unix time); absent before its first.",
        labels=["task"],
    )
    failure = GaugeMetricFamily(
        "lindung_task_last_failure_timestamp_seconds",
        "When a task's last failed run ended (Unix time); absent while it never failed.",
        labels=["task"],
    )
    duration = GaugeMetricFamily(
        "lindung_task_last_duration_seconds",
        "How long a task's last finished run took, successful or not (seconds).",
        labels=["task"],
    )
    counts = dict(
        DBTaskResult.objects.filter(task_path__in=TASKS.values(), status=TaskResultStatus.RUNNING)
        .order_by()
        .values("task_path")
        .annotate(n=Count("pk"))
        .values_list("task_path", "n")
    )
    for label, path in TASKS.items():
        running.add_metric([label], counts.get(path, 0))
        last: tuple[dt.datetime, dt.datetime | None] | None = None
        for status, family in ((TaskResultStatus.SUCCESSFUL, success), (TaskResultStatus.FAILED, failure)):
            row = (
                DBTaskResult.objects.filter(task_path=path, status=status, finished_at__isnull=False)
                .order_by("-finished_at")
                .values_list("finished_at", "started_at")
                .first()
            )
            if row is None or row[0] is None:
                continue
            finished, started = row[0], row[1]
            family.add_metric([label], finished.timestamp())
            if last is None or finished > last[0]:
                last = (finished, started)
        if last is not None and last[1] is not None:
            duration.add_metric([label], max(0.0, (last[0] - last[1]).total_seconds()))
    yield from (running, success, failure, duration)


def _invoices() -> Iterator[Metric]:
    built = Invoice.objects.aggregate(at=Max("built_at"))["at"]
    if built is not None:
        yield GaugeMetricFamily(
            "lindung_invoice_last_built_timestamp_seconds",
            "When a draft invoice was last built (Unix time): the last billing run. Its duration is the latency "
            "of the views contributions:build and contributions:rebuild.",
            built.timestamp(),
        )


def _workers(now: dt.datetime) -> Iterator[Metric]:
    seen = WorkerHeartbeat.objects.aggregate(at=Max("seen_at"))["at"]
    if seen is not None:
        yield GaugeMetricFamily(
            "lindung_worker_heartbeat_age_seconds",
            "Seconds since a task worker last showed life (it beats every LINDUNG_WORKER_HEARTBEAT_SECONDS).",
            max(0.0, (now - seen).total_seconds()),
        )
