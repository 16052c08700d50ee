"""The worker tidies at start what killed processes left: temporary files with uploads in them, tasks
recorded as running for ever, and (through the imports app) dead uploads and their files."""

from __future__ import annotations

import datetime as dt
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from lindung.web.uploads import upload_on_disk

pytestmark = pytest.mark.django_db


@pytest.fixture
def tmp_dir(settings: Any, tmp_path: Path) -> Path:
    settings.LINDUNG_TMP_DIR = tmp_path / "tmp"
    settings.LINDUNG_TMP_DIR.mkdir()
    return settings.LINDUNG_TMP_DIR


def _aged(path: Path, hours: float) -> Path:
    moment = (timezone.now() - dt.timedelta(hours=hours)).timestamp()
    os.utime(path, (moment, moment))
    return path


def _task(status: str, started: dt.datetime | None) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status=status,
        started_at=started,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="lindung.contributions.tasks.coverage_daily_task",
        backend_name="default",
        run_after=timezone.now(),
        queue_name="default",
    )


# The real worker command, which closes its database connection as it goes: a transactional test.
@pytest.mark.django_db(transaction=True)
def test_the_worker_removes_old_temporary_files_and_fails_tasks_dead_for_a_day_when_it_starts(
    tmp_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    # No heartbeat thread here (test_serve and test_health see it beat): the test database on SQLite is one
    # in-memory file shared between connections, which locks whole tables, and the thread's first write could meet
    # the worker's BEGIN EXCLUSIVE ("database table is locked").
    monkeypatch.setattr(
        "lindung.worker.management.commands.db_worker.heartbeat_start", lambda worker_id: threading.Event()
    )
    killed_upload = tmp_dir / "lindung-import-x"
    killed_upload.mkdir()
    (killed_upload / "upload.xlsx").write_bytes(b"NIK 6101015705800001")
    _aged(killed_upload, hours=2)
    django_spool = tmp_dir / "abc.upload.csv"  # what Django spools a large upload to
    django_spool.write_bytes(b"NIK 6101015705800001")
    _aged(django_spool, hours=2)
    in_use = tmp_dir / "lindung-bpjs-now"
    in_use.mkdir()
    dead = _task("RUNNING", timezone.now() - dt.timedelta(days=2))
    alive = _task("RUNNING", timezone.now() - dt.timedelta(minutes=5))

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    assert sorted(entry.name for entry in tmp_dir.iterdir()) == ["lindung-bpjs-now"]
    assert not django_spool.exists()
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert (dead.status, alive.status) == ("FAILED", "RUNNING")
    assert "worker died" in dead.traceback


def test_an_upload_being_read_is_written_inside_the_data_folder_and_removed_after(tmp_dir: Path, settings: Any):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with upload_on_disk(SimpleUploadedFile("Usulan.CSV", b"NIK\n1\n"), prefix="lindung-import-", stem="upload") as path:
        assert path.parent.parent == tmp_dir and path.name == "upload.csv"
        assert path.read_bytes() == b"NIK\n1\n"
    assert not any(tmp_dir.iterdir())
    # Django's own temporary files of large uploads go there too.
    assert Path(settings.FILE_UPLOAD_TEMP_DIR) == Path(settings.DATA_DIR) / "tmp"
