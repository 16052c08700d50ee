"""The registry's rules for a chunk of clean rows, as set-based queries instead of one row at a time.

Mirrors ``lindung.workers.services.worker_register`` (NIK already registered, age limit) and
``lindung.enrolments.services.enrolment_propose`` (already in the programme, overlapping
government-funded coverage); the sentences are the registry's own, so they read the same everywhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext

from lindung.accounts.models import User
from lindung.accounts.scope import scope_of
from lindung.enrolments.models import Enrolment
from lindung.enrolments.selectors import overlapping_government_enrolments
from lindung.imports.rows import Candidate, RowError
from lindung.programmes.models import Programme
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
