"""``/metrics``: Prometheus's text format, the figures it carries, who may read it, and the web processes'
figures added up across processes (prometheus_client's multiprocess mode)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import DatabaseError, connection
from django.tasks import Task
from django.tasks.base import TaskResultStatus
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult
from prometheus_client.parser import text_string_to_metric_families

from lindung.dashboard.tasks import dashboard_refresh_task
from lindung.server import gunicorn_config
from lindung.server.management.commands.serve import web_child, web_command
from lindung.server.metrics import database, views
from lindung.server.metrics.database import TASKS, DatabaseCollector
from lindung.server.metrics.files import ENVIRONMENT_VARIABLE, metrics_folder_fresh
from lindung.worker.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db

OUTSIDE = "203.0.113.7"  # TEST-NET-3: nobody's address
TOKEN = "metrics-token-for-tests-only-0123456789abcdef"
LABEL_NAMES = {"view", "method", "status", "task", "le"}

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _scrape(client: Client | None = None, **extra: Any) -> str:
    response = (client or Client()).get("/metrics", **extra)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _samples(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


# ---------------------------------------------------------------- the format


def test_the_answer_is_prometheus_text_that_parses_with_every_family_typed() -> None:
    response = Client().get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    families = {family.name: family.type for family in text_string_to_metric_families(response.content.decode())}
    assert families["lindung_http_requests"] == "counter"
    assert families["lindung_http_request_duration_seconds"] == "histogram"
    assert families["lindung_http_requests_in_progress"] == "gauge"
    assert families["lindung_login_failures"] == "counter"
    for gauge in (
        "lindung_database_up",
        "lindung_tasks_waiting",
        "lindung_tasks_waiting_oldest_seconds",
        "lindung_tasks_running",
        "lindung_task_last_success_timestamp_seconds",
        "lindung_task_last_failure_timestamp_seconds",
        "lindung_task_last_duration_seconds",
    ):
        assert families[gauge] == "gauge", gauge
    assert not [name for name in families if name.endswith("_created")]


def test_a_page_counts_under_its_view_name_method_and_status_class() -> None:
    client = Client()
    before = _samples(_scrape(client))
    key = {"view": "login", "method": "GET"}

    assert client.get("/masuk/").status_code == 200
    client.get("/no-such-page/")
    client.generic("BREW", "/masuk/")
    after = _samples(_scrape(client))

    def grew(name: str, **labels: str) -> float:
        return (_value(after, name, **labels) or 0) - (_value(before, name, **labels) or 0)

    assert grew("lindung_http_requests_total", **key, status="2xx") == 1
    assert grew("lindung_http_request_duration_seconds_count", **key) == 1
    assert grew("lindung_http_request_duration_seconds_bucket", **key, le="+Inf") == 1
    assert grew("lindung_http_request_duration_seconds_sum", **key) > 0
    assert grew("lindung_http_requests_total", view="unmatched", method="GET", status="4xx") == 1
    assert grew("lindung_http_requests_total", view="login", method="other", status="4xx") == 1


def test_a_static_file_counts_as_static() -> None:
    client = Client()
    before = _value(_samples(_scrape(client)), "lindung_http_requests_total", view="static", method="GET", status="2xx")

    assert client.get("/static/lindung/favicon.svg").status_code == 200

    after = _value(_samples(_scrape(client)), "lindung_http_requests_total", view="static", method="GET", status="2xx")
    assert (after or 0) - (before or 0) == 1


def test_a_failed_login_is_counted_and_nothing_about_who_tried() -> None:
    client = Client()
    before = _value(_samples(_scrape(client)), "lindung_login_failures_total") or 0

    response = client.post("/masuk/", {"username": "budi.santoso", "password": "salah-sekali-123"})
    assert response.status_code == 200  # the form again, with its error
    text = _scrape(client)

    assert _value(_samples(text), "lindung_login_failures_total") == before + 1
    assert "budi" not in text and "salah" not in text


def test_the_labels_say_which_view_never_which_record_or_who(cast: dict[str, Any]) -> None:
    client = Client()
    client.force_login(cast["admin_provinsi"])
    client.get("/pekerja/987654/")  # no such worker: 404, under the view's name
    client.get("/pekerja/?q=6101010101010001")
    text = _scrape(client)

    # In the labels, where a record or a person would show (a sample's value may hold any digits by chance).
    label_text = " ".join(re.findall(r"\{([^}]*)\}", text))
    assert "987654" not in label_text and "6101010101010001" not in text and "admin_provinsi" not in text
    samples = _samples(text)
    assert _value(samples, "lindung_http_requests_total", view="workers:detail", method="GET", status="4xx")
    assert {name for _sample, labels in samples for name, _ in labels} <= LABEL_NAMES


# ---------------------------------------------------------------- the database's figures


def test_the_queue_depth_counts_the_due_jobs_and_the_oldest_wait() -> None:
    now = timezone.now()
    first = dashboard_refresh_task.enqueue()
    dashboard_refresh_task.enqueue()
    dashboard_refresh_task.using(run_after=now + dt.timedelta(hours=3)).enqueue()  # not due yet: not waiting
    DBTaskResult.objects.filter(id=first.id).update(enqueued_at=now - dt.timedelta(seconds=120))
    # Queued yesterday for ten minutes ago, like the nightly run: it has waited ten minutes, not a day.
    nightly = dashboard_refresh_task.using(run_after=now - dt.timedelta(minutes=10)).enqueue()
    DBTaskResult.objects.filter(id=nightly.id).update(enqueued_at=now - dt.timedelta(days=1))

    samples = _samples(_scrape())
    assert _value(samples, "lindung_tasks_waiting") == 3
    assert _value(_collected(now), "lindung_tasks_waiting_oldest_seconds") == 600

    DBTaskResult.objects.filter(id=nightly.id).delete()
    assert _value(_collected(now), "lindung_tasks_waiting_oldest_seconds") == 120
    DBTaskResult.objects.all().delete()
    assert _value(_collected(now), "lindung_tasks_waiting") == 0
    assert _value(_collected(now), "lindung_tasks_waiting_oldest_seconds") == 0


def _collected(now: dt.datetime) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in DatabaseCollector(now=now).collect()
        for sample in family.samples
    }


def _run(path: str, status: TaskResultStatus, *, started: dt.datetime | None, finished: dt.datetime | None) -> None:
    DBTaskResult.objects.create(
        task_path=path,
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        run_after=started or timezone.now(),
        status=status,
        started_at=started,
        finished_at=finished,
    )


def test_the_last_runs_of_each_task_when_they_ended_and_how_long_the_last_took() -> None:
    t = timezone.now().replace(microsecond=0)
    nightly, upload = TASKS["nightly"], TASKS["import"]
    _run(
        nightly,
        TaskResultStatus.SUCCESSFUL,
        started=t - dt.timedelta(days=1, seconds=95),
        finished=t - dt.timedelta(days=1),
    )
    _run(nightly, TaskResultStatus.SUCCESSFUL, started=t - dt.timedelta(seconds=42), finished=t)
    _run(
        nightly, TaskResultStatus.FAILED, started=t - dt.timedelta(days=2, seconds=5), finished=t - dt.timedelta(days=2)
    )
    _run(
        upload,
        TaskResultStatus.SUCCESSFUL,
        started=t - dt.timedelta(hours=1, seconds=30),
        finished=t - dt.timedelta(hours=1),
    )
    _run(upload, TaskResultStatus.FAILED, started=t - dt.timedelta(seconds=7), finished=t - dt.timedelta(seconds=4))
    _run(upload, TaskResultStatus.RUNNING, started=t, finished=None)
    _run(upload, TaskResultStatus.RUNNING, started=t, finished=None)

    samples = _collected(t)

    success, failure = "lindung_task_last_success_timestamp_seconds", "lindung_task_last_failure_timestamp_seconds"
    assert _value(samples, success, task="nightly") == t.timestamp()
    assert _value(samples, failure, task="nightly") == (t - dt.timedelta(days=2)).timestamp()
    assert _value(samples, "lindung_task_last_duration_seconds", task="nightly") == 42
    assert _value(samples, success, task="import") == (t - dt.timedelta(hours=1)).timestamp()
    assert _value(samples, "lindung_task_last_duration_seconds", task="import") == 3  # the failure came last
    assert _value(samples, "lindung_tasks_running", task="import") == 2
    assert _value(samples, "lindung_tasks_running", task="nightly") == 0
    # Never run: no timestamp rather than a made-up one.
    assert _value(samples, success, task="coverage") is None
    assert _value(samples, "lindung_task_last_duration_seconds", task="coverage") is None


def test_every_task_named_is_one_of_lindungs_tasks() -> None:
    for path in TASKS.values():
        assert isinstance(import_string(path), Task), path


def test_the_last_invoice_build_and_the_workers_heartbeat() -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id="w", host="h", pid=1, started_at=now, seen_at=now - dt.timedelta(seconds=12)
    )

    samples = _collected(now)

    assert _value(samples, "lindung_worker_heartbeat_age_seconds") == 12
    assert _value(samples, "lindung_invoice_last_built_timestamp_seconds") is None  # no invoice yet


def test_the_scrape_reads_a_fixed_handful_of_rows_and_never_the_large_tables() -> None:
    with CaptureQueriesContext(connection) as queries:
        list(DatabaseCollector().collect())

    # The queue, the running jobs, two per task (last success, last failure), invoices, heartbeats.
    assert len(queries) == 2 + 2 * len(TASKS) + 2
    large = re.compile(r'"(workers_worker|enrolments_\w+|contributions_invoiceline\w*|audit_auditentry)"')
    assert not [query["sql"] for query in queries if large.search(query["sql"])]


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN's plans are PostgreSQL's")
def test_on_postgresql_the_task_table_is_read_through_its_indexes() -> None:
    with CaptureQueriesContext(connection) as queries:
        list(DatabaseCollector().collect())
    plans = []
    with connection.cursor() as cursor:
        # A small table is scanned whatever its indexes; with scans switched off, only a query that no index
        # serves still plans one.
        cursor.execute("SET LOCAL enable_seqscan = off")
        for query in queries:
            if "django_tasks_database_dbtaskresult" in query["sql"]:
                cursor.execute(f"EXPLAIN {query['sql']}")
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
        cursor.execute("RESET enable_seqscan")
    assert len(plans) == 2 + 2 * len(TASKS)
    assert not [plan for plan in plans if "Seq Scan" in plan]


def test_a_database_that_does_not_answer_leaves_its_figures_out_not_the_scrape(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(now: dt.datetime) -> None:
        raise DatabaseError("connection refused")

    monkeypatch.setattr(database, "_queue", refuse)
    samples = _samples(_scrape())

    assert _value(samples, "lindung_database_up") == 0
    assert _value(samples, "lindung_tasks_waiting") is None
    assert _value(samples, "lindung_login_failures_total") is not None


# ---------------------------------------------------------------- who may read it


def _status(**extra: Any) -> int:
    return Client().get("/metrics", **extra).status_code


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
def test_this_machine_may_read_it(address: str) -> None:
    assert _status(REMOTE_ADDR=address) == 200


def test_anyone_else_gets_the_404_of_an_address_that_does_not_exist_whatever_the_method() -> None:
    client = Client()
    hidden = client.get("/metrics", REMOTE_ADDR=OUTSIDE)
    absent = client.get("/no-such-page", REMOTE_ADDR=OUTSIDE)

    assert hidden.status_code == absent.status_code == 404
    assert hidden.content == absent.content
    assert hidden["Content-Type"] == absent["Content-Type"]
    for method in ("post", "put", "delete", "head", "options"):
        assert getattr(client, method)("/metrics", REMOTE_ADDR=OUTSIDE).status_code == 404, method
    assert client.post("/metrics").status_code == 405  # allowed, but only to read


def test_the_allowed_networks_come_from_the_setting(settings: Any) -> None:
    settings.LINDUNG_METRICS_ALLOW = [ipaddress.ip_network("203.0.113.0/24")]

    assert _status(REMOTE_ADDR=OUTSIDE) == 200
    assert _status(REMOTE_ADDR="127.0.0.1") == 404
    assert _status(REMOTE_ADDR="198.51.100.7") == 404


def test_the_tokens_bearer_may_read_it_from_anywhere(settings: Any) -> None:
    settings.LINDUNG_METRICS_TOKEN = TOKEN

    assert _status(REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION=f"Bearer {TOKEN}") == 200
    assert _status(REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION=f"bearer {TOKEN}") == 200
    assert _status(REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION=f"Bearer {TOKEN}x") == 404
    assert _status(REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION=f"Bearer {TOKEN[:-1]}") == 404
    assert _status(REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION=f"Basic {TOKEN}") == 404
    assert _status(REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION="Bearer ") == 404
    assert _status(REMOTE_ADDR=OUTSIDE) == 404


def test_without_a_token_set_no_bearer_gets_in(settings: Any) -> None:
    settings.LINDUNG_METRICS_TOKEN = ""

    assert _status(REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION="Bearer ") == 404
    assert _status(REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION="Bearer") == 404


def test_the_token_is_compared_in_constant_time(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.LINDUNG_METRICS_TOKEN = TOKEN
    compared: list[tuple[bytes, bytes]] = []
    real = views.hmac.compare_digest

    def spy(given: bytes, expected: bytes) -> bool:
        compared.append((given, expected))
        return real(given, expected)

    monkeypatch.setattr(views.hmac, "compare_digest", spy)
    assert _status(REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION="Bearer guess") == 404
    assert compared == [(b"guess", TOKEN.encode())]


def test_behind_a_trusted_proxy_the_forwarded_address_decides(settings: Any) -> None:
    settings.LINDUNG_TRUST_X_FORWARDED_FOR = True

    # nginx on this machine forwarding a visitor from elsewhere: REMOTE_ADDR is nginx's own.
    assert _status(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=OUTSIDE) == 404
    assert _status(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1") == 200
    settings.LINDUNG_METRICS_ALLOW = [ipaddress.ip_network("203.0.113.0/24")]
    assert _status(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"{OUTSIDE}, 10.0.0.1") == 200


def test_through_a_proxy_not_trusted_the_address_lets_nobody_in(settings: Any) -> None:
    """LINDUNG_TRUST_X_FORWARDED_FOR left off behind nginx: every visitor would look like 127.0.0.1."""
    settings.LINDUNG_TRUST_X_FORWARDED_FOR = False
    settings.LINDUNG_METRICS_TOKEN = TOKEN

    for header in ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED"):
        assert _status(REMOTE_ADDR="127.0.0.1", **{header: OUTSIDE}) == 404, header
    assert _status(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=OUTSIDE, HTTP_AUTHORIZATION=f"Bearer {TOKEN}") == 200


def test_https_does_not_redirect_a_scrape_on_this_machine(settings: Any) -> None:
    """With LINDUNG_HTTPS every other plain-HTTP request is redirected; Prometheus asks gunicorn directly."""
    settings.SECURE_SSL_REDIRECT = True

    assert _status() == 200
    assert Client().get("/healthz").status_code == 200
    assert Client().get("/masuk/").status_code == 301


# ---------------------------------------------------------------- many web processes


def _write_in_another_process(folder: Path, requests: int) -> int:
    """A process of its own counting ``requests`` login pages, a failed login, and one request left in progress
    (it ends without finishing it, like a killed worker); returns its pid."""
    script = textwrap.dedent(
        f"""
        import os
        from lindung.server.metrics import instruments
        instruments.HTTP_REQUESTS.labels(view="login", method="GET", status="2xx").inc({requests})
        instruments.HTTP_LATENCY.labels(view="login", method="GET").observe(0.2)
        instruments.LOGIN_FAILURES.inc()
        instruments.HTTP_IN_PROGRESS.inc()
        print(os.getpid())
        """
    )
    env = {**os.environ, ENVIRONMENT_VARIABLE: str(folder)}
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return int(done.stdout.strip())


def test_the_web_processes_figures_are_added_up_and_a_dead_ones_live_figures_leave(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = _write_in_another_process(tmp_path, 3), _write_in_another_process(tmp_path, 4)
    assert first != second
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, str(tmp_path))

    samples = _samples(_scrape())
    key = {"view": "login", "method": "GET"}
    assert _value(samples, "lindung_http_requests_total", **key, status="2xx") == 7
    assert _value(samples, "lindung_http_request_duration_seconds_count", **key) == 2
    assert _value(samples, "lindung_http_request_duration_seconds_bucket", **key, le="0.25") == 2
    assert _value(samples, "lindung_login_failures_total") == 2
    assert _value(samples, "lindung_http_requests_in_progress") == 2
    assert _value(samples, "lindung_database_up") == 1

    gunicorn_config.child_exit(None, SimpleNamespace(pid=first))
    samples = _samples(_scrape())
    assert _value(samples, "lindung_http_requests_in_progress") == 1
    assert _value(samples, "lindung_http_requests_total", **key, status="2xx") == 7  # counters never go back

    gunicorn_config.on_starting(None)
    samples = _samples(_scrape())
    assert (_value(samples, "lindung_http_requests_in_progress") or 0) == 0
    assert _value(samples, "lindung_login_failures_total") == 2


def test_the_web_server_gets_a_fresh_metrics_folder_and_its_hooks(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.DATA_DIR = tmp_path
    stale = tmp_path / "metrics" / "counter_4242.db"
    stale.parent.mkdir()
    stale.write_bytes(b"left by the server before")

    child = web_child("127.0.0.1", 8000, 2)

    assert child.env is not None
    folder = Path(child.env[ENVIRONMENT_VARIABLE])
    assert folder == tmp_path / "metrics" and folder.is_dir() and not any(folder.iterdir())
    assert folder.stat().st_mode & 0o777 == 0o700
    assert metrics_folder_fresh() == folder
    assert ENVIRONMENT_VARIABLE not in os.environ
    command = web_command("127.0.0.1", 8000, 2)
    assert command[command.index("--config") + 1] == "python:lindung.server.gunicorn_config"
