"""What the contributions' hand-written SQL shares: a date as a parameter, and which enrolments a month bills.

The rule "an enrolment is billed for a month it covers, while active or ended" is written here once as
the statuses the ORM filters on (``BILLED_STATUSES``: the budget, the dashboard) and, beside it, as the
condition of the set-based statements (``COVERED``: billing, on both databases), so the two cannot drift.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection

from lindung.contributions.models import LineKind
from lindung.enrolments.models import Status
from lindung.months import month_end, month_start

# Enrolments that may be billed for a month they cover: active, or ended (for the months before the end).
BILLED_STATUSES = (Status.ACTIVE, Status.ENDED)

# The enrolments ``e`` covered in a month, for ``covered_params(programme_id, month)``.
COVERED = (
    "e.programme_id = %s AND e.status IN (%s, %s) AND e.coverage_start <= %s "
    "AND (e.coverage_end IS NULL OR e.coverage_end >= %s)"
)

# The columns of an invoice line, in the order the billing statements write them.
LINE_COLUMNS = (
    "invoice_id, enrolment_id, worker_id, province_code, regency_code, month, kind, jkk, jkm, jht, amount, note"
)


def date_param(day: dt.date) -> Any:
    """A date as the connection's driver takes it as a parameter (SQLite keeps dates as ISO text)."""
    return connection.ops.adapt_datefield_value(day)


def covered_params(programme_id: int, month: dt.date) -> list[Any]:
    return [
        programme_id,
        *[str(status) for status in BILLED_STATUSES],
        date_param(month_end(month)),
        date_param(month_start(month)),
    ]


def month_lines_insert(table: str, date_sql: str) -> str:
    """``INSERT ... SELECT`` of one month line per enrolment covered; parameters from ``month_lines_params``.

    ``date_sql`` is how the database takes a date parameter in a SELECT list (``LineStatements.DATE``).
    """
    return (
        f"INSERT INTO {table} ({LINE_COLUMNS}) "  # noqa: S608 - no user input in the SQL text
        f"SELECT %s, e.id, e.worker_id, e.province_code, e.regency_code, {date_sql}, %s, %s, %s, %s, %s, '' "
        f"FROM enrolments_enrolment e WHERE {COVERED}"
    )


def month_lines_params(invoice_id: int, programme_id: int, month: dt.date, price: tuple[int, int, int]) -> list[Any]:
    jkk, jkm, jht = price
    normal = str(LineKind.NORMAL)
    return [invoice_id, date_param(month), normal, jkk, jkm, jht, jkk + jkm + jht, *covered_params(programme_id, month)]
