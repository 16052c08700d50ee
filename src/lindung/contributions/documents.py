"""An invoice as documents: its lines as XLSX, and a summary letter to BPJS Ketenagakerjaan as PDF.

Both are read-only views of an invoice (draft or issued); handing one out is audited by
``invoice_export_record``. The XLSX is written in xlsxwriter's constant-memory mode from a database
iterator, so a million-line invoice needs no more memory than a small one; its workbook comes from
``lindung.spreadsheets.writing``, so no name in it can be taken for a formula.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import IO, Any, NamedTuple

from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require
from lindung.accounts.scope import scope_of
from lindung.audit.services import audit_record
from lindung.contributions.models import Invoice, InvoiceLine, LineKind
from lindung.contributions.selectors import invoice_by_component, invoice_by_regency
from lindung.spreadsheets.writing import workbook_new
from lindung.workers.nik import nik_mask
from lindung.workers.restriction import exported_identity

FORMATS = ("xlsx", "pdf")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
# An XLSX sheet holds at most 1,048,576 rows; lines beyond continue on "Baris 2", "Baris 3", ...
MAX_SHEET_ROWS = 1_048_576


def invoice_export_record(*, actor: User | None, invoice: Invoice, fmt: str) -> None:
    """Check that ``actor`` may take ``invoice`` away as a document, and record that it did.

    No actor is the system (the command line without ``--as``). Out of the actor's region is a 404,
    as on the invoice's page.
    """
    if actor is not None:
        require(actor, Action.FINANCE_MANAGE)
        if not scope_of(actor).covers(invoice.programme.region_id):
            raise Http404
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="invoice.exported",
            obj=invoice,
            region_code=invoice.programme.region_id,
            changes={"format": [None, fmt], "lines": [None, invoice.line_count]},
        )


def invoice_filename(invoice: Invoice, fmt: str) -> str:
    return f"tagihan-{invoice.programme.code}-{invoice.month:%Y-%m}.{fmt}"


# --- the lines, one at a time ----------------------------------------------------------------------


class LineRow(NamedTuple):
    """One invoice line as every document shows it: the NIK masked (a list never holds a whole NIK)."""

    enrolment_id: int
    nik_masked: str
    name: str
    regency_code: str
    regency: str
    kind: str
    month: str  # YYYY-MM
    jkk: int
    jkm: int
    jht: int
    amount: int
    note: str


LINE_FIELDS: tuple[str, ...] = LineRow._fields
LINES_CHUNK = 5000


def invoice_line_rows(invoice: Invoice, *, regency_names: dict[str, str] | None = None) -> Iterator[LineRow]:
    """The invoice's lines in the order of its documents (regency/city, kind), read from a database iterator
    ``LINES_CHUNK`` at a time: a million-line invoice needs no more memory than a small one. The XLSX and the
    API's CSV and JSON lines (``lindung.api.routers.invoices``) read them here."""
    if regency_names is None:
        regency_names = {row["regency_code"]: row["name"] for row in invoice_by_regency(invoice)}
    lines = (
        InvoiceLine.objects.filter(invoice=invoice)
        .order_by("regency_code", "kind", "pk")
        .values_list(
            "enrolment_id",
            "worker__nik",
            "worker__name",
            "worker__restricted_since",
            "regency_code",
            "kind",
            "month",
            "jkk",
            "jkm",
            "jht",
            "amount",
            "note",
        )
        .iterator(chunk_size=LINES_CHUNK)
    )
    for enrolment_id, nik, name, restricted_since, regency, kind, month, jkk, jkm, jht, amount, note in lines:
        # A restricted person's line stays, with its money (the invoice's totals are the lines' sums), unnamed.
        nik_shown, name_shown = exported_identity(
            nik_masked=nik_mask(nik), name=name, restricted=restricted_since is not None
        )
        yield LineRow(
            enrolment_id,
            nik_shown,
            name_shown,
            regency,
            regency_names.get(regency, regency),
            kind,
            f"{month:%Y-%m}",
            jkk,
            jkm,
            jht,
            amount,
            note,
        )


# --- XLSX ---------------------------------------------------------------------------------------


def write_invoice_xlsx(invoice: Invoice, out: str | IO[bytes]) -> int:
    """Write the invoice to ``out`` (a path or a binary file): sheet "Baris" with one row per line and
    sheet "Ringkasan" with the totals per regency/city and per component. Returns the number of lines.

    Constant-memory mode flushes each row to a temporary file as soon as the next row starts, so
    rows are written strictly in order and every value goes in with an explicit type.
    """
    workbook = workbook_new(out, constant_memory=True)
    bold = workbook.add_format({"bold": True})
    money = workbook.add_format({"num_format": "#,##0"})
    money_bold = workbook.add_format({"num_format": "#,##0", "bold": True})
    regencies = invoice_by_regency(invoice)
    names = {row["regency_code"]: row["name"] for row in regencies}
    kinds = {k.value: str(k.label) for k in LineKind}

    headers = [
        gettext("NIK (masked)"),
        gettext("Name"),
        gettext("Regency/city code"),
        gettext("Regency/city"),
        gettext("Kind"),
        gettext("Month"),
        "JKK",
        "JKM",
        "JHT",
        gettext("Amount (Rp)"),
        gettext("Note"),
    ]
    widths = [20, 32, 10, 28, 26, 9, 10, 10, 10, 12, 40]

    def new_sheet(number: int) -> Any:
        sheet = workbook.add_worksheet("Baris" if number == 1 else f"Baris {number}")
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        for col, header in enumerate(headers):
            sheet.write_string(0, col, header, bold)
        sheet.freeze_panes(1, 0)
        return sheet

    sheet_number = 1
    sheet = new_sheet(sheet_number)
    summary = workbook.add_worksheet("Ringkasan")
    row = 0
    count = 0
    for line in invoice_line_rows(invoice, regency_names=names):
        row += 1
        if row >= MAX_SHEET_ROWS:
            sheet_number += 1
            sheet = new_sheet(sheet_number)
            row = 1
        sheet.write_string(row, 0, line.nik_masked)
        sheet.write_string(row, 1, line.name)
        sheet.write_string(row, 2, line.regency_code)
        sheet.write_string(row, 3, line.regency)
        sheet.write_string(row, 4, kinds.get(line.kind, line.kind))
        sheet.write_string(row, 5, line.month)
        sheet.write_number(row, 6, line.jkk, money)
        sheet.write_number(row, 7, line.jkm, money)
        sheet.write_number(row, 8, line.jht, money)
        sheet.write_number(row, 9, line.amount, money)
        if line.note:
            sheet.write_string(row, 10, line.note)
        count += 1

    _write_summary(summary, invoice, regencies, bold, money, money_bold)
    workbook.close()
    return count


def _write_summary(
    sheet: Any, invoice: Invoice, regencies: list[dict[str, Any]], bold: Any, money: Any, money_bold: Any
) -> None:
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 4, 16)
    facts: list[tuple[str, str | int]] = [
        (gettext("Programme"), f"{invoice.programme.code} · {invoice.programme.name}"),
        (gettext("Funder"), invoice.programme.funder_name),
        (gettext("Month"), f"{invoice.month:%Y-%m}"),
        (gettext("Status"), str(invoice.get_status_display())),
        (gettext("Workers billed"), invoice.line_count),
        (gettext("JKK per worker"), invoice.unit_jkk),
        (gettext("JKM per worker"), invoice.unit_jkm),
        (gettext("JHT per worker"), invoice.unit_jht),
        (gettext("Corrections of earlier months"), invoice.adjustment_total),
        (gettext("Total"), invoice.total),
    ]
    row = 0
    for label, value in facts:
        sheet.write_string(row, 0, label, bold)
        if isinstance(value, int):
            sheet.write_number(row, 1, value, money)
        else:
            sheet.write_string(row, 1, value)
        row += 1

    row += 1
    sheet.write_string(row, 0, gettext("By regency/city"), bold)
    row += 1
    for col, header in enumerate(
        [gettext("Regency/city"), gettext("Code"), gettext("Workers"), gettext("Corrections"), gettext("Total")]
    ):
        sheet.write_string(row, col, header, bold)
    for item in regencies:
        row += 1
        sheet.write_string(row, 0, item["name"])
        sheet.write_string(row, 1, item["regency_code"])
        sheet.write_number(row, 2, item["lines"], money)
        sheet.write_number(row, 3, item["adjustments"], money)
        sheet.write_number(row, 4, item["total"], money)
    row += 1
    sheet.write_string(row, 0, gettext("Total"), bold)
    sheet.write_number(row, 2, sum(item["lines"] for item in regencies), money_bold)
    sheet.write_number(row, 3, sum(item["adjustments"] for item in regencies), money_bold)
    sheet.write_number(row, 4, sum(item["total"] for item in regencies), money_bold)

    row += 2
    sheet.write_string(row, 0, gettext("By component"), bold)
    components = invoice_by_component(invoice)
    for key, label in (("jkk", "JKK"), ("jkm", "JKM"), ("jht", "JHT"), ("total", gettext("Total"))):
        row += 1
        sheet.write_string(row, 0, label, bold if key == "total" else None)
        sheet.write_number(row, 1, components[key], money_bold if key == "total" else money)


# --- PDF ----------------------------------------------------------------------------------------


def invoice_letter_context(invoice: Invoice, *, place: str = "", today: dt.date | None = None) -> dict[str, Any]:
    """What the letter shows; the amount in words is Indonesian whatever the language (it is what counts)."""
    from lokal import terbilang

    programme = invoice.programme
    day = today or timezone.localdate()
    regencies = invoice_by_regency(invoice)
    return {
        "invoice": invoice,
        "programme": programme,
        "regencies": regencies,
        "components": invoice_by_component(invoice),
        "workers": sum(row["lines"] for row in regencies),
        "place": place or programme.region.name.title(),
        "day": formats.date_format(day, "j F Y"),
        "month": formats.date_format(invoice.month, "F Y"),
        "in_words": terbilang(invoice.total, currency=True, case="sentence"),
    }


def invoice_letter_html(
    invoice: Invoice, *, place: str = "", today: dt.date | None = None, language: str = "id"
) -> str:
    """The letter's HTML, self-contained (inline CSS, no image, no link): what the PDF is made from."""
    with translation.override(language):
        context = invoice_letter_context(invoice, place=place, today=today)
        return render_to_string("contributions/invoice_letter.html", context)


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    # The letter is self-contained: never let a rendered value make WeasyPrint open a file or a URL.
    raise ValueError("no external resources in the invoice letter")


def invoice_letter_pdf(
    invoice: Invoice, *, place: str = "", today: dt.date | None = None, language: str = "id"
) -> bytes:
    """The letter as an A4 PDF, ready to print and sign."""
    import weasyprint  # heavy (pango): load it only when a PDF is asked for

    html = invoice_letter_html(invoice, place=place, today=today, language=language)
    pdf = weasyprint.HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf
