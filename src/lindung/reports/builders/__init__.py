"""The six reports, each built as a :class:`~lindung.reports.document.Report` from the dashboard's figures
(``lindung.dashboard.selectors.dashboard_figures``) and the few queries of ``lindung.reports.queries``.

Every builder runs inside the language the file is asked in; labels are translated there, numbers stay
numbers until a writer (``lindung.reports.formats``) formats them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from lindung.reports.builders.common import REPORT_NAMES, Context, report_descriptions, report_figures, report_titles
from lindung.reports.builders.money import build_budget, build_claims
from lindung.reports.builders.people import build_arrears, build_coverage, build_demographics, build_summary
from lindung.reports.document import Report
from lindung.reports.services import ReportScope

__all__ = ["REPORT_NAMES", "report_build", "report_descriptions", "report_figures", "report_titles"]

_BUILDERS: dict[str, Callable[[Context], Report]] = {
    "coverage": build_coverage,
    "demographics": build_demographics,
    "budget": build_budget,
    "arrears": build_arrears,
    "claims": build_claims,
    "summary": build_summary,
}


def report_build(scope: ReportScope, name: str, *, today: dt.date | None = None) -> Report:
    """Report ``name`` for ``scope``, in the active language. ``name`` must be one of ``REPORT_NAMES``."""
    context = Context(scope=scope, figures=report_figures(scope, today=today), made_at=timezone.now())
    return _BUILDERS[name](context)
