"""One report as one file, for the web and the command line: build, render, audit."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass

from django.utils import translation

from lindung.reports.builders import report_build
from lindung.reports.document import Report
from lindung.reports.formats import CONTENT_TYPES, PREVIEW, csv_bytes, pdf_bytes, report_html, write_xlsx
from lindung.reports.services import ReportScope, report_export_record

# The facts the one-page summary repeats under its title (indexes into ``builders._facts``): programme,
# period, region, figures as of.
_SUMMARY_LEAD = (1, 4, 5, 6)


@dataclass(frozen=True)
class ReportFile:
    filename: str
    content_type: str
    content: bytes


def report_filename(scope: ReportScope, name: str, fmt: str) -> str:
    """``laporan-coverage-KALBAR-2026-61.71.xlsx``: only letters, digits, dots and dashes (a programme code
    is typed by an administrator and goes into a header)."""
    stem = f"laporan-{name}-{scope.programme.code}-{scope.region.code}"
    return re.sub(r"[^A-Za-z0-9.-]+", "-", stem) + f".{fmt}"


def report_pdf_html(report: Report) -> str:
    """The HTML a report's PDF is made from (the summary has its own one-page layout)."""
    if report.name == "summary":
        lead = [report.facts[i] for i in _SUMMARY_LEAD if i < len(report.facts)]
        return report_html(report, template="reports/summary.html", extra={"lead": lead})
    return report_html(report)


def report_render(report: Report, fmt: str) -> bytes:
    if fmt == "xlsx":
        out = io.BytesIO()
        write_xlsx(report, out)
        return out.getvalue()
    if fmt == "csv":
        return csv_bytes(report)
    if fmt == "pdf":
        return pdf_bytes(report_pdf_html(report))
    if fmt == PREVIEW:
        return report_pdf_html(report).encode()
    raise ValueError(f"unknown format {fmt!r}")


def report_export(
    *, scope: ReportScope, name: str, fmt: str, language: str = "id", today: dt.date | None = None
) -> ReportFile:
    """Report ``name`` of ``scope`` as a ``fmt`` file in ``language``, recorded in the audit log.

    The file is made before the entry is written, so a failure leaves neither a file nor an entry.
    """
    with translation.override(language):
        content = report_render(report_build(scope, name, today=today), fmt)
    report_export_record(scope=scope, name=name, fmt=fmt)
    return ReportFile(filename=report_filename(scope, name, fmt), content_type=CONTENT_TYPES[fmt], content=content)
