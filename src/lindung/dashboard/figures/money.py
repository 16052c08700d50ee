"""Money: per programme and in total, the budget page's figures (``lindung.contributions.budget``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lindung.contributions.budget import CoveragePeriod, FunderTotal, funder_totals, programme_budget
from lindung.dashboard.models import CoveragePeriodFigure
from lindung.programmes.models import Programme


@dataclass(frozen=True)
class ProgrammeMoney:
    programme: Programme
    ceiling: int
    billed: int
    paid: int
    outstanding: int
    projected: int
    runs_out_in: dt.date | None  # this month or later (``lindung.contributions.budget``)
    exceeded_by: int  # the months before this month billed beyond the ceiling (0: not)

    @property
    def left(self) -> int:
        return self.ceiling - self.billed - self.projected


@dataclass(frozen=True)
class Money:
    programmes: tuple[ProgrammeMoney, ...]
    funders: tuple[FunderTotal, ...]
    ceiling: int
    billed: int
    paid: int
    outstanding: int
    projected: int

    @property
    def runs_out_in(self) -> dt.date | None:
        """The earliest run-out month of the programmes shown."""
        months = [p.runs_out_in for p in self.programmes if p.runs_out_in is not None]
        return min(months) if months else None

    @property
    def exceeded(self) -> bool:
        """A programme shown has already spent beyond its ceiling: worse than any run-out month to come."""
        return any(p.exceeded_by for p in self.programmes)


def money(programmes: list[Programme], today: dt.date) -> Money:
    """``programme_budget`` per programme on ``today``: billed, paid and the rates read live. The head count per
    month still to come, the one part that would count the programme's enrolments (~130 ms at a million), is
    given from the summary (``CoveragePeriodFigure``, one query for every programme)."""
    periods: dict[int, list[CoveragePeriod]] = {p.pk: [] for p in programmes}
    rows = CoveragePeriodFigure.objects.filter(programme__in=programmes).order_by()
    for programme_id, start, end, n in rows.values_list("programme_id", "coverage_start", "coverage_end", "enrolments"):
        periods[programme_id].append((start, end, n))
    budgets = [programme_budget(p, today=today, coverage_periods=periods[p.pk]) for p in programmes]
    money = tuple(
        ProgrammeMoney(
            programme=b.programme,
            ceiling=b.ceiling,
            billed=b.billed,
            paid=b.paid,
            outstanding=b.outstanding,
            projected=b.projection.projected,
            runs_out_in=b.projection.runs_out_in,
            exceeded_by=b.projection.exceeded_by,
        )
        for b in budgets
    )
    return Money(
        programmes=money,
        funders=tuple(funder_totals(budgets)),
        ceiling=sum(r.ceiling for r in money),
        billed=sum(r.billed for r in money),
        paid=sum(r.paid for r in money),
        outstanding=sum(r.outstanding for r in money),
        projected=sum(r.projected for r in money),
    )
