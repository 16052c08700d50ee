"""The dashboard page, the refresh button, the command and the tasks."""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from lindung.audit.models import AuditEntry
from lindung.dashboard.models import CoveragePeriodFigure, DemographicFigure, MonthlyFigure, Refresh, VillageFigure
from lindung.dashboard.tasks import dashboard_refresh_task
from lindung.dashboard.tests.conftest import Province
from lindung.testing import Cast, client_for, make_user


def value(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*data-value="([^"]*)"', html)
    assert match, testid
    return match.group(1)


def test_the_province_page_shows_pictures_with_tables_and_key_figures(cast: Cast, province: Province):
    response = client_for(cast["pimpinan"]).get("/dasbor/")
    assert response.status_code == 200
    html = response.content.decode()
    assert (value(html, "total-covered"), value(html, "total-target")) == ("4", "1004")
    assert (value(html, "total-in-process"), value(html, "total-ended"), value(html, "total-at-risk")) == (
        "1",
        "1",
        "3",
    )
    assert (value(html, "contributions-paid"), value(html, "benefits-paid"), value(html, "claims-count")) == (
        "84000",
        "42000000",
        "2",
    )
    for testid in (
        "coverage-map",
        "coverage-chart",
        "by-category",
        "by-sex",
        "by-age",
        "months-chart",
        "active-chart",
        "at-risk-chart",
        "budget-chart",
        "claims-by-type",
        "benefits-chart",
    ):
        section = html.split(f'data-testid="{testid}"', 1)[1]
        assert section.index("<svg") < section.index('class="chart-data"'), testid  # the picture, then its table
    # Each tile of the map and each bar drills down into its regency, keeping the filters.
    assert '<a href="?region=61.01"><g class="tile" data-code="61.01"' in html
    assert '<a href="?region=61.71"><g class="row">' in html
    assert 'data-testid="coverage-row" data-code="61.01" data-covered="3" data-target="14"' in html
    assert "Figures as of" in html and 'data-as-of="2026-11-26"' in html


def test_drilling_down_keeps_the_filters_and_shows_the_trail(cast: Cast, province: Province):
    html = client_for(cast["pimpinan"]).get("/dasbor/", {"region": "61.01", "funder": "apbd_provinsi"}).content.decode()
    assert value(html, "total-covered") == "2"  # s1 and s2: SAMBAS-2026's s5 is another funder
    assert 'href="?funder=apbd_provinsi&amp;region=61.01.01"' in html
    assert 'data-testid="coverage-map"' not in html  # the map is of a province's regencies
    trail = html.split('data-testid="trail"', 1)[1].split("</nav>", 1)[0]
    assert 'href="?funder=apbd_provinsi&amp;region=61"' in trail and "Kabupaten Sambas" in trail


def test_a_pontianak_operator_sees_no_sambas_figures_on_the_page(cast: Cast, province: Province):
    html = client_for(cast["operator_pontianak"]).get("/dasbor/", {"region": "61.01"}).content.decode()
    assert 'data-region="61.71"' in html and value(html, "total-covered") == "1"
    assert "Kabupaten Sambas" not in html and "SAMBAS-2026" not in html
    assert value(html, "benefits-paid") == "0"


@pytest.mark.parametrize(
    ("language", "words"), [("en", ["Dashboard", "Who is covered", "Budget"]), ("id", ["Anggaran"])]
)
def test_the_page_renders_in_both_languages(cast: Cast, province: Province, language: str, words: list[str]):
    html = client_for(cast["pimpinan"], language=language).get("/dasbor/").content.decode()
    assert f'<html lang="{language}">' in html
    for word in words:
        assert word in html


def test_the_months_never_billed_follow_the_region_and_programme_filters_and_link_only_for_finance(
    cast: Cast, province: Province
):
    import datetime as dt

    from lindung.contributions.coverage import coverage_update

    # On 11 May April is due and never billed: KALBAR-2026 for s1, s2 (Sambas) and p1 (Pontianak), SAMBAS-2026
    # for s5. It counts as arrears too: with March unpaid, s1, s2 and p1 owe two months.
    coverage_update(today=dt.date(2026, 5, 11))

    def figure(user_key: str, **query: str) -> tuple[str, str, bool]:
        html = client_for(cast[user_key]).get("/dasbor/", query).content.decode()
        match = re.search(r'data-testid="never-billed" data-months="(\d+)" data-worker-months="(\d+)"', html)
        assert match, (user_key, query)
        return match.group(1), match.group(2), 'data-testid="bill-link"' in html

    # A month counts once per programme: April of KALBAR-2026 and April of SAMBAS-2026 are two.
    assert figure("pimpinan") == ("2", "4", False)
    assert figure("pimpinan", region="61.71") == ("1", "1", False)
    assert figure("pimpinan", region="61.01.01") == ("2", "3", False)  # s1, s2 and s5 live there
    assert figure("pimpinan", programme="SAMBAS-2026") == ("1", "1", False)
    assert figure("operator_pontianak", region="61.01") == ("1", "1", False)  # Sambas is out of scope
    assert figure("keuangan") == ("2", "4", True)


def test_the_page_needs_a_login_and_the_dashboard_right(cast: Cast, province: Province):
    assert client_for().get("/dasbor/").status_code == 302
    nobody = make_user("no_role", "", None)
    assert client_for(nobody).get("/dasbor/").status_code == 403
    assert client_for(cast["pimpinan"]).get("/").content.decode().count('data-testid="nav-dashboard"') == 1


def test_before_any_refresh_the_page_says_so(cast: Cast, db: None):
    html = client_for(cast["pimpinan"]).get("/dasbor/").content.decode()
    assert "The figures have not been computed yet." in html and value(html, "total-covered") == "0"


def test_the_query_count_does_not_grow_with_the_regions(cast: Cast, province: Province):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(cast["pimpinan"])
    counts = []
    for region in ("61", "61.01", "61.01.01"):
        with CaptureQueriesContext(connection) as queries:
            client.get("/dasbor/", {"region": region})
        counts.append(len(queries))
    # Most of them are the budget's, per programme: one rule look-up per month not billed yet.
    assert counts[0] == counts[1] == counts[2] < 60


def test_the_refresh_button_enqueues_the_job_and_the_job_rebuilds(cast: Cast, province: Province):
    response = client_for(cast["pimpinan"]).post("/dasbor/segarkan/", {"next": "/dasbor/?region=61.01"})
    assert response.status_code == 302 and response["Location"] == "/dasbor/?region=61.01"
    queued = DBTaskResult.objects.get(task_path="lindung.dashboard.tasks.dashboard_refresh_task")
    assert queued.args_kwargs["kwargs"] == {"actor_id": cast["pimpinan"].pk}
    result = dashboard_refresh_task.call(actor_id=cast["pimpinan"].pk)
    summaries = (VillageFigure, DemographicFigure, MonthlyFigure, CoveragePeriodFigure)
    assert result["rows"] == sum(m.objects.count() for m in summaries) > 0
    assert AuditEntry.objects.filter(action="dashboard.refreshed", actor=cast["pimpinan"]).exists()
    elsewhere = client_for(cast["pimpinan"]).post("/dasbor/segarkan/", {"next": "https://example.com/"})
    assert elsewhere["Location"] == "/dasbor/"


def test_the_command_refreshes(province: Province):
    out = StringIO()
    call_command("dashboard", "refresh", "--today", "2026-11-27", "--json", stdout=out)
    assert json.loads(out.getvalue())["as_of"] == "2026-11-27"
    latest = Refresh.objects.first()
    assert latest is not None and latest.as_of.isoformat() == "2026-11-27"
