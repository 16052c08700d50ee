"""PostgreSQL, the production database: a partition of the lines per invoice, filled bare, keyed and attached."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.db import connection

from lindung.contributions.models import LineKind
from lindung.contributions.sql import LINE_COLUMNS, covered_params, date_param, month_lines_insert, month_lines_params

if TYPE_CHECKING:
    from lindung.contributions.models import Invoice

TABLE = "contributions_invoiceline"
DATE = "CAST(%s AS DATE)"


def month_lines_fill(invoice: Invoice, month: dt.date, price: tuple[int, int, int]) -> None:
    """The draft's lines in a new partition of their own, filled bare, keyed by one sort, attached.

    The database functions refuse an invoice that is not a draft, drop the draft's old partition (its
    lines; the totals follow), and give the new table the partition's guards before the insert, so its
    statement trigger checks the lines and sets the totals. The primary key is built after the insert
    (a sort, instead of a B-tree descent per line), and ATTACH adopts it without a scan.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT contributions_line_partition_prepare(%s)", [invoice.pk])
        (table,) = cursor.fetchone()
    # The name is the database function's own (letters and the invoice's id): no quoting needed.
    with enrolments_joined() as cursor:
        cursor.execute(
            month_lines_insert(table, DATE), month_lines_params(invoice.pk, invoice.programme_id, month, price)
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT contributions_line_partition_attach(%s)", [invoice.pk])


_REFRESH = f"""
WITH diff AS MATERIALIZED (
    SELECT c.id AS new_id, c.worker_id, c.province_code, c.regency_code, l.enrolment_id AS old_id
    FROM (
        SELECT e.id, e.worker_id, e.province_code, e.regency_code FROM enrolments_enrolment e
        WHERE e.programme_id = %(programme)s AND e.status IN (%(active)s, %(ended)s)
            AND e.coverage_start <= %(last_day)s AND (e.coverage_end IS NULL OR e.coverage_end >= %(first_day)s)
    ) c
    FULL JOIN (
        SELECT enrolment_id, worker_id, province_code, regency_code FROM {TABLE}
        WHERE invoice_id = %(invoice)s AND kind = %(normal)s
    ) l ON l.enrolment_id = c.id
    WHERE c.id IS NULL OR l.enrolment_id IS NULL OR l.worker_id <> c.worker_id
        OR l.province_code <> c.province_code OR l.regency_code <> c.regency_code
), gone AS (
    DELETE FROM {TABLE} l USING diff
    WHERE l.invoice_id = %(invoice)s AND l.kind = %(normal)s AND l.enrolment_id = diff.old_id AND diff.new_id IS NULL
), moved AS (
    UPDATE {TABLE} l
    SET worker_id = diff.worker_id, province_code = diff.province_code, regency_code = diff.regency_code
    FROM diff
    WHERE l.invoice_id = %(invoice)s AND l.kind = %(normal)s AND l.enrolment_id = diff.old_id
        AND diff.new_id IS NOT NULL
)
INSERT INTO {TABLE} ({LINE_COLUMNS})
SELECT %(invoice)s, diff.new_id, diff.worker_id, diff.province_code, diff.regency_code, CAST(%(month)s AS DATE),
    %(normal)s, %(jkk)s, %(jkm)s, %(jht)s, %(amount)s, ''
FROM diff WHERE diff.old_id IS NULL
"""  # noqa: S608 - no user input in the SQL text


def month_lines_refresh(invoice: Invoice, month: dt.date) -> None:
    """One statement: a full join of the draft's lines with the covered enrolments finds the difference and
    applies it (delete the gone, copy what moved, insert the new)."""
    jkk, jkm, jht = invoice.unit_jkk, invoice.unit_jkm, invoice.unit_jht
    programme_id, active, ended, last_day, first_day = covered_params(invoice.programme_id, month)
    params = {
        "invoice": invoice.pk,
        "normal": str(LineKind.NORMAL),
        "month": date_param(month),
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
    with enrolments_joined() as cursor:
        cursor.execute(_REFRESH, params)


@contextmanager
def enrolments_joined() -> Iterator[Any]:
    """A cursor for an insert of lines that selects their enrolments, in the programme, in the same statement.

    Tells the line trigger that every line's enrolment exists in the invoice's programme by construction,
    so it skips joining a million lines back to the enrolments. The setting is local to the transaction
    and switched off again at once, so no later statement inherits it.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lindung.lines_from_enrolments', 'on', true)")
        # No finally: after an error the transaction (or savepoint) is rolled back, and the setting with it.
        yield cursor
        cursor.execute("SELECT set_config('lindung.lines_from_enrolments', 'off', true)")
