"""SQLite, the embedded database of the demo and of small installations: the lines in one plain table.

The rules of the lines (``lines/__init__.py``) as row triggers: SQLite has no statement triggers, and a
row costs it a few index probes (a first build of 60,000 lines: about 0.6 s). The invoice's totals move
with each line; the only writer allowed to move them is a line trigger, which says so in the one-row
table ``contributions_totals_writer`` for the length of its update (SQLite cannot tell a trigger's
statement from another). ``install`` (the migrations) creates all of it; ``lines_truncate`` is the one way
round the rules, for Django's flush.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

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


# --- the rules --------------------------------------------------------------------------------------

# A line as written (inserted, or as updated): its invoice exists and is a draft, a month line carries the
# invoice's month, and its enrolment is one of the invoice's programme, of the line's worker. One probe of
# the invoice for all four.
_NEW_LINE = """SELECT CASE
    WHEN i.id IS NULL THEN RAISE(ABORT, 'invoice line: no such invoice')
    WHEN i.status <> 'draft' THEN RAISE(ABORT, 'the lines of an issued invoice cannot change')
    WHEN NEW.kind = 'normal' AND NEW.month <> i.month
      THEN RAISE(ABORT, 'invoice line: a month line is for its invoice''s month')
    WHEN NOT EXISTS (SELECT 1 FROM enrolments_enrolment e
                     WHERE e.id = NEW.enrolment_id AND e.programme_id = i.programme_id AND e.worker_id = NEW.worker_id)
      THEN RAISE(ABORT, 'invoice line: no such enrolment of that worker in the invoice''s programme')
  END FROM (SELECT 1) LEFT JOIN contributions_invoice i ON i.id = NEW.invoice_id;"""

# A line changed or deleted: only on a draft.
_OLD_LINE = """SELECT RAISE(ABORT, 'the lines of an issued invoice cannot change')
  FROM contributions_invoice WHERE id = OLD.invoice_id AND status <> 'draft';"""


def _totals(*moves: tuple[str, str]) -> str:
    """The invoice totals moved by each (sign, row) in turn, inside the writer's window."""
    updates = " ".join(
        f"UPDATE contributions_invoice SET total = total {sign} {row}.amount, "  # noqa: S608 - constants only
        f"line_count = line_count {sign} ({row}.kind = 'normal'), "
        f"adjustment_total = adjustment_total {sign} CASE WHEN {row}.kind <> 'normal' THEN {row}.amount ELSE 0 END "
        f"WHERE id = {row}.invoice_id;"
        for sign, row in moves
    )
    writer = "UPDATE contributions_totals_writer SET active = {};"
    return f"{writer.format(1)} {updates} {writer.format(0)}"


_LINES_DELETED = (
    "CREATE TRIGGER contributions_lines_deleted AFTER DELETE ON contributions_invoiceline "
    f"BEGIN {_OLD_LINE} {_totals(('-', 'OLD'))} END"
)

# name -> CREATE TRIGGER
TRIGGERS = {
    "contributions_lines_inserted": "CREATE TRIGGER contributions_lines_inserted "
    "AFTER INSERT ON contributions_invoiceline "
    f"BEGIN {_NEW_LINE} {_totals(('+', 'NEW'))} END",
    "contributions_lines_updated": "CREATE TRIGGER contributions_lines_updated "
    "AFTER UPDATE ON contributions_invoiceline "
    f"BEGIN {_OLD_LINE} {_NEW_LINE} {_totals(('-', 'OLD'), ('+', 'NEW'))} END",
    "contributions_lines_deleted": _LINES_DELETED,
    # The totals change only with the lines; a new invoice has none.
    "contributions_invoice_totals": """CREATE TRIGGER contributions_invoice_totals
    BEFORE UPDATE OF total, line_count, adjustment_total ON contributions_invoice
    WHEN (NEW.total IS NOT OLD.total OR NEW.line_count IS NOT OLD.line_count
          OR NEW.adjustment_total IS NOT OLD.adjustment_total)
      AND NOT (SELECT active FROM contributions_totals_writer)
    BEGIN SELECT RAISE(ABORT, 'an invoice''s totals are the sums of its lines and change only with them'); END""",
    "contributions_invoice_starts_empty": """CREATE TRIGGER contributions_invoice_starts_empty
    BEFORE INSERT ON contributions_invoice
    WHEN NEW.total <> 0 OR NEW.line_count <> 0 OR NEW.adjustment_total <> 0
    BEGIN SELECT RAISE(ABORT, 'an invoice''s totals are the sums of its lines and change only with them'); END""",
    # What the foreign keys did on the referenced side: no deletion or re-keying under existing lines.
    "contributions_invoice_rekeyed": """CREATE TRIGGER contributions_invoice_rekeyed
    BEFORE UPDATE OF id, programme_id, month ON contributions_invoice
    WHEN (OLD.id <> NEW.id OR OLD.programme_id <> NEW.programme_id OR OLD.month <> NEW.month)
      AND EXISTS (SELECT 1 FROM contributions_invoiceline WHERE invoice_id = OLD.id)
    BEGIN SELECT RAISE(ABORT, 'an invoice that has lines keeps its id, programme and month'); END""",
    "contributions_invoice_removed": """CREATE TRIGGER contributions_invoice_removed
    BEFORE DELETE ON contributions_invoice
    WHEN EXISTS (SELECT 1 FROM contributions_invoiceline WHERE invoice_id = OLD.id)
    BEGIN SELECT RAISE(ABORT, 'an invoice that has lines cannot be deleted'); END""",
    # An enrolment's lines are found through its programme's invoices (the primary key's prefix).
    "contributions_enrolment_rekeyed": """CREATE TRIGGER contributions_enrolment_rekeyed
    BEFORE UPDATE OF id, programme_id ON enrolments_enrolment
    WHEN (OLD.id <> NEW.id OR OLD.programme_id <> NEW.programme_id) AND EXISTS (
      SELECT 1 FROM contributions_invoice i
      JOIN contributions_invoiceline l ON l.invoice_id = i.id AND l.enrolment_id = OLD.id
      WHERE i.programme_id = OLD.programme_id)
    BEGIN SELECT RAISE(ABORT, 'an enrolment that has invoice lines keeps its id and programme'); END""",
    "contributions_enrolment_removed": """CREATE TRIGGER contributions_enrolment_removed
    BEFORE DELETE ON enrolments_enrolment
    WHEN EXISTS (
      SELECT 1 FROM contributions_invoice i
      JOIN contributions_invoiceline l ON l.invoice_id = i.id AND l.enrolment_id = OLD.id
      WHERE i.programme_id = OLD.programme_id)
    BEGIN SELECT RAISE(ABORT, 'an enrolment that has invoice lines cannot be deleted'); END""",
}

# Triggers of earlier migrations (0002, 0004), replaced by the ones above.
_RETIRED = (
    "contributions_lines_frozen_insert",
    "contributions_lines_frozen_update",
    "contributions_lines_insert",
    "contributions_lines_update",
)

_TOTALS_FROM_LINES = """UPDATE contributions_invoice SET
    total = coalesce((SELECT sum(l.amount) FROM contributions_invoiceline l
                      WHERE l.invoice_id = contributions_invoice.id), 0),
    line_count = (SELECT count(*) FROM contributions_invoiceline l
                  WHERE l.invoice_id = contributions_invoice.id AND l.kind = 'normal'),
    adjustment_total = coalesce((SELECT sum(l.amount) FROM contributions_invoiceline l
                                 WHERE l.invoice_id = contributions_invoice.id AND l.kind <> 'normal'), 0)"""


def uninstall(schema_editor: BaseDatabaseSchemaEditor) -> None:
    for name in (*TRIGGERS, *_RETIRED):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
    schema_editor.execute("DROP TABLE IF EXISTS contributions_totals_writer")


def install(schema_editor: BaseDatabaseSchemaEditor) -> None:
    """(Re)create every rule; the totals are first set to the sums of the lines, which the rules then keep.

    Idempotent: a migration calls it whenever this module changes, and after a migration that makes
    SQLite rebuild one of the three tables (which drops its triggers; ``rules_missing`` notices).
    """
    uninstall(schema_editor)
    schema_editor.execute(_TOTALS_FROM_LINES)
    schema_editor.execute("CREATE TABLE contributions_totals_writer (active integer NOT NULL)")
    schema_editor.execute("INSERT INTO contributions_totals_writer (active) VALUES (0)")
    for create in TRIGGERS.values():
        schema_editor.execute(create)


def rules_missing(using: BaseDatabaseWrapper = connection) -> list[str]:
    """The triggers of the rules that the database lacks (none after ``install``)."""
    with using.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {name for (name,) in cursor.fetchall()}
    return [name for name in TRIGGERS if name not in present]


def lines_truncate(using: BaseDatabaseWrapper = connection) -> None:
    """What TRUNCATE is on PostgreSQL: every line of every invoice removed past the rules, the totals zero.

    For Django's flush (``contributions/management/commands/flush.py``), which empties every table one
    after the other in no fixed order: deleting an issued invoice's lines, or an invoice or an enrolment
    that still has lines, is refused whatever that order. One transaction: the deletion guard is
    dropped, the lines deleted, the guard created again. Never called by the application.
    """
    if "contributions_lines_deleted" in rules_missing(using):
        return  # a database migrated short of the rules: nothing stands in Django's way
    with transaction.atomic(using=using.alias), using.cursor() as cursor:
        cursor.execute("DROP TRIGGER contributions_lines_deleted")
        cursor.execute("DELETE FROM contributions_invoiceline")
        cursor.execute("UPDATE contributions_totals_writer SET active = 1")
        cursor.execute("UPDATE contributions_invoice SET total = 0, line_count = 0, adjustment_total = 0")
        cursor.execute("UPDATE contributions_totals_writer SET active = 0")
        cursor.execute(_LINES_DELETED)
