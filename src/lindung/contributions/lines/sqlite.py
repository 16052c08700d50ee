"""SQLite, the embedded database of the demo and of small installations: the lines in one plain table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.db import connection

from lindung.contributions.models import InvoiceLine, LineKind
from lindung.contributions.sql import COVERED, covered_params, date_param, month_lines_insert, month_lines_params

if TYPE_CHECKING:
    from lindung.contributions.models import Invoice

TABLE = "contributions_invoiceline"
DATE = "%s"


def month_lines_fill(invoice: Invoice, month: dt.date, price: tuple[int, int, int]) -> None:
    InvoiceLine.objects.filter(invoice=invoice).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            month_lines_insert(TABLE, DATE), month_lines_params(invoice.pk, invoice.programme_id, month, price)
        )


def month_lines_refresh(invoice: Invoice, month: dt.date) -> None:
    """Three statements: delete the lines no longer covered, copy what moved, insert the newly covered."""
    this_invoice: list[Any] = [invoice.pk, str(LineKind.NORMAL)]
    covered = covered_params(invoice.programme_id, month)
    delete_gone = (
        f"DELETE FROM {TABLE} WHERE {TABLE}.invoice_id = %s AND {TABLE}.kind = %s "  # noqa: S608 - no user input
        f"AND NOT EXISTS (SELECT 1 FROM enrolments_enrolment e WHERE e.id = {TABLE}.enrolment_id AND {COVERED})"
    )
    # The lines left are those of covered enrolments: copy what may have moved since the last build.
    update_moved = (
        f"UPDATE {TABLE} SET worker_id = e.worker_id, province_code = e.province_code, "  # noqa: S608
        f"regency_code = e.regency_code FROM enrolments_enrolment e "
        f"WHERE {TABLE}.invoice_id = %s AND {TABLE}.kind = %s AND e.id = {TABLE}.enrolment_id "
        f"AND ({TABLE}.worker_id <> e.worker_id OR {TABLE}.province_code <> e.province_code "
        f"OR {TABLE}.regency_code <> e.regency_code)"
    )
    not_yet_billed = (
        f"SELECT 1 FROM {TABLE} l "  # noqa: S608 - no user input in the SQL text
        "WHERE l.invoice_id = %s AND l.enrolment_id = e.id AND l.month = %s AND l.kind = %s"
    )
    insert_new = f"{month_lines_insert(TABLE, DATE)} AND NOT EXISTS ({not_yet_billed})"
    price = (invoice.unit_jkk, invoice.unit_jkm, invoice.unit_jht)
    with connection.cursor() as cursor:
        cursor.execute(delete_gone, [*this_invoice, *covered])
        cursor.execute(update_moved, this_invoice)
        cursor.execute(
            insert_new,
            [
                *month_lines_params(invoice.pk, invoice.programme_id, month, price),
                invoice.pk,
                date_param(month),
                str(LineKind.NORMAL),
            ],
        )


@contextmanager
def enrolments_joined() -> Iterator[Any]:
    """SQLite checks every line it is given, row by row: nothing to say."""
    with connection.cursor() as cursor:
        yield cursor
