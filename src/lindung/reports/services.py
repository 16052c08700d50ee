"""Who may take which report away, for which region, and the audit entry that records it.

A report is read-only, but handing figures out of the system is recorded like a write: every export
goes through ``report_export_record`` (action ``report.exported``: the report's name, the format, the
programme and the region; nothing about any person).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require
from lindung.accounts.scope import scope_of
from lindung.audit.services import audit_record
from lindung.contributions.budget import budget_programmes
from lindung.programmes.models import Programme
from lindung.regions.codes import dotted, is_within
from lindung.regions.models import Region


class ReportError(Exception):
    """A report cannot be made as asked; ``text`` says why, in the active language."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@dataclass(frozen=True)
class ReportScope:
    """What a report covers: one programme, seen from one region (the user's, or narrower).

    ``region`` is always set: the narrower of the programme's region and the viewer's, or the region
    asked for. ``actor`` is ``None`` for the system (the command line without ``--as``).
    """

    actor: User | None
    programme: Programme
    region: Region
    funder: str = ""
    month_from: dt.date | None = None
    month_to: dt.date | None = None


def report_programmes(actor: User | None) -> QuerySet[Programme]:
    """The programmes whose reports ``actor`` may take: within their region, or containing it (a provincial
    programme covers Pontianak's workers, so Pontianak's officers get its Pontianak figures)."""
    if actor is None:
        return Programme.objects.all()
    return budget_programmes(actor)


def report_scope(
    *,
    actor: User | None,
    programme_code: str,
    region_code: str = "",
    funder: str = "",
    month_from: dt.date | None = None,
    month_to: dt.date | None = None,
) -> ReportScope:
    """Check what was asked and settle the region. Raises ``PermissionDenied`` without DASHBOARD_VIEW and
    ``ReportError`` for an unknown programme or region, a region outside the actor's, one the programme
    does not reach, or a funder filter the programme does not match. A programme outside the actor's
    region is "unknown", as on the pages."""
    if actor is not None:
        require(actor, Action.DASHBOARD_VIEW)
    programme = report_programmes(actor).select_related("region").filter(code=programme_code).first()
    if programme is None:
        raise ReportError(gettext("There is no programme with code %(code)s.") % {"code": programme_code})
    if funder and programme.funder_type != funder:
        raise ReportError(
            gettext("Programme %(code)s is not paid by the funder type %(funder)s.")
            % {"code": programme.code, "funder": funder}
        )
    viewer = scope_of(actor).code if actor is not None else None
    if region_code:
        code = dotted(region_code)
        region = Region.objects.filter(code=code).first() if code else None
        if region is None:
            raise ReportError(gettext("There is no region with code %(code)s.") % {"code": region_code})
        if actor is not None and not scope_of(actor).covers(region.code):
            raise ReportError(
                gettext("Region %(code)s is outside the region of user %(name)s.")
                % {"code": region.code, "name": actor.username}
            )
    else:
        # The narrower of the programme's region and the viewer's: a Pontianak operator reading the
        # province's programme gets Pontianak; the province reading Sambas's programme gets Sambas.
        code = programme.region_id
        if viewer and is_within(viewer, code):
            code = viewer
        region = Region.objects.get(code=code)
    if not (is_within(region.code, programme.region_id) or is_within(programme.region_id, region.code)):
        raise ReportError(
            gettext("Programme %(programme)s does not cover region %(code)s.")
            % {"programme": programme.code, "code": region.code}
        )
    return ReportScope(
        actor=actor, programme=programme, region=region, funder=funder, month_from=month_from, month_to=month_to
    )


def report_export_record(*, scope: ReportScope, name: str, fmt: str) -> None:
    """Record that ``scope.actor`` (``None``: the system) took report ``name`` away as ``fmt``."""
    if scope.actor is not None:
        require(scope.actor, Action.DASHBOARD_VIEW)
        if not scope_of(scope.actor).covers(scope.region.code):
            raise PermissionDenied("region outside the actor's")
    changes: dict[str, list[object]] = {
        "report": [None, name],
        "format": [None, fmt],
        "programme": [None, scope.programme.code],
        "region": [None, scope.region.code],
    }
    if scope.funder:
        changes["funder"] = [None, scope.funder]
    if scope.month_from or scope.month_to:
        changes["period"] = [None, [_month(scope.month_from), _month(scope.month_to)]]
    with transaction.atomic():
        audit_record(
            actor=scope.actor,
            action="report.exported",
            obj=scope.programme,
            region_code=scope.region.code,
            changes=changes,
        )


def _month(day: dt.date | None) -> str | None:
    return f"{day:%Y-%m}" if day else None


def report_viewer(scope: ReportScope) -> User:
    """Whose eyes the figures are read with: the actor, or for the system an unsaved superuser that stands
    for the whole installation (the dashboard's selectors take a user; the report's region narrows them).
    Never saved, never written to the audit log (the system is ``actor=None`` there)."""
    if scope.actor is not None:
        return scope.actor
    return User(username="system", is_superuser=True, is_active=True)
