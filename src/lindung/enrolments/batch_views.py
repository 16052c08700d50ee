"""The BPJS batches: the list of every batch in the user's region, one batch's page, its file downloaded again
byte for byte (an audited POST, ``lindung.web.downloads``) and BPJS's answer to it. The rules live in ``bpjs``."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require, signed_in_user, user_can
from lindung.enrolments import services
from lindung.enrolments.bpjs import (
    AnswerResult,
    BatchFileError,
    bpjs_batch_download,
    bpjs_batch_file_name,
    bpjs_result_import,
    require_exchange,
)
from lindung.enrolments.models import BpjsBatch
from lindung.enrolments.selectors import bpjs_batches
from lindung.spreadsheets.fields import SpreadsheetFileField
from lindung.spreadsheets.limits import ImportFileError
from lindung.web.downloads import download_methods, download_page
from lindung.web.pagination import CappedPaginator
from lindung.web.uploads import upload_on_disk

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class BatchAnswerForm(forms.Form):
    file = SpreadsheetFileField(label=gettext_lazy("BPJS's answer to this batch (.xlsx or .csv)"))


@dataclass(frozen=True)
class BatchRow:
    """A batch as the pages show it: ``state`` is ``sent`` (no answer yet), ``partial`` or ``answered``."""

    batch: BpjsBatch
    waiting: int

    @property
    def answered(self) -> int:
        return max(self.batch.count - self.waiting, 0)

    @property
    def state(self) -> str:
        if self.waiting == 0:
            return "answered"
        return "sent" if self.waiting >= self.batch.count else "partial"

    @property
    def state_label(self) -> str:
        return {
            "sent": _("Sent, waiting for BPJS"),
            "partial": _("Answered in part"),
            "answered": _("Answered"),
        }[self.state]


def _batch_or_404(user: User, pk: int) -> BatchRow:
    batch = get_object_or_404(bpjs_batches(user=user), pk=pk)
    return BatchRow(batch, batch.waiting)  # type: ignore[attr-defined]  # annotated by bpjs_batches


@login_required
def batch_list_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    require_exchange(user)
    page = CappedPaginator(bpjs_batches(user=user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [BatchRow(batch, batch.waiting) for batch in page]
    return render(request, "enrolments/batch_list.html", {"page": page, "rows": rows})


@login_required
def batch_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    require_exchange(user)
    return _render_detail(request, user, _batch_or_404(user, pk))


@login_required
@download_methods
def batch_download_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The batch's kept file, byte for byte, to a POST (whole NIKs: an audited export); a GET gets the button."""
    user = signed_in_user(request)
    require_exchange(user)
    row = _batch_or_404(user, pk)
    if not row.batch.file:
        raise Http404
    filename = bpjs_batch_file_name(row.batch)
    if request.method != "POST":
        return download_page(request, name=filename)
    response = HttpResponse(content_type=XLSX)
    try:
        bpjs_batch_download(actor=user, batch=row.batch, out=response)
    except BatchFileError as exc:
        messages.error(request, exc.message)
        return redirect("enrolments:batch_detail", pk=row.batch.pk)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_POST
def batch_answer_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    require(user, Action.ENROLMENT_ACTIVATE)
    row = _batch_or_404(user, pk)
    form = BatchAnswerForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_detail(request, user, row, form=form, status=400)
    with upload_on_disk(form.cleaned_data["file"], prefix="lindung-bpjs-", stem="answer") as path:
        try:
            result = bpjs_result_import(actor=user, path=path, batch=row.batch)
        except ImportFileError as exc:
            form.add_error("file", exc.message)
            return _render_detail(request, user, row, form=form, status=400)
        except (services.EnrolmentError, Http404):
            # Somebody changed one of these enrolments between the check and the write; nothing was written.
            form.add_error("file", _("The enrolments changed while the file was read; nothing was written. Retry."))
            return _render_detail(request, user, row, form=form, status=400)
    return _render_detail(request, user, _batch_or_404(user, pk), result=result)


def _render_detail(
    request: HttpRequest,
    user: User,
    row: BatchRow,
    *,
    form: forms.Form | None = None,
    result: AnswerResult | None = None,
    status: int = 200,
) -> HttpResponse:
    can_answer = user_can(user, Action.ENROLMENT_ACTIVATE) and row.waiting > 0
    context = {
        "row": row,
        "batch": row.batch,
        "filename": bpjs_batch_file_name(row.batch),
        "form": (form or BatchAnswerForm()) if can_answer or form is not None else None,
        "result": result,
    }
    return render(request, "enrolments/batch_detail.html", context, status=status)
