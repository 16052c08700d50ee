"""Web uploads run as background jobs (Django tasks, database-backed queue: ``lindung db_worker``).

``import_enqueue`` keeps the file and a queued record, and queues ``tasks.import_task`` once the record
is committed (noting the task's id); the task calls ``import_process``, which claims the record with a
conditional UPDATE (a second delivery of the same job finds nothing to claim), runs ``import_run`` and
completes the record in the same transaction as the rows, or marks it failed with the reason. Either way, no
partial upload. When the job ends, the upload's file goes: what stays is its error file (the rejected rows
with their errors), written from it first.

A job whose process is killed (or whose server restarts) mid-way writes nothing, since its rows go in one
transaction, but its record would stay "running" and its file would stay on disk: it shows life by
``heartbeat_at`` (when claimed and at every progress report), and ``import_expire_stale``, run by the worker
when it starts (``imports_housekeeping``), before each job and by the upload pages, marks failed a running
record silent for longer than ``stale_after()``, with its task, and removes its file.
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
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require
from lindung.audit.services import audit_record
from lindung.imports.models import ImportBatch, ImportStatus
from lindung.imports.services import import_file_check, import_run, kept_errors, stored_file
from lindung.imports.spreadsheets import errors_write
from lindung.programmes.models import Programme
from lindung.spreadsheets.limits import ImportFileError
from lindung.worker.housekeeping import tasks_fail_dead

logger = logging.getLogger(__name__)


def import_enqueue(*, actor: User, programme: Programme, path: Path, file_name: str, language: str) -> ImportBatch:
    """Check the file as a whole (a clear refusal now, next to the upload field), keep it, and queue its import."""
    require(actor, Action.WORKER_REGISTER)
    require(actor, Action.ENROLMENT_PROPOSE)
    if not programme.open_for_proposals:
        raise ImportFileError(gettext("Programme %(code)s is not open for proposals.") % {"code": programme.code})
    import_file_check(path)
    with transaction.atomic():
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
        transaction.on_commit(lambda: _enqueue(batch.pk))
    return batch


def _enqueue(batch_id: int) -> None:
    from lindung.imports.tasks import import_task

    result = import_task.enqueue(batch_id)
    ImportBatch.objects.filter(pk=batch_id).update(task_id=str(result.id))


def stale_after() -> dt.timedelta:
    """How long a running import may go without a sign of life before it counts as dead (default 30 minutes:
    the write step of a million rows is one silent transaction of a few minutes)."""
    return dt.timedelta(seconds=settings.LINDUNG_IMPORT_STALE_SECONDS)


def import_expire_stale(*, now: dt.datetime | None = None) -> int:
    """Mark failed the running imports that stopped showing life (their process was killed or the server
    restarted), and their tasks; remove their files. They wrote nothing, since the rows are written in one
    transaction that died with them. Returns how many."""
    now = now or timezone.now()
    cutoff = now - stale_after()
    stale = ImportBatch.objects.filter(status=ImportStatus.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, uploaded_at__lt=cutoff)
    )
    expired = 0
    for batch_id, region_code, task_id in stale.values_list("pk", "region_code", "task_id"):
        with transaction.atomic():
            # Conditional, so that a job finishing at this very moment keeps its outcome.
            if (
                not ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.RUNNING)
                .filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True))
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
            expired += 1
        _files_settle(batch_id)
    return expired


def imports_housekeeping(*, now: dt.datetime, **_signal: Any) -> None:
    """At the worker's start (``worker_starting``): the dead imports failed, and no upload's file left behind
    by a job that ended (its error file written first, if the job died before writing it)."""
    import_expire_stale(now=now)
    ended = ImportBatch.objects.filter(status__in=(ImportStatus.COMPLETED, ImportStatus.FAILED)).exclude(source="")
    for batch_id in ended.values_list("pk", flat=True):
        _files_settle(batch_id)


def _stale_message() -> str:
    return gettext(
        "The import stopped before it finished (the server or its background worker was restarted) and "
        "wrote nothing. Upload the file again."
    )


def import_process(*, batch_id: int) -> None:
    import_expire_stale()
    claimed = ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, heartbeat_at=timezone.now()
    )
    if not claimed:
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
                    progress=lambda rows: _progress(batch_id, rows),
                )
        except ImportFileError as exc:
            _fail(batch_id, exc.message)
        except PermissionDenied:
            _fail(batch_id, gettext("You may no longer register workers or propose them."))
        except Exception:
            # Only the type: a database error's text may quote a NIK.
            logger.error("import %s failed", batch_id, exc_info=False)
            _fail(batch_id, gettext("The import failed unexpectedly and nothing was written. Upload the file again."))
            raise
        finally:
            _files_settle(batch_id)


def _progress(batch_id: int, rows: int) -> None:
    ImportBatch.objects.filter(pk=batch_id).update(rows_read=rows, heartbeat_at=timezone.now())


def _fail(batch_id: int, message: str) -> None:
    ImportBatch.objects.filter(pk=batch_id).update(status=ImportStatus.FAILED, message=message)


def _files_settle(batch_id: int) -> None:
    """An ended upload's files: the error file written from the upload if it completed with rejected rows and
    has none yet, then the upload removed. A running or queued upload keeps its file."""
    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.status not in (ImportStatus.COMPLETED, ImportStatus.FAILED) or not batch.source:
        return
    if batch.status == ImportStatus.COMPLETED and batch.errors and not batch.error_file:
        try:
            with stored_file(batch.source) as path, tempfile.TemporaryFile(dir=settings.LINDUNG_TMP_DIR) as out:
                errors_write(path, kept_errors(batch), out)
                out.seek(0)
                batch.error_file.save(f"{Path(batch.source.name or 'upload').stem}-errors.xlsx", File(out), save=False)
            ImportBatch.objects.filter(pk=batch_id).update(error_file=batch.error_file.name)
        except Exception:
            # The page still lists the errors; the upload goes all the same (only the type: nothing personal).
            logger.error("import %s: the error file could not be written", batch_id)
    batch.source.delete(save=False)
    ImportBatch.objects.filter(pk=batch_id).update(source="")
