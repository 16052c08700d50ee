from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.db.models import Sum

from lindung.audit.models import AuditEntry
from lindung.contributions.billing import invoice_build, invoice_issue
from lindung.contributions.finance import ContributionError
from lindung.contributions.models import Invoice, InvoiceLine, InvoiceStatus, LineKind
from lindung.contributions.selectors import invoice_by_component, invoice_by_regency
from lindung.enrolments.models import EndReason, Enrolment, Status
from lindung.programmes.models import FunderType, Programme
from lindung.rules.keys import Rule
from lindung.rules.models import RuleValue
from lindung.testing import PONTIANAK_VILLAGE, Cast, make_enrolment, make_programme, make_worker

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

MARCH = dt.date(2026, 3, 1)


def _active(programme: Programme, n: int = 1, **fields: object) -> list[Enrolment]:
    return [make_enrolment(make_worker(), programme, Status.ACTIVE, **fields) for _ in range(n)]


def _assert_totals_are_sums_of_lines() -> None:
    for invoice in Invoice.objects.all():
        lines = InvoiceLine.objects.filter(invoice=invoice).aggregate(s=Sum("amount"))["s"] or 0
        assert invoice.total == lines, invoice


def _adjustment_line(invoice: Invoice, enrolment: Enrolment, *, jkk: int, jkm: int, amount: int) -> InvoiceLine:
    """An adjustment line for February 2026 (no JHT) written straight to the table, past the services."""
    return InvoiceLine.objects.create(
        invoice=invoice,
        enrolment=enrolment,
        worker_id=enrolment.worker_id,
        province_code="61",
        regency_code="61.01",
        month=dt.date(2026, 2, 1),
        kind=LineKind.ADJUSTMENT,
        jkk=jkk,
        jkm=jkm,
        jht=0,
        amount=amount,
        note="x",
    )


def _bill(*args: str) -> list[dict[str, object]]:
    out = StringIO()
    call_command("bill", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


# --- amounts -----------------------------------------------------------------------------------


def test_a_government_funded_worker_month_costs_16800_jkk_10000_and_jkm_6800(programme: Programme):
    _active(programme, 3)
    invoice = invoice_build(actor=None, programme=programme, month=MARCH)
    lines = list(InvoiceLine.objects.filter(invoice=invoice))
    assert len(lines) == 3
    assert {(line.jkk, line.jkm, line.jht, line.amount) for line in lines} == {(10_000, 6_800, 0, 16_800)}
    assert (invoice.line_count, invoice.total, invoice.status) == (3, 50_400, InvoiceStatus.DRAFT)
    assert invoice_by_component(invoice) == {"jkk": 30_000, "jkm": 20_400, "jht": 0, "total": 50_400}
    _assert_totals_are_sums_of_lines()


def test_jht_in_the_package_adds_two_percent_of_declared_income():
    programme = make_programme("KALBAR-JHT", includes_jht=True)
    _active(programme)
    invoice = invoice_build(actor=None, programme=programme, month=MARCH)
    assert invoice.total == 36_800
    assert invoice_by_component(invoice)["jht"] == 20_000


def test_apbd_is_excluded_from_the_pp_50_2025_discount_but_csr_gets_it():
    apbd = make_programme("APBD-2026", funder_type=FunderType.APBD_KABKOTA)
    csr = make_programme("CSR-2026", funder_type=FunderType.CSR, funder_name="PT Contoh")
    _active(apbd)
    _active(csr)
    assert invoice_build(actor=None, programme=apbd, month=MARCH).total == 16_800
    assert invoice_build(actor=None, programme=csr, month=MARCH).total == 8_400


def test_a_csr_programme_before_2026_pays_the_full_amount():
    csr = make_programme("CSR-2025", year=2025, funder_type=FunderType.CSR, funder_name="PT Contoh")
    _active(csr)
    assert invoice_build(actor=None, programme=csr, month=dt.date(2025, 12, 1)).total == 16_800


def test_a_rate_change_from_a_month_changes_that_month_and_later_only(programme: Programme):
    RuleValue.objects.create(
        key=Rule.JKM_FLAT, effective_from=dt.date(2026, 7, 1), value=8_000, unit="rupiah", source="test"
    )
    _active(programme, 2)
    june = invoice_build(actor=None, programme=programme, month=dt.date(2026, 6, 1))
    july = invoice_build(actor=None, programme=programme, month=dt.date(2026, 7, 1))
    august = invoice_build(actor=None, programme=programme, month=dt.date(2026, 8, 1))
    assert (june.unit_jkm, june.total) == (6_800, 2 * 16_800)
    assert (july.unit_jkm, july.total) == (8_000, 2 * 18_000)
    assert august.total == 2 * 18_000


# --- who is billed -----------------------------------------------------------------------------


def test_coverage_starting_and_ending_mid_month_is_billed_for_whole_months(programme: Programme):
    (starts,) = _active(programme, coverage_start=dt.date(2026, 3, 15))
    ends = make_enrolment(
        make_worker(), programme, Status.ENDED, end_reason=EndReason.DIED, coverage_end=dt.date(2026, 5, 10)
    )
    make_enrolment(make_worker(), programme)  # proposed: never billed

    def billed(month: int) -> set[int]:
        invoice = invoice_build(actor=None, programme=programme, month=dt.date(2026, month, 1))
        return set(InvoiceLine.objects.filter(invoice=invoice).values_list("enrolment_id", flat=True))

    assert billed(2) == {ends.pk}
    assert billed(3) == {starts.pk, ends.pk}
    assert billed(5) == {starts.pk, ends.pk}
    assert billed(6) == {starts.pk}


def test_lines_carry_the_enrolments_region_for_the_regency_breakdown(programme: Programme):
    _active(programme, 2)
    make_enrolment(make_worker(village=PONTIANAK_VILLAGE), programme, Status.ACTIVE)
    invoice = invoice_build(actor=None, programme=programme, month=MARCH)
    rows = {row["regency_code"]: (row["lines"], row["total"]) for row in invoice_by_regency(invoice)}
    assert rows == {"61.01": (2, 33_600), "61.71": (1, 16_800)}
    assert {row["name"] for row in invoice_by_regency(invoice)} == {"Kabupaten Sambas", "Kota Pontianak"}


def test_a_month_outside_the_programme_period_is_refused(programme: Programme):
    with pytest.raises(ContributionError, match="outside the coverage period"):
        invoice_build(actor=None, programme=programme, month=dt.date(2027, 1, 1))
    assert not Invoice.objects.exists()


# --- drafts and issued invoices ----------------------------------------------------------------


def test_running_the_billing_again_rebuilds_the_draft_without_duplicates(programme: Programme):
    _active(programme, 3)
    first = invoice_build(actor=None, programme=programme, month=MARCH)
    again = invoice_build(actor=None, programme=programme, month=MARCH)
    assert again.pk == first.pk
    assert (again.line_count, again.total) == (3, 50_400)
    assert InvoiceLine.objects.filter(invoice=again).count() == 3
    _active(programme)
    assert invoice_build(actor=None, programme=programme, month=MARCH).total == 4 * 16_800
    assert Invoice.objects.count() == 1
    _assert_totals_are_sums_of_lines()


def test_an_issued_invoice_never_changes(programme: Programme):
    _active(programme, 2)
    invoice = invoice_issue(actor=None, invoice=invoice_build(actor=None, programme=programme, month=MARCH))
    assert invoice.status == InvoiceStatus.ISSUED and invoice.issued_at is not None
    _active(programme)
    with pytest.raises(ContributionError, match="already issued"):
        invoice_build(actor=None, programme=programme, month=MARCH)
    with pytest.raises(ContributionError, match="already issued"):
        invoice_issue(actor=None, invoice=invoice)
    invoice.refresh_from_db()
    assert (invoice.line_count, invoice.total) == (2, 33_600)


def test_a_death_reported_late_becomes_a_negative_adjustment_on_the_next_invoice(programme: Programme):
    died, *_ = _active(programme, 3)
    for month in (2, 3):
        invoice_issue(actor=None, invoice=invoice_build(actor=None, programme=programme, month=dt.date(2026, month, 1)))
    # Reported in April: the worker died on 20 February, so March should not have been billed.
    Enrolment.objects.filter(pk=died.pk).update(
        status=Status.ENDED, end_reason=EndReason.DIED, coverage_end=dt.date(2026, 2, 20)
    )
    april = invoice_build(actor=None, programme=programme, month=dt.date(2026, 4, 1))
    adjustments = list(InvoiceLine.objects.filter(invoice=april, kind=LineKind.ADJUSTMENT))
    assert [(a.enrolment_id, a.month, a.jkk, a.jkm, a.amount) for a in adjustments] == [
        (died.pk, MARCH, -10_000, -6_800, -16_800)
    ]
    assert "2026-03" in adjustments[0].note
    assert (april.line_count, april.adjustment_total, april.total) == (2, -16_800, 2 * 16_800 - 16_800)
    # Rebuilding the draft and billing the next month do not correct March twice.
    april = invoice_issue(actor=None, invoice=invoice_build(actor=None, programme=programme, month=dt.date(2026, 4, 1)))
    assert april.adjustment_total == -16_800
    may = invoice_build(actor=None, programme=programme, month=dt.date(2026, 5, 1))
    assert (may.line_count, may.adjustment_total) == (2, 0)
    _assert_totals_are_sums_of_lines()


def test_a_backdated_activation_becomes_positive_adjustments_for_each_issued_month(programme: Programme):
    _active(programme)
    for month in (2, 3):
        invoice_issue(actor=None, invoice=invoice_build(actor=None, programme=programme, month=dt.date(2026, month, 1)))
    (late,) = _active(programme, coverage_start=dt.date(2026, 2, 10))
    april = invoice_build(actor=None, programme=programme, month=dt.date(2026, 4, 1))
    adjustments = InvoiceLine.objects.filter(invoice=april, kind=LineKind.ADJUSTMENT).order_by("month")
    assert [(a.enrolment_id, a.month, a.amount) for a in adjustments] == [
        (late.pk, dt.date(2026, 2, 1), 16_800),
        (late.pk, MARCH, 16_800),
    ]
    assert ["2026-02" in a.note for a in adjustments] == [True, False]
    assert (april.line_count, april.total) == (2, 4 * 16_800)
    _assert_totals_are_sums_of_lines()


def test_a_correction_already_waiting_on_one_draft_is_not_repeated_on_the_next(programme: Programme):
    _active(programme)
    invoice_issue(actor=None, invoice=invoice_build(actor=None, programme=programme, month=MARCH))
    _active(programme, coverage_start=dt.date(2026, 3, 5))
    april = invoice_build(actor=None, programme=programme, month=dt.date(2026, 4, 1))
    may = invoice_build(actor=None, programme=programme, month=dt.date(2026, 5, 1))
    assert (april.adjustment_total, may.adjustment_total) == (16_800, 0)


def test_the_database_refuses_a_line_whose_amount_is_not_the_sum_of_its_components(programme: Programme):
    (enrolment,) = _active(programme)
    invoice = invoice_build(actor=None, programme=programme, month=MARCH)
    with pytest.raises(IntegrityError), transaction.atomic():
        _adjustment_line(invoice, enrolment, jkk=1, jkm=1, amount=3)  # 1 + 1 is not 3


# --- permissions and audit ---------------------------------------------------------------------


def test_finance_builds_and_issues_and_both_are_audited(cast: Cast, programme: Programme):
    _active(programme)
    invoice = invoice_build(actor=cast["keuangan"], programme=programme, month=MARCH)
    invoice_issue(actor=cast["admin_provinsi"], invoice=invoice)
    entries = AuditEntry.objects.filter(object_type="contributions.invoice", object_id=str(invoice.pk))
    assert sorted(entries.values_list("action", "actor_username")) == [
        ("invoice.built", "keuangan"),
        ("invoice.issued", "admin_provinsi"),
    ]
    assert entries.get(action="invoice.built").changes["total"] == [0, 16_800]


@pytest.mark.parametrize("role", ["operator_sambas", "verifikator", "petugas_bpjs", "pimpinan"])
def test_roles_without_finance_cannot_bill(cast: Cast, programme: Programme, role: str):
    with pytest.raises(PermissionDenied):
        invoice_build(actor=cast[role], programme=programme, month=MARCH)
    assert not Invoice.objects.exists()


# --- the command -------------------------------------------------------------------------------


def test_bill_json_prints_one_object_per_month(programme: Programme):
    _active(programme, 2)
    data = _bill("--programme", programme.code, "--month", "2026-03", "--today", "2026-02-25")
    assert data == [
        {
            "programme": "KALBAR-2026",
            "month": "2026-03",
            "status": "draft",
            "lines": 2,
            "adjustments": 0,
            "total": 33_600,
            "built": True,
        }
    ]
    assert Invoice.objects.get().built_on == dt.date(2026, 2, 25)
    assert AuditEntry.objects.get(action="invoice.built").actor is None


def test_bill_through_bills_several_months_in_advance_and_leaves_issued_ones_alone(programme: Programme):
    _active(programme, 2)
    _active(programme, coverage_start=dt.date(2026, 5, 2))
    data = _bill("--programme", programme.code, "--month", "2026-03", "--through", "2026-06", "--issue")
    assert [(d["month"], d["status"], d["lines"], d["total"]) for d in data] == [
        ("2026-03", "issued", 2, 33_600),
        ("2026-04", "issued", 2, 33_600),
        ("2026-05", "issued", 3, 50_400),
        ("2026-06", "issued", 3, 50_400),
    ]
    again = _bill("--programme", programme.code, "--month", "2026-06", "--through", "2026-07")
    assert [(d["month"], d["status"], d["built"]) for d in again] == [
        ("2026-06", "issued", False),
        ("2026-07", "draft", True),
    ]
    _assert_totals_are_sums_of_lines()


def test_bill_as_a_user_acts_with_that_users_permissions(cast: Cast, programme: Programme):
    with pytest.raises(CommandError, match="pimpinan may not manage finance"):
        _bill("--programme", programme.code, "--month", "2026-03", "--as", "pimpinan", "--lang", "en")
    _bill("--programme", programme.code, "--month", "2026-03", "--as", "keuangan")
    assert AuditEntry.objects.get(action="invoice.built").actor == cast["keuangan"]


def test_bill_without_json_prints_one_readable_line_per_month(programme: Programme):
    _active(programme, 2)
    out = StringIO()
    call_command("bill", "--programme", programme.code, "--month", "2026-03", "--lang", "en", stdout=out)
    assert out.getvalue().strip() == "KALBAR-2026 2026-03: 2 workers, total Rp 33,600 (Draft, built)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--programme", "NOPE", "--month", "2026-03"], "no programme"),
        (["--programme", "KALBAR-2026", "--month", "2026-13"], "YYYY-MM"),
        (["--programme", "KALBAR-2026", "--month", "2026-05", "--through", "2026-04"], "before"),
        (["--programme", "KALBAR-2026", "--month", "2027-01"], "outside"),
    ],
)
def test_bill_explains_bad_arguments(programme: Programme, args: list[str], message: str):
    with pytest.raises(CommandError, match=message):
        call_command("bill", *args, "--lang", "en", stdout=StringIO())


def test_the_database_refuses_to_add_or_change_lines_of_an_issued_invoice(programme: Programme):
    (enrolment,) = _active(programme)
    invoice = invoice_issue(actor=None, invoice=invoice_build(actor=None, programme=programme, month=MARCH))
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceLine.objects.filter(invoice=invoice).update(jkk=0, amount=6_800)
    with pytest.raises(IntegrityError), transaction.atomic():
        _adjustment_line(invoice, enrolment, jkk=1, jkm=0, amount=1)
    assert InvoiceLine.objects.get(invoice=invoice).amount == 16_800
