"""Enrolment pages: authorise, validate, call the service, render. The rules live in ``services``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require, signed_in_user, user_can
from lindung.accounts.scope import get_in_scope_or_404
from lindung.audit.sentences import entry_sentences
from lindung.enrolments import services
from lindung.enrolments.bpjs import AnswerResult, bpjs_batch_create, bpjs_result_import, may_exchange
from lindung.enrolments.forms import (
    ActivateForm,
    EndForm,
    EnrolmentFilterForm,
    ProposeForm,
    RejectForm,
    SendForm,
    VerifyForm,
)
from lindung.enrolments.models import EndReason, Enrolment
from lindung.enrolments.selectors import (
    bpjs_batches,
    enrolment_history,
    enrolment_list,
    programmes_open_for,
    verified_waiting_to_send,
    worker_enrolments,
)
from lindung.programmes.models import Programme
from lindung.spreadsheets.fields import SpreadsheetFileField
from lindung.spreadsheets.limits import ImportFileError
from lindung.web.pagination import CappedPaginator
from lindung.web.searches import search_data, search_in_address, search_redirect
from lindung.web.uploads import upload_on_disk
from lindung.workers.models import Worker
from lindung.workers.nik import nik_mask
from lindung.workers.restriction import restricted_problem

PAGE_SIZE = 50

# The steps taken on the detail page, each with its form and its service.
STEP_FORMS: dict[str, type[forms.Form]] = {
    "verify": VerifyForm,
    "reject": RejectForm,
    "activate": ActivateForm,
    "repropose": VerifyForm,  # no input either
    "end": EndForm,
}
STEP_SERVICES: dict[str, Callable[..., Enrolment]] = {
    "verify": services.enrolment_verify,
    "reject": services.enrolment_reject,
    "activate": services.enrolment_activate,
    "repropose": services.enrolment_repropose,
    "end": services.enrolment_end,
}
STEP_DONE = {
    "verify": gettext_lazy("The enrolment is verified."),
    "reject": gettext_lazy("The enrolment is rejected."),
    "activate": gettext_lazy("The enrolment is active."),
    "repropose": gettext_lazy("The enrolment is proposed again."),
    "end": gettext_lazy("The enrolment has ended."),
}


@login_required
@require_http_methods(["GET", "POST"])
def enrolment_list_view(request: HttpRequest) -> HttpResponse:
    """The list; its search box posts, and the NIK or name typed stays out of the address."""
    user = signed_in_user(request)
    require(user, Action.WORKER_VIEW)
    if search_in_address(request):
        return search_redirect(request)
    data, forgotten = search_data(request)
    if forgotten:
        messages.info(request, _("This search is no longer kept; search again."))
    form = EnrolmentFilterForm(data or None, user=user)
    # An invalid filter is shown next to its field and ignored; the valid ones still apply.
    form.is_valid()
    filters = getattr(form, "cleaned_data", {})
    page = CappedPaginator(enrolment_list(user=user, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {"enrolment": e, "nik": nik_mask(e.worker.nik), "regency": form.regency_names.get(e.regency_code)} for e in page
    ]
    waiting = verified_waiting_to_send(user) if user_can(user, Action.ENROLMENT_SEND) else []
    perms_bpjs = user_can(user, Action.ENROLMENT_SEND) or user_can(user, Action.ENROLMENT_ACTIVATE)
    context = {"form": form, "page": page, "rows": rows, "waiting": waiting, "perms_bpjs": perms_bpjs}
    return render(request, "enrolments/list.html", context)


@login_required
def enrolment_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    require(user, Action.WORKER_VIEW)
    enrolment = get_in_scope_or_404(_detail_queryset(), user, pk=pk)
    return _render_detail(request, user, enrolment)


@login_required
@require_POST
def enrolment_step_view(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    user = signed_in_user(request)
    enrolment = get_in_scope_or_404(_detail_queryset(), user, pk=pk)
    form = STEP_FORMS[step](request.POST)
    if form.is_valid():
        try:
            STEP_SERVICES[step](actor=user, enrolment=enrolment, **form.cleaned_data)
        except services.EnrolmentError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, STEP_DONE[step])
            return redirect("enrolments:detail", pk=enrolment.pk)
    return _render_detail(request, user, enrolment, bound=(step, form))


@login_required
def enrolment_propose_view(request: HttpRequest, worker_id: int) -> HttpResponse:
    user = signed_in_user(request)
    require(user, Action.ENROLMENT_PROPOSE)
    worker = get_in_scope_or_404(Worker.objects.select_related("village"), user, pk=worker_id)
    form = ProposeForm(request.POST or None, programmes=programmes_open_for(worker))
    if request.method == "POST" and form.is_valid():
        programme = form.cleaned_data["programme"]
        try:
            enrolment = services.enrolment_propose(actor=user, worker=worker, programme=programme)
        except services.EnrolmentError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("%(name)s is proposed for programme %(code)s.") % {"name": worker.name, "code": programme.code},
            )
            return redirect("enrolments:detail", pk=enrolment.pk)
    context = {
        "worker": worker,
        "nik": nik_mask(worker.nik),
        "form": form,
        "enrolments": worker_enrolments(user=user, worker=worker),
        # Said before the form is filled in: the service refuses the proposal with the same sentence.
        "restricted": restricted_problem(worker),
    }
    return render(request, "enrolments/propose.html", context)


@login_required
@require_POST
def enrolment_send_view(request: HttpRequest) -> HttpResponse:
    """A new batch of a programme's verified enrolments, its file kept (``bpjs_batch_create``); then the batch's
    page, where the file is downloaded, rather than this list, whose sent enrolments are no longer waiting."""
    user = signed_in_user(request)
    require(user, Action.ENROLMENT_SEND)
    programme = _programme_to_send(request)
    if programme is None:
        return redirect("enrolments:list")
    return _batch_made(request, user, programme, back="enrolments:list")


def _batch_made(request: HttpRequest, user: User, programme: Programme, *, back: str) -> HttpResponse:
    batch = bpjs_batch_create(actor=user, programme=programme)
    if batch is None:
        messages.info(
            request,
            _("Programme %(code)s has no verified enrolment waiting; no batch was written.") % {"code": programme.code},
        )
        return redirect(back)
    messages.success(
        request,
        _("Batch %(number)s of programme %(code)s: %(count)s enrolments sent to BPJS. Download its file here.")
        % {"number": batch.number, "code": batch.programme.code, "count": batch.count},
    )
    return redirect("enrolments:batch_detail", pk=batch.pk)


def _programme_to_send(request: HttpRequest) -> Programme | None:
    """The programme the POSTed ``SendForm`` names, or None with an error message for the next page."""
    form = SendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a programme to send."))
        return None
    programme: Programme = form.cleaned_data["programme"]
    return programme


def _detail_queryset() -> Any:
    return Enrolment.objects.select_related("worker", "programme", "village", "batch")


def _render_detail(
    request: HttpRequest, user: User, enrolment: Enrolment, bound: tuple[str, forms.Form] | None = None
) -> HttpResponse:
    steps = [s for s in services.enrolment_next_steps(user=user, enrolment=enrolment) if s in STEP_FORMS]
    step_forms = {step: STEP_FORMS[step]() for step in steps}
    if bound is not None:
        step_forms[bound[0]] = bound[1]
    context = {
        "enrolment": enrolment,
        "nik": nik_mask(enrolment.worker.nik),
        "steps": step_forms,
        "history": entry_sentences(enrolment_history(enrolment)),
        "end_reason": EndReason(enrolment.end_reason).label if enrolment.end_reason else "",
        # A link to the batch only for who may open it: a regency's staff do not see a batch the province sent.
        "batch_link": enrolment.batch_id is not None
        and may_exchange(user)
        and bpjs_batches(user=user).filter(pk=enrolment.batch_id).exists(),
    }
    return render(request, "enrolments/detail.html", context, status=200 if bound is None else 400)


# --- the batch exchange with BPJS --------------------------------------------------------------


class BpjsAnswerForm(forms.Form):
    file = SpreadsheetFileField(label=gettext_lazy("BPJS's answer (.xlsx or .csv)"))


@login_required
def bpjs_exchange_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not (user_can(user, Action.ENROLMENT_SEND) or user_can(user, Action.ENROLMENT_ACTIVATE)):
        raise PermissionDenied(Action.ENROLMENT_SEND.value)
    return _render_bpjs(request, user)


@login_required
@require_http_methods(["GET", "POST"])
def bpjs_export_view(request: HttpRequest) -> HttpResponse:
    """A new batch, its file kept, to a POST from the exchange page (it sends enrolments and is audited); then the
    batch's page, where the file is downloaded. A GET (an old link) is sent to the exchange page, where the
    export is a button per programme: a link alone sends nothing."""
    user = signed_in_user(request)
    require(user, Action.ENROLMENT_SEND)
    if request.method != "POST":
        return redirect("enrolments:bpjs")
    programme = _programme_to_send(request)
    if programme is None:
        return redirect("enrolments:bpjs")
    return _batch_made(request, user, programme, back="enrolments:bpjs")


@login_required
@require_POST
def bpjs_result_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    require(user, Action.ENROLMENT_ACTIVATE)
    form = BpjsAnswerForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_bpjs(request, user, form=form, status=400)
    upload = form.cleaned_data["file"]
    with upload_on_disk(upload, prefix="lindung-bpjs-", stem="answer") as path:
        try:
            result = bpjs_result_import(actor=user, path=path)
        except ImportFileError as exc:
            form.add_error("file", exc.message)
            return _render_bpjs(request, user, form=form, status=400)
        except (services.EnrolmentError, Http404):
            # Somebody changed one of these enrolments between the check and the write; nothing was written.
            form.add_error("file", _("The enrolments changed while the file was read; nothing was written. Retry."))
            return _render_bpjs(request, user, form=form, status=400)
    return _render_bpjs(request, user, result=result)


def _render_bpjs(
    request: HttpRequest,
    user: User,
    *,
    form: forms.Form | None = None,
    result: AnswerResult | None = None,
    status: int = 200,
) -> HttpResponse:
    can_send = user_can(user, Action.ENROLMENT_SEND)
    can_activate = user_can(user, Action.ENROLMENT_ACTIVATE)
    context = {
        "waiting": verified_waiting_to_send(user) if can_send else [],
        "can_send": can_send,
        "form": (form or BpjsAnswerForm()) if can_activate else None,
        "result": result,
    }
    return render(request, "enrolments/bpjs.html", context, status=status)
