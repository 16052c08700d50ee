"""The audit page's date filters take the programme era (2000 to 2100): a date outside it is an error next to
its field, in the user's language, never a server error."""

from __future__ import annotations

import pytest

from lindung.testing import Cast, client_for

pytestmark = pytest.mark.django_db

URL = "/audit/"


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "0001-01-01"},
        {"date_to": "9999-12-31"},
        {"date_from": "1999-12-31"},
        {"date_to": "2101-01-01"},
        {"date_from": "0001-01-01", "date_to": "9999-12-31"},
    ],
)
def test_a_date_outside_2000_to_2100_is_an_error_next_to_its_field_and_does_not_filter(
    cast: Cast, query: dict[str, str]
) -> None:
    response = client_for(cast["admin_provinsi"]).get(URL, query)
    assert response.status_code == 200
    form = response.context["form"]
    for field in query:
        assert form.errors[field] == ["Enter a date from 2000-01-01 to 2100-12-31."]
    assert form.audit_filter().date_from is None and form.audit_filter().date_to is None


def test_the_range_message_is_indonesian_by_default(cast: Cast) -> None:
    response = client_for(cast["admin_provinsi"], "id").get(URL, {"date_to": "9999-12-31"})
    assert response.context["form"].errors["date_to"] == ["Masukkan tanggal dari 2000-01-01 sampai 2100-12-31."]


def test_the_first_and_last_days_of_the_era_filter(cast: Cast) -> None:
    response = client_for(cast["admin_provinsi"]).get(URL, {"date_from": "2000-01-01", "date_to": "2100-12-31"})
    assert response.status_code == 200 and not response.context["form"].errors
