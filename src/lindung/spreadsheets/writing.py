"""Writing spreadsheet files (XLSX, CSV) that no text in them can turn into a formula or a link.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (CSV or formula
injection): a worker, a region, a category or an uploaded header named ``=HYPERLINK("http://…","x")`` could
send the reader's data away or run a command (``=cmd|…``) on the machine of whoever opens the file, at BPJS
or in a regional office. Some programs skip a tab, a carriage return, a line feed or spaces before looking,
and some read the full-width and small forms (``＝ ＋ － ＠ ﹦ ﹢ ﹣ ﹫``) that Asian input methods type as the
ASCII ones. :func:`neutralise` puts an apostrophe in front of any such text:

- the apostrophe is visible and part of the text (Excel's hidden "quote prefix" style is lost as soon as
  the sheet is saved as CSV; the apostrophe survives that, and a reader sees why the cell is odd);
- a tab in front instead would be invisible but is stripped by many programs on import, which makes the
  formula live again.

Nothing is left to each writer's memory:

- :func:`workbook_new` makes every xlsxwriter workbook: texts are never taken for formulas, links or
  numbers, every text cell of every sheet goes through :func:`neutralise` (headers too), and writing a
  formula or a link raises ``TypeError``. Numbers, dates and booleans keep their type: a negative
  number written as a number is a number, not a formula.
- :func:`csv_writer` wraps ``csv.writer``: texts are neutralised, numbers are written plain.

This module is the bottom of the house: it imports no feature app.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import IO, Any, NoReturn

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

# The first characters a spreadsheet may read as the start of a formula.
FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠﹦﹢﹣﹫")
# Skipped before the first character is looked at: white space (Python's ``str.isspace``, which includes the
# no-break and ideographic spaces) and the invisible characters a copy from a web page or a PDF brings along.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"


def neutralise(value: str) -> str:
    """``value`` made inert in a spreadsheet: an apostrophe in front when it could start a formula.

    An already neutralised text starts with the apostrophe, so neutralising twice changes nothing more.
    """
    if value[:1] in FORMULA_STARTS or value.lstrip().lstrip(_INVISIBLE).lstrip()[:1] in FORMULA_STARTS:
        return "'" + value
    return value


# --- XLSX ---------------------------------------------------------------------------------------


def _refuse(*args: Any, **kwargs: Any) -> NoReturn:
    raise TypeError("Lindung writes no formulas or links into a spreadsheet")


class InertWorksheet(Worksheet):
    """A worksheet whose every text cell is neutralised, and which writes no formula and no link.

    xlsxwriter sends every way of writing a text (``write``, ``write_string``, ``write_row``,
    ``write_column``, headers, constant-memory mode) through ``_write_string``, and every formula and link
    through the methods below; ``test_writing`` writes each way and reads the file back, so a change of
    those internals in an upgrade fails the tests instead of letting a formula through.
    """

    def _write_string(self, row: int, col: int, string: str, cell_format: Any = None) -> Any:
        return super()._write_string(row, col, neutralise(string), cell_format)

    _write_formula = _refuse
    _write_array_formula = _refuse
    _write_url = _refuse
    _write_rich_string = _refuse  # a rich string's runs are not neutralised one by one: none is needed


# Fail at start-up, not silently, if an upgrade of xlsxwriter renames what InertWorksheet overrides.
for _name in ("_write_string", "_write_formula", "_write_array_formula", "_write_url", "_write_rich_string"):
    if not callable(getattr(Worksheet, _name, None)):
        raise ImportError(f"xlsxwriter.Worksheet has no {_name}: lindung.spreadsheets.writing must follow it")


class InertWorkbook(Workbook):
    worksheet_class = InertWorksheet

    def add_worksheet(self, name: str | None = None, worksheet_class: Any = None) -> Any:
        # Another worksheet class would bypass the neutralisation: every sheet is an InertWorksheet.
        return super().add_worksheet(name, worksheet_class=InertWorksheet)


def workbook_new(out: str | Path | IO[bytes] | Any, *, constant_memory: bool = False) -> Workbook:
    """A workbook writing to ``out`` (a path or anything with ``write``, e.g. an HttpResponse), whose sheets
    are :class:`InertWorksheet`.

    ``constant_memory``: each row is flushed to a temporary file when the next one starts (rows must then be
    written in order), for files of a million rows; otherwise the workbook is built in memory.
    """
    options: dict[str, Any] = {
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,  # "0812..." or a NIK stays the text it is
        "nan_inf_to_errors": False,  # never write an error formula: a NaN is a bug, and raises
    }
    options["constant_memory" if constant_memory else "in_memory"] = True
    return InertWorkbook(str(out) if isinstance(out, Path) else out, options)


# --- CSV ----------------------------------------------------------------------------------------

_NUMBERS = (int, float, Decimal, Fraction)


def csv_cell(value: object) -> object:
    """A value as a CSV cell: a number stays a number (written plain), a day is YYYY-MM-DD, a text is neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, _NUMBERS):
        return value
    if isinstance(value, dt.date):  # a datetime is a date too
        return value.isoformat()
    return neutralise(str(value))


class InertCsvWriter:
    """``csv.writer`` whose every text cell is neutralised. ``writerow`` returns what the file's ``write``
    returns, so that a streaming response can yield the lines."""

    def __init__(self, out: Any, **fmtparams: Any) -> None:
        self._writer = csv.writer(out, **fmtparams)

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow([csv_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: Any, **fmtparams: Any) -> InertCsvWriter:
    """A CSV writer on ``out`` (anything with ``write``) taking ``csv.writer``'s format parameters."""
    return InertCsvWriter(out, **fmtparams)
