"""Writing a :class:`~lindung.reports.document.Report` as XLSX, CSV or PDF.

Formula injection: a spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and their
look-alikes, after spaces) as a formula, so a worker, region, category or programme named
``=HYPERLINK(...)`` could run something on the reader's machine. The workbook and the CSV writer come from
:mod:`lindung.spreadsheets.writing`, which neutralises every text cell (:func:`neutralise`: an apostrophe in
front) and writes no formula and no link; see there why an apostrophe.

- PDF: nothing to neutralise (a PDF does not evaluate text); names are shown as they are.

CSV shape (documented for people who load it into other tools): UTF-8 with a byte-order mark (so that
Excel reads the accents), semicolon-separated (the list separator of Excel in Indonesian, where the
comma is the decimal mark, so the file opens in columns with a double click), one block per table:
a line with the table's key and title, the header line, the rows, an empty line. The first block,
``keterangan``, holds the filters, region, as-of time and source. Numbers are plain: rupiah and counts
are whole numbers without thousands separators, percentages have one decimal after a point, days are
written YYYY-MM-DD.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import IO, TYPE_CHECKING, Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from lindung.charts import percent_id
from lindung.numbers import rupiah, rupiah_number
from lindung.reports.document import Cell, Kind, Report, Section
from lindung.spreadsheets.writing import csv_writer, workbook_new
from lindung.spreadsheets.writing import neutralise as neutralise  # its old home: callers import it from here

if TYPE_CHECKING:
    import weasyprint

FORMATS = ("xlsx", "pdf", "csv")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
}
# On screen only: the page the PDF is printed from, for reading (and printing) in the browser.
PREVIEW = "html"
CSV_DELIMITER = ";"
KETERANGAN = "Keterangan"  # the sheet's name is the same in every language: people look for it by name


# --- XLSX ---------------------------------------------------------------------------------------

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_WIDTHS: dict[Kind, int] = {"text": 30, "count": 12, "money": 18, "percent": 10, "day": 12}
_NUMBER_FORMATS: dict[Kind, str] = {
    "count": "#,##0",
    "money": '"Rp" #,##0',  # a number with the rupiah format: it still adds up in the spreadsheet
    "percent": "0.0%",
    "day": "yyyy-mm-dd",
}


def _sheet_names(sections: tuple[Section, ...]) -> list[str]:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique without regard to case."""
    taken = {KETERANGAN.lower()}
    names = []
    for section in sections:
        base = _SHEET_FORBIDDEN.sub(" ", section.sheet).strip()[:31] or section.key[:31]
        name, n = base, 2
        while name.lower() in taken:
            suffix = f" {n}"
            name, n = base[: 31 - len(suffix)] + suffix, n + 1
        taken.add(name.lower())
        names.append(name)
    return names


class _XlsxWriter:
    """The formats of one workbook, and how a cell of each kind goes into a sheet."""

    def __init__(self, workbook: Any) -> None:
        self.bold = workbook.add_format({"bold": True})
        self.wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        self.formats: dict[tuple[Kind, bool], Any] = {}
        for kind, number_format in _NUMBER_FORMATS.items():
            self.formats[(kind, False)] = workbook.add_format({"num_format": number_format})
            self.formats[(kind, True)] = workbook.add_format({"num_format": number_format, "bold": True})
        self.formats[("text", True)] = self.bold

    def cell(self, sheet: Any, row: int, col: int, value: Cell, kind: Kind, *, bold: bool = False) -> None:
        style = self.formats.get((kind, bold))
        if value is None or value == "":
            if bold:
                sheet.write_blank(row, col, None, style)
        elif isinstance(value, dt.date):
            sheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), self.formats[("day", bold)])
        elif isinstance(value, bool) or not isinstance(value, int | float):
            sheet.write_string(row, col, str(value), style)
        else:
            sheet.write_number(row, col, value, style)


def write_xlsx(report: Report, out: str | IO[bytes]) -> None:
    """One sheet per table (header row bold and frozen, numbers as numbers, rupiah with the rupiah
    format), then the sheet "Keterangan": what was asked, the region, as of when, and the source."""
    workbook = workbook_new(out)
    writer = _XlsxWriter(workbook)
    for section, name in zip(report.sections, _sheet_names(report.sections), strict=True):
        sheet = workbook.add_worksheet(name)
        for col, column in enumerate(section.columns):
            sheet.set_column(col, col, column.width or _WIDTHS[column.kind])
            sheet.write_string(0, col, column.header, writer.bold)
        sheet.freeze_panes(1, 0)
        row = 0
        for row, values in enumerate(section.rows, start=1):
            for col, (value, column) in enumerate(zip(values, section.columns, strict=True)):
                writer.cell(sheet, row, col, value, column.kind)
        if section.total is not None:
            row += 1
            for col, (value, column) in enumerate(zip(section.total, section.columns, strict=True)):
                writer.cell(sheet, row, col, value, column.kind, bold=True)
    _write_keterangan(workbook.add_worksheet(KETERANGAN), report, writer)
    workbook.close()


def _write_keterangan(sheet: Any, report: Report, writer: _XlsxWriter) -> None:
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 1, 60)
    sheet.write_string(0, 0, report.title, writer.bold)
    row = 1
    for label, value in report.facts:
        row += 1
        sheet.write_string(row, 0, label, writer.bold)
        sheet.write_string(row, 1, value, writer.wrap)
    if report.figures:
        row += 2
        sheet.write_string(row, 0, gettext("Key figures"), writer.bold)
        for figure in report.figures:
            row += 1
            sheet.write_string(row, 0, figure.label)
            writer.cell(sheet, row, 1, figure.value, figure.kind)
    # The tables' notes come here, so that every table sheet is a plain table (a pivot or a filter reads it whole).
    notes = [(section.title, section.note) for section in report.sections if section.note]
    notes += [(gettext("Note"), note) for note in report.notes]
    if notes:
        row += 1
    for label, note in notes:
        row += 1
        sheet.write_string(row, 0, label, writer.bold)
        sheet.write_string(row, 1, note, writer.wrap)


# --- CSV ----------------------------------------------------------------------------------------


def csv_value(value: Cell, kind: Kind) -> object:
    """A cell for the CSV writer: numbers stay numbers (percentages with one decimal after a point), days
    YYYY-MM-DD, texts as they are (the writer neutralises them)."""
    if kind == "percent" and isinstance(value, int | float) and not isinstance(value, bool):
        # A Decimal, not a text: a negative share is a number, and a number is never neutralised.
        return Decimal(f"{value * 100:.1f}")
    return value


def write_csv(report: Report, out: IO[str]) -> None:
    """The report as one CSV text (see the module's docstring for its shape), BOM first."""
    out.write("\ufeff")
    writer = csv_writer(out, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow(["keterangan", report.title])
    writer.writerows(report.facts)
    for figure in report.figures:
        writer.writerow([figure.label, csv_value(figure.value, figure.kind)])
    for section in report.sections:
        if section.note:
            writer.writerow([section.title, section.note])
    for note in report.notes:
        writer.writerow([gettext("Note"), note])
    for section in report.sections:
        writer.writerow([])
        writer.writerow([section.key, section.title])
        writer.writerow([column.header for column in section.columns])
        rows = (*section.rows, section.total) if section.total is not None else section.rows
        for values in rows:
            writer.writerow(
                [csv_value(value, column.kind) for value, column in zip(values, section.columns, strict=True)]
            )


def csv_bytes(report: Report) -> bytes:
    text = io.StringIO()
    write_csv(report, text)
    return text.getvalue().encode("utf-8")


# --- PDF ----------------------------------------------------------------------------------------


def display(value: Cell, kind: Kind) -> str:
    """A cell as the PDF shows it: Indonesian number style (dots between thousands), Rp for money."""
    if value is None or value == "":
        return "–" if kind != "text" else ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if kind == "money" and isinstance(value, int):
        return rupiah(value)
    if kind == "count" and isinstance(value, int):
        return rupiah_number(value)
    if kind == "percent" and isinstance(value, int | float):
        return percent_id(float(value), 1)
    return str(value)


@cache
def _charts_css() -> str:
    return (resources.files("lindung.charts") / "static" / "charts" / "charts.css").read_text(encoding="utf-8")


def report_html(report: Report, *, template: str = "reports/document.html", extra: dict[str, Any] | None = None) -> str:
    """The HTML the PDF is made from: self-contained (CSS inline, charts as inline SVG, no link)."""
    sections = [
        {
            "section": section,
            "headers": [(column.header, column.kind) for column in section.columns],
            "rows": [_display_row(row, section) for row in section.rows],
            "total": _display_row(section.total, section) if section.total is not None else None,
        }
        for section in report.sections
        if section.in_pdf
    ]
    figures = [(figure, display(figure.value, figure.kind)) for figure in report.figures]
    context = {"report": report, "sections": sections, "figures": figures, "charts_css": mark_safe(_charts_css())}  # noqa: S308 - our own file
    return render_to_string(template, {**context, **(extra or {})})


def _display_row(row: tuple[Cell, ...], section: Section) -> list[tuple[str, Kind]]:
    return [(display(value, column.kind), column.kind) for value, column in zip(row, section.columns, strict=True)]


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    # The report is self-contained: never let a rendered value make WeasyPrint open a file or a URL.
    raise ValueError("no external resources in a report")


def pdf_document(html: str | SafeString) -> weasyprint.Document:
    """The laid-out pages (tests count them and read their text before they become PDF bytes)."""
    import weasyprint  # heavy (pango): load it only when a PDF is asked for

    return weasyprint.HTML(string=str(html), url_fetcher=_refuse_fetch).render()


def pdf_bytes(html: str | SafeString) -> bytes:
    pdf = pdf_document(html).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf
