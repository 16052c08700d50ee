"""The figures the reports need beyond the dashboard's: invoices and payments, claims by kind, status and region.

Each query is a database GROUP BY, narrowed by ``RegionScope(region).q()`` (``lindung.accounts.scope``):
the report's region, which ``report_scope`` already checked lies within the reader's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Expression, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Substr

from lindung.accounts.scope import RegionScope
from lindung.claims.models import OPEN_STATUSES, Claim, ClaimStatus
from lindung.contributions.models import Invoice, InvoiceStatus, Payment, PaymentAllocation
from lindung.months import next_month
from lindung.programmes.models import Programme
from lindung.regions.models import Region


def child_key(region: Region, village: str = "village_id") -> Expression | F:
    """The column (or part of one) naming the child of ``region`` a stamped row lies in."""
    if region.level == Region.Level.PROVINCE:
        return F("regency_code")
    if region.level == Region.Level.REGENCY:
        return Substr(village, 1, 8)  # the district: "61.01.01"
    return F(village)


def _within(region: Region, *, village: str = "village") -> Q:
    return RegionScope(code=region.code).q(village=village)


# --- money --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceRow:
    month: dt.date
    status: str
    status_label: str
    workers: int
    adjustments: int
    total: int
    allocated: int


def invoice_rows(programme: Programme, *, month_from: dt.date | None, month_to: dt.date | None) -> list[InvoiceRow]:
    """The programme's invoices (drafts included, marked) with what payments set against them."""
    invoices = Invoice.objects.filter(programme=programme).order_by("month")
    if month_from:
        invoices = invoices.filter(month__gte=month_from)
    if month_to:
        invoices = invoices.filter(month__lte=month_to)
    allocated = dict(
        PaymentAllocation.objects.filter(invoice__in=invoices, payment__reversed_at__isnull=True)
        .values("invoice")
        .annotate(s=Sum("amount"))
        .order_by()
        .values_list("invoice", "s")
    )
    labels = dict(InvoiceStatus.choices)
    return [
        InvoiceRow(
            month=invoice.month,
            status=invoice.status,
            status_label=str(labels.get(invoice.status, invoice.status)),
            workers=invoice.line_count,
            adjustments=invoice.adjustment_total,
            total=invoice.total,
            allocated=int(allocated.get(invoice.pk) or 0),
        )
        for invoice in invoices
    ]


@dataclass(frozen=True)
class PaymentRow:
    paid_on: dt.date
    reference: str
    amount: int
    allocated: int
    reversed_on: dt.date | None


def payment_rows(programme: Programme, *, month_from: dt.date | None, month_to: dt.date | None) -> list[PaymentRow]:
    """The programme's payments by date, reversed ones included (marked): the note is left out, being free
    text that may name people."""
    payments: QuerySet[Payment] = Payment.objects.filter(programme=programme)
    if month_from:
        payments = payments.filter(paid_on__gte=month_from)
    if month_to:
        payments = payments.filter(paid_on__lt=next_month(month_to))
    rows = payments.annotate(allocated=Coalesce(Sum("allocations__amount"), 0)).order_by("paid_on", "pk")
    return [
        PaymentRow(
            paid_on=p.paid_on,
            reference=p.reference,
            amount=p.amount,
            allocated=int(p.allocated),
            reversed_on=p.reversed_at.date() if p.reversed_at else None,
        )
        for p in rows
    ]


# --- claims -------------------------------------------------------------------------------------


def claims_in_region(
    programme: Programme, region: Region, *, month_from: dt.date | None, month_to: dt.date | None
) -> QuerySet[Claim]:
    """The programme's claims in ``region``, by the date of the event within the period (the dashboard's rule)."""
    claims = Claim.objects.filter(programme=programme).filter(_within(region))
    if month_from:
        claims = claims.filter(incident_date__gte=month_from)
    if month_to:
        claims = claims.filter(incident_date__lt=next_month(month_to))
    return claims.order_by()


def claims_by_type_and_status(claims: QuerySet[Claim]) -> dict[tuple[str, str], dict[str, int]]:
    """(type, status) → claims, estimated benefit, amount paid."""
    rows = claims.values("type", "status").annotate(
        claims=Count("pk"),
        estimated=Coalesce(Sum("estimate_total"), 0),
        paid=Coalesce(Sum("paid_amount", filter=Q(status=ClaimStatus.PAID)), 0),
    )
    return {
        (row["type"], row["status"]): {
            "claims": row["claims"],
            "estimated": int(row["estimated"]),
            "paid": int(row["paid"]),
        }
        for row in rows
    }


def claims_by_region(claims: QuerySet[Claim], region: Region) -> dict[str, dict[str, int]]:
    """Per child region of ``region``: claims, open, paid, rejected and the benefits BPJS paid."""
    rows = (
        claims.annotate(child=child_key(region))
        .values("child")
        .annotate(
            claims=Count("pk"),
            open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
            paid_claims=Count("pk", filter=Q(status=ClaimStatus.PAID)),
            rejected=Count("pk", filter=Q(status=ClaimStatus.REJECTED)),
            benefits=Coalesce(Sum("paid_amount", filter=Q(status=ClaimStatus.PAID)), 0),
        )
    )
    return {
        row["child"]: {
            "claims": row["claims"],
            "open": row["open"],
            "paid_claims": row["paid_claims"],
            "rejected": row["rejected"],
            "benefits": int(row["benefits"]),
        }
        for row in rows
    }
