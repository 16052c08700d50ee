"""``/api/v1/imports``: spreadsheet uploads of proposals, as the web's ``/impor/`` (``lindung.imports.views``).

- ``POST`` takes a CSV or XLSX (multipart: ``programme``, ``file``) with the upload page's own form
  (``imports.forms.UploadForm``: an open programme of the caller's region, the suffix and the size limit), then
  ``imports.jobs.import_enqueue`` checks the file as a whole and queues its job. A file beyond a bound or that
  cannot be read is refused with a problem naming the field ``file``; nothing is queued.
- ``GET`` lists the uploads of the caller's region (as the upload page's recent uploads), one reads an upload's
  status, progress and counts (as its page), and ``/rows`` lists the rejected rows it kept, with their errors
  and the field (the column) each is about.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require
from lindung.api.conventions import PAGE_DEFAULT, PAGE_MAX, Page, keyset_page, with_etag
from lindung.api.problems import ApiProblem, Problem
from lindung.imports.forms import UploadForm
from lindung.imports.jobs import import_enqueue
from lindung.imports.models import ImportBatch
from lindung.imports.selectors import import_batches, programmes_open_to
from lindung.spreadsheets.limits import ImportFileError
from lindung.web.uploads import upload_on_disk

router = Router(tags=["imports"])


ImportState = Literal["queued", "running", "completed", "failed"]


class ErrorCountOut(Schema):
    field: str
    message: str  # empty: the problems beyond the ones counted one by one
    count: int


class ImportOut(Schema):
    id: int
    programme: int
    programme_code: str
    file_name: str
    status: ImportState
    uploaded_at: dt.datetime
    uploaded_by: str
    language: str  # the language of ``message`` and of the rows' errors (the uploader's)
    message: str  # why it failed
    rows_read: int  # progress while it runs
    rows: int
    imported: int
    skipped: int
    rejected: int


class ImportDetailOut(ImportOut):
    rejected_listed: int  # the rejected rows kept with their errors (``/rows``)
    rejected_not_listed: int  # rejected beyond those, counted in ``error_counts``
    error_counts: list[ErrorCountOut]


class RowErrorOut(Schema):
    field: str
    message: str


class RowOutcomeOut(Schema):
    row: int  # the row's number in the file (the header is row 1)
    outcome: Literal["rejected"]
    errors: list[RowErrorOut]


class ImportFilter(Schema):
    status: ImportState | None = None
    programme: int | None = None
    cursor: str | None = None
    limit: int = PAGE_DEFAULT


class RowsFilter(Schema):
    cursor: str | None = None
    limit: int = PAGE_DEFAULT


def _shape(batch: ImportBatch) -> dict[str, Any]:
    return {
        "id": batch.pk,
        "programme": batch.programme_id,
        "programme_code": batch.programme.code,
        "file_name": batch.file_name,
        "status": batch.status,
        "uploaded_at": batch.uploaded_at,
        "uploaded_by": batch.uploaded_by.get_username(),
        "language": batch.language,
        "message": batch.message,
        "rows_read": batch.rows_read,
        "rows": batch.rows,
        "imported": batch.imported,
        "skipped": batch.skipped,
        "rejected": batch.rejected,
    }


def _by_row(batch: ImportBatch) -> dict[int, list[dict[str, Any]]]:
    by_row: dict[int, list[dict[str, Any]]] = {}
    for error in batch.errors:
        by_row.setdefault(int(error["row"]), []).append(error)
    return by_row


def _detail(batch: ImportBatch) -> dict[str, Any]:
    listed = len(_by_row(batch))
    return {
        **_shape(batch),
        "rejected_listed": listed,
        "rejected_not_listed": max(batch.rejected - listed, 0),
        "error_counts": [
            {"field": count["column"], "message": count["message"], "count": count["count"]}
            for count in batch.error_counts
        ],
    }


def _refused_file(message: str) -> ApiProblem:
    return ApiProblem(422, "file-refused", message, errors=[{"field": "file", "message": message}])


@router.post(
    "",
    response={202: ImportDetailOut, 413: Problem, 422: Problem},
    summary="Upload a spreadsheet of proposals (CSV or XLSX); its import runs in the background",
)
def import_create(
    request: HttpRequest, response: HttpResponse, programme: Form[int], file: File[UploadedFile]
) -> Status[dict[str, Any]]:
    """The upload page's checks: the programme open to proposals in the caller's region, a ``.xlsx`` or
    ``.csv`` within the upload size limit, readable with its header and a data row. Then the import is
    queued: follow it at the ``Location`` answered."""
    user = request.user
    assert isinstance(user, User)
    require(user, Action.ENROLMENT_PROPOSE)
    form = UploadForm(request.POST, request.FILES, programmes=programmes_open_to(user=user))
    if not form.is_valid():
        errors = [
            {"field": name if name != "__all__" else "body", "message": str(message)}
            for name, messages in form.errors.items()
            for message in messages
        ]
        detail = errors[0]["message"] if len(errors) == 1 else _("The request has values that are not valid.")
        # A file beyond the upload size limit is 413 (Content Too Large); any other refusal 422.
        too_large = "file" in form.errors and file.size is not None and file.size > settings.LINDUNG_IMPORT_MAX_BYTES
        raise ApiProblem(413 if too_large else 422, "refused", detail, errors=errors)
    upload = form.cleaned_data["file"]
    with upload_on_disk(upload, prefix="lindung-import-", stem="upload") as path:
        try:
            batch = import_enqueue(
                actor=user,
                programme=form.cleaned_data["programme"],
                path=path,
                file_name=upload.name or "",
                language=translation.get_language() or "id",
            )
        except ImportFileError as exc:
            raise _refused_file(exc.message) from None
    batch = import_batches(user=user).get(pk=batch.pk)
    response["Location"] = f"/api/v1/imports/{batch.pk}"
    return Status(202, _detail(batch))


@router.get("", response=Page[ImportOut], summary="List the uploads of your region, newest first")
def import_list(request: HttpRequest, filters: Query[ImportFilter]) -> dict[str, Any]:
    """As the upload page lists the recent uploads: to who may propose, the uploads made in their region."""
    user = request.user
    assert isinstance(user, User)
    require(user, Action.ENROLMENT_PROPOSE)
    batches = import_batches(user=user).defer("errors", "error_counts")
    if filters.status:
        batches = batches.filter(status=filters.status)
    if filters.programme is not None:
        batches = batches.filter(programme_id=filters.programme)
    rows, next_cursor = keyset_page(batches, cursor=filters.cursor, limit=filters.limit)
    return {"items": [_shape(batch) for batch in rows], "next_cursor": next_cursor}


def _batch_or_404(request: HttpRequest, pk: int) -> ImportBatch:
    user = request.user
    assert isinstance(user, User)
    require(user, Action.WORKER_VIEW)  # as the upload's page
    batch: ImportBatch = get_object_or_404(import_batches(user=user), pk=pk)
    return batch


@router.get(
    "/{int:import_id}",
    response={200: ImportDetailOut, 404: Problem},
    summary="One upload: its status, progress and counts",
)
def import_read(request: HttpRequest, response: HttpResponse, import_id: int) -> dict[str, Any]:
    """``status`` is ``queued``, ``running`` (``rows_read`` grows), ``completed`` (the counts) or ``failed``
    (``message`` says why, in ``language``; nothing was written)."""
    data = _detail(_batch_or_404(request, import_id))
    with_etag(response, data)
    return data


def _row_cursor_decode(cursor: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4)).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        message = _("The cursor is not one this API gave.")
        raise ApiProblem(400, "cursor", message, errors=[{"field": "cursor", "message": message}]) from None


def _row_cursor_encode(row: int) -> str:
    return base64.urlsafe_b64encode(str(row).encode()).decode().rstrip("=")


@router.get(
    "/{int:import_id}/rows",
    response={200: Page[RowOutcomeOut], 404: Problem},
    summary="The rejected rows an upload kept, with their errors and fields, in row order",
)
def import_rows(request: HttpRequest, import_id: int, filters: Query[RowsFilter]) -> dict[str, Any]:
    """The first rejected rows (``LINDUNG_IMPORT_MAX_ERRORS`` at most) whole, as the upload's page lists them;
    the rest are counted in the upload's ``error_counts``. Each error names the column (``field``) it is about;
    its message is in the upload's ``language``."""
    batch = _batch_or_404(request, import_id)
    by_row = _by_row(batch)
    numbers = sorted(by_row)
    if filters.cursor:
        after = _row_cursor_decode(filters.cursor)
        numbers = [number for number in numbers if number > after]
    limit = max(1, min(filters.limit, PAGE_MAX))
    page = numbers[:limit]
    items = [
        {
            "row": number,
            "outcome": "rejected",
            "errors": [{"field": error["column"], "message": error["message"]} for error in by_row[number]],
        }
        for number in page
    ]
    next_cursor = _row_cursor_encode(page[-1]) if len(numbers) > limit else None
    return {"items": items, "next_cursor": next_cursor}
