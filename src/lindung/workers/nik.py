"""Parsing and validating a NIK (Nomor Induk Kependudukan), see RULES.md §5.

``PP RR DD DDMMYY SSSS``: province, regency/city, district where the NIK was first issued, birth date
(day + 40 for women) and serial. The checks come from ``lokal-id``; this module adds the checks it lacks
(a birth date in the future, separate regency and district messages) and messages in our languages.

A valid structure does not prove that the NIK exists, nor where its holder lives now. ``nik_from_cell`` reads
a NIK from a spreadsheet cell (the import's and BPJS's answer's), refusing what a spreadsheet has mangled.

Issue codes: ``format``, ``format_characters``, ``format_scientific``, ``province``, ``regency``,
``district``, ``birth_date``, ``birth_date_future``, ``serial`` (errors) and ``wilayah_unknown`` (warning).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal, NamedTuple

from django.utils import timezone
from django.utils.translation import gettext
from lokal.nik import parse_nik as lokal_parse_nik
from lokal.provinces import PROVINCES
from lokal.wilayah import wilayah_name

from lindung.spreadsheets.cells import TEXT_MARKS, CellError, as_text_hint, is_number, text

Sex = Literal["L", "P"]

_DIGIT = re.compile(r"[0-9]")
_SEPARATOR = re.compile(r"[\s.\-]")
# What Excel shows for a 16-digit number: "6.10101E+15", "6,10102E+15".
_SCIENTIFIC = re.compile(r"^\s*\d+(?:[.,]\d+)?[eE]\+?\d+\s*$")


@dataclass(frozen=True)
class NikIssue:
    code: str
    params: Mapping[str, str | int] = field(default_factory=dict, hash=False)

    @property
    def message(self) -> str:
        # Rendered on access, so the language active at display time wins, not the one at parse time.
        return _message(self.code) % self.params

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class NikInfo:
    nik: str | None
    valid: bool
    province_code: str | None = None
    regency_code: str | None = None
    district_code: str | None = None
    province_name: str | None = None
    regency_name: str | None = None
    district_name: str | None = None
    birth_date: datetime.date | None = None
    sex: Sex | None = None
    serial: str | None = None
    errors: list[NikIssue] = field(default_factory=list, hash=False)
    warnings: list[NikIssue] = field(default_factory=list, hash=False)


def _message(code: str) -> str:
    # Literal gettext calls, one per message, so that makemessages finds every msgid.
    match code:
        case "format":
            return gettext("The NIK must be exactly 16 digits; this one has %(count)d.")
        case "format_characters":
            return gettext('The NIK may contain only digits, spaces, dots and dashes; this one contains "%(chars)s".')
        case "format_scientific":
            return gettext(
                "%(value)s is a NIK that a spreadsheet turned into a number: its last digits are lost "
                "and cannot be recovered. Copy the NIK again from the KTP or the family card (KK)."
            )
        case "province":
            return gettext("The province code %(code)s (digits 1–2) is not a known Indonesian province.")
        case "regency":
            return gettext("The regency/city code (digits 3–4) must not be 00.")
        case "district":
            return gettext("The district code (digits 5–6) must not be 00.")
        case "birth_date":
            return gettext(
                "The birth date in the NIK (digits 7–12: %(digits)s) is not a real date: day %(day)d, "
                "month %(month)d, year %(year)d. The day is 01–31 for men and 41–71 for women (day + 40)."
            )
        case "birth_date_future":
            return gettext("The birth date in the NIK (%(date)s) is in the future.")
        case "serial":
            return gettext("The serial number (last 4 digits) must not be 0000; serials start at 0001.")
        case "wilayah_unknown":
            return gettext(
                "Region code %(code)s is not in the current Kemendagri data. It may be an old code from "
                "before a region split: a NIK keeps the code of the place where it was first issued, "
                "so it does not prove current domicile."
            )
    raise ValueError(f"unknown NIK issue code {code!r}")


def _format_error(value: str) -> NikIssue:
    if _SCIENTIFIC.match(value):
        return NikIssue("format_scientific", {"value": value.strip()})
    others = "".join(dict.fromkeys(_DIGIT.sub("", _SEPARATOR.sub("", value))))
    if others:
        return NikIssue("format_characters", {"chars": others})
    return NikIssue("format", {"count": len(_DIGIT.findall(value))})


def parse_nik(value: str, *, today: datetime.date | None = None) -> NikInfo:
    """Parse and check a NIK; spaces, dots and dashes between the digits are ignored.

    ``today`` (default: today in the installation's time zone) decides the century of the birth year
    and rejects birth dates in the future.
    """
    today = today or timezone.localdate()
    raw = lokal_parse_nik(value, lookup_wilayah=wilayah_name, reference_date=today)
    if raw.nik is None:
        return NikInfo(nik=None, valid=False, errors=[_format_error(value)])

    digits = raw.nik
    errors: list[NikIssue] = []
    warnings: list[NikIssue] = []
    if raw.province is None:
        errors.append(NikIssue("province", {"code": digits[0:2]}))
    # lokal reports 00 regency and 00 district as one issue; a clerk needs to know which part is wrong.
    if digits[2:4] == "00":
        errors.append(NikIssue("regency"))
    if digits[4:6] == "00":
        errors.append(NikIssue("district"))

    birth_date = datetime.date.fromisoformat(raw.birth_date) if raw.birth_date else None
    if birth_date is None:
        day, month, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
        year = 2000 + yy if yy <= today.year % 100 else 1900 + yy
        errors.append(
            NikIssue(
                "birth_date",
                {"digits": digits[6:12], "day": day - 40 if day > 40 else day, "month": month, "year": year},
            )
        )
    elif birth_date > today:
        errors.append(NikIssue("birth_date_future", {"date": birth_date.isoformat()}))

    if raw.serial == "0000":
        errors.append(NikIssue("serial"))

    # Unknown names of a 00 code are already an error; warning about them as well would only add noise.
    if raw.province is not None and "00" not in (digits[2:4], digits[4:6]):
        if raw.regency is None:
            warnings.append(NikIssue("wilayah_unknown", {"code": raw.regency_code or ""}))
        elif raw.district is None:
            warnings.append(NikIssue("wilayah_unknown", {"code": raw.district_code or ""}))

    return NikInfo(
        nik=digits,
        valid=not errors,
        province_code=raw.province_code,
        regency_code=raw.regency_code,
        district_code=raw.district_code,
        province_name=raw.province,
        regency_name=raw.regency,
        district_name=raw.district,
        birth_date=birth_date,
        sex=raw.gender,
        serial=raw.serial,
        errors=errors,
        warnings=warnings,
    )


def nik_from_cell(cell: Any, *, today: datetime.date) -> NikInfo:
    """A valid NIK's parse from a spreadsheet cell, or ``CellError`` with every problem in one sentence.

    A number cell is refused whatever it shows: a spreadsheet keeps only 15 significant digits, so the last
    digits of a 16-digit NIK are gone and cannot be guessed. A leading apostrophe (typed to keep the number
    as text) is not part of the NIK.
    """
    if is_number(cell):
        shown = f"{cell:.5E}" if cell >= 1e15 else text(cell)
        issue = parse_nik(shown, today=today)
        message = issue.errors[0].message if issue.errors and issue.errors[0].code == "format_scientific" else ""
        message = message or (
            gettext("%(value)s is a NIK that a spreadsheet turned into a number: its last digits are lost.")
            % {"value": text(cell)}
        )
        raise CellError(f"{message} {as_text_hint()}")
    value = text(cell).lstrip(TEXT_MARKS)
    if not value:
        raise CellError(gettext("This field is required."))
    quick = _nik_quick(value, today)
    if quick is not None:
        return NikInfo(nik=quick.nik, valid=True, birth_date=quick.birth_date, sex=quick.sex)
    info = parse_nik(value, today=today)
    if not info.valid or info.nik is None:
        messages = [issue.message for issue in info.errors]
        if any(issue.code == "format_scientific" for issue in info.errors):
            messages.append(as_text_hint())
        raise CellError(" ".join(messages))
    return info


class NikIdentity(NamedTuple):
    """What a valid NIK says of its holder (``NikInfo``'s fields an upload's row needs, without its cost)."""

    nik: str
    birth_date: datetime.date
    sex: Sex


def nik_identity_from_cell(cell: Any, *, today: datetime.date) -> NikIdentity:
    """``nik_from_cell``, for a caller that needs only the NIK, birth date and sex (an upload: a million rows).

    The same rule and the same sentences: a plainly valid NIK typed as text is read directly (building a
    ``NikInfo``, a frozen dataclass of 13 fields, costs more than the checks), anything else goes through
    ``nik_from_cell``.
    """
    if type(cell) is str:
        quick = _nik_quick(text(cell).lstrip(TEXT_MARKS), today)
        if quick is not None:
            return quick
    info = nik_from_cell(cell, today=today)
    assert info.nik is not None and info.birth_date is not None and info.sex is not None  # valid
    return NikIdentity(info.nik, info.birth_date, info.sex)


_NIK_SEPARATORS = str.maketrans("", "", " .-")


def _nik_quick(value: str, today: datetime.date) -> NikIdentity | None:
    """A valid NIK's parse without the region-name look-ups ``parse_nik`` makes (an upload parses a million);
    ``None`` for anything that is not plainly valid, which ``parse_nik`` then explains. The checks are
    ``parse_nik``'s errors, one by one."""
    digits = value.translate(_NIK_SEPARATORS)
    if len(digits) != 16 or not digits.isascii() or not digits.isdigit():
        return None
    if digits[0:2] not in PROVINCES or digits[2:4] == "00" or digits[4:6] == "00" or digits[12:] == "0000":
        return None
    born = _nik_birth(digits[6:12], today)
    if born is None:
        return None
    return NikIdentity(digits, born[0], born[1])


@lru_cache(maxsize=65_536)  # DDMMYY: at most 36,600 birth dates a century, times two sexes
def _nik_birth(ddmmyy: str, today: datetime.date) -> tuple[datetime.date, Sex] | None:
    """Digits 7-12 of a NIK as (birth date, sex), or ``None`` when they are no date or a date after ``today``.
    Memoised: an upload's million NIKs share a few tens of thousands of these."""
    day, month, yy = int(ddmmyy[0:2]), int(ddmmyy[2:4]), int(ddmmyy[4:6])
    sex: Sex = "L"
    if day > 40:
        day, sex = day - 40, "P"
    year = 2000 + yy if yy <= today.year % 100 else 1900 + yy
    try:
        birth_date = datetime.date(year, month, day)
    except ValueError:
        return None
    if birth_date > today:
        return None
    return birth_date, sex


# A masked NIK keeps its first 4 digits (province and regency, which a list shows anyway) and its last 6 (the
# birth year's two digits and the serial): enough to tell apart the many workers whose NIKs end alike
# (``…800001``), and what the list's search takes (``worker_list``). The 6 digits in between (district, day
# and month of birth) stay hidden.
MASK_HEAD = 4
MASK_TAIL = 6


def nik_mask(nik: str) -> str:
    """``6101015705800001`` → ``6101******800001``: enough to tell NIKs apart in a list, not to use one.

    A value shorter than a NIK is hidden whole: keeping 4 + 6 of its characters would reveal most of it.
    """
    digits = _SEPARATOR.sub("", nik)
    if len(digits) < 16:
        return "*" * len(digits)
    return digits[:MASK_HEAD] + "*" * (len(digits) - MASK_HEAD - MASK_TAIL) + digits[-MASK_TAIL:]
