"""The dashboard's figures, for the page (``/dasbor/``) and the reports: scoped, filtered, counted by the database.

Stable API (the reports app builds on it)::

    filters = dashboard_filters_from(user, request.GET)      # lindung.dashboard.filters; invalid values ignored
    figures = dashboard_figures(user, filters, today=None)   # a DashboardFigures

Each family of figures has its module in ``lindung.dashboard.figures``, with the types it returns. Where they
come from:

- coverage by region, totals, demographics, enrolments over time, at risk and the contributions paid: the
  summary tables (``lindung.dashboard.models``), rebuilt by ``dashboard_refresh`` (nightly after the coverage
  job, ``lindung dashboard refresh``, or the page's button). ``DashboardFigures.as_of`` says when; they are
  a few thousand rows per programme, added up with GROUP BY;
- money: per programme as on the budget page (``lindung.contributions.budget.programme_budget``): billed, paid
  and outstanding live; the projection's head count per month from the summary;
- claims (the claims table, small): live;
- the months due and never billed: ``lindung.contributions.never_billed`` (rebuilt with the arrears by the
  nightly coverage job).

Definitions: *covered* = enrolments with status aktif; *in process* = proposed, verified or sent to BPJS;
*ended* = status berakhir. Without a programme filter a worker enrolled in two programmes counts in each.
*Target*: the programme's target for a region its programme region lies within, the regency quota for a
regency (``RegencyQuota``), none below a regency. The period filter applies to the months chart, the
claims (by the date of the event) and nothing else: the other figures are the workers as they stand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from lindung.accounts.models import User
from lindung.contributions.headline import HeadlineFigures
from lindung.contributions.never_billed import NeverBilled, never_billed
from lindung.dashboard.figures.at_risk import RegionRisk, at_risk_by_region
from lindung.dashboard.figures.claims import Claims, claims
from lindung.dashboard.figures.coverage import RegionCoverage, coverage_by_region
from lindung.dashboard.figures.demographics import Demographics, demographics
from lindung.dashboard.figures.headline import region_headlines
from lindung.dashboard.figures.money import Money, money
from lindung.dashboard.figures.monthly import MonthRow, monthly
from lindung.dashboard.figures.place import RegionRef, place_of
from lindung.dashboard.figures.summary import village_sums
from lindung.dashboard.filters import DashboardFilters, chosen_programmes
from lindung.dashboard.models import Refresh
from lindung.programmes.models import Programme


@dataclass(frozen=True)
class DashboardFigures:
    filters: DashboardFilters
    region: RegionRef  # the drilled region ("" and the installation's name for everything)
    trail: tuple[RegionRef, ...]  # from the user's region down to the drilled one (for the breadcrumbs)
    child_level: int | None  # Region.Level of the children, None at a village
    programmes: tuple[Programme, ...]  # the programmes counted
    headline: HeadlineFigures  # of the drilled region: every headline figure, the same as everywhere else
    totals: RegionCoverage
    coverage: tuple[RegionCoverage, ...]  # one per child region, in code order
    demographics: Demographics
    months: tuple[MonthRow, ...]
    at_risk: RegionRisk  # totals of the drilled region
    at_risk_by_region: tuple[RegionRisk, ...]
    money: Money
    never_billed: NeverBilled  # months due and never billed, within the drilled region
    claims: Claims
    as_of: dt.datetime | None  # when the summary tables were last rebuilt (None: never)
    as_of_day: dt.date | None  # the day those figures describe (ages are on that day)
    today: dt.date = field(default_factory=timezone.localdate)

    @property
    def is_stale(self) -> bool:
        """Never refreshed, or the figures describe a day before today."""
        return self.as_of_day is None or self.as_of_day < self.today


def dashboard_figures(user: User, filters: DashboardFilters, *, today: dt.date | None = None) -> DashboardFigures:
    """Every figure of the dashboard for ``user`` (their region scope) and ``filters``; see the module doc."""
    today = today or timezone.localdate()
    place = place_of(user, filters)
    programmes = chosen_programmes(user, filters)
    ids = [p.pk for p in programmes]
    sums = village_sums(user, place, ids)
    headlines = region_headlines(place, sums, programmes, single=filters.programme is not None, day=today)
    totals, coverage = coverage_by_region(place, headlines)
    at_risk, at_risk_by_child = at_risk_by_region(place, headlines)
    refresh = Refresh.objects.order_by("-finished_at", "-pk").first()
    return DashboardFigures(
        filters=filters,
        region=place.region,
        trail=place.trail,
        child_level=place.child_level,
        programmes=tuple(programmes),
        headline=headlines.total,
        totals=totals,
        coverage=coverage,
        demographics=demographics(user, place, ids),
        months=monthly(user, place, programmes, filters, today),
        at_risk=at_risk,
        at_risk_by_region=at_risk_by_child,
        money=money(programmes, today),
        never_billed=never_billed(programmes, region_code=place.code),
        claims=claims(user, place, programmes, filters, headlines),
        as_of=refresh.finished_at if refresh else None,
        as_of_day=refresh.as_of if refresh else None,
        today=today,
    )
