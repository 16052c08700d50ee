"""Billing and payments. Every write is one transaction that checks the role and the region, and is audited.

``actor=None`` is the system (the ``lindung bill`` command run by the operator of the installation):
it needs no role but is still audited, with no user.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require
from lindung.accounts.scope import scope_of
from lindung.audit.services import audit_record
from lindung.contributions.models import (
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    Payment,
    PaymentAllocation,
)
from lindung.enrolments.models import Status
from lindung.errors import RefusedStep
from lindung.inputs import era_refusal, rupiah_refusal
from lindung.months import month_end, month_start
from lindung.programmes.models import Programme
from lindung.programmes.rates import programme_monthly_contribution

# Enrolments that may be billed for a month they cover: active, or ended (for the months before the end).
BILLED_STATUSES = (Status.ACTIVE, Status.ENDED)


class ContributionError(RefusedStep):
    """A refused billing or payment step, in one sentence; ``field`` names the form field, if any."""


# --- billing -----------------------------------------------------------------------------------


def invoice_build(*, actor: User | None, programme: Programme, month: dt.date, today: dt.date | None = None) -> Invoice:
    """Build (or rebuild) the draft invoice of ``programme`` for ``month``.

    1. Lock the programme, so two runs for it take turns; an issued invoice is refused.
    2. Price one worker's month once, from the rules in force that month.
    3. One line per enrolment covered in the month. A first build inserts them in one
       ``INSERT ... SELECT``. A rebuild at the same price changes only the difference (delete the lines
       of enrolments no longer covered, update those whose regency or worker moved, insert the newly
       covered), so re-running an unchanged draft writes next to nothing; at a new price it deletes
       the lines and inserts them again. On PostgreSQL that insert fills a new partition of the lines
       for this invoice, which is then keyed and attached (``_fill_new_partition``, migration 0005).
    4. Delete the draft's corrections, then for each earlier issued month insert them again: what the
       enrolments should have cost that month minus what was billed for it (issued invoices, and
       corrections already on other drafts).
    5. Read the counts and the total, which the database keeps with the lines, and audit.
    """
    _require_finance(actor, programme)
    month = month_start(month)
    today = today or timezone.localdate()
    with transaction.atomic():
        programme = Programme.objects.select_for_update().get(pk=programme.pk)
        if not month_start(programme.coverage_start) <= month <= programme.coverage_end:
            raise ContributionError(
                _("%(month)s is outside the coverage period of programme %(code)s.")
                % {"month": f"{month:%Y-%m}", "code": programme.code},
                field="month",
            )
        invoice, created = Invoice.objects.select_for_update().get_or_create(programme=programme, month=month)
        if not invoice.is_draft:
            raise ContributionError(
                _("The invoice of %(code)s for %(month)s is already issued and cannot change.")
                % {"code": programme.code, "month": f"{month:%Y-%m}"}
            )
        before = {"lines": invoice.line_count, "total": invoice.total}
        price = _price(programme, month)
        lines = InvoiceLine.objects.filter(invoice=invoice)
        lines.filter(kind=LineKind.ADJUSTMENT).delete()
        if price == (invoice.unit_jkk, invoice.unit_jkm, invoice.unit_jht) and lines.exists():
            _refresh_month_lines(invoice, programme, month)
        elif connection.vendor == "postgresql":
            _fill_new_partition(invoice, programme, month, price)
        else:
            lines.delete()
            _insert_month_lines(invoice, programme, month, price)
        invoice.unit_jkk, invoice.unit_jkm, invoice.unit_jht = price
        earlier = Invoice.objects.filter(programme=programme, month__lt=month).exclude(status=InvoiceStatus.DRAFT)
        for corrected in earlier.order_by("month"):
            _insert_corrections(invoice, programme, corrected)
        # The line triggers keep the totals (migration 0004); read them back before saving the invoice.
        invoice.refresh_from_db(fields=["total", "line_count", "adjustment_total"])
        invoice.built_on = today
        invoice.built_at = timezone.now()
        invoice.save()
        audit_record(
            actor=actor,
            action="invoice.built",
            obj=invoice,
            region_code=programme.region_id,
            changes={"lines": [before["lines"], invoice.line_count], "total": [before["total"], invoice.total]},
            note=f"{programme.code} {month:%Y-%m}" + (" (new)" if created else ""),
        )
    return invoice


def invoice_issue(*, actor: User | None, invoice: Invoice) -> Invoice:
    """Freeze a draft: from now on its lines never change; later corrections go on a later invoice."""
    _require_finance(actor, invoice.programme)
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().select_related("programme").get(pk=invoice.pk)
        if not invoice.is_draft:
            raise ContributionError(_("This invoice is already issued."))
        if invoice.built_at is None:
            raise ContributionError(_("Build the invoice before issuing it."))
        invoice.status = InvoiceStatus.ISSUED
        invoice.issued_at = timezone.now()
        invoice.issued_by = actor
        invoice.save(update_fields=["status", "issued_at", "issued_by"])
        Programme.objects.select_for_update().get(pk=invoice.programme_id)
        from_credit = _apply_credit(invoice)
        # An invoice whose corrections cancel its month (total 0 or less) owes nothing.
        _recompute_status(invoice)
        audit_record(
            actor=actor,
            action="invoice.issued",
            obj=invoice,
            region_code=invoice.programme.region_id,
            changes={
                "status": [str(InvoiceStatus.DRAFT), invoice.status],
                "total": [None, invoice.total],
                "paid_from_credit": [0, from_credit],
            },
        )
    return invoice


def _price(programme: Programme, month: dt.date) -> tuple[int, int, int]:
    price = programme_monthly_contribution(programme, month)
    return price.jkk, price.jkm, price.jht


def _date_param(day: dt.date) -> Any:
    return connection.ops.adapt_datefield_value(day)


def _date_expr() -> str:
    """A date parameter in a SELECT list: PostgreSQL needs its type; SQLite keeps dates as ISO text."""
    return "CAST(%s AS DATE)" if connection.vendor == "postgresql" else "%s"


_COVERED = (
    "e.programme_id = %s AND e.status IN (%s, %s) AND e.coverage_start <= %s "
    "AND (e.coverage_end IS NULL OR e.coverage_end >= %s)"
)


def _covered_params(programme: Programme, month: dt.date) -> list[Any]:
    return [
        programme.pk,
        *[str(s) for s in BILLED_STATUSES],
        _date_param(month_end(month)),
        _date_param(month_start(month)),
    ]


_LINE_COLUMNS = (
    "invoice_id, enrolment_id, worker_id, province_code, regency_code, month, kind, jkk, jkm, jht, amount, note"
)


def _insert_month_lines(
    invoice: Invoice,
    programme: Programme,
    month: dt.date,
    price: tuple[int, int, int],
    table: str = "contributions_invoiceline",
) -> None:
    jkk, jkm, jht = price
    sql = (
        f"INSERT INTO {table} ({_LINE_COLUMNS}) "  # noqa: S608 - no user input in the SQL text
        f"SELECT %s, e.id, e.worker_id, e.province_code, e.regency_code, {_date_expr()}, %s, %s, %s, %s, %s, '' "
        f"FROM enrolments_enrolment e WHERE {_COVERED}"
    )
    params = [invoice.pk, _date_param(month), str(LineKind.NORMAL), jkk, jkm, jht, jkk + jkm + jht]
    with _enrolments_joined() as cursor:
        cursor.execute(sql, [*params, *_covered_params(programme, month)])


def _fill_new_partition(invoice: Invoice, programme: Programme, month: dt.date, price: tuple[int, int, int]) -> None:
    """PostgreSQL: the draft's lines in a new partition of their own, filled bare, keyed by one sort, attached.

    The database functions of migration 0005 refuse an invoice that is not a draft, drop the draft's
    old partition (its lines; the totals follow), and give the new table the partition's guards before
    the insert, so its statement trigger checks the lines and sets the totals. The primary key is built
    after the insert (a sort, instead of a B-tree descent per line), and ATTACH adopts it without a scan.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT contributions_line_partition_prepare(%s)", [invoice.pk])
        (table,) = cursor.fetchone()
    # The name is the database function's own (letters and the invoice's id): no quoting needed.
    _insert_month_lines(invoice, programme, month, price, table=table)
    with connection.cursor() as cursor:
        cursor.execute("SELECT contributions_line_partition_attach(%s)", [invoice.pk])


def _refresh_month_lines(invoice: Invoice, programme: Programme, month: dt.date) -> None:
    """Bring a draft's month lines, priced as now, up to date with the enrolments covered in ``month``.

    Only the difference is written. PostgreSQL finds it with one full join of the draft's lines and the
    covered enrolments and applies it in the same statement; SQLite takes three statements.
    """
    if connection.vendor == "postgresql":
        _refresh_month_lines_postgresql(invoice, programme, month)
        return
    table = "contributions_invoiceline"
    this_invoice: list[Any] = [invoice.pk, str(LineKind.NORMAL)]
    delete_gone = (
        f"DELETE FROM {table} WHERE {table}.invoice_id = %s AND {table}.kind = %s "  # noqa: S608 - no user input
        f"AND NOT EXISTS (SELECT 1 FROM enrolments_enrolment e WHERE e.id = {table}.enrolment_id AND {_COVERED})"
    )
    # The lines left are those of covered enrolments: copy what may have moved since the last build.
    update_moved = (
        f"UPDATE {table} SET worker_id = e.worker_id, province_code = e.province_code, "  # noqa: S608
        f"regency_code = e.regency_code FROM enrolments_enrolment e "
        f"WHERE {table}.invoice_id = %s AND {table}.kind = %s AND e.id = {table}.enrolment_id "
        f"AND ({table}.worker_id <> e.worker_id OR {table}.province_code <> e.province_code "
        f"OR {table}.regency_code <> e.regency_code)"
    )
    jkk, jkm, jht = invoice.unit_jkk, invoice.unit_jkm, invoice.unit_jht
    insert_new = (
        f"INSERT INTO {table} ({_LINE_COLUMNS}) "  # noqa: S608 - no user input in the SQL text
        f"SELECT %s, e.id, e.worker_id, e.province_code, e.regency_code, {_date_expr()}, %s, %s, %s, %s, %s, '' "
        f"FROM enrolments_enrolment e WHERE {_COVERED} AND NOT EXISTS (SELECT 1 FROM {table} l "
        "WHERE l.invoice_id = %s AND l.enrolment_id = e.id AND l.month = %s AND l.kind = %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(delete_gone, [*this_invoice, *_covered_params(programme, month)])
        cursor.execute(update_moved, this_invoice)
    with _enrolments_joined() as cursor:
        cursor.execute(
            insert_new,
            [
                invoice.pk,
                _date_param(month),
                str(LineKind.NORMAL),
                jkk,
                jkm,
                jht,
                jkk + jkm + jht,
                *_covered_params(programme, month),
                invoice.pk,
                _date_param(month),
                str(LineKind.NORMAL),
            ],
        )


_REFRESH_POSTGRESQL = f"""
WITH diff AS MATERIALIZED (
    SELECT c.id AS new_id, c.worker_id, c.province_code, c.regency_code, l.enrolment_id AS old_id
    FROM (
        SELECT e.id, e.worker_id, e.province_code, e.regency_code FROM enrolments_enrolment e
        WHERE e.programme_id = %(programme)s AND e.status IN (%(active)s, %(ended)s)
            AND e.coverage_start <= %(last_day)s AND (e.coverage_end IS NULL OR e.coverage_end >= %(first_day)s)
    ) c
    FULL JOIN (
        SELECT enrolment_id, worker_id, province_code, regency_code FROM contributions_invoiceline
        WHERE invoice_id = %(invoice)s AND kind = %(normal)s
    ) l ON l.enrolment_id = c.id
    WHERE c.id IS NULL OR l.enrolment_id IS NULL OR l.worker_id <> c.worker_id
        OR l.province_code <> c.province_code OR l.regency_code <> c.regency_code
), gone AS (
    DELETE FROM contributions_invoiceline l USING diff
    WHERE l.invoice_id = %(invoice)s AND l.kind = %(normal)s AND l.enrolment_id = diff.old_id AND diff.new_id IS NULL
), moved AS (
    UPDATE contributions_invoiceline l
    SET worker_id = diff.worker_id, province_code = diff.province_code, regency_code = diff.regency_code
    FROM diff
    WHERE l.invoice_id = %(invoice)s AND l.kind = %(normal)s AND l.enrolment_id = diff.old_id
        AND diff.new_id IS NOT NULL
)
INSERT INTO contributions_invoiceline ({_LINE_COLUMNS})
SELECT %(invoice)s, diff.new_id, diff.worker_id, diff.province_code, diff.regency_code, CAST(%(month)s AS DATE),
    %(normal)s, %(jkk)s, %(jkm)s, %(jht)s, %(amount)s, ''
FROM diff WHERE diff.old_id IS NULL
"""  # noqa: S608 - no user input in the SQL text


def _refresh_month_lines_postgresql(invoice: Invoice, programme: Programme, month: dt.date) -> None:
    jkk, jkm, jht = invoice.unit_jkk, invoice.unit_jkm, invoice.unit_jht
    programme_id, active, ended, last_day, first_day = _covered_params(programme, month)
    params = {
        "invoice": invoice.pk,
        "normal": str(LineKind.NORMAL),
        "month": _date_param(month),
        "jkk": jkk,
        "jkm": jkm,
        "jht": jht,
        "amount": jkk + jkm + jht,
        "programme": programme_id,
        "active": active,
        "ended": ended,
        "last_day": last_day,
        "first_day": first_day,
    }
    # The inserted lines' enrolments come from the covered enrolments of the programme (c above).
    with _enrolments_joined() as cursor:
        cursor.execute(_REFRESH_POSTGRESQL, params)


@contextmanager
def _enrolments_joined() -> Iterator[Any]:
    """A cursor for an insert of lines that selects their enrolments, in the programme, in the same statement.

    Tells PostgreSQL's line trigger (migration 0004) that every line's enrolment exists in the invoice's
    programme by construction, so it skips joining a million lines back to the enrolments. The setting
    is local to the transaction and switched off again at once, so no later statement inherits it.
    """
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            yield cursor
            return
        cursor.execute("SELECT set_config('lindung.lines_from_enrolments', 'on', true)")
        # No finally: after an error the transaction (or savepoint) is rolled back, and the setting with it.
        yield cursor
        cursor.execute("SELECT set_config('lindung.lines_from_enrolments', 'off', true)")


def _insert_corrections(invoice: Invoice, programme: Programme, corrected_invoice: Invoice) -> None:
    """Per enrolment: should have been billed for the corrected month (the month rule, now) minus was billed.

    "Was billed" is the issued invoice's own lines plus every correction of that month on the
    programme's other invoices, those waiting on another draft included, so none is made twice.
    """
    corrected = corrected_invoice.month
    jkk, jkm, jht = _price(programme, corrected)
    note = _("Correction of %(month)s") % {"month": f"{corrected:%Y-%m}"}
    sql = (
        f"INSERT INTO contributions_invoiceline ({_LINE_COLUMNS}) "  # noqa: S608 - no user input in the SQL text
        f"SELECT %s, e.id, e.worker_id, e.province_code, e.regency_code, {_date_expr()}, %s, "
        "d.jkk, d.jkm, d.jht, d.jkk + d.jkm + d.jht, %s "
        "FROM (SELECT u.enrolment_id, SUM(u.jkk) AS jkk, SUM(u.jkm) AS jkm, SUM(u.jht) AS jht FROM ("
        f"  SELECT e.id AS enrolment_id, %s AS jkk, %s AS jkm, %s AS jht FROM enrolments_enrolment e WHERE {_COVERED}"
        "  UNION ALL"
        "  SELECT l.enrolment_id, -l.jkk, -l.jkm, -l.jht FROM contributions_invoiceline l"
        "  WHERE l.invoice_id = %s AND l.kind = %s"
        "  UNION ALL"
        "  SELECT l.enrolment_id, -l.jkk, -l.jkm, -l.jht FROM contributions_invoiceline l"
        "  JOIN contributions_invoice i ON i.id = l.invoice_id"
        "  WHERE i.programme_id = %s AND l.kind = %s AND l.month = %s AND i.id <> %s"
        ") u GROUP BY u.enrolment_id HAVING SUM(u.jkk) <> 0 OR SUM(u.jkm) <> 0 OR SUM(u.jht) <> 0) d "
        "JOIN enrolments_enrolment e ON e.id = d.enrolment_id"
    )
    params = [
        invoice.pk,
        _date_param(corrected),
        str(LineKind.ADJUSTMENT),
        note,
        jkk,
        jkm,
        jht,
        *_covered_params(programme, corrected),
        corrected_invoice.pk,
        str(LineKind.NORMAL),
        programme.pk,
        str(LineKind.ADJUSTMENT),
        _date_param(corrected),
        invoice.pk,
    ]
    # The enrolments come from the join with enrolments_enrolment (the programme's, see the WHERE).
    with _enrolments_joined() as cursor:
        cursor.execute(sql, params)


def _require_finance(actor: User | None, programme: Programme) -> None:
    if actor is None:
        return
    require(actor, Action.FINANCE_MANAGE)
    if not scope_of(actor).covers(programme.region_id):
        raise Http404


# --- payments ----------------------------------------------------------------------------------


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
    _require_finance(actor, programme)
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
            _recompute_status(invoice)
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
    _require_finance(actor, payment.programme)
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
            _recompute_status(invoice)
        audit_record(
            actor=actor,
            action="payment.reversed",
            obj=payment,
            region_code=payment.programme.region_id,
            changes={"reversed": [False, True]},
            note=reason,
        )
    return payment


def invoice_paid_amount(invoice: Invoice) -> int:
    paid: int = PaymentAllocation.objects.filter(invoice=invoice, payment__reversed_at__isnull=True).aggregate(
        paid=Coalesce(Sum("amount"), 0)
    )["paid"]
    return paid


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
                % {"month": f"{found.month:%Y-%m}"},
                field="allocations",
            )
        plan.append((found, part))
    return plan


def _apply_credit(invoice: Invoice) -> int:
    """Set the programme's credit (unallocated parts of payments, oldest first) against ``invoice``.

    This is how a payment made in advance pays the months billed after it.
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


def _recompute_status(invoice: Invoice) -> None:
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
