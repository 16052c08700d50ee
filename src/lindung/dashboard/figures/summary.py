"""The summary tables' rows (``lindung.dashboard.models``) within the drilled region, and the village summary
added up once for the families that read it (coverage, at risk, the claims' contributions paid)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from django.db.models import QuerySet, Sum

from lindung.accounts.models import User
from lindung.accounts.scope import scope_queryset
from lindung.dashboard.figures.place import Place
from lindung.dashboard.models import DemographicFigure, MonthlyFigure, VillageFigure

# The summary tables stamp the district too: a district is filtered on it rather than on its villages' codes.
_DISTRICT = "district_code"


def summary_rows[M: VillageFigure | DemographicFigure | MonthlyFigure](
    queryset: QuerySet[M], user: User, place: Place, programme_ids: list[int]
) -> QuerySet[M]:
    """The rows of ``programme_ids`` the user may see (their region scope), within the drilled region."""
    scoped = scope_queryset(queryset.filter(programme_id__in=programme_ids), user, district=_DISTRICT)
    return scoped.filter(place.within.q(district=_DISTRICT)).order_by()


@dataclass(frozen=True)
class VillageSums:
    """``VillageFigure``'s counts added up over a region."""

    covered: int = 0
    in_process: int = 0
    ended: int = 0
    arrears_one: int = 0
    arrears_two: int = 0
    arrears_three: int = 0
    contributions_paid: int = 0


@dataclass(frozen=True)
class RegionSums:
    total: VillageSums  # the drilled region
    by_child: Mapping[str, VillageSums]  # child region code → its sums; a child without rows is absent


_COLUMNS = tuple(f.name for f in fields(VillageSums))


def _sums(row: Mapping[str, Any]) -> VillageSums:
    return VillageSums(**{name: int(row.get(f"sum_{name}") or 0) for name in _COLUMNS})


def village_sums(user: User, place: Place, programme_ids: list[int]) -> RegionSums:
    """Two queries: the drilled region's totals, and one GROUP BY its child regions (none at a village)."""
    rows = summary_rows(VillageFigure.objects.all(), user, place, programme_ids)
    sums = {f"sum_{name}": Sum(name) for name in _COLUMNS}
    total = _sums(rows.aggregate(**sums))
    by_child: dict[str, VillageSums] = {}
    if place.child_column is not None and place.children:
        column = place.child_column
        by_child = {row[column]: _sums(row) for row in rows.values(column).annotate(**sums)}
    return RegionSums(total=total, by_child=by_child)
