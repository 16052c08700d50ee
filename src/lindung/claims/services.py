"""Recording a claim and moving it through its workflow; every step audited, every refusal one sentence.

``dilaporkan`` → ``berkas_lengkap`` → ``diajukan_ke_bpjs`` → ``dibayar`` (the amount and date BPJS paid,
which may differ from the estimate) or ``ditolak`` (with the reason) from any open status.

A death claim ends the worker's active enrolments (reason: died) on the day of death, so billing stops
from the next month; months after it already billed on issued invoices come back as correction lines on
the next invoice (``lindung.contributions.billing.invoice_build``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require, user_can
from lindung.accounts.scope import get_in_scope_or_404
from lindung.audit.services import audit_changes, audit_record
from lindung.claims.benefits import BenefitInputError, BenefitRequest, BenefitResult, BenefitType, calculate_benefit
from lindung.claims.documents import CHECKLISTS, missing_documents
from lindung.claims.models import ACCIDENT_TYPES, DEATH_TYPES, Claim, ClaimStatus, ClaimType
from lindung.contributions.coverage_day import CoverageOnDay, coverage_on
from lindung.enrolments.models import EndReason, Enrolment, Status
from lindung.enrolments.services import enrolment_end
from lindung.errors import RefusedStep
from lindung.inputs import rupiah_refusal
from lindung.rules.keys import Rule
from lindung.rules.selectors import rule_value
from lindung.workers.models import Heir

STALLED_AFTER_DAYS = 14


class ClaimError(RefusedStep):
    """A refused claim step, in one sentence; nothing was written."""


@dataclass(frozen=True)
class ClaimStep:
    sources: frozenset[str]
    target: str
    permission: Action
    audit_action: str
    refusal: str


STEPS: dict[str, ClaimStep] = {
    "complete": ClaimStep(
        frozenset({ClaimStatus.REPORTED}),
        ClaimStatus.COMPLETE,
        Action.CLAIM_PROCESS,
        "claim.documents_complete",
        gettext_noop("Only a reported claim can be marked complete; this one is %(status)s."),
    ),
    "submit": ClaimStep(
        frozenset({ClaimStatus.COMPLETE}),
        ClaimStatus.SUBMITTED,
        Action.CLAIM_PROCESS,
        "claim.submitted",
        gettext_noop("Only a claim with complete documents can be submitted to BPJS; this one is %(status)s."),
    ),
    "pay": ClaimStep(
        frozenset({ClaimStatus.SUBMITTED}),
        ClaimStatus.PAID,
        Action.CLAIM_SETTLE,
        "claim.paid",
        gettext_noop("Only a claim submitted to BPJS can be paid; this one is %(status)s."),
    ),
    "reject": ClaimStep(
        frozenset({ClaimStatus.REPORTED, ClaimStatus.COMPLETE, ClaimStatus.SUBMITTED}),
        ClaimStatus.REJECTED,
        Action.CLAIM_SETTLE,
        "claim.rejected",
        gettext_noop("Only an open claim can be rejected; this one is %(status)s."),
    ),
}


def claim_next_steps(*, user: User, claim: Claim) -> list[str]:
    return [name for name, step in STEPS.items() if claim.status in step.sources and user_can(user, step.permission)]


# --- the estimate -------------------------------------------------------------------------------------


def benefit_request(claim: Claim) -> BenefitRequest:
    """The calculator's input for this claim: what ``lindung benefit`` is given for the same numbers."""
    enrolment = claim.enrolment
    return BenefitRequest(
        type=BenefitType(claim.type),
        membership_start=enrolment.coverage_start or claim.incident_date,
        incident=claim.incident_date,
        income=claim.income,
        paid_months=claim.paid_months,
        percent=claim.disability_percent,
        stmb_months=claim.stmb_months,
    )


def claim_estimate(claim: Claim) -> BenefitResult:
    return calculate_benefit(benefit_request(claim))


# --- registration ---------------------------------------------------------------------------------------


def claim_register(
    *,
    actor: User,
    enrolment: Enrolment,
    type: str,
    incident_date: dt.date,
    incident_place: str,
    description: str,
    reporter_name: str,
    incident_time: dt.time | None = None,
    reporter_relation: str = "",
    reporter_phone: str = "",
    income: int | None = None,
    disability_percent: Decimal | None = None,
    stmb_months: int | None = None,
    today: dt.date | None = None,
) -> Claim:
    """Record an event on ``enrolment``: coverage on the day, the estimate, and for a death the end of cover."""
    require(actor, Action.CLAIM_REGISTER)
    now = timezone.now()
    today = today or timezone.localdate(now)
    if type not in ClaimType.values:
        raise ClaimError(_("Choose the kind of claim."), field="type")
    if incident_date > today:
        raise ClaimError(_("The date of the event cannot be in the future."), field="incident_date")
    for name, value in (("incident_place", incident_place), ("description", description)):
        if not value.strip():
            raise ClaimError(_("This field is required."), field=name)
    if not reporter_name.strip():
        raise ClaimError(_("Say who reported the event."), field="reporter_name")
    with transaction.atomic():
        enrolment = get_in_scope_or_404(
            Enrolment.objects.select_for_update(of=("self",)).select_related("programme", "worker"),
            actor,
            pk=enrolment.pk,
        )
        worker = enrolment.worker
        if type in ACCIDENT_TYPES:
            lapse_years = rule_value(Rule.JKK_CLAIM_LAPSE_YEARS, on=incident_date)
            if today > _add_years(incident_date, lapse_years):
                raise ClaimError(
                    _("A work accident claim lapses %(years)s years after the accident.") % {"years": lapse_years},
                    field="incident_date",
                )
        if type in DEATH_TYPES and Claim.objects.filter(worker=worker, type__in=DEATH_TYPES).exists():
            raise ClaimError(_("A death has already been reported for this worker."))
        # The verdict's sentence is kept with the claim as data, so in the installation's language whatever the
        # page's: its page marks it as such (rendering it in each reader's language would need its parameters).
        with translation.override(settings.LANGUAGE_CODE):
            coverage = coverage_on(enrolment, incident_date, today=today)
        claim = Claim(
            enrolment=enrolment,
            worker=worker,
            programme=enrolment.programme,
            village_id=enrolment.village_id,
            type=type,
            incident_date=incident_date,
            incident_time=incident_time,
            incident_place=incident_place.strip(),
            description=description.strip(),
            reporter_name=reporter_name.strip(),
            reporter_relation=reporter_relation.strip(),
            reporter_phone=reporter_phone.strip(),
            reported_at=now,
            income=income if income is not None else worker.declared_income,
            disability_percent=disability_percent,
            stmb_months=stmb_months,
            status_changed_at=now,
            created_by=actor,
        )
        _apply_coverage(claim, coverage)
        claim.reported_late = is_reported_late(claim)
        claim.stamp_region()
        claim.save()
        audit_record(
            actor=actor,
            action="claim.registered",
            obj=claim,
            region_code=claim.village_id,
            changes={"status": [None, claim.status], "type": [None, claim.type], "covered": [None, claim.covered]},
            note=f"{enrolment.programme.code}: {incident_date.isoformat()}",
        )
        if type in DEATH_TYPES:
            _end_cover_on_death(actor, worker.pk, incident_date)
    return claim


def _apply_coverage(claim: Claim, coverage: CoverageOnDay) -> None:
    claim.covered = coverage.covered
    claim.coverage_reason = coverage.reason
    claim.coverage_message = str(coverage.message)[:300]
    claim.paid_months = coverage.months_paid
    try:
        estimate = claim_estimate(claim)
    except BenefitInputError as exc:
        field = {"percent": "disability_percent", "stmb_months": "stmb_months", "income": "income"}
        raise ClaimError(str(exc), field=field.get(getattr(exc, "field", "") or "")) from None
    claim.estimate_total = estimate.total if coverage.covered and estimate.eligible else 0


def _end_cover_on_death(actor: User, worker_id: int, died_on: dt.date) -> None:
    """End every active enrolment of the worker (in the actor's scope) on the day of death."""
    active = Enrolment.objects.filter(worker_id=worker_id, status=Status.ACTIVE).select_related("programme")
    for enrolment in active:
        assert enrolment.coverage_start is not None  # an active enrolment has one (database constraint)
        end = min(max(died_on, enrolment.coverage_start), enrolment.programme.coverage_end)
        enrolment_end(actor=actor, enrolment=enrolment, reason=EndReason.DIED, coverage_end=end)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# --- documents and heirs ----------------------------------------------------------------------------------


def claim_documents_update(*, actor: User, claim: Claim, received: list[str]) -> Claim:
    require(actor, Action.CLAIM_REGISTER)
    with transaction.atomic():
        claim = _locked(actor, claim)
        if claim.status != ClaimStatus.REPORTED:
            raise ClaimError(_("Documents can be changed only while the claim is reported."))
        allowed = CHECKLISTS[claim.type]
        kept = [code for code in allowed if code in set(received)]
        before = list(claim.documents)
        claim.documents = kept
        claim.save(update_fields=["documents", "updated_at"])
        audit_record(
            actor=actor,
            action="claim.documents",
            obj=claim,
            region_code=claim.village_id,
            changes={"documents": [before, kept]},
        )
    return claim


def claim_heir_add(
    *, actor: User, claim: Claim, name: str, relation: str, nik: str = "", phone: str = "", share: int | None = None
) -> Heir:
    """Record an heir of the claim's worker at claim time (name, relation, optional NIK, phone, share)."""
    from lindung.workers.services import heir_clean  # the registration form's own checks

    require(actor, Action.CLAIM_REGISTER)
    with transaction.atomic():
        claim = _locked(actor, claim)
        if not claim.is_death:
            raise ClaimError(_("Heirs are recorded for death claims."))
        if not claim.is_open:
            raise ClaimError(_("The claim is closed."))
        row = heir_clean({"name": name, "relation": relation, "nik": nik, "phone": phone, "share": share})
        heir = Heir.objects.create(worker_id=claim.worker_id, **row)
        audit_record(
            actor=actor,
            action="heir.added",
            obj=heir,
            region_code=claim.village_id,
            changes={"relation": [None, heir.relation], "share": [None, heir.share]},
            note=f"claim #{claim.pk}",
        )
    return heir


# --- the workflow -----------------------------------------------------------------------------------------


def claim_advance(
    *,
    actor: User,
    claim: Claim,
    step: str,
    paid_amount: int | None = None,
    paid_on: dt.date | None = None,
    reason: str = "",
    today: dt.date | None = None,
) -> Claim:
    """Take workflow ``step`` (``complete``, ``submit``, ``pay``, ``reject``) on ``claim``."""
    if step not in STEPS:
        raise ClaimError(_("Unknown step."))
    transition = STEPS[step]
    require(actor, transition.permission)
    today = today or timezone.localdate()
    with transaction.atomic():
        claim = _locked(actor, claim)
        if claim.status not in transition.sources:
            raise ClaimError(_(transition.refusal) % {"status": ClaimStatus(claim.status).label})
        fields: dict[str, Any] = {}
        if step == "complete":
            missing = missing_documents(claim.type, claim.documents)
            if missing:
                raise ClaimError(
                    _("%(count)s documents are still missing; tick them when they are received.")
                    % {"count": len(missing)}
                )
            if claim.is_death and not Heir.objects.filter(worker_id=claim.worker_id).exists():
                raise ClaimError(_("Record at least one heir before the documents are complete."))
        elif step == "pay":
            if paid_amount is None or paid_amount < 0:
                raise ClaimError(_("Enter the amount BPJS paid, in whole rupiah."), field="paid_amount")
            if refusal := rupiah_refusal(paid_amount):
                raise ClaimError(refusal, field="paid_amount")
            if paid_on is None:
                raise ClaimError(_("Enter the date BPJS paid."), field="paid_on")
            if paid_on > today or paid_on < claim.incident_date:
                raise ClaimError(
                    _("The payment date must be between the event (%(day)s) and today.")
                    % {"day": date_format(claim.incident_date)},
                    field="paid_on",
                )
            fields = {"paid_amount": paid_amount, "paid_on": paid_on}
        elif step == "reject":
            if not reason.strip():
                raise ClaimError(_("Give the reason for the rejection."), field="reason")
            fields = {"rejection_reason": reason.strip()}
        before = {"status": claim.status, **{name: getattr(claim, name) for name in fields}}
        claim.status = transition.target
        claim.status_changed_at = timezone.now()
        for name, value in fields.items():
            setattr(claim, name, value)
        claim.save(update_fields=["status", "status_changed_at", *fields, "updated_at"])
        audit_record(
            actor=actor,
            action=transition.audit_action,
            obj=claim,
            region_code=claim.village_id,
            changes=audit_changes(_plain(before), _plain({"status": transition.target, **fields})),
        )
    return claim


def _locked(actor: User, claim: Claim) -> Claim:
    return get_in_scope_or_404(Claim.objects.select_for_update(of=("self",)), actor, pk=claim.pk)


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}


# --- flags ------------------------------------------------------------------------------------------------


def report_deadline(claim: Claim) -> dt.datetime:
    """2 × 24 hours after the accident; an accident without a time counts from the end of its day."""
    hours = rule_value(Rule.JKK_REPORT_HOURS, on=claim.incident_date)
    moment = dt.datetime.combine(claim.incident_date, claim.incident_time or dt.time(23, 59))
    return timezone.make_aware(moment) + dt.timedelta(hours=hours)


def is_reported_late(claim: Claim) -> bool:
    """An accident reported after its deadline (``report_deadline``); kept on the claim at registration."""
    return claim.type in ACCIDENT_TYPES and claim.reported_at > report_deadline(claim)


def claim_flags(claim: Claim, *, now: dt.datetime | None = None) -> list[str]:
    """Why the claim needs attention: ``late_report`` (an accident reported after 2 × 24 h, as stored at
    registration) and ``stalled`` (open without a step for 14 days). No query: list pages call it per row."""
    now = now or timezone.now()
    flags = []
    if claim.reported_late:
        flags.append("late_report")
    if claim.is_open and now - claim.status_changed_at > dt.timedelta(days=STALLED_AFTER_DAYS):
        flags.append("stalled")
    return flags


FLAG_LABELS = {
    "late_report": gettext_noop("Accident reported later than 2 × 24 hours"),
    "stalled": gettext_noop("No progress for 14 days"),
}
