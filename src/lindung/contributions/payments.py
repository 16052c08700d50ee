"""Payments and how they are set against invoices: recording, reversing, paying from credit, invoice statuses.

Every write is one transaction that checks the role and the region (``finance``) and is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.db.models import F, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from lindung.accounts.models import User
from lindung.audit.services import audit_record
from lindung.contributions.finance import ContributionError, finance_require
from lindung.contributions.models import Invoice, InvoiceStatus, Payment, PaymentAllocation
from lindung.contributions.selectors import invoice_paid_amount
from lindung.inputs import era_refusal, rupiah_refusal
from lindung.programmes.models import Programme


def payment_record(
    *,
    actor: User | None,
    programme: Programme,
    paid_on: dt.date,
    amount: int,
    reference: str,
    note: str = "",
    allocations: Sequence[tuple[Invoice, int]] | None = None,
) -> Payment:
    """Record money received and set it against issued invoices.

    1. With ``allocations`` given, each must be an issued, not fully paid invoice of the programme,
       for at most what it still owes; together at most the payment.
    2. Without, the payment pays the oldest issued unpaid invoices first.
    3. What is left stays unallocated: the programme's credit. Invoice statuses follow.
    """
    finance_require(actor, programme)
    reference = reference.strip()
    if amount <= 0:
        raise ContributionError(_("A payment is a positive amount of rupiah."), field="amount")
    if refusal := rupiah_refusal(amount):
        raise ContributionError(refusal, field="amount")
    if refusal := era_refusal(paid_on):
        raise ContributionError(refusal, field="paid_on")
    if not reference:
        raise ContributionError(_("Give the payment's reference (SP2D or virtual-account number)."), field="reference")
    with transaction.atomic():
        programme = Programme.objects.select_for_update().get(pk=programme.pk)
        payment = Payment.objects.create(
            programme=programme, paid_on=paid_on, amount=amount, reference=reference, note=note, recorded_by=actor
        )
        plan = _allocation_plan(programme, amount, allocations)
        PaymentAllocation.objects.bulk_create(
            PaymentAllocation(payment=payment, invoice=invoice, amount=part) for invoice, part in plan
        )
        for invoice, _part in plan:
            invoice_status_refresh(invoice)
        audit_record(
            actor=actor,
            action="payment.recorded",
            obj=payment,
            region_code=programme.region_id,
            changes={
                "amount": [None, amount],
                "reference": [None, reference],
                "paid_on": [None, paid_on.isoformat()],
                "allocations": [None, {f"{inv.month:%Y-%m}": part for inv, part in plan}],
            },
            note=note,
        )
    return payment


def payment_reverse(*, actor: User | None, payment: Payment, reason: str) -> Payment:
    """Take a payment back: it stays on record, its allocations stop counting, invoice statuses follow."""
    finance_require(actor, payment.programme)
    reason = reason.strip()
    if not reason:
        raise ContributionError(_("Say why the payment is reversed."), field="reason")
    with transaction.atomic():
        Programme.objects.select_for_update().get(pk=payment.programme_id)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.is_reversed:
            raise ContributionError(_("This payment is already reversed."))
        payment.reversed_at = timezone.now()
        payment.reversed_by = actor
        payment.reversal_reason = reason
        payment.save(update_fields=["reversed_at", "reversed_by", "reversal_reason"])
        for invoice in Invoice.objects.filter(allocations__payment=payment):
            invoice_status_refresh(invoice)
        audit_record(
            actor=actor,
            action="payment.reversed",
            obj=payment,
            region_code=payment.programme.region_id,
            changes={"reversed": [False, True]},
            note=reason,
        )
    return payment


def _allocation_plan(
    programme: Programme, amount: int, allocations: Sequence[tuple[Invoice, int]] | None
) -> list[tuple[Invoice, int]]:
    payable = Invoice.objects.select_for_update().filter(
        programme=programme, status__in=[InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID]
    )
    if allocations is None:
        plan, left = [], amount
        for invoice in payable.order_by("month"):
            if left == 0:
                break
            part = min(left, invoice.total - invoice_paid_amount(invoice))
            if part > 0:
                plan.append((invoice, part))
                left -= part
        return plan
    if sum(part for _inv, part in allocations) > amount:
        raise ContributionError(_("The allocations add up to more than the payment."), field="allocations")
    open_invoices = {inv.pk: inv for inv in payable}
    if len({inv.pk for inv, _part in allocations}) != len(allocations):
        raise ContributionError(_("Name each invoice once in a payment's allocations."), field="allocations")
    plan = []
    for wanted, part in allocations:
        found = open_invoices.get(wanted.pk)
        if found is None:
            raise ContributionError(
                _("Only issued, unpaid invoices of this programme can be paid."), field="allocations"
            )
        if part <= 0 or part > found.total - invoice_paid_amount(found):
            raise ContributionError(
                _("The amount set against %(month)s must be positive and at most what it still owes.")
                % {"month": date_format(found.month, "YEAR_MONTH_FORMAT")},
                field="allocations",
            )
        plan.append((found, part))
    return plan


def invoice_credit_apply(invoice: Invoice) -> int:
    """Set the programme's credit (unallocated parts of payments, oldest first) against ``invoice``.

    This is how a payment made in advance pays the months billed after it. The caller (issuing) holds
    the transaction and the programme's lock; returns the rupiah set against the invoice.
    """
    owed = invoice.total - invoice_paid_amount(invoice)
    used = 0
    payments = (
        Payment.objects.filter(programme_id=invoice.programme_id, reversed_at__isnull=True)
        .annotate(allocated=Coalesce(Sum("allocations__amount"), 0))
        .filter(amount__gt=F("allocated"))
        .order_by("paid_on", "pk")
    )
    for payment in payments:
        if owed <= 0:
            break
        part = min(owed, payment.amount - payment.allocated)
        PaymentAllocation.objects.create(payment=payment, invoice=invoice, amount=part)
        owed -= part
        used += part
    return used


def invoice_status_refresh(invoice: Invoice) -> None:
    """Issued, partly paid or paid, from the allocations of payments that are not reversed."""
    if invoice.is_draft:
        return
    paid = invoice_paid_amount(invoice)
    if paid >= invoice.total:
        status = InvoiceStatus.PAID
    elif paid > 0:
        status = InvoiceStatus.PARTLY_PAID
    else:
        status = InvoiceStatus.ISSUED
    if status != invoice.status:
        Invoice.objects.filter(pk=invoice.pk).update(status=status)
        invoice.status = status
