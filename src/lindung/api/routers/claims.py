"""``/api/v1/claims``: accidents and deaths (list, read, register, the next step) and the benefit the regulation
gives (``/claims/benefit-estimate``).

As the web's claim pages (``lindung.claims.views``): the claim rights (``claims`` scope; reading also with
``registry.read``), the caller's region (``claims.selectors``, ``accounts.scope``), every write through
``claims.services`` (registration, documents, heirs, the workflow's steps), the estimate from
``claims.benefits.calculate_benefit`` (the same numbers as the claim page and ``lindung benefit``). A list
never shows a whole NIK; a claim's read shows it masked, as its page does.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema, Status
from pydantic import AfterValidator, Field

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require
from lindung.accounts.scope import get_in_scope_or_404, scope_queryset
from lindung.api.conventions import PAGE_DEFAULT, PAGE_MAX, Page, if_match, keyset_page, with_etag
from lindung.api.problems import ApiProblem
from lindung.api.routers.money_fields import EraDate, Id, Rupiah, text
from lindung.api.schemas import ProgrammeRef, programme_ref
from lindung.claims import services
from lindung.claims.benefits import BenefitRequest, BenefitType, calculate_benefit
from lindung.claims.documents import checklist, missing_documents
from lindung.claims.models import Claim
from lindung.claims.selectors import claim_list, enrolment_for_claim
from lindung.enrolments.models import Enrolment
from lindung.rules.selectors import RuleMissing
from lindung.workers.models import HeirRelation
from lindung.workers.nik import nik_mask

router = Router(tags=["claims"])

ClaimTypeName = Literal["jkm", "jkk-death", "jkk-total-disability", "jkk-partial-disability", "jkk-stmb"]
ClaimStatusName = Literal["dilaporkan", "berkas_lengkap", "diajukan_ke_bpjs", "dibayar", "ditolak"]
StepName = Literal["documents", "heir", "complete", "submit", "pay", "reject"]
Percent = Annotated[Decimal, Field(gt=0, le=100, max_digits=5, decimal_places=2)]


def _naive(value: dt.time) -> dt.time:
    if value.tzinfo is not None:  # a time of day as the village tells it: no time zone
        raise ValueError("a time without a time zone")
    return value


LocalTime = Annotated[dt.time, AfterValidator(_naive)]


# --- shapes ------------------------------------------------------------------------------------------------


class ClaimItem(Schema):
    id: int
    type: ClaimTypeName
    status: ClaimStatusName
    programme: ProgrammeRef
    enrolment_id: int
    worker_name: str
    nik_masked: str
    village: str
    regency_code: str
    incident_date: dt.date
    reported_at: dt.datetime
    covered: bool
    estimate_total: int
    paid_amount: int | None
    flags: list[str] = Field(description="late_report, stalled")


class DocumentOut(Schema):
    code: str
    label: str
    received: bool
    optional: bool


class ClaimOut(ClaimItem):
    incident_time: dt.time | None
    incident_place: str
    description: str
    reporter_name: str
    reporter_relation: str
    reporter_phone: str
    reported_late: bool
    income: int
    disability_percent: Decimal | None
    stmb_months: int | None
    coverage_reason: str
    coverage_message: str = Field(description="In the installation's language, as kept at registration")
    paid_months: int
    documents: list[DocumentOut]
    documents_missing: list[str]
    paid_on: dt.date | None
    rejection_reason: str
    status_changed_at: dt.datetime
    next_steps: list[str] = Field(description="The workflow steps the caller may take now")


class ClaimFilter(Schema):
    status: ClaimStatusName | None = None
    type: ClaimTypeName | None = None
    programme: Id | None = None
    attention: bool = False
    cursor: Annotated[str, Field(max_length=40)] | None = None
    limit: Annotated[int, Field(ge=1, le=PAGE_MAX)] = PAGE_DEFAULT


class ClaimIn(Schema):
    """The web's claim form: the enrolment (its id) or the worker's NIK or KPJ, whose enrolment covering the day
    of the event is chosen."""

    enrolment: Id | None = None
    nik_or_kpj: Annotated[str, text(30)] = ""
    type: ClaimTypeName
    incident_date: EraDate
    incident_time: LocalTime | None = None
    incident_place: Annotated[str, text(200, min_length=1)]
    description: Annotated[str, text(5000, min_length=1)]
    reporter_name: Annotated[str, text(150, min_length=1)]
    reporter_relation: Annotated[str, text(100)] = ""
    reporter_phone: Annotated[str, text(16)] = ""
    income: Annotated[Rupiah, Field(ge=1)] | None = Field(
        default=None, description="Empty: the income registered for the worker"
    )
    disability_percent: Percent | None = None
    stmb_months: Annotated[int, Field(ge=1, le=120)] | None = None


class ClaimHeirIn(Schema):
    name: Annotated[str, text(150, min_length=1)]
    relation: HeirRelation
    nik: Annotated[str, text(25)] = ""
    phone: Annotated[str, text(25)] = ""
    share: Annotated[int, Field(ge=1, le=100)] | None = None


class StepIn(Schema):
    """The next step, as the claim page's buttons: ``documents`` (the documents received, by code), ``heir``
    (record an heir of a death), ``complete``, ``submit``, ``pay`` (``paid_amount``, ``paid_on``), ``reject``
    (``reason``)."""

    step: StepName
    received: Annotated[list[Annotated[str, Field(max_length=40)]], Field(max_length=40)] = []
    heir: ClaimHeirIn | None = None
    paid_amount: Rupiah | None = None
    paid_on: EraDate | None = None
    reason: Annotated[str, text(1000)] = ""


class BenefitQuery(Schema):
    type: ClaimTypeName
    membership_start: EraDate
    incident: EraDate
    income: Annotated[Rupiah, Field(ge=1)] = 1_000_000
    paid_months: Annotated[int, Field(ge=0, le=1200)] | None = None
    percent: Percent | None = None
    stmb_months: Annotated[int, Field(ge=1, le=120)] | None = None


class BenefitItemOut(Schema):
    code: str
    label: str
    amount: int


class ScholarshipOut(Schema):
    eligible: bool
    max_children: int
    max_amount: int


class BenefitOut(Schema):
    type: ClaimTypeName
    eligible: bool
    reasons: list[str]
    total: int
    items: list[BenefitItemOut]
    scholarship: ScholarshipOut
    notes: list[str]


# --- reading -----------------------------------------------------------------------------------------------


def _user(request: HttpRequest, action: Action) -> User:
    user = request.user
    assert isinstance(user, User)  # the bearer token's account (lindung.api.auth)
    require(user, action)
    return user


def _item_fields(claim: Claim) -> dict[str, Any]:
    return {
        "id": claim.pk,
        "type": claim.type,
        "status": claim.status,
        "programme": programme_ref(claim.programme),
        "enrolment_id": claim.enrolment_id,
        "worker_name": claim.worker.name,
        "nik_masked": nik_mask(claim.worker.nik),
        "village": claim.village_id,
        "regency_code": claim.regency_code,
        "incident_date": claim.incident_date,
        "reported_at": claim.reported_at,
        "covered": claim.covered,
        "estimate_total": claim.estimate_total,
        "paid_amount": claim.paid_amount,
        "flags": services.claim_flags(claim),
    }


def _claim_out(user: User, claim: Claim) -> ClaimOut:
    return ClaimOut(
        **_item_fields(claim),
        incident_time=claim.incident_time,
        incident_place=claim.incident_place,
        description=claim.description,
        reporter_name=claim.reporter_name,
        reporter_relation=claim.reporter_relation,
        reporter_phone=claim.reporter_phone,
        reported_late=claim.reported_late,
        income=claim.income,
        disability_percent=claim.disability_percent,
        stmb_months=claim.stmb_months,
        coverage_reason=claim.coverage_reason,
        coverage_message=claim.coverage_message,
        paid_months=claim.paid_months,
        documents=[
            DocumentOut(
                code=str(row["code"]),
                label=str(row["label"]),
                received=bool(row["received"]),
                optional=bool(row["optional"]),
            )
            for row in checklist(claim.type, claim.documents)
        ],
        documents_missing=missing_documents(claim.type, claim.documents),
        paid_on=claim.paid_on,
        rejection_reason=claim.rejection_reason,
        status_changed_at=claim.status_changed_at,
        next_steps=services.claim_next_steps(user=user, claim=claim),
    )


def _claims() -> Any:
    return Claim.objects.select_related("worker", "programme")


def _claim_or_404(user: User, claim_id: int, *, lock: bool = False) -> Claim:
    claims = _claims()
    if lock:
        claims = claims.select_for_update(of=("self",))
    return get_in_scope_or_404(claims, user, pk=claim_id)


def _etagged(response: HttpResponse, user: User, claim: Claim) -> ClaimOut:
    shown = _claim_out(user, claim)
    with_etag(response, shown.model_dump())
    return shown


# The estimate first: its path would otherwise be read as a claim's id.
@router.get(
    "/benefit-estimate",
    response={200: BenefitOut},
    summary="The benefit the regulation gives for an event (nothing is written)",
)
def benefit_estimate(request: HttpRequest, query: Query[BenefitQuery]) -> BenefitOut:
    """``lindung benefit``'s calculation (``claims.benefits``), from the rules in force on the day of the event;
    labels and reasons in the caller's language (``Accept-Language``)."""
    _user(request, Action.CLAIM_VIEW)
    result = calculate_benefit(
        BenefitRequest(
            type=BenefitType(query.type),
            membership_start=query.membership_start,
            incident=query.incident,
            income=query.income,
            paid_months=query.paid_months,
            percent=query.percent,
            stmb_months=query.stmb_months,
        )
    )
    return BenefitOut(**result.as_dict())


@router.get(
    "",
    response={200: Page[ClaimItem]},
    summary="List claims (filters: status, type, programme, attention)",
)
def claims_list(request: HttpRequest, filters: Query[ClaimFilter]) -> dict[str, Any]:
    user = _user(request, Action.CLAIM_VIEW)
    claims = claim_list(user=user, status=filters.status or "", type=filters.type or "", attention=filters.attention)
    if filters.programme is not None:
        claims = claims.filter(programme_id=filters.programme)
    rows, next_cursor = keyset_page(claims, cursor=filters.cursor, limit=filters.limit)
    return {"items": [ClaimItem(**_item_fields(claim)) for claim in rows], "next_cursor": next_cursor}


@router.get("/{claim_id}", response={200: ClaimOut}, summary="One claim (with its ETag)")
def claim_read(request: HttpRequest, response: HttpResponse, claim_id: Path[Id]) -> ClaimOut:
    user = _user(request, Action.CLAIM_VIEW)
    return _etagged(response, user, _claim_or_404(user, claim_id))


# --- writing -----------------------------------------------------------------------------------------------


def _refused(field: str, message: str) -> ApiProblem:
    return ApiProblem(422, "refused", message, errors=[{"field": field, "message": message}])


def _enrolment_of(user: User, payload: ClaimIn) -> Enrolment:
    if payload.enrolment is not None:
        enrolment = scope_queryset(Enrolment.objects.filter(pk=payload.enrolment), user).first()
        if enrolment is None:
            raise _refused("enrolment", _("There is no enrolment with this id in your region."))
        return enrolment
    if not payload.nik_or_kpj.strip():
        raise _refused("nik_or_kpj", _("Enter the worker's NIK or KPJ."))
    found = enrolment_for_claim(user, payload.nik_or_kpj, payload.incident_date)
    if found is None:
        raise _refused("nik_or_kpj", _("No enrolment in your region has this NIK or KPJ."))
    return found


@router.post(
    "",
    response={201: ClaimOut},
    summary="Register an accident or a death",
)
def claim_create(request: HttpRequest, response: HttpResponse, payload: ClaimIn) -> Status[ClaimOut]:
    """As the web's claim form: coverage on the day and the estimate are kept with the claim; a death ends the
    worker's active enrolments on the day of death."""
    user = _user(request, Action.CLAIM_REGISTER)
    enrolment = _enrolment_of(user, payload)
    values = payload.model_dump(exclude={"enrolment", "nik_or_kpj"})
    try:
        claim = services.claim_register(actor=user, enrolment=enrolment, **values)
    except RuleMissing:  # the rule file starts in 2015: an older event has no rules to be judged by
        raise _refused("incident_date", _("No rules are in force on the day of the event.")) from None
    response["Location"] = reverse("api:claim_read", kwargs={"claim_id": claim.pk})
    return Status(201, _etagged(response, user, _claim_or_404(user, claim.pk)))


@router.post(
    "/{claim_id}/steps",
    response={200: ClaimOut},
    summary="Take the claim's next step (send If-Match)",
)
def claim_step(request: HttpRequest, response: HttpResponse, claim_id: Path[Id], payload: StepIn) -> ClaimOut:
    """The steps of the claim page, each through its service (which checks the caller's right for it):
    ``documents`` and ``heir`` while the claim is open, then ``complete`` → ``submit`` → ``pay``, or
    ``reject`` from any open status. With ``If-Match`` a claim changed since it was read is refused (412)."""
    user = _user(request, Action.CLAIM_VIEW)
    with transaction.atomic():
        claim = _claim_or_404(user, claim_id, lock=True)
        if_match(request, _claim_out(user, claim).model_dump())
        if payload.step == "documents":
            services.claim_documents_update(actor=user, claim=claim, received=list(payload.received))
        elif payload.step == "heir":
            if payload.heir is None:
                raise _refused("heir", _("This field is required."))
            try:
                services.claim_heir_add(actor=user, claim=claim, **payload.heir.model_dump())
            except ValidationError as exc:  # the registry's own checks of an heir (workers.services.heir_clean)
                errors = [{"field": "heir", "message": str(message)} for message in exc.messages]
                raise ApiProblem(422, "refused", errors[0]["message"], errors=errors) from None
        else:
            services.claim_advance(
                actor=user,
                claim=claim,
                step=payload.step,
                paid_amount=payload.paid_amount,
                paid_on=payload.paid_on,
                reason=payload.reason,
            )
    return _etagged(response, user, _claim_or_404(user, claim_id))
