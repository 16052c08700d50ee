"""The invoice lines in the database: the rules it keeps on them, and the statements that differ by database.

The lines have no database foreign keys (a million per-row checks cost most of the billing run,
BENCHMARKS.md); the database keeps these rules instead, against every writer (the services, a shell, a
script, a later bug), and the same tests check them on both databases (``tests/test_line_integrity.py``):

1. a line belongs to an existing draft, and a month line carries its invoice's month;
2. its enrolment exists, in the invoice's programme, for the line's worker;
3. an invoice's ``total``, ``line_count`` and ``adjustment_total`` are the sums of its lines, and nothing
   else writes them (a new invoice has none);
4. an issued invoice's lines never change;
5. no line is ever deleted from an issued invoice;
6. an invoice or an enrolment that has lines keeps its key (id, programme, month) and is not deleted.

One line per (invoice, enrolment, month, kind), amounts that add up and known kinds are the primary key
and the checks of ``models.InvoiceLine``. Each database holds the rules with one mechanism, in one module
(decision 0007):

- ``postgresql.py``, production: one statement-level trigger function, over the statement's
  transition tables on the parent table and over the whole table of one invoice (its partition) for the
  billing insert; the partitions themselves, filled bare and attached, are what makes billing fast;
- ``sqlite.py``, the demo and small installations: row triggers.

Each module's ``install`` (re)creates all of its rules; the migrations call it. TRUNCATE (PostgreSQL)
and ``lines_truncate`` (SQLite, for Django's flush) remove lines past rules 5 and 6, as dropping a table
would. ``line_statements()`` gives the module of the connection.
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

from django.db import connection

from lindung.contributions.lines import postgresql, sqlite

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.backends.base.schema import BaseDatabaseSchemaEditor

    from lindung.contributions.models import Invoice


class LineStatements(Protocol):
    """What each database's module provides."""

    # A date parameter in a SELECT list (PostgreSQL needs its type; SQLite keeps dates as ISO text).
    DATE: str

    def month_lines_fill(self, invoice: Invoice, month: dt.date, price: tuple[int, int, int]) -> None:
        """The draft's lines made afresh: one month line per enrolment covered, at ``price``."""

    def month_lines_refresh(self, invoice: Invoice, month: dt.date) -> None:
        """The draft's month lines, priced as they are, brought up to date with the enrolments covered."""

    def enrolments_joined(self) -> AbstractContextManager[Any]:
        """A cursor for a statement that writes lines whose enrolments it selects in the invoice's programme."""

    def install(self, schema_editor: BaseDatabaseSchemaEditor) -> None:
        """(Re)create every rule above (a migration's step)."""

    def uninstall(self, schema_editor: BaseDatabaseSchemaEditor) -> None:
        """Remove every rule (a migration's step back)."""

    def rules_missing(self, using: BaseDatabaseWrapper = ...) -> list[str]:
        """The rules' triggers the database lacks: none, unless a migration rebuilt a table without them."""

    def lines_truncate(self, using: BaseDatabaseWrapper = ...) -> None:
        """Every line removed past the rules, every invoice's totals zero: what Django's flush does to them."""


def line_statements(using: BaseDatabaseWrapper = connection) -> LineStatements:
    return postgresql if using.vendor == "postgresql" else sqlite
