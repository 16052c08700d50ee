"""``/api/v1/coverage?nik=...&date=YYYY-MM-DD``: was this person covered on that day? For authorised systems
(a hospital, a village system, a claims desk) within the caller's region.

The rule is ``contributions.coverage_day.coverage_on`` (the claim's and the public check's), asked through the
service ``contributions.coverage_check.coverage_check``, which scopes and audits. A person outside the caller's
region is answered exactly as one nobody registered: 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from lindung.accounts.models import User
from lindung.api.routers.money_fields import EraDate
from lindung.contributions.coverage_check import coverage_check
from lindung.workers.nik import nik_mask

router = Router(tags=["coverage"])

Reason = Annotated[str, Field(description="covered, not_active, before_start, ended or arrears")]


class CoverageQuery(Schema):
    nik: Annotated[str, Field(pattern=r"^[0-9]{16}$", description="The 16 digits of the NIK")]
    date: EraDate


class EnrolmentCoverageOut(Schema):
    enrolment_id: int
    programme: str = Field(description="The programme's code")
    covered: bool
    reason: Reason
    message: str
    paid_through: dt.date | None = Field(description="First day of the last month of the unbroken paid run")
    coverage_end: dt.date | None
    months_paid: int
    months_unpaid_overdue: int
    warnings: list[str]


class CoverageOut(Schema):
    nik_masked: str
    date: dt.date
    covered: bool = Field(description="Covered on the day by at least one enrolment")
    enrolments: list[EnrolmentCoverageOut] = Field(description="The covering ones first, then latest start first")


@router.get(
    "",
    response={200: CoverageOut},
    summary="Was this person covered on that day?",
)
def coverage(request: HttpRequest, query: Query[CoverageQuery]) -> CoverageOut:
    """Each of the person's enrolments that became active, with the verdict and its reason in a sentence (in
    the caller's language). Audited, as every question naming a whole NIK."""
    user = request.user
    assert isinstance(user, User)  # the bearer token's account (lindung.api.auth)
    check = coverage_check(actor=user, nik=query.nik, day=query.date)
    return CoverageOut(
        nik_masked=nik_mask(check.worker.nik),
        date=check.day,
        covered=check.covered,
        enrolments=[
            EnrolmentCoverageOut(
                enrolment_id=found.enrolment.pk,
                programme=found.enrolment.programme.code,
                covered=found.coverage.covered,
                reason=found.coverage.reason,
                message=str(found.coverage.message),
                paid_through=found.coverage.paid_through,
                coverage_end=found.coverage.coverage_end,
                months_paid=found.coverage.months_paid,
                months_unpaid_overdue=found.coverage.months_unpaid_overdue,
                warnings=[str(w) for w in found.coverage.warnings],
            )
            for found in check.enrolments
        ],
    )
