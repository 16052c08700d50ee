"""The dashboard's pictures, drawn from a ``DashboardFigures`` with ``lindung.charts`` (the page and the PDF report
draw the same ones). Labels are translated here, in the active language."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from lindung.charts import Bar, Chart, Series, Tile, bar_chart, grouped_bar_chart, month_chart, tile_map
from lindung.dashboard.selectors import DashboardFigures
from lindung.numbers import rupiah
from lindung.regions.models import Region

Link = Callable[[str], str]  # region code → the URL that drills into it


@dataclass(frozen=True)
class DashboardCharts:
    map: Chart | None  # the province's regencies and cities (only when the drilled region is a province)
    coverage: Chart | None  # covered against target per child region (None at a village)
    by_category: Chart
    by_sex: Chart
    by_age: Chart
    months: Chart
    active: Chart
    at_risk: Chart
    budget: Chart
    claims_by_type: Chart
    benefits: Chart | None  # benefits against contributions per child region


def child_level_label(level: int | None) -> str:
    labels: dict[int, str] = {
        Region.Level.PROVINCE: _("Province"),
        Region.Level.REGENCY: _("Regency/city"),
        Region.Level.DISTRICT: _("District"),
        Region.Level.VILLAGE: _("Village"),
    }
    return labels.get(level or 0, _("Region"))


def _as_group(svg: str) -> str:
    """A picture holding links is a group of them, not one image: an image's parts are hidden from screen readers
    and the keyboard (axe-core: nested-interactive). The title and description still name it."""
    return svg.replace('role="img"', 'role="group"', 1)


def link_tiles(chart: Chart, link: Link) -> Chart:
    """Each tile of a tile map wrapped in a link to its region (a tile's ``<g>`` holds no other ``<g>``)."""
    svg = re.sub(
        r'(<g class="tile" data-code="([^"]+)".*?</g>)',
        lambda m: f'<a href="{escape(link(m.group(2)))}">{m.group(1)}</a>',
        _as_group(str(chart.svg)),
        flags=re.DOTALL,
    )
    return dataclasses.replace(chart, svg=mark_safe(svg))  # noqa: S308 - the chart's markup, links escaped


def link_rows(chart: Chart, codes: list[str], link: Link) -> Chart:
    """Each row of a one-series bar chart (one ``<g class="row">`` per bar, in order) wrapped in a link."""
    if chart.empty:
        return chart
    parts = _as_group(str(chart.svg)).split('<g class="row">')
    if len(parts) != len(codes) + 1:
        return chart  # not the shape this expects: leave the picture without links rather than break it
    out = [parts[0]]
    for code, part in zip(codes, parts[1:], strict=True):
        row, rest = part.split("</g>", 1)
        out.append(f'<a href="{escape(link(code))}"><g class="row">{row}</g></a>{rest}')
    return dataclasses.replace(chart, svg=mark_safe("".join(out)))  # noqa: S308 - the chart's markup, links escaped


def dashboard_charts(figures: DashboardFigures, *, link: Link | None = None) -> DashboardCharts:
    """Every picture of the dashboard; with ``link``, the map's tiles and the coverage bars drill down."""
    level = child_level_label(figures.child_level)
    where = figures.region.name
    covered, target = _("Covered"), _("Target")

    map_chart = None
    if figures.child_level == Region.Level.REGENCY and figures.coverage:
        map_chart = tile_map(
            title=_("Coverage against target: %(region)s") % {"region": where},
            tiles=[Tile(r.code, r.name, r.covered, r.target) for r in figures.coverage],
            label_header=level,
            value_label=covered,
            target_label=target,
            legend_title=_("Covered against target"),
        )
        if link:
            map_chart = link_tiles(map_chart, link)

    coverage_chart = None
    if figures.coverage:
        coverage_chart = bar_chart(
            title=_("Covered workers and target per %(level)s") % {"level": level.lower()},
            bars=[Bar(r.name, r.covered, r.target) for r in figures.coverage],
            label_header=level,
            value_label=covered,
            target_label=target,
        )
        if link and figures.child_level is not None:
            coverage_chart = link_rows(coverage_chart, [r.code for r in figures.coverage], link)

    d = figures.demographics
    men, women = _("Men"), _("Women")
    by_category = grouped_bar_chart(
        title=_("Covered workers by occupation"),
        categories=[g.label for g in d.by_category],
        series=[Series(men, [g.male for g in d.by_category]), Series(women, [g.female for g in d.by_category])],
        label_header=_("Occupation"),
        stacked=True,
    )
    by_sex = bar_chart(
        title=_("Covered workers by sex"),
        bars=[Bar(g.label, g.covered) for g in d.by_sex],
        label_header=_("Sex"),
        value_label=covered,
    )
    by_age = grouped_bar_chart(
        title=_("Covered workers by age"),
        categories=[g.label for g in d.by_age],
        series=[Series(men, [g.male for g in d.by_age]), Series(women, [g.female for g in d.by_age])],
        label_header=_("Age"),
        stacked=True,
    )

    month_labels = [f"{m.month:%Y-%m}" for m in figures.months]
    months = month_chart(
        title=_("Coverage started and ended per month"),
        months=month_labels,
        series=[
            Series(_("Started"), [m.activated for m in figures.months]),
            Series(_("Ended"), [m.ended for m in figures.months]),
        ],
        label_header=_("Month"),
    )
    active = month_chart(
        title=_("Workers covered at the end of each month"),
        months=month_labels,
        series=[Series(covered, [m.active for m in figures.months])],
        label_header=_("Month"),
        kind="line",
    )

    risks = figures.at_risk_by_region or (figures.at_risk,)
    at_risk = grouped_bar_chart(
        title=_("Active workers in arrears"),
        categories=[r.name for r in risks],
        series=[
            Series(_("1 month"), [r.one for r in risks]),
            Series(_("2 months"), [r.two for r in risks]),
            Series(_("3 months or more"), [r.three for r in risks]),
        ],
        label_header=level if figures.at_risk_by_region else _("Region"),
        stacked=True,
    )

    money = figures.money
    budget = grouped_bar_chart(
        title=_("Budget per programme"),
        categories=[p.programme.code for p in money.programmes],
        series=[
            Series(_("Ceiling"), [p.ceiling for p in money.programmes]),
            Series(_("Contributions billed"), [p.billed for p in money.programmes]),
            Series(_("Contributions paid"), [p.paid for p in money.programmes]),
            Series(_("Contributions outstanding"), [p.outstanding for p in money.programmes]),
        ],
        label_header=_("Programme"),
        fmt=rupiah,
    )

    claims = figures.claims
    claims_by_type = bar_chart(
        title=_("Claims by kind"),
        bars=[Bar(c.label, c.count) for c in claims.by_type],
        label_header=_("Kind of claim"),
        value_label=_("Claims"),
    )
    benefits = None
    if claims.by_region:
        benefits = grouped_bar_chart(
            title=_("Benefits paid against contributions paid"),
            categories=[r.name for r in claims.by_region],
            series=[
                Series(_("Contributions paid"), [r.contributions for r in claims.by_region]),
                Series(_("Benefits paid"), [r.benefits for r in claims.by_region]),
            ],
            label_header=level,
            fmt=rupiah,
        )
    return DashboardCharts(
        map=map_chart,
        coverage=coverage_chart,
        by_category=by_category,
        by_sex=by_sex,
        by_age=by_age,
        months=months,
        active=active,
        at_risk=at_risk,
        budget=budget,
        claims_by_type=claims_by_type,
        benefits=benefits,
    )
