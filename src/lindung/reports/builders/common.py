"""What the report builders share: the context they get, the "Keterangan" facts, column and number helpers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import formats, timezone
from django.utils.translation import gettext

from lindung.dashboard.filters import DashboardFilters
from lindung.dashboard.selectors import DashboardFigures, dashboard_figures
from lindung.numbers import rupiah
from lindung.programmes.models import FunderType
from lindung.regions.models import Region
from lindung.reports.document import Column
from lindung.reports.services import ReportScope, report_viewer

REPORT_NAMES = ("coverage", "demographics", "budget", "arrears", "claims", "summary")


def report_titles() -> dict[str, str]:
    """The reports' titles in the active language, in the order of ``REPORT_NAMES``."""
    return {
        "coverage": gettext("Coverage by region"),
        "demographics": gettext("Covered workers by category, sex and age"),
        "budget": gettext("Budget and payments"),
        "arrears": gettext("Workers in arrears by region"),
        "claims": gettext("Claims and benefits"),
        "summary": gettext("Leadership summary"),
    }


def report_descriptions() -> dict[str, str]:
    return {
        "coverage": gettext("Covered workers against the target per regency/city (or district), with the map."),
        "demographics": gettext("Covered workers by occupation category, sex and age band."),
        "budget": gettext(
            "Ceiling, billed, paid, outstanding and run-out per programme and funder; invoices and payments."
        ),
        "arrears": gettext("Active workers 1, 2 and 3 or more months in arrears per region (counts, no names)."),
        "claims": gettext("Claims by kind, status and region; benefits paid against contributions paid."),
        "summary": gettext("One A4 page for the leadership: key figures, the map and two charts."),
    }


@dataclass(frozen=True)
class Context:
    """What every builder gets: the scope, the dashboard's figures for it, and the moment of the report."""

    scope: ReportScope
    figures: DashboardFigures
    made_at: dt.datetime

    @property
    def region(self) -> Region:
        return self.scope.region


def report_figures(scope: ReportScope, *, today: dt.date | None = None) -> DashboardFigures:
    """The dashboard's figures for the scope's programme and region, read as its reader (or the system)."""
    filters = DashboardFilters(
        programme=scope.programme,
        funder=scope.funder,
        month_from=scope.month_from,
        month_to=scope.month_to,
        region=scope.region.code,
    )
    return dashboard_figures(report_viewer(scope), filters, today=today)


def month_label(month: dt.date | None) -> str:
    """A month in a sheet's cell: 2026-03, which sorts and filters as a spreadsheet expects."""
    return f"{month:%Y-%m}" if month else ""


def period_text(scope: ReportScope) -> str:
    """The period in words, as the pages write months (Jan 2026 – Des 2026)."""
    if scope.month_from or scope.month_to:
        start, end = (
            formats.date_format(month, "YEAR_MONTH_FORMAT") if month else "…"
            for month in (scope.month_from, scope.month_to)
        )
        return f"{start} – {end}"
    programme = scope.programme
    return gettext("The whole programme (%(start)s – %(end)s)") % {
        "start": month_label(programme.coverage_start),
        "end": month_label(programme.coverage_end),
    }


def as_of_text(figures: DashboardFigures) -> str:
    if figures.as_of is None or figures.as_of_day is None:
        return gettext("Never computed: run lindung dashboard refresh (the figures are empty until then).")
    return gettext("%(day)s (computed %(at)s)") % {
        "day": figures.as_of_day.isoformat(),
        "at": formats.date_format(timezone.localtime(figures.as_of), "DATETIME_FORMAT"),
    }


def dashboard_source() -> str:
    return gettext(
        "Lindung: the dashboard's summary tables (enrolments, arrears, contributions paid), rebuilt nightly; "
        "budget and claims live."
    )


def facts(context: Context, name: str, source: str) -> tuple[tuple[str, str], ...]:
    """The "Keterangan": what was asked, for which region, as of when, from where."""
    scope = context.scope
    programme = scope.programme
    funder = dict(FunderType.choices).get(scope.funder) if scope.funder else None
    made = timezone.localtime(context.made_at)
    return (
        (gettext("Report"), report_titles()[name]),
        (gettext("Programme"), f"{programme.code} · {programme.name}"),
        (gettext("Funder"), f"{programme.funder_name} ({programme.get_funder_type_display()})"),
        (gettext("Funder filter"), str(funder) if funder else gettext("All funders")),
        (gettext("Period"), period_text(scope)),
        (gettext("Region"), f"{context.region.code} · {context.region.name}"),
        (gettext("Figures as of"), as_of_text(context.figures)),
        (gettext("Made at"), formats.date_format(made, "DATETIME_FORMAT")),
        (gettext("Source"), source),
    )


def ratio(value: int, target: int | None) -> float | None:
    return round(value / target, 4) if target else None


def child_header(region: Region) -> str:
    if region.level == Region.Level.PROVINCE:
        return gettext("Regency/city")
    if region.level == Region.Level.REGENCY:
        return gettext("District")
    return gettext("Village")


def count_column(header: str) -> Column:
    return Column(header, "count")


def money_column(header: str) -> Column:
    return Column(header, "money")


def rupiah_short(value: int) -> str:
    """Rp 1,2 M (billions) or Rp 201,6 jt (millions): short enough for a chart's axis on a half page."""
    if abs(value) >= 1_000_000_000:
        return gettext("Rp %(amount)s bn") % {"amount": f"{value / 1_000_000_000:.1f}".replace(".", ",")}
    if abs(value) >= 1_000_000:
        return gettext("Rp %(amount)s m") % {"amount": f"{value / 1_000_000:.1f}".replace(".", ",")}
    return rupiah(value)
