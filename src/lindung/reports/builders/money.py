"""The reports about money: budget and payments, claims and benefits against contributions."""

from __future__ import annotations

from django.utils.translation import gettext

from lindung.charts import Bar, Series, bar_chart, grouped_bar_chart, month_chart
from lindung.claims.models import ClaimStatus, ClaimType
from lindung.contributions.budget import BudgetProjection, funder_totals, programme_budget
from lindung.dashboard.filters import dashboard_programmes
from lindung.numbers import grouped, rupiah
from lindung.reports import queries
from lindung.reports.builders.common import (
    Context,
    child_header,
    count_column,
    facts,
    money_column,
    month_label,
    ratio,
    report_titles,
)
from lindung.reports.document import Column, Figure, Report, Section
from lindung.reports.services import report_viewer

# --- budget -------------------------------------------------------------------------------------


def _runs_out(projection: BudgetProjection) -> str:
    """The run-out month, or how far the money is already exceeded: never a month already past."""
    if projection.exceeded_by:
        return gettext("already exceeded by %(amount)s") % {"amount": rupiah(projection.exceeded_by)}
    return month_label(projection.runs_out_in)


def _programmes_section(context: Context) -> tuple[Section, Section]:
    """Every programme the reader may see (of the funder asked for), and the sums per funder."""
    scope = context.scope
    programmes = dashboard_programmes(report_viewer(scope)).select_related("region").order_by("-coverage_start", "code")
    if scope.funder:
        programmes = programmes.filter(funder_type=scope.funder)
    budgets = [programme_budget(p, today=context.figures.today) for p in programmes]
    by_programme = Section(
        key="programmes",
        title=gettext("Budget per programme"),
        sheet=gettext("Programmes"),
        columns=(
            Column(gettext("Programme"), width=20),
            Column(gettext("Name"), width=36),
            Column(gettext("Funder"), width=30),
            money_column(gettext("Budget ceiling")),
            money_column(gettext("Contributions billed")),
            money_column(gettext("Contributions paid")),
            money_column(gettext("Contributions outstanding")),
            money_column(gettext("Projected")),
            money_column(gettext("Left")),
            Column(gettext("Money runs out in"), width=12),
        ),
        rows=tuple(
            (
                b.programme.code,
                b.programme.name,
                b.programme.funder_name,
                b.ceiling,
                b.billed,
                b.paid,
                b.outstanding,
                b.projection.projected,
                b.projection.left,
                _runs_out(b.projection),
            )
            for b in budgets
        ),
    )
    funders = funder_totals(budgets)
    by_funder = Section(
        key="funders",
        title=gettext("Budget per funder"),
        sheet=gettext("Funders"),
        columns=(
            Column(gettext("Funder"), width=40),
            count_column(gettext("Programmes")),
            money_column(gettext("Budget ceiling")),
            money_column(gettext("Contributions billed")),
            money_column(gettext("Contributions paid")),
            money_column(gettext("Contributions outstanding")),
            money_column(gettext("Projected")),
            money_column(gettext("Left")),
        ),
        rows=tuple(
            (f.label, f.programmes, f.ceiling, f.billed, f.paid, f.outstanding, f.projected, f.left) for f in funders
        ),
    )
    return by_programme, by_funder


def build_budget(context: Context) -> Report:
    scope = context.scope
    programme = scope.programme
    budget = programme_budget(programme, today=context.figures.today)
    projection = budget.projection
    run_out = _runs_out(projection) or gettext("Does not run out")
    items = (
        (gettext("Budget ceiling"), budget.ceiling),
        (gettext("Contributions billed"), budget.billed),
        (gettext("Contributions paid"), budget.paid),
        (gettext("Contributions outstanding"), budget.outstanding),
        (gettext("Payments received"), budget.received),
        (gettext("Received, not yet settling an invoice"), budget.unsettled),
        (gettext("Credit (received, not yet set against an invoice)"), budget.credit),
        (gettext("Projected to the end of the period"), projection.projected),
        (gettext("Left after billed and projected"), projection.left),
    )
    programme_section = Section(
        key="programme",
        title=gettext("The programme's budget"),
        sheet=gettext("Budget"),
        columns=(Column(gettext("Item"), width=46), money_column(gettext("Amount"))),
        rows=items,
        note=gettext("Money runs out in: %(month)s. Room for %(workers)s more workers to the end of the period.")
        % {"month": run_out, "workers": grouped(projection.capacity)},
    )
    by_programme, by_funder = _programmes_section(context)
    invoices = queries.invoice_rows(programme, month_from=scope.month_from, month_to=scope.month_to)
    issued = [r for r in invoices if r.status != "draft"]
    invoice_section = Section(
        key="invoices",
        title=gettext("Invoices per month"),
        sheet=gettext("Invoices"),
        columns=(
            Column(gettext("Month"), width=10),
            Column(gettext("Status"), width=16),
            count_column(gettext("Workers billed")),
            money_column(gettext("Corrections")),
            money_column(gettext("Total")),
            money_column(gettext("Set against invoices")),
            money_column(gettext("Still owed on the invoice")),
        ),
        rows=tuple(
            (
                month_label(r.month),
                r.status_label,
                r.workers,
                r.adjustments,
                r.total,
                r.allocated,
                r.total - r.allocated if r.status != "draft" else None,
            )
            for r in invoices
        ),
        total=(
            gettext("Total"),
            gettext("issued"),
            None,
            sum(r.adjustments for r in issued),
            sum(r.total for r in issued),
            sum(r.allocated for r in issued),
            sum(r.total - r.allocated for r in issued),
        ),
        note=gettext(
            "The totals leave drafts out: a draft invoice is not billed yet. Contributions paid count the invoices "
            "paid in full only; what was set against a partly paid invoice is received, not yet settling it."
        ),
    )
    payments = queries.payment_rows(programme, month_from=scope.month_from, month_to=scope.month_to)
    kept = [p for p in payments if p.reversed_on is None]
    payment_section = Section(
        key="payments",
        title=gettext("Payments"),
        sheet=gettext("Payments"),
        columns=(
            Column(gettext("Paid on"), "day"),
            Column(gettext("Reference (SP2D / virtual account)"), width=34),
            money_column(gettext("Amount")),
            money_column(gettext("Set against invoices")),
            Column(gettext("Reversed on"), "day"),
        ),
        rows=tuple((p.paid_on, p.reference, p.amount, p.allocated, p.reversed_on) for p in payments),
        total=(
            None,
            gettext("Total, reversed payments left out"),
            sum(p.amount for p in kept),
            sum(p.allocated for p in kept),
            None,
        ),
    )
    billed_paid = month_chart(
        title=gettext("Billed and paid per month"),
        months=[month_label(r.month) for r in issued],
        series=[
            Series(gettext("Contributions billed"), [r.total for r in issued]),
            Series(gettext("Set against invoices"), [r.allocated for r in issued]),
        ],
        label_header=gettext("Month"),
        fmt=rupiah,
    )
    money_bars = bar_chart(
        title=gettext("The programme's budget"),
        bars=[
            Bar(gettext("Budget ceiling"), budget.ceiling),
            Bar(gettext("Contributions billed"), budget.billed),
            Bar(gettext("Contributions paid"), budget.paid),
            Bar(gettext("Billed and projected"), projection.committed),
        ],
        label_header=gettext("Item"),
        value_label=gettext("Amount"),
        fmt=rupiah,
    )
    return Report(
        name="budget",
        title=report_titles()["budget"],
        facts=facts(context, "budget", gettext("Lindung: invoices, payments and the budget projection (live).")),
        as_of=context.made_at,
        figures=(
            Figure(gettext("Budget ceiling"), budget.ceiling, "money"),
            Figure(gettext("Contributions billed"), budget.billed, "money"),
            Figure(gettext("Contributions paid"), budget.paid, "money"),
            Figure(gettext("Contributions outstanding"), budget.outstanding, "money"),
            Figure(gettext("Owed, never billed"), budget.never_billed, "money"),
            Figure(gettext("Money runs out in"), run_out, "text"),
        ),
        charts=(money_bars, billed_paid),
        chart_tables=False,
        sections=(
            programme_section,
            by_programme,
            by_funder,
            invoice_section,
            payment_section,
        ),
        notes=(
            gettext(
                "Budget figures are the whole programme's, whatever the region: money is not divided between "
                "regions. Definitions: see the budget page."
            ),
        ),
    )


# --- claims -------------------------------------------------------------------------------------


def build_claims(context: Context) -> Report:
    scope, region, figures = context.scope, context.region, context.figures
    claims = queries.claims_in_region(scope.programme, region, month_from=scope.month_from, month_to=scope.month_to)
    matrix = queries.claims_by_type_and_status(claims)
    statuses = list(ClaimStatus)
    # Per kind: the claims in each status, then all claims, estimated and paid (whole numbers only).
    kind_counts: list[tuple[str, list[int]]] = []
    for kind in ClaimType:
        cells = [matrix.get((kind.value, s.value), {}) for s in statuses]
        counts = [c.get("claims", 0) for c in cells]
        estimated, paid = sum(c.get("estimated", 0) for c in cells), sum(c.get("paid", 0) for c in cells)
        kind_counts.append((str(kind.label), [*counts, sum(counts), estimated, paid]))
    kind_total = [sum(values[i] for _, values in kind_counts) for i in range(len(statuses) + 3)]
    by_type = Section(
        key="types",
        title=gettext("Claims by kind and status"),
        sheet=gettext("By kind"),
        columns=(
            Column(gettext("Kind of claim"), width=40),
            *(count_column(str(s.label)) for s in statuses),
            count_column(gettext("Claims")),
            money_column(gettext("Estimated")),
            money_column(gettext("Benefits paid")),
        ),
        rows=tuple((label, *values) for label, values in kind_counts),
        total=(gettext("Total"), *kind_total),
    )
    per_child = queries.claims_by_region(claims, region)
    keys = ("claims", "open", "paid_claims", "rejected", "benefits")
    # Per child region: claims, open, paid, rejected, benefits paid, contributions paid.
    region_counts: list[tuple[str, str, list[int]]] = [
        (
            child.code,
            child.name,
            [per_child.get(child.code, {}).get(key, 0) for key in keys] + [child.contributions],
        )
        for child in figures.claims.by_region
    ]
    sums = [sum(values[i] for _, _, values in region_counts) for i in range(len(keys) + 1)]
    count, open_, benefits, contributions = sums[0], sums[1], sums[4], sums[5]
    if not region_counts:  # a village has no children: its own figures only
        count, open_ = figures.claims.count, figures.claims.open
        benefits, contributions = figures.claims.benefits_paid, figures.claims.contributions_paid
    by_region = Section(
        key="regions",
        title=gettext("Claims and benefits per region"),
        sheet=gettext("By region"),
        columns=(
            Column(gettext("Code"), width=14),
            Column(child_header(region)),
            count_column(gettext("Claims")),
            count_column(gettext("Open")),
            count_column(gettext("Paid")),
            count_column(gettext("Rejected")),
            money_column(gettext("Benefits paid")),
            money_column(gettext("Contributions paid")),
            Column(gettext("Benefits per contributions"), "percent", width=14),
        ),
        rows=tuple((code, name, *values, ratio(values[4], values[5])) for code, name, values in region_counts),
        total=("", gettext("Total"), *sums, ratio(sums[4], sums[5])),
        note=gettext(
            "Contributions paid: the lines of fully paid invoices (as of the dashboard's figures). Benefits paid: "
            "the amounts BPJS paid on claims. The period filter applies to the date of the event."
        ),
    )
    chart = grouped_bar_chart(
        title=gettext("Benefits paid against contributions paid"),
        categories=[name for _, name, _ in region_counts],
        series=[
            Series(gettext("Contributions paid"), [values[5] for _, _, values in region_counts]),
            Series(gettext("Benefits paid"), [values[4] for _, _, values in region_counts]),
        ],
        label_header=child_header(region),
        fmt=rupiah,
    )
    kinds = bar_chart(
        title=gettext("Claims by kind"),
        bars=[Bar(label, values[len(statuses)]) for label, values in kind_counts],
        label_header=gettext("Kind of claim"),
        value_label=gettext("Claims"),
    )
    return Report(
        name="claims",
        title=report_titles()["claims"],
        facts=facts(context, "claims", gettext("Lindung: claims (live) and the dashboard's contributions paid.")),
        as_of=context.made_at,
        figures=(
            Figure(gettext("Claims"), count),
            Figure(gettext("Open"), open_),
            Figure(gettext("Benefits paid"), benefits, "money"),
            Figure(gettext("Contributions paid"), contributions, "money"),
            Figure(gettext("Benefits per contributions"), ratio(benefits, contributions), "percent"),
        ),
        charts=(kinds, chart),
        sections=(by_type, by_region),
        chart_tables=False,
    )
