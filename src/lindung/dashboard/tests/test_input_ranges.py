"""The dashboard's filters come from the URL: a value that is malformed or outside what Lindung keeps (a month
outside 2000 to 2100, an id no key can hold, a NUL) is ignored, as any other filter the user may not use."""

from __future__ import annotations

import pytest

from lindung.dashboard.tests.conftest import Province
from lindung.testing import Cast, client_for


@pytest.mark.parametrize(
    "query",
    [
        {"from": "9999-12"},
        {"to": "9999-12"},
        {"from": "0001-01", "to": "9999-12"},
        {"to": "2101-01"},
        {"programme": "²"},
        {"programme": str(2**63)},
        {"programme": "\x00", "region": "\x00", "funder": "\x00"},
        {"region": "61" + "\x00"},
    ],
)
def test_a_filter_lindung_cannot_hold_is_ignored(cast: Cast, province: Province, query: dict[str, str]) -> None:
    response = client_for(cast["pimpinan"]).get("/dasbor/", query)
    assert response.status_code == 200
    assert response.context["figures"].filters.month_from is None
    assert response.context["figures"].filters.month_to is None
