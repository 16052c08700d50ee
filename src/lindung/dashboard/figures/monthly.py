"""Enrolments over time: per month of the chart, the coverage started and ended, and the workers covered after it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Sum
from django.db.models.functions import Coalesce

from lindung.accounts.models import User
from lindung.dashboard.figures.place import Place
from lindung.dashboard.figures.summary import summary_rows
from lindung.dashboard.filters import DashboardFilters
from lindung.dashboard.models import MonthlyFigure
from lindung.months import month_start, months_from
from lindung.programmes.models import Programme

# The months chart shows at most this many months (the latest ones of the period); without a chosen start, the
# last two years, which stay readable as columns.
MAX_MONTHS = 60
DEFAULT_MONTHS = 24


@dataclass(frozen=True)
class MonthRow:
    month: dt.date
    activated: int  # coverage started in the month
    ended: int  # coverage ended in the month
    active: int  # covered after the month: started by its end and not ended in or before it


def month_range(programmes: Iterable[Programme], filters: DashboardFilters, today: dt.date) -> list[dt.date]:
    """The months of the chart: the filter's period, else the programmes' periods up to this month (the last
    ``DEFAULT_MONTHS`` of them)."""
    programmes = list(programmes)
    start = filters.month_from or min((month_start(p.coverage_start) for p in programmes), default=None)
    end = filters.month_to or min(
        max((month_start(p.coverage_end) for p in programmes), default=month_start(today)), month_start(today)
    )
    if start is None or start > end:
        return []
    months = list(months_from(start, end))
    return months[-(MAX_MONTHS if filters.month_from else DEFAULT_MONTHS) :]


def monthly(
    user: User, place: Place, programmes: list[Programme], filters: DashboardFilters, today: dt.date
) -> tuple[MonthRow, ...]:
    """Two queries: the coverage started and ended before the chart (the first month's starting head count),
    and one GROUP BY month over the chart's months."""
    months = month_range(programmes, filters, today)
    if not months:
        return ()
    rows = summary_rows(MonthlyFigure.objects.all(), user, place, [p.pk for p in programmes])
    before = rows.filter(month__lt=months[0]).aggregate(
        activated=Coalesce(Sum("activated"), 0), ended=Coalesce(Sum("ended"), 0)
    )
    sums = {
        month: (int(a or 0), int(e or 0))
        for month, a, e in rows.filter(month__gte=months[0], month__lte=months[-1])
        .values_list("month")
        .annotate(a=Sum("activated"), e=Sum("ended"))
        .values_list("month", "a", "e")
    }
    active = before["activated"] - before["ended"]
    out = []
    for month in months:
        activated, ended = sums.get(month, (0, 0))
        active += activated - ended
        out.append(MonthRow(month, activated, ended, active))
    return tuple(out)
