"""Importing a spreadsheet of proposals into a programme (issue 4).

``import_run``, in order:

1. checks the uploader's roles (register workers, propose enrolments) and that the programme is open;
2. opens the file (``reading``), matches its headers (``columns``) and refuses it whole if it cannot be
   read, lacks a required column or has no data rows;
3. cleans every row as it streams by (``rows``): a row either becomes a candidate or is rejected with
   its errors; a NIK seen before in the file rejects the later row;
4. checks the candidates against the database in chunks, with set-based queries: NIK holders, enrolments
   in this programme (skipped), other regencies and regions, the age limit for new workers, overlapping
   government-funded coverage, and then each regency's quota in row order;
5. unless a dry run, writes everything in one short transaction with ``bulk_create`` in batches: the
   upload's record, the new workers, their heirs, the proposed enrolments and the audit entries. Any
   failure leaves nothing behind; running the same file again then gives the same end state.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from itertools import batched
from pathlib import Path
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require
from lindung.accounts.scope import scope_of
from lindung.audit.models import AuditEntry
from lindung.audit.services import audit_record
from lindung.enrolments.models import Enrolment, Status
from lindung.enrolments.selectors import quota_taken
from lindung.enrolments.services import QUOTA_STATUSES
from lindung.imports.checks import Decision, candidates_check
from lindung.imports.cleaning import category_index, text
from lindung.imports.columns import BY_FIELD, match_headers, missing_fields
from lindung.imports.models import ImportBatch, ImportStatus
from lindung.imports.reading import ImportFileError, Table, table_open
from lindung.imports.regions import RegionResolver
from lindung.imports.rows import Candidate, RowContext, RowError, row_clean
from lindung.imports.spreadsheets import errors_write
from lindung.programmes.models import Programme, RegencyQuota
from lindung.regions.models import Region
from lindung.workers.models import Heir, Worker
from lindung.workers.nik import nik_mask

CHUNK = 2_000  # rows per database look-up
WRITE_BATCH = 1_000  # rows per INSERT
# Enrolments that take a place in a regency's quota at import: the proposed ones as well as those the
# registry counts from verification on (``QUOTA_STATUSES``).
IMPORT_QUOTA_STATUSES = [Status.PROPOSED, *QUOTA_STATUSES]


@dataclass
class ImportResult:
    rows: int = 0
    imported: int = 0
    skipped: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    batch: ImportBatch | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "imported": self.imported,
            "skipped": self.skipped,
            "rejected": self.rejected,
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
    if not programme.open_for_proposals:
        raise ImportFileError(gettext("Programme %(code)s is not open for proposals.") % {"code": programme.code})

    resolver = RegionResolver()
    resolver.preload_villages(programme.region_id)
    with closing(table_open(path)) as table:
        found = _columns_found(table.headers)
        headers = [text(h) for h in table.headers]
        ctx = RowContext(programme, scope_of(actor), today, headers, found, category_index(), resolver)
        result, errors_by_row, candidates = _read(table, ctx, progress)
    if result.rows == 0:
        raise ImportFileError(gettext("The file has no data rows under the header row."))

    decisions: list[Decision] = []
    for chunk in batched(candidates, CHUNK):
        for decision in candidates_check(chunk, actor=actor, programme=programme, today=today):
            if decision.errors:
                errors_by_row[decision.candidate.row] = decision.errors
            elif decision.skip:
                result.skipped += 1
            else:
                decisions.append(decision)
    accepted = _within_quota(decisions, programme, errors_by_row)

    result.imported = len(accepted)
    result.rejected = len(errors_by_row)
    result.errors = [error for row in sorted(errors_by_row) for error in errors_by_row[row]]
    if not dry_run:
        result.batch = _write(actor, programme, file_name or path.name, result, accepted, batch)
    return result


def _read(
    table: Table, ctx: RowContext, progress: Callable[[int], None] | None
) -> tuple[ImportResult, dict[int, list[RowError]], list[Candidate]]:
    """Step 3: every row cleaned as it streams by; a NIK seen before in the file rejects the later row."""
    result = ImportResult()
    errors_by_row: dict[int, list[RowError]] = {}
    candidates: list[Candidate] = []
    first_row_of: dict[str, int] = {}
    nik_column = ctx.headers[ctx.found["nik"]]
    for number, cells in table.rows:
        result.rows += 1
        outcome = row_clean(number, cells, ctx)
        nik = outcome.nik if isinstance(outcome, Candidate) else _nik_of(cells, ctx.found, ctx.today)
        if nik is not None:
            earlier = first_row_of.setdefault(nik, number)
            if earlier != number:
                errors = [] if isinstance(outcome, Candidate) else outcome
                errors.append(RowError(number, nik_column, _repeated(earlier)))
                outcome = errors
        if isinstance(outcome, Candidate):
            candidates.append(outcome)
        else:
            errors_by_row[number] = outcome
        if progress and result.rows % CHUNK == 0:
            progress(result.rows)
    return result, errors_by_row, candidates


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


def _nik_of(cells: list[Any], found: dict[str, int], today: dt.date) -> str | None:
    """A rejected row's NIK if it is valid, so that a later row with the same NIK is still caught."""
    from lindung.workers.nik import parse_nik

    index = found["nik"]
    cell = cells[index] if index < len(cells) else None
    if not isinstance(cell, str):
        return None
    info = parse_nik(cell.strip().lstrip("'\u2019`"), today=today)
    return info.nik if info.valid else None


def _repeated(earlier: int) -> str:
    return gettext("This NIK is already in row %(row)d of this file; each worker may appear only once.") % {
        "row": earlier
    }


def _within_quota(
    decisions: list[Decision], programme: Programme, errors_by_row: dict[int, list[RowError]]
) -> list[Decision]:
    """The decisions that fit their regency's quota, in row order; the others are rejected.

    A regency without a quota for the programme is not limited here: verification refuses it later.
    """
    regencies = {d.village[:5] for d in decisions}
    quotas = dict(
        RegencyQuota.objects.filter(programme=programme, regency_id__in=regencies).values_list("regency_id", "quota")
    )
    left = {code: quota - taken for code, (quota, taken) in _quota_use(programme, quotas).items()}
    names = dict(Region.objects.filter(code__in=quotas).values_list("code", "name"))
    accepted = []
    for decision in decisions:
        regency = decision.village[:5]
        if regency in left:
            if left[regency] <= 0:
                errors_by_row[decision.candidate.row] = [
                    RowError(
                        decision.candidate.row,
                        decision.candidate.columns.get("village_code") or decision.candidate.columns.get("village", ""),
                        # The registry's sentence (enrolment_verify), so that it reads the same everywhere.
                        ngettext(
                            "The quota of %(quota)s worker for %(regency)s in programme %(code)s is full.",
                            "The quota of %(quota)s workers for %(regency)s in programme %(code)s is full.",
                            quotas[regency],
                        )
                        % {"quota": quotas[regency], "regency": names.get(regency, regency), "code": programme.code},
                    )
                ]
                continue
            left[regency] -= 1
        accepted.append(decision)
    return accepted


def _quota_use(programme: Programme, quotas: dict[str, int]) -> dict[str, tuple[int, int]]:
    taken = quota_taken(programme, list(quotas), IMPORT_QUOTA_STATUSES)
    return {code: (quota, taken.get(code, 0)) for code, quota in quotas.items()}


def _bulk_create[M: models.Model](model: type[M], objects: Iterable[M]) -> list[M]:
    """One batch INSERT; the only way this module writes rows (tests interrupt it here)."""
    return model.objects.bulk_create(list(objects))  # type: ignore[attr-defined]


def _write(
    actor: User,
    programme: Programme,
    file_name: str,
    result: ImportResult,
    accepted: list[Decision],
    batch: ImportBatch | None,
) -> ImportBatch:
    try:
        with transaction.atomic():
            # One import of a programme at a time: the quota counted above cannot be taken twice.
            Programme.objects.select_for_update().get(pk=programme.pk)
            _recheck_quota(programme, accepted)
            batch = batch or ImportBatch(
                programme=programme, uploaded_by=actor, region_code=actor.region_id or "", file_name=file_name[:255]
            )
            batch.status = ImportStatus.COMPLETED
            batch.rows_read = batch.rows = result.rows
            batch.imported, batch.skipped, batch.rejected = result.imported, result.skipped, result.rejected
            batch.errors = [error.as_dict() for error in result.errors]
            batch.save()
            _write_rows(actor, programme, batch, accepted)
            audit_record(
                actor=actor,
                action="import.completed",
                obj=batch,
                region_code=actor.region_id or "",
                changes={
                    "programme": [None, programme.code],
                    "file_name": [None, batch.file_name],
                    **{key: [None, getattr(result, key)] for key in ("rows", "imported", "skipped", "rejected")},
                },
            )
    except IntegrityError:
        raise ImportFileError(
            gettext(
                "Some of these workers were registered or proposed by someone else while the file was being "
                "checked. Nothing was imported; upload the file again."
            )
        ) from None
    return batch


def _recheck_quota(programme: Programme, accepted: list[Decision]) -> None:
    wanted = Counter(d.village[:5] for d in accepted)
    quotas = dict(
        RegencyQuota.objects.filter(programme=programme, regency_id__in=wanted).values_list("regency_id", "quota")
    )
    for code, (quota, taken) in _quota_use(programme, quotas).items():
        if taken + wanted[code] > quota:
            raise ImportFileError(
                gettext(
                    "Other proposals took places in the quota while the file was being checked. Nothing was "
                    "imported; upload the file again."
                )
            )


def _write_rows(actor: User, programme: Programme, batch: ImportBatch, accepted: list[Decision]) -> None:
    note = f"{programme.code} · import #{batch.pk}"
    for chunk in batched(accepted, WRITE_BATCH):
        new = [d for d in chunk if d.worker_id is None]
        workers = [
            Worker(nik=d.candidate.nik, village_id=d.village, created_by=actor, **d.candidate.values) for d in new
        ]
        for worker in workers:
            worker.stamp_region()
        # The decisions are not changed, so that a failed write leaves them as they were for a retry.
        created = {d.candidate.row: w.pk for d, w in zip(new, _bulk_create(Worker, workers), strict=True)}
        worker_of = {d.candidate.row: d.worker_id or created[d.candidate.row] for d in chunk}
        _bulk_create(
            Heir,
            (
                Heir(worker_id=worker_of[d.candidate.row], name=d.candidate.heir[0], relation=d.candidate.heir[1])
                for d in new
                if d.candidate.heir
            ),
        )
        enrolments = [
            Enrolment(
                worker_id=worker_of[d.candidate.row], programme=programme, status=Status.PROPOSED, village_id=d.village
            )
            for d in chunk
        ]
        for enrolment in enrolments:
            enrolment.stamp_region()
        enrolments = _bulk_create(Enrolment, enrolments)
        entries = [
            _entry(
                actor,
                "worker.registered",
                ("workers.worker", created[d.candidate.row], d.village, note),
                {"nik": [None, nik_mask(d.candidate.nik)], "village": [None, d.village]},
            )
            for d in new
        ]
        entries += [
            _entry(
                actor,
                "enrolment.proposed",
                ("enrolments.enrolment", e.pk, e.village_id, note),
                {
                    "status": [None, str(Status.PROPOSED)],
                    "programme": [None, programme.code],
                    "worker": [None, e.worker_id],
                },
            )
            for e in enrolments
        ]
        _bulk_create(AuditEntry, entries)


def _entry(actor: User, action: str, about: tuple[str, Any, str, str], changes: dict[str, Any]) -> AuditEntry:
    """An audit entry like ``audit_record`` writes, built for ``bulk_create``: (object type, id, region, note)."""
    object_type, pk, region, note = about
    return AuditEntry(
        actor=actor,
        actor_username=actor.get_username(),
        action=action,
        object_type=object_type,
        object_id=str(pk),
        region_code=region,
        changes=changes,
        note=note,
    )


def import_errors_export(*, actor: User, batch: ImportBatch, out: Any) -> None:
    """Write an upload's error file (its rejected rows, as uploaded) to ``out`` and audit it as an export of
    workers' data. The caller found ``batch`` through the actor's scope."""
    require(actor, Action.ENROLMENT_PROPOSE)
    errors: dict[int, list[RowError]] = {}
    for error in batch.errors:
        errors.setdefault(error["row"], []).append(RowError(error["row"], error["column"], error["message"]))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="worker.exported",
            obj=batch,
            region_code=actor.region_id or "",
            changes={"import_errors": [None, batch.pk], "rows": [None, len(errors)]},
        )
    with source_copy(batch) as path:
        errors_write(path, errors, out)


@contextmanager
def source_copy(batch: ImportBatch) -> Iterator[Path]:
    """The upload's stored file as a local temporary file (the storage may be remote), removed afterwards."""
    suffix = Path(batch.source.name or "").suffix.lower()
    with batch.source.open("rb") as f, tempfile.NamedTemporaryFile(suffix=suffix) as copy:
        shutil.copyfileobj(f, copy)
        copy.flush()
        yield Path(copy.name)
