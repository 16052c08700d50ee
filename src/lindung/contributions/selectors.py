"""Reading invoices and payments: breakdowns are computed by the database (GROUP BY), never in Python."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from lindung.accounts.models import User
from lindung.accounts.scope import scope_code_q
from lindung.contributions.models import Invoice, InvoiceLine, LineKind, Payment, PaymentAllocation
from lindung.enrolments.models import Enrolment
from lindung.programmes.models import Programme
from lindung.regions.models import Region


def programmes_in_scope(user: User) -> QuerySet[Programme]:
    """Programmes whose region lies within the user's region (a provincial officer sees the province's)."""
    return Programme.objects.filter(scope_code_q(user, "region__code"))


def invoices_in_scope(user: User) -> QuerySet[Invoice]:
    return Invoice.objects.filter(programme__in=programmes_in_scope(user)).select_related("programme")


def lines_of_enrolments(enrolment_ids: Iterable[int]) -> QuerySet[InvoiceLine]:
    """The invoice lines of these enrolments (any invoice, any status), found through their programmes' invoices.

    The lines' only index is their primary key (invoice, enrolment, month, kind): naming the invoices
    lets the database probe it once per invoice of the programme, where a filter on the enrolment alone
    would read every line of every programme (BENCHMARKS.md, "Billing one month").
    """
    ids = list(enrolment_ids)
    programmes = Enrolment.objects.filter(pk__in=ids).values("programme_id")
    return InvoiceLine.objects.filter(enrolment_id__in=ids, invoice__programme_id__in=programmes)


def invoice_by_regency(invoice: Invoice) -> list[dict[str, Any]]:
    """Per regency/city: the workers billed, the corrections and the amount, with the region's name."""
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in InvoiceLine.objects.filter(invoice=invoice)
        .values("regency_code")
        .annotate(
            lines=Count("pk", filter=Q(kind=LineKind.NORMAL)),
            adjustments=Coalesce(Sum("amount", filter=Q(kind=LineKind.ADJUSTMENT)), 0),
            total=Sum("amount"),
        )
        .order_by("regency_code")
    ]
    names = dict(Region.objects.filter(code__in=[r["regency_code"] for r in rows]).values_list("code", "name"))
    for row in rows:
        row["name"] = names.get(row["regency_code"], row["regency_code"])
    return rows


def invoice_by_component(invoice: Invoice) -> dict[str, int]:
    """Per programme component (JKK, JKM, JHT) and the total, summed by the database."""
    sums = InvoiceLine.objects.filter(invoice=invoice).aggregate(
        jkk=Coalesce(Sum("jkk"), 0),
        jkm=Coalesce(Sum("jkm"), 0),
        jht=Coalesce(Sum("jht"), 0),
        total=Coalesce(Sum("amount"), 0),
    )
    return {key: int(value) for key, value in sums.items()}


def programme_received_and_allocated(programme: Programme) -> tuple[int, int]:
    """The money received for the programme and the part of it set against invoices (two queries).

    Reversed payments count for nothing. A payment is only ever set against its own programme's invoices.
    """
    received = Payment.objects.filter(programme=programme, reversed_at__isnull=True).aggregate(
        s=Coalesce(Sum("amount"), 0)
    )["s"]
    allocated = PaymentAllocation.objects.filter(
        payment__programme=programme, payment__reversed_at__isnull=True
    ).aggregate(s=Coalesce(Sum("amount"), 0))["s"]
    return int(received), int(allocated)


def programme_credit(programme: Programme) -> int:
    """Money received and not set against an invoice (reversed payments count for nothing)."""
    received, allocated = programme_received_and_allocated(programme)
    return received - allocated


def invoice_paid_amount(invoice: Invoice) -> int:
    """What the payments that are not reversed have set against the invoice."""
    paid: int = PaymentAllocation.objects.filter(invoice=invoice, payment__reversed_at__isnull=True).aggregate(
        paid=Coalesce(Sum("amount"), 0)
    )["paid"]
    return paid
