"""Rebuilding the dashboard's summary tables (``lindung.dashboard.models``) from the live tables.

``dashboard_refresh`` replaces every summary row in one transaction:

1. deletes the previous rows;
2. per programme and village, the headline figures of ``lindung.contributions.headline`` on ``today``, by its
   filters (so the definitions are written once): the enrolments covered, in process and ended (one ``INSERT
   ... SELECT ... GROUP BY``), the active workers 1, 2 and 3+ months in arrears (from ``CoverageStatus``,
   itself rebuilt by the nightly coverage job), and the contributions billed and paid (invoice lines);
3. per programme, village, occupation category, sex and age band on ``today``: the covered workers;
4. per programme, village and month: coverage started (active or ended enrolments, by the month of their
   coverage start) and ended (ended enrolments, by the month of their coverage end);
5. per programme, the billed enrolments by (coverage start, coverage end), for the budget projection;
6. records the run (``Refresh``) and writes one audit entry.

Every count is made by the database: the statements are built with the ORM (portable between SQLite
and PostgreSQL) and sent as ``INSERT INTO ... SELECT``, so no enrolment row travels to Python.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, Count, Field, IntegerField, Model, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, Substr, TruncMonth
from django.utils import timezone

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require
from lindung.audit.services import audit_record
from lindung.contributions import headline
from lindung.contributions.models import CoverageStatus, InvoiceLine
from lindung.contributions.sql import BILLED_STATUSES
from lindung.dashboard.models import CoveragePeriodFigure, DemographicFigure, MonthlyFigure, Refresh, VillageFigure
from lindung.enrolments.models import Enrolment, Status

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AgeBand:
    label: str
    low: int  # age in whole years, inclusive
    high: int | None  # inclusive; None = no upper limit


# Age on the day of the figures. Registration requires 15+ in practice; a younger worker (a wrong birth
# date) is counted in the first band rather than dropped, so the bands always add up to the total.
AGE_BANDS: tuple[AgeBand, ...] = (
    AgeBand("15–24", 15, 24),
    AgeBand("25–34", 25, 34),
    AgeBand("35–44", 35, 44),
    AgeBand("45–54", 45, 54),
    AgeBand("55–64", 55, 64),
    AgeBand("65+", 65, None),
)


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_band_case(today: dt.date, column: str = "worker__birth_date") -> Case:
    """The index into ``AGE_BANDS`` of a birth date, as a database expression.

    A person is at least N years old on ``today`` when born on or before ``today`` N years back, so each
    band is a comparison of the birth date with a fixed date: no date arithmetic in SQL, same on every backend.
    """
    whens = [
        When(**{f"{column}__gt": years_before(today, band.high + 1)}, then=Value(index))
        for index, band in enumerate(AGE_BANDS)
        if band.high is not None
    ]
    return Case(*whens, default=Value(len(AGE_BANDS) - 1), output_field=IntegerField())


@dataclass(frozen=True)
class RefreshRun:
    as_of: dt.date
    rows: int
    seconds: float


def _insert_select(model: type[Model], columns: list[str], queryset: QuerySet[Any, Any]) -> int:
    """``INSERT INTO <model> (columns) <queryset's SELECT>``: the queryset's ``values_list`` names its
    columns in the same order. Returns the rows inserted."""
    sql, params = queryset.query.sql_with_params()
    names = []
    for name in columns:
        field = model._meta.get_field(name)
        if not isinstance(field, Field) or not field.column:
            raise ValueError(f"{model.__name__}.{name} is not a concrete column")
        names.append(connection.ops.quote_name(field.column))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {model._meta.db_table} ({', '.join(names)}) {sql}", params)
        return max(cursor.rowcount, 0)


_REGION = ["programme", "village", "province_code", "regency_code", "district_code"]


def _village_rows(today: dt.date) -> int:
    district = Substr("village_id", 1, 8)
    stages = (
        Enrolment.objects.order_by()
        .annotate(district=district)
        .values_list("programme_id", "village_id", "province_code", "regency_code", "district")
        .annotate(
            covered=Count("pk", filter=headline.covered_q(today)),
            in_process=Count("pk", filter=headline.in_process_q()),
            ended=Count("pk", filter=headline.ended_q()),
        )
    )
    rows = _insert_select(VillageFigure, [*_REGION, "covered", "in_process", "ended"], stages)
    arrears = (
        CoverageStatus.objects.filter(months_in_arrears__gt=0, enrolment__status=Status.ACTIVE)
        .order_by()
        .annotate(district=Substr("enrolment__village_id", 1, 8))
        .values_list("programme_id", "enrolment__village_id", "province_code", "regency_code", "district")
        .annotate(
            one=Count("pk", filter=headline.arrears_q(1)),
            two=Count("pk", filter=headline.arrears_q(2)),
            three=Count("pk", filter=headline.arrears_q(3, or_more=True)),
        )
    )
    rows += _insert_select(VillageFigure, [*_REGION, "arrears_one", "arrears_two", "arrears_three"], arrears)
    # One pass over the issued lines for both sums (paid lines are a part of the billed ones).
    money = (
        InvoiceLine.objects.filter(headline.billed_q("invoice__"))
        .order_by()
        .annotate(district=Substr("enrolment__village_id", 1, 8))
        .values_list("invoice__programme_id", "enrolment__village_id", "province_code", "regency_code", "district")
        .annotate(billed=Sum("amount"), paid=Coalesce(Sum("amount", filter=headline.paid_q("invoice__")), 0))
    )
    rows += _insert_select(VillageFigure, [*_REGION, "billed", "contributions_paid"], money)
    return rows


def _demographic_rows(today: dt.date) -> int:
    covered = (
        Enrolment.objects.filter(headline.covered_q(today))
        .order_by()
        .annotate(district=Substr("village_id", 1, 8), band=age_band_case(today))
        .values_list(
            "programme_id",
            "village_id",
            "province_code",
            "regency_code",
            "district",
            "worker__occupation_id",
            "worker__sex",
            "band",
        )
        .annotate(n=Count("pk"))
    )
    return _insert_select(DemographicFigure, [*_REGION, "occupation", "sex", "age_band", "covered"], covered)


def _monthly_rows() -> int:
    started = (
        Enrolment.objects.filter(status__in=[Status.ACTIVE, Status.ENDED], coverage_start__isnull=False)
        .order_by()
        .annotate(district=Substr("village_id", 1, 8), month=TruncMonth("coverage_start"))
        .values_list("programme_id", "village_id", "province_code", "regency_code", "district", "month")
        .annotate(n=Count("pk"))
    )
    rows = _insert_select(MonthlyFigure, [*_REGION, "month", "activated"], started)
    ended = (
        Enrolment.objects.filter(status=Status.ENDED, coverage_end__isnull=False)
        .order_by()
        .annotate(district=Substr("village_id", 1, 8), month=TruncMonth("coverage_end"))
        .values_list("programme_id", "village_id", "province_code", "regency_code", "district", "month")
        .annotate(n=Count("pk"))
    )
    return rows + _insert_select(MonthlyFigure, [*_REGION, "month", "ended"], ended)


def _period_rows() -> int:
    """The budget's rule for the workers billing would bill (``lindung.contributions.budget._workers_by_month``)."""
    pairs = (
        Enrolment.objects.filter(status__in=BILLED_STATUSES, coverage_start__isnull=False)
        .order_by()
        .values_list("programme_id", "coverage_start", "coverage_end")
        .annotate(n=Count("pk"))
    )
    return _insert_select(CoveragePeriodFigure, ["programme", "coverage_start", "coverage_end", "enrolments"], pairs)


def dashboard_refresh(*, today: dt.date | None = None, actor: User | None = None) -> RefreshRun:
    """Rebuild the summary tables as of ``today`` (default: today in the installation's time zone).

    ``actor=None`` is the system (the nightly job, ``lindung dashboard refresh``); a user needs the
    dashboard right. The figures cover the whole installation, so there is no region to check: a user's
    page still reads only the rows of their region. Running it twice gives the same rows.
    """
    if actor is not None:
        require(actor, Action.DASHBOARD_VIEW)
    today = today or timezone.localdate()
    started_at = timezone.now()
    with transaction.atomic():
        for model in (VillageFigure, DemographicFigure, MonthlyFigure, CoveragePeriodFigure):
            # A plain DELETE of every row: no signals, no cascades to collect (nothing points at these rows).
            model.objects.all()._raw_delete(connection.alias)
        rows = _village_rows(today) + _demographic_rows(today) + _monthly_rows() + _period_rows()
        finished_at = timezone.now()
        refresh = Refresh.objects.create(as_of=today, started_at=started_at, finished_at=finished_at, rows=rows)
        # Only the latest run is read; the few before it stay as a trace of how long a run takes.
        Refresh.objects.filter(pk__in=Refresh.objects.order_by("-finished_at", "-pk")[10:].values("pk")).delete()
        audit_record(
            actor=actor,
            action="dashboard.refreshed",
            obj=refresh,
            changes={"as_of": [None, today.isoformat()], "rows": [None, rows]},
        )
    seconds = (finished_at - started_at).total_seconds()
    logger.info("dashboard figures refreshed as of %s: %s rows in %.1f s", today, rows, seconds)
    return RefreshRun(as_of=today, rows=rows, seconds=seconds)
