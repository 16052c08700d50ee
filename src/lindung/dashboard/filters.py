"""What the dashboard shows: its query string parsed into ``DashboardFilters``, and the programmes they choose.

A value the user may not use (another region's programme, a region outside their scope, a malformed month)
is ignored, never an error: the page then shows the default for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from lindung.accounts.models import User
from lindung.accounts.scope import scope_of
from lindung.contributions.budget import budget_programmes
from lindung.inputs import parse_id, parse_month, query_value
from lindung.programmes.models import FunderType, Programme
from lindung.regions.models import Region


@dataclass
class DashboardFilters:
    """What to show. ``region`` is a dotted code within the user's scope to drill into ("" = the user's region;
    for a user scoped to everything, the whole installation). Months are first days of months."""

    programme: Programme | None = None
    funder: str = ""
    month_from: dt.date | None = None
    month_to: dt.date | None = None
    region: str = ""

    def as_query(self) -> dict[str, str]:
        """The GET parameters that give these filters back through ``dashboard_filters_from``."""
        query = {
            "programme": str(self.programme.pk) if self.programme is not None else "",
            "funder": self.funder,
            "from": f"{self.month_from:%Y-%m}" if self.month_from else "",
            "to": f"{self.month_to:%Y-%m}" if self.month_to else "",
            "region": self.region,
        }
        return {key: value for key, value in query.items() if value}


def dashboard_programmes(user: User) -> QuerySet[Programme]:
    """Programmes the user may see figures of: those of their region, below it, and above it (a provincial
    programme covers a regency's workers; its figures are then read on the regency's rows only)."""
    return budget_programmes(user)


def default_region(user: User) -> str:
    return user.region_id or ""


def dashboard_filters_from(user: User, querydict: Mapping[str, Any]) -> DashboardFilters:
    """Filters from GET parameters ``programme`` (id or code), ``funder``, ``from``/``to`` (YYYY-MM) and
    ``region``; see the module doc for values that cannot be used."""

    def text(name: str) -> str:
        return query_value(querydict, name)

    filters = DashboardFilters(region=default_region(user))
    wanted = text("programme")
    if wanted:
        pk = parse_id(wanted)
        filters.programme = dashboard_programmes(user).filter(Q(pk=pk) if pk else Q(code=wanted)).first()
    if text("funder") in FunderType.values:
        filters.funder = text("funder")
    filters.month_from, filters.month_to = parse_month(text("from")), parse_month(text("to"))
    if filters.month_from and filters.month_to and filters.month_from > filters.month_to:
        filters.month_from, filters.month_to = filters.month_to, filters.month_from
    region = text("region")
    if region and scope_of(user).covers(region) and Region.objects.filter(code=region).exists():
        filters.region = region
    return filters


def chosen_programmes(user: User, filters: DashboardFilters) -> list[Programme]:
    """The programmes the figures count: those the user may see, narrowed by the programme and funder filters,
    newest first."""
    programmes = dashboard_programmes(user)
    if filters.programme is not None:
        programmes = programmes.filter(pk=filters.programme.pk)
    if filters.funder:
        programmes = programmes.filter(funder_type=filters.funder)
    return list(programmes.select_related("region").order_by("-coverage_start", "code"))
