"""A killed import leaves nothing: a real ``lindung`` process is killed with SIGKILL in the middle of its writes.

The file holds one worker who is registered already. From its own connection the test proposes that worker
in the programme and keeps its transaction open: the import reads freely (it cannot see that proposal),
writes its upload record and its new workers, and then, writing the enrolments, waits on the unique
(worker, programme) index to learn whether the test's proposal commits. The process is killed there, in
the middle of its one transaction; the test's proposal is rolled back, and the database must hold none of
the import's rows. (Killing it later, once it has sent COMMIT, would not do: the server then commits.)
The upload record of a web job must not stay "running" once it is seen stale.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from lindung.audit.models import AuditEntry
from lindung.enrolments.models import Enrolment
from lindung.imports.jobs import import_enqueue, import_expire_stale
from lindung.imports.models import ImportBatch, ImportStatus
from lindung.imports.records import stale_after
from lindung.imports.services import import_run
from lindung.imports.tests.conftest import person, write_csv
from lindung.programmes.models import Programme
from lindung.testing import make_cast, make_nik, make_programme, make_worker, set_quota
from lindung.workers.models import Heir, Worker

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="kills a second process: PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]
ROWS = 40


def _conninfo() -> str:
    s = connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        dbname=s["NAME"],
        user=s["USER"] or None,
        password=s["PASSWORD"] or None,
        host=s["HOST"] or None,
        port=str(s["PORT"]) if s["PORT"] else None,
    )


def _child_env() -> dict[str, str]:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return {**os.environ, "DATABASE_URL": f"postgres://{auth}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"}


def _wait_for(conn: psycopg.Connection, sql: str, params: list[object] | None = None, *, seconds: float = 60) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        row = conn.execute(sql, params).fetchone()
        if row and row[0]:
            return row[0]
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for: {sql}")


def _kill_mid_write(argv: list[str], *, registered: Worker, programme: Programme) -> None:
    """Run ``argv``, wait until it blocks inserting the enrolment of ``registered``, SIGKILL it."""
    with psycopg.connect(_conninfo(), autocommit=True) as watcher, psycopg.connect(_conninfo()) as locker:
        locker.execute(
            "INSERT INTO enrolments_enrolment (province_code, regency_code, village_code, worker_id, programme_id,"
            " status, kpj, end_reason, rejection_reason, proposed_at, updated_at)"
            " SELECT province_code, regency_code, village_code, id, %s, 'diusulkan', '', '', '', now(), now()"
            " FROM workers_worker WHERE id = %s",
            [programme.pk, registered.pk],
        )
        child = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            argv, env=_child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            backend = _wait_for(
                watcher,
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                " AND pid <> pg_backend_pid() AND query LIKE 'WITH w AS (INSERT INTO workers_worker%%'",
            )
            # Its one transaction holds its upload record and is writing the registry's tables.
            writing = watcher.execute(
                "SELECT relation::regclass::text FROM pg_locks WHERE pid = %s AND mode = 'RowExclusiveLock'"
                " AND relation::regclass::text IN (%s, %s, %s, %s, %s)",
                [backend, *_TABLES],
            ).fetchall()
            assert sorted(table for (table,) in writing) == sorted(_TABLES)
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
        locker.rollback()  # the lock goes: the orphaned backend runs on, finds its client gone and rolls back
        _wait_for(watcher, "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = %s", [backend])
    assert child.returncode == -signal.SIGKILL


_TABLES = ("imports_importbatch", "workers_worker", "workers_heir", "enrolments_enrolment", "audit_auditentry")


def _file(tmp_path: Path, registered: Worker) -> Path:
    """``ROWS`` new workers and ``registered``."""
    rows = [person(make_nik(), **{"Ahli Waris": "Siti", "Hubungan Ahli Waris": "Istri"}) for _ in range(ROWS)]
    rows.append(person(registered.nik, **{"Nama Lengkap": registered.name}))
    return write_csv(tmp_path / "usulan.csv", rows)


def test_a_command_line_import_killed_mid_write_leaves_nothing_and_runs_again(reference_data, tmp_path: Path):
    cast = make_cast()
    programme = make_programme()
    set_quota(programme, "61.01", 1_000)
    registered = make_worker(name="Zulkarnain Effendi")
    path = _file(tmp_path, registered)
    workers_before = Worker.objects.count()

    _kill_mid_write(
        [
            sys.executable,
            "-m",
            "lindung",
            "import",
            str(path),
            "--programme",
            programme.code,
            "--as",
            "operator_sambas",
        ],
        registered=registered,
        programme=programme,
    )

    assert Worker.objects.count() == workers_before
    assert (Heir.objects.count(), Enrolment.objects.count(), ImportBatch.objects.count()) == (0, 0, 0)
    assert not AuditEntry.objects.filter(action__in=["worker.registered", "enrolment.proposed"]).exists()
    result = import_run(actor=cast["operator_sambas"], programme=programme, path=path)
    assert (result.imported, Enrolment.objects.count()) == (ROWS + 1, ROWS + 1)


def test_a_web_import_job_killed_mid_write_writes_nothing_and_is_then_marked_failed(reference_data, tmp_path: Path):
    cast = make_cast()
    programme = make_programme()
    set_quota(programme, "61.01", 1_000)
    registered = make_worker(name="Zulkarnain Effendi")
    path = _file(tmp_path, registered)
    batch = import_enqueue(
        actor=cast["operator_sambas"], programme=programme, path=path, file_name="usulan.csv", language="en"
    )
    job = f"from lindung.imports.jobs import import_process; import_process(batch_id={batch.pk})"

    _kill_mid_write(
        [sys.executable, "-m", "lindung", "shell", "--no-imports", "-c", job],
        registered=registered,
        programme=programme,
    )

    batch.refresh_from_db()
    assert batch.status == ImportStatus.RUNNING  # claimed, then killed: nobody said otherwise yet
    assert (Enrolment.objects.count(), Heir.objects.count()) == (0, 0)
    assert import_expire_stale() == 0  # still within its time
    later = timezone.now() + stale_after() + dt.timedelta(seconds=1)
    assert import_expire_stale(now=later) == 1
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert "wrote nothing" in batch.message
    assert AuditEntry.objects.filter(action="import.failed", object_id=str(batch.pk)).exists()


def test_a_worker_killed_mid_import_leaves_no_running_task_and_no_file_once_the_next_worker_starts(
    reference_data, tmp_path: Path
):
    """The web upload's job in the real task worker (``lindung db_worker``), killed mid-write: the upload and
    its task stay "running" and its file on disk until a worker starts again and tidies them."""
    from django_tasks_db.models import DBTaskResult

    from lindung.worker.housekeeping import worker_housekeeping

    cast = make_cast()
    programme = make_programme()
    set_quota(programme, "61.01", 1_000)
    registered = make_worker(name="Zulkarnain Effendi")
    batch = import_enqueue(
        actor=cast["operator_sambas"],
        programme=programme,
        path=_file(tmp_path, registered),
        file_name="usulan.csv",
        language="en",
    )
    batch.refresh_from_db()
    stored = Path(batch.source.path)
    assert stored.is_file() and batch.task_id

    _kill_mid_write(
        [sys.executable, "-m", "lindung", "db_worker", "--batch", "--no-startup-delay", "--no-reload"],
        registered=registered,
        programme=programme,
    )

    task = DBTaskResult.objects.get(id=batch.task_id)
    batch.refresh_from_db()
    assert (batch.status, task.status) == (ImportStatus.RUNNING, "RUNNING")
    assert stored.is_file()

    worker_housekeeping(now=timezone.now() + stale_after() + dt.timedelta(seconds=1))

    task.refresh_from_db()
    batch.refresh_from_db()
    assert (batch.status, task.status) == (ImportStatus.FAILED, "FAILED")
    assert not stored.exists() and not batch.source
    assert (Enrolment.objects.count(), Heir.objects.count()) == (0, 0)
