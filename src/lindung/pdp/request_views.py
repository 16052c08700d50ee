"""/pdp/permintaan/: the requests of the person. The list with each clock, the form that registers one after the
identity check, and a request's page with the steps of its kind; the access document is downloaded by POST
(``web.downloads``), each download audited.

Operators who keep the registry and the data protection officer see the requests of their region (elsewhere a
request does not exist: 404); the steps check their own rights in the services.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require, signed_in_user, user_can
from lindung.audit.sentences import entry_sentences
from lindung.errors import RefusedStep
from lindung.inputs import plain_text
from lindung.pdp import person_requests as services
from lindung.pdp.clock import clock_state
from lindung.pdp.models import PersonRequest, RequestKind, RequestStatus
from lindung.pdp.request_forms import (
    AccessDownloadForm,
    ObjectionForm,
    OptionalReasonForm,
    ReasonForm,
    RequestFilterForm,
    RequestRegisterForm,
)
from lindung.pdp.request_selectors import (
    person_request_in_scope,
    person_requests,
    request_history,
    require_handle_requests,
)
from lindung.regions.models import Region
from lindung.web.downloads import download_methods, download_page
from lindung.web.pagination import CappedPaginator
from lindung.workers.forms import HeirFormSet, OccupationField, WorkerForm, heir_rows
from lindung.workers.nik import nik_mask
from lindung.workers.selectors import regions_in_scope
from lindung.workers.services import EDITABLE_FIELDS, HEIR_FIELDS

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    user = signed_in_user(request)
    require_handle_requests(user)
    return user


@login_required
def request_list_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = RequestFilterForm(request.GET)
    form.is_valid()
    chosen = {name: value for name, value in getattr(form, "cleaned_data", {}).items() if value}
    now = timezone.now()
    page = CappedPaginator(person_requests(user, now=now, **chosen), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "request": item,
            "nik": nik_mask(item.worker.nik),
            "clock": clock_state(item.due_at, now=now) if item.status == RequestStatus.OPEN else "",
        }
        for item in page
    ]
    return render(
        request,
        "pdp/requests/list.html",
        {"form": form, "page": page, "rows": rows, "can_manage": user_can(user, Action.PDP_MANAGE)},
    )


@login_required
def request_register_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = RequestRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.person_request_register(
                actor=user,
                nik=data["nik"],
                birth_date=data["birth_date"],
                phone=data["phone"],
                kind=data["kind"],
                details=data["details"],
            )
        except RefusedStep as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.text)
        else:
            messages.success(request, gettext("The request is registered; its answer is due by the time shown."))
            return redirect("pdp:request", pk=created.pk)
    return render(request, "pdp/requests/register.html", {"form": form}, status=422 if form.errors else 200)


def _render_detail(
    request: HttpRequest, user: User, item: PersonRequest, *, forms_: dict[str, forms.Form] | None = None
) -> HttpResponse:
    now = timezone.now()
    context: dict[str, Any] = {
        "item": item,
        "worker": item.worker,
        "nik": nik_mask(item.worker.nik),
        "clock": clock_state(item.due_at, now=now) if item.status == RequestStatus.OPEN else "",
        "can_manage": user_can(user, Action.PDP_MANAGE),
        "can_correct": user_can(user, Action.WORKER_EDIT),
        "keeping": services.deletion_keeping_reasons(item.worker)
        if item.kind == RequestKind.DELETION and item.status == RequestStatus.OPEN
        else [],
        "history": entry_sentences(request_history(item)),
        "refuse_form": ReasonForm(),
        "restrict_form": OptionalReasonForm(),
        "objection_form": ObjectionForm(),
        "download_form": AccessDownloadForm(),
        **(forms_ or {}),
    }
    status = 422 if any(f.errors for f in (forms_ or {}).values()) else 200
    return render(request, "pdp/requests/detail.html", context, status=status)


@login_required
def request_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    return _render_detail(request, user, person_request_in_scope(user, pk))


def _step(request: HttpRequest, pk: int, form_class: type[forms.Form], key: str, step: Any, done: str) -> HttpResponse:
    """A POSTed step of a request's page: validate ``form_class``, run ``step(user, item, cleaned_data)``, back to
    the page with ``done`` said, or the page again with the refusal next to its form (``key``)."""
    user = _user(request)
    item = person_request_in_scope(user, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            step(user, item, form.cleaned_data)
        except RefusedStep as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.text)
        else:
            messages.success(request, done)
            return redirect("pdp:request", pk=item.pk)
    return _render_detail(request, user, item, forms_={key: form})


@login_required
@require_POST
def request_refuse_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        ReasonForm,
        "refuse_form",
        lambda user, item, data: services.person_request_refuse(actor=user, request=item, reason=data["reason"]),
        gettext("The request is refused; the person is told the reason."),
    )


@login_required
@require_POST
def request_give_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        forms.Form,
        "give_form",
        lambda user, item, data: services.access_request_give(actor=user, request=item),
        gettext("Recorded: the access document was given to the person."),
    )


@login_required
@require_POST
def request_restrict_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        OptionalReasonForm,
        "restrict_form",
        lambda user, item, data: services.restriction_request_carry_out(
            actor=user, request=item, reason=data["reason"]
        ),
        gettext("The processing of this person's data is restricted."),
    )


@login_required
@require_POST
def request_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        forms.Form,
        "delete_form",
        lambda user, item, data: services.deletion_request_answer(actor=user, request=item),
        gettext("The deletion request is answered."),
    )


@login_required
@require_POST
def request_objection_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        ObjectionForm,
        "objection_form",
        lambda user, item, data: services.objection_request_decide(
            actor=user, request=item, decision=data["decision"], reason=data["reason"]
        ),
        gettext("The decision on the objection is recorded."),
    )


@login_required
@download_methods
def request_access_download_view(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The access document of the request's person as a file to a POST; a GET gets the page with the button."""
    user = _user(request)
    require(user, Action.PDP_MANAGE)
    if fmt not in services.FORMATS:
        raise Http404
    item = person_request_in_scope(user, pk)
    if item.kind != RequestKind.ACCESS or item.worker.anonymised_on is not None:
        raise Http404
    filename = f"data-pribadi-{item.pk}.{fmt}"
    if request.method != "POST":
        return download_page(request, name=filename)
    form = AccessDownloadForm(request.POST)
    language = form.cleaned_data["language"] if form.is_valid() and form.cleaned_data["language"] else "id"
    content = services.access_document_produce(actor=user, worker=item.worker, fmt=fmt, language=language, request=item)
    response = HttpResponse(content, content_type=services.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def request_correct_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The worker's form, filled with the record, to correct it as the person asks (the registry's own edit)."""
    user = _user(request)
    require(user, Action.WORKER_EDIT)
    item = person_request_in_scope(user, pk)
    if item.kind != RequestKind.CORRECTION or item.status != RequestStatus.OPEN:
        raise Http404
    worker = item.worker
    initial: dict[str, Any] = {field: getattr(worker, field) for field in EDITABLE_FIELDS}
    form = WorkerForm(request.POST or None, user=user, editing=True, initial=initial)
    heirs = HeirFormSet(
        request.POST or None, prefix="heirs", initial=list(worker.heirs.order_by("pk").values(*HEIR_FIELDS))
    )
    if request.method == "POST" and form.is_valid() and heirs.is_valid():
        try:
            services.correction_request_carry_out(
                actor=user, request=item, data=form.cleaned_data, heirs=heir_rows(heirs)
            )
        except RefusedStep as exc:
            form.add_error(None, exc.text)
        except ValidationError as exc:
            for field, problems in exc.message_dict.items():
                if field == "heirs":
                    heirs._non_form_errors.extend(problems)  # type: ignore[attr-defined]
                else:
                    form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, gettext("The data are corrected and the request is answered."))
            return redirect("pdp:request", pk=item.pk)
    # The value as typed, when the form is shown again: the pickers must not query with a NUL in it.
    village = plain_text(form["village"].value(), max_length=13)
    context = {
        "item": item,
        "form": form,
        "heirs": heirs,
        "worker": worker,
        "regencies": regions_in_scope(user=user, level=Region.Level.REGENCY),
        "chosen_regency": village[:5],
        "districts": regions_in_scope(user=user, level=Region.Level.DISTRICT, parent=village[:5]) if village else [],
        "chosen_district": village[:8],
        "occupation_options": OccupationField.options(),
    }
    return render(request, "pdp/requests/correct.html", context, status=422 if form.errors else 200)
