"""``/healthz`` and ``/readyz``: what a load balancer reads, on both databases."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from lindung.dashboard.tasks import dashboard_refresh_task
from lindung.server.health import readiness
from lindung.worker.heartbeat import heartbeat_write
from lindung.worker.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_asking_anyone() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.content == b"ok\n"


def test_readyz_is_503_without_a_living_worker_and_200_once_one_beats() -> None:
    response = Client().get("/readyz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["ready"] is False
    assert body["checks"]["database"]["ok"] and body["checks"]["migrations"]["ok"]
    assert body["checks"]["worker"] == {"ok": False, "seconds_since_heartbeat": None}

    heartbeat_write("worker-a", timezone.now())
    response = Client().get("/readyz")
    assert response.status_code == 200, response.content
    assert json.loads(response.content)["checks"]["queue"] == {"ok": True, "waiting": 0, "oldest_seconds": None}


def test_a_heartbeat_older_than_three_beats_is_a_dead_worker(settings: object) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id="worker-a", host="h", pid=1, started_at=now, seen_at=now - dt.timedelta(seconds=91)
    )
    assert readiness(now=now)["worker"] == {"ok": False, "seconds_since_heartbeat": 91}
    assert readiness(now=now - dt.timedelta(seconds=2))["worker"]["ok"] is True


def test_a_long_queue_makes_the_installation_not_ready(settings: object) -> None:
    setattr(settings, "LINDUNG_READY_MAX_QUEUE", 2)  # noqa: B010 - pytest-django's settings fixture
    heartbeat_write("worker-a", timezone.now())
    for _ in range(3):
        dashboard_refresh_task.enqueue()
    assert DBTaskResult.objects.ready().count() == 3
    queue = readiness(now=timezone.now())["queue"]
    assert queue["ok"] is False and queue["waiting"] == 3 and queue["oldest_seconds"] is not None
    assert Client().get("/readyz").status_code == 503
