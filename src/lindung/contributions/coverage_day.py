"""Was an enrolment covered on a given day? The question a claim (and the public check) asks.

Read from the enrolment and the contributions billed and paid for it, never typed in:

- Not covered when the enrolment never became active (``diusulkan`` … ``dikirim``, ``ditolak``), when the
  day is before its coverage start, or after its coverage end (ended: died, lapsed, programme over …).
- Within its coverage period the day's month must be paid, or at least not be "beyond the arrears
  window": *choice*, following issue 6 and the lapse rule of ``coverage.py``: a month still unpaid
  counts against the worker only once it is overdue (its due date has passed, as of the check date), and
  the worker stays covered while the run of overdue unpaid months that ends with the day's month is at
  most ``Rule.ARREARS_WINDOW`` months long. Billed months not yet due at the end are skipped, so "today"
  already counts the overdue months before it (the nightly job may not have lapsed the enrolment yet).
  The regional budget often pays late; a late payment within
  the window does not take cover away, but the claim page warns that the month must be paid.
- Months the programme has not billed yet are neither paid nor in arrears (as in ``coverage.py``).

``months_paid`` counts the paid months of all the worker's enrolments up to the day's month: the
contribution history belongs to the worker's BPJS membership, not to one programme year (the JKM
scholarship needs 36 of them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, Max, Min, Q, Sum, When
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lindung.contributions.coverage import due_date
from lindung.contributions.models import InvoiceStatus
from lindung.contributions.selectors import lines_of_enrolments
from lindung.enrolments.models import EndReason, Enrolment, Status
from lindung.months import month_start
from lindung.rules.keys import Rule
from lindung.rules.selectors import rule_value


@dataclass(frozen=True)
class MonthState:
    """One billed month of an enrolment: paid when every invoice billing it is paid."""

    month: dt.date
    paid: bool
    billed_in: dt.date  # the month of the (latest) invoice that billed it: its due date counts


@dataclass(frozen=True)
class CoverageOnDay:
    covered: bool
    reason: str  # covered | not_active | before_start | ended | arrears
    message: str | Promise
    day: dt.date
    paid_through: dt.date | None = None  # first day of the last month of the unbroken paid run
    coverage_end: dt.date | None = None
    months_paid: int = 0
    months_unpaid_overdue: int = 0  # the run of overdue unpaid months ending with the day's month
    warnings: list[str | Promise] = field(default_factory=list)


def month_states(enrolment_ids: list[int]) -> list[MonthState]:
    """The billed months of these enrolments (issued invoices only), oldest first.

    One grouped query on the enrolment's lines: a correction that takes a month back (sum ≤ 0) leaves
    it unbilled.
    """
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
        .order_by("month")
    )
    return [
        MonthState(month=row["month"], paid=not row["unpaid"], billed_in=row["billed_in"] or row["first_in"])
        for row in rows
    ]


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
    states = month_states(worker_enrolments)
    own = [s for s in month_states([enrolment.pk]) if s.month <= month]
    months_paid = len({s.month for s in states if s.paid and s.month <= month})
    paid_through = _paid_through(own)
    by_month = {s.month: s for s in own}
    # From the day's month back: billed months not yet due are skipped (the latest month is never overdue
    # on its own day), then the overdue unpaid ones are counted until a paid one. Going back, months fall
    # due earlier, so once counting starts every older unpaid month is overdue too.
    run = 0
    for state in reversed(own):
        if state.paid:
            break
        if due_date(state.billed_in) < today:
            run += 1
    window = rule_value(Rule.ARREARS_WINDOW, on=day)
    if run > window:
        return CoverageOnDay(
            False,
            "arrears",
            _(
                "Not covered: %(months)s months in a row were unpaid up to %(month)s, more than the %(window)s "
                "months allowed."
            )
            % {"months": run, "month": date_format(month, "F Y"), "window": window},
            day,
            paid_through=paid_through,
            coverage_end=end,
            months_paid=months_paid,
            months_unpaid_overdue=run,
        )
    warnings: list[str | Promise] = []
    this_month = by_month.get(month)
    if this_month is not None and not this_month.paid:
        warnings.append(
            _("The contribution for %(month)s is not paid yet; BPJS pays the claim once it is.")
            % {"month": date_format(month, "F Y")}
        )
    elif this_month is None:
        warnings.append(
            _("%(month)s has not been billed yet; the contribution must be billed and paid.")
            % {"month": date_format(month, "F Y")}
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


def _paid_through(states: list[MonthState]) -> dt.date | None:
    last = None
    for state in states:
        if not state.paid:
            break
        last = state.month
    return last
