"""The summary tables' rows (``lindung.dashboard.models``) within the drilled region, and the village summary
added up once, per programme, for the headline figures (``lindung.contributions.headline``) that the families
read (coverage, at risk, money, the claims' contributions paid)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from django.db.models import QuerySet, Sum

from lindung.accounts.models import User
from lindung.accounts.scope import scope_queryset
from lindung.contributions.headline import PerProgramme
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
    billed: int = 0
    contributions_paid: int = 0

    def __add__(self, other: VillageSums) -> VillageSums:
        return VillageSums(**{name: getattr(self, name) + getattr(other, name) for name in _COLUMNS})


# The headline figure (``lindung.contributions.headline``) each column holds; outstanding is billed − paid.
HEADLINE_COLUMNS = {
    "covered": "covered",
    "in_process": "in_process",
    "ended": "ended",
    "arrears_1": "arrears_one",
    "arrears_2": "arrears_two",
    "arrears_3_plus": "arrears_three",
    "billed": "billed",
    "paid": "contributions_paid",
}


def counted(by_programme: Mapping[int, VillageSums]) -> dict[str, PerProgramme]:
    """The headline figures the summary holds, per programme, for ``headline_figures(counted=...)``."""
    out: dict[str, PerProgramme] = {
        key: {pk: getattr(sums, column) for pk, sums in by_programme.items()}
        for key, column in HEADLINE_COLUMNS.items()
    }
    out["outstanding"] = {pk: sums.billed - sums.contributions_paid for pk, sums in by_programme.items()}
    return out


@dataclass(frozen=True)
class RegionSums:
    total_by_programme: Mapping[int, VillageSums]  # the drilled region
    by_child_programme: Mapping[str, Mapping[int, VillageSums]]  # child region code → programme → its sums

    @property
    def total(self) -> VillageSums:
        return sum(self.total_by_programme.values(), VillageSums())

    @property
    def by_child(self) -> dict[str, VillageSums]:
        """Child region code → its sums; a child without rows is absent."""
        return {code: sum(rows.values(), VillageSums()) for code, rows in self.by_child_programme.items()}


_COLUMNS = tuple(f.name for f in fields(VillageSums))


def _sums(row: Mapping[str, Any]) -> VillageSums:
    return VillageSums(**{name: int(row.get(f"sum_{name}") or 0) for name in _COLUMNS})


def village_sums(user: User, place: Place, programme_ids: list[int]) -> RegionSums:
    """Two queries: the drilled region's totals per programme, and one GROUP BY its child regions and programmes
    (none at a village)."""
    rows = summary_rows(VillageFigure.objects.all(), user, place, programme_ids)
    sums = {f"sum_{name}": Sum(name) for name in _COLUMNS}
    total = {row["programme_id"]: _sums(row) for row in rows.values("programme_id").annotate(**sums)}
    by_child: dict[str, dict[int, VillageSums]] = {}
    if place.child_column is not None and place.children:
        column = place.child_column
        for row in rows.values(column, "programme_id").annotate(**sums):
            by_child.setdefault(row[column], {})[row["programme_id"]] = _sums(row)
    return RegionSums(total_by_programme=total, by_child_programme=by_child)
