"""Turning a cell as people type it into the value the registry stores, or one sentence saying why not.

Each ``clean_*`` returns the value or raises ``CellError``. The checks the registry owns (the NIK's
structure, the phone number, the identity against the NIK) are the registry's own functions.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from django.utils.translation import gettext
from lokal.provinces import PROVINCES

from lindung.numbers import grouped
from lindung.workers.models import HeirRelation, OccupationCategory, Sex
from lindung.workers.nik import NikInfo, parse_nik
from lindung.workers.phone import phone_normalise

_SPACES = re.compile(r"\s+")
_NUMBER_SEPARATORS = re.compile(r"[\s.\-]")
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
_SEXES = {
    **dict.fromkeys(("L", "LK", "LAKI-LAKI", "LAKI LAKI", "LAKILAKI", "LAKI", "PRIA", "M", "MALE"), Sex.MALE),
    **dict.fromkeys(("P", "PR", "PEREMPUAN", "WANITA", "W", "F", "FEMALE"), Sex.FEMALE),
}
_RELATIONS = {
    **dict.fromkeys(("pasangan", "suami", "istri", "isteri", "suami/istri", "spouse"), HeirRelation.SPOUSE),
    **dict.fromkeys(("anak", "anak kandung", "child"), HeirRelation.CHILD),
    **dict.fromkeys(("orang tua", "orang_tua", "ayah", "ibu", "bapak", "parent"), HeirRelation.PARENT),
    **dict.fromkeys(("cucu", "grandchild"), HeirRelation.GRANDCHILD),
    **dict.fromkeys(("kakek", "nenek", "kakek/nenek", "kakek_nenek", "grandparent"), HeirRelation.GRANDPARENT),
    **dict.fromkeys(("saudara", "kakak", "adik", "saudara kandung", "sibling"), HeirRelation.SIBLING),
    **dict.fromkeys(("mertua", "parent-in-law"), HeirRelation.IN_LAW),
    **dict.fromkeys(("wasiat", "penerima wasiat"), HeirRelation.WILL),
}


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


def _as_text_hint() -> str:
    return gettext("Format the column as Text in the spreadsheet before typing or pasting the numbers.")


def clean_nik(cell: Any, *, today: dt.date) -> NikInfo:
    """A valid NIK's parse. A number cell is refused: a spreadsheet keeps only 15 significant digits."""
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        shown = f"{cell:.5E}" if cell >= 1e15 else text(cell)
        issue = parse_nik(shown, today=today)
        message = issue.errors[0].message if issue.errors and issue.errors[0].code == "format_scientific" else ""
        message = message or (
            gettext("%(value)s is a NIK that a spreadsheet turned into a number: its last digits are lost.")
            % {"value": text(cell)}
        )
        raise CellError(f"{message} {_as_text_hint()}")
    value = text(cell).lstrip("'\u2019`")
    if not value:
        raise CellError(gettext("This field is required."))
    quick = _nik_quick(value, today)
    if quick is not None:
        return quick
    info = parse_nik(value, today=today)
    if not info.valid or info.nik is None:
        messages = [issue.message for issue in info.errors]
        if any(issue.code == "format_scientific" for issue in info.errors):
            messages.append(_as_text_hint())
        raise CellError(" ".join(messages))
    return info


_NIK_SEPARATORS = str.maketrans("", "", " .-")


def _nik_quick(value: str, today: dt.date) -> NikInfo | None:
    """A valid NIK's parse without the region-name look-ups ``parse_nik`` makes; ``None`` for anything that is
    not plainly valid, which ``parse_nik`` then explains. The checks are ``parse_nik``'s errors, one by one."""
    digits = value.translate(_NIK_SEPARATORS)
    if len(digits) != 16 or not digits.isascii() or not digits.isdigit():
        return None
    if digits[0:2] not in PROVINCES or digits[2:4] == "00" or digits[4:6] == "00" or digits[12:] == "0000":
        return None
    day, month, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    sex: Literal["L", "P"] = "L"
    if day > 40:
        day, sex = day - 40, "P"
    year = 2000 + yy if yy <= today.year % 100 else 1900 + yy
    try:
        birth_date = dt.date(year, month, day)
    except ValueError:
        return None
    if birth_date > today:
        return None
    return NikInfo(nik=digits, valid=True, birth_date=birth_date, sex=sex)


def clean_kk(cell: Any) -> str:
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        raise CellError(
            gettext("The family card (KK) number arrived as a number and its last digits may be lost.")
            + " "
            + _as_text_hint()
        )
    value = _NUMBER_SEPARATORS.sub("", text(cell).lstrip("'\u2019`"))
    if value and not (len(value) == 16 and value.isdigit()):
        raise CellError(gettext("The family card (KK) number must be exactly 16 digits."))
    return value


def clean_date(cell: Any) -> dt.date:
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    if isinstance(cell, int | float) and not isinstance(cell, bool) and 1 <= cell < 100_000:
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


def clean_sex(cell: Any) -> str:
    value = text(cell)
    if not value:
        raise CellError(gettext("This field is required."))
    sex = _SEXES.get(value.upper())
    if sex is None:
        raise CellError(gettext("Write L (male) or P (female); not %(value)s.") % {"value": value})
    return str(sex)


def clean_phone(cell: Any) -> str:
    value = text(cell).lstrip("'\u2019`")
    # A spreadsheet drops the leading 0 of a number cell: 81234567890 was 081234567890.
    if isinstance(cell, int | float) and value.startswith("8"):
        value = "0" + value
    try:
        return phone_normalise(value)
    except Exception as exc:  # ValidationError: its first message is the sentence to show
        messages = getattr(exc, "messages", [str(exc)])
        raise CellError(messages[0]) from None


_YES = frozenset(("ya", "y", "yes", "v", "x", "1", "true", "benar"))
_NO = frozenset(("", "tidak", "t", "no", "n", "0", "false"))
_RUPIAH_SEPARATORS = str.maketrans("", "", " .,")


def clean_income(cell: Any, *, minimum: int) -> int:
    """Declared monthly income in whole rupiah (``1.500.000``, ``Rp 1,500,000`` or a number cell), at least
    ``minimum`` (the rule the registration form applies); an empty cell is the minimum, as the form proposes."""
    if isinstance(cell, bool):
        raise CellError(gettext("Write the declared monthly income in rupiah, for example 1000000."))
    if isinstance(cell, int | float):
        if not float(cell).is_integer():
            raise CellError(gettext("Write the declared monthly income in whole rupiah, without cents."))
        income = int(cell)
    else:
        value = text(cell)
        if not value:
            return minimum  # what the registration form fills in: the government package's income
        digits = value.casefold().removeprefix("rp").translate(_RUPIAH_SEPARATORS)
        if not digits.isascii() or not digits.isdigit():
            raise CellError(gettext("Write the declared monthly income in rupiah, for example 1000000."))
        income = int(digits)
    if income < minimum:
        # The registration form's sentence.
        raise CellError(
            gettext("The declared income must be at least Rp %(minimum)s a month.") % {"minimum": grouped(minimum)}
        )
    return income


def clean_confirmation(cell: Any) -> bool:
    """A yes/no cell: ``ya``/``x``/``1`` means yes, empty or ``tidak`` means no."""
    value = text(cell).casefold()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise CellError(gettext("Write ya or leave the cell empty; not %(value)s.") % {"value": text(cell)})


def clean_heir_nik(cell: Any, *, today: dt.date) -> str:
    """An heir's NIK, optional; checked as the registration form checks it."""
    if cell is None or cell == "":
        return ""
    return clean_nik(cell, today=today).nik or ""


def clean_relation(cell: Any) -> str:
    value = text(cell)
    relation = _RELATIONS.get(value.casefold()) or (value if value in HeirRelation.values else None)
    if relation is None:
        choices = ", ".join(str(label) for label in HeirRelation.labels)
        raise CellError(
            gettext("Unknown relation %(value)s; write one of: %(choices)s.") % {"value": value, "choices": choices}
        )
    return str(relation)


def category_index() -> dict[str, int]:
    """Active categories by code and by name, case-insensitively, underscores read as spaces."""
    index: dict[str, int] = {}
    for pk, code, name in OccupationCategory.objects.filter(active=True).values_list("pk", "code", "name"):
        index.setdefault(_category_key(code), pk)
        index.setdefault(_category_key(name), pk)
    return index


def _category_key(value: str) -> str:
    return _SPACES.sub(" ", value.casefold().replace("_", " ")).strip()


def clean_category(cell: Any, index: dict[str, int]) -> int:
    value = text(cell)
    if not value:
        raise CellError(gettext("This field is required."))
    pk = index.get(_category_key(value))
    if pk is None:
        raise CellError(
            gettext(
                "Unknown category %(value)s: use a category code or name listed in the template's explanation sheet."
            )
            % {"value": value}
        )
    return pk
