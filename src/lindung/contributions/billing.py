"""Building and issuing the monthly invoices: the billing run and its corrections.

Every step is one transaction that checks the role and the region (``finance``) and is audited. The
statements that differ by database are in ``lines/`` (one module per database), which also says what
the database itself guarantees about the lines.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from lindung.accounts.models import User
from lindung.audit.services import audit_record
from lindung.contributions.finance import ContributionError, finance_require
from lindung.contributions.lines import line_statements
from lindung.contributions.models import Invoice, InvoiceLine, InvoiceStatus, LineKind
from lindung.contributions.payments import invoice_credit_apply, invoice_status_refresh
from lindung.contributions.sql import COVERED, LINE_COLUMNS, covered_params, date_param
from lindung.months import month_start
from lindung.programmes.models import Programme
from lindung.programmes.rates import programme_monthly_contribution


def invoice_build(*, actor: User | None, programme: Programme, month: dt.date, today: dt.date | None = None) -> Invoice:
    """Build (or rebuild) the draft invoice of ``programme`` for ``month``.

    1. Lock the programme, so two runs for it take turns; an issued invoice is refused.
    2. Price one worker's month once, from the rules in force that month.
    3. One line per enrolment covered in the month. A first build inserts them in one
       ``INSERT ... SELECT``. A rebuild at the same price changes only the difference (delete the lines
       of enrolments no longer covered, update those whose regency or worker moved, insert the newly
       covered), so re-running an unchanged draft writes next to nothing; at a new price it deletes
       the lines and inserts them again. On PostgreSQL that insert fills a new partition of the lines
       for this invoice, which is then keyed and attached (``lines/postgresql.py``).
    4. Delete the draft's corrections, then for each earlier issued month insert them again: what the
       enrolments should have cost that month minus what was billed for it (issued invoices, and
       corrections already on other drafts).
    5. Read the counts and the total, which the database keeps with the lines, and audit.
    """
    finance_require(actor, programme)
    month = month_start(month)
    today = today or timezone.localdate()
    statements = line_statements()
    with transaction.atomic():
        programme = Programme.objects.select_for_update().get(pk=programme.pk)
        if not month_start(programme.coverage_start) <= month <= programme.coverage_end:
            raise ContributionError(
                _("%(month)s is outside the coverage period of programme %(code)s.")
                % {"month": date_format(month, "YEAR_MONTH_FORMAT"), "code": programme.code},
                field="month",
            )
        invoice, created = Invoice.objects.select_for_update().get_or_create(programme=programme, month=month)
        if not invoice.is_draft:
            raise ContributionError(
                _("The invoice of %(code)s for %(month)s is already issued and cannot change.")
                % {"code": programme.code, "month": date_format(month, "YEAR_MONTH_FORMAT")}
            )
        before = {"lines": invoice.line_count, "total": invoice.total}
        price = _price(programme, month)
        lines = InvoiceLine.objects.filter(invoice=invoice)
        lines.filter(kind=LineKind.ADJUSTMENT).delete()
        if price == (invoice.unit_jkk, invoice.unit_jkm, invoice.unit_jht) and lines.exists():
            statements.month_lines_refresh(invoice, month)
        else:
            statements.month_lines_fill(invoice, month, price)
        invoice.unit_jkk, invoice.unit_jkm, invoice.unit_jht = price
        earlier = Invoice.objects.filter(programme=programme, month__lt=month).exclude(status=InvoiceStatus.DRAFT)
        for corrected in earlier.order_by("month"):
            _insert_corrections(invoice, programme, corrected)
        # The database keeps the totals with the lines (lines/); read them back before saving the invoice.
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


def invoice_seen(invoice: Invoice) -> str:
    """The draft's figures as a page showed them: a confirmation page sends them back with its button, and
    ``invoice_issue`` refuses if the draft was built again since (its figures or its build time differ)."""
    built = invoice.built_at.isoformat() if invoice.built_at else "-"
    return f"{invoice.total}:{invoice.line_count}:{invoice.adjustment_total}:{built}"


def invoice_issue(*, actor: User | None, invoice: Invoice, seen: str | None = None) -> Invoice:
    """Freeze a draft: from now on its lines never change; later corrections go on a later invoice.

    ``seen``: the draft's figures the user confirmed (``invoice_seen``); checked under the invoice's lock, so a
    draft built again between the confirmation page and its button is refused, not issued unseen.
    """
    finance_require(actor, invoice.programme)
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().select_related("programme").get(pk=invoice.pk)
        if not invoice.is_draft:
            raise ContributionError(_("This invoice is already issued."))
        if invoice.built_at is None:
            raise ContributionError(_("Build the invoice before issuing it."))
        if seen is not None and seen != invoice_seen(invoice):
            raise ContributionError(
                _("The draft was built again after you looked at it: check the new figures and confirm again."),
                field="seen",
            )
        invoice.status = InvoiceStatus.ISSUED
        invoice.issued_at = timezone.now()
        invoice.issued_by = actor
        invoice.save(update_fields=["status", "issued_at", "issued_by"])
        Programme.objects.select_for_update().get(pk=invoice.programme_id)
        from_credit = invoice_credit_apply(invoice)
        # An invoice whose corrections cancel its month (total 0 or less) owes nothing.
        invoice_status_refresh(invoice)
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


def _insert_corrections(invoice: Invoice, programme: Programme, corrected_invoice: Invoice) -> None:
    """Per enrolment: should have been billed for the corrected month (the month rule, now) minus was billed.

    "Was billed" is the issued invoice's own lines plus every correction of that month on the
    programme's other invoices, those waiting on another draft included, so none is made twice.
    """
    corrected = corrected_invoice.month
    jkk, jkm, jht = _price(programme, corrected)
    note = _("Correction of %(month)s") % {"month": f"{corrected:%Y-%m}"}
    statements = line_statements()
    sql = (
        f"INSERT INTO contributions_invoiceline ({LINE_COLUMNS}) "  # noqa: S608 - no user input in the SQL text
        f"SELECT %s, e.id, e.worker_id, e.province_code, e.regency_code, {statements.DATE}, %s, "
        "d.jkk, d.jkm, d.jht, d.jkk + d.jkm + d.jht, %s "
        "FROM (SELECT u.enrolment_id, SUM(u.jkk) AS jkk, SUM(u.jkm) AS jkm, SUM(u.jht) AS jht FROM ("
        f"  SELECT e.id AS enrolment_id, %s AS jkk, %s AS jkm, %s AS jht FROM enrolments_enrolment e WHERE {COVERED}"
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
        date_param(corrected),
        str(LineKind.ADJUSTMENT),
        note,
        jkk,
        jkm,
        jht,
        *covered_params(programme.pk, corrected),
        corrected_invoice.pk,
        str(LineKind.NORMAL),
        programme.pk,
        str(LineKind.ADJUSTMENT),
        date_param(corrected),
        invoice.pk,
    ]
    # The enrolments come from the join with enrolments_enrolment (the programme's, see the WHERE).
    with statements.enrolments_joined() as cursor:
        cursor.execute(sql, params)
