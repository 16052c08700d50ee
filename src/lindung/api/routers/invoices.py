"""``/api/v1/invoices`` and ``/api/v1/payments``: a programme's monthly invoices (list, read, build, issue, their
lines streamed as CSV or JSON lines) and the payments set against them (record, read, reverse).

As the web's contribution pages (``lindung.contributions.views``): the finance right (``finance`` scope), the
programmes of the caller's region only (``selectors.programmes_in_scope``), every write through
``contributions.billing`` and ``contributions.payments``, the lines' download audited as the web's
(``documents.invoice_export_record``). Money is integer rupiah.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from itertools import chain
from typing import Annotated, Any, Literal

from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require
from lindung.api.conventions import PAGE_DEFAULT, PAGE_MAX, Page, if_match, keyset_page, with_etag
from lindung.api.problems import ApiProblem
from lindung.api.routers.money_fields import EraDate, Id, Month, Rupiah, month_first_day, text
from lindung.api.schemas import ProgrammeRef, programme_ref
from lindung.contributions.billing import invoice_build, invoice_issue
from lindung.contributions.documents import LINE_FIELDS, invoice_export_record, invoice_filename, invoice_line_rows
from lindung.contributions.finance import ContributionError
from lindung.contributions.models import Invoice, Payment
from lindung.contributions.payments import payment_record, payment_reverse
from lindung.contributions.selectors import invoice_paid_amount, invoices_in_scope, programmes_in_scope
from lindung.spreadsheets.writing import csv_writer

router = Router(tags=["invoices"])
payments_router = Router(tags=["invoices"])

InvoiceStatusName = Literal["draft", "issued", "partly_paid", "paid"]
LineFormat = Literal["csv", "jsonl"]
CSV_TYPE = "text/csv; charset=utf-8"
JSONL_TYPE = "application/x-ndjson"
_LINE_TYPES = {"csv": CSV_TYPE, "jsonl": JSONL_TYPE}
# What ``Accept`` may name for each format (``?format=`` wins over it).
_ACCEPTED = {
    "text/csv": "csv",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/jsonlines": "jsonl",
}


# --- shapes ------------------------------------------------------------------------------------------------


class InvoiceOut(Schema):
    id: int
    programme: ProgrammeRef
    month: str = Field(description="YYYY-MM")
    status: InvoiceStatusName
    unit_jkk: int
    unit_jkm: int
    unit_jht: int
    line_count: int = Field(description="Workers billed (month lines)")
    adjustment_total: int = Field(description="Corrections of earlier months, rupiah")
    total: int = Field(description="Rupiah")
    paid: int = Field(description="Set against the invoice by payments not reversed, rupiah")
    outstanding: int = Field(description="Issued and not paid yet, rupiah (0 for a draft)")
    built_on: dt.date | None
    built_at: dt.datetime | None
    issued_at: dt.datetime | None


class InvoiceFilter(Schema):
    programme: Id | None = None
    month: Month | None = None
    status: InvoiceStatusName | None = None
    cursor: Annotated[str, Field(max_length=40)] | None = None
    limit: Annotated[int, Field(ge=1, le=PAGE_MAX)] = PAGE_DEFAULT


class InvoiceBuild(Schema):
    programme: Id
    month: Month


class AllocationOut(Schema):
    invoice: int
    month: str = Field(description="YYYY-MM")
    amount: int


class PaymentOut(Schema):
    id: int
    programme: ProgrammeRef
    paid_on: dt.date
    amount: int
    reference: str
    note: str
    recorded_at: dt.datetime
    reversed: bool
    reversed_at: dt.datetime | None
    reversal_reason: str
    allocations: list[AllocationOut]
    unallocated: int = Field(description="Part of the payment left as the programme's credit, rupiah")


class PaymentIn(Schema):
    paid_on: EraDate
    amount: Annotated[Rupiah, Field(ge=1)]
    reference: Annotated[str, text(100, min_length=1)]
    note: Annotated[str, text(2000)] = ""


class ReverseIn(Schema):
    reason: Annotated[str, text(500, min_length=1)]


class LineOut(Schema):
    """One line of ``/invoices/{id}/lines`` (a row of the CSV, an object of the JSON lines)."""

    enrolment_id: int
    nik_masked: str
    name: str
    regency_code: str
    regency: str
    kind: Literal["normal", "adjustment"]
    month: str
    jkk: int
    jkm: int
    jht: int
    amount: int
    note: str


# --- reading -----------------------------------------------------------------------------------------------


def _invoice_out(invoice: Invoice, paid: int | None = None) -> InvoiceOut:
    paid = invoice_paid_amount(invoice) if paid is None else paid
    return InvoiceOut(
        id=invoice.pk,
        programme=programme_ref(invoice.programme),
        month=f"{invoice.month:%Y-%m}",
        status=invoice.status,  # type: ignore[arg-type]
        unit_jkk=invoice.unit_jkk,
        unit_jkm=invoice.unit_jkm,
        unit_jht=invoice.unit_jht,
        line_count=invoice.line_count,
        adjustment_total=invoice.adjustment_total,
        total=invoice.total,
        paid=paid,
        outstanding=0 if invoice.is_draft else max(invoice.total - paid, 0),
        built_on=invoice.built_on,
        built_at=invoice.built_at,
        issued_at=invoice.issued_at,
    )


def _finance_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # the bearer token's account (lindung.api.auth)
    require(user, Action.FINANCE_MANAGE)
    return user


def _invoice_or_404(user: User, invoice_id: int, *, lock: bool = False) -> Invoice:
    invoices = invoices_in_scope(user)
    if lock:
        invoices = invoices.select_for_update(of=("self",))
    invoice = invoices.filter(pk=invoice_id).first()
    if invoice is None:
        raise Http404
    return invoice


def _paid_sum() -> Coalesce:
    return Coalesce(Sum("allocations__amount", filter=Q(allocations__payment__reversed_at__isnull=True)), 0)


@router.get("", response={200: Page[InvoiceOut]}, summary="List invoices (filters: programme, month, status)")
def invoices_list(request: HttpRequest, filters: Query[InvoiceFilter]) -> dict[str, Any]:
    user = _finance_user(request)
    invoices: QuerySet[Invoice] = invoices_in_scope(user)
    if filters.programme is not None:
        invoices = invoices.filter(programme_id=filters.programme)
    if filters.month is not None:
        invoices = invoices.filter(month=month_first_day(filters.month))
    if filters.status is not None:
        invoices = invoices.filter(status=filters.status)
    rows, next_cursor = keyset_page(invoices.annotate(paid=_paid_sum()), cursor=filters.cursor, limit=filters.limit)
    return {"items": [_invoice_out(row, paid=row.paid) for row in rows], "next_cursor": next_cursor}  # type: ignore[attr-defined]


@router.get(
    "/{invoice_id}",
    response={200: InvoiceOut},
    summary="One invoice (with its ETag)",
)
def invoice_read(request: HttpRequest, response: HttpResponse, invoice_id: Path[Id]) -> InvoiceOut:
    user = _finance_user(request)
    shown = _invoice_out(_invoice_or_404(user, invoice_id))
    with_etag(response, shown.model_dump())
    return shown


def _created(response: HttpResponse, name: str, **kwargs: int) -> None:
    response["Location"] = reverse(f"api:{name}", kwargs=kwargs)


@router.post(
    "",
    response={201: InvoiceOut},
    summary="Build (or build again) the draft invoice of a programme for a month",
)
def invoice_create(request: HttpRequest, response: HttpResponse, payload: InvoiceBuild) -> Status[InvoiceOut]:
    """As the web's "Build" button: every enrolment covered in the month, at the month's rates, with the
    corrections of earlier issued months. A draft may be built again; an issued month is refused. Issue it with
    ``POST /invoices/{id}/issue``."""
    user = _finance_user(request)
    programme = programmes_in_scope(user).filter(pk=payload.programme).first()
    if programme is None:
        message = _("There is no programme with this id in your region.")
        raise ApiProblem(422, "refused", message, errors=[{"field": "programme", "message": message}])
    invoice = invoice_build(actor=user, programme=programme, month=month_first_day(payload.month))
    shown = _invoice_out(_invoice_or_404(user, invoice.pk))
    _created(response, "invoice_read", invoice_id=invoice.pk)
    with_etag(response, shown.model_dump())
    return Status(201, shown)


@router.post(
    "/{invoice_id}/issue",
    response={200: InvoiceOut},
    summary="Issue a draft invoice: its lines never change again (send If-Match)",
)
def invoice_issue_route(request: HttpRequest, response: HttpResponse, invoice_id: Path[Id]) -> InvoiceOut:
    """``If-Match`` with the draft's ETag plays the web's confirmation page: a draft built again since it was
    read is refused with 412 instead of being issued unseen."""
    user = _finance_user(request)
    with transaction.atomic():
        invoice = _invoice_or_404(user, invoice_id, lock=True)
        if_match(request, _invoice_out(invoice).model_dump())
        invoice_issue(actor=user, invoice=invoice)
    shown = _invoice_out(_invoice_or_404(user, invoice_id))
    with_etag(response, shown.model_dump())
    return shown


# --- the lines, streamed ----------------------------------------------------------------------------------


class _Echo:
    """A file-like object whose ``write`` returns the line, for streaming ``csv.writer``'s output."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterator[Any]) -> Iterator[str]:
    # Every text neutralised as in the web's exports: a name typed as a formula stays text.
    writer = csv_writer(_Echo(), lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    return chain([writer.writerow(LINE_FIELDS)], (writer.writerow(row) for row in rows))


def _jsonl_lines(rows: Iterator[Any]) -> Iterator[str]:
    return (json.dumps(row._asdict(), ensure_ascii=False) + "\n" for row in rows)


def _line_format(request: HttpRequest, asked: str | None) -> str:
    if asked is not None:
        return asked
    accept = request.headers.get("Accept", "")
    for part in accept.split(","):
        found = _ACCEPTED.get(part.split(";")[0].strip().lower())
        if found:
            return found
    return "csv"


@router.get(
    "/{invoice_id}/lines",
    summary="The invoice's lines, streamed as CSV or JSON lines (audited)",
    openapi_extra={
        "responses": {
            "200": {
                "description": "One row (CSV, a header first) or one JSON object (JSON lines) per invoice line, "
                "as LineOut; the NIK masked. `?format=csv|jsonl` or `Accept: text/csv` / "
                "`application/x-ndjson`; CSV when neither says.",
                "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    "application/x-ndjson": {"schema": {"type": "string"}},
                },
            }
        }
    },
)
def invoice_lines(
    request: HttpRequest,
    invoice_id: Path[Id],
    format: Annotated[LineFormat | None, Query(description="csv or jsonl")] = None,
) -> StreamingHttpResponse:
    """Streamed from a database iterator (a million lines need no more memory than ten); each download is
    written in the audit log, as the web's invoice download is."""
    user = _finance_user(request)
    invoice = _invoice_or_404(user, invoice_id)
    fmt = _line_format(request, format)
    invoice_export_record(actor=user, invoice=invoice, fmt=fmt)
    rows = invoice_line_rows(invoice)
    body = _csv_lines(rows) if fmt == "csv" else _jsonl_lines(rows)
    response = StreamingHttpResponse(body, content_type=_LINE_TYPES[fmt])
    filename = invoice_filename(invoice, fmt)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- payments ------------------------------------------------------------------------------------------------


def _payment_out(payment: Payment) -> PaymentOut:
    allocations = [
        AllocationOut(invoice=a.invoice_id, month=f"{a.invoice.month:%Y-%m}", amount=a.amount)
        for a in payment.allocations.select_related("invoice").order_by("invoice__month", "pk")
    ]
    return PaymentOut(
        id=payment.pk,
        programme=programme_ref(payment.programme),
        paid_on=payment.paid_on,
        amount=payment.amount,
        reference=payment.reference,
        note=payment.note,
        recorded_at=payment.recorded_at,
        reversed=payment.is_reversed,
        reversed_at=payment.reversed_at,
        reversal_reason=payment.reversal_reason,
        allocations=allocations,
        unallocated=payment.amount - sum(a.amount for a in allocations),
    )


def _payment_or_404(user: User, payment_id: int, *, lock: bool = False) -> Payment:
    payments = Payment.objects.filter(programme__in=programmes_in_scope(user)).select_related("programme")
    if lock:
        payments = payments.select_for_update(of=("self",))
    payment = payments.filter(pk=payment_id).first()
    if payment is None:
        raise Http404
    return payment


@router.post(
    "/{invoice_id}/payments",
    response={201: PaymentOut},
    summary="Record a payment of an issued invoice",
)
def payment_create(
    request: HttpRequest, response: HttpResponse, invoice_id: Path[Id], payload: PaymentIn
) -> Status[PaymentOut]:
    """The money is set against this invoice, up to what it still owes; the rest stays the programme's credit
    (set against the next invoices issued), as the web's payment form does."""
    user = _finance_user(request)
    invoice = _invoice_or_404(user, invoice_id)
    owed = invoice.total - invoice_paid_amount(invoice)
    part = max(min(payload.amount, owed), 1)
    try:
        payment = payment_record(
            actor=user,
            programme=invoice.programme,
            paid_on=payload.paid_on,
            amount=payload.amount,
            reference=payload.reference,
            note=payload.note.strip(),
            allocations=[(invoice, part)],
        )
    except ContributionError as exc:
        if exc.field == "allocations":  # this route's allocation is the invoice in its address
            raise ContributionError(exc.text, field="invoice") from None
        raise
    _created(response, "payment_read", payment_id=payment.pk)
    shown = _payment_out(_payment_or_404(user, payment.pk))
    with_etag(response, shown.model_dump())
    return Status(201, shown)


@payments_router.get("/{payment_id}", response={200: PaymentOut}, summary="One payment (with its ETag)")
def payment_read(request: HttpRequest, response: HttpResponse, payment_id: Path[Id]) -> PaymentOut:
    user = _finance_user(request)
    shown = _payment_out(_payment_or_404(user, payment_id))
    with_etag(response, shown.model_dump())
    return shown


@payments_router.post(
    "/{payment_id}/reverse",
    response={200: PaymentOut},
    summary="Reverse a payment, with the reason (send If-Match)",
)
def payment_reverse_route(
    request: HttpRequest, response: HttpResponse, payment_id: Path[Id], payload: ReverseIn
) -> PaymentOut:
    """The payment stays on record; its allocations stop counting and the invoices' statuses follow."""
    user = _finance_user(request)
    with transaction.atomic():
        payment = _payment_or_404(user, payment_id, lock=True)
        if_match(request, _payment_out(payment).model_dump())
        payment_reverse(actor=user, payment=payment, reason=payload.reason)
    shown = _payment_out(_payment_or_404(user, payment_id))
    with_etag(response, shown.model_dump())
    return shown
