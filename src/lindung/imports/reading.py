"""Reading an uploaded spreadsheet (``.xlsx`` or ``.csv``) as a header and a stream of numbered rows.

A file that cannot be read raises ``ImportFileError`` with one sentence for the uploader, before any
row is looked at where possible. Row numbers are those a spreadsheet shows: the header is row 1.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import python_calamine
from django.conf import settings
from django.utils.translation import gettext

# Defaults, overridable in settings: 50 MB on disk, and 20x that once an .xlsx is decompressed.
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
# An encrypted .xlsx (and an old .xls) is an OLE2 compound file, not a zip.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SNIFF_BYTES = 64 * 1024


class ImportFileError(Exception):
    """The file as a whole cannot be imported; ``message`` says why, in the active language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    headers: list[Any]
    rows: Generator[tuple[int, list[Any]]]  # (row number as the spreadsheet shows it, cells)
    stream: io.TextIOWrapper | None = None  # a CSV's open file

    def close(self) -> None:
        """Release the file, whether or not its rows were read to the end."""
        self.rows.close()
        if self.stream is not None:
            self.stream.close()


def max_bytes() -> int:
    """``LINDUNG_IMPORT_MAX_BYTES`` (settings, from ``LINDUNG_IMPORT_MAX_MB``): a province's file of a million rows
    is ~180 MB, so an installation that takes them raises the limit."""
    return int(getattr(settings, "LINDUNG_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_uncompressed_bytes() -> int:
    return int(getattr(settings, "LINDUNG_IMPORT_MAX_UNCOMPRESSED_BYTES", DEFAULT_MAX_UNCOMPRESSED_BYTES))


def table_open(path: Path) -> Table:
    """The file's header row and an iterator over its non-blank data rows."""
    size = path.stat().st_size
    limit = max_bytes()
    if size > limit:
        raise ImportFileError(
            gettext("The file is %(size)s MB; files of at most %(limit)s MB can be uploaded. Split it in parts.")
            % {"size": _mb(size), "limit": _mb(limit)}
        )
    with path.open("rb") as f:
        start = f.read(_SNIFF_BYTES)
    if not start.strip(b"\xef\xbb\xbf \t\r\n"):
        raise ImportFileError(gettext("The file is empty."))
    if start.startswith(_OLE_MAGIC):
        raise ImportFileError(
            gettext(
                "The file is password-protected or an old Excel 97-2003 (.xls) file. Remove the password "
                "and save it as an Excel workbook (.xlsx), then upload it again."
            )
        )
    if start.startswith(_ZIP_MAGIC):
        table = _xlsx_table(path)
    elif path.suffix.lower() in (".xlsx", ".xlsm") or b"\x00" in start:
        raise _not_a_spreadsheet()
    else:
        table = _csv_table(path, start)
    if not any(_filled(cell) for cell in table.headers):
        raise ImportFileError(gettext("The first row must hold the column headers; it is empty."))
    return table


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".replace(".", ",")


def _not_a_spreadsheet() -> ImportFileError:
    return ImportFileError(
        gettext("This file is not a spreadsheet that can be read. Upload an Excel workbook (.xlsx) or a CSV file.")
    )


def _corrupt() -> ImportFileError:
    return ImportFileError(
        gettext("The Excel file is damaged and cannot be read. Open it in Excel, save it again as .xlsx and retry.")
    )


def _filled(cell: Any) -> bool:
    return not (cell is None or (isinstance(cell, str) and not cell.strip()))


def _xlsx_table(path: Path) -> Table:
    # Decompressed sizes from the zip's directory, checked before anything is decompressed: a few
    # hundred kilobytes can otherwise expand to gigabytes (a "zip bomb").
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise _corrupt() from None
    if total > max_uncompressed_bytes():
        raise ImportFileError(
            gettext("The Excel file unpacks to more than %(limit)s MB, which is not a normal spreadsheet.")
            % {"limit": _mb(max_uncompressed_bytes())}
        )
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        if not workbook.sheet_names:
            raise _corrupt()
        sheet = workbook.get_sheet_by_index(0)
        # calamine holds the sheet's cells in its own (compact) memory; rows become Python lists one by one.
        rows = sheet.iter_rows()
        headers = next(rows, [])
    except ImportFileError:
        raise
    except Exception:  # calamine raises several unrelated types (zip, XML, password, its own) for bad files
        raise _corrupt() from None
    return Table(headers=list(headers), rows=_numbered(rows))


def _numbered(rows: Iterator[list[Any]]) -> Generator[tuple[int, list[Any]]]:
    for number, row in enumerate(rows, start=2):
        if any(_filled(cell) for cell in row):
            yield number, list(row)


def _csv_table(path: Path, start: bytes) -> Table:
    # Decided on the first line: the separator (comma or semicolon, as Excel writes in Indonesian
    # locales) and whether the text is UTF-8 at all (a legacy "ANSI" CSV would misread names).
    try:
        codecs.getincrementaldecoder("utf-8")().decode(start, final=False)
    except UnicodeDecodeError:
        raise _legacy_encoding() from None
    first_line = start.split(b"\n", 1)[0]
    delimiter = ";" if first_line.count(b";") > first_line.count(b",") else ","
    stream = io.TextIOWrapper(path.open("rb"), encoding="utf-8-sig", newline="")
    reader = csv.reader(stream, delimiter=delimiter)
    try:
        headers = next(reader, [])
    except (UnicodeDecodeError, csv.Error):
        stream.close()
        raise _legacy_encoding() from None
    return Table(headers=list(headers), rows=_csv_rows(reader), stream=stream)


def _csv_rows(reader: Any) -> Generator[tuple[int, list[Any]]]:
    try:
        for number, row in enumerate(reader, start=2):
            if any(_filled(cell) for cell in row):
                yield number, row
    except UnicodeDecodeError:
        raise _legacy_encoding() from None
    except csv.Error:
        raise _not_a_spreadsheet() from None


def _legacy_encoding() -> ImportFileError:
    return ImportFileError(
        gettext(
            "The CSV file is not in UTF-8, so names would be misread. In Excel choose "
            'Save As → "CSV UTF-8 (Comma delimited)", or upload the .xlsx file instead.'
        )
    )
