"""Reading the audit log, always through the viewer's region scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.text import capfirst

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


def history_row(
    entry: AuditEntry,
    *,
    model: type[Model],
    labels: Mapping[str, Any],
    values: Mapping[str, Callable[[Any], Any]] | None = None,
) -> dict[str, Any]:
    """One audit entry as a record's history page shows it (``templates/_history.html``).

    ``labels`` names the actions (``enrolment.verified`` → "Verified"); ``values`` turns stored codes of a field
    into words (a status code into its label); each field is named by the model's verbose name.
    """
    changes = []
    for name, (before, after) in sorted(entry.changes.items()):
        show = (values or {}).get(name)
        if show is not None:
            before, after = show(before), show(after)
        changes.append({"field": _field_label(model, name), "before": before, "after": after})
    return {"entry": entry, "label": labels.get(entry.action, entry.action), "changes": changes}


def _field_label(model: type[Model], name: str) -> str:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    return capfirst(str(getattr(field, "verbose_name", name)))
