"""The months an enrolment owes and the state of each: the rule of issue 14, written once, in its two forms.

A month is owed from the day coverage starts, billed or not: for BPJS a month with no paid contribution is
a month without protection, whoever forgot to bill it. Definitions, as of ``today`` (months are first days
of months; *choice* marks what a later session may revisit):

- The **months of an enrolment** (status active or ended, with a coverage start): the months of its
  programme from the month of its coverage start to the earliest of the month of its coverage end, the
  programme's last month and the **calendar end**: today's month, or the latest month billed on an issued
  invoice of the programme when that is later (a month billed in advance keeps its place; the months after
  today's month that are not billed are not due, so they change nothing).
- A month is **billed** when the lines of issued invoices for it (normal lines and corrections of that
  month, wherever they sit) add up to more than zero: a correction that takes a month back (a death
  reported late) leaves it unbilled. Its **billing month** is the month of the latest invoice with a
  positive line for it. A billed month is **paid** when every invoice with a positive line for it is
  ``paid``. *Choice:* a partly paid invoice pays none of its months, because a payment is not earmarked
  for workers.
- The **due date** is day ``LINDUNG_CONTRIBUTION_DUE_DAY`` (setting, default 10) of the month after
  (``due_date``): for a billed month, after its billing month (a back-dated correction is not in arrears the
  day it is billed); for a month never billed, after the later of the month itself and the month of the
  enrolment's ``activated_on`` (a back-dated activation does not put months in arrears before anybody could
  bill them; an empty ``activated_on`` postpones nothing). *Choice:* a month is **overdue** from the day
  after its due date; on the due day itself it is still on time.

Each month is in exactly one **state** (``MonthState``): *paid*; *not yet due* (not paid, not overdue);
*billed and unpaid* (billed, not paid, overdue); *due but never billed* (not billed, overdue). The last two
are **owing**: they count against the worker alike.

Derived per enrolment (``MonthFigures``, the columns of ``CoverageStatus``): ``months_billed`` and
``months_paid``; ``paid_through``, the last month of the unbroken run of paid months from the first month
(any month not paid ends the run, billed or not, due or not; none when the first month is not paid);
``months_in_arrears``, the owing months; ``consecutive_unpaid``, the owing months after the latest paid
month (the lapse rule compares it with ``Rule.ARREARS_WINDOW``); ``months_never_billed``, the months due
but never billed; and ``never_billed_mask``, which of them (bit *i* for the programme's month *i*, the
first being 0, up to ``NEVER_BILLED_BITS`` months; a later month is counted but has no bit, so the
never-billed figure leaves it out).

The two forms, which ``tests/test_months_owed.py`` compares on many enrolments and both databases:

- set-based, for the nightly job: ``months_owed_refresh`` rebuilds a programme's ``CoverageStatus`` rows in
  one ``INSERT ... SELECT`` (the programme's calendar as a ``VALUES`` list joined to its enrolments, the
  billed months grouped from the lines LEFT JOINed to it, no date function of either dialect), then its
  ``NeverBilledMonth`` rows (per village and month) from the masks;
- per enrolment, for a claim or the public check (``coverage_day.coverage_on``): ``billed_months`` (one
  grouped query on the lines), ``owed_months`` and ``month_figures``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Case, IntegerField, Max, Min, Q, Sum, When
from django.utils import timezone

from lindung.contributions.models import CoverageStatus, Invoice, InvoiceStatus, NeverBilledMonth
from lindung.contributions.selectors import lines_of_enrolments
from lindung.contributions.sql import BILLED_STATUSES, date_param
from lindung.enrolments.models import Enrolment
from lindung.months import add_months, month_end, month_start, months_from
from lindung.programmes.models import Programme

# A programme's months that have a bit in ``CoverageStatus.never_billed_mask`` (a signed 64-bit integer):
# the first 62, more than five years.
NEVER_BILLED_BITS = 62


def due_day() -> int:
    """The day of the next month by which a month's contributions must be paid (``LINDUNG_CONTRIBUTION_DUE_DAY``,
    1-28, checked at start-up)."""
    return int(settings.LINDUNG_CONTRIBUTION_DUE_DAY)


def due_date(month: dt.date) -> dt.date:
    """Day ``due_day()`` of the month after ``month``."""
    return add_months(month_start(month), 1).replace(day=due_day())


def last_overdue_invoice_month(today: dt.date) -> dt.date:
    """The latest month whose due date is before ``today``: a month is overdue when its due month is this one or
    earlier."""
    back = 1 if today.day > due_day() else 2
    return add_months(month_start(today), -back)


class MonthState(StrEnum):
    PAID = "paid"
    NOT_DUE = "not_due"
    UNPAID = "billed_unpaid"
    NEVER_BILLED = "never_billed"


OWING = frozenset({MonthState.UNPAID, MonthState.NEVER_BILLED})


@dataclass(frozen=True)
class BilledMonth:
    """A month billed for an enrolment (issued lines adding up to more than zero)."""

    month: dt.date
    paid: bool  # every invoice with a positive line for it is paid
    billed_in: dt.date  # the month of the latest invoice with a positive line for it: its due date counts


@dataclass(frozen=True)
class OwedMonth:
    month: dt.date
    state: MonthState
    billed: bool
    due: dt.date
    index: int  # the month's place in its programme, the first being 0 (its bit in the never-billed mask)

    @property
    def owing(self) -> bool:
        return self.state in OWING


@dataclass(frozen=True)
class MonthFigures:
    """What ``CoverageStatus`` holds of an enrolment's months (see the module's definitions)."""

    months_billed: int = 0
    months_paid: int = 0
    paid_through: dt.date | None = None
    months_in_arrears: int = 0
    consecutive_unpaid: int = 0
    months_never_billed: int = 0
    never_billed_mask: int = 0


# --- per enrolment ---------------------------------------------------------------------------------------


def billed_months(enrolment_ids: Iterable[int]) -> dict[int, dict[dt.date, BilledMonth]]:
    """The billed months of these enrolments (issued invoices only), per enrolment, in one grouped query."""
    rows = (
        # Through the programmes' invoices: the lines' only index starts with the invoice (models.InvoiceLine).
        lines_of_enrolments(enrolment_ids)
        .exclude(invoice__status=InvoiceStatus.DRAFT)
        .values("enrolment_id", "month")
        .annotate(
            billed=Sum("amount"),
            unpaid=Max(
                Case(
                    When(Q(amount__gt=0) & ~Q(invoice__status=InvoiceStatus.PAID), then=1),
                    default=0,
                    output_field=IntegerField(),
                )
            ),
            billed_in=Max(Case(When(amount__gt=0, then="invoice__month"))),
            first_in=Min("invoice__month"),
        )
        .filter(billed__gt=0)
        .order_by("enrolment_id", "month")
    )
    found: dict[int, dict[dt.date, BilledMonth]] = {}
    for row in rows:
        month = row["month"]
        found.setdefault(row["enrolment_id"], {})[month] = BilledMonth(
            month=month, paid=not row["unpaid"], billed_in=row["billed_in"] or row["first_in"]
        )
    return found


def owed_months(
    *,
    coverage_start: dt.date,
    coverage_end: dt.date | None,
    activated_on: dt.date | None,
    programme_months: tuple[dt.date, dt.date],
    until: dt.date,
    billed: Mapping[dt.date, BilledMonth],
    today: dt.date,
) -> list[OwedMonth]:
    """The months of one enrolment up to the month of ``until``, oldest first, each with its state on ``today``.

    ``programme_months`` is the programme's first and last month; ``until`` is the calendar end (the nightly
    job's, ``calendar_end``) or the day a claim asks about. ``billed`` is the enrolment's ``billed_months``.
    """
    first_of_programme, last_of_programme = month_start(programme_months[0]), month_start(programme_months[1])
    first = max(month_start(coverage_start), first_of_programme)
    last = min(month_start(until), last_of_programme)
    if coverage_end is not None:
        last = min(last, month_start(coverage_end))
    activation = month_start(activated_on) if activated_on is not None else None
    months = []
    for month in months_from(first, last) if first <= last else ():
        found = billed.get(month)
        if found is not None:
            due = due_date(found.billed_in)
        else:
            due = due_date(max(month, activation) if activation is not None else month)
        if found is not None and found.paid:
            state = MonthState.PAID
        elif due >= today:
            state = MonthState.NOT_DUE
        else:
            state = MonthState.UNPAID if found is not None else MonthState.NEVER_BILLED
        index = (month.year - first_of_programme.year) * 12 + month.month - first_of_programme.month
        months.append(OwedMonth(month, state, found is not None, due, index))
    return months


def month_figures(months: Sequence[OwedMonth]) -> MonthFigures:
    """The ``CoverageStatus`` columns of an enrolment's ``owed_months``."""
    last_paid = max((m.month for m in months if m.state == MonthState.PAID), default=None)
    paid_through = None
    for month in months:
        if month.state != MonthState.PAID:
            break
        paid_through = month.month
    never_billed = [m for m in months if m.state == MonthState.NEVER_BILLED]
    return MonthFigures(
        months_billed=sum(m.billed for m in months),
        months_paid=sum(m.state == MonthState.PAID for m in months),
        paid_through=paid_through,
        months_in_arrears=sum(m.owing for m in months),
        consecutive_unpaid=sum(m.owing and (last_paid is None or m.month > last_paid) for m in months),
        months_never_billed=len(never_billed),
        never_billed_mask=sum(1 << m.index for m in never_billed if m.index < NEVER_BILLED_BITS),
    )


def enrolment_owed_months(
    enrolment: Enrolment, *, until: dt.date, today: dt.date, billed: Mapping[dt.date, BilledMonth] | None = None
) -> list[OwedMonth]:
    """``owed_months`` of an enrolment (its programme read with it); none unless it is active or ended with a start.

    An enrolment without a programme (the public check's stand-in) is bounded by its own dates only.
    """
    if enrolment.status not in BILLED_STATUSES or enrolment.coverage_start is None:
        return []
    if billed is None:
        billed = billed_months([enrolment.pk]).get(enrolment.pk, {})
    if enrolment.programme_id is not None:
        programme = enrolment.programme
        bounds = (programme.coverage_start, programme.coverage_end)
    else:
        bounds = (enrolment.coverage_start, until)
    return owed_months(
        coverage_start=enrolment.coverage_start,
        coverage_end=enrolment.coverage_end,
        activated_on=enrolment.activated_on,
        programme_months=bounds,
        until=until,
        billed=billed,
        today=today,
    )


# --- set-based ---------------------------------------------------------------------------------------------


def calendar_end(programme: Programme, today: dt.date) -> dt.date:
    """The last month the nightly job looks at: today's month, or the latest month billed on an issued invoice
    of the programme when later; never after the programme's last month."""
    latest = (
        Invoice.objects.filter(programme=programme)
        .exclude(status=InvoiceStatus.DRAFT)
        .aggregate(latest=Max("month"))["latest"]
    )
    end = max(month_start(today), latest) if latest is not None else month_start(today)
    return min(end, month_start(programme.coverage_end))


def programme_calendar(programme: Programme, today: dt.date) -> list[dt.date]:
    """The programme's months from its first to ``calendar_end`` (none before it starts)."""
    first = month_start(programme.coverage_start)
    last = calendar_end(programme, today)
    return list(months_from(first, last)) if first <= last else []


# One row per enrolment with a month in the calendar. b: the billed months of the programme's enrolments
# (b.paid 1 when every invoice with a positive line for it is paid; b.billed_in the latest such invoice's
# month). c: the calendar (month, its last day, the month before, its bit). m: each enrolment's months,
# with whether each is billed, paid and owing, and the enrolment's latest paid month (a window, so that one
# GROUP BY gives every column).
_STATUS_SQL = """
INSERT INTO contributions_coveragestatus (
    enrolment_id, programme_id, province_code, regency_code, months_billed, months_paid, paid_through,
    months_in_arrears, consecutive_unpaid, months_never_billed, never_billed_mask, computed_for, updated_at
)
WITH b AS (
    SELECT l.enrolment_id, l.month,
        MIN(CASE WHEN l.amount > 0 AND i.status <> %(paid)s THEN 0 ELSE 1 END) AS paid,
        MAX(CASE WHEN l.amount > 0 THEN i.month END) AS billed_in
    FROM contributions_invoiceline l JOIN contributions_invoice i ON i.id = l.invoice_id
    WHERE i.programme_id = %(programme)s AND i.status <> %(draft)s
    GROUP BY l.enrolment_id, l.month
    HAVING SUM(l.amount) > 0
), c (month, last_day, prev, bit) AS (
    VALUES {calendar}
), m AS (
    SELECT e.id AS enrolment_id, e.province_code, e.regency_code, c.month, c.prev, c.bit,
        CASE WHEN b.enrolment_id IS NULL THEN 0 ELSE 1 END AS billed,
        CASE WHEN b.paid = 1 THEN 1 ELSE 0 END AS paid,
        CASE
            WHEN b.enrolment_id IS NOT NULL THEN
                CASE WHEN b.paid = 0 AND b.billed_in <= %(overdue)s THEN 1 ELSE 0 END
            WHEN c.month <= %(overdue)s AND (e.activated_on IS NULL OR e.activated_on <= %(overdue_end)s) THEN 1
            ELSE 0
        END AS owing,
        MAX(CASE WHEN b.paid = 1 THEN c.month END) OVER (PARTITION BY e.id) AS last_paid
    FROM enrolments_enrolment e
    JOIN c ON c.last_day >= e.coverage_start AND (e.coverage_end IS NULL OR c.month <= e.coverage_end)
    LEFT JOIN b ON b.enrolment_id = e.id AND b.month = c.month
    WHERE e.programme_id = %(programme)s AND e.status IN (%(active)s, %(ended)s) AND e.coverage_start IS NOT NULL
)
SELECT enrolment_id, %(programme)s, MAX(province_code), MAX(regency_code), SUM(billed), SUM(paid),
    CASE
        WHEN MIN(CASE WHEN paid = 0 THEN month END) IS NULL THEN MAX(month)
        WHEN MIN(CASE WHEN paid = 0 THEN prev END) >= MIN(month) THEN MIN(CASE WHEN paid = 0 THEN prev END)
    END,
    SUM(owing),
    SUM(CASE WHEN owing = 1 AND (last_paid IS NULL OR month > last_paid) THEN 1 ELSE 0 END),
    SUM(CASE WHEN owing = 1 AND billed = 0 THEN 1 ELSE 0 END),
    SUM(CASE WHEN owing = 1 AND billed = 0 THEN bit ELSE 0 END),
    %(today)s, %(now)s
FROM m
GROUP BY enrolment_id
"""

# Per village and month, the workers whose month is due and never billed: from the masks just written, with
# the village (and its district, regency and province) of each enrolment.
_NEVER_BILLED_SQL = """
INSERT INTO contributions_neverbilledmonth (
    programme_id, village_code, province_code, regency_code, district_code, month, workers
)
WITH c (month, bit) AS (
    VALUES {calendar}
)
SELECT s.programme_id, e.village_code, e.province_code, e.regency_code, SUBSTR(e.village_code, 1, 8), c.month,
    COUNT(*)
FROM contributions_coveragestatus s
JOIN enrolments_enrolment e ON e.id = s.enrolment_id
JOIN c ON (s.never_billed_mask & c.bit) <> 0
WHERE s.programme_id = %(programme)s AND s.never_billed_mask <> 0
GROUP BY s.programme_id, e.village_code, e.province_code, e.regency_code, c.month
"""


def _bit(index: int) -> int:
    return 1 << index if index < NEVER_BILLED_BITS else 0


def months_owed_refresh(programme: Programme, today: dt.date) -> None:
    """Rebuild the programme's ``CoverageStatus`` and ``NeverBilledMonth`` rows as of ``today`` (set-based form).

    The caller holds the transaction and the programme's lock (``coverage.coverage_update``).
    """
    CoverageStatus.objects.filter(programme=programme).delete()
    NeverBilledMonth.objects.filter(programme=programme).delete()
    calendar = programme_calendar(programme, today)
    if not calendar:
        return
    overdue = last_overdue_invoice_month(today)
    # The bits are the calendar's own integers, written into the statement; the dates are parameters.
    rows: list[str] = []
    params: dict[str, Any] = {}
    for index, month in enumerate(calendar):
        rows.append(f"(%(m{index})s, %(d{index})s, %(p{index})s, {_bit(index)})")
        params |= {
            f"m{index}": date_param(month),
            f"d{index}": date_param(month_end(month)),
            f"p{index}": date_param(add_months(month, -1)),
        }
    params |= {
        "programme": programme.pk,
        "paid": str(InvoiceStatus.PAID),
        "draft": str(InvoiceStatus.DRAFT),
        "active": str(BILLED_STATUSES[0]),
        "ended": str(BILLED_STATUSES[1]),
        "overdue": date_param(overdue),
        "overdue_end": date_param(month_end(overdue)),
        "today": date_param(today),
        "now": connection.ops.adapt_datetimefield_value(timezone.now()),
    }
    due = [(index, month) for index, month in enumerate(calendar) if month <= overdue and _bit(index)]
    with connection.cursor() as cursor:
        cursor.execute(_STATUS_SQL.format(calendar=", ".join(rows)), params)
        if due:
            values = ", ".join(f"(%(m{index})s, {_bit(index)})" for index, _month in due)
            cursor.execute(
                _NEVER_BILLED_SQL.format(calendar=values),
                {"programme": programme.pk, **{f"m{index}": params[f"m{index}"] for index, _month in due}},
            )
