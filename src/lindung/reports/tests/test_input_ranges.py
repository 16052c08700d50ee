"""The reports' month filters take the programme era (2000-01 to 2100-12): outside it the page says so next to
the field and a download is a 404 (as any filter that does not validate), never a server error."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from lindung.programmes.models import Programme
from lindung.reports.builders import REPORT_NAMES
from lindung.reports.formats import FORMATS, PREVIEW
from lindung.testing import Cast, client_for

pytestmark = pytest.mark.django_db


def fetch(client: Client, url: str, query: dict[str, str]) -> Any:
    """A download by GET, or by POST where downloads are POSTed (a GET then answers 405)."""
    response = client.get(url, query)
    return client.post(url, query) if response.status_code == 405 else response


@pytest.mark.parametrize("fmt", [*FORMATS, PREVIEW])
@pytest.mark.parametrize("query", [{"month_to": "9999-12"}, {"month_from": "0001-01"}, {"month_to": "2101-01"}])
def test_a_month_outside_the_era_makes_every_download_a_404(
    kalbar: Programme, cast: Cast, fmt: str, query: dict[str, str]
) -> None:
    client = client_for(cast["pimpinan"])
    assert fetch(client, f"/laporan/coverage.{fmt}", {"programme": "KALBAR-2026", **query}).status_code == 404


@pytest.mark.parametrize("name", REPORT_NAMES)
def test_no_report_takes_the_last_month_python_knows(kalbar: Programme, cast: Cast, name: str) -> None:
    client = client_for(cast["pimpinan"])
    query = {"programme": "KALBAR-2026", "month_from": "9999-12", "month_to": "9999-12"}
    assert fetch(client, f"/laporan/{name}.csv", query).status_code == 404


def test_the_page_names_the_months_it_takes_and_offers_no_download(kalbar: Programme, cast: Cast) -> None:
    response = client_for(cast["pimpinan"]).get("/laporan/", {"programme": "KALBAR-2026", "month_to": "9999-12"})
    assert response.status_code == 200
    assert response.context["form"].errors["month_to"] == ["Enter a month from 2000-01 to 2100-12."]
    assert "/laporan/coverage.xlsx" not in response.content.decode()


def test_the_era_s_first_and_last_months_are_taken(kalbar: Programme, cast: Cast) -> None:
    query = {"programme": "KALBAR-2026", "month_from": "2000-01", "month_to": "2100-12"}
    response = client_for(cast["pimpinan"]).get("/laporan/", query)
    assert response.status_code == 200 and not response.context["form"].errors
