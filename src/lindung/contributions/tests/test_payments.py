from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import Sum

from lindung.audit.models import AuditEntry
from lindung.contributions.billing import invoice_build, invoice_issue
from lindung.contributions.finance import ContributionError
from lindung.contributions.models import Invoice, InvoiceStatus, Payment, PaymentAllocation
from lindung.contributions.payments import payment_record, payment_reverse
from lindung.contributions.selectors import invoice_paid_amount, programme_credit
from lindung.enrolments.models import Status
from lindung.programmes.models import Programme
from lindung.testing import Cast, make_enrolment, make_worker

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PAID_ON = dt.date(2026, 3, 10)


@pytest.fixture
def programme(programme: Programme) -> Programme:
    """KALBAR-2026 with two active Sambas workers."""
    for _ in range(2):
        make_enrolment(make_worker(), programme, Status.ACTIVE)
    return programme


def _issued(programme: Programme, month: int) -> Invoice:
    return invoice_issue(
        actor=None, invoice=invoice_build(actor=None, programme=programme, month=dt.date(2026, month, 1))
    )


def _pay(programme: Programme, amount: int, **kwargs: object) -> Payment:
    kwargs.setdefault("actor", None)
    return payment_record(programme=programme, paid_on=PAID_ON, amount=amount, reference="SP2D-001", **kwargs)  # type: ignore[arg-type]


def _status(invoice: Invoice) -> str:
    invoice.refresh_from_db()
    return invoice.status


def _assert_allocations_never_exceed_payments() -> None:
    for payment in Payment.objects.all():
        allocated = PaymentAllocation.objects.filter(payment=payment).aggregate(s=Sum("amount"))["s"] or 0
        assert allocated <= payment.amount


def test_a_partial_payment_leaves_the_invoice_partly_paid_and_the_rest_completes_it(programme: Programme):
    march = _issued(programme, 3)  # 33,600
    _pay(programme, 10_000)
    assert (_status(march), invoice_paid_amount(march)) == (InvoiceStatus.PARTLY_PAID, 10_000)
    _pay(programme, 23_600)
    assert (_status(march), invoice_paid_amount(march)) == (InvoiceStatus.PAID, 33_600)
    assert programme_credit(programme) == 0
    _assert_allocations_never_exceed_payments()


def test_without_allocations_a_payment_pays_the_oldest_issued_invoice_first(programme: Programme):
    april = _issued(programme, 4)
    march = _issued(programme, 3)
    draft_may = invoice_build(actor=None, programme=programme, month=dt.date(2026, 5, 1))
    _pay(programme, 40_000)
    assert (_status(march), _status(april), _status(draft_may)) == (
        InvoiceStatus.PAID,
        InvoiceStatus.PARTLY_PAID,
        InvoiceStatus.DRAFT,
    )
    assert invoice_paid_amount(april) == 40_000 - 33_600


def test_an_overpayment_is_kept_as_credit_for_the_programme(programme: Programme):
    march = _issued(programme, 3)
    _pay(programme, 50_000)
    assert _status(march) == InvoiceStatus.PAID
    assert programme_credit(programme) == 50_000 - 33_600
    _assert_allocations_never_exceed_payments()


def test_a_payment_made_in_advance_before_any_invoice_is_all_credit(programme: Programme):
    _pay(programme, 100_000)
    assert programme_credit(programme) == 100_000
    assert not PaymentAllocation.objects.exists()


def test_credit_from_a_payment_in_advance_pays_invoices_as_they_are_issued(programme: Programme):
    _pay(programme, 50_000)
    march = _issued(programme, 3)
    assert (_status(march), programme_credit(programme)) == (InvoiceStatus.PAID, 50_000 - 33_600)
    april = _issued(programme, 4)
    assert (_status(april), invoice_paid_amount(april), programme_credit(programme)) == (
        InvoiceStatus.PARTLY_PAID,
        50_000 - 33_600,
        0,
    )
    issued = AuditEntry.objects.get(action="invoice.issued", object_id=str(april.pk))
    assert issued.changes["paid_from_credit"] == [0, 16_400]
    _assert_allocations_never_exceed_payments()


def test_explicit_allocations_pay_the_chosen_invoices(programme: Programme):
    march, april = _issued(programme, 3), _issued(programme, 4)
    _pay(programme, 40_000, allocations=[(april, 33_600), (march, 5_000)])
    assert (_status(march), _status(april)) == (InvoiceStatus.PARTLY_PAID, InvoiceStatus.PAID)
    assert programme_credit(programme) == 1_400


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (lambda m, d: [(m, 0)], "positive"),
        (lambda m, d: [(m, 33_601)], "at most what it still owes"),
        (lambda m, d: [(d, 1_000)], "issued, unpaid invoices"),
        (lambda m, d: [(m, 30_000), (d, 30_000)], "more than the payment"),
        (lambda m, d: [(m, 10_000), (m, 10_000)], "each invoice once"),
    ],
)
def test_allocations_that_do_not_fit_are_refused_and_nothing_is_written(programme: Programme, parts, message: str):
    march = _issued(programme, 3)
    draft = invoice_build(actor=None, programme=programme, month=dt.date(2026, 4, 1))
    with pytest.raises(ContributionError, match=message):
        _pay(programme, 50_000, allocations=parts(march, draft))
    assert not Payment.objects.exists()
    assert _status(march) == InvoiceStatus.ISSUED


def test_a_payment_needs_a_positive_amount_and_a_reference(programme: Programme):
    with pytest.raises(ContributionError) as excinfo:
        _pay(programme, 0)
    assert excinfo.value.field == "amount"
    with pytest.raises(ContributionError) as excinfo:
        payment_record(actor=None, programme=programme, paid_on=PAID_ON, amount=1, reference="  ")
    assert excinfo.value.field == "reference"


def test_a_reversed_payment_stops_counting_and_is_kept(programme: Programme):
    march = _issued(programme, 3)
    first = _pay(programme, 33_600)
    assert _status(march) == InvoiceStatus.PAID
    payment_reverse(actor=None, payment=first, reason="SP2D dibatalkan")
    assert _status(march) == InvoiceStatus.ISSUED
    assert Payment.objects.filter(pk=first.pk, reversal_reason="SP2D dibatalkan").exists()
    assert programme_credit(programme) == 0
    # Paying again after the reversal pays the invoice again.
    _pay(programme, 20_000)
    assert _status(march) == InvoiceStatus.PARTLY_PAID


def test_reversing_needs_a_reason_and_happens_once(programme: Programme):
    payment = _pay(programme, 1_000)
    with pytest.raises(ContributionError, match="Say why"):
        payment_reverse(actor=None, payment=payment, reason=" ")
    payment_reverse(actor=None, payment=payment, reason="salah catat")
    with pytest.raises(ContributionError, match="already reversed"):
        payment_reverse(actor=None, payment=payment, reason="lagi")


def test_payments_are_recorded_by_finance_only_and_audited(cast: Cast, programme: Programme):
    _issued(programme, 3)
    with pytest.raises(PermissionDenied):
        _pay(programme, 1_000, actor=cast["operator_sambas"])
    payment = _pay(programme, 1_000, actor=cast["keuangan"])
    payment_reverse(actor=cast["admin_provinsi"], payment=payment, reason="ganda")
    entries = AuditEntry.objects.filter(object_type="contributions.payment", object_id=str(payment.pk))
    assert sorted(entries.values_list("action", "actor_username")) == [
        ("payment.recorded", "keuangan"),
        ("payment.reversed", "admin_provinsi"),
    ]
    assert entries.get(action="payment.recorded").changes["allocations"] == [None, {"2026-03": 1_000}]
