"""The registry's rules for a chunk of clean rows, as set-based queries instead of one row at a time.

Mirrors ``lindung.workers.services.worker_register`` (NIK already registered, age limit) and
``lindung.enrolments.services.enrolment_propose`` (already in the programme, overlapping
government-funded coverage); the sentences are the registry's own, so they read the same everywhere.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from lindung.accounts.models import User
from lindung.accounts.scope import scope_of
from lindung.enrolments.models import Enrolment, Status
from lindung.imports.rows import Candidate, RowError
from lindung.programmes.models import FunderType, Programme
from lindung.regions.models import Region
from lindung.rules.keys import Rule
from lindung.rules.selectors import rule_value
from lindung.workers.models import Worker
from lindung.workers.services import age_on


@dataclass
class Decision:
    candidate: Candidate
    village: str  # the enrolment's village: the row's for a new worker, the registered worker's otherwise
    worker_id: int | None = None  # an existing worker to propose; None: a worker to create
    skip: bool = False
    errors: list[RowError] = field(default_factory=list)


def candidates_check(
    candidates: Sequence[Candidate], *, actor: User, programme: Programme, today: dt.date
) -> list[Decision]:
    scope = scope_of(actor)
    holders = {
        nik: (pk, village, regency)
        for nik, pk, village, regency in Worker.objects.filter(nik__in=[c.nik for c in candidates]).values_list(
            "nik", "pk", "village_id", "regency_code"
        )
    }
    worker_ids = [pk for pk, _, _ in holders.values()]
    enrolled = set(
        Enrolment.objects.filter(programme=programme, worker_id__in=worker_ids).values_list("worker_id", flat=True)
    )
    overlapping = overlapping_government_enrolments(worker_ids, programme)
    regency_names = dict(
        Region.objects.filter(code__in={regency for _, _, regency in holders.values()}).values_list("code", "name")
    )
    age_limit = rule_value(Rule.MAX_AGE_AT_REGISTRATION, on=today)

    decisions = []
    for candidate in candidates:
        decision = Decision(candidate, candidate.village)
        nik_column = candidate.columns["nik"]
        holder = holders.get(candidate.nik)
        if holder is None:
            age = age_on(candidate.values["birth_date"], today)
            if age >= age_limit:
                decision.errors.append(
                    RowError(
                        candidate.row,
                        candidate.columns["birth_date"],
                        gettext("A worker must be under %(limit)d years old at registration; this person is %(age)d.")
                        % {"limit": age_limit, "age": age},
                    )
                )
        else:
            pk, village, regency = holder
            decision.worker_id, decision.village = pk, village
            if not scope.covers(village):
                # Outside the uploader's region, say only that it exists (as the registry does).
                message = gettext("This NIK is already registered in another region.")
                decision.errors.append(RowError(candidate.row, nik_column, message))
            elif regency != candidate.village[:5]:
                message = gettext("This NIK is already registered in %(regency)s.") % {
                    "regency": regency_names.get(regency, regency)
                }
                decision.errors.append(RowError(candidate.row, nik_column, message))
            elif pk in enrolled:
                decision.skip = True
            elif pk in overlapping:
                code, name = overlapping[pk]
                decision.errors.append(
                    RowError(
                        candidate.row,
                        nik_column,
                        gettext(
                            "This worker already has government-funded coverage for overlapping months in programme "
                            "%(code)s (%(name)s); a second government-funded enrolment is not allowed."
                        )
                        % {"code": code, "name": name},
                    )
                )
        decisions.append(decision)
    return decisions


def overlapping_government_enrolments(worker_ids: Sequence[int], programme: Programme) -> dict[int, tuple[str, str]]:
    """{worker id: (programme code, name)} of the earliest other government-funded coverage overlapping
    ``programme``'s months: the set-based twin of ``enrolments.services._overlapping_government_enrolment``."""
    if not programme.is_government_funded or not worker_ids:
        return {}
    first_day = programme.coverage_start.replace(day=1)
    last = programme.coverage_end
    last_day = last.replace(day=calendar.monthrange(last.year, last.month)[1])
    rows = (
        Enrolment.objects.filter(worker_id__in=worker_ids, programme__funder_type__in=FunderType.government())
        .exclude(status=Status.REJECTED)
        .exclude(programme=programme)
        .alias(
            start=Coalesce("coverage_start", "programme__coverage_start"),
            end=Coalesce("coverage_end", "programme__coverage_end"),
        )
        .filter(start__lte=last_day, end__gte=first_day)
        .order_by("-programme__coverage_start", "-pk")
        .values_list("worker_id", "programme__code", "programme__name")
    )
    # Descending, so that the earliest overlapping programme of each worker is written last and kept.
    return {worker_id: (code, name) for worker_id, code, name in rows}


def quota_taken(programme: Programme, regencies: Sequence[str], statuses: Sequence[str]) -> dict[str, int]:
    rows = (
        Enrolment.objects.filter(programme=programme, regency_code__in=regencies, status__in=statuses)
        .values("regency_code")
        .annotate(n=Count("pk"))
        .values_list("regency_code", "n")
    )
    return dict(rows)
