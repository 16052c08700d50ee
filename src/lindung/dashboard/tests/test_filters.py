"""The dashboard's query string: what it may choose, and what it ignores (``lindung.dashboard.filters``)."""

from __future__ import annotations

import datetime as dt

import pytest

from lindung.dashboard.filters import DashboardFilters, dashboard_filters_from
from lindung.dashboard.tests.conftest import Province
from lindung.testing import Cast

pytestmark = pytest.mark.usefixtures("english")


def test_a_region_outside_the_scope_or_unknown_is_ignored(cast: Cast, province: Province):
    sambas = cast["operator_sambas"]
    assert dashboard_filters_from(sambas, {"region": "61.71"}).region == "61.01"
    assert dashboard_filters_from(sambas, {"region": "61.01.99"}).region == "61.01"
    assert dashboard_filters_from(sambas, {"region": "61.01.02"}).region == "61.01.02"


def test_invalid_filters_are_ignored(cast: Cast, province: Province):
    pontianak = cast["operator_pontianak"]
    filters = dashboard_filters_from(pontianak, {"programme": "SAMBAS-2026", "funder": "bank", "from": "2026-13"})
    assert filters == DashboardFilters(region="61.71")
    swapped = dashboard_filters_from(pontianak, {"from": "2026-05", "to": "2026-02"})
    assert (swapped.month_from, swapped.month_to) == (dt.date(2026, 2, 1), dt.date(2026, 5, 1))
    assert dashboard_filters_from(pontianak, swapped.as_query()) == swapped
