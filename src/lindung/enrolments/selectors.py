"""Reading enrolments: every queryset here passes through the region scope of the user asking, except
the registry-wide counts at the end (the overlap and quota rules), which the services and the import
checks apply whoever asks."""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.db.models.functions import Coalesce

from lindung.accounts.models import User
from lindung.accounts.scope import scope_of, scope_queryset
from lindung.audit.models import AuditEntry
from lindung.enrolments.models import Enrolment, Status
from lindung.programmes.models import FunderType, Programme
from lindung.regions.codes import ancestors
from lindung.regions.models import Region
from lindung.workers.models import Worker

# Sort keys offered by the list page → columns; the primary key keeps pages stable between requests.
SORTS: dict[str, tuple[str, ...]] = {
    "-proposed": ("-proposed_at", "-pk"),
    "proposed": ("proposed_at", "pk"),
    "name": ("worker__name", "pk"),
    "-name": ("-worker__name", "-pk"),
    "status": ("status", "-proposed_at", "-pk"),
    "programme": ("programme__code", "-proposed_at", "-pk"),
}
DEFAULT_SORT = "-proposed"

_NIK = re.compile(r"[0-9]{16}")


def enrolment_list(
    *,
    user: User,
    q: str = "",
    programme: Programme | None = None,
    status: str = "",
    regency: str = "",
    sort: str = "",
) -> QuerySet[Enrolment]:
    """The enrolments ``user`` may see, filtered and sorted; a 16-digit ``q`` is a NIK, anything else a name."""
    qs = scope_queryset(Enrolment.objects.all(), user)
    q = q.strip()
    if _NIK.fullmatch(q):
        qs = qs.filter(worker__nik=q)
    elif q:
        qs = qs.filter(worker__name__icontains=q)
    if programme is not None:
        qs = qs.filter(programme=programme)
    if status:
        qs = qs.filter(status=status)
    if regency:
        qs = qs.filter(regency_code=regency)
    return qs.select_related("worker", "programme", "village").order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))


def regencies_in_scope(user: User) -> QuerySet[Region]:
    """The regencies/cities whose rows ``user`` may see, for the list's filter."""
    scope = scope_of(user)
    regencies = Region.objects.filter(level=Region.Level.REGENCY)
    if scope.nothing:
        return regencies.none()
    if scope.everything or scope.code is None:
        return regencies
    if len(scope.code) >= 5:
        return regencies.filter(code=scope.code[:5])
    return regencies.filter(code__startswith=scope.code + ".")


def enrolment_history(enrolment: Enrolment) -> QuerySet[AuditEntry]:
    """The audit entries about ``enrolment``, oldest first."""
    return AuditEntry.objects.filter(object_type=Enrolment._meta.label_lower, object_id=str(enrolment.pk)).order_by(
        "at", "id"
    )


def programmes_open_for(worker: Worker) -> QuerySet[Programme]:
    """Programmes taking proposals whose region contains the worker's village."""
    regions = [*ancestors(worker.village_id), worker.village_id]
    return Programme.objects.filter(open_for_proposals=True, region_id__in=regions).order_by("-coverage_start", "code")


@dataclass(frozen=True)
class WaitingToSend:
    programme: Programme
    verified: int


def verified_waiting_to_send(user: User) -> list[WaitingToSend]:
    """Per programme, how many verified enrolments in ``user``'s scope wait to go to BPJS (one grouped query)."""
    counts = dict(
        scope_queryset(Enrolment.objects.filter(status=Status.VERIFIED), user)
        .values_list("programme_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    if not counts:
        return []
    programmes = Programme.objects.filter(pk__in=counts).order_by("-coverage_start", "code")
    return [WaitingToSend(programme=p, verified=counts[p.pk]) for p in programmes]


def worker_enrolments(*, user: User, worker: Worker) -> QuerySet[Enrolment]:
    """A worker's enrolments that ``user`` may see, newest programme first (for the worker page)."""
    return (
        scope_queryset(Enrolment.objects.filter(worker=worker), user)
        .select_related("programme")
        .order_by("-programme__coverage_start", "pk")
    )


# --- registry-wide rules (not scoped) ----------------------------------------------------------


def overlapping_government_enrolments(worker_ids: Sequence[int], programme: Programme) -> dict[int, tuple[str, str]]:
    """{worker id: (programme code, name)} of each worker's earliest other government-funded enrolment
    covering a month ``programme`` covers (none when ``programme`` is not government-funded).

    An enrolment covers from its own start (once BPJS activated it), else its programme's, until its
    own end (once ended), else its programme's. Rejected ones cover nothing. Months overlap when the
    other coverage starts on or before the last day of the programme's last month and ends on or
    after the first day of its first month. One query, whatever the number of workers.
    """
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
    """{regency code: enrolments of ``programme`` in one of ``statuses``} for ``regencies`` (one grouped query;
    a regency with none is missing)."""
    rows = (
        Enrolment.objects.filter(programme=programme, regency_code__in=regencies, status__in=statuses)
        .values("regency_code")
        .annotate(n=Count("pk"))
        .values_list("regency_code", "n")
    )
    return dict(rows)
