"""Reading the audit log, always through the viewer's region scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from lindung.accounts.models import User
from lindung.accounts.scope import scope_code_q, scope_of
from lindung.audit.models import AuditEntry


@dataclass(frozen=True)
class AuditFilter:
    """What the viewer asked for; an empty value does not filter. Dates are inclusive, in local time."""

    action: str = ""  # a prefix: "enrolment." matches every enrolment action
    username: str = ""
    object_type: str = ""
    object_id: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def audit_entries_visible(user: User | AnonymousUser) -> QuerySet[AuditEntry]:
    """The entries of the viewer's region and below.

    Entries without a region (installation-wide: logins of users without a region, rule loads, the
    demo) are shown only to a viewer whose scope is a whole province or everything.
    """
    scope = scope_of(user)
    q = scope_code_q(user)
    if not scope.nothing and scope.code is not None and "." not in scope.code:
        q |= Q(region_code="")
    return AuditEntry.objects.filter(q)


def audit_entries_search(user: User | AnonymousUser, wanted: AuditFilter) -> QuerySet[AuditEntry]:
    """Newest first, with no join: the entry keeps a copy of the username."""
    entries = audit_entries_visible(user)
    if wanted.action:
        entries = entries.filter(action__startswith=wanted.action)
    if wanted.username:
        entries = entries.filter(actor_username=wanted.username)
    if wanted.object_type:
        entries = entries.filter(object_type=wanted.object_type)
    if wanted.object_id:
        entries = entries.filter(object_id=wanted.object_id)
    zone = timezone.get_current_timezone()
    if wanted.date_from:
        entries = entries.filter(at__gte=dt.datetime.combine(wanted.date_from, dt.time.min, tzinfo=zone))
    if wanted.date_to:
        next_day = wanted.date_to + dt.timedelta(days=1)
        entries = entries.filter(at__lt=dt.datetime.combine(next_day, dt.time.min, tzinfo=zone))
    return entries.order_by("-at", "-id")
