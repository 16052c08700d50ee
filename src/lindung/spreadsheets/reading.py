"""An uploaded spreadsheet (``.xlsx`` or ``.csv``) as a header row and a stream of numbered rows, read within
``ReadLimits``.

Every upload is hostile until proven otherwise: ``table_open`` refuses at once what the file's size and first
bytes show (too large, empty, encrypted, an old ``.xls``, a binary renamed ``.csv``, text that is not UTF-8),
and the rows refuse, as soon as they reach it, a row, a column, a cell or a time beyond the limits, a NUL
byte, or text that stops being UTF-8. Either way the refusal is one ``ImportFileError`` with a sentence for
the uploader; the caller writes nothing (see ``imports.services.import_run``). Row numbers are those a
spreadsheet shows (the header is usually row 1); only rows that hold a value are given.
"""

from __future__ import annotations

import codecs
import csv
import io
import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import gettext

from lindung.numbers import decimal
from lindung.spreadsheets.limits import ImportFileError, ReadLimits
from lindung.spreadsheets.xlsx import not_a_workbook, password_protected, xlsx_rows

_ZIP_MAGIC = b"PK\x03\x04"
# An encrypted .xlsx (and an old .xls) is an OLE2 compound file, not a zip.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SNIFF_BYTES = 64 * 1024
# Bytes a text file does not hold (C0 controls but tab, line feed, form feed and carriage return): a file
# whose first 64 KB has a NUL or more than a few of them (random bytes have 11 %) is a binary file with
# another name. A stray control character in a name is the cleaning's to reject, row by row.
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\x0c\r")


class Table:
    """The header and the data rows of a sheet; ``close`` releases the file whether or not all rows were read."""

    def __init__(self, header_row: int, headers: list[Any], rows: Iterator[tuple[int, list[Any]]]) -> None:
        self.header_row = header_row
        self.headers = headers
        self.rows = rows

    def close(self) -> None:
        close = getattr(self.rows, "close", None)
        if close is not None:
            close()


def table_open(path: Path, limits: ReadLimits | None = None) -> Table:
    """The file's header (its first row with a value) and an iterator over its data rows that hold a value."""
    limits = limits or ReadLimits.from_settings()
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise ImportFileError(
            gettext("The file is %(size)s MB; files of at most %(limit)s MB can be uploaded. Split it in parts.")
            % {"size": _mb(size), "limit": _mb(limits.max_bytes)}
        )
    with path.open("rb") as f:
        start = f.read(_SNIFF_BYTES)
    if not start.strip(b"\xef\xbb\xbf \t\r\n"):
        raise ImportFileError(gettext("The file is empty."))
    if start.startswith(_OLE_MAGIC):
        raise password_protected()
    if start.startswith(_ZIP_MAGIC):
        rows = xlsx_rows(path, limits)
    elif start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and path.suffix.lower() == ".csv":
        raise _legacy_encoding()  # Excel's "Unicode text"
    elif path.suffix.lower() in (".xlsx", ".xlsm") or _binary(start):
        raise not_a_workbook()
    else:
        rows = _csv_rows(path, start, limits)
    return _with_header(rows, limits)


def _mb(size: int) -> str:
    return decimal(size / 1024 / 1024)


def _binary(start: bytes) -> bool:
    return b"\x00" in start or len(start.translate(None, _CONTROL_BYTES)) < len(start) * 0.95


def _with_header(rows: Iterator[tuple[int, list[Any]]], limits: ReadLimits) -> Table:
    """The first row is the header; the rows after it are bounded in number and in time as they stream."""
    try:
        header_row, headers = next(rows)
    except StopIteration:
        raise ImportFileError(gettext("The file is empty.")) from None
    except BaseException:
        _close(rows)
        raise
    return Table(header_row, headers, _bounded(rows, header_row, limits))


def _bounded(
    rows: Iterator[tuple[int, list[Any]]], header_row: int, limits: ReadLimits
) -> Generator[tuple[int, list[Any]]]:
    deadline = limits.deadline()
    last_row = header_row + limits.max_rows
    try:
        for count, (number, cells) in enumerate(rows, start=1):
            if number > last_row:
                raise limits.too_many_rows(number)
            if not count % 1024 and time.monotonic() > deadline:
                raise limits.too_slow()
            yield number, cells
    finally:
        _close(rows)


def _close(rows: Iterator[Any]) -> None:
    close = getattr(rows, "close", None)
    if close is not None:
        close()


# --- CSV ----------------------------------------------------------------------------------------


def _csv_rows(path: Path, start: bytes, limits: ReadLimits) -> Generator[tuple[int, list[Any]]]:
    # Decided on the first bytes: the separator (comma or semicolon, as Excel writes in Indonesian
    # locales) and whether the text is UTF-8 at all (a legacy "ANSI" CSV would misread names).
    try:
        codecs.getincrementaldecoder("utf-8")().decode(start, final=False)
    except UnicodeDecodeError:
        raise _legacy_encoding() from None
    first_line = start.split(b"\n", 1)[0]
    delimiter = ";" if first_line.count(b";") > first_line.count(b",") else ","
    return _csv_stream(path, delimiter, limits)


def _csv_stream(path: Path, delimiter: str, limits: ReadLimits) -> Generator[tuple[int, list[Any]]]:
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as stream:
        lines = _lines(stream, limits)
        reader = csv.reader(lines, delimiter=delimiter)
        try:
            # Numbered by record, as a spreadsheet numbers its rows (a quoted cell may span several lines).
            max_columns, max_chars = limits.max_columns, limits.max_cell_chars
            for number, cells in enumerate(reader, start=1):
                while cells and not cells[-1]:
                    cells.pop()  # Excel writes the separators of formatted empty cells
                if not cells or not "".join(cells).strip():
                    continue
                if len(cells) > max_columns:
                    raise limits.too_many_columns(len(cells), row=number)
                if max(map(len, cells)) > max_chars:
                    column = next(index for index, cell in enumerate(cells, start=1) if len(cell) > max_chars)
                    raise limits.cell_too_long(row=number, column=column)
                yield number, cells
        except UnicodeDecodeError:
            raise _legacy_encoding() from None
        except csv.Error:
            # A quoted cell that never ends, or one beyond csv's own field limit: not a spreadsheet we can read.
            raise not_a_workbook() from None


def _lines(stream: io.TextIOWrapper, limits: ReadLimits) -> Iterator[str]:
    """The file's lines, each read with a bound, so that a 50 MB line is refused, not held; a NUL refuses the file."""
    longest = limits.max_columns * (limits.max_cell_chars + 3)  # every cell quoted, with its separator
    readline = stream.readline
    number = 0
    while line := readline(longest + 1):
        number += 1
        if len(line) > longest:
            raise ImportFileError(
                gettext(
                    "Line %(line)s of the file is longer than a row of %(columns)s columns can be. It is not a "
                    "spreadsheet of workers; check that you chose the right file."
                )
                % {"line": number, "columns": limits.max_columns}
            )
        if "\x00" in line:
            raise limits.nul(row=number)
        yield line


def _legacy_encoding() -> ImportFileError:
    return ImportFileError(
        gettext(
            "The CSV file is not in UTF-8, so names would be misread. In Excel choose "
            'Save As → "CSV UTF-8 (Comma delimited)", or upload the .xlsx file instead.'
        )
    )
