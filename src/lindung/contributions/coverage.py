"""Coverage status, arrears and lapse: derived each day from the enrolments, the issued invoices and their payments.

The months an enrolment owes and their states (paid, not yet due, billed and unpaid, due but never billed),
the due dates and the columns of ``CoverageStatus`` are defined once in ``lindung.contributions.months_owed``:
a month is owed from the day coverage starts, billed or not, and a month due but never billed counts against
the worker exactly like an unpaid bill.

The daily job ``coverage_update`` rebuilds, per programme, :class:`CoverageStatus` in one ``INSERT ... SELECT``
(GROUP BY in the database) and the never-billed summary (``NeverBilledMonth``) from it, then ends as lapsed
(``berakhir``, reason ``lapsed``) the active enrolments with **more** than ``Rule.ARREARS_WINDOW``
consecutive months owing after their latest paid month.

Scheduling: the job is a step of the nightly run (``lindung.nightly``: ``lindung nightly schedule`` on the
background worker, or ``lindung nightly run`` from cron); ``lindung.contributions.tasks.coverage_update_task``
is the same job for the web (or an operator) to enqueue once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Greatest
from django.utils.translation import gettext

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require
from lindung.accounts.scope import scope_queryset
from lindung.audit.models import AuditEntry
from lindung.contributions.models import CoverageStatus
from lindung.contributions.months_owed import due_day, months_owed_refresh
from lindung.contributions.selectors import programmes_in_scope
from lindung.enrolments.models import EndReason, Enrolment, Status
from lindung.months import month_end
from lindung.programmes.models import Programme
from lindung.rules.keys import Rule
from lindung.rules.selectors import rule_value


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
    """Recompute every active or ended enrolment's coverage status as of ``today`` and end the lapsed ones.

    ``actor=None`` is the system (the daily run); a user needs finance rights and updates the
    programmes of their region. One transaction per programme, which is locked like the billing run
    locks it, so a status is never derived from a half-built invoice; the never-billed summary is rebuilt in
    the same transaction, and again after a lapse. Running it twice changes nothing.
    """
    programmes: QuerySet[Programme] = Programme.objects.all()
    if actor is not None:
        require(actor, Action.FINANCE_MANAGE)
        programmes = programmes_in_scope(actor)
    run = CoverageRun(today=today, window=rule_value(Rule.ARREARS_WINDOW, on=today))
    for programme_id in programmes.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            programme = Programme.objects.select_for_update().get(pk=programme_id)
            months_owed_refresh(programme, today)
            lapsed = _lapse(programme, today=today, window=run.window, actor=actor)
            if lapsed:
                # A lapse moves the coverage end back, which takes months out of the enrolment: derive the
                # states again so that they describe the enrolments as they now are (a second run then
                # finds the same rows). Only on a night with lapses.
                months_owed_refresh(programme, today)
            run.lapsed += lapsed
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
