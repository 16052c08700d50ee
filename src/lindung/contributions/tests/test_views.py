from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from lindung.contributions.billing import invoice_build, invoice_issue
from lindung.contributions.models import Invoice, InvoiceStatus, Payment
from lindung.contributions.payments import payment_record
from lindung.enrolments.models import Status
from lindung.programmes.models import Programme
from lindung.testing import PONTIANAK_VILLAGE, Cast, client_for, make_enrolment, make_programme, make_worker

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)


@pytest.fixture
def programme(programme: Programme) -> Programme:
    """KALBAR-2026 with an active worker in Sambas and one in Pontianak."""
    make_enrolment(make_worker(), programme, Status.ACTIVE)
    make_enrolment(make_worker(village=PONTIANAK_VILLAGE), programme, Status.ACTIVE)
    return programme


def test_finance_sees_the_programmes_invoices_with_what_is_paid(cast: Cast, programme: Programme):
    invoice_issue(actor=None, invoice=invoice_build(actor=None, programme=programme, month=MARCH))
    payment_record(actor=None, programme=programme, paid_on=MARCH, amount=40_000, reference="SP2D-1")
    response = client_for(cast["keuangan"]).get("/iuran/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-month="2026-03" data-status="paid"' in html
    assert "Rp 33.600" in html
    assert "Rp 6.400" in html  # credit


@pytest.mark.parametrize("role", ["operator_sambas", "verifikator", "petugas_bpjs"])
def test_roles_without_finance_get_403(cast: Cast, programme: Programme, role: str):
    assert client_for(cast[role]).get("/iuran/").status_code == 403


def test_the_list_needs_a_login(programme: Programme):
    assert Client().get("/iuran/").status_code == 302


def test_building_from_the_page_creates_the_draft_and_shows_the_breakdowns(cast: Cast, programme: Programme):
    client = client_for(cast["keuangan"])
    response = client.post("/iuran/tagih/", {"programme": programme.pk, "month": "2026-03"})
    invoice = Invoice.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/iuran/{invoice.pk}/"
    html = client.get(f"/iuran/{invoice.pk}/").content.decode()
    assert 'data-testid="total" data-value="33600"' in html
    assert 'data-regency="61.01"' in html and 'data-regency="61.71"' in html
    assert 'data-testid="draft-actions"' in html


def test_a_bad_month_is_explained_next_to_the_field(cast: Cast, programme: Programme):
    client = client_for(cast["keuangan"])
    response = client.post("/iuran/tagih/", {"programme": programme.pk, "month": "Maret"})
    assert response.status_code == 400
    assert 'data-testid="error-month"' in response.content.decode()
    response = client.post("/iuran/tagih/", {"programme": programme.pk, "month": "2027-01"})
    assert response.status_code == 400
    assert "outside the coverage period" in response.content.decode()
    assert not Invoice.objects.exists()


def test_issuing_from_the_page_freezes_the_invoice(cast: Cast, programme: Programme):
    invoice = invoice_build(actor=None, programme=programme, month=MARCH)
    client = client_for(cast["admin_provinsi"])
    assert client.post(f"/iuran/{invoice.pk}/terbitkan/").status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    assert 'data-testid="draft-actions"' not in client.get(f"/iuran/{invoice.pk}/").content.decode()


def test_an_invoice_of_another_province_is_absent(cast: Cast):
    other = make_programme("KALTENG-2026", region_id="62", funder_name="Pemprov Kalteng")
    invoice = invoice_build(actor=None, programme=other, month=MARCH)
    client = client_for(cast["keuangan"])
    assert client.get(f"/iuran/{invoice.pk}/").status_code == 404
    assert client.post(f"/iuran/{invoice.pk}/terbitkan/").status_code == 404
    assert "KALTENG-2026" not in client.get("/iuran/").content.decode()


def test_recording_and_reversing_a_payment_from_the_page(cast: Cast, programme: Programme):
    march = invoice_issue(actor=None, invoice=invoice_build(actor=None, programme=programme, month=MARCH))
    client = client_for(cast["keuangan"])
    form = {"programme": programme.pk, "paid_on": "2026-03-10", "amount": "33600", "reference": "SP2D-7", "note": ""}
    assert client.post("/iuran/pembayaran/", form).status_code == 302
    march.refresh_from_db()
    assert march.status == InvoiceStatus.PAID
    payment = Payment.objects.get()
    assert client.post(f"/iuran/pembayaran/{payment.pk}/batal/", {"reason": "SP2D batal"}).status_code == 302
    march.refresh_from_db()
    assert march.status == InvoiceStatus.ISSUED


def test_a_payment_form_with_errors_says_so_next_to_each_field(cast: Cast, programme: Programme):
    client = client_for(cast["keuangan"])
    response = client.post(
        "/iuran/pembayaran/", {"programme": programme.pk, "paid_on": "kemarin", "amount": "-5", "reference": ""}
    )
    html = response.content.decode()
    assert response.status_code == 400
    for field in ("paid_on", "amount", "reference"):
        assert f'data-testid="error-{field}"' in html
    assert not Payment.objects.exists()


def test_a_regency_programme_is_in_the_provincial_finance_officers_scope(cast: Cast):
    make_programme("SAMBAS-2026", region_id="61.01", funder_name="Pemkab Sambas")
    html = client_for(cast["keuangan"]).get("/iuran/").content.decode()
    assert 'data-testid="programme-SAMBAS-2026"' in html
