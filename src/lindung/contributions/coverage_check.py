"""Is this person covered on that day? Asked by a connected system with a NIK (``GET /api/v1/coverage``).

The answer is ``coverage_day.coverage_on`` (the one rule) for each of the person's enrolments in the asker's
region whose period may hold the day, the covering one first. A person outside the asker's region is not
found, exactly as one who is not registered: nothing tells the two apart. Each check names a whole NIK, so it
is audited (as the public check is), with the worker and never the NIK itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require
from lindung.accounts.scope import scope_queryset
from lindung.audit.services import audit_record
from lindung.contributions.coverage_day import CoverageOnDay, coverage_on
from lindung.enrolments.models import Enrolment, Status
from lindung.errors import RefusedStep
from lindung.rules.selectors import RuleMissing
from lindung.workers.models import Worker


@dataclass(frozen=True)
class EnrolmentCoverage:
    enrolment: Enrolment
    coverage: CoverageOnDay


@dataclass(frozen=True)
class CoverageCheck:
    worker: Worker
    day: dt.date
    enrolments: tuple[EnrolmentCoverage, ...]  # the covering ones first, then latest start first

    @property
    def covered(self) -> bool:
        return any(found.coverage.covered for found in self.enrolments)


def coverage_check(*, actor: User, nik: str, day: dt.date, today: dt.date | None = None) -> CoverageCheck:
    """Whether the worker with ``nik`` (in ``actor``'s region) was covered on ``day``; 404 when there is none.

    Every enrolment of the worker that became active counts (``coverage_on`` says why one does not cover the
    day); enrolments never activated are left out, as the claim page leaves them out.
    """
    require(actor, Action.CLAIM_VIEW)
    today = today or timezone.localdate()
    worker = scope_queryset(Worker.objects.filter(nik=nik), actor).first()
    if worker is None:
        raise Http404
    enrolments = (
        scope_queryset(Enrolment.objects.filter(worker=worker), actor)
        .filter(status__in=[Status.ACTIVE, Status.ENDED])
        .select_related("programme")
        .order_by("-coverage_start", "-pk")
    )
    try:
        found = [EnrolmentCoverage(e, coverage_on(e, day, today=today)) for e in enrolments]
    except RuleMissing:  # the rule file starts in 2015: an older day has no arrears window to be judged by
        raise RefusedStep(_("No rules are in force on this day."), field="date") from None
    found.sort(key=lambda item: not item.coverage.covered)  # stable: the covering first, each group as ordered
    check = CoverageCheck(worker=worker, day=day, enrolments=tuple(found))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="coverage.checked",
            obj=worker,
            region_code=worker.village_id,
            changes={"day": [None, day.isoformat()], "covered": [None, check.covered]},
        )
    return check
