"""Importing a spreadsheet of proposals into a programme (issue 4).

``import_run``, in order:

1. checks the uploader's roles (register workers, propose enrolments) and that the programme is open;
2. opens the file (``reading``), matches its headers (``columns``) and refuses it whole if it cannot be
   read, lacks a required column or has no data rows;
3. streams the rows: each is cleaned (``rows.RowCleaner``, no query per row) and either rejected with its
   errors or sent, in chunks, to the upload's staging table (``staging``); a NIK seen before in the file
   rejects the later row. Only the rejected rows' errors and one small entry per NIK stay in memory;
4. checks the staged rows against the registry with set-based queries (``checks``): NIK holders, enrolments
   in this programme (skipped), other regencies and regions, the age limit for new workers, likely
   duplicates, overlapping government-funded coverage, full regency quotas; rejected and skipped rows
   leave the staging table. Steps 3 and 4 apply the rule set of the registration form and
   ``enrolment_propose`` (``lindung.enrolments.proposals``), with its sentences;
5. unless a dry run, writes everything in one short transaction: the upload's record, then workers,
   heirs, proposed enrolments and their audit entries with ``INSERT ... SELECT`` from the staging table.
   Any failure, a killed process included, leaves nothing behind; running the same file again then gives
   the same end state.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require
from lindung.accounts.scope import scope_of
from lindung.audit.services import audit_record
from lindung.enrolments.proposals import full_regencies, programme_closed
from lindung.imports.checks import staging_check
from lindung.imports.columns import BY_FIELD, match_headers, missing_fields
from lindung.imports.models import ImportBatch
from lindung.imports.records import record_complete
from lindung.imports.regions import RegionResolver
from lindung.imports.rows import RowCleaner
from lindung.imports.spreadsheets import errors_write
from lindung.imports.staging import Staging
from lindung.privacy_notices.selectors import notice_problem, notices_given_by_version
from lindung.programmes.models import Programme
from lindung.spreadsheets.cells import TEXT_MARKS, text
from lindung.spreadsheets.errors import ErrorCount, RowError, RowErrors
from lindung.spreadsheets.limits import ImportFileError
from lindung.spreadsheets.reading import Table, table_open
from lindung.workers import registration
from lindung.workers.nik import parse_nik
from lindung.workers.occupations import active_occupation_index

PROGRESS_ROWS = 10_000  # rows between two progress reports
logger = logging.getLogger(__name__)


@dataclass
class ImportResult:
    """An upload's outcome. ``errors``: the errors of the first rejected rows (``LINDUNG_IMPORT_MAX_ERRORS``
    rows, by row number); ``error_counts``: every error, counted by column and problem."""

    rows: int = 0
    imported: int = 0
    skipped: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_counts: list[ErrorCount] = field(default_factory=list)
    batch: ImportBatch | None = None

    @property
    def rejected_not_listed(self) -> int:
        return self.rejected - len({error.row for error in self.errors})

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "imported": self.imported,
            "skipped": self.skipped,
            "rejected": self.rejected,
            # The first rejected rows' errors (``rejected`` counts them all): the summary keeps its documented keys.
            "errors": [error.as_dict() for error in self.errors],
        }

    def rejected_rows(self) -> dict[int, list[RowError]]:
        by_row: dict[int, list[RowError]] = {}
        for error in self.errors:
            by_row.setdefault(error.row, []).append(error)
        return by_row


def import_run(
    *,
    actor: User,
    programme: Programme,
    path: Path,
    file_name: str | None = None,
    dry_run: bool = False,
    today: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
    batch: ImportBatch | None = None,
) -> ImportResult:
    """Import the file at ``path`` (see the module's docstring). ``batch``: a queued web upload to complete
    instead of recording a new one."""
    require(actor, Action.WORKER_REGISTER)
    require(actor, Action.ENROLMENT_PROPOSE)
    today = today or timezone.localdate()
    if closed := programme_closed(programme):
        raise ImportFileError(closed)

    started = time.perf_counter()
    resolver = RegionResolver()
    resolver.preload_villages(programme.region_id)
    with Staging() as staging:
        with closing(table_open(path)) as table:
            found = _columns_found(table.headers)
            headers = [text(h) for h in table.headers]
            cleaner = RowCleaner(
                programme=programme,
                scope=scope_of(actor),
                today=today,
                headers=headers,
                found=found,
                categories=active_occupation_index(),
                resolver=resolver,
                min_income=registration.income_minimum(today),
                age_limit=registration.age_limit(today),
                notices=notices_given_by_version(on=today),
                notice_problem=notice_problem(on=today),
            )
            errors = RowErrors(keep=settings.LINDUNG_IMPORT_MAX_ERRORS)
            result = _read(table, cleaner, staging, errors, progress)
        if result.rows == 0:
            raise ImportFileError(gettext("The file has no data rows under the header row."))
        read = time.perf_counter()
        staging.ready()
        outcome = staging_check(staging, errors, actor=actor, programme=programme, today=today, columns=cleaner.columns)
        checked = time.perf_counter()
        result.skipped = len(outcome.skipped)
        result.imported = staging.count()
        result.rejected = len(errors)
        result.errors = errors.kept()
        result.error_counts = errors.counts()
        if not dry_run:
            result.batch = _write(actor, programme, file_name or path.name, result, staging, batch)
        # Counts and seconds only: nothing personal in the log.
        logger.info(
            "import of %d rows: read, cleaned and staged in %.1f s, checked in %.1f s, written in %.1f s",
            result.rows,
            read - started,
            checked - read,
            time.perf_counter() - checked,
        )
    return result


def _read(
    table: Table,
    cleaner: RowCleaner,
    staging: Staging,
    errors: RowErrors,
    progress: Callable[[int], None] | None,
) -> ImportResult:
    """Step 3: every row cleaned as it streams by; a NIK seen before in the file rejects the later row."""
    result = ImportResult()
    # NIK (as a number: a third of the memory of its text) → the first row that had it.
    first_row_of: dict[int, int] = {}
    nik_column = cleaner.columns["nik"]
    nik_index = cleaner.found["nik"]
    today = cleaner.today
    for number, cells in table.rows:
        result.rows += 1
        outcome = cleaner.clean(number, cells)
        if isinstance(outcome, list):
            # A rejected row's NIK still counts if it is valid, so that a later row with the same NIK is caught.
            nik = None if any(error.column == nik_column for error in outcome) else _nik_of(cells, nik_index, today)
        else:
            nik = outcome.nik
        if nik is not None:
            earlier = first_row_of.setdefault(int(nik), number)
            if earlier != number:
                row_errors = outcome if isinstance(outcome, list) else []
                row_errors.append(RowError(number, nik_column, _repeated(earlier)))
                outcome = row_errors
        if isinstance(outcome, list):
            errors.add(outcome)
        else:
            staging.add(outcome)
        if progress and result.rows % PROGRESS_ROWS == 0:
            progress(result.rows)
    if progress:
        progress(result.rows)
    return result


def _columns_found(headers: list[Any]) -> dict[str, int]:
    found = match_headers(headers)
    missing = missing_fields(found)
    if missing:
        raise ImportFileError(
            gettext("The file has no column for: %(columns)s. Use the template's headers in the first row.")
            % {"columns": ", ".join(BY_FIELD[name].headers[0] for name in missing)}
        )
    return found


def import_file_check(path: Path) -> None:
    """Refuse a file that cannot be imported at all, before it is queued: unreadable, a required column
    missing, no data row. (A CSV whose bad encoding starts further down is still caught by the job.)"""
    with closing(table_open(path)) as table:
        _columns_found(table.headers)
        if next(table.rows, None) is None:
            raise ImportFileError(gettext("The file has no data rows under the header row."))


def _nik_of(cells: list[Any], index: int, today: dt.date) -> str | None:
    """A rejected row's NIK if it is valid, so that a later row with the same NIK is still caught."""
    cell = cells[index] if index < len(cells) else None
    if not isinstance(cell, str):
        return None
    info = parse_nik(cell.strip().lstrip(TEXT_MARKS), today=today)
    return info.nik if info.valid else None


def _repeated(earlier: int) -> str:
    return gettext("This NIK is already in row %(row)d of this file; each worker may appear only once.") % {
        "row": earlier
    }


def _write(
    actor: User,
    programme: Programme,
    file_name: str,
    result: ImportResult,
    staging: Staging,
    batch: ImportBatch | None,
) -> ImportBatch:
    try:
        with transaction.atomic():
            # One import of a programme at a time: the quota counted above cannot be taken twice.
            Programme.objects.select_for_update().get(pk=programme.pk)
            if full_regencies(programme, staging.regencies()):
                raise ImportFileError(
                    gettext(
                        "Other proposals took places in the quota while the file was being checked. Nothing was "
                        "imported; upload the file again."
                    )
                )
            batch = record_complete(batch=batch, actor=actor, programme=programme, file_name=file_name, outcome=result)
            staging.write(
                actor_id=actor.pk,
                username=actor.get_username(),
                programme_id=programme.pk,
                programme_code=programme.code,
                note=f"{programme.code} · impor #{batch.pk}",  # stored data: in Indonesian, as the rest of the data
            )
    except IntegrityError:
        raise ImportFileError(
            gettext(
                "Some of these workers were registered or proposed by someone else while the file was being "
                "checked. Nothing was imported; upload the file again."
            )
        ) from None
    return batch


def import_errors_export(*, actor: User, batch: ImportBatch, out: Any) -> None:
    """Write an upload's error file (its rejected rows, as uploaded, with their errors) to ``out`` and audit it
    as an export of workers' data. The caller found ``batch`` through the actor's scope and checked that it
    has an error file (or, for an upload recorded before error files were kept, its source)."""
    require(actor, Action.ENROLMENT_PROPOSE)
    listed = len({error["row"] for error in batch.errors})
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="worker.exported",
            obj=batch,
            region_code=actor.region_id or "",
            changes={"import_errors": [None, batch.pk], "rows": [None, listed]},
        )
    if batch.error_file:
        with batch.error_file.open("rb") as f:
            shutil.copyfileobj(f, out)
        return
    with stored_file(batch.source) as path:
        errors_write(path, kept_errors(batch), out)


def kept_errors(batch: ImportBatch) -> dict[int, list[RowError]]:
    """The errors the upload kept (its first rejected rows), by row."""
    errors: dict[int, list[RowError]] = {}
    for error in batch.errors:
        errors.setdefault(error["row"], []).append(RowError(error["row"], error["column"], error["message"]))
    return errors


@contextmanager
def stored_file(field: FieldFile) -> Iterator[Path]:
    """A stored file as a local path: its own where the storage is on this disk, otherwise a copy inside
    ``LINDUNG_TMP_DIR`` (never /tmp: it holds NIKs), removed afterwards."""
    try:
        local: Path | None = Path(field.path)
    except NotImplementedError:
        local = None  # a remote storage has no path
    if local is not None:
        yield local
        return
    suffix = Path(field.name or "").suffix.lower()
    with field.open("rb") as f, tempfile.NamedTemporaryFile(suffix=suffix, dir=settings.LINDUNG_TMP_DIR) as copy:
        shutil.copyfileobj(f, copy)
        copy.flush()
        yield Path(copy.name)
