"""The headline figures: one definition and one selector each, for every page, file and command that shows them.

A figure is *for* a set of programmes, a region and a day (``HeadlineScope``). Each figure of ``FIGURES`` has
its key (the name ``lindung figures --json`` prints), its label, its definition (the sentence the glossary
page ``/bantuan/istilah/`` shows, in the user's language) and its selector, which counts it per programme
in one query. The figure of a set of programmes is the sum of its programmes' values, except the target
(below). The definitions:

1. **covered** (*terlindungi*): enrolments with status active whose coverage period contains the day (from
   their coverage start, to their coverage end if they have one) while the day lies within the programme's
   period. A worker in two programmes counts in each.
2. **in_process** (*dalam proses*): enrolments proposed, verified or sent to BPJS, as they stand.
3. **ended** (*berakhir*): enrolments ended, for any reason (the programme ended, died, lapsed, ...), as they
   stand.
4. **arrears_1**, **arrears_2**, **arrears_3_plus** (*menunggak*): active enrolments whose months in arrears
   (``CoverageStatus.months_in_arrears``, as the nightly coverage job last counted them) are 1, 2, or 3 or
   more: the at-risk page's rule (``lindung.contributions.coverage.at_risk_statuses``).
5. **target**: a programme's target for the region: its whole target when the programme's region lies within
   the region asked for, its regency quota for a regency, none otherwise (a district or a village has none).
   A target belongs to one programme: for a programme asked for by itself, its own target, running or not;
   for a set of programmes ("all programmes"), the sum of the targets of the programmes *running* on the day
   (the day lies within their period), none when none is running (``HeadlineFigures.target_programmes``
   names them).
6. **billed** (*ditagih*): the invoice lines (month lines and corrections) of the issued invoices (issued,
   partly paid, paid; a draft is not billed yet) of the enrolments in the region, in rupiah.
7. **paid** (*dibayar*): the lines of those invoices that are fully paid. Payments are set against whole
   invoices, never against a region, so only a fully paid invoice tells whose months were paid: a line is paid
   when its invoice is. This is true in every region and adds up across regions to the programme's figure.
8. **outstanding** (*terutang*): the lines of issued invoices not fully paid (issued or partly paid): always
   billed − paid.

Money received that does not settle an invoice yet (part of a partly paid invoice, or credit not set against
any invoice) belongs to no region: it is shown apart, for a whole programme only
(``lindung.contributions.budget.ProgrammeBudget.unsettled``).

The figures read the records as they stand: only *covered* and *target* depend on the day (the day fixes
which coverage periods and programmes count). The selectors do not check who asks: the caller has settled the
region (a page through the user's region scope, the command line as the system).

The dashboard reads the same figures from its summary tables (``lindung.dashboard.services`` fills them with
the filters below, on the day of its refresh) and hands them in as ``counted``; a test proves both agree.

Adding a figure: one ``Figure`` in ``FIGURES`` (key, label, definition, unit, selector). The command line, the
glossary, the JSON and the dashboard's headline tiles list ``FIGURES``; a summary table that does not hold the
new figure leaves it to its selector.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lindung.accounts.scope import RegionScope
from lindung.contributions.models import CoverageStatus, Invoice, InvoiceLine, InvoiceStatus
from lindung.contributions.never_billed import NeverBilled, NeverBilledRow, never_billed
from lindung.enrolments.models import Enrolment, Status
from lindung.programmes.models import Programme, RegencyQuota
from lindung.regions.codes import is_within, level_of

IN_PROCESS_STATUSES = (Status.PROPOSED, Status.VERIFIED, Status.SENT)
ISSUED_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID, InvoiceStatus.PAID)
UNPAID_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID)


# --- the filters: each definition once, as the database reads it ---------------------------------------------


def covered_q(day: dt.date, prefix: str = "") -> Q:
    """Enrolments covered on ``day`` (definition 1); ``prefix`` reaches the enrolment from another table."""
    return Q(
        **{
            f"{prefix}status": Status.ACTIVE,
            f"{prefix}coverage_start__lte": day,
            f"{prefix}programme__coverage_start__lte": day,
            f"{prefix}programme__coverage_end__gte": day,
        }
    ) & (Q(**{f"{prefix}coverage_end__isnull": True}) | Q(**{f"{prefix}coverage_end__gte": day}))


def in_process_q() -> Q:
    return Q(status__in=IN_PROCESS_STATUSES)


def ended_q() -> Q:
    return Q(status=Status.ENDED)


def arrears_q(months: int, *, or_more: bool = False) -> Q:
    """Coverage statuses of active enrolments ``months`` (or more) in arrears (definition 4)."""
    lookup = "months_in_arrears__gte" if or_more else "months_in_arrears"
    return Q(enrolment__status=Status.ACTIVE, **{lookup: months})


def billed_q(prefix: str = "") -> Q:
    """Invoice lines billed (definition 6); ``prefix`` reaches the line's invoice status (``invoice__``)."""
    return Q(**{f"{prefix}status__in": ISSUED_STATUSES})


def paid_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}status": InvoiceStatus.PAID})


def outstanding_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}status__in": UNPAID_STATUSES})


# --- what a figure is for ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeadlineScope:
    """A set of programmes, a region ("" = wherever the programmes reach) and a day.

    ``single``: one programme asked for by itself (its target counts, running or not); otherwise the set is
    "all programmes" and only the running ones bring a target."""

    programmes: tuple[Programme, ...]
    region: str
    day: dt.date
    single: bool = False

    @classmethod
    def of_programme(cls, programme: Programme, region: str, day: dt.date) -> HeadlineScope:
        return cls((programme,), region, day, single=True)

    @classmethod
    def of_programmes(cls, programmes: Iterable[Programme], region: str, day: dt.date) -> HeadlineScope:
        return cls(tuple(programmes), region, day, single=False)

    @property
    def ids(self) -> list[int]:
        return [p.pk for p in self.programmes]

    def within(self, *, prefix: str = "", village: str = "village") -> Q:
        """The region as a filter on a table's region columns (the one region filter, ``accounts.scope``)."""
        scope = RegionScope(code=self.region or None)
        return scope.q(province=f"{prefix}province_code", regency=f"{prefix}regency_code", village=village)

    def whole(self, programme: Programme) -> bool:
        """The region holds every row of the programme: its region lies within the region asked for."""
        return not self.region or is_within(programme.region_id, self.region)


def is_running(programme: Programme, day: dt.date) -> bool:
    """A programme runs on the days of its period."""
    return programme.coverage_start <= day <= programme.coverage_end


# --- the selectors: one per figure, per programme, one query each -----------------------------------------

PerProgramme = dict[int, int | None]


def _grouped(queryset: QuerySet[Any], column: str, value: str | None = None) -> PerProgramme:
    """``{programme id: COUNT(*)}`` (or ``SUM(value)``), grouped by ``column``, with 0 for the programmes absent."""
    aggregate = Sum(value) if value else Count("pk")
    rows = dict(queryset.order_by().values_list(column).annotate(n=aggregate).values_list(column, "n"))
    return {int(key): int(n or 0) for key, n in rows.items()}


def _enrolments(scope: HeadlineScope, q: Q) -> PerProgramme:
    found = Enrolment.objects.filter(programme_id__in=scope.ids).filter(scope.within()).filter(q)
    return _fill(scope, _grouped(found, "programme_id"))


def _fill(scope: HeadlineScope, values: PerProgramme) -> PerProgramme:
    return {pk: values.get(pk, 0) for pk in scope.ids}


def covered_by_programme(scope: HeadlineScope) -> PerProgramme:
    return _enrolments(scope, covered_q(scope.day))


def in_process_by_programme(scope: HeadlineScope) -> PerProgramme:
    return _enrolments(scope, in_process_q())


def ended_by_programme(scope: HeadlineScope) -> PerProgramme:
    return _enrolments(scope, ended_q())


def _arrears(scope: HeadlineScope, q: Q) -> PerProgramme:
    found = (
        CoverageStatus.objects.filter(programme_id__in=scope.ids)
        .filter(scope.within(village="enrolment__village"))
        .filter(q)
    )
    return _fill(scope, _grouped(found, "programme_id"))


def arrears_1_by_programme(scope: HeadlineScope) -> PerProgramme:
    return _arrears(scope, arrears_q(1))


def arrears_2_by_programme(scope: HeadlineScope) -> PerProgramme:
    return _arrears(scope, arrears_q(2))


def arrears_3_plus_by_programme(scope: HeadlineScope) -> PerProgramme:
    return _arrears(scope, arrears_q(3, or_more=True))


def _money(scope: HeadlineScope, invoice_q: Callable[[str], Q]) -> PerProgramme:
    """Sums of invoice lines: a programme whose rows all lie in the region adds up its invoices' totals (the
    sums of their lines, kept by the database: ``lines/``), the others their lines in the region."""
    whole = [p.pk for p in scope.programmes if scope.whole(p)]
    part = [p.pk for p in scope.programmes if not scope.whole(p)]
    values: PerProgramme = {}
    if whole:
        invoices = Invoice.objects.filter(programme_id__in=whole).filter(invoice_q(""))
        values.update(_grouped(invoices, "programme_id", "total"))
    if part:
        lines = (
            InvoiceLine.objects.filter(invoice__programme_id__in=part)
            .filter(invoice_q("invoice__"))
            .filter(scope.within(village="enrolment__village"))
        )
        values.update(_grouped(lines, "invoice__programme_id", "amount"))
    return _fill(scope, values)


def billed_by_programme(scope: HeadlineScope) -> PerProgramme:
    return _money(scope, billed_q)


def paid_by_programme(scope: HeadlineScope) -> PerProgramme:
    return _money(scope, paid_q)


def outstanding_by_programme(scope: HeadlineScope) -> PerProgramme:
    return _money(scope, outstanding_q)


def programme_target(programme: Programme, region: str, quotas: Mapping[str, int]) -> int | None:
    """The programme's target for ``region`` (definition 5); ``quotas``: its regency quotas by regency."""
    if not region or is_within(programme.region_id, region):
        return programme.target_workers
    if level_of(region) == 2:
        return quotas.get(region)
    return None


def targets_by_region(programmes: Sequence[Programme], regions: Iterable[str]) -> dict[str, PerProgramme]:
    """Each programme's own target for each region (definition 5), with one query for the programmes' regency
    quotas (a few dozen rows; none when every region is "" = everywhere), whatever the level of the regions, so
    that a page's query count does not depend on it. Which programmes' targets count for a set is
    ``HeadlineFigures``'s rule."""
    regions = list(regions)
    quotas: dict[int, dict[str, int]] = {}
    if any(regions):
        rows = RegencyQuota.objects.filter(programme__in=programmes)
        for programme_id, regency, quota in rows.values_list("programme_id", "regency_id", "quota"):
            quotas.setdefault(programme_id, {})[regency] = quota
    return {r: {p.pk: programme_target(p, r, quotas.get(p.pk, {})) for p in programmes} for r in regions}


def _never_billed(scope: HeadlineScope, value: Callable[[list[NeverBilledRow]], int]) -> PerProgramme:
    rows: dict[int, list[NeverBilledRow]] = {pk: [] for pk in scope.ids}
    for row in never_billed(scope.programmes, region_code=scope.region or None).rows:
        rows[row.programme.pk].append(row)
    return {pk: value(found) for pk, found in rows.items()}


def never_billed_months_by_programme(scope: HeadlineScope) -> PerProgramme:
    return _never_billed(scope, lambda rows: NeverBilled(rows=tuple(rows)).months)


def never_billed_amount_by_programme(scope: HeadlineScope) -> PerProgramme:
    return _never_billed(scope, lambda rows: NeverBilled(rows=tuple(rows)).amount)


def target_by_programme(scope: HeadlineScope) -> PerProgramme:
    return targets_by_region(scope.programmes, [scope.region])[scope.region]


# --- the registry ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    key: str  # as ``lindung figures --json`` prints it
    label: Promise
    definition: Promise  # the glossary's sentence
    unit: Literal["workers", "rupiah", "months"]
    selector: Callable[[HeadlineScope], PerProgramme] = field(repr=False)

    @property
    def is_money(self) -> bool:
        return self.unit == "rupiah"

    @property
    def slug(self) -> str:
        """The key as pages name things: ``arrears_3_plus`` → ``arrears-3-plus``."""
        return self.key.replace("_", "-")


FIGURES: tuple[Figure, ...] = (
    Figure(
        "covered",
        _("Covered"),
        _(
            "Enrolments with status active whose coverage period contains the day, while the day lies within "
            "the programme's period. A worker in two programmes counts in each."
        ),
        "workers",
        covered_by_programme,
    ),
    Figure(
        "in_process",
        _("In process"),
        _("Enrolments proposed, verified or sent to BPJS, as they stand."),
        "workers",
        in_process_by_programme,
    ),
    Figure(
        "ended",
        _("Ended"),
        _("Enrolments ended for any reason (the programme ended, died, lapsed for arrears, ...), as they stand."),
        "workers",
        ended_by_programme,
    ),
    Figure(
        "arrears_1",
        _("1 month in arrears"),
        _("Active enrolments with one month in arrears, as the nightly coverage job last counted them."),
        "workers",
        arrears_1_by_programme,
    ),
    Figure(
        "arrears_2",
        _("2 months in arrears"),
        _("Active enrolments with two months in arrears, as the nightly coverage job last counted them."),
        "workers",
        arrears_2_by_programme,
    ),
    Figure(
        "arrears_3_plus",
        _("3 months or more in arrears"),
        _(
            "Active enrolments with three months or more in arrears, as the nightly coverage job last counted "
            "them: about to lapse."
        ),
        "workers",
        arrears_3_plus_by_programme,
    ),
    Figure(
        "target",
        _("Target"),
        _(
            "The programme's target: the whole target for a region that holds the programme's region, the "
            "regency quota for a regency/city, none below a regency/city. For all programmes: the targets of "
            "the programmes running on the day only (named next to the figure), or none."
        ),
        "workers",
        target_by_programme,
    ),
    Figure(
        "billed",
        _("Contributions billed"),
        _(
            "The lines (months and corrections) of the issued invoices for the workers of the region; a draft "
            "invoice is not billed yet."
        ),
        "rupiah",
        billed_by_programme,
    ),
    Figure(
        "paid",
        _("Contributions paid"),
        _(
            "The lines of the invoices paid in full. A payment is set against whole invoices, not regions, so a "
            "month counts as paid when its invoice is paid in full; the regions add up to the programme."
        ),
        "rupiah",
        paid_by_programme,
    ),
    Figure(
        "outstanding",
        _("Contributions outstanding"),
        _("The lines of the issued invoices not paid in full (issued or partly paid): billed minus paid."),
        "rupiah",
        outstanding_by_programme,
    ),
    Figure(
        "never_billed_months",
        _("Months never billed"),
        _(
            "Months of a programme in which a contribution fell due and was never billed: a month of coverage is "
            "owed from the day coverage starts, billed or not, and counts in the arrears like an unpaid bill. A "
            "month counts once per programme (two programmes' September: two), as the nightly run last counted."
        ),
        "months",
        never_billed_months_by_programme,
    ),
    Figure(
        "never_billed_amount",
        _("Contributions never billed"),
        _(
            "What those months would have cost: each worker's month never billed at the programme's price for "
            "that month, as billing would have billed it."
        ),
        "rupiah",
        never_billed_amount_by_programme,
    ),
)

FIGURE_KEYS: tuple[str, ...] = tuple(f.key for f in FIGURES)
_BY_KEY = {f.key: f for f in FIGURES}


def figure(key: str) -> Figure:
    return _BY_KEY[key]


# --- the figures of a scope --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeadlineFigures:
    """The figures of a scope, per programme and for the set. ``figures["covered"]`` (and ``{{ figures.covered
    }}`` in a template) is the set's value: the sum over its programmes, the target's over
    ``target_programmes``; None only for a target no programme sets."""

    scope: HeadlineScope
    by_programme: Mapping[str, PerProgramme]

    def __getitem__(self, key: str) -> int | None:
        if key not in self.by_programme:
            raise KeyError(key)
        values = self.by_programme[key]
        ids = [p.pk for p in self.target_programmes] if key == "target" else self.scope.ids
        found = [v for pk in ids if (v := values.get(pk)) is not None]
        if key == "target" and not found:
            return None
        return sum(found)

    def number(self, key: str) -> int:
        """The value, 0 for a missing target."""
        return self[key] or 0

    def of(self, programme: Programme, key: str) -> int | None:
        return self.by_programme[key].get(programme.pk)

    @property
    def target_programmes(self) -> tuple[Programme, ...]:
        """The programmes whose targets make the target: the one asked for, else those running on the day."""
        if self.scope.single:
            return self.scope.programmes
        return tuple(p for p in self.scope.programmes if is_running(p, self.scope.day))

    @property
    def percent(self) -> float | None:
        """Covered against the target, in percent (one decimal); None without a target."""
        target = self["target"] if "target" in self.by_programme else None
        if not target:
            return None
        return round(100 * self.number("covered") / target, 1)

    def items(self) -> list[tuple[Figure, int | None]]:
        """The figures computed, in the order of ``FIGURES``."""
        return [(f, self[f.key]) for f in FIGURES if f.key in self.by_programme]

    def as_dict(self) -> dict[str, int | None]:
        return {f.key: value for f, value in self.items()}


def headline_figures(
    scope: HeadlineScope,
    *,
    keys: Sequence[str] | None = None,
    counted: Mapping[str, PerProgramme] | None = None,
) -> HeadlineFigures:
    """The figures ``keys`` (default: all of ``FIGURES``) of ``scope``. ``counted`` holds figures already
    counted per programme by the same definitions (the dashboard's summary tables, on the day they describe);
    the others are asked of their selectors, one query each."""
    counted = counted or {}
    by_programme: dict[str, PerProgramme] = {}
    for key in keys or FIGURE_KEYS:
        chosen = figure(key)
        values = counted.get(key)
        by_programme[key] = _fill(scope, dict(values)) if values is not None else chosen.selector(scope)
    return HeadlineFigures(scope=scope, by_programme=by_programme)


# --- the glossary's other terms ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    key: str  # the glossary's anchor
    label: Promise
    definition: Promise


TERMS: tuple[Term, ...] = (
    Term(
        "scope",
        _("Programme, region and day"),
        _(
            "Every figure is for a programme or a set of programmes, a region and a day, and is the same on every "
            "page, report and command for the same three. The figures read the records as they stand; only "
            "covered and the target depend on the day. A worker in two programmes counts in each."
        ),
    ),
    Term(
        "running",
        _("Running programme"),
        _("A programme is running on the days of its coverage period, from its first to its last day."),
    ),
    Term(
        "unsettled",
        _("Received, not yet settling an invoice"),
        _(
            "Money received for a programme that does not pay an invoice in full yet: what was received for a "
            "partly paid invoice, and credit not set against any invoice. It belongs to no region, so it is "
            "shown for a whole programme only, beside paid."
        ),
    ),
)
