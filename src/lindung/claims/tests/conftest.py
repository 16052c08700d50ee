"""A province programme (KALBAR-2026) with one active worker in Sambas, and months billed and paid on demand."""

from __future__ import annotations

import datetime as dt

import pytest

from lindung.contributions.billing import invoice_build, invoice_issue
from lindung.contributions.models import Invoice
from lindung.contributions.payments import payment_record
from lindung.enrolments.models import Enrolment, Status
from lindung.programmes.models import Programme
from lindung.testing import make_enrolment, make_programme, make_worker


@pytest.fixture
def programme(db: None) -> Programme:
    return make_programme("KALBAR-2026")


@pytest.fixture
def enrolment(programme: Programme) -> Enrolment:
    return make_enrolment(make_worker(), programme, Status.ACTIVE)


def issue_months(programme: Programme, *months: int, today: dt.date | None = None) -> list[Invoice]:
    """Build and issue the invoices of these months of 2026."""
    return [
        invoice_issue(
            actor=None, invoice=invoice_build(actor=None, programme=programme, month=dt.date(2026, m, 1), today=today)
        )
        for m in months
    ]


def pay(programme: Programme, *invoices: Invoice) -> None:
    for invoice in invoices:
        invoice.refresh_from_db()
        payment_record(
            actor=None, programme=programme, paid_on=invoice.month, amount=invoice.total, reference=f"SP2D-{invoice.pk}"
        )
