from __future__ import annotations

import datetime as dt
from collections import defaultdict
from io import BytesIO, StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation
from python_calamine import CalamineWorkbook

from lindung.audit.models import AuditEntry
from lindung.contributions.billing import invoice_build, invoice_issue
from lindung.contributions.documents import invoice_letter_html, invoice_letter_pdf, write_invoice_xlsx
from lindung.contributions.models import Invoice, InvoiceLine
from lindung.enrolments.models import EndReason, Enrolment, Status
from lindung.programmes.models import Programme
from lindung.testing import (
    PONTIANAK_VILLAGE,
    Cast,
    client_for,
    download_by_post,
    make_enrolment,
    make_programme,
    make_worker,
    strict_client_for,
)

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)
APRIL = dt.date(2026, 4, 1)
HOSTILE_NAME = '=HYPERLINK("http://x.example","klik")'


@pytest.fixture
def april(programme: Programme) -> Invoice:
    """April 2026 of KALBAR-2026: two Sambas workers (one with a name a spreadsheet would run) and one in
    Pontianak billed, plus a correction of -16,800 for a third Sambas worker whose death in February was
    reported after March had been issued. Total 3 × 16,800 − 16,800 = 33,600."""
    died = make_enrolment(make_worker(name="Almarhum Sambas"), programme, Status.ACTIVE)
    make_enrolment(make_worker(name=HOSTILE_NAME), programme, Status.ACTIVE)
    make_enrolment(make_worker(name="Siti Aminah"), programme, Status.ACTIVE)
    make_enrolment(make_worker(name="Andi Pontianak", village=PONTIANAK_VILLAGE), programme, Status.ACTIVE)
    invoice_issue(actor=None, invoice=invoice_build(actor=None, programme=programme, month=MARCH))
    Enrolment.objects.filter(pk=died.pk).update(
        status=Status.ENDED, end_reason=EndReason.DIED, coverage_end=dt.date(2026, 2, 20)
    )
    invoice = invoice_build(actor=None, programme=programme, month=APRIL)
    assert (invoice.line_count, invoice.adjustment_total, invoice.total) == (3, -16_800, 33_600)
    return invoice


def _sheets(data: bytes) -> dict[str, list[list[Any]]]:
    workbook = CalamineWorkbook.from_filelike(BytesIO(data))
    return {name: workbook.get_sheet_by_name(name).to_python() for name in workbook.sheet_names}


def _xlsx(invoice: Invoice) -> dict[str, list[list[Any]]]:
    out = BytesIO()
    with translation.override("en"):
        write_invoice_xlsx(invoice, out)
    return _sheets(out.getvalue())


def test_the_xlsx_has_one_row_per_invoice_line_and_its_amounts_add_up_to_the_total(april: Invoice):
    sheets = _xlsx(april)
    assert list(sheets) == ["Baris", "Ringkasan"]
    header, *rows = sheets["Baris"]
    assert header[:10] == [
        "NIK (masked)",
        "Name",
        "Regency/city code",
        "Regency/city",
        "Kind",
        "Month",
        "JKK",
        "JKM",
        "JHT",
        "Amount (Rp)",
    ]
    assert len(rows) == InvoiceLine.objects.filter(invoice=april).count() == 4
    by_regency: dict[str, float] = defaultdict(float)
    for row in rows:
        by_regency[row[2]] += row[9]
        assert row[6] + row[7] + row[8] == row[9]
    assert sum(by_regency.values()) == april.total == 33_600
    assert dict(by_regency) == {"61.01": 16_800, "61.71": 16_800}
    corrections = [row for row in rows if row[4] == "Correction of an earlier month"]
    assert [(r[5], r[9]) for r in corrections] == [("2026-03", -16_800)]


def test_the_xlsx_masks_the_nik_and_makes_formula_like_names_text(april: Invoice):
    rows = _xlsx(april)["Baris"][1:]
    niks = set(Enrolment.objects.filter(programme=april.programme).values_list("worker__nik", flat=True))
    for row in rows:
        assert row[0] not in niks and "******" in row[0]
    names = {row[1] for row in rows}
    assert "'" + HOSTILE_NAME in names
    assert HOSTILE_NAME not in names


def test_the_summary_sheet_gives_totals_per_regency_and_per_component(april: Invoice):
    summary = _xlsx(april)["Ringkasan"]
    by_label = {row[0]: row[1:] for row in summary if row and row[0]}
    assert by_label["Total"][0] == 33_600  # the fact at the top: the invoice's total
    regency_rows = {row[1]: row for row in summary if row[1] in ("61.01", "61.71")}
    assert regency_rows["61.01"][2:5] == [2, -16_800, 16_800]
    assert regency_rows["61.71"][2:5] == [1, 0, 16_800]
    assert by_label["JKK"][0] == 30_000 - 10_000 and by_label["JKM"][0] == 3 * 6_800 - 6_800


def test_the_letter_shows_the_figures_per_regency_and_the_grand_total_in_words(april: Invoice):
    html = invoice_letter_html(april, place="Pontianak", today=dt.date(2026, 4, 30), language="en")
    assert 'data-testid="workers">3<' in html
    assert 'data-regency="61.01"' in html and 'data-regency="61.71"' in html
    assert 'data-testid="grand-total">Rp 33,600<' in html
    assert 'data-testid="in-words">Tiga puluh tiga ribu enam ratus rupiah<' in html
    assert "JKK Rp 10,000 · JKM Rp 6,800" in html
    assert "corrections of earlier months of Rp -16,800" in html
    assert "Pontianak, 30 April 2026" in html
    assert "DRAFT" in html  # April is not issued yet
    assert "http" not in html and "<img" not in html and "<link" not in html  # nothing to fetch


def test_the_letter_of_an_issued_invoice_has_no_draft_mark(april: Invoice):
    issued = invoice_issue(actor=None, invoice=april)
    html = invoice_letter_html(issued, language="en")
    assert 'data-testid="draft"' not in html
    assert 'lang="en"' in html


def test_the_letter_is_indonesian_by_default(april: Invoice):
    html = invoice_letter_html(april, today=dt.date(2026, 4, 30))
    assert 'lang="id"' in html
    assert "30 April 2026" in html and "April 2026" in html


def test_the_letter_is_a_pdf(april: Invoice):
    assert invoice_letter_pdf(april, language="en").startswith(b"%PDF")


# The web


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_an_invoice_document_is_handed_out_only_to_a_post_with_the_page_s_csrf_token(
    cast: Cast, april: Invoice, fmt: str
):
    response, entry = download_by_post(
        strict_client_for(cast["keuangan"]), f"/iuran/{april.pk}/unduh.{fmt}", action="invoice.exported"
    )
    assert response["Content-Disposition"] == f'attachment; filename="tagihan-KALBAR-2026-2026-04.{fmt}"'
    assert (entry.actor, entry.object_id, entry.changes["format"]) == (cast["keuangan"], str(april.pk), [None, fmt])


def test_finance_downloads_the_xlsx_and_the_export_is_audited(cast: Cast, april: Invoice):
    response = client_for(cast["keuangan"]).post(f"/iuran/{april.pk}/unduh.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="tagihan-KALBAR-2026-2026-04.xlsx"'
    sheets = _sheets(b"".join(response.streaming_content))  # type: ignore[attr-defined]
    assert len(sheets["Baris"]) == 1 + 4
    entry = AuditEntry.objects.get(action="invoice.exported")
    assert entry.actor == cast["keuangan"] and entry.object_id == str(april.pk)
    assert entry.changes["format"] == [None, "xlsx"]


def test_finance_downloads_the_pdf_letter(cast: Cast, april: Invoice):
    response = client_for(cast["keuangan"]).post(f"/iuran/{april.pk}/unduh.pdf?place=Pontianak")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AuditEntry.objects.get(action="invoice.exported").changes["format"] == [None, "pdf"]


def test_the_invoice_page_has_a_button_for_each_document(cast: Cast, april: Invoice):
    html = client_for(cast["keuangan"]).get(f"/iuran/{april.pk}/").content.decode()
    assert f'formaction="/iuran/{april.pk}/unduh.xlsx"' in html and f'formaction="/iuran/{april.pk}/unduh.pdf"' in html
    assert 'method="post" class="actions" data-testid="documents"' in html
    assert f'href="/iuran/{april.pk}/unduh.' not in html


@pytest.mark.parametrize("role", ["operator_sambas", "verifikator", "petugas_bpjs", "pimpinan"])
@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_roles_without_finance_get_403_and_nothing_is_audited(cast: Cast, april: Invoice, role: str, fmt: str):
    assert client_for(cast[role]).get(f"/iuran/{april.pk}/unduh.{fmt}").status_code == 403
    assert not AuditEntry.objects.filter(action="invoice.exported").exists()


def test_an_invoice_outside_the_users_province_is_404(cast: Cast):
    programme = make_programme("KALTENG-2026", region_id="62", funder_name="Pemerintah Provinsi Kalimantan Tengah")
    invoice = invoice_build(actor=None, programme=programme, month=MARCH)
    assert client_for(cast["keuangan"]).get(f"/iuran/{invoice.pk}/unduh.xlsx").status_code == 404
    assert not AuditEntry.objects.filter(action="invoice.exported").exists()


def test_an_unknown_format_or_invoice_is_404_and_a_visitor_must_sign_in(cast: Cast, april: Invoice):
    client = client_for(cast["keuangan"])
    assert client.get(f"/iuran/{april.pk}/unduh.csv").status_code == 404
    assert client.get(f"/iuran/{april.pk + 999}/unduh.xlsx").status_code == 404
    assert Client().get(f"/iuran/{april.pk}/unduh.xlsx").status_code == 302


# The command line


def _invoice(*args: str) -> str:
    out = StringIO()
    call_command("invoice", *args, "--lang", "en", stdout=out)
    return out.getvalue()


def test_the_command_writes_the_xlsx_as_a_user_and_audits_it(cast: Cast, april: Invoice, tmp_path: Path):
    target = tmp_path / "april.xlsx"
    args = ["--programme", "KALBAR-2026", "--month", "2026-04", "--format", "xlsx", "--out", str(target)]
    printed = _invoice(*args, "--as", "keuangan")
    assert "3 lines" in printed
    rows = _sheets(target.read_bytes())["Baris"][1:]
    assert sum(row[9] for row in rows) == 33_600
    entry = AuditEntry.objects.get(action="invoice.exported")
    assert entry.actor == cast["keuangan"] and entry.changes["format"] == [None, "xlsx"]


def test_the_command_writes_the_pdf_letter(april: Invoice, tmp_path: Path):
    target = tmp_path / "april.pdf"
    _invoice("--programme", "KALBAR-2026", "--month", "2026-04", "--format", "pdf", "--out", str(target))
    assert target.read_bytes().startswith(b"%PDF")
    assert AuditEntry.objects.get(action="invoice.exported").actor is None
    assert [p.name for p in tmp_path.iterdir()] == ["april.pdf"]  # no temporary file left behind


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "2026-05", "--format", "xlsx"], "has no invoice for 2026-05"),
        (["--month", "April", "--format", "xlsx"], "not a month written YYYY-MM"),
        (["--month", "2026-04", "--format", "xlsx", "--as", "operator_sambas"], "may not export"),
        (["--month", "2026-04", "--format", "xlsx", "--as", "nobody"], "no active user nobody"),
    ],
)
def test_the_command_explains_what_is_wrong_and_writes_nothing(
    cast: Cast, april: Invoice, tmp_path: Path, args: list[str], message: str
):
    target = tmp_path / "out.xlsx"
    with pytest.raises(CommandError, match=message):
        _invoice("--programme", "KALBAR-2026", *args, "--out", str(target))
    assert not target.exists()
    assert not AuditEntry.objects.filter(action="invoice.exported").exists()
