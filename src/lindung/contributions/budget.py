"""The budget of a programme: ceiling, billed, paid, owed, and where the money goes until the period ends.

Two layers:

- ``budget_projection`` is pure arithmetic on integer rupiah (no database), unit-tested on worked examples.
- ``programme_budget`` gathers the figures with a fixed number of aggregate queries per programme
  (none per enrolment or per invoice line), so the page stays fast for a million enrolments.

Definitions (all integer rupiah). *This month* is the month of the day the figures are asked for (the
page's today); money is projected only from this month to the end of the period, never into the past:

- *billed*, *paid*, *outstanding*: the headline figures of the whole programme
  (``lindung.contributions.headline``, where they are defined once): the issued invoices' lines; those of the
  invoices paid in full; those of the invoices not paid in full.
- *received*: the payments of the programme that are not reversed. The part of them that settles no invoice
  yet (*not yet settling an invoice*: received minus paid, shown apart) is the part of partly paid invoices
  already received and the *credit*, the part set against no invoice.
- *projected*: for each month from this month to the end of the period with no issued invoice, the
  workers that billing would bill that month as the enrolments stand today (active ones, and ended ones
  whose coverage still reaches the month — the billing rule), times the amount for one worker that month
  from the rule tables (``monthly_contribution``). A draft invoice counts as not billed yet.
- *never billed*: the months before this one that fell due and were never billed (``never_billed``, the figure
  the nightly run counts): owed all the same (a month of coverage is owed from the day it starts), so they take
  their part of the ceiling in their own month, like a bill; they are not projected again.
- *runs out in*: the first month, this month or later, in which billed + never billed + projected, added up
  month by month, exceeds the ceiling; none if it never does.
- *already exceeded by*: when the months before this month were billed (or owed) beyond the ceiling, by how much
  (there is then no run-out month to show: it is past).
- *capacity*: how many more workers the money left after billed + never billed + projected covers for every month
  from this month to the end of the period: floor(left / sum of one worker's amounts over those months),
  never negative.
- *ended*: the period ended before this month. Such a programme has only its final account (billed,
  paid, outstanding, *unused*: the ceiling minus billed, never negative): nothing is projected, there is no
  capacity and no what-if.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils import timezone

from lindung.accounts.models import User
from lindung.accounts.scope import scope_code_q
from lindung.contributions.headline import HeadlineFigures, HeadlineScope, headline_figures
from lindung.contributions.models import Invoice, InvoiceStatus
from lindung.contributions.never_billed import never_billed
from lindung.contributions.selectors import programme_received_and_allocated
from lindung.contributions.sql import BILLED_STATUSES
from lindung.enrolments.models import Enrolment
from lindung.months import month_end, month_start, next_month
from lindung.programmes.models import FunderType, Programme
from lindung.programmes.rates import programme_monthly_contribution

# A what-if may extend the period, but not without bound (each month costs a rule look-up).
MAX_PERIOD_MONTHS = 60


@dataclass(frozen=True)
class MonthFigure:
    month: dt.date
    billed: int  # 0 when the month is projected
    projected: int  # 0 when the month is billed
    cumulative: int
    never_billed: int = 0  # owed for a past month no invoice billed


@dataclass(frozen=True)
class BudgetProjection:
    ceiling: int
    billed: int
    projected: int
    runs_out_in: dt.date | None  # this month or later; a past one is ``exceeded_by`` instead
    exceeded_by: int  # how far the months before this month were billed beyond the ceiling (0: not)
    capacity: int
    months: tuple[MonthFigure, ...]
    never_billed: int = 0

    @property
    def committed(self) -> int:
        return self.billed + self.never_billed + self.projected

    @property
    def left(self) -> int:
        """Ceiling minus billed, never billed and projected: negative when the money runs out."""
        return self.ceiling - self.committed


def budget_projection(
    *,
    ceiling: int,
    billed_by_month: Mapping[dt.date, int],
    active_workers: int,
    monthly_amounts_by_month: Mapping[dt.date, int],
    current_month: dt.date,
    workers_by_month: Mapping[dt.date, int] | None = None,
    never_billed_by_month: Mapping[dt.date, int] | None = None,
) -> BudgetProjection:
    """Project the budget from ``current_month`` to the end of the period.

    ``monthly_amounts_by_month`` holds one worker's amount for each month of the period still to
    come (a month also in ``billed_by_month`` is billed and not projected, a month before
    ``current_month`` is past and not projected either). Each such month costs
    ``workers_by_month[month]`` workers when given (the enrolments as they stand), else
    ``active_workers`` (a what-if number). ``never_billed_by_month`` holds what the past months owe that no
    invoice billed (a month may be billed in part and owe the rest). The months are taken in calendar order.
    """
    billed_months = set(billed_by_month)
    # Owed and never billed: a past month's only (a month from this one on is projected in full).
    owed = {m: amount for m, amount in (never_billed_by_month or {}).items() if m < current_month and amount > 0}
    remaining = sorted(m for m in monthly_amounts_by_month if m not in billed_months and m >= current_month)
    figures: list[MonthFigure] = []
    cumulative = billed = projected = never_billed = billed_before = 0
    runs_out_in: dt.date | None = None
    for month in sorted(billed_months | set(remaining) | set(owed)):
        if month in billed_months or month in owed:
            month_billed, month_projected = billed_by_month.get(month, 0), 0
        else:
            workers = active_workers if workers_by_month is None else workers_by_month.get(month, 0)
            month_billed, month_projected = 0, workers * monthly_amounts_by_month[month]
        month_owed = owed.get(month, 0)
        billed += month_billed
        projected += month_projected
        never_billed += month_owed
        cumulative += month_billed + month_owed + month_projected
        if month < current_month:
            billed_before = cumulative  # only billed and owed months lie in the past
        if runs_out_in is None and cumulative > ceiling:
            runs_out_in = month
        figures.append(MonthFigure(month, month_billed, month_projected, cumulative, month_owed))
    exceeded_by = 0
    if runs_out_in is not None and runs_out_in < current_month:
        # A run-out month in the past would tell a reader to plan for what has already happened: say how
        # far the money is already exceeded instead.
        runs_out_in, exceeded_by = None, billed_before - ceiling
    per_worker = sum(monthly_amounts_by_month[m] for m in remaining)
    left = ceiling - billed - never_billed - projected
    capacity = left // per_worker if per_worker > 0 and left > 0 else 0
    return BudgetProjection(
        ceiling=ceiling,
        billed=billed,
        projected=projected,
        runs_out_in=runs_out_in,
        exceeded_by=exceeded_by,
        capacity=capacity,
        months=tuple(figures),
        never_billed=never_billed,
    )


# --- figures from the database -----------------------------------------------------------------


def budget_programmes(user: User) -> QuerySet[Programme]:
    """Programmes whose budget ``user`` may read.

    Those whose region lies within the user's region, and also those whose region *contains* it: a
    provincial programme covers the workers of Kota Pontianak, so Pontianak's officers and leaders
    see its budget (the whole programme's figures; the page is read-only). Programmes of other
    regencies stay hidden.
    """
    return Programme.objects.filter(scope_code_q(user, "region__code", with_ancestors=True))


@dataclass(frozen=True)
class WhatIf:
    """Changes to try; ``None`` keeps the programme's own value."""

    ceiling: int | None = None
    end_month: dt.date | None = None
    workers: int | None = None


# The money figures of the budget, read from their selectors (``lindung.contributions.headline``).
MONEY_KEYS = ("billed", "paid", "outstanding")


@dataclass(frozen=True)
class ProgrammeBudget:
    programme: Programme
    received: int  # payments not reversed
    allocated: int  # the part of them set against invoices
    money: HeadlineFigures  # billed, paid and outstanding of the whole programme
    end_month: dt.date
    current_month: dt.date
    projection: BudgetProjection

    @property
    def ended(self) -> bool:
        """The period ended before this month: a final account, nothing left to project."""
        return self.end_month < self.current_month

    @property
    def unused(self) -> int:
        """The part of the ceiling nothing billed or projected takes (an ended programme's money not spent)."""
        return max(self.projection.left, 0)

    @property
    def ceiling(self) -> int:
        return self.projection.ceiling

    @property
    def billed(self) -> int:
        return self.money.number("billed")

    @property
    def never_billed(self) -> int:
        """Owed for past months no invoice billed (the headline figure ``never_billed_amount``)."""
        return self.projection.never_billed

    @property
    def paid(self) -> int:
        return self.money.number("paid")

    @property
    def outstanding(self) -> int:
        return self.money.number("outstanding")

    @property
    def unsettled(self) -> int:
        """Received, not yet settling an invoice: part of a partly paid invoice, or credit."""
        return self.received - self.paid

    @property
    def credit(self) -> int:
        return self.received - self.allocated


def period_months(start: dt.date, end: dt.date) -> list[dt.date]:
    months: list[dt.date] = []
    month = month_start(start)
    while month <= end and len(months) < MAX_PERIOD_MONTHS:
        months.append(month)
        month = next_month(month)
    return months


# The billed enrolments of a programme that share a coverage start and end: (start, end or None, how many).
CoveragePeriod = tuple[dt.date, dt.date | None, int]


def programme_budget(
    programme: Programme,
    what_if: WhatIf | None = None,
    *,
    today: dt.date | None = None,
    coverage_periods: Iterable[CoveragePeriod] | None = None,
) -> ProgrammeBudget:
    """The programme's budget figures on ``today`` (the local date by default), optionally with a what-if
    applied (nothing is written).

    Queries: the issued invoices' totals by month (1), payments (1), allocations (1), billed, paid and
    outstanding (``headline``: 3, on the invoices' totals), the workers
    per remaining month in one grouped COUNT (1), and one rule look-up per remaining month (from
    today's month to the end of the period, none for an ended programme).
    ``coverage_periods``, when given, are the programme's billed enrolments already counted by coverage
    start and end (the dashboard keeps them in a summary table): the grouped COUNT is then skipped.
    """
    what_if = what_if or WhatIf()
    current_month = month_start(today or timezone.localdate())
    end_month = month_start(what_if.end_month or programme.coverage_end)
    billed_by_month: dict[dt.date, int] = {
        month: int(total)
        for month, total in Invoice.objects.filter(programme=programme)
        .exclude(status=InvoiceStatus.DRAFT)
        .values_list("month", "total")
    }
    received, allocated = programme_received_and_allocated(programme)
    money = headline_figures(HeadlineScope.of_programme(programme, "", today or timezone.localdate()), keys=MONEY_KEYS)
    # Months before this one are history (billed or not), never a projection.
    first_month = max(month_start(programme.coverage_start), current_month)
    remaining = [m for m in period_months(first_month, end_month) if m not in billed_by_month]
    amounts = {month: programme_monthly_contribution(programme, month).total for month in remaining}
    workers_by_month = (
        None if what_if.workers is not None else _workers_by_month(programme, remaining, coverage_periods)
    )
    projection = budget_projection(
        ceiling=programme.budget_ceiling if what_if.ceiling is None else what_if.ceiling,
        billed_by_month=billed_by_month,
        active_workers=what_if.workers or 0,
        monthly_amounts_by_month=amounts,
        current_month=current_month,
        workers_by_month=workers_by_month,
        never_billed_by_month=_never_billed_by_month(programme),
    )
    return ProgrammeBudget(
        programme=programme,
        received=received,
        allocated=allocated,
        money=money,
        end_month=end_month,
        current_month=current_month,
        projection=projection,
    )


def _never_billed_by_month(programme: Programme) -> dict[dt.date, int]:
    """What each past month of the programme owes and no invoice billed, as the nightly run counted it."""
    owed: dict[dt.date, int] = {}
    for row in never_billed([programme]).rows:
        owed[row.month] = owed.get(row.month, 0) + row.amount
    return owed


def _workers_by_month(
    programme: Programme, months: Sequence[dt.date], periods: Iterable[CoveragePeriod] | None = None
) -> dict[dt.date, int]:
    """Per month, the enrolments billing would bill (its rule, see ``services._COVERED``).

    One grouped query over (coverage start, coverage end) pairs, unless ``periods`` holds them, added up per
    month here: a filtered COUNT per month made PostgreSQL scan a million enrolments once per remaining
    month (BENCHMARKS.md). A programme has a few thousand distinct pairs at most, since coverage starts and
    ends on few days.
    """
    if not months:
        return {}
    if periods is None:
        periods = (
            Enrolment.objects.filter(programme=programme, status__in=BILLED_STATUSES, coverage_start__isnull=False)
            .values_list("coverage_start", "coverage_end")
            .annotate(n=Count("pk"))
            .order_by()
        )
    counts = dict.fromkeys(months, 0)
    for start, end, n in periods:
        for month in months:
            if start <= month_end(month) and (end is None or end >= month):
                counts[month] += n
    return counts


@dataclass(frozen=True)
class FunderTotal:
    funder_type: str
    label: str
    programmes: int
    ceiling: int
    billed: int
    paid: int
    outstanding: int
    projected: int
    left: int


def funder_totals(budgets: Iterable[ProgrammeBudget]) -> list[FunderTotal]:
    """Sums per funder type, in the order of ``FunderType`` (a handful of programmes, added in Python)."""
    by_type: dict[str, list[ProgrammeBudget]] = {}
    for budget in budgets:
        by_type.setdefault(budget.programme.funder_type, []).append(budget)
    return [
        FunderTotal(
            funder_type=value,
            label=str(label),
            programmes=len(group),
            ceiling=sum(b.ceiling for b in group),
            billed=sum(b.billed for b in group),
            paid=sum(b.paid for b in group),
            outstanding=sum(b.outstanding for b in group),
            projected=sum(b.projection.projected for b in group),
            left=sum(b.projection.left for b in group),
        )
        for value, label in FunderType.choices
        if (group := by_type.get(value))
    ]
