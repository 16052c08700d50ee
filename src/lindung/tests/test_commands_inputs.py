"""The commands' ``--today``, ``--month`` and date arguments take the same ranges as the pages (2000 to 2100):
beyond, a CommandError saying so, not a traceback from a month after 9999-12."""

from __future__ import annotations

import pytest
from django.core.management.base import CommandError
from django.utils import translation

from lindung.commands import parse_day, parse_month


@pytest.fixture(autouse=True)
def _english() -> object:
    with translation.override("en"):
        yield


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01"])
def test_a_day_outside_the_era_is_refused(value: str) -> None:
    with pytest.raises(CommandError, match=r"^Enter a date from 2000-01-01 to 2100-12-31\.$"):
        parse_day(value)


@pytest.mark.parametrize("value", ["0001-01", "9999-12", "2101-01"])
def test_a_month_outside_the_era_is_refused(value: str) -> None:
    with pytest.raises(CommandError, match=r"^Enter a month from 2000-01 to 2100-12\.$"):
        parse_month(value)


def test_the_era_s_ends_and_malformed_values_are_told_apart() -> None:
    assert parse_day("2000-01-01").isoformat() == "2000-01-01" and parse_month("2100-12").isoformat() == "2100-12-01"
    with pytest.raises(CommandError, match="is not a month written YYYY-MM"):
        parse_month("2026-13")
