"""Contributions due and never billed, as their own figure: the one selector every page reads it from.

A month is owed from the day coverage starts (``months_owed``); a month past its due date that no issued
invoice billed counts against the worker like an unpaid bill, yet no invoice shows it. This module says
which months, for how many workers and for how much, per programme:

- the rows come from ``NeverBilledMonth``, which the nightly coverage job rebuilds per programme, village and
  month with the coverage statuses (so they describe the job's day, like the arrears), summed over the region;
- ``amount`` is what billing would charge for those worker-months: the workers times the price of one
  worker's month of the programme (``programme_monthly_contribution``, the billing run's own rule);
- ``months`` is the number of distinct calendar months with any contribution due and never billed (July
  of two programmes is one month), ``worker_months`` the sum of the workers over the rows.

``bill_month`` says where the month is billed: on its own invoice, or, when that invoice was issued
without these workers (a back-dated activation), through the corrections of the next invoice not yet
issued; ``with_bill_links`` links the finance page's build form, prefilled, for a user who may bill the programme.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, user_can
from lindung.accounts.scope import RegionScope, scope_of
from lindung.contributions.models import Invoice, InvoiceStatus, NeverBilledMonth
from lindung.contributions.selectors import programmes_in_scope
from lindung.months import months_from
from lindung.programmes.models import Programme
from lindung.programmes.rates import programme_monthly_contribution


@dataclass(frozen=True)
class NeverBilledRow:
    programme: Programme
    month: dt.date
    workers: int
    amount: int  # rupiah: workers × one worker's month of the programme
    bill_month: dt.date | None  # the invoice month that bills it (itself, or a later one's corrections)

    @property
    def by_correction(self) -> bool:
        """Billed through the corrections of a later invoice: the month's own invoice was issued already."""
        return self.bill_month is not None and self.bill_month != self.month


@dataclass(frozen=True)
class NeverBilled:
    rows: tuple[NeverBilledRow, ...]  # by programme code, then month

    @property
    def months(self) -> int:
        """Months with any contribution due and never billed, each programme's month once (the headline figure
        ``never_billed_months``: two programmes' September are two)."""
        return len({(row.programme.pk, row.month) for row in self.rows})

    @property
    def worker_months(self) -> int:
        return sum(row.workers for row in self.rows)

    @property
    def amount(self) -> int:
        return sum(row.amount for row in self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)


def never_billed(programmes: Iterable[Programme], *, region_code: str | None = None) -> NeverBilled:
    """The months due and never billed of ``programmes``, within the region ``region_code`` (dotted; none or
    empty: everywhere), as the nightly job last counted them. The caller scopes ``region_code`` to the user."""
    chosen = {p.pk: p for p in programmes}
    if not chosen:
        return NeverBilled(rows=())
    scope = RegionScope(code=region_code or None)
    rows = NeverBilledMonth.objects.filter(programme__in=chosen).filter(scope.q(district="district_code"))
    counts: dict[tuple[int, dt.date], int] = defaultdict(int)
    for programme_id, month, workers in rows.values_list("programme_id", "month", "workers"):
        counts[(programme_id, month)] += workers
    issued = _issued_months(counts)
    found = []
    for (programme_id, month), workers in counts.items():
        programme = chosen[programme_id]
        price = programme_monthly_contribution(programme, month).total
        found.append(NeverBilledRow(programme, month, workers, workers * price, _bill_month(programme, month, issued)))
    found.sort(key=lambda row: (row.programme.code, row.month))
    return NeverBilled(rows=tuple(found))


def _issued_months(counts: dict[tuple[int, dt.date], int]) -> dict[int, set[dt.date]]:
    issued: dict[int, set[dt.date]] = defaultdict(set)
    programme_ids = {programme_id for programme_id, _month in counts}
    rows = Invoice.objects.filter(programme_id__in=programme_ids).exclude(status=InvoiceStatus.DRAFT)
    for programme_id, month in rows.values_list("programme_id", "month"):
        issued[programme_id].add(month)
    return issued


def _bill_month(programme: Programme, month: dt.date, issued: dict[int, set[dt.date]]) -> dt.date | None:
    """``month`` if its invoice is not issued, else the first later month of the programme whose invoice is not
    (its corrections bill the earlier months); None when every later month is issued too."""
    for candidate in months_from(month, programme.coverage_end):
        if candidate not in issued[programme.pk]:
            return candidate
    return None


def with_bill_links(user: User, figure: NeverBilled) -> list[tuple[NeverBilledRow, str]]:
    """Each row with the invoice page's build form prefilled with its programme and the month that bills it, for
    a user who may bill the programme (finance rights, a programme of their region); "" for the others."""
    billable: set[int] = set()
    if figure and user_can(user, Action.FINANCE_MANAGE):
        wanted = {row.programme.pk for row in figure.rows}
        billable = set(programmes_in_scope(user).filter(pk__in=wanted).values_list("pk", flat=True))
    base = reverse("contributions:list")
    linked = []
    for row in figure.rows:
        url = ""
        if row.programme.pk in billable and row.bill_month is not None:
            url = f"{base}?{urlencode({'programme': row.programme.pk, 'month': f'{row.bill_month:%Y-%m}'})}#build"
        linked.append((row, url))
    return linked


def never_billed_context(
    user: User, programmes: Iterable[Programme], *, region_code: str | None = None
) -> dict[str, object]:
    """What the partial ``contributions/_never_billed.html`` reads: the figure within ``region_code`` (default: the
    user's region; a code the caller checked lies within it) and its rows with their links."""
    scope = scope_of(user)
    if scope.nothing:
        figure = NeverBilled(rows=())
    else:
        figure = never_billed(programmes, region_code=scope.code if region_code is None else region_code)
    return {"never_billed": figure, "never_billed_rows": with_bill_links(user, figure)}
