"""The template's cells as people type them, read into the values the registry stores, or one sentence saying
why not.

Each ``clean_*`` returns the value or raises ``CellError``. How a cell is read in general (text, dates, yes/no)
is ``lindung.spreadsheets.cells``'; the registry's rules (the NIK's structure, the phone number, the KK number,
the minimum income) and their sentences are the registry's own (``lindung.workers``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext

from lindung.spreadsheets.cells import TEXT_MARKS, CellError, as_text_hint, is_number, text
from lindung.workers.models import HeirRelation, Sex
from lindung.workers.nik import nik_from_cell
from lindung.workers.occupations import occupation_category_id
from lindung.workers.phone import phone_normalise
from lindung.workers.registration import income_problem, kk_normalise, kk_problem

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


def clean_kk(cell: Any) -> str:
    if is_number(cell):
        raise CellError(
            gettext("The family card (KK) number arrived as a number and its last digits may be lost.")
            + " "
            + as_text_hint()
        )
    value = kk_normalise(text(cell).lstrip(TEXT_MARKS))
    if problem := kk_problem(value):
        raise CellError(problem)
    return value


def clean_sex(cell: Any) -> str:
    value = text(cell)
    if not value:
        raise CellError(gettext("This field is required."))
    sex = _SEXES.get(value.upper())
    if sex is None:
        raise CellError(gettext("Write L (male) or P (female); not %(value)s.") % {"value": value})
    return str(sex)


def clean_phone(cell: Any) -> str:
    value = text(cell).lstrip(TEXT_MARKS)
    # A spreadsheet drops the leading 0 of a number cell: 81234567890 was 081234567890.
    if isinstance(cell, int | float) and value.startswith("8"):
        value = "0" + value
    try:
        return phone_normalise(value)
    except Exception as exc:  # ValidationError: its first message is the sentence to show
        messages = getattr(exc, "messages", [str(exc)])
        raise CellError(messages[0]) from None


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
    if problem := income_problem(income, minimum=minimum):
        raise CellError(problem)
    return income


def clean_heir_nik(cell: Any, *, today: dt.date) -> str:
    """An heir's NIK, optional; checked as the registration form checks it."""
    if cell is None or cell == "":
        return ""
    return nik_from_cell(cell, today=today).nik or ""


def clean_relation(cell: Any) -> str:
    value = text(cell)
    relation = _RELATIONS.get(value.casefold()) or (value if value in HeirRelation.values else None)
    if relation is None:
        choices = ", ".join(str(label) for label in HeirRelation.labels)
        raise CellError(
            gettext("Unknown relation %(value)s; write one of: %(choices)s.") % {"value": value, "choices": choices}
        )
    return str(relation)


def clean_category(cell: Any, index: dict[str, int]) -> int:
    """The category of a cell: its code or name, or an occupation of the synonyms file, read by the registry's
    one rule (``lindung.workers.occupations``, the registration form's too); ``index`` is its
    ``active_occupation_index``, built once per upload."""
    value = text(cell)
    if not value:
        raise CellError(gettext("This field is required."))
    pk = occupation_category_id(value, index)
    if pk is None:
        raise CellError(
            gettext(
                "Unknown category %(value)s: use a category code or name, or an occupation, listed in the template's "
                "explanation sheet."
            )
            % {"value": value}
        )
    return pk


_NOTICE_VERSION = re.compile(r"^(?:v|versi|version)?\s*([0-9]{1,5})$", re.IGNORECASE)


def clean_notice_version(cell: Any, *, versions: Mapping[int, int], problem: str) -> int:
    """The id of the privacy notice the row says the person was given ("1", "v1", "versi 1"): a version
    ``versions`` holds (``privacy_notices.selectors.notices_given_by_version``), else ``problem``."""
    match = _NOTICE_VERSION.match(text(cell))
    notice_id = versions.get(int(match.group(1))) if match else None
    if notice_id is None:
        raise CellError(problem)
    return notice_id
