"""Writing many plain rows into one table at once: ``COPY`` on PostgreSQL, batched ``executemany`` elsewhere.

At the bottom of the house (Django only). Why not ``bulk_create``: it compiles every value of every model
instance through the field machinery (on the demo's ~236,000 rows, ~45 s of a ~50 s run on SQLite); on
PostgreSQL ``executemany`` is one statement per row and a multi-row ``INSERT`` spends its time parsing
placeholders, where ``COPY`` is made for this. The database's constraints still check every row. Values must
be in a form the driver takes: str, int, None, ``date``, datetimes adapted by the connection.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection

BATCH = 10_000


def rows_insert(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table``; names are quoted here, values bound."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(name) for name in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join("%s" for _ in columns)
        sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})"  # noqa: S608 - names quoted, values bound
        for batch in itertools.batched(rows, BATCH):
            # SQLite keeps dates as ISO text; the standard library's implicit date adapter is deprecated.
            cursor.executemany(sql, [tuple(_sqlite(value) for value in row) for row in batch])


def _sqlite(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) and not isinstance(value, dt.datetime) else value
