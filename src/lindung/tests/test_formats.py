"""One format per kind of date and the number separators, in each language (``lindung/formats``)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.formats import date_format

from lindung import numbers

DAY = dt.date(2026, 12, 5)
MOMENT = dt.datetime(2026, 12, 5, 4, 33)
PACKAGE = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("language", "day", "month", "moment", "time"),
    [
        ("id", "5 Des 2026", "Des 2026", "5 Des 2026 04.33", "04.33"),
        ("en", "5 Dec 2026", "Dec 2026", "5 Dec 2026 04:33", "04:33"),
    ],
)
def test_each_kind_of_date_has_one_form_per_language(language, day, month, moment, time):
    with translation.override(language):
        assert date_format(DAY, "DATE_FORMAT") == date_format(DAY, "SHORT_DATE_FORMAT") == day
        assert date_format(DAY, "YEAR_MONTH_FORMAT") == month
        assert date_format(MOMENT, "DATETIME_FORMAT") == date_format(MOMENT, "SHORT_DATETIME_FORMAT") == moment
        assert date_format(MOMENT, "TIME_FORMAT") == time


def test_english_dates_put_the_day_first_never_the_us_order():
    with translation.override("en"):
        shown = Template('{{ day|date:"DATE_FORMAT" }} {{ day|date:"SHORT_DATE_FORMAT" }}').render(
            Context({"day": dt.date(2026, 4, 12)})
        )
    assert shown == "12 Apr 2026 12 Apr 2026"


def test_a_month_range_reads_in_month_names():
    with translation.override("id"):
        shown = Template('{{ a|date:"YEAR_MONTH_FORMAT" }} – {{ b|date:"YEAR_MONTH_FORMAT" }}').render(
            Context({"a": dt.date(2026, 1, 1), "b": dt.date(2026, 12, 1)})
        )
    assert shown == "Jan 2026 – Des 2026"


@pytest.mark.parametrize(
    ("language", "whole", "money", "fraction"),
    [("id", "1.234.567", "Rp 1.234.567", "12,5"), ("en", "1,234,567", "Rp 1,234,567", "12.5")],
)
def test_numbers_and_money_follow_the_language(language, whole, money, fraction):
    with translation.override(language):
        assert numbers.grouped(1_234_567) == numbers.rupiah_number(1_234_567) == whole
        assert numbers.rupiah(1_234_567) == money
        assert numbers.decimal(12.5) == fraction
        # A form box shows an amount as it is typed back, which is read the Indonesian way in both languages.
        assert numbers.grouped_as_typed(1_234_567) == "1.234.567"
        assert numbers.parse_rupiah(numbers.grouped_as_typed(1_234_567)) == 1_234_567


# In a template, a date is shown by the name of its kind. A pattern is allowed only where a program reads it:
# an attribute (data-month="2026-03", a month box's value) or the machine form "c" (<time datetime>).
_PATTERN = re.compile(r"""\|date:(["'])(?P<format>[^"']+)\1""")
_NAMED = {"DATE_FORMAT", "SHORT_DATE_FORMAT", "YEAR_MONTH_FORMAT", "DATETIME_FORMAT", "SHORT_DATETIME_FORMAT", "c"}


def test_templates_show_dates_by_their_kind_not_by_a_pattern():
    wrong = []
    for template in PACKAGE.rglob("templates/**/*.html"):
        # A letter or a printed notice: its own forms, as letters write dates, in the document's language.
        if template.name == "invoice_letter.html" or template.as_posix().endswith("pdp/templates/pdp/notice.html"):
            continue
        for line_number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), 1):
            for match in _PATTERN.finditer(line):
                if match["format"] in _NAMED:
                    continue
                in_attribute = re.search(r'[a-z-]+="\{\{[^}]*$', line[: match.start()]) is not None
                if not in_attribute:
                    wrong.append(f"{template.relative_to(PACKAGE)}:{line_number}: {match.group(0)}")
    assert not wrong, "\n".join(wrong)
