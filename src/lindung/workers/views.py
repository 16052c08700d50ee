"""Worker pages: register, edit, detail, whole-NIK view, and the region picker's JSON. (The list and its CSV
export filter by enrolment too: ``lindung.enrolments.worker_list_views``.)

Every record is fetched through ``get_in_scope_or_404``: outside the user's region it does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import BaseFormSet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require, signed_in_user, user_can
from lindung.accounts.scope import get_in_scope_or_404
from lindung.audit.sentences import entry_sentences
from lindung.errors import RefusedStep
from lindung.inputs import plain_text, query_value
from lindung.regions.models import Region
from lindung.workers.forms import HeirFormSet, OccupationField, WorkerForm, heir_rows
from lindung.workers.models import Worker
from lindung.workers.selectors import region_children_in_scope, regions_in_scope, worker_history
from lindung.workers.services import (
    EDITABLE_FIELDS,
    HEIR_FIELDS,
    LikelyDuplicates,
    NikRegistered,
    worker_edit,
    worker_nik_view,
    worker_register,
)


def _put_errors(form: WorkerForm, heirs: BaseFormSet, error: ValidationError) -> None:
    """Each service error next to its field; heir errors above the heirs."""
    for field, problems in error.message_dict.items():
        if field == "heirs":
            # The formset has no add_error; its non-form error list is filled by full_clean (run above).
            heirs._non_form_errors.extend(problems)  # type: ignore[attr-defined]
        else:
            form.add_error(field if field in form.fields else None, problems)


@login_required
def worker_register_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    require(user, Action.WORKER_REGISTER)
    form = WorkerForm(request.POST or None, user=user)
    heirs = HeirFormSet(request.POST or None, prefix="heirs")
    likely: LikelyDuplicates | None = None
    registered: int | None = None
    if request.method == "POST" and form.is_valid() and heirs.is_valid():
        try:
            worker = worker_register(
                actor=user,
                data=form.cleaned_data,
                heirs=heir_rows(heirs),
                confirm_likely_duplicate=form.cleaned_data["confirm_likely_duplicate"],
            )
        except LikelyDuplicates as exc:
            likely = exc
        except NikRegistered as exc:
            _put_errors(form, heirs, exc)
            # A link to the worker who holds the NIK, when this user may open their page.
            registered = exc.visible_pk if user_can(user, Action.WORKER_VIEW) else None
        except ValidationError as exc:
            _put_errors(form, heirs, exc)
        else:
            messages.success(request, gettext("%(name)s is registered.") % {"name": worker.name})
            return redirect("workers:detail", pk=worker.pk)
    context = _form_context(user, form, heirs, likely=likely)
    context["registered"] = registered
    return render(request, "workers/form.html", context)


@login_required
def worker_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    require(user, Action.WORKER_VIEW)
    worker = get_in_scope_or_404(Worker.objects.select_related("village", "occupation"), user, pk=pk)
    require(user, Action.WORKER_EDIT)
    initial: dict[str, Any] = {field: getattr(worker, field) for field in EDITABLE_FIELDS}
    form = WorkerForm(request.POST or None, user=user, editing=True, initial=initial)
    heirs = HeirFormSet(
        request.POST or None,
        prefix="heirs",
        initial=list(worker.heirs.order_by("pk").values(*HEIR_FIELDS)),
    )
    if request.method == "POST" and form.is_valid() and heirs.is_valid():
        try:
            worker_edit(actor=user, worker=worker, data=form.cleaned_data, heirs=heir_rows(heirs))
        except ValidationError as exc:
            _put_errors(form, heirs, exc)
        else:
            messages.success(request, gettext("The changes are saved."))
            return redirect("workers:detail", pk=worker.pk)
    return render(request, "workers/form.html", _form_context(user, form, heirs, worker=worker))


def _form_context(
    user: User, form: WorkerForm, heirs: BaseFormSet, *, worker: Worker | None = None, likely: Any = None
) -> dict[str, Any]:
    # The value as typed, when the form is shown again: the pickers must not query with a NUL in it.
    village = plain_text(form["village"].value(), max_length=13)
    regencies = list(regions_in_scope(user=user, level=Region.Level.REGENCY))
    # An operator of one regency (or one village) starts with it chosen.
    chosen_regency = village[:5] or (regencies[0].code if len(regencies) == 1 else "")
    return {
        "form": form,
        "heirs": heirs,
        "worker": worker,
        "likely": likely,
        "regencies": regencies,
        "districts": regions_in_scope(user=user, level=Region.Level.DISTRICT, parent=chosen_regency)
        if chosen_regency
        else [],
        "chosen_regency": chosen_regency,
        "chosen_district": village[:8],
        "occupation_options": OccupationField.options(),
    }


def _detail(request: HttpRequest, worker: Worker, *, show_nik: bool) -> HttpResponse:
    user = signed_in_user(request)
    return render(
        request,
        "workers/detail.html",
        {
            "worker": worker,
            "show_nik": show_nik,
            "heirs": worker.heirs.order_by("pk"),
            "enrolments": worker.enrolments.select_related("programme").order_by("-proposed_at"),
            "history": entry_sentences(worker_history(worker=worker)),
            "regency": Region.objects.filter(code=worker.regency_code).first(),
            # While processing is restricted the record is shown masked, with a banner, and not proposed.
            "restricted": worker.restricted_since is not None,
            "can_view_nik": user_can(user, Action.WORKER_VIEW_NIK) and worker.restricted_since is None,
            "can_edit": user_can(user, Action.WORKER_EDIT),
            "can_propose": user_can(user, Action.ENROLMENT_PROPOSE) and worker.restricted_since is None,
            "can_lift": worker.restricted_since is not None and user_can(user, Action.PDP_MANAGE),
        },
    )


def _worker_in_scope(request: HttpRequest, pk: int) -> Worker:
    user = signed_in_user(request)
    require(user, Action.WORKER_VIEW)
    return get_in_scope_or_404(
        Worker.objects.select_related("village__parent", "occupation", "privacy_notice"), user, pk=pk
    )


@login_required
def worker_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _worker_in_scope(request, pk), show_nik=False)


@login_required
@require_POST
def worker_nik_view_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole NIK and birth date: a POST, so that each sight is a deliberate, audited act."""
    worker = _worker_in_scope(request, pk)
    try:
        worker_nik_view(actor=signed_in_user(request), worker=worker)
    except RefusedStep as refused:
        messages.error(request, refused.text)
        return _detail(request, worker, show_nik=False)
    return _detail(request, worker, show_nik=True)


@login_required
def region_children_view(request: HttpRequest) -> JsonResponse:
    """``?parent=61.01`` → the districts of Sambas the user may pick, for the village picker."""
    user = signed_in_user(request)
    require(user, Action.WORKER_VIEW)
    parent = query_value(request.GET, "parent", max_length=13)  # the longest code, a village's
    rows = region_children_in_scope(user=user, parent=parent).values("code", "name")
    return JsonResponse({"regions": list(rows)})
