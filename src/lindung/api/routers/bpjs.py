"""``/api/v1/bpjs/batches``: the batch exchange with BPJS, as the web's ``/kepesertaan/bpjs/batch/``
(``lindung.enrolments.batch_views``) and its send step (``enrolments.views.enrolment_send_view``).

- A batch is listed and read by who may send batches or record BPJS's answers (``bpjs.require_exchange``),
  within their region (``enrolments.selectors.bpjs_batches``); ``state`` is ``sent`` (no answer yet),
  ``partial`` or ``answered``.
- ``POST`` puts a programme's verified enrolments in the caller's region in a new batch, its file kept
  (``bpjs.bpjs_batch_create``); ``/file`` hands that file out again byte for byte, audited as an export of
  personal data (``bpjs.bpjs_batch_download``); ``/answer`` takes BPJS's answer (KPJ numbers or rejections)
  to the batch with the web's checks and bounds (``bpjs.bpjs_result_import``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require
from lindung.api.conventions import PAGE_DEFAULT, Page, keyset_page, with_etag
from lindung.api.problems import ApiProblem, Problem
from lindung.enrolments import services
from lindung.enrolments.bpjs import (
    AnswerResult,
    BatchFileError,
    bpjs_batch_create,
    bpjs_batch_download,
    bpjs_batch_file_name,
    bpjs_result_import,
    require_exchange,
)
from lindung.enrolments.models import BpjsBatch
from lindung.enrolments.selectors import bpjs_batches
from lindung.inputs import KeyChoiceField
from lindung.programmes.models import Programme
from lindung.spreadsheets.fields import SpreadsheetFileField
from lindung.spreadsheets.limits import ImportFileError
from lindung.web.uploads import upload_on_disk

router = Router(tags=["bpjs"])


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

State = Literal["sent", "partial", "answered"]


class BatchOut(Schema):
    id: int
    programme: int
    programme_code: str
    number: int
    created_at: dt.datetime
    region_code: str
    count: int  # enrolments sent in it
    waiting: int  # still waiting for BPJS's answer
    answered: int
    state: State
    file_name: str | None  # null: sent before Lindung kept batch files (no download)
    sha256: str | None


class BatchFilter(Schema):
    programme: int | None = None
    cursor: str | None = None
    limit: int = PAGE_DEFAULT


class BatchCreateIn(Schema):
    programme: int


class AnswerErrorOut(Schema):
    row: int
    field: str
    message: str


class AnswerErrorCountOut(Schema):
    field: str
    message: str
    count: int


class AnswerOut(Schema):
    rows: int
    activated: int
    rejected: int
    unchanged: int  # BPJS's answer already recorded (the same file again)
    error_rows: int  # rows not applied; the first ones are in ``errors``, all counted in ``error_counts``
    errors: list[AnswerErrorOut]
    error_counts: list[AnswerErrorCountOut]
    batch: BatchOut


def _state(count: int, waiting: int) -> str:
    if waiting == 0:
        return "answered"
    return "sent" if waiting >= count else "partial"


def _shape(batch: BpjsBatch) -> dict[str, Any]:
    waiting: int = batch.waiting  # type: ignore[attr-defined]  # annotated by bpjs_batches
    return {
        "id": batch.pk,
        "programme": batch.programme_id,
        "programme_code": batch.programme.code,
        "number": batch.number,
        "created_at": batch.created_at,
        "region_code": batch.region_code,
        "count": batch.count,
        "waiting": waiting,
        "answered": max(batch.count - waiting, 0),
        "state": _state(batch.count, waiting),
        "file_name": bpjs_batch_file_name(batch) if batch.file else None,
        "sha256": batch.sha256 or None,
    }


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # the bearer token made it one
    return user


def _batches(user: User) -> QuerySet[BpjsBatch]:
    return bpjs_batches(user=user)


def _batch_or_404(user: User, pk: int) -> BpjsBatch:
    batch: BpjsBatch = get_object_or_404(_batches(user), pk=pk)
    return batch


@router.get("/batches", response=Page[BatchOut], summary="List the BPJS batches of your region, newest first")
def batch_list(request: HttpRequest, filters: Query[BatchFilter]) -> dict[str, Any]:
    user = _user(request)
    require_exchange(user)
    batches = _batches(user)
    if filters.programme is not None:
        batches = batches.filter(programme_id=filters.programme)
    rows, next_cursor = keyset_page(batches, cursor=filters.cursor, limit=filters.limit)
    return {"items": [_shape(batch) for batch in rows], "next_cursor": next_cursor}


@router.post(
    "/batches",
    response={201: BatchOut, 422: Problem},
    summary="Send a programme's verified enrolments of your region to BPJS in a new batch",
)
def batch_create(request: HttpRequest, response: HttpResponse, payload: BatchCreateIn) -> Status[dict[str, Any]]:
    """As the web's send step: every verified enrolment of the programme in the caller's region goes in the
    next numbered batch, whose file is kept (download it at ``/file``). Nothing waiting: refused, nothing
    written."""
    user = _user(request)
    require(user, Action.ENROLMENT_SEND)
    field = KeyChoiceField(queryset=Programme.objects.all())
    try:
        programme: Programme = field.clean(payload.programme)
    except forms.ValidationError as exc:
        message = " ".join(str(m) for m in exc.messages)
        raise ApiProblem(422, "refused", message, errors=[{"field": "programme", "message": message}]) from None
    batch = bpjs_batch_create(actor=user, programme=programme)
    if batch is None:
        message = _("Programme %(code)s has no verified enrolment waiting; no batch was written.") % {
            "code": programme.code
        }
        raise ApiProblem(422, "refused", message, errors=[{"field": "programme", "message": message}])
    response["Location"] = f"/api/v1/bpjs/batches/{batch.pk}"
    return Status(201, _shape(_batch_or_404(user, batch.pk)))


@router.get(
    "/batches/{int:batch_id}",
    response={200: BatchOut, 404: Problem},
    summary="One BPJS batch",
)
def batch_read(request: HttpRequest, response: HttpResponse, batch_id: int) -> dict[str, Any]:
    user = _user(request)
    require_exchange(user)
    data = _shape(_batch_or_404(user, batch_id))
    with_etag(response, data)
    return data


@router.get(
    "/batches/{int:batch_id}/file",
    response={404: Problem, 409: Problem},
    summary="The batch's file as BPJS received it (XLSX, whole NIKs: each download is audited)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The batch's registration file, byte for byte (its SHA-256 is the batch's sha256)",
                "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
            },
        }
    },
)
def batch_file(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The file holds whole NIKs, birth dates and mothers' names: each download is written in the audit log as
    an export of workers' data, as on the web. A batch sent before files were kept has none (404)."""
    user = _user(request)
    require_exchange(user)
    batch = _batch_or_404(user, batch_id)
    if not batch.file:
        raise Http404
    answer = HttpResponse(content_type=XLSX)
    try:
        bpjs_batch_download(actor=user, batch=batch, out=answer)
    except BatchFileError as exc:
        raise ApiProblem(409, "batch-file", exc.message) from None
    answer["Content-Disposition"] = f'attachment; filename="{bpjs_batch_file_name(batch)}"'
    answer["Cache-Control"] = "no-store"
    return answer


class _AnswerForm(forms.Form):
    """The batch page's answer form: a ``.xlsx`` or ``.csv`` within the upload size limit."""

    file = SpreadsheetFileField()


def _answer_shape(result: AnswerResult, batch: BpjsBatch) -> dict[str, Any]:
    return {
        "rows": result.rows,
        "activated": result.activated,
        "rejected": result.rejected,
        "unchanged": result.unchanged,
        "error_rows": result.error_rows,
        "errors": [{"row": e.row, "field": e.column, "message": e.message} for e in result.errors],
        "error_counts": [{"field": c.column, "message": c.message, "count": c.count} for c in result.error_counts],
        "batch": _shape(batch),
    }


@router.post(
    "/batches/{int:batch_id}/answer",
    response={200: AnswerOut, 404: Problem, 409: Problem, 413: Problem, 422: Problem},
    summary="Upload BPJS's answer to a batch: KPJ numbers of the accepted, reasons of the rejected",
)
def batch_answer(request: HttpRequest, batch_id: int, file: File[UploadedFile]) -> dict[str, Any]:
    """The columns NIK, No KPJ, Status (diterima/ditolak), Alasan and Tanggal Mulai, as on the web; only the
    batch's enrolments are changed (a row about another worker is an error of its row). A row already
    answered is ``unchanged``: the same file twice changes nothing."""
    user = _user(request)
    require(user, Action.ENROLMENT_ACTIVATE)
    batch = _batch_or_404(user, batch_id)
    form = _AnswerForm(request.POST, request.FILES)
    if not form.is_valid():
        message = " ".join(str(m) for m in form.errors.get("file", [])) or _("This field is required.")
        too_large = file.size is not None and file.size > settings.LINDUNG_IMPORT_MAX_BYTES
        raise ApiProblem(
            413 if too_large else 422, "file-refused", message, errors=[{"field": "file", "message": message}]
        )
    with upload_on_disk(form.cleaned_data["file"], prefix="lindung-bpjs-", stem="answer") as path:
        try:
            result = bpjs_result_import(actor=user, path=path, batch=batch)
        except ImportFileError as exc:
            raise ApiProblem(
                422, "file-refused", exc.message, errors=[{"field": "file", "message": exc.message}]
            ) from None
        except (services.EnrolmentError, Http404):
            # Somebody changed one of these enrolments between the check and the write; nothing was written.
            raise ApiProblem(
                409, "changed", _("The enrolments changed while the file was read; nothing was written. Retry.")
            ) from None
    return _answer_shape(result, _batch_or_404(user, batch_id))
