"""The invoice lines in the database: the statements billing sends that differ by database.

One module per database: ``postgresql.py`` (the production database: a partition per invoice, filled
bare and attached) and ``sqlite.py`` (the embedded one of the demo and small installations: one plain
table). ``line_statements()`` gives the module of the connection.
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

from django.db import connection

from lindung.contributions.lines import postgresql, sqlite

if TYPE_CHECKING:
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


def line_statements() -> LineStatements:
    return postgresql if connection.vendor == "postgresql" else sqlite
