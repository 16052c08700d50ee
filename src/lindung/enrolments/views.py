"""Enrolment pages: authorise, validate, call the service, render. The rules live in ``services``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require, user_can
from lindung.accounts.scope import get_in_scope_or_404
from lindung.audit.models import AuditEntry
from lindung.enrolments import services
from lindung.enrolments.forms import (
    ActivateForm,
    EndForm,
    EnrolmentFilterForm,
    ProposeForm,
    RejectForm,
    SendForm,
    VerifyForm,
)
from lindung.enrolments.models import EndReason, Enrolment, Status
from lindung.enrolments.selectors import (
    enrolment_history,
    enrolment_list,
    programmes_open_for,
    verified_waiting_to_send,
    worker_enrolments,
)
from lindung.web.pagination import CappedPaginator
from lindung.workers.models import Worker
from lindung.workers.nik import nik_mask

PAGE_SIZE = 50

# The steps taken on the detail page, each with its form and its service.
STEP_FORMS: dict[str, type[forms.Form]] = {
    "verify": VerifyForm,
    "reject": RejectForm,
    "activate": ActivateForm,
    "end": EndForm,
}
STEP_SERVICES: dict[str, Callable[..., Enrolment]] = {
    "verify": services.enrolment_verify,
    "reject": services.enrolment_reject,
    "activate": services.enrolment_activate,
    "end": services.enrolment_end,
}
STEP_DONE = {
    "verify": gettext_lazy("The enrolment is verified."),
    "reject": gettext_lazy("The enrolment is rejected."),
    "activate": gettext_lazy("The enrolment is active."),
    "end": gettext_lazy("The enrolment has ended."),
}
HISTORY_LABELS = {
    "enrolment.proposed": gettext_lazy("Proposed"),
    "enrolment.verified": gettext_lazy("Verified"),
    "enrolment.rejected": gettext_lazy("Rejected"),
    "enrolment.sent": gettext_lazy("Sent to BPJS"),
    "enrolment.activated": gettext_lazy("Activated"),
    "enrolment.ended": gettext_lazy("Ended"),
}


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required let only a signed-in user through
    return request.user


@login_required
def enrolment_list_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require(user, Action.WORKER_VIEW)
    form = EnrolmentFilterForm(request.GET or None, user=user)
    # An invalid filter is shown next to its field and ignored; the valid ones still apply.
    form.is_valid()
    filters = getattr(form, "cleaned_data", {})
    page = CappedPaginator(enrolment_list(user=user, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {"enrolment": e, "nik": nik_mask(e.worker.nik), "regency": form.regency_names.get(e.regency_code)} for e in page
    ]
    waiting = verified_waiting_to_send(user) if user_can(user, Action.ENROLMENT_SEND) else []
    return render(request, "enrolments/list.html", {"form": form, "page": page, "rows": rows, "waiting": waiting})


@login_required
def enrolment_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    require(user, Action.WORKER_VIEW)
    enrolment = get_in_scope_or_404(_detail_queryset(), user, pk=pk)
    return _render_detail(request, user, enrolment)


@login_required
@require_POST
def enrolment_step_view(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    user = _user(request)
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
    user = _user(request)
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
    }
    return render(request, "enrolments/propose.html", context)


@login_required
@require_POST
def enrolment_send_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require(user, Action.ENROLMENT_SEND)
    form = SendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a programme to send."))
        return redirect("enrolments:list")
    try:
        batch = services.enrolment_send(actor=user, programme=form.cleaned_data["programme"])
    except services.EnrolmentError as exc:
        messages.error(request, exc.text)
    else:
        messages.success(
            request,
            _("Batch %(number)s of programme %(code)s: %(count)s enrolments sent to BPJS.")
            % {"number": batch.number, "code": batch.programme.code, "count": batch.count},
        )
    return redirect("enrolments:list")


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
        "history": [_history_row(entry) for entry in enrolment_history(enrolment)],
        "end_reason": EndReason(enrolment.end_reason).label if enrolment.end_reason else "",
    }
    return render(request, "enrolments/detail.html", context, status=200 if bound is None else 400)


def _history_row(entry: AuditEntry) -> dict[str, Any]:
    changes = []
    for field, (before, after) in sorted(entry.changes.items()):
        if field == "status":
            before, after = (Status(v).label if v in Status.values else v for v in (before, after))
        changes.append({"field": _field_label(field), "before": before, "after": after})
    return {"entry": entry, "label": HISTORY_LABELS.get(entry.action, entry.action), "changes": changes}


def _field_label(name: str) -> str:
    try:
        field = Enrolment._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    return capfirst(str(getattr(field, "verbose_name", name)))
