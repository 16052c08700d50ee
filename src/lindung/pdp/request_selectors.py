"""Reading the requests of the person, within the reader's region; and the counts that warn of their clocks."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, user_can
from lindung.accounts.scope import scope_of, scope_queryset
from lindung.audit.models import AuditEntry
from lindung.pdp.clock import WARN_WITHIN, ClockState
from lindung.pdp.models import PersonRequest, RequestStatus
from lindung.workers.models import Worker
from lindung.workers.selectors import worker_nik_holder

_NIK_SEPARATORS = re.compile(r"[\s.\-]")


def may_handle_requests(user: User) -> bool:
    """Operators who keep the registry and the data protection officer register and follow a person's requests."""
    return user_can(user, Action.PDP_MANAGE) or user_can(user, Action.WORKER_EDIT)


def require_handle_requests(user: User) -> None:
    if not may_handle_requests(user):
        raise PermissionDenied("pdp.requests")


def worker_by_nik(user: User, nik: str) -> Worker | None:
    """The worker holding ``nik`` (spaces, dots and dashes ignored) if ``user``'s region covers them; None for a
    NIK held nowhere and for one held outside it alike, so that an answer never confirms it exists."""
    holder = worker_nik_holder(nik=_NIK_SEPARATORS.sub("", nik))
    if holder is None or not scope_of(user).covers(holder.village_id):
        return None
    return Worker.objects.get(pk=holder.pk)


def clock_q(state: str, *, now: dt.datetime) -> Q:
    """Open requests whose clock stands at ``state`` at ``now`` (``clock.clock_state`` as a filter)."""
    open_ = Q(status=RequestStatus.OPEN)
    if state == ClockState.OVERDUE:
        return open_ & Q(due_at__lte=now)
    if state == ClockState.DUE_SOON:
        return open_ & Q(due_at__gt=now, due_at__lte=now + WARN_WITHIN)
    return open_ & Q(due_at__gt=now + WARN_WITHIN)


def person_requests(
    user: User, *, status: str = "", kind: str = "", clock: str = "", now: dt.datetime | None = None
) -> QuerySet[PersonRequest]:
    """The requests ``user`` may see, open ones first by how soon they are due, then the answered newest first."""
    require_handle_requests(user)
    queryset = scope_queryset(PersonRequest.objects.select_related("worker", "registered_by"), user)
    if status:
        queryset = queryset.filter(status=status)
    if kind:
        queryset = queryset.filter(kind=kind)
    if clock:
        queryset = queryset.filter(clock_q(clock, now=now or timezone.now()))
    is_open = Q(status=RequestStatus.OPEN)
    return queryset.order_by(
        Case(When(is_open, then=Value(0)), default=Value(1)),
        Case(When(is_open, then=F("due_at"))),  # the open ones by their deadline
        "-received_at",  # the answered ones newest first
        "-pk",
    )


def person_request_in_scope(user: User, pk: int) -> PersonRequest:
    """One request of the user's region; 404 outside it."""
    require_handle_requests(user)
    found = (
        scope_queryset(PersonRequest.objects.select_related("worker__village", "registered_by", "closed_by"), user)
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


@dataclass(frozen=True)
class DueCounts:
    due_soon: int  # open, due within ``clock.WARN_WITHIN``
    overdue: int  # open, past due


def requests_due(user: User, *, now: dt.datetime | None = None) -> DueCounts:
    """The open requests of ``user``'s region due soon and overdue, in one query (the officer's start page)."""
    now = now or timezone.now()
    counts = scope_queryset(PersonRequest.objects.filter(status=RequestStatus.OPEN), user).aggregate(
        due_soon=Count("pk", filter=clock_q(ClockState.DUE_SOON, now=now)),
        overdue=Count("pk", filter=clock_q(ClockState.OVERDUE, now=now)),
    )
    return DueCounts(due_soon=counts["due_soon"], overdue=counts["overdue"])


def request_history(item: PersonRequest) -> QuerySet[AuditEntry]:
    """What was done about ``item``, newest first: its own entries, and the worker's that name it (the access
    document produced for it, the restriction it set, the correction it carried out)."""
    on_worker = Q(object_type="workers.worker", object_id=str(item.worker_id))
    return AuditEntry.objects.filter(
        Q(object_type="pdp.personrequest", object_id=str(item.pk))
        | (on_worker & Q(action__in=["pdp.access_produced", "pdp.restricted"], changes__request__1=item.pk))
        | (on_worker & Q(action="worker.changed", changes__pdp_request__1=item.pk))
    ).order_by("-at", "-pk")
