"""The bounds every uploaded spreadsheet is read within, and the one error a refused file raises.

The values come from settings (``LINDUNG_IMPORT_*``, declared in ``lindung/settings.py``); a test or a caller
may pass its own ``ReadLimits``. Each bound is checked before the memory or time it protects is spent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext, ngettext

from lindung.numbers import grouped


class ImportFileError(Exception):
    """The file as a whole cannot be read; ``message`` says why, in the active language, in one or two
    sentences for the person who uploaded it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ReadLimits:
    max_bytes: int  # the file as uploaded
    max_unpacked_bytes: int  # an .xlsx decompressed, all parts together
    max_rows: int  # data rows under the header
    max_columns: int  # columns holding a value
    max_cell_chars: int  # characters in one cell
    max_seconds: int  # reading (and the caller's work on each row) from opening to the last row

    @classmethod
    def from_settings(cls) -> ReadLimits:
        return cls(
            max_bytes=settings.LINDUNG_IMPORT_MAX_BYTES,
            max_unpacked_bytes=settings.LINDUNG_IMPORT_MAX_UNPACKED_BYTES,
            max_rows=settings.LINDUNG_IMPORT_MAX_ROWS,
            max_columns=settings.LINDUNG_IMPORT_MAX_COLUMNS,
            max_cell_chars=settings.LINDUNG_IMPORT_MAX_CELL_CHARS,
            max_seconds=settings.LINDUNG_IMPORT_MAX_SECONDS,
        )

    def deadline(self) -> float:
        return time.monotonic() + self.max_seconds

    # The sentences of a file beyond a limit, shared by the CSV and the XLSX readers.

    def too_many_rows(self, row: int) -> ImportFileError:
        return ImportFileError(
            gettext(
                "The file has data in row %(row)s; a file may hold at most %(limit)s rows under the header. "
                "Split it into smaller files, or delete the empty rows at its end."
            )
            % {"row": grouped(row), "limit": grouped(self.max_rows)}
        )

    def too_many_columns(self, column: int, *, row: int) -> ImportFileError:
        return ImportFileError(
            gettext(
                "Row %(row)s has data in column %(letter)s (column %(column)s); a file may use at most "
                "%(limit)s columns. Delete the columns after your data and upload it again."
            )
            % {
                "row": grouped(row),
                "letter": column_letters(column),
                "column": grouped(column),
                "limit": grouped(self.max_columns),
            }
        )

    def cell_too_long(self, *, row: int, column: int) -> ImportFileError:
        return ImportFileError(
            gettext(
                "The cell in row %(row)s, column %(letter)s, holds more than %(limit)s characters, which no "
                "field of a worker needs. Shorten it and upload the file again."
            )
            % {"row": grouped(row), "letter": column_letters(column), "limit": grouped(self.max_cell_chars)}
        )

    def nul(self, *, row: int, column: int | None = None) -> ImportFileError:
        """A NUL character, which no spreadsheet of workers holds (and PostgreSQL cannot store, even quoted in a
        message): in a CSV's ``row`` (its line), or in a workbook's cell."""
        if column is None:
            message = gettext(
                "Line %(row)s of the file holds a NUL character: the file is binary or damaged. Save the "
                "spreadsheet again as .xlsx or as CSV UTF-8 and upload that."
            )
        else:
            message = gettext(
                "The cell in row %(row)s, column %(letter)s, holds a NUL character: the file is damaged. Save "
                "the spreadsheet again as .xlsx or as CSV UTF-8 and upload that."
            )
        return ImportFileError(message % {"row": grouped(row), "letter": column_letters(column or 1)})

    def too_slow(self) -> ImportFileError:
        minutes = max(1, round(self.max_seconds / 60))
        return ImportFileError(
            ngettext(
                "Reading the file took longer than %(minutes)d minute, the most an upload may take. "
                "Split it into smaller files.",
                "Reading the file took longer than %(minutes)d minutes, the most an upload may take. "
                "Split it into smaller files.",
                minutes,
            )
            % {"minutes": minutes}
        )


def column_letters(column: int) -> str:
    """The spreadsheet name of the 1-based ``column``: 1 → A, 27 → AA, 16384 → XFD."""
    letters = ""
    while column > 0:
        column, remainder = divmod(column - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
