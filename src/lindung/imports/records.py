"""Every change of an upload's record (``ImportBatch``), in one place: queued, claimed (running), its progress,
completed, failed, expired. The import itself (``services``) and its background job (``jobs``) call these;
nothing else writes an upload's status.

    queued ──claim──▶ running ──complete──▶ completed
       │                 │
       └──────fail───────┴──fail / expire──▶ failed

A command-line upload is recorded only when it completes (``complete`` without a batch). Each change that a
person or the worker causes is audited; progress, which a running job reports every 10,000 rows, is not.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from lindung.accounts.models import User
from lindung.audit.services import audit_record
from lindung.imports.models import ImportBatch, ImportStatus
from lindung.programmes.models import Programme
from lindung.spreadsheets.errors import ErrorCount, RowError
from lindung.worker.housekeeping import tasks_fail_dead


class Outcome(Protocol):
    """What ``complete`` records of an import's result (``services.ImportResult``)."""

    rows: int
    imported: int
    skipped: int
    rejected: int
    errors: list[RowError]
    error_counts: list[ErrorCount]


def record_queued(*, actor: User, programme: Programme, path: Path, file_name: str, language: str) -> ImportBatch:
    """A web upload waiting for its job, with its file kept; audited. Call inside the upload's transaction."""
    batch = ImportBatch(
        programme=programme,
        uploaded_by=actor,
        region_code=actor.region_id or "",
        file_name=file_name[:255],
        status=ImportStatus.QUEUED,
        language=language,
    )
    with path.open("rb") as f:
        batch.source.save(Path(file_name).name, File(f), save=False)
    batch.save()
    audit_record(
        actor=actor,
        action="import.queued",
        obj=batch,
        region_code=batch.region_code,
        changes={"programme": [None, programme.code], "file_name": [None, batch.file_name]},
    )
    return batch


def record_task(batch_id: int, task_id: str) -> None:
    """The background task that will run the upload, so that it can be failed with it."""
    ImportBatch.objects.filter(pk=batch_id).update(task_id=task_id)


def record_claim(batch_id: int) -> bool:
    """Queued → running, for one job only: a conditional UPDATE, so that a second delivery finds nothing."""
    return bool(
        ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.QUEUED).update(
            status=ImportStatus.RUNNING, heartbeat_at=timezone.now()
        )
    )


def record_progress(batch_id: int, rows: int) -> None:
    """Rows read so far, and a sign of life."""
    ImportBatch.objects.filter(pk=batch_id).update(rows_read=rows, heartbeat_at=timezone.now())


def record_complete(
    *, batch: ImportBatch | None, actor: User, programme: Programme, file_name: str, outcome: Outcome
) -> ImportBatch:
    """The upload completed, with its counts and its first rejected rows' errors; audited. Call inside the
    transaction that writes the rows, so that the record and the rows commit together."""
    batch = batch or ImportBatch(
        programme=programme, uploaded_by=actor, region_code=actor.region_id or "", file_name=file_name[:255]
    )
    batch.status = ImportStatus.COMPLETED
    batch.rows_read = batch.rows = outcome.rows
    batch.imported, batch.skipped, batch.rejected = outcome.imported, outcome.skipped, outcome.rejected
    batch.errors = [error.as_dict() for error in outcome.errors]
    batch.error_counts = [count.as_dict() for count in outcome.error_counts]
    batch.save()
    audit_record(
        actor=actor,
        action="import.completed",
        obj=batch,
        region_code=actor.region_id or "",
        changes={
            "programme": [None, programme.code],
            "file_name": [None, batch.file_name],
            **{key: [None, getattr(outcome, key)] for key in ("rows", "imported", "skipped", "rejected")},
        },
    )
    return batch


def record_fail(batch_id: int, message: str) -> None:
    """The upload failed and wrote nothing; ``message`` says why, in the uploader's language."""
    ImportBatch.objects.filter(pk=batch_id).update(status=ImportStatus.FAILED, message=message)


def stale_after() -> dt.timedelta:
    """How long a running import may go without a sign of life before it counts as dead (default 30 minutes:
    the write step of a million rows is one silent transaction of a few minutes)."""
    return dt.timedelta(seconds=settings.LINDUNG_IMPORT_STALE_SECONDS)


def records_expire_stale(*, now: dt.datetime | None = None, task_ids: list[str] | None = None) -> list[int]:
    """Running → failed for the uploads that stopped showing life (their process was killed or the server
    restarted), or whose tasks ``task_ids`` a stopping worker abandoned, and their tasks; audited. They wrote
    nothing: the rows are written in one transaction that died with them. Returns their ids."""
    now = now or timezone.now()
    cutoff = now - stale_after()
    alive: Q = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True)
    stale = ImportBatch.objects.filter(status=ImportStatus.RUNNING)
    if task_ids is not None:
        stale, alive = stale.filter(task_id__in=task_ids), Q()
    else:
        stale = stale.filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, uploaded_at__lt=cutoff))
    expired = []
    for batch_id, region_code, task_id in stale.values_list("pk", "region_code", "task_id"):
        with transaction.atomic():
            # Conditional, so that a job finishing at this very moment keeps its outcome.
            if (
                not ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.RUNNING)
                .filter(alive)
                .update(status=ImportStatus.FAILED, message=_stale_message())
            ):
                continue
            if task_id:
                tasks_fail_dead(before=now, ids=[task_id], note="the import stopped showing life: its worker died")
            audit_record(
                actor=None,
                action="import.failed",
                obj=ImportBatch(pk=batch_id),
                region_code=region_code,
                changes={"status": [str(ImportStatus.RUNNING), str(ImportStatus.FAILED)]},
                note="stopped without finishing",
            )
            expired.append(batch_id)
    return expired


def _stale_message() -> str:
    return gettext(
        "The import stopped before it finished (the server or its background worker was restarted) and "
        "wrote nothing. Upload the file again."
    )


def record_files(batch_id: int, *, error_file: str | None) -> None:
    """The upload's own file is gone; ``error_file``, if any, is what stays (its rejected rows)."""
    fields = {"source": ""} | ({"error_file": error_file} if error_file else {})
    ImportBatch.objects.filter(pk=batch_id).update(**fields)
