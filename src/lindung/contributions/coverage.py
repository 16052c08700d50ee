"""Coverage status, arrears and lapse: derived each day from the issued invoices and their payments.

Definitions (the choices a later session may revisit are marked *choice*):

- A **billed month** of an enrolment is a month for which the lines on issued invoices (normal lines and
  corrections of that month, wherever they sit) add up to more than zero. A correction that takes a
  month back (a death reported late) leaves it unbilled.
- A billed month is **paid** when every invoice carrying a positive line for it is ``paid``. *Choice:* a
  partly paid invoice pays none of its months, because a payment is not earmarked for workers; a
  partial payment does not tell whose month it covered.
- The **due date** of a billed month is day ``LINDUNG_CONTRIBUTION_DUE_DAY`` (setting, default 10,
  1-28) of the month after the month of the invoice that billed it (for a correction: the later
  invoice that carries it, so a back-dated activation is not in arrears the day it is billed). *Choice:*
  a month is **in arrears** from the day after its due date: on the due day itself it is still on time.
  A later session may move the due day to the programme.
- **Paid through**: the last month of the unbroken run of paid months from the first billed one, i.e. the
  latest paid month before the first unpaid billed month. Months not billed yet do not break the run.
- **Consecutive unpaid**: the months in arrears after the latest paid month (the current run).

The daily job ``coverage_update`` rebuilds :class:`CoverageStatus` per programme in one
``INSERT ... SELECT`` (GROUP BY in the database), then ends as lapsed (``berakhir``, reason ``lapsed``) the
active enrolments with **more** than ``Rule.ARREARS_WINDOW`` consecutive months in arrears.

Scheduling: the job is a step of the nightly run (``lindung.nightly``: ``lindung nightly schedule`` on the
background worker, or ``lindung nightly run`` from cron); ``lindung.contributions.tasks.coverage_update_task``
is the same job for the web (or an operator) to enqueue once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require
from lindung.accounts.scope import scope_queryset
from lindung.audit.models import AuditEntry
from lindung.contributions.models import CoverageStatus, InvoiceStatus
from lindung.contributions.selectors import programmes_in_scope
from lindung.contributions.sql import date_param
from lindung.enrolments.models import EndReason, Enrolment, Status
from lindung.months import add_months, month_end, month_start
from lindung.programmes.models import Programme
from lindung.rules.keys import Rule
from lindung.rules.selectors import rule_value


def due_day() -> int:
    """The day of the next month by which a month's contributions must be paid (``LINDUNG_CONTRIBUTION_DUE_DAY``,
    1-28, checked at start-up)."""
    return int(settings.LINDUNG_CONTRIBUTION_DUE_DAY)


def last_overdue_invoice_month(today: dt.date) -> dt.date:
    """The latest invoice month whose due date (day D of the next month) is before ``today``."""
    back = 1 if today.day > due_day() else 2
    return add_months(month_start(today), -back)


def due_date(invoice_month: dt.date) -> dt.date:
    return add_months(month_start(invoice_month), 1).replace(day=due_day())


# One row per enrolment and billed month: m.paid is 1 when every invoice with a positive line for it is
# paid; m.billed_in is the latest such invoice's month (the one whose due date counts).
_REFRESH_SQL = """
INSERT INTO contributions_coveragestatus (
    enrolment_id, programme_id, province_code, regency_code, months_billed, months_paid,
    paid_through, months_in_arrears, consecutive_unpaid, computed_for, updated_at
)
WITH m AS (
    SELECT l.enrolment_id, l.month,
        MIN(CASE WHEN l.amount > 0 AND i.status <> %(paid)s THEN 0 ELSE 1 END) AS paid,
        MAX(CASE WHEN l.amount > 0 THEN i.month END) AS billed_in
    FROM contributions_invoiceline l JOIN contributions_invoice i ON i.id = l.invoice_id
    WHERE i.programme_id = %(programme)s AND i.status <> %(draft)s
    GROUP BY l.enrolment_id, l.month
    HAVING SUM(l.amount) > 0
), f AS (
    SELECT enrolment_id,
        MIN(CASE WHEN paid = 0 THEN month END) AS first_unpaid,
        MAX(CASE WHEN paid = 1 THEN month END) AS last_paid
    FROM m GROUP BY enrolment_id
)
SELECT m.enrolment_id, %(programme)s, e.province_code, e.regency_code, COUNT(*), SUM(m.paid),
    MAX(CASE WHEN m.paid = 1 AND (f.first_unpaid IS NULL OR m.month < f.first_unpaid) THEN m.month END),
    SUM(CASE WHEN m.paid = 0 AND m.billed_in <= %(overdue)s THEN 1 ELSE 0 END),
    SUM(CASE WHEN m.paid = 0 AND m.billed_in <= %(overdue)s AND (f.last_paid IS NULL OR m.month > f.last_paid)
        THEN 1 ELSE 0 END),
    %(today)s, %(now)s
FROM m JOIN f ON f.enrolment_id = m.enrolment_id JOIN enrolments_enrolment e ON e.id = m.enrolment_id
GROUP BY m.enrolment_id, e.province_code, e.regency_code
"""


@dataclass
class CoverageRun:
    """What one run of the daily job did, for the command's summary and the task's result."""

    today: dt.date
    window: int
    programmes: int = 0
    statuses: int = 0
    in_arrears: dict[str, int] = field(default_factory=lambda: {"1": 0, "2": 0, "3+": 0})
    lapsed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "arrears_window": self.window,
            "due_day": due_day(),
            "programmes": self.programmes,
            "statuses": self.statuses,
            "in_arrears": self.in_arrears,
            "lapsed": self.lapsed,
        }


def no_arrears_window(today: dt.date) -> str:
    """Why the coverage job cannot run on ``today`` (``RuleMissing``): the rules are not loaded."""
    return gettext("No arrears window is in force on %(today)s: load the rules first (lindung rules load).") % {
        "today": today.isoformat()
    }


def coverage_update(*, today: dt.date, actor: User | None = None) -> CoverageRun:
    """Recompute every billed enrolment's coverage status as of ``today`` and end the lapsed ones.

    ``actor=None`` is the system (the daily run); a user needs finance rights and updates the
    programmes of their region. One transaction per programme, which is locked like the billing run
    locks it, so a status is never derived from a half-built invoice. Running it twice changes nothing.
    """
    programmes: QuerySet[Programme] = Programme.objects.all()
    if actor is not None:
        require(actor, Action.FINANCE_MANAGE)
        programmes = programmes_in_scope(actor)
    run = CoverageRun(today=today, window=rule_value(Rule.ARREARS_WINDOW, on=today))
    for programme_id in programmes.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            programme = Programme.objects.select_for_update().get(pk=programme_id)
            _refresh(programme, today)
            run.lapsed += _lapse(programme, today=today, window=run.window, actor=actor)
        run.programmes += 1
    counted = CoverageStatus.objects.filter(programme__in=programmes).aggregate(
        statuses=Count("pk"),
        one=Count("pk", filter=Q(months_in_arrears=1, enrolment__status=Status.ACTIVE)),
        two=Count("pk", filter=Q(months_in_arrears=2, enrolment__status=Status.ACTIVE)),
        three=Count("pk", filter=Q(months_in_arrears__gte=3, enrolment__status=Status.ACTIVE)),
    )
    run.statuses = counted["statuses"]
    run.in_arrears = {"1": counted["one"], "2": counted["two"], "3+": counted["three"]}
    return run


def _refresh(programme: Programme, today: dt.date) -> None:
    CoverageStatus.objects.filter(programme=programme).delete()
    params = {
        "programme": programme.pk,
        "paid": str(InvoiceStatus.PAID),
        "draft": str(InvoiceStatus.DRAFT),
        "overdue": date_param(last_overdue_invoice_month(today)),
        "today": date_param(today),
        "now": connection.ops.adapt_datetimefield_value(timezone.now()),
    }
    with connection.cursor() as cursor:
        cursor.execute(_REFRESH_SQL, params)


def _lapse(programme: Programme, *, today: dt.date, window: int, actor: User | None) -> int:
    """End the active enrolments with more than ``window`` consecutive months in arrears.

    Coverage ends on the last day of the paid-through month. With no month paid it ends on its first
    day (``coverage_end = coverage_start``): the database requires an end on or after the start, and the
    first month is the least the record can hold. One UPDATE per distinct paid-through month (a
    handful), one audit entry per enrolment in one bulk insert.
    """
    lapsing = Enrolment.objects.filter(
        programme=programme,
        status=Status.ACTIVE,
        coverage_status__consecutive_unpaid__gt=window,
    )
    rows = list(
        lapsing.values_list("pk", "village_id", "coverage_start", "coverage_end", "coverage_status__paid_through")
    )
    if not rows:
        return 0
    ends: dict[int, dt.date] = {}
    for paid_through in {row[4] for row in rows}:
        group = lapsing.filter(
            **(
                {"coverage_status__paid_through": paid_through}
                if paid_through
                else {"coverage_status__paid_through__isnull": True}
            )
        )
        end: Any = F("coverage_start")
        if paid_through is not None:
            end = Greatest(F("coverage_start"), month_end(paid_through))
        group.update(status=Status.ENDED, end_reason=EndReason.LAPSED, coverage_end=end)
    for pk, _village, start, _before, paid_through in rows:
        assert start is not None  # an active enrolment has a start: a database constraint
        ends[pk] = max(start, month_end(paid_through)) if paid_through else start
    AuditEntry.objects.bulk_create(
        AuditEntry(
            actor=actor,
            actor_username=actor.get_username() if actor else "",
            action="enrolment.lapsed",
            object_type=Enrolment._meta.label_lower,
            object_id=str(pk),
            region_code=region,
            changes={
                "status": [str(Status.ACTIVE), str(Status.ENDED)],
                "end_reason": ["", str(EndReason.LAPSED)],
                "coverage_end": [_iso(before), _iso(ends[pk])],
            },
            note=f"{programme.code}: {today.isoformat()}, more than {window} months unpaid",
        )
        for pk, region, _start, before, _paid in rows
    )
    return len(rows)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


# --- reading ---------------------------------------------------------------------------------------


def at_risk_statuses(user: User) -> QuerySet[CoverageStatus]:
    """Active enrolments with at least one month in arrears, within the user's region."""
    queryset = CoverageStatus.objects.filter(months_in_arrears__gt=0, enrolment__status=Status.ACTIVE)
    # Narrower than a regency (a village officer) the enrolment's village column answers.
    return scope_queryset(queryset, user, village="enrolment__village")


def at_risk_summary(statuses: QuerySet[CoverageStatus]) -> list[dict[str, Any]]:
    """Per programme and regency/city: the workers 1, 2 and 3 or more months in arrears (GROUP BY)."""
    return [
        dict(row)
        for row in statuses.values("programme__code", "programme__name", "regency_code")
        .annotate(
            one=Count("pk", filter=Q(months_in_arrears=1)),
            two=Count("pk", filter=Q(months_in_arrears=2)),
            three=Count("pk", filter=Q(months_in_arrears__gte=3)),
        )
        .order_by("programme__code", "regency_code")
    ]
