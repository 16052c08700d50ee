"""Matching the header row of somebody's spreadsheet to the columns a file may have.

Headers match case-insensitively, ignoring spaces, dots, underscores and slashes, so that ``Tgl. Lahir``,
``TGL_LAHIR`` and ``tgl lahir`` are the same column. The first name of each column is the one we write.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_IGNORED = re.compile(r"[\s._/\\\ufeff]+")


@dataclass(frozen=True)
class Column:
    field: str
    headers: tuple[str, ...]  # the header we write first, then the aliases
    text: bool = False  # a number that must stay text (NIK, KK): formatted as text in the files we write


def header_key(text: object) -> str:
    return _IGNORED.sub("", str(text or "").casefold())


def header_index(columns: Sequence[Column]) -> dict[str, str]:
    """{header key: field} of every header and alias of ``columns``."""
    return {header_key(alias): column.field for column in columns for alias in column.headers}


def match_columns(headers: Sequence[object], columns: Sequence[Column] | dict[str, str]) -> dict[str, int]:
    """{field: column index} of the ``headers`` that name one of ``columns`` (or a ``header_index`` of them);
    of two columns meaning the same field, the first one counts."""
    by_key = columns if isinstance(columns, dict) else header_index(columns)
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        field = by_key.get(header_key(header))
        if field and field not in found:
            found[field] = index
    return found
