"""The reports about people: coverage by region, demographics, arrears, and the one-page leadership summary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from django.utils.translation import gettext

from lindung.charts import Bar, Chart, Series, Tile, bar_chart, grouped_bar_chart, month_chart, tile_map
from lindung.dashboard.figures.demographics import Group
from lindung.numbers import grouped, rupiah
from lindung.reports.builders.common import (
    Context,
    child_header,
    count_column,
    dashboard_source,
    facts,
    month_label,
    ratio,
    report_titles,
    rupiah_short,
)
from lindung.reports.document import Column, Figure, Report, Section

# --- coverage -----------------------------------------------------------------------------------


def coverage_map(context: Context) -> Chart:
    return tile_map(
        title=gettext("Covered workers against the target"),
        tiles=[Tile(code=r.code, name=r.name, value=r.covered, target=r.target) for r in context.figures.coverage],
        label_header=child_header(context.region),
        value_label=gettext("Covered"),
        target_label=gettext("Target"),
        legend_title=gettext("Percent of target"),
    )


def coverage_section(context: Context) -> Section:
    figures = context.figures
    totals = figures.totals
    return Section(
        key="coverage",
        title=gettext("Covered workers per region"),
        sheet=gettext("Covered per region"),
        columns=(
            Column(gettext("Code"), width=14),
            Column(child_header(context.region)),
            count_column(gettext("Covered")),
            count_column(gettext("In process")),
            count_column(gettext("Ended")),
            count_column(gettext("Target")),
            Column(gettext("Percent of target"), "percent", width=12),
        ),
        rows=tuple(
            (r.code, r.name, r.covered, r.in_process, r.ended, r.target, ratio(r.covered, r.target))
            for r in figures.coverage
        ),
        total=(
            "",
            gettext("Total"),
            totals.covered,
            totals.in_process,
            totals.ended,
            totals.target,
            ratio(totals.covered, totals.target),
        ),
        note=gettext(
            "Covered, in process, ended and target as defined on the page What the figures mean "
            "(/bantuan/istilah/): covered = active enrolments whose coverage period contains the day."
        ),
    )


def build_coverage(context: Context) -> Report:
    figures = context.figures
    totals = figures.totals
    bars = bar_chart(
        title=gettext("Covered workers per region"),
        bars=[Bar(label=r.name, value=r.covered, target=r.target) for r in figures.coverage],
        label_header=child_header(context.region),
        value_label=gettext("Covered"),
    )
    return Report(
        name="coverage",
        title=report_titles()["coverage"],
        facts=facts(context, "coverage", dashboard_source()),
        as_of=context.made_at,
        figures=(
            Figure(gettext("Covered workers"), totals.covered),
            Figure(gettext("Target"), totals.target),
            Figure(gettext("Percent of target"), ratio(totals.covered, totals.target), "percent"),
            Figure(gettext("In process"), totals.in_process),
        ),
        charts=(coverage_map(context), bars),
        sections=(coverage_section(context),),
        chart_tables=False,
    )


# --- demographics -------------------------------------------------------------------------------


def _sex_section(key: str, title: str, sheet: str, header: str, groups: Sequence[Group], total: int) -> Section:
    """Groups (categories or age bands) with men, women and the total."""
    return Section(
        key=key,
        title=title,
        sheet=sheet,
        columns=(
            Column(header),
            count_column(gettext("Men")),
            count_column(gettext("Women")),
            count_column(gettext("Total")),
        ),
        rows=tuple((g.label, g.male, g.female, g.covered) for g in groups),
        total=(gettext("Total"), sum(g.male for g in groups), sum(g.female for g in groups), total),
        in_pdf=False,  # the chart's table shows the same rows
    )


def _sex_chart(title: str, header: str, groups: Sequence[Group]) -> Chart:
    return grouped_bar_chart(
        title=title,
        categories=[g.label for g in groups],
        series=[
            Series(gettext("Men"), [g.male for g in groups]),
            Series(gettext("Women"), [g.female for g in groups]),
        ],
        label_header=header,
        stacked=True,
    )


def build_demographics(context: Context) -> Report:
    demo = context.figures.demographics
    total = sum(g.covered for g in demo.by_sex)
    category, age = gettext("Occupation category"), gettext("Age band")
    by_sex = Section(
        key="sexes",
        title=gettext("By sex"),
        sheet=gettext("Sex"),
        columns=(Column(gettext("Sex")), count_column(gettext("Covered")), Column(gettext("Share"), "percent")),
        rows=tuple((g.label, g.covered, ratio(g.covered, total)) for g in demo.by_sex),
        total=(gettext("Total"), total, 1.0 if total else None),
    )
    return Report(
        name="demographics",
        title=report_titles()["demographics"],
        facts=facts(context, "demographics", dashboard_source()),
        as_of=context.made_at,
        figures=(
            Figure(gettext("Covered workers"), total),
            *(Figure(g.label, g.covered) for g in demo.by_sex),
        ),
        charts=(
            _sex_chart(gettext("Covered workers by occupation category and sex"), category, demo.by_category),
            _sex_chart(gettext("Covered workers by age band and sex"), age, demo.by_age),
        ),
        sections=(
            _sex_section(
                "categories",
                gettext("By occupation category and sex"),
                gettext("Category"),
                category,
                demo.by_category,
                total,
            ),
            _sex_section("ages", gettext("By age band and sex"), gettext("Age"), age, demo.by_age, total),
            by_sex,
        ),
        notes=(
            gettext(
                "Covered (active) workers; age in whole years on the day the figures are as of. A worker in two "
                "programmes counts in each."
            ),
        ),
    )


# --- arrears ------------------------------------------------------------------------------------


def build_arrears(context: Context) -> Report:
    region = context.region
    risks = context.figures.at_risk_by_region
    total = context.figures.at_risk
    section = Section(
        key="arrears",
        title=gettext("Active workers in arrears per region"),
        sheet=gettext("Arrears"),
        columns=(
            Column(gettext("Code"), width=14),
            Column(child_header(region)),
            count_column(gettext("1 month")),
            count_column(gettext("2 months")),
            count_column(gettext("3 months or more")),
            count_column(gettext("Total")),
        ),
        rows=tuple((r.code, r.name, r.one, r.two, r.three, r.total) for r in risks),
        total=("", gettext("Total"), total.one, total.two, total.three, total.total),
        note=gettext(
            "Arrears can be paid for at most 3 months; unpaid for more than 3 consecutive months ends the "
            "membership. Counts only: the at-risk page lists the workers."
        ),
    )
    chart = grouped_bar_chart(
        title=gettext("Workers in arrears per region"),
        categories=[r.name for r in risks],
        series=[
            Series(gettext("1 month"), [r.one for r in risks]),
            Series(gettext("2 months"), [r.two for r in risks]),
            Series(gettext("3 months or more"), [r.three for r in risks]),
        ],
        label_header=child_header(region),
        stacked=True,
    )
    return Report(
        name="arrears",
        title=report_titles()["arrears"],
        facts=facts(context, "arrears", dashboard_source()),
        as_of=context.made_at,
        figures=(
            Figure(gettext("1 month in arrears"), total.one),
            Figure(gettext("2 months in arrears"), total.two),
            Figure(gettext("3 months or more"), total.three, note=gettext("about to lose their membership")),
        ),
        charts=(chart,),
        sections=(section,),
        chart_tables=False,
    )


# --- summary ------------------------------------------------------------------------------------


def build_summary(context: Context) -> Report:
    """One A4 page: nine key figures (the headline figures of ``lindung.contributions.headline`` for the report's
    programme and region, as the dashboard shows them), the map, coverage started per month and the money."""
    figures = context.figures
    totals, money, months = figures.totals, figures.money, figures.months
    started = month_chart(
        title=gettext("Covered workers per month"),
        months=[month_label(m.month) for m in months],
        series=[Series(gettext("Covered"), [m.active for m in months])],
        label_header=gettext("Month"),
    )
    # The programme's whole budget (money is not divided between regions): the same definitions as the figures.
    money_bars = bar_chart(
        title=gettext("Budget"),
        bars=[
            Bar(gettext("Budget ceiling"), money.ceiling),
            Bar(gettext("Contributions billed"), money.billed),
            Bar(gettext("Contributions paid"), money.paid),
            Bar(gettext("Billed and projected"), money.billed + money.projected),
        ],
        label_header=gettext("Item"),
        value_label=gettext("Amount"),
        fmt=rupiah_short,
    )
    headline = figures.headline
    key_figures = (
        Figure(
            gettext("Covered workers"),
            headline.number("covered"),
            note=gettext("target %(target)s") % {"target": grouped(totals.target) if totals.target else "–"},
        ),
        Figure(gettext("Percent of target"), ratio(totals.covered, totals.target), "percent"),
        Figure(
            gettext("In process"), headline.number("in_process"), note=gettext("proposed, verified or sent to BPJS")
        ),
        Figure(gettext("Budget ceiling"), money.ceiling, "money"),
        Figure(
            gettext("Contributions billed"),
            headline.number("billed"),
            "money",
            note=gettext("outstanding %(amount)s") % {"amount": rupiah(headline.number("outstanding"))},
        ),
        Figure(gettext("Contributions paid"), headline.number("paid"), "money", note=gettext("invoices paid in full")),
        Figure(
            gettext("Money runs out in"),
            gettext("Already exceeded")
            if money.exceeded
            else month_label(money.runs_out_in) or gettext("Does not run out"),
            "text",
        ),
        Figure(
            gettext("3 months or more in arrears"),
            headline.number("arrears_3_plus"),
            note=gettext("1 month: %(one)s · 2 months: %(two)s")
            % {"one": grouped(headline.number("arrears_1")), "two": grouped(headline.number("arrears_2"))},
        ),
        Figure(
            gettext("Months never billed"),
            headline.number("never_billed_months"),
            note=gettext("to bill: %(amount)s") % {"amount": rupiah(headline.number("never_billed_amount"))},
        ),
        Figure(gettext("Benefits paid"), figures.claims.benefits_paid, "money"),
    )
    month_section = Section(
        key="months",
        title=gettext("Covered workers per month"),
        sheet=gettext("Months"),
        columns=(
            Column(gettext("Month"), width=10),
            count_column(gettext("Started")),
            count_column(gettext("Ended")),
            count_column(gettext("Covered")),
        ),
        rows=tuple((month_label(m.month), m.activated, m.ended, m.active) for m in months),
        in_pdf=False,
    )
    return Report(
        name="summary",
        title=report_titles()["summary"],
        facts=facts(context, "summary", dashboard_source()),
        as_of=context.made_at,
        figures=key_figures,
        charts=(coverage_map(context), started, money_bars),
        sections=(replace(coverage_section(context), in_pdf=False), month_section),
    )
