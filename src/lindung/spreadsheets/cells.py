"""A spreadsheet cell as people type it, read into text, a date or yes/no, or one sentence saying why not.

Every reader here returns the value or raises ``CellError``; the caller puts the sentence next to the cell's
column. What a cell *means* (a NIK, an income, a category) is the feature's; this is only how cells are read.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils.translation import gettext

_SPACES = re.compile(r"\s+")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
_NAMED_DATE = re.compile(r"^(\d{1,2})[\s\-/.]+([^\W\d_]+)\.?[\s\-/.]+(\d{4})$")
_MONTHS = {
    # Indonesian full and short names, and the English ones that differ.
    **dict.fromkeys(("januari", "jan", "january"), 1),
    **dict.fromkeys(("februari", "feb", "pebruari", "peb", "february"), 2),
    **dict.fromkeys(("maret", "mar", "march"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    **dict.fromkeys(("mei", "may"), 5),
    **dict.fromkeys(("juni", "jun", "june"), 6),
    **dict.fromkeys(("juli", "jul", "july"), 7),
    **dict.fromkeys(("agustus", "agu", "agt", "ags", "aug", "august"), 8),
    **dict.fromkeys(("september", "sep", "sept"), 9),
    **dict.fromkeys(("oktober", "okt", "oct", "october"), 10),
    **dict.fromkeys(("november", "nov", "nop", "nopember"), 11),
    **dict.fromkeys(("desember", "des", "dec", "december"), 12),
}
_YES = frozenset(("ya", "y", "yes", "v", "x", "1", "true", "benar"))
_NO = frozenset(("", "tidak", "t", "no", "n", "0", "false"))
# What people put before a long number so that the spreadsheet keeps it as text.
TEXT_MARKS = "'\u2019`"


class CellError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def text(cell: Any) -> str:
    """A cell as trimmed text with single spaces; whole numbers without ``.0``; dates as ``dd/mm/yyyy``."""
    if type(cell) is str:
        # The common case first, without a regex: ``split()`` splits on the same Unicode white space as \s.
        return " ".join(cell.split())
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime | dt.date):
        return f"{cell:%d/%m/%Y}"
    return _SPACES.sub(" ", str(cell)).strip()


def is_number(cell: Any) -> bool:
    """A number cell (not a yes/no one): a long number in it has lost its last digits (15 significant)."""
    # Text first, without a call's worth of checks: most cells of an upload are text.
    return type(cell) is not str and isinstance(cell, int | float) and not isinstance(cell, bool)


def required_text(cell: Any, *, max_length: int) -> str:
    value = text(cell)
    if not value:
        raise CellError(gettext("This field is required."))
    return limited(value, max_length=max_length)


def limited(value: str, *, max_length: int) -> str:
    """Free text within ``max_length``, without control characters (a name or an address never has one;
    they come from pasted binary or broken encodings, and would be stored and shown as they are)."""
    if len(value) > max_length:
        raise CellError(
            gettext("At most %(limit)d characters; this value has %(count)d.")
            % {"limit": max_length, "count": len(value)}
        )
    if not value.isprintable():
        raise CellError(gettext("This value holds a control character; retype it."))
    return value


def as_text_hint() -> str:
    """What to do about a long number that arrived as a number cell."""
    return gettext("Format the column as Text in the spreadsheet before typing or pasting the numbers.")


def clean_date(cell: Any) -> dt.date:
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    if is_number(cell) and 1 <= cell < 100_000:
        # A date cell stored without its date format: Excel's day count (1900 system).
        return _EXCEL_EPOCH + dt.timedelta(days=int(cell))
    value = text(cell)
    if not value:
        raise CellError(gettext("This field is required."))
    try:
        if len(value) == 10 and value[2] == value[5] == "/" and value.replace("/", "").isdigit():
            # dd/mm/yyyy, by far the most common spelling, without a regex.
            return dt.date(int(value[6:]), int(value[3:5]), int(value[:2]))
        if match := _NUMERIC_DATE.match(value):
            day, month, year = (int(part) for part in match.groups())
            return dt.date(year, month, day)
        if match := _ISO_DATE.match(value):
            year, month, day = (int(part) for part in match.groups())
            return dt.date(year, month, day)
        if (match := _NAMED_DATE.match(value)) and match.group(2).casefold() in _MONTHS:
            return dt.date(int(match.group(3)), _MONTHS[match.group(2).casefold()], int(match.group(1)))
    except ValueError:
        raise CellError(gettext("%(value)s is not a real date.") % {"value": value}) from None
    raise CellError(
        gettext("Write the date as day/month/year, for example 17/05/1980 or 17 Mei 1980; not %(value)s.")
        % {"value": value}
    )


def clean_yes_no(cell: Any) -> bool:
    """A yes/no cell: ``ya``/``x``/``1`` means yes, empty or ``tidak`` means no."""
    value = text(cell).casefold()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise CellError(gettext("Write ya or leave the cell empty; not %(value)s.") % {"value": text(cell)})
