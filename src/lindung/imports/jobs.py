"""Web uploads run as background jobs (Django tasks, database-backed queue: ``lindung db_worker``).

1. ``import_enqueue`` checks the file as a whole (a refusal shows next to the upload field), keeps it with a
   queued record, and queues ``import_task`` once the record is committed (noting the task's id).
2. ``import_task`` → ``import_process`` claims the record (a second delivery of the same job finds nothing to
   claim), runs ``import_run``, which completes the record in the same transaction as the rows, or marks it
   failed with the reason. Either way, no partial upload.
3. When the job ends, the upload's file goes: what stays is its error file (the rejected rows with their
   errors), written from it first.

A job whose process is killed (or whose server restarts) mid-way writes nothing, since its rows go in one
transaction, but its record would stay "running" and its file on disk: it shows life by its heartbeat (when
claimed and at every progress report), and the worker, when it starts (``imports_housekeeping``), every night
and before each job, marks failed a running record silent for longer than ``records.stale_after()``, with its
task, and removes its file. Pages only read. Every change of the record is ``records``'.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.tasks import task
from django.utils import translation
from django.utils.translation import gettext

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require
from lindung.enrolments.proposals import programme_closed
from lindung.imports.models import ImportBatch, ImportStatus
from lindung.imports.records import (
    record_claim,
    record_fail,
    record_files,
    record_progress,
    record_queued,
    record_task,
    records_expire_stale,
)
from lindung.imports.services import import_file_check, import_run, kept_errors, stored_file
from lindung.imports.spreadsheets import errors_write
from lindung.programmes.models import Programme
from lindung.spreadsheets.limits import ImportFileError

logger = logging.getLogger(__name__)


def import_enqueue(*, actor: User, programme: Programme, path: Path, file_name: str, language: str) -> ImportBatch:
    """Check the file as a whole (a clear refusal now, next to the upload field), keep it, and queue its import."""
    require(actor, Action.WORKER_REGISTER)
    require(actor, Action.ENROLMENT_PROPOSE)
    if closed := programme_closed(programme):
        raise ImportFileError(closed)
    import_file_check(path)
    with transaction.atomic():
        batch = record_queued(actor=actor, programme=programme, path=path, file_name=file_name, language=language)
        transaction.on_commit(lambda: record_task(batch.pk, str(import_task.enqueue(batch.pk).id)))
    return batch


@task
def import_task(batch_id: int) -> None:
    """The queue's entry: the upload's id in, nothing out (its record says how it went)."""
    import_process(batch_id=batch_id)


def import_process(*, batch_id: int) -> None:
    import_expire_stale()
    if not record_claim(batch_id):
        return
    batch = ImportBatch.objects.select_related("programme", "uploaded_by").get(pk=batch_id)
    with translation.override(batch.language):
        try:
            with stored_file(batch.source) as path:
                import_run(
                    actor=batch.uploaded_by,
                    programme=batch.programme,
                    path=path,
                    file_name=batch.file_name,
                    batch=batch,
                    progress=lambda rows: record_progress(batch_id, rows),
                )
        except ImportFileError as exc:
            record_fail(batch_id, exc.message)
        except PermissionDenied:
            record_fail(batch_id, gettext("You may no longer register workers or propose them."))
        except Exception:
            # Only the type: a database error's text may quote a NIK.
            logger.error("import %s failed", batch_id, exc_info=False)
            record_fail(
                batch_id, gettext("The import failed unexpectedly and nothing was written. Upload the file again.")
            )
            raise
        finally:
            _files_settle(batch_id)


def import_expire_stale(*, now: dt.datetime | None = None, task_ids: list[str] | None = None) -> int:
    """Fail the uploads (and tasks) that stopped showing life, or whose tasks ``task_ids`` a stopping worker
    abandoned, and remove their files; how many."""
    expired = records_expire_stale(now=now, task_ids=task_ids)
    for batch_id in expired:
        _files_settle(batch_id)
    return len(expired)


def imports_housekeeping(*, now: dt.datetime, **_signal: Any) -> None:
    """When the worker starts (``worker_starting``): the dead uploads failed, and no upload's file left behind by
    a job that ended (its error file written first, if the job died before writing it)."""
    import_expire_stale(now=now)
    ended = ImportBatch.objects.filter(status__in=(ImportStatus.COMPLETED, ImportStatus.FAILED)).exclude(source="")
    for batch_id in ended.values_list("pk", flat=True):
        _files_settle(batch_id)


def imports_abandoned(*, task_ids: list[str], **_signal: Any) -> None:
    """When stopping workers abandoned tasks (``tasks_abandoned``): their uploads failed, their files removed."""
    import_expire_stale(task_ids=task_ids)


def _files_settle(batch_id: int) -> None:
    """An ended upload's files: the error file written from the upload if it completed with rejected rows and
    has none yet, then the upload removed. A running or queued upload keeps its file."""
    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.status not in (ImportStatus.COMPLETED, ImportStatus.FAILED) or not batch.source:
        return
    error_file = None
    if batch.status == ImportStatus.COMPLETED and batch.errors and not batch.error_file:
        try:
            with stored_file(batch.source) as path, tempfile.TemporaryFile(dir=settings.LINDUNG_TMP_DIR) as out:
                errors_write(path, kept_errors(batch), out)
                out.seek(0)
                batch.error_file.save(f"{Path(batch.source.name or 'upload').stem}-errors.xlsx", File(out), save=False)
            error_file = batch.error_file.name
        except Exception:
            # The page still lists the errors; the upload goes all the same (only the type: nothing personal).
            logger.error("import %s: the error file could not be written", batch_id)
    batch.source.delete(save=False)
    record_files(batch_id, error_file=error_file)
