"""``/healthz`` and ``/readyz`` for load balancers and process supervisors.

- ``/healthz``: the web process answers (no database query), so a supervisor can tell a hung process.
- ``/readyz``: this installation can do its work: the database answers, every migration is applied, a task
  worker showed life within three heartbeats (``LINDUNG_WORKER_HEARTBEAT_SECONDS``; uploads and the nightly
  run need one), and no more than ``LINDUNG_READY_MAX_QUEUE`` due jobs wait. 200 when all hold, else 503, with
  the state of each check as JSON: counts and ages only, nothing personal, nothing secret.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Max, Min
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_tasks_db.models import DBTaskResult

from lindung.worker.models import WorkerHeartbeat

_migrated = False  # once every migration is applied, it stays so for this process's life


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok\n", content_type="text/plain")


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks = readiness(now=timezone.now())
    ready = all(check["ok"] for check in checks.values())
    return JsonResponse({"ready": ready, "checks": checks}, status=200 if ready else 503)


def readiness(*, now: dt.datetime) -> dict[str, dict[str, Any]]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return {"database": {"ok": False}}
    checks: dict[str, dict[str, Any]] = {"database": {"ok": True}}
    checks["migrations"] = {"ok": _migrations_applied()}
    if not checks["migrations"]["ok"]:
        return checks
    seen = WorkerHeartbeat.objects.aggregate(seen=Max("seen_at"))["seen"]
    silent = None if seen is None else max(0, round((now - seen).total_seconds()))
    checks["worker"] = {
        "ok": silent is not None and silent <= 3 * settings.LINDUNG_WORKER_HEARTBEAT_SECONDS,
        "seconds_since_heartbeat": silent,
    }
    due = DBTaskResult.objects.ready()
    waiting = due.aggregate(oldest=Min("enqueued_at"))["oldest"]
    count = due.count()
    checks["queue"] = {
        "ok": count <= settings.LINDUNG_READY_MAX_QUEUE,
        "waiting": count,
        "oldest_seconds": None if waiting is None else max(0, round((now - waiting).total_seconds())),
    }
    return checks


def _migrations_applied() -> bool:
    global _migrated
    if not _migrated:
        executor = MigrationExecutor(connection)
        _migrated = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _migrated
