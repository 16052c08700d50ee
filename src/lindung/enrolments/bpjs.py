"""The batch exchange with BPJS: the registration file of a new batch, and BPJS's answer to it.

``bpjs_batch_create`` puts a programme's verified enrolments in the next batch (``enrolment_send``) and
keeps the file BPJS needs for a BPU registration in storage, in one transaction; ``bpjs_batch_download``
hands that file out again, byte for byte (checked against its SHA-256), as an audited export.
``bpjs_result_import`` reads BPJS's answer (with the reader, header matching and cell readers of every
upload, ``lindung.spreadsheets``), for one batch or for any sent enrolment in the user's region, and
activates or rejects each sent enrolment with ``enrolment_settle_bulk``. Both can be run twice: the second
run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import os
import re
from contextlib import closing
from dataclasses import dataclass, field
from itertools import batched
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require, user_can
from lindung.accounts.scope import scope_of, scope_queryset
from lindung.audit.services import audit_record
from lindung.enrolments.models import BpjsBatch, Enrolment, Status
from lindung.enrolments.services import (
    KPJ_PATTERN,
    KPJ_REFUSED,
    BpjsActivation,
    BpjsRejection,
    EnrolmentError,
    enrolment_send,
    enrolment_settle_bulk,
)
from lindung.programmes.models import Programme
from lindung.spreadsheets.cells import TEXT_MARKS, CellError, clean_date, text
from lindung.spreadsheets.columns import Column, match_columns
from lindung.spreadsheets.errors import ErrorCount, RowError, RowErrors
from lindung.spreadsheets.limits import ImportFileError
from lindung.spreadsheets.reading import table_open
from lindung.spreadsheets.writing import workbook_new
from lindung.workers.nik import nik_from_cell

logger = logging.getLogger(__name__)

# The batches' files, in the storage's folder ``bpjs/<programme id>/`` (inside ``LINDUNG_DATA_DIR/media``, which
# the backup carries).
BATCH_FOLDER = "bpjs"

# The registration file's columns: (header, formatted as text). Headers are BPJS's, in Indonesian.
EXPORT_HEADERS: tuple[tuple[str, bool], ...] = (
    ("NIK", True),
    ("Nama Lengkap", False),
    ("Tempat Lahir", False),
    ("Tanggal Lahir", False),
    ("Jenis Kelamin", False),
    ("Alamat", False),
    ("Kode Desa", True),
    ("No HP", True),
    ("No KK", True),
    ("Nama Ibu Kandung", False),
    ("Pekerjaan", False),
    # Two incomes, each named for what it is: the one the programme pays contributions on (the same for every
    # worker of the programme) and the one the worker declared. One column "Penghasilan" held the first and
    # read as the second.
    ("Upah Dasar Iuran Program (Rp)", False),
    ("Penghasilan Pekerja (Rp)", False),
    ("Program", False),
    ("No Batch", False),
    ("Kode Program", False),
)

# BPJS's answer. The first header of each is the one we suggest; matched as every upload's headers are.
ANSWER_COLUMNS: tuple[Column, ...] = (
    Column("nik", ("NIK", "No KTP", "Nomor Induk Kependudukan"), text=True),
    Column("kpj", ("No KPJ", "KPJ", "Nomor KPJ", "No Kepesertaan", "KPJ Number"), text=True),
    Column("status", ("Status", "Hasil", "Status Kepesertaan")),
    Column("reason", ("Alasan", "Keterangan", "Reason", "Alasan Penolakan")),
    Column("coverage_start", ("Tanggal Mulai", "Tgl Kepesertaan", "Tanggal Kepesertaan", "Coverage Start")),
    Column("programme", ("Kode Program", "Programme", "Program Code")),
)
ANSWER_REQUIRED = ("nik", "kpj", "status")
ACCEPTED = frozenset({"diterima", "terima", "accepted", "accept"})
REJECTED = frozenset({"ditolak", "tolak", "rejected", "reject"})
_KPJ_SEPARATORS = re.compile(r"[\s.\-]")


def _labels() -> dict[str, str]:
    return {
        "nik": gettext("NIK"),
        "kpj": gettext("KPJ number"),
        "status": gettext("Status"),
        "reason": gettext("Reason"),
        "coverage_start": gettext("Coverage start"),
        "programme": gettext("Programme"),
    }


# --- export ------------------------------------------------------------------------------------


def bpjs_batch_create(*, actor: User, programme: Programme) -> BpjsBatch | None:
    """Put ``programme``'s verified enrolments in the actor's scope in a new batch and keep its file.

    1. ``enrolment_send`` locks the programme, numbers the batch and marks its enrolments sent.
    2. Under that lock no other batch of the programme is being written: any file in the programme's folder
       that no batch names is left by a transaction that failed after writing it (a killed process), and goes.
    3. The file is written to storage and flushed to disk, its name and SHA-256 recorded on the batch, and the
       batch audited, all before the transaction commits.

    If anything fails, the transaction is undone (the enrolments stay verified) and the file, if written, is
    removed: never a batch without its file, nor a file without its batch. ``None`` (and nothing written) when
    no verified enrolment is waiting.
    """
    require(actor, Action.ENROLMENT_SEND)
    written: list[str] = []
    try:
        with transaction.atomic():
            try:
                batch = enrolment_send(actor=actor, programme=programme)
            except EnrolmentError:
                # The only refusal for a whole programme: nothing verified is waiting. Its savepoint is undone.
                return None
            _orphans_remove(programme)
            _file_keep(batch, written)
            audit_record(
                actor=actor,
                action="bpjs.exported",
                obj=batch,
                region_code=actor.region_id or "",
                changes={"batch": [None, batch.number], "rows": [None, batch.count], "sha256": [None, batch.sha256]},
                note=batch.programme.code,
            )
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise
    return batch


def bpjs_batch_download(*, actor: User, batch: BpjsBatch, out: IO[bytes] | Any) -> None:
    """Write ``batch``'s kept file to ``out``, byte for byte, and audit it as an export of workers' data.

    The file is read and its SHA-256 checked before anything is written or audited: a damaged or missing file
    raises ``BatchFileError`` rather than hand BPJS something else than what the batch holds.
    """
    require_exchange(actor)
    if not scope_of(actor).covers(batch.region_code):
        raise Http404
    content = bpjs_batch_content(batch)
    # The file holds whole NIKs, birth dates and mothers' names: each download is an export of personal data.
    audit_record(
        actor=actor,
        action="worker.exported",
        obj=batch,
        region_code=actor.region_id or "",
        changes={"bpjs_batch": [None, f"{batch.programme.code} #{batch.number}"], "rows": [None, batch.count]},
    )
    out.write(content)


def bpjs_batch_content(batch: BpjsBatch) -> bytes:
    """The kept file's bytes, checked against the SHA-256 recorded when the batch was created."""
    if not batch.file:
        raise BatchFileError(gettext("This batch was sent before Lindung kept batch files; it has no file."))
    try:
        # Through the storage, not the field's file: that one is kept open or cached between reads.
        with default_storage.open(str(batch.file.name), "rb") as f:
            content: bytes = f.read()
    except OSError:
        logger.error("bpjs batch %s: its file cannot be read", batch.pk)
        raise BatchFileError(gettext("The file of this batch cannot be read; tell the administrator.")) from None
    if hashlib.sha256(content).hexdigest() != batch.sha256:
        logger.error("bpjs batch %s: its file does not match its checksum", batch.pk)
        raise BatchFileError(gettext("The file of this batch is damaged; tell the administrator.")) from None
    return content


def bpjs_batch_file_name(batch: BpjsBatch) -> str:
    """The name a download of the batch is given."""
    return f"bpjs-{batch.programme.code}-batch-{batch.number}.xlsx"


def bpjs_export(*, actor: User, programme: Programme, out: Path | IO[bytes] | Any) -> BpjsBatch | None:
    """A new batch (``bpjs_batch_create``) and its file written to ``out`` too (a path or a writable), for
    the command line. ``None`` (and nothing written, not even the file) when none is waiting."""
    batch = bpjs_batch_create(actor=actor, programme=programme)
    if batch is None:
        return None
    if isinstance(out, (str, Path)):
        with Path(out).open("wb") as f:
            bpjs_batch_download(actor=actor, batch=batch, out=f)
    else:
        bpjs_batch_download(actor=actor, batch=batch, out=out)
    return batch


def bpjs_batch_file_keep(*, batch: BpjsBatch) -> None:
    """Write the file of a batch that has none, from its enrolments (the demonstration's batches). In one
    transaction with the batch's update; the file goes again if that fails."""
    written: list[str] = []
    try:
        with transaction.atomic():
            batch = BpjsBatch.objects.select_for_update().select_related("programme").get(pk=batch.pk)
            if not batch.file:
                _file_keep(batch, written)
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise


class BatchFileError(Exception):
    """A batch's file is missing or damaged; ``message`` says so in the user's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def may_exchange(actor: User) -> bool:
    """Sending batches or recording BPJS's answers: either lets a user see and download the batches."""
    return user_can(actor, Action.ENROLMENT_SEND) or user_can(actor, Action.ENROLMENT_ACTIVATE)


def require_exchange(actor: User) -> None:
    if not may_exchange(actor):
        raise PermissionDenied(Action.ENROLMENT_SEND.value)


def _folder(programme: Programme) -> str:
    return f"{BATCH_FOLDER}/{programme.pk}"


def _file_keep(batch: BpjsBatch, written: list[str]) -> None:
    """Write ``batch``'s file to storage, flushed to disk, and record its name and SHA-256 on the batch; the
    stored name is appended to ``written`` as soon as it exists, for the caller to remove on failure."""
    out = io.BytesIO()
    _write_export(_export_rows(batch), out)
    content = out.getvalue()
    name = default_storage.save(f"{_folder(batch.programme)}/batch-{batch.number}.xlsx", ContentFile(content))
    written.append(name)
    _flush(name)
    batch.file.name = name
    batch.sha256 = hashlib.sha256(content).hexdigest()
    batch.save(update_fields=["file", "sha256"])


def _flush(name: str) -> None:
    """The file and its folder's entry on the disk before the transaction commits (a storage without local
    paths keeps its own promises)."""
    try:
        path = Path(default_storage.path(name))
    except NotImplementedError:
        return
    for target, flags in ((path, os.O_RDONLY), (path.parent, os.O_RDONLY | os.O_DIRECTORY)):
        fd = os.open(target, flags)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _orphans_remove(programme: Programme) -> None:
    """Remove the files in ``programme``'s folder that no batch names. The caller holds the programme's lock."""
    folder = _folder(programme)
    try:
        _folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    kept = set(BpjsBatch.objects.filter(programme=programme).exclude(file="").values_list("file", flat=True))
    for file in files:
        name = f"{folder}/{file}"
        if name not in kept:
            logger.warning("bpjs: removing %s, a file no batch names", name)
            default_storage.delete(name)


def _export_rows(batch: BpjsBatch) -> list[list[Any]]:
    programme = batch.programme
    package = ", ".join(
        name
        for name, included in (
            ("JKK", programme.includes_jkk),
            ("JKM", programme.includes_jkm),
            ("JHT", programme.includes_jht),
        )
        if included
    )
    enrolments = (
        Enrolment.objects.filter(batch=batch)
        .select_related("worker", "worker__occupation")
        .order_by("worker__village_id", "worker__name", "pk")
    )
    rows = []
    for enrolment in enrolments.iterator(chunk_size=2000):
        worker = enrolment.worker
        rows.append(
            [
                worker.nik,
                worker.name,
                worker.birth_place,
                worker.birth_date,
                worker.sex,
                worker.address,
                worker.village_id,
                _national_phone(worker.phone),
                worker.kk_number,
                worker.mother_maiden_name,
                worker.occupation.name,
                # The income the programme pays contributions on, so BPJS bills what the budget expects.
                programme.declared_income,
                worker.declared_income,
                package,
                batch.number,
                programme.code,
            ]
        )
    return rows


def _national_phone(phone: str) -> str:
    """``+6281234567890`` → ``081234567890``: as Indonesian forms write it, and a text that starts no formula
    (a leading ``+`` would be neutralised with an apostrophe, which BPJS would have to strip)."""
    return "0" + phone.removeprefix("+62") if phone.startswith("+62") else phone


def _write_export(rows: list[list[Any]], out: Path | IO[bytes] | Any) -> None:
    # Every text neutralised: a name, an address or a category typed as a formula reaches BPJS as text.
    workbook = workbook_new(out)
    bold = workbook.add_format({"bold": True})
    as_text = workbook.add_format({"num_format": "@"})
    as_date = workbook.add_format({"num_format": "dd/mm/yyyy"})
    sheet = workbook.add_worksheet("Data")
    for index, (header, is_text) in enumerate(EXPORT_HEADERS):
        sheet.write_string(0, index, header, bold)
        sheet.set_column(index, index, 20, as_text if is_text else None)
    for number, row in enumerate(rows, start=1):
        for index, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(number, index, dt.datetime.combine(value, dt.time()), as_date)
            elif EXPORT_HEADERS[index][1]:
                # Written as strings, so that no spreadsheet turns a NIK into 6.10101E+15.
                sheet.write_string(number, index, value, as_text)
            elif isinstance(value, str):
                sheet.write_string(number, index, value)
            else:
                sheet.write_number(number, index, value)
    sheet.freeze_panes(1, 0)
    workbook.close()


# --- BPJS's answer ------------------------------------------------------------------------------


AnswerError = RowError


@dataclass
class AnswerResult:
    """The answer's outcome. ``errors``: the errors of the first rows that could not be applied
    (``LINDUNG_IMPORT_MAX_ERRORS`` rows); ``error_rows`` counts them all, ``error_counts`` by column and problem."""

    rows: int = 0
    activated: int = 0
    rejected: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_rows: int = 0
    error_counts: list[ErrorCount] = field(default_factory=list)

    @property
    def error_rows_not_listed(self) -> int:
        return self.error_rows - len({error.row for error in self.errors})

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "activated": self.activated,
            "rejected": self.rejected,
            "unchanged": self.unchanged,
            "errors": [error.as_dict() for error in self.errors],
        }


@dataclass(slots=True)
class _Row:
    number: int
    nik: str = ""
    accepted: bool | None = None
    kpj: str = ""
    reason: str = ""
    coverage_start: dt.date | None = None
    programme: str = ""
    errors: list[AnswerError] = field(default_factory=list)


def bpjs_result_import(
    *, actor: User, path: Path, today: dt.date | None = None, batch: BpjsBatch | None = None
) -> AnswerResult:
    """Activate or reject the sent enrolments named in BPJS's answer file; with ``batch``, only that batch's
    (a row about a worker outside it is an error).

    1. Read and clean every row (a whole-file problem raises ``ImportFileError``); a row with an error is
       counted and set aside (the first ones with their errors, the rest by column and problem).
    2. In one transaction, find each row's enrolment through the actor's scope, under a row lock: a row
       whose enrolment already carries BPJS's answer is *unchanged*; a row without a sent enrolment, or
       with a value the enrolment cannot take, gets its error.
    3. Activate and reject the rest together with ``enrolment_settle_bulk``.
    """
    require(actor, Action.ENROLMENT_ACTIVATE)
    if batch is not None and not scope_of(actor).covers(batch.region_code):
        raise Http404
    today = today or timezone.localdate()
    errors = RowErrors(keep=settings.LINDUNG_IMPORT_MAX_ERRORS)
    rows, count = _read_answer(path, today=today, errors=errors)
    result = AnswerResult(rows=count)
    labels = _labels()
    with transaction.atomic():
        enrolments = _enrolments_by_nik(actor, {row.nik for row in rows}, batch)
        activations: list[BpjsActivation] = []
        rejections: list[BpjsRejection] = []
        kpj_owner = _kpj_owners({row.kpj for row in rows if row.accepted})
        for row in rows:
            found = enrolments.get(row.nik, [])
            if batch is not None and not found:
                row.errors.append(
                    AnswerError(
                        row.number,
                        labels["nik"],
                        gettext("No worker with this NIK is in batch %(number)s of programme %(code)s.")
                        % {"number": batch.number, "code": batch.programme.code},
                    )
                )
            else:
                _decide(row, found, kpj_owner, labels, activations, rejections, result)
            errors.add(row.errors)
        enrolment_settle_bulk(actor=actor, activations=activations, rejections=rejections)
    result.activated, result.rejected = len(activations), len(rejections)
    result.errors, result.error_rows, result.error_counts = errors.kept(), len(errors), errors.counts()
    return result


def _read_answer(path: Path, *, today: dt.date, errors: RowErrors) -> tuple[list[_Row], int]:
    """The rows without an error (their errors go to ``errors``) and the number of rows read."""
    labels = _labels()
    with closing(table_open(path)) as table:
        found = match_columns(table.headers, ANSWER_COLUMNS)
        missing = [labels[name] for name in ANSWER_REQUIRED if name not in found]
        if missing:
            raise ImportFileError(
                gettext("The file has no column for: %(columns)s. Check the header row (row 1).")
                % {"columns": ", ".join(missing)}
            )
        rows: list[_Row] = []
        count = 0
        first_row_of: dict[str, int] = {}
        for number, cells in table.rows:
            count += 1
            row = _clean_row(number, {name: cells[i] if i < len(cells) else None for name, i in found.items()}, today)
            if row.nik and not row.errors:
                earlier = first_row_of.setdefault(row.nik, number)
                if earlier != number:
                    row.errors.append(
                        AnswerError(
                            number,
                            labels["nik"],
                            gettext("This NIK is already in row %(row)d of this file.") % {"row": earlier},
                        )
                    )
            if row.errors:
                errors.add(row.errors)
            else:
                rows.append(row)
    return rows, count


def _clean_row(number: int, cells: dict[str, Any], today: dt.date) -> _Row:
    labels = _labels()
    row = _Row(number)

    def error(name: str, message: str) -> None:
        row.errors.append(AnswerError(number, labels[name], message))

    try:
        info = nik_from_cell(cells.get("nik"), today=today)
        row.nik = info.nik or ""
    except CellError as exc:
        error("nik", exc.message)
    status = text(cells.get("status")).casefold()
    if not status:
        error("status", gettext("This field is required."))
    elif status in ACCEPTED:
        row.accepted = True
    elif status in REJECTED:
        row.accepted = False
    else:
        error(
            "status",
            gettext("Write diterima (accepted) or ditolak (rejected); not %(value)s.")
            % {"value": text(cells.get("status"))},
        )
    row.reason = text(cells.get("reason"))
    row.programme = text(cells.get("programme"))
    if row.accepted:
        row.kpj = _KPJ_SEPARATORS.sub("", text(cells.get("kpj")).lstrip(TEXT_MARKS))
        if not row.kpj:
            error("kpj", gettext("This field is required."))
        elif not KPJ_PATTERN.fullmatch(row.kpj):
            error("kpj", gettext("A KPJ membership number is exactly 11 digits; not %(value)s.") % {"value": row.kpj})
        try:
            row.coverage_start = clean_date(cells.get("coverage_start"))
        except CellError as exc:
            error("coverage_start", exc.message)
    elif row.accepted is False and not row.reason:
        error("reason", gettext("Say why BPJS rejected the enrolment."))
    return row


def _enrolments_by_nik(actor: User, niks: set[str], batch: BpjsBatch | None = None) -> dict[str, list[Enrolment]]:
    """The enrolments in the actor's scope (and in ``batch``, if given) of the workers with these NIKs, locked,
    by NIK."""
    found: dict[str, list[Enrolment]] = {}
    query = Enrolment.objects.select_for_update(of=("self",)).select_related("programme", "worker")
    if batch is not None:
        query = query.filter(batch=batch)
    for chunk in batched(sorted(niks), 2000):
        for enrolment in scope_queryset(query.filter(worker__nik__in=chunk), actor).order_by("pk"):
            found.setdefault(enrolment.worker.nik, []).append(enrolment)
    return found


def _kpj_owners(kpjs: set[str]) -> dict[str, int]:
    owners: dict[str, int] = {}
    for chunk in batched(sorted(kpjs), 2000):
        owners.update(Enrolment.objects.filter(kpj__in=chunk).values_list("kpj", "worker_id"))
    return owners


def _decide(
    row: _Row,
    enrolments: list[Enrolment],
    kpj_owner: dict[str, int],
    labels: dict[str, str],
    activations: list[BpjsActivation],
    rejections: list[BpjsRejection],
    result: AnswerResult,
) -> None:
    """One row's outcome: an activation, a rejection, unchanged (BPJS's answer is already recorded) or an error."""

    def error(name: str, message: str) -> None:
        row.errors.append(AnswerError(row.number, labels[name], message))

    if row.programme:
        enrolments = [e for e in enrolments if e.programme.code.casefold() == row.programme.casefold()]
    if not enrolments:
        if row.programme:
            error("programme", gettext("This worker has no enrolment in programme %(code)s.") % {"code": row.programme})
        else:
            error("nik", gettext("No worker with this NIK is registered in your region."))
        return
    sent = [e for e in enrolments if e.status == Status.SENT]
    if len(sent) > 1:
        error("nik", gettext("This worker is in batches of several programmes; add a Kode Program column."))
        return
    if not sent:
        if any(_already_answered(e, row) for e in enrolments):
            result.unchanged += 1
            return
        statuses = ", ".join(str(Status(e.status).label) for e in enrolments)
        error(
            "nik",
            gettext("This worker has no enrolment in a batch sent to BPJS (the enrolment is %(status)s).")
            % {"status": statuses},
        )
        return
    enrolment = sent[0]
    if not row.accepted:
        rejections.append(BpjsRejection(enrolment.pk, row.reason))
        return
    assert row.coverage_start is not None  # a cleaned accepted row has one
    programme = enrolment.programme
    if not programme.coverage_start <= row.coverage_start <= programme.coverage_end:
        error(
            "coverage_start",
            gettext("Coverage must start within the programme's period, %(start)s to %(end)s.")
            % {"start": date_format(programme.coverage_start), "end": date_format(programme.coverage_end)},
        )
    owner = kpj_owner.setdefault(row.kpj, enrolment.worker_id)
    if owner != enrolment.worker_id:
        error("kpj", gettext(KPJ_REFUSED))  # the same words whoever holds it, in the user's region or not
    if not row.errors:
        activations.append(BpjsActivation(enrolment.pk, row.kpj, row.coverage_start))


def _already_answered(enrolment: Enrolment, row: _Row) -> bool:
    if enrolment.batch_id is None:
        return False
    if row.accepted:
        return enrolment.status in (Status.ACTIVE, Status.ENDED) and enrolment.kpj == row.kpj
    return enrolment.status == Status.REJECTED
