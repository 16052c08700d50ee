from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.test import Client

from lindung.accounts.models import Role
from lindung.audit.models import AuditEntry
from lindung.contributions.billing import invoice_build, invoice_issue
from lindung.contributions.models import Invoice, InvoiceStatus, Payment
from lindung.contributions.payments import payment_record
from lindung.enrolments.models import Status
from lindung.programmes.models import Programme
from lindung.testing import (
    PONTIANAK_VILLAGE,
    Cast,
    client_for,
    make_enrolment,
    make_programme,
    make_user,
    make_worker,
)

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
    assert "Rp 33,600" in html
    assert "Rp 6,400" in html  # credit


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


def _confirm_issue(client: Client, invoice: Invoice) -> int:
    """The second POST of issuing, sending back the figures the confirmation page showed: its status code."""
    page = client.post(f"/iuran/{invoice.pk}/terbitkan/").content.decode()
    seen = re.search(r'name="seen" value="([^"]*)"', page)
    assert seen is not None
    return client.post(f"/iuran/{invoice.pk}/terbitkan/", {"confirm": "1", "seen": unescape(seen.group(1))}).status_code


def test_issuing_from_the_page_freezes_the_invoice(cast: Cast, programme: Programme):
    invoice = invoice_build(actor=None, programme=programme, month=MARCH)
    client = client_for(cast["admin_provinsi"])
    assert _confirm_issue(client, invoice) == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    assert 'data-testid="draft-actions"' not in client.get(f"/iuran/{invoice.pk}/").content.decode()


def test_issuing_first_shows_what_will_be_frozen_and_writes_nothing(cast: Cast, programme: Programme):
    invoice = invoice_build(actor=None, programme=programme, month=MARCH)
    entries = AuditEntry.objects.count()
    response = client_for(cast["keuangan"]).post(f"/iuran/{invoice.pk}/terbitkan/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="confirm-total" data-value="33600"' in page and "Rp 33,600" in page
    assert '<dd data-testid="confirm-lines">2</dd>' in page
    assert 'data-regency="61.01"' in page and 'data-regency="61.71"' in page
    assert 'name="confirm" value="1"' in page
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.DRAFT and AuditEntry.objects.count() == entries


def test_the_confirmation_page_says_what_the_programme_s_credit_pays_at_once(cast: Cast, programme: Programme):
    payment_record(actor=None, programme=programme, paid_on=MARCH, amount=40_000, reference="SP2D-1")
    invoice = invoice_build(actor=None, programme=programme, month=MARCH)
    page = client_for(cast["keuangan"]).post(f"/iuran/{invoice.pk}/terbitkan/").content.decode()
    assert '<dd data-testid="confirm-credit">Rp 33,600</dd>' in page


def test_a_draft_built_again_after_the_confirmation_page_is_shown_again_not_issued(cast: Cast, programme: Programme):
    invoice = invoice_build(actor=None, programme=programme, month=MARCH)
    client = client_for(cast["keuangan"])
    page = client.post(f"/iuran/{invoice.pk}/terbitkan/").content.decode()
    seen = unescape(re.search(r'name="seen" value="([^"]*)"', page).group(1))  # type: ignore[union-attr]
    make_enrolment(make_worker(), programme, Status.ACTIVE)
    invoice_build(actor=None, programme=programme, month=MARCH)
    response = client.post(f"/iuran/{invoice.pk}/terbitkan/", {"confirm": "1", "seen": seen})
    assert response.status_code == 409
    page = response.content.decode()
    assert "built again after you looked at it" in page and 'data-value="50400"' in page
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.DRAFT
    assert _confirm_issue(client, invoice) == 302


def test_an_issued_invoice_has_no_confirmation_page(cast: Cast, programme: Programme):
    invoice = invoice_issue(actor=None, invoice=invoice_build(actor=None, programme=programme, month=MARCH))
    response = client_for(cast["keuangan"]).post(f"/iuran/{invoice.pk}/terbitkan/")
    assert response.status_code == 302 and response["Location"] == f"/iuran/{invoice.pk}/"


def test_an_invoice_of_another_province_is_absent(cast: Cast):
    other = make_programme("KALTENG-2026", region_id="62", funder_name="Pemprov Kalteng")
    invoice = invoice_build(actor=None, programme=other, month=MARCH)
    client = client_for(cast["keuangan"])
    assert client.get(f"/iuran/{invoice.pk}/").status_code == 404
    assert client.post(f"/iuran/{invoice.pk}/terbitkan/").status_code == 404
    assert client.post(f"/iuran/{invoice.pk}/terbitkan/", {"confirm": "1", "seen": ""}).status_code == 404
    assert "KALTENG-2026" not in client.get("/iuran/").content.decode()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.DRAFT


@pytest.mark.parametrize(("user_region", "programme_region"), [("61.71", "61.01"), ("61.01", "61")])
def test_a_regency_finance_officer_sees_no_confirmation_of_another_region_s_money(
    programme: Programme, user_region: str, programme_region: str
):
    """Pontianak's officer and a Sambas programme; Sambas's officer and the province's programme."""
    other = programme if programme_region == "61" else make_programme("SAMBAS-2026", region_id="61.01")
    invoice = invoice_build(actor=None, programme=other, month=MARCH)
    payment = payment_record(actor=None, programme=other, paid_on=MARCH, amount=1_000, reference="SP2D-9")
    client = client_for(make_user("keuangan_kab", Role.KEUANGAN, user_region))
    for data in ({}, {"confirm": "1", "seen": ""}):
        assert client.post(f"/iuran/{invoice.pk}/terbitkan/", data).status_code == 404
        assert client.post(f"/iuran/pembayaran/{payment.pk}/batal/", {"reason": "x", **data}).status_code == 404
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert invoice.status == InvoiceStatus.DRAFT and not payment.is_reversed


def test_recording_and_reversing_a_payment_from_the_page(cast: Cast, programme: Programme):
    march = invoice_issue(actor=None, invoice=invoice_build(actor=None, programme=programme, month=MARCH))
    client = client_for(cast["keuangan"])
    form = {"programme": programme.pk, "paid_on": "2026-03-10", "amount": "33600", "reference": "SP2D-7", "note": ""}
    assert client.post("/iuran/pembayaran/", form).status_code == 302
    march.refresh_from_db()
    assert march.status == InvoiceStatus.PAID
    payment = Payment.objects.get()
    confirm = client.post(f"/iuran/pembayaran/{payment.pk}/batal/", {"reason": "SP2D batal"})
    assert confirm.status_code == 200 and 'data-testid="confirm-reverse"' in confirm.content.decode()
    march.refresh_from_db()
    assert march.status == InvoiceStatus.PAID
    data = {"reason": "SP2D batal", "confirm": "1"}
    assert client.post(f"/iuran/pembayaran/{payment.pk}/batal/", data).status_code == 302
    march.refresh_from_db()
    assert march.status == InvoiceStatus.ISSUED


def test_reversing_first_shows_the_invoices_it_leaves_unpaid_and_the_credit_it_takes_back(
    cast: Cast, programme: Programme
):
    invoice_issue(actor=None, invoice=invoice_build(actor=None, programme=programme, month=MARCH))
    payment = payment_record(actor=None, programme=programme, paid_on=MARCH, amount=40_000, reference="SP2D-1")
    entries = AuditEntry.objects.count()
    response = client_for(cast["keuangan"]).post(f"/iuran/pembayaran/{payment.pk}/batal/", {"reason": "Salah"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="confirm-amount" data-value="40000"' in page
    assert '<tr data-month="2026-03">' in page and "Rp 33,600" in page
    assert '<dd data-testid="confirm-credit">Rp 6,400</dd>' in page
    assert 'value="Salah"' in page  # the reason typed comes along
    payment.refresh_from_db()
    assert not payment.is_reversed and AuditEntry.objects.count() == entries


def test_a_reversal_without_a_reason_keeps_the_confirmation_page_with_the_error_on_top(
    cast: Cast, programme: Programme
):
    payment = payment_record(actor=None, programme=programme, paid_on=MARCH, amount=40_000, reference="SP2D-1")
    response = client_for(cast["keuangan"]).post(
        f"/iuran/pembayaran/{payment.pk}/batal/", {"reason": "  ", "confirm": "1"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="error-summary"' in page and '<a href="#id_reason">' in page
    payment.refresh_from_db()
    assert not payment.is_reversed


def test_a_payment_form_with_errors_says_so_next_to_each_field(cast: Cast, programme: Programme):
    client = client_for(cast["keuangan"])
    response = client.post(
        "/iuran/pembayaran/", {"programme": programme.pk, "paid_on": "kemarin", "amount": "-5", "reference": ""}
    )
    html = response.content.decode()
    assert response.status_code == 400
    for field in ("paid_on", "amount", "reference"):
        assert f'data-testid="error-{field}"' in html
        assert f'<li data-error-for="{field}"><a href="#id_{field}">' in html  # the summary on top links to it
    assert html.index('data-testid="error-summary"') < html.index('data-testid="payment-form"')
    assert 'value="kemarin"' in html and 'value="-5"' in html  # what was typed stays
    assert not Payment.objects.exists()


def test_a_payment_typed_with_dots_and_rp_is_recorded(cast: Cast, programme: Programme):
    client = client_for(cast["keuangan"])
    form = {"programme": programme.pk, "paid_on": "2026-03-10", "amount": "Rp 184.363.200", "reference": "SP2D-8"}
    assert client.post("/iuran/pembayaran/", form).status_code == 302
    assert Payment.objects.get().amount == 184_363_200


def test_a_payment_typed_with_commas_is_refused_with_the_expected_form(cast: Cast, programme: Programme):
    client = client_for(cast["keuangan"])
    form = {"programme": programme.pk, "paid_on": "2026-03-10", "amount": "184,363,200", "reference": "SP2D-8"}
    response = client.post("/iuran/pembayaran/", form)
    assert response.status_code == 400
    assert "for example 184.363.200 or Rp 184.363.200" in response.content.decode()
    assert not Payment.objects.exists()


def test_a_regency_programme_is_in_the_provincial_finance_officers_scope(cast: Cast):
    make_programme("SAMBAS-2026", region_id="61.01", funder_name="Pemkab Sambas")
    html = client_for(cast["keuangan"]).get("/iuran/").content.decode()
    assert 'data-testid="programme-SAMBAS-2026"' in html


def test_the_confirmation_pages_speak_indonesian(cast: Cast, programme: Programme):
    invoice = invoice_build(actor=None, programme=programme, month=MARCH)
    client = client_for(cast["keuangan"], language="id")
    page = client.post(f"/iuran/{invoice.pk}/terbitkan/").content.decode()
    assert "Anda akan menerbitkan tagihan program KALBAR-2026" in page and "<strong>Rp 33.600</strong>" in page
    assert "Ya, terbitkan tagihan Rp 33.600" in page
    payment = payment_record(actor=None, programme=programme, paid_on=MARCH, amount=5_000, reference="SP2D-1")
    page = client.post(f"/iuran/pembayaran/{payment.pk}/batal/", {"reason": ""}).content.decode()
    assert "Ya, batalkan pembayaran Rp 5.000" in page and "Mohon periksa isian berikut:" in page
