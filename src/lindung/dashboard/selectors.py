"""The dashboard's figures, for the page (``/dasbor/``) and the reports: scoped, filtered, counted by the database.

Stable API (the reports app builds on it)::

    filters = dashboard_filters_from(user, request.GET)      # validated; invalid values ignored
    figures = dashboard_figures(user, filters, today=None)   # a DashboardFigures

Where the figures come from:

- coverage by region, totals, demographics, enrolments over time, at risk and the contributions paid: the
  summary tables (``lindung.dashboard.models``), rebuilt by ``dashboard_refresh`` (nightly after the coverage
  job, ``lindung dashboard refresh``, or the page's button). ``DashboardFigures.as_of`` says when; they are
  a few thousand rows per programme, added up with GROUP BY here;
- money: per programme as on the budget page (``lindung.contributions.budget``): billed, paid and outstanding
  live; the projection's head count per month from the summary (a grouped count over the programme's
  enrolments otherwise, ~130 ms at a million);
- claims (the claims table, small): live.

Definitions: *covered* = enrolments with status aktif; *in process* = proposed, verified or sent to BPJS;
*ended* = status berakhir. Without a programme filter a worker enrolled in two programmes counts in each.
*Target*: the programme's target for a region its programme region lies within, the regency quota for a
regency (``RegencyQuota``), none below a regency. The period filter applies to the months chart, the
claims (by the date of the event) and nothing else: the other figures are the workers as they stand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from lindung.accounts.models import User
from lindung.accounts.scope import scope_of, scope_queryset
from lindung.claims.models import OPEN_STATUSES, Claim, ClaimStatus, ClaimType
from lindung.claims.selectors import claims_in_scope
from lindung.contributions.budget import (
    FunderTotal,
    ProgrammeBudget,
    budget_programmes,
    budget_projection,
    funder_totals,
    period_months,
)
from lindung.contributions.models import Invoice, InvoiceStatus
from lindung.contributions.selectors import programme_received_and_allocated
from lindung.dashboard.models import CoveragePeriodFigure, DemographicFigure, MonthlyFigure, Refresh, VillageFigure
from lindung.dashboard.services import AGE_BANDS
from lindung.inputs import parse_id, parse_month, query_value
from lindung.months import month_end, month_start, months_from
from lindung.programmes.models import FunderType, Programme, RegencyQuota
from lindung.programmes.rates import programme_monthly_contribution
from lindung.regions.codes import ancestors, is_within, level_of
from lindung.regions.models import Region
from lindung.workers.models import OccupationCategory, Sex

# The months chart shows at most this many months (the latest ones of the period); without a chosen start, the
# last two years, which stay readable as columns.
MAX_MONTHS = 60
DEFAULT_MONTHS = 24


# --- filters ----------------------------------------------------------------------------------------


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
    ``region``. A value the user may not use (another region's programme, a region outside their scope, a
    malformed month) is ignored, never an error: the page then shows the default for it."""

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


# --- figures ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionRef:
    code: str
    name: str


@dataclass(frozen=True)
class RegionCoverage:
    """One child region of the drilled region (or the totals, with the drilled region's code and name)."""

    code: str
    name: str
    covered: int
    target: int | None
    in_process: int = 0
    ended: int = 0

    @property
    def percent(self) -> float | None:
        """Covered against target, in percent (one decimal); None without a target."""
        return round(100 * self.covered / self.target, 1) if self.target else None


@dataclass(frozen=True)
class Group:
    """Covered workers in one category, sex or age band; men and women apart where it makes sense."""

    key: str
    label: str
    covered: int
    male: int = 0
    female: int = 0


@dataclass(frozen=True)
class Demographics:
    by_category: tuple[Group, ...]
    by_sex: tuple[Group, ...]
    by_age: tuple[Group, ...]


@dataclass(frozen=True)
class MonthRow:
    month: dt.date
    activated: int  # coverage started in the month
    ended: int  # coverage ended in the month
    active: int  # covered after the month: started by its end and not ended in or before it


@dataclass(frozen=True)
class RegionRisk:
    code: str
    name: str
    one: int
    two: int
    three: int  # 3 months or more

    @property
    def total(self) -> int:
        return self.one + self.two + self.three


@dataclass(frozen=True)
class ProgrammeMoney:
    programme: Programme
    ceiling: int
    billed: int
    paid: int
    outstanding: int
    projected: int
    runs_out_in: dt.date | None

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


@dataclass(frozen=True)
class ClaimCount:
    key: str
    label: str
    count: int
    benefits: int = 0  # paid by BPJS on the claims counted


@dataclass(frozen=True)
class RegionClaims:
    code: str
    name: str
    claims: int
    benefits: int
    contributions: int


@dataclass(frozen=True)
class Claims:
    by_type: tuple[ClaimCount, ...]
    by_status: tuple[ClaimCount, ...]
    by_region: tuple[RegionClaims, ...]
    count: int
    open: int
    benefits_paid: int
    contributions_paid: int

    @property
    def ratio(self) -> float | None:
        """Benefits paid per contributions paid, in percent (one decimal); None without contributions."""
        return round(100 * self.benefits_paid / self.contributions_paid, 1) if self.contributions_paid else None


@dataclass(frozen=True)
class DashboardFigures:
    filters: DashboardFilters
    region: RegionRef  # the drilled region ("" and the installation's name for everything)
    trail: tuple[RegionRef, ...]  # from the user's region down to the drilled one (for the breadcrumbs)
    child_level: int | None  # Region.Level of the children, None at a village
    programmes: tuple[Programme, ...]  # the programmes counted
    totals: RegionCoverage
    coverage: tuple[RegionCoverage, ...]  # one per child region, in code order
    demographics: Demographics
    months: tuple[MonthRow, ...]
    at_risk: RegionRisk  # totals of the drilled region
    at_risk_by_region: tuple[RegionRisk, ...]
    money: Money
    claims: Claims
    as_of: dt.datetime | None  # when the summary tables were last rebuilt (None: never)
    as_of_day: dt.date | None  # the day those figures describe (ages are on that day)
    today: dt.date = field(default_factory=timezone.localdate)

    @property
    def is_stale(self) -> bool:
        """Never refreshed, or the figures describe a day before today."""
        return self.as_of_day is None or self.as_of_day < self.today


def _region_q(code: str) -> Q:
    """The summary rows within ``code``, by its indexed column."""
    if not code:
        return Q()
    return {
        1: Q(province_code=code),
        2: Q(regency_code=code),
        3: Q(district_code=code),
    }.get(level_of(code), Q(village_id=code))


_CHILD_COLUMN = {0: "province_code", 1: "regency_code", 2: "district_code", 3: "village_id"}


def _child_column(code: str) -> str | None:
    return _CHILD_COLUMN.get(level_of(code) if code else 0)


def _summary[M: VillageFigure | DemographicFigure | MonthlyFigure](
    queryset: QuerySet[M], user: User, region: str, programme_ids: list[int]
) -> QuerySet[M]:
    return scope_queryset(queryset.filter(programme_id__in=programme_ids), user).filter(_region_q(region)).order_by()


def _programmes(user: User, filters: DashboardFilters) -> list[Programme]:
    programmes = dashboard_programmes(user)
    if filters.programme is not None:
        programmes = programmes.filter(pk=filters.programme.pk)
    if filters.funder:
        programmes = programmes.filter(funder_type=filters.funder)
    return list(programmes.select_related("region").order_by("-coverage_start", "code"))


@dataclass(frozen=True)
class ProgrammeTarget:
    region: str  # the programme's region
    target: int  # Programme.target_workers
    quotas: Mapping[str, int]  # regency → RegencyQuota.quota


def programme_targets(programmes: Iterable[Programme]) -> list[ProgrammeTarget]:
    programmes = list(programmes)
    quotas: dict[int, dict[str, int]] = {}
    rows = RegencyQuota.objects.filter(programme__in=programmes).values_list("programme_id", "regency_id", "quota")
    for programme_id, regency, quota in rows:
        quotas.setdefault(programme_id, {})[regency] = quota
    return [ProgrammeTarget(p.region_id, p.target_workers, quotas.get(p.pk, {})) for p in programmes]


def target_for(code: str, targets: Iterable[ProgrammeTarget]) -> int | None:
    """The target of region ``code`` summed over the programmes: a programme whose region lies within
    ``code`` brings its whole target, a programme of a wider region its quota for ``code`` (regencies only).
    None when no programme sets one."""
    found = []
    for target in targets:
        if not code or is_within(target.region, code):
            found.append(target.target)
        elif code in target.quotas:
            found.append(target.quotas[code])
    return sum(found) if found else None


def dashboard_figures(user: User, filters: DashboardFilters, *, today: dt.date | None = None) -> DashboardFigures:
    """Every figure of the dashboard for ``user`` (their region scope) and ``filters``; see the module doc."""
    today = today or timezone.localdate()
    region = filters.region if filters.region and scope_of(user).covers(filters.region) else default_region(user)
    programmes = _programmes(user, filters)
    ids = [p.pk for p in programmes]
    targets = programme_targets(programmes)
    refresh = Refresh.objects.order_by("-finished_at", "-pk").first()

    children = list(_children(region))
    child_column = _child_column(region)
    coverage, risks = _coverage(user, region, ids, children, child_column, targets)
    totals_row = _summary(VillageFigure.objects.all(), user, region, ids).aggregate(
        covered=Coalesce(Sum("covered"), 0),
        in_process=Coalesce(Sum("in_process"), 0),
        ended=Coalesce(Sum("ended"), 0),
        one=Coalesce(Sum("arrears_one"), 0),
        two=Coalesce(Sum("arrears_two"), 0),
        three=Coalesce(Sum("arrears_three"), 0),
        contributions=Coalesce(Sum("contributions_paid"), 0),
    )
    here = _region_ref(region)
    totals = RegionCoverage(
        code=region,
        name=here.name,
        covered=totals_row["covered"],
        target=target_for(region, targets),
        in_process=totals_row["in_process"],
        ended=totals_row["ended"],
    )
    contributions_by_child = {code: value for code, value in _contributions_by_child(user, region, ids, child_column)}
    return DashboardFigures(
        filters=filters,
        region=here,
        trail=_trail(user, region),
        child_level=(level_of(region) + 1 if region else 1) if child_column else None,
        programmes=tuple(programmes),
        totals=totals,
        coverage=tuple(coverage),
        demographics=_demographics(user, region, ids),
        months=tuple(_months(user, region, programmes, filters, today)),
        at_risk=RegionRisk(region, here.name, totals_row["one"], totals_row["two"], totals_row["three"]),
        at_risk_by_region=tuple(risks),
        money=_money(programmes),
        claims=_claims(
            user,
            region,
            programmes,
            filters,
            children,
            child_column,
            totals_row["contributions"],
            contributions_by_child,
        ),
        as_of=refresh.finished_at if refresh else None,
        as_of_day=refresh.as_of if refresh else None,
        today=today,
    )


def _region_ref(code: str) -> RegionRef:
    if not code:
        return RegionRef("", gettext("Indonesia"))
    name = Region.objects.filter(code=code).values_list("name", flat=True).first()
    return RegionRef(code, name or code)


def _trail(user: User, region: str) -> tuple[RegionRef, ...]:
    """The drilled region and the regions above it, down from the user's own region."""
    top = default_region(user)
    codes = [c for c in [*ancestors(region), region] if c and (not top or is_within(c, top))] if region else []
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    head = [RegionRef("", gettext("Indonesia"))] if not top else []
    return tuple(head + [RegionRef(c, names.get(c, c)) for c in codes])


def _children(region: str) -> QuerySet[Region]:
    if not region:
        return Region.objects.filter(level=Region.Level.PROVINCE).order_by("code")
    return Region.objects.filter(parent_id=region).order_by("code")


def _coverage(
    user: User,
    region: str,
    ids: list[int],
    children: list[Region],
    child_column: str | None,
    targets: list[ProgrammeTarget],
) -> tuple[list[RegionCoverage], list[RegionRisk]]:
    if child_column is None or not children:
        return [], []
    rows = {
        row[child_column]: row
        for row in _summary(VillageFigure.objects.all(), user, region, ids)
        .values(child_column)
        .annotate(
            covered_sum=Sum("covered"),
            in_process_sum=Sum("in_process"),
            ended_sum=Sum("ended"),
            one=Sum("arrears_one"),
            two=Sum("arrears_two"),
            three=Sum("arrears_three"),
        )
    }
    coverage, risks = [], []
    for child in children:
        row = rows.get(child.code, {})
        coverage.append(
            RegionCoverage(
                code=child.code,
                name=child.name,
                covered=int(row.get("covered_sum") or 0),
                target=target_for(child.code, targets),
                in_process=int(row.get("in_process_sum") or 0),
                ended=int(row.get("ended_sum") or 0),
            )
        )
        risks.append(
            RegionRisk(
                child.code, child.name, int(row.get("one") or 0), int(row.get("two") or 0), int(row.get("three") or 0)
            )
        )
    return coverage, risks


def _contributions_by_child(user: User, region: str, ids: list[int], child_column: str | None) -> list[tuple[str, int]]:
    if child_column is None:
        return []
    return [
        (code, int(total or 0))
        for code, total in _summary(VillageFigure.objects.all(), user, region, ids)
        .filter(contributions_paid__gt=0)
        .values_list(child_column)
        .annotate(total=Sum("contributions_paid"))
    ]


def _demographics(user: User, region: str, ids: list[int]) -> Demographics:
    """One GROUP BY (category, sex, age band): at most a few hundred sums, split three ways here."""
    cells = list(
        _summary(DemographicFigure.objects.all(), user, region, ids)
        .values_list("occupation_id", "sex", "age_band")
        .annotate(n=Sum("covered"))
    )
    categories = list(OccupationCategory.objects.order_by("sort_order", "code").values_list("pk", "code", "name"))
    by_category: dict[int, list[int]] = {}
    by_band: dict[int, list[int]] = {}
    by_sex: dict[str, int] = {}
    for occupation, sex, band, n in cells:
        slot = 0 if sex == Sex.MALE else 1
        by_category.setdefault(occupation, [0, 0])[slot] += n
        by_band.setdefault(band, [0, 0])[slot] += n
        by_sex[sex] = by_sex.get(sex, 0) + n
    return Demographics(
        by_category=tuple(
            Group(code, name, sum(by_category[pk]), *by_category[pk])
            for pk, code, name in categories
            if pk in by_category
        ),
        by_sex=tuple(
            Group(
                value,
                str(label),
                by_sex.get(value, 0),
                **{"male" if value == Sex.MALE else "female": by_sex.get(value, 0)},
            )
            for value, label in Sex.choices
        ),
        by_age=tuple(
            Group(band.label, band.label, sum(by_band.get(i, [0, 0])), *by_band.get(i, [0, 0]))
            for i, band in enumerate(AGE_BANDS)
        ),
    )


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


def _months(
    user: User, region: str, programmes: list[Programme], filters: DashboardFilters, today: dt.date
) -> list[MonthRow]:
    months = month_range(programmes, filters, today)
    if not months:
        return []
    rows = _summary(MonthlyFigure.objects.all(), user, region, [p.pk for p in programmes])
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
    return out


def _money(programmes: list[Programme]) -> Money:
    """Per programme, the budget page's figures (``lindung.contributions.budget``): billed, paid and the rates
    read live; the head count per month still to come from the summary (``CoveragePeriodFigure``), the one
    part that would count the programme's enrolments."""
    pairs: dict[int, list[tuple[dt.date, dt.date | None, int]]] = {}
    rows = CoveragePeriodFigure.objects.filter(programme__in=programmes).order_by()
    for programme_id, start, end, n in rows.values_list("programme_id", "coverage_start", "coverage_end", "enrolments"):
        pairs.setdefault(programme_id, []).append((start, end, n))
    budgets = [_programme_budget(p, pairs.get(p.pk, [])) for p in programmes]
    money = tuple(
        ProgrammeMoney(
            programme=b.programme,
            ceiling=b.ceiling,
            billed=b.billed,
            paid=b.paid,
            outstanding=b.outstanding,
            projected=b.projection.projected,
            runs_out_in=b.projection.runs_out_in,
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


def _programme_budget(programme: Programme, pairs: list[tuple[dt.date, dt.date | None, int]]) -> ProgrammeBudget:
    """``budget.programme_budget`` with the head counts of ``budget._workers_by_month`` taken from ``pairs``."""
    end_month = month_start(programme.coverage_end)
    billed_by_month = {
        month: int(total)
        for month, total in Invoice.objects.filter(programme=programme)
        .exclude(status=InvoiceStatus.DRAFT)
        .values_list("month", "total")
    }
    paid, allocated = programme_received_and_allocated(programme)
    remaining = [m for m in period_months(programme.coverage_start, end_month) if m not in billed_by_month]
    workers = dict.fromkeys(remaining, 0)
    for start, end, n in pairs:
        for month in remaining:
            if start <= month_end(month) and (end is None or end >= month):
                workers[month] += n
    projection = budget_projection(
        ceiling=programme.budget_ceiling,
        billed_by_month=billed_by_month,
        active_workers=0,
        monthly_amounts_by_month={m: programme_monthly_contribution(programme, m).total for m in remaining},
        workers_by_month=workers,
    )
    return ProgrammeBudget(
        programme=programme, paid=paid, allocated=allocated, end_month=end_month, projection=projection
    )


def _claims(
    user: User,
    region: str,
    programmes: list[Programme],
    filters: DashboardFilters,
    children: list[Region],
    child_column: str | None,
    contributions: int,
    contributions_by_child: Mapping[str, int],
) -> Claims:
    """Claims of the programmes in the drilled region (by the date of the event within the period), live:
    the claims table is small. Contributions paid come from the summary (invoice lines are not)."""
    claims = claims_in_scope(user).filter(programme__in=programmes).filter(_claim_region_q(region)).order_by()
    if filters.month_from:
        claims = claims.filter(incident_date__gte=filters.month_from)
    if filters.month_to:
        claims = claims.filter(incident_date__lte=month_end(filters.month_to))
    paid = Q(status=ClaimStatus.PAID)
    by_type = {
        kind: (n, int(b))
        for kind, n, b in claims.values_list("type").annotate(
            n=Count("pk"), b=Coalesce(Sum("paid_amount", filter=paid), 0)
        )
    }
    by_status = {
        status: (n, int(b))
        for status, n, b in claims.values_list("status").annotate(
            n=Count("pk"), b=Coalesce(Sum("paid_amount", filter=paid), 0)
        )
    }
    by_child: dict[str, tuple[int, int]] = {}
    if child_column is not None:
        if child_column == "district_code":  # claims carry no district column
            by_child = _claims_by_district(claims)
        else:
            by_child = {
                code: (n, int(b))
                for code, n, b in claims.values_list(child_column).annotate(
                    n=Count("pk"), b=Coalesce(Sum("paid_amount", filter=paid), 0)
                )
            }
    return Claims(
        by_type=tuple(
            ClaimCount(kind.value, str(kind.label), *by_type[kind.value]) for kind in ClaimType if kind.value in by_type
        ),
        by_status=tuple(ClaimCount(s.value, str(s.label), *by_status.get(s.value, (0, 0))) for s in ClaimStatus),
        by_region=tuple(
            RegionClaims(
                child.code,
                child.name,
                by_child.get(child.code, (0, 0))[0],
                by_child.get(child.code, (0, 0))[1],
                contributions_by_child.get(child.code, 0),
            )
            for child in children
            if child_column is not None
        ),
        count=sum(n for n, _ in by_status.values()),
        open=sum(by_status.get(s.value, (0, 0))[0] for s in OPEN_STATUSES),
        benefits_paid=sum(b for _, b in by_status.values()),
        contributions_paid=contributions,
    )


def _claim_region_q(region: str) -> Q:
    if not region:
        return Q()
    depth = level_of(region)
    if depth == 1:
        return Q(province_code=region)
    if depth == 2:
        return Q(regency_code=region)
    if depth == 3:
        return Q(regency_code=region[:5], village__code__startswith=region + ".")
    return Q(village_id=region)


def _claims_by_district(claims: QuerySet[Claim]) -> dict[str, tuple[int, int]]:
    """Claims per district of a regency: grouped by village in the database (a regency's claims, a few
    hundred villages at most), then added up per district here."""
    out: dict[str, tuple[int, int]] = {}
    for village, n, b in claims.values_list("village_id").annotate(
        n=Count("pk"), b=Coalesce(Sum("paid_amount", filter=Q(status=ClaimStatus.PAID)), 0)
    ):
        count, benefits = out.get(village[:8], (0, 0))
        out[village[:8]] = (count + n, benefits + int(b))
    return out
