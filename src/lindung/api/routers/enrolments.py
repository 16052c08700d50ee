"""``/api/v1/enrolments``: a worker in a programme. List and filter, read, propose, verify, reject, activate, end.

Each route does what the web's view does (``lindung.enrolments.views``): authorise, read through the region
scope (outside it an enrolment is 404 and absent from lists), validate with the web's own forms, and take the
step through the enrolments' service, which applies the rules (quotas, overlapping coverage, the programme's
region and period...), refuses with a sentence tied to its field (422), and writes the audit entry. A step
sent with ``If-Match`` is refused (412) when the enrolment changed since it was read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from django import forms
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require
from lindung.accounts.scope import get_in_scope_or_404, scope_queryset
from lindung.api.conventions import PAGE_DEFAULT, PAGE_MAX, Page, etag_of, if_match, keyset_page
from lindung.api.problems import ApiProblem
from lindung.api.routers.workers import NIK_PATTERN, api_user, form_problem
from lindung.api.schemas import ProgrammeRef, programme_ref
from lindung.enrolments import services
from lindung.enrolments.forms import ActivateForm, EndForm, EnrolmentFilterForm, RejectForm
from lindung.enrolments.models import EndReason, Enrolment, Status
from lindung.enrolments.propose_many import MAX_PROPOSALS, ProposalsRefused, enrolment_propose_many
from lindung.enrolments.selectors import enrolment_list
from lindung.inputs import MAX_ID
from lindung.programmes.models import Programme
from lindung.workers.models import Worker
from lindung.workers.nik import nik_mask

router = Router(tags=["enrolments"])

# The steps of an enrolment this API takes, each with its web form (None: no input) and its service.
STEPS: dict[str, tuple[type[forms.Form] | None, Callable[..., Enrolment]]] = {
    "verify": (None, services.enrolment_verify),
    "reject": (RejectForm, services.enrolment_reject),
    "activate": (ActivateForm, services.enrolment_activate),
    "end": (EndForm, services.enrolment_end),
}


# --- shapes ---------------------------------------------------------------------------------------


class WorkerRef(Schema):
    id: int
    name: str
    nik: str = Field(description="Masked.")


class EnrolmentOut(Schema):
    id: int
    worker: WorkerRef
    programme: ProgrammeRef
    status: Status
    village: str
    regency: str
    kpj: str
    coverage_start: dt.date | None
    coverage_end: dt.date | None
    activated_on: dt.date | None
    end_reason: str
    rejection_reason: str
    proposed_at: dt.datetime
    updated_at: dt.datetime
    next_steps: list[str] = Field(description="The steps the caller may take on it now (verify, reject, ...).")


def _shape(user: User, enrolment: Enrolment) -> EnrolmentOut:
    worker, programme = enrolment.worker, enrolment.programme
    return EnrolmentOut(
        id=enrolment.pk,
        worker=WorkerRef(id=worker.pk, name=worker.name, nik=nik_mask(worker.nik)),
        programme=programme_ref(programme),
        status=Status(enrolment.status),
        village=enrolment.village_id,
        regency=enrolment.regency_code,
        kpj=enrolment.kpj,
        coverage_start=enrolment.coverage_start,
        coverage_end=enrolment.coverage_end,
        activated_on=enrolment.activated_on,
        end_reason=enrolment.end_reason,
        rejection_reason=enrolment.rejection_reason,
        proposed_at=enrolment.proposed_at,
        updated_at=enrolment.updated_at,
        next_steps=[step for step in services.enrolment_next_steps(user=user, enrolment=enrolment) if step in STEPS],
    )


def _answer(response: HttpResponse, user: User, enrolment: Enrolment) -> EnrolmentOut:
    data = _shape(user, enrolment)
    response["ETag"] = etag_of(data.model_dump(mode="json"))
    return data


def _queryset() -> QuerySet[Enrolment]:
    return Enrolment.objects.select_related("worker", "programme")


# --- list and read --------------------------------------------------------------------------------


class EnrolmentSearch(Schema):
    q: str | None = Field(None, max_length=150, description="A worker's NIK, its last 6 digits, or name words.")
    programme: int | None = Field(None, ge=1, le=MAX_ID, description="A programme's id.")
    status: Status | None = None
    regency: str | None = Field(None, max_length=13, description="A regency/city code within the caller's region.")
    cursor: str | None = Field(None, max_length=40)
    limit: int = Field(PAGE_DEFAULT, ge=1, le=PAGE_MAX)


@router.get("", response=Page[EnrolmentOut], summary="List enrolments (filters as the web's list)")
def enrolments_list(request: HttpRequest, search: Query[EnrolmentSearch]) -> dict[str, Any]:
    """The enrolments of the caller's region, newest first, filtered as the web's list filters them."""
    user = api_user(request)
    require(user, Action.WORKER_VIEW)
    filters = {
        "q": search.q or "",
        "programme": "" if search.programme is None else str(search.programme),
        "status": search.status or "",
        "regency": search.regency or "",
    }
    form = EnrolmentFilterForm(filters, user=user)
    if not form.is_valid():
        raise form_problem(form)
    rows, next_cursor = keyset_page(
        enrolment_list(user=user, **form.cleaned_data), cursor=search.cursor, limit=search.limit
    )
    return {"items": [_shape(user, enrolment) for enrolment in rows], "next_cursor": next_cursor}


# A list of proposals: before ``/{enrolment_id}``, whose pattern would take ``proposals`` for an id.


class ProposeManyIn(Schema):
    programme: int = Field(ge=1, le=MAX_ID, description="The programme's id, as the web's proposal form names it.")
    workers: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        default_factory=list,
        max_length=MAX_PROPOSALS,
        description=f"The workers' ids, at most {MAX_PROPOSALS}; or send niks.",
    )
    niks: list[Annotated[str, Field(pattern=NIK_PATTERN)]] = Field(
        default_factory=list,
        max_length=MAX_PROPOSALS,
        description=f"The workers' whole NIKs, at most {MAX_PROPOSALS}; or send workers.",
    )


class ProposedOut(Schema):
    id: int
    worker: int
    status: Status


class ProposedList(Schema):
    items: list[ProposedOut] = Field(description="One per worker sent, in the list's order.")


@router.post("/proposals", response={201: ProposedList}, summary="Propose a list of workers for a programme")
def enrolments_create_many(request: HttpRequest, payload: ProposeManyIn) -> tuple[int, ProposedList]:
    """Under the same rules as one proposal, judged for the whole list at once (as the spreadsheet import judges
    an upload). All or nothing: when any worker is refused, the 422 problem's ``errors`` name each by its place
    (``workers[3]`` or ``niks[3]``) with its sentence, and nothing is proposed. A worker outside the caller's
    region is not found."""
    user = api_user(request)
    require(user, Action.ENROLMENT_PROPOSE)
    if bool(payload.workers) == bool(payload.niks):
        message = _("Send the workers' ids (workers) or NIKs (niks), one of the two.")
        raise ApiProblem(422, "refused", message, errors=[{"field": "workers", "message": message}])
    field = "workers" if payload.workers else "niks"
    if payload.niks:
        found = dict(scope_queryset(Worker.objects.filter(nik__in=payload.niks), user).values_list("nik", "pk"))
        missing = [
            {"field": f"niks[{index}]", "message": _("There is no worker with this NIK in your region.")}
            for index, nik in enumerate(payload.niks)
            if nik not in found
        ]
        if missing:
            raise ApiProblem(422, "refused", missing[0]["message"], errors=missing)
        worker_ids = [found[nik] for nik in payload.niks]
    else:
        worker_ids = payload.workers
    try:
        enrolments = enrolment_propose_many(
            actor=user, programme=Programme(pk=payload.programme), worker_ids=worker_ids
        )
    except Programme.DoesNotExist:
        message = _("There is no programme with this id.")
        raise ApiProblem(422, "refused", message, errors=[{"field": "programme", "message": message}]) from None
    except ProposalsRefused as refused:
        errors = [{"field": f"{field}[{r.index}]", "message": r.message} for r in refused.refusals]
        raise ApiProblem(422, "refused", refused.text, errors=errors) from None
    items = [ProposedOut(id=e.pk, worker=e.worker_id, status=Status(e.status)) for e in enrolments]
    return 201, ProposedList(items=items)


def _location(enrolment: Enrolment) -> str:
    return reverse("api:enrolment_read", kwargs={"enrolment_id": enrolment.pk})


@router.get("/{enrolment_id}", response=EnrolmentOut, url_name="enrolment_read", summary="One enrolment")
def enrolment_read(request: HttpRequest, response: HttpResponse, enrolment_id: int) -> EnrolmentOut:
    user = api_user(request)
    require(user, Action.WORKER_VIEW)
    return _answer(response, user, get_in_scope_or_404(_queryset(), user, pk=enrolment_id))


# --- propose --------------------------------------------------------------------------------------


class ProposeIn(Schema):
    worker: int | None = Field(None, ge=1, le=MAX_ID, description="The worker's id; or send nik.")
    nik: str | None = Field(None, pattern=NIK_PATTERN, description="The worker's whole NIK; or send worker.")
    programme: int = Field(ge=1, le=MAX_ID, description="The programme's id, as the web's proposal form names it.")


@router.post("", response={201: EnrolmentOut}, summary="Propose a worker for a programme")
def enrolment_create(request: HttpRequest, response: HttpResponse, payload: ProposeIn) -> EnrolmentOut:
    """Under the programme's rules, as the web's proposal form: the worker's processing not restricted at their
    request, the programme open and covering the worker's village, not already in it, no overlapping
    government-funded coverage, the regency's quota not full. A worker outside the caller's region is not found
    (404)."""
    user = api_user(request)
    require(user, Action.ENROLMENT_PROPOSE)
    if (payload.worker is None) == (payload.nik is None):
        message = _("Send the worker's id (worker) or NIK (nik), one of the two.")
        raise ApiProblem(422, "refused", message, errors=[{"field": "worker", "message": message}])
    if payload.worker is not None:
        worker_id = payload.worker
    else:
        found = scope_queryset(Worker.objects.filter(nik=payload.nik), user).values_list("pk", flat=True).first()
        if found is None:
            raise Http404
        worker_id = found
    # The service reads both rows itself (the worker locked, through the caller's region): no read here.
    try:
        enrolment = services.enrolment_propose(
            actor=user, worker=Worker(pk=worker_id), programme=Programme(pk=payload.programme)
        )
    except Programme.DoesNotExist:
        message = _("There is no programme with this id.")
        raise ApiProblem(422, "refused", message, errors=[{"field": "programme", "message": message}]) from None
    response["Location"] = _location(enrolment)
    return _answer(response, user, enrolment)


# --- the steps ------------------------------------------------------------------------------------


def _step(
    request: HttpRequest, response: HttpResponse, enrolment_id: int, step: str, values: dict[str, Any]
) -> EnrolmentOut:
    """As the web's step view: the enrolment in the caller's region (404), its ``If-Match`` checked with its row
    locked (412), the web's form for the input, then the service (its refusal a 422 with the field)."""
    user = api_user(request)
    require(user, services.TRANSITIONS[step].permission)
    form_class, service = STEPS[step]
    with transaction.atomic():
        enrolment = get_in_scope_or_404(_queryset().select_for_update(of=("self",)), user, pk=enrolment_id)
        if_match(request, _shape(user, enrolment).model_dump(mode="json"))
        cleaned: dict[str, Any] = {}
        if form_class is not None:
            form = form_class({name: "" if value is None else str(value) for name, value in values.items()})
            if not form.is_valid():
                raise form_problem(form)
            cleaned = form.cleaned_data
        done = service(actor=user, enrolment=enrolment, **cleaned)
        done.worker = enrolment.worker
    return _answer(response, user, done)


@router.post("/{enrolment_id}/verify", response=EnrolmentOut, summary="Verify a proposal (If-Match)")
def enrolment_verify(request: HttpRequest, response: HttpResponse, enrolment_id: int) -> EnrolmentOut:
    """Within the regency's quota, as the web's Verify."""
    return _step(request, response, enrolment_id, "verify", {})


class RejectIn(Schema):
    reason: str = Field(max_length=500)


@router.post("/{enrolment_id}/reject", response=EnrolmentOut, summary="Reject a proposal, with the reason (If-Match)")
def enrolment_reject(
    request: HttpRequest, response: HttpResponse, enrolment_id: int, payload: RejectIn
) -> EnrolmentOut:
    return _step(request, response, enrolment_id, "reject", {"reason": payload.reason})


class ActivateIn(Schema):
    kpj: str = Field(max_length=32, description="BPJS's membership number (KPJ), 11 digits.")
    coverage_start: dt.date


@router.post("/{enrolment_id}/activate", response=EnrolmentOut, summary="Record BPJS's activation: KPJ and start")
def enrolment_activate(
    request: HttpRequest, response: HttpResponse, enrolment_id: int, payload: ActivateIn
) -> EnrolmentOut:
    """An enrolment sent to BPJS becomes active with its KPJ, coverage starting within the programme's period."""
    return _step(
        request, response, enrolment_id, "activate", {"kpj": payload.kpj, "coverage_start": payload.coverage_start}
    )


class EndIn(Schema):
    reason: EndReason
    coverage_end: dt.date


@router.post("/{enrolment_id}/end", response=EnrolmentOut, summary="End an active enrolment: reason and last day")
def enrolment_end(request: HttpRequest, response: HttpResponse, enrolment_id: int, payload: EndIn) -> EnrolmentOut:
    return _step(
        request,
        response,
        enrolment_id,
        "end",
        {"reason": payload.reason.value, "coverage_end": payload.coverage_end},
    )
