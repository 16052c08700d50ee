"""Numbers as Lindung writes them, in the reader's language: in Indonesian thousands grouped with dots and
decimals after a comma (300.000; 1,5), in English the other way round (300,000; 1.5), as Django's formats of
each language say (``lindung/formats``). The rupiah filters (``web/templatetags/humanize_id``) write money
with them. What people type is read the Indonesian way (``parse_rupiah``), whatever the language.
At the bottom of the house: imports nothing of Lindung's.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.utils import translation

_TO_INDONESIAN = str.maketrans({",": ".", ".": ","})
# 184.363.200 (dots between thousands) or 184363200; ASCII digits only (``str.isdigit`` takes "²").
_GROUPED = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+")
_CURRENCY = re.compile(r"rp\.?", re.IGNORECASE)
# What people add after the rupiah: nothing of value (",00", ",-").
_NO_CENTS = re.compile(r",(?:0{1,2}|-)$")
# Longer than 100 trillion written with dots, the currency and cents: no amount people type is longer.
_MAX_TYPED = 40


def _english() -> bool:
    """English pages write numbers the English way; everything else (Indonesian, no language) the Indonesian."""
    return (translation.get_language() or "").split("-")[0] == "en"


def grouped(value: int) -> str:
    """A whole number with its thousands grouped: 300000 → ``300.000`` (English: ``300,000``)."""
    return f"{value:,}" if _english() else f"{value:,}".replace(",", ".")


def grouped_as_typed(value: int) -> str:
    """A whole number as a form box shows it to be typed back: always with dots (300.000), the way
    ``parse_rupiah`` reads amounts in either language (a comma there reads as a decimal)."""
    return f"{value:,}".replace(",", ".")


def decimal(value: float | Decimal, places: int = 1) -> str:
    """A number with ``places`` decimals and its thousands grouped: 1234.5 → ``1.234,5`` (English: ``1,234.5``)."""
    written = f"{value:,.{places}f}"
    return written if _english() else written.translate(_TO_INDONESIAN)


def rupiah(value: int | None) -> str:
    """Money: 12345678 → ``Rp 12.345.678``, in English ``Rp 12,345,678`` (empty for None)."""
    return "" if value is None else f"Rp {grouped(int(value))}"


def rupiah_number(value: int | None) -> str:
    """A count or an amount without its currency: 12345678 → ``12.345.678`` / ``12,345,678`` (empty for None)."""
    return "" if value is None else grouped(int(value))


def parse_rupiah(text: str) -> int | None:
    """An amount as Indonesians type it, or None when it is not one.

    Taken: ``184363200``, ``184.363.200``, ``Rp 184.363.200``, ``Rp184.363.200,00``, ``Rp. 5.000,-`` and a
    leading minus (``-5``, ``Rp -5``: the caller says that an amount cannot be negative). Refused: dots that do
    not group thousands (``1.5``, ``18.43``), cents (``5.000,50``), commas between thousands (``184,363,200``,
    which reads as a decimal in Indonesian), other digits than ASCII, anything longer than 40 characters.
    """
    if not isinstance(text, str) or len(text) > _MAX_TYPED:
        return None
    rest = text.strip()
    negative = rest.startswith("-")
    rest = rest.removeprefix("-").lstrip()
    if match := _CURRENCY.match(rest):
        rest = rest[match.end() :].lstrip()
    if not negative and rest.startswith("-"):
        negative, rest = True, rest[1:].lstrip()
    rest = _NO_CENTS.sub("", rest)
    if not _GROUPED.fullmatch(rest):
        return None
    amount = int(rest.replace(".", ""))
    return -amount if negative else amount
