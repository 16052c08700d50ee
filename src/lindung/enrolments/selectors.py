"""Reading enrolments: every queryset here passes through the region scope of the user asking. (The
registry-wide counts of the overlap and quota rules, which apply whoever asks, are ``proposals``'.)"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from lindung.accounts.models import User
from lindung.accounts.scope import scope_code_q, scope_of, scope_queryset
from lindung.audit.models import AuditEntry
from lindung.enrolments.models import BpjsBatch, Enrolment, Status
from lindung.programmes.models import Programme
from lindung.regions.codes import ancestors
from lindung.regions.models import Region
from lindung.workers.models import Worker
from lindung.workers.selectors import WorkerFilters, worker_list, worker_search_q

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


def enrolment_list(
    *,
    user: User,
    q: str = "",
    programme: Programme | None = None,
    status: str = "",
    regency: str = "",
    sort: str = "",
) -> QuerySet[Enrolment]:
    """The enrolments ``user`` may see, filtered and sorted; ``q`` searches their workers as the worker list
    does (``worker_search_q``: a NIK, its last six digits, or the words of a name in any order)."""
    qs = scope_queryset(Enrolment.objects.all(), user)
    # A name of only short words, which the worker list refuses, is looked for whole here, as it always was.
    search = worker_search_q(q, prefix="worker__") or Q(worker__name__icontains=q.strip())
    qs = qs.filter(search)
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


def bpjs_batches(*, user: User) -> QuerySet[BpjsBatch]:
    """The BPJS batches sent from within ``user``'s region (a province's staff see their regencies' too), newest
    first, each with ``waiting``: its enrolments still waiting for BPJS's answer (one grouped count)."""
    return (
        BpjsBatch.objects.filter(scope_code_q(user))
        .annotate(waiting=Count("enrolments", filter=Q(enrolments__status=Status.SENT)))
        .select_related("programme", "created_by")
        .order_by("-created_at", "-pk")
    )


def worker_enrolments(*, user: User, worker: Worker) -> QuerySet[Enrolment]:
    """A worker's enrolments that ``user`` may see, newest programme first (for the worker page)."""
    return (
        scope_queryset(Enrolment.objects.filter(worker=worker), user)
        .select_related("programme")
        .order_by("-programme__coverage_start", "pk")
    )


# --- the worker list, filtered by enrolment -----------------------------------------------------

NOT_ENROLLED = "none"


@dataclass(frozen=True)
class WorkerListFilters(WorkerFilters):
    """The worker list's filters: the registry's and the workers' enrolments. ``status`` may be ``"none"``:
    never enrolled."""

    status: str = ""
    programme: int | None = None

    def as_dict(self) -> dict[str, str | int | None]:
        return {**super().as_dict(), "status": self.status, "programme": self.programme}


def worker_list_by_enrolment(
    *, user: User | AnonymousUser, q: str = "", filters: WorkerListFilters | None = None, sort: str = "name"
) -> QuerySet[Worker]:
    """The registry's list (``lindung.workers.selectors.worker_list``: scope, search, sort) with the workers'
    enrolments as a filter too."""
    filters = filters or WorkerListFilters()
    return worker_list(user=user, q=q, filters=filters, sort=sort, condition=_enrolment_condition(filters))


def _enrolment_condition(filters: WorkerListFilters) -> Q | None:
    if not (filters.status or filters.programme):
        return None
    enrolments = Enrolment.objects.filter(worker=OuterRef("pk"))
    if filters.programme:
        enrolments = enrolments.filter(programme_id=filters.programme)
    if filters.status == NOT_ENROLLED:
        return Q(~Exists(enrolments))
    if filters.status:
        enrolments = enrolments.filter(status=filters.status)
    return Q(Exists(enrolments))
