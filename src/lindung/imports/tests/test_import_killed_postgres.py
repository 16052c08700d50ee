"""A killed import leaves nothing: a real ``lindung`` process is killed with SIGKILL in the middle of its writes.

The test holds a SHARE lock on the enrolments table from its own connection: the import reads freely,
inserts its workers, and then waits on its INSERT into the enrolments, inside its one transaction. The
process is killed there, the lock released, and the database must hold none of its rows; the upload
record of a web job must not stay "running" once it is seen stale.
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
from lindung.imports.jobs import import_enqueue, import_expire_stale, stale_after
from lindung.imports.models import ImportBatch, ImportStatus
from lindung.imports.services import import_run
from lindung.imports.tests.conftest import person, write_csv
from lindung.testing import make_cast, make_nik, make_programme, set_quota
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


def _kill_mid_write(argv: list[str]) -> None:
    """Run ``argv``, wait until it blocks on inserting enrolments (its workers already inserted), SIGKILL it."""
    with psycopg.connect(_conninfo(), autocommit=True) as watcher, psycopg.connect(_conninfo()) as locker:
        locker.execute("LOCK TABLE enrolments_enrolment IN SHARE MODE")
        child = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            argv, env=_child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            backend = _wait_for(
                watcher,
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                " AND query LIKE 'INSERT INTO enrolments_enrolment%%'",
            )
            # Its transaction holds the new workers, not yet committed: the middle of the writes.
            assert watcher.execute(
                "SELECT count(*) FROM pg_locks WHERE pid = %s AND relation = 'workers_worker'::regclass"
                " AND mode = 'RowExclusiveLock'",
                [backend],
            ).fetchone() == (1,)
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
        locker.rollback()  # the lock goes: the orphaned backend runs on, finds its client gone and rolls back
        _wait_for(watcher, "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = %s", [backend])
    assert child.returncode == -signal.SIGKILL


def _file(tmp_path: Path) -> Path:
    rows = [person(make_nik(), **{"Ahli Waris": "Siti", "Hubungan Ahli Waris": "Istri"}) for _ in range(ROWS)]
    return write_csv(tmp_path / "usulan.csv", rows)


def test_a_command_line_import_killed_mid_write_leaves_nothing_and_runs_again(reference_data, tmp_path: Path):
    cast = make_cast()
    programme = make_programme()
    set_quota(programme, "61.01", 1_000)
    path = _file(tmp_path)
    workers_before = Worker.objects.count()

    _kill_mid_write(
        [sys.executable, "-m", "lindung", "import", str(path), "--programme", programme.code, "--as", "operator_sambas"]
    )

    assert Worker.objects.count() == workers_before
    assert (Heir.objects.count(), Enrolment.objects.count(), ImportBatch.objects.count()) == (0, 0, 0)
    assert not AuditEntry.objects.filter(action__in=["worker.registered", "enrolment.proposed"]).exists()
    result = import_run(actor=cast["operator_sambas"], programme=programme, path=path)
    assert (result.imported, Enrolment.objects.count()) == (ROWS, ROWS)


def test_a_web_import_job_killed_mid_write_writes_nothing_and_is_then_marked_failed(reference_data, tmp_path: Path):
    cast = make_cast()
    programme = make_programme()
    set_quota(programme, "61.01", 1_000)
    path = _file(tmp_path)
    batch = import_enqueue(
        actor=cast["operator_sambas"], programme=programme, path=path, file_name="usulan.csv", language="en"
    )
    job = f"from lindung.imports.jobs import import_process; import_process(batch_id={batch.pk})"

    _kill_mid_write([sys.executable, "-m", "lindung", "shell", "--no-imports", "-c", job])

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
