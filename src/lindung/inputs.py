"""The ranges of the values people type and URLs carry: dates, months, rupiah, counts, ids, keys and text.

Written once here and used by every form and view that reads such a value, so that an absurd value gets a
message in the user's language (a form field) or is ignored (a query parameter), and never reaches a date
calculation, a query or a column it cannot fit. A bottom layer: it imports no feature app.

- Dates and months of the programme era (coverage, contributions, payments, claims, the audit log): the
  years 2000 to 2100. Python's dates end in 9999, so a month after 9999-12 or a day after 9999-12-31, which
  every period calculation asks for, does not exist.
- Birth dates: 1 January 1900 to today.
- Rupiah: whole numbers, never negative, at most Rp 100 trillion (10**14): above any regional budget and far
  below the 9.2 * 10**18 a bigint column holds, so that sums of many amounts fit too. Typed as Indonesians
  write them (``184.363.200``, ``Rp 184.363.200``, ``184363200``: ``numbers.parse_rupiah``), shown back with
  dots between thousands.
- Workers (a what-if's head count): at most 100 million.
- Ids: ASCII digits, 1 to 2**63 - 1 (a bigint key). ``str.isdigit`` also takes "²", which ``int`` refuses.
- Keys of rows chosen in a form: what their column can hold, checked before the database is asked
  (PostgreSQL refuses a NUL character in text and an integer beyond its column's range with an error).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lindung.numbers import grouped, grouped_as_typed, parse_rupiah, rupiah

FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)
FIRST_BIRTH_DATE = dt.date(1900, 1, 1)
MAX_RUPIAH = 10**14
MAX_WORKERS = 100_000_000
MAX_ID = 2**63 - 1

_ID = re.compile(r"[0-9]{1,19}")
_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")

Day = dt.date | Callable[[], dt.date]


def _day(value: Day) -> dt.date:
    return value() if callable(value) else value


def in_era(day: dt.date) -> bool:
    """``day`` lies in the years the programmes run in (2000 to 2100)."""
    return FIRST_DAY <= day <= LAST_DAY


def rupiah_text(amount: int) -> str:
    """``Rp 100.000.000.000.000``: dots between thousands, as Lindung writes money in either language."""
    return rupiah(amount)


# The messages of the form fields below, for the services that check the same rules (a command, a future API).


def era_refusal(day: dt.date) -> str | None:
    """Why ``day`` is refused as a date of the programme era, or None when it is one."""
    if in_era(day):
        return None
    return gettext("Enter a date from %(first)s to %(last)s.") % {"first": _shown(FIRST_DAY), "last": _shown(LAST_DAY)}


def month_refusal(month: dt.date) -> str | None:
    """Why ``month`` is refused as a month of the programme era, or None when it is one."""
    if in_era(month):
        return None
    return gettext("Enter a month from %(first)s to %(last)s.") % {
        "first": f"{FIRST_DAY:%Y-%m}",
        "last": f"{LAST_DAY:%Y-%m}",
    }


def rupiah_refusal(amount: int) -> str | None:
    """Why ``amount`` is refused as an amount of rupiah (more than Rp 100 trillion), or None when it is one."""
    if amount <= MAX_RUPIAH:
        return None
    return gettext("An amount is at most %(limit)s.") % {"limit": rupiah_text(MAX_RUPIAH)}


# --- query parameters: a value that is absent, malformed or out of range is None (the page ignores it) ---------


def plain_text(value: Any, *, max_length: int = 100) -> str:
    """``value`` as stripped text; "" when it is not text, longer than ``max_length`` or holds a NUL."""
    if not isinstance(value, str) or len(value) > max_length or "\x00" in value:
        return ""
    return value.strip()


def query_value(query: Mapping[str, Any], name: str, *, max_length: int = 100) -> str:
    """The parameter ``name`` as ``plain_text`` (a repeated parameter gives its last value, as Django's
    ``QueryDict.get`` does)."""
    return plain_text(query.get(name, ""), max_length=max_length)


def parse_id(value: str) -> int | None:
    """An id written in ASCII digits, 1 to 2**63 - 1."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


def parse_date(value: str, *, first: Day = FIRST_DAY, last: Day = LAST_DAY) -> dt.date | None:
    """A day written YYYY-MM-DD, within ``first``..``last`` (the programme era unless said)."""
    match = _DAY.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        return None
    try:
        day = dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None
    return day if _day(first) <= day <= _day(last) else None


def parse_month(value: str, *, first: Day = FIRST_DAY, last: Day = LAST_DAY) -> dt.date | None:
    """A month written YYYY-MM, as its first day, within ``first``..``last`` (the programme era unless said)."""
    match = _MONTH.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        return None
    year, month = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        return None
    day = dt.date(year, month, 1) if year >= 1 else None
    return day if day is not None and _day(first).replace(day=1) <= day <= _day(last) else None


# --- form fields -----------------------------------------------------------------------------------------------


def _shown(day: dt.date) -> str:
    return day.isoformat()


class DateField(forms.DateField):
    """A date from ``first`` to ``last`` (a date, or a callable such as ``timezone.localdate``); the programme
    era unless said. A date outside is refused with a message naming the range, never quoting the value."""

    default_error_messages = {"range": _("Enter a date from %(first)s to %(last)s.")}

    def __init__(self, *, first: Day = FIRST_DAY, last: Day = LAST_DAY, **kwargs: Any) -> None:
        self.first, self.last = first, last
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        if getattr(widget, "input_type", "") == "date":
            # The browser's date picker keeps to the range too; a "today" limit would go stale, so only fixed ones.
            for name, limit in (("min", self.first), ("max", self.last)):
                if not callable(limit):
                    attrs.setdefault(name, limit.isoformat())
        return attrs

    def validate(self, value: Any) -> None:
        super().validate(value)
        first, last = _day(self.first), _day(self.last)
        if value is not None and not first <= value <= last:
            raise ValidationError(
                self.error_messages["range"], code="range", params={"first": _shown(first), "last": _shown(last)}
            )


class BirthDateField(DateField):
    """A date of birth: 1 January 1900 to today."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(first=FIRST_BIRTH_DATE, last=timezone.localdate, **kwargs)


class MonthInput(forms.TextInput):
    """The browser's month picker (a text box taking YYYY-MM where there is none)."""

    input_type = "month"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"placeholder": "YYYY-MM", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, dt.date):
            return f"{value:%Y-%m}"
        return super().format_value(value)


class MonthField(forms.Field):
    """A month written YYYY-MM, cleaned to its first day, within the programme era unless said."""

    widget = MonthInput
    default_error_messages = {
        "invalid": _("Write the month as YYYY-MM, for example 2026-03."),
        "range": _("Enter a month from %(first)s to %(last)s."),
    }

    def __init__(self, *, first: dt.date = FIRST_DAY, last: dt.date = LAST_DAY, **kwargs: Any) -> None:
        self.first, self.last = first.replace(day=1), last.replace(day=1)
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {**super().widget_attrs(widget), "min": f"{self.first:%Y-%m}", "max": f"{self.last:%Y-%m}"}

    def to_python(self, value: Any) -> dt.date | None:
        if isinstance(value, dt.date):
            return value.replace(day=1)
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            return None
        # Any month, so that one outside the era gets the range message rather than "write it as YYYY-MM".
        month = parse_month(text, first=dt.date.min, last=dt.date.max)
        if month is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return month

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None and not self.first <= value <= self.last:
            params = {"first": f"{self.first:%Y-%m}", "last": f"{self.last:%Y-%m}"}
            raise ValidationError(self.error_messages["range"], code="range", params=params)


class BoundedIntegerField(forms.IntegerField):
    """A whole number from ``min_value`` to ``max_value``; the maximum's message names it with dots between
    thousands (``limit`` in the message) however large it is."""

    # Django's own message (and translation); the fields below name the limit in their own words.
    default_error_messages = {"max_value": _("Ensure this value is less than or equal to %(limit_value)s.")}

    def __init__(self, *, min_value: int, max_value: int, **kwargs: Any) -> None:
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        # Before Django's own validators, whose message would print the limit without grouping.
        if value is not None and self.max_value is not None and value > self.max_value:
            limit = self._limit_text()
            raise ValidationError(
                self.error_messages["max_value"], code="max_value", params={"limit": limit, "limit_value": limit}
            )

    def _limit_text(self) -> str:
        limit = self.max_value() if callable(self.max_value) else self.max_value
        return grouped(int(limit or 0))


class RupiahInput(forms.TextInput):
    """A text box for an amount: a number box (``type="number"``) would refuse the dots people type, and shows
    an amount it was given (not typed) with dots between thousands, in English too: the box is read back the
    Indonesian way (``parse_rupiah``), where a comma is a decimal."""

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, int) and not isinstance(value, bool):
            return grouped_as_typed(value)
        return super().format_value(value)


class RupiahField(BoundedIntegerField):
    """An amount of rupiah: a whole number from ``min_value`` (0 unless said) to Rp 100 trillion, typed as
    Indonesians write it (``184.363.200``, ``Rp 184.363.200``, ``184363200``); every money field of a form is
    one, so that every page takes and refuses the same amounts with the same sentence."""

    widget = RupiahInput
    default_error_messages = {
        "invalid": _("Write the amount in whole rupiah, for example 184.363.200 or Rp 184.363.200."),
        "min_value": _("The amount cannot be negative."),
        "max_value": _("An amount is at most %(limit)s."),
    }

    def __init__(self, *, min_value: int = 0, max_value: int = MAX_RUPIAH, **kwargs: Any) -> None:
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        amount = parse_rupiah(value) if isinstance(value, str) else None
        if amount is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return amount

    def _limit_text(self) -> str:
        return rupiah_text(MAX_RUPIAH if callable(self.max_value) or self.max_value is None else self.max_value)


class WorkersField(BoundedIntegerField):
    """A number of workers: 0 to 100 million."""

    default_error_messages = {
        "invalid": _("Write the number of workers as a whole number."),
        "min_value": _("The number of workers cannot be negative."),
        "max_value": _("A number of workers is at most %(limit)s."),
    }

    def __init__(self, *, min_value: int = 0, max_value: int = MAX_WORKERS, **kwargs: Any) -> None:
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)


class IdField(BoundedIntegerField):
    """A row's id carried by a page (a hidden field): 1 to 2**63 - 1."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


def key_fits(model: type[models.Model], field_name: str | None, value: Any) -> bool:
    """``value`` could be the key ``field_name`` (the primary key when None) of a ``model`` row: ASCII digits
    within a bigint for an integer key, text without NUL and within the column's length for a text key."""
    if isinstance(value, models.Model):
        return True
    try:
        field = model._meta.get_field(field_name) if field_name else model._meta.pk
    except FieldDoesNotExist:
        return True
    text = str(value)
    if isinstance(field, models.IntegerField | models.AutoField):
        return parse_id(text.strip()) is not None
    if "\x00" in text:
        return False
    max_length = getattr(field, "max_length", None)
    return max_length is None or len(text) <= max_length


class KeyChoiceField(forms.ModelChoiceField):
    """A choice of one row; a key its column cannot hold is an invalid choice without asking the database."""

    def to_python(self, value: Any) -> Any:
        queryset = self.queryset
        if value in self.empty_values or queryset is None:
            return super().to_python(value)
        if not key_fits(queryset.model, self.to_field_name, value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class KeysChoiceField(forms.ModelMultipleChoiceField):
    """A choice of rows; a key its column cannot hold is refused without asking the database."""

    def clean(self, value: Any) -> Any:
        if isinstance(value, list | tuple) and self.queryset is not None:
            for key in value:
                if not key_fits(self.queryset.model, self.to_field_name, key):
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": "…"}
                    )
        return super().clean(value)
