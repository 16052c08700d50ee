"""Web uploads run as background jobs (Django tasks, database-backed queue: ``lindung db_worker``).

``import_enqueue`` keeps the file and a queued record, and queues ``tasks.import_task`` once the record
is committed; the task calls ``import_process``, which claims the record with a conditional UPDATE (a
second delivery of the same job finds nothing to claim), runs ``import_run`` and completes the record
in the same transaction as the rows, or marks it failed with the reason. Either way, no partial upload.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require
from lindung.audit.services import audit_record
from lindung.imports.models import ImportBatch, ImportStatus
from lindung.imports.reading import ImportFileError
from lindung.imports.services import import_file_check, import_run, source_copy
from lindung.programmes.models import Programme

logger = logging.getLogger(__name__)


def import_enqueue(*, actor: User, programme: Programme, path: Path, file_name: str, language: str) -> ImportBatch:
    """Check the file as a whole (a clear refusal now, next to the upload field), keep it, and queue its import."""
    from lindung.imports.tasks import import_task

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
        transaction.on_commit(lambda: import_task.enqueue(batch.pk))
    return batch


def import_process(*, batch_id: int) -> None:
    if not ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.QUEUED).update(status=ImportStatus.RUNNING):
        return
    batch = ImportBatch.objects.select_related("programme", "uploaded_by").get(pk=batch_id)
    with translation.override(batch.language):
        try:
            with source_copy(batch) as path:
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


def _progress(batch_id: int, rows: int) -> None:
    ImportBatch.objects.filter(pk=batch_id).update(rows_read=rows)


def _fail(batch_id: int, message: str) -> None:
    ImportBatch.objects.filter(pk=batch_id).update(status=ImportStatus.FAILED, message=message)
