"""Was an enrolment covered on a given day? The question a claim (and the public check) asks.

Read from the enrolment and the contributions billed and paid for it, never typed in:

- Not covered when the enrolment never became active (``diusulkan`` … ``dikirim``, ``ditolak``), when the
  day is before its coverage start, or after its coverage end (ended: died, lapsed, programme over …).
- Within its coverage period the day's month must be paid, or at least not be "beyond the arrears
  window": *choice*, following issue 6 and the lapse rule of ``coverage.py``: the months of the enrolment
  up to the day's month and their states as of the check date are those of ``months_owed`` (the rule
  written once): a month not paid counts against the worker once it is overdue, billed or never billed
  alike (issue 14: a month is owed from the day coverage starts), and the worker stays covered while the
  owing months after the latest paid month, up to the day's month, are at most ``Rule.ARREARS_WINDOW``.
  Months not yet due are skipped, so "today" already counts the overdue months before it (the nightly job
  may not have lapsed the enrolment yet). The regional budget often pays late; a late payment within the
  window does not take cover away, but the claim page warns that the month must be billed and paid.

``months_paid`` counts the paid months of all the worker's enrolments up to the day's month: the
contribution history belongs to the worker's BPJS membership, not to one programme year (the JKM
scholarship needs 36 of them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lindung.contributions.months_owed import MonthState, billed_months, enrolment_owed_months, month_figures
from lindung.enrolments.models import EndReason, Enrolment, Status
from lindung.months import month_start
from lindung.rules.keys import Rule
from lindung.rules.selectors import rule_value


@dataclass(frozen=True)
class CoverageOnDay:
    covered: bool
    reason: str  # covered | not_active | before_start | ended | arrears
    message: str | Promise
    day: dt.date
    paid_through: dt.date | None = None  # first day of the last month of the unbroken paid run
    coverage_end: dt.date | None = None
    months_paid: int = 0
    months_unpaid_overdue: int = 0  # owing months (billed or not) after the latest paid month, to the day's month
    warnings: list[str | Promise] = field(default_factory=list)


def coverage_on(enrolment: Enrolment, day: dt.date, *, today: dt.date | None = None) -> CoverageOnDay:
    """Whether ``enrolment`` covered ``day``, with the reason in a sentence, as known on ``today``."""
    today = today or dt.date.today()
    start, end = enrolment.coverage_start, enrolment.coverage_end
    if enrolment.status not in (Status.ACTIVE, Status.ENDED) or start is None:
        return CoverageOnDay(
            False,
            "not_active",
            _("Not covered: the enrolment is not active (status: %(status)s).")
            % {"status": Status(enrolment.status).label},
            day,
        )
    if day < start:
        return CoverageOnDay(
            False,
            "before_start",
            _("Not covered: coverage starts on %(start)s, after this day.") % {"start": date_format(start)},
            day,
            coverage_end=end,
        )
    if end is not None and day > end:
        reason = EndReason(enrolment.end_reason).label if enrolment.end_reason else ""
        return CoverageOnDay(
            False,
            "ended",
            _("Not covered: coverage ended on %(end)s (%(reason)s).") % {"end": date_format(end), "reason": reason},
            day,
            coverage_end=end,
        )

    month = month_start(day)
    worker_enrolments = list(Enrolment.objects.filter(worker_id=enrolment.worker_id).values_list("pk", flat=True))
    billed = billed_months(worker_enrolments)
    months_paid = len({m for found in billed.values() for m, state in found.items() if state.paid and m <= month})
    own = enrolment_owed_months(enrolment, until=month, today=today, billed=billed.get(enrolment.pk, {}))
    figures = month_figures(own)
    paid_through = figures.paid_through
    # The owing months (billed and unpaid, or due and never billed) after the latest paid month, up to the
    # day's month: months not yet due are skipped.
    run = figures.consecutive_unpaid
    window = rule_value(Rule.ARREARS_WINDOW, on=day)
    if run > window:
        return CoverageOnDay(
            False,
            "arrears",
            _(
                "Not covered: %(months)s months in a row were unpaid up to %(month)s, more than the %(window)s "
                "months allowed."
            )
            % {"months": run, "month": date_format(month, "YEAR_MONTH_FORMAT"), "window": window},
            day,
            paid_through=paid_through,
            coverage_end=end,
            months_paid=months_paid,
            months_unpaid_overdue=run,
        )
    warnings: list[str | Promise] = []
    this_month = next((m for m in own if m.month == month), None)
    if this_month is not None and this_month.billed and this_month.state != MonthState.PAID:
        warnings.append(
            _("The contribution for %(month)s is not paid yet; BPJS pays the claim once it is.")
            % {"month": date_format(month, "YEAR_MONTH_FORMAT")}
        )
    elif this_month is None or not this_month.billed:
        warnings.append(
            _("%(month)s has not been billed yet; the contribution must be billed and paid.")
            % {"month": date_format(month, "YEAR_MONTH_FORMAT")}
        )
    return CoverageOnDay(
        True,
        "covered",
        _("Covered on %(day)s.") % {"day": date_format(day)},
        day,
        paid_through=paid_through,
        coverage_end=end,
        months_paid=months_paid,
        months_unpaid_overdue=run,
        warnings=warnings,
    )
