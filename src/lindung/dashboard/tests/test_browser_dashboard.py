"""In Chromium, with a small demo loaded and the dashboard's summary tables refreshed: the provincial leader's
dashboard and the one-page leadership summary, in Indonesian and in English, each photographed (the PNGs are
kept under the test output as CI artifacts) and their key figures checked against the database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from lindung.browser_testing import choose_english, log_in
from lindung.dashboard.services import dashboard_refresh
from lindung.enrolments.models import Enrolment, Status
from lindung.testing import TEST_PASSWORD, load_small_demo

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_data(settings: Any, reference_data: None) -> str:
    """The running programme's code."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    code = load_small_demo(workers=300, seed=5)
    dashboard_refresh()
    return code


def _grouped(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _covered(programme_code: str, regency: str = "") -> int:
    today = timezone.localdate()
    active = Enrolment.objects.filter(programme__code=programme_code, status=Status.ACTIVE, coverage_start__lte=today)
    active = active.filter(Q(coverage_end__isnull=True) | Q(coverage_end__gte=today))
    return active.filter(regency_code=regency).count() if regency else active.count()


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_dashboard_and_the_leadership_summary_show_the_database_figures(
    page: Page, live_server: LiveServer, demo_data: str, test_results_dir: Path, language: str
) -> None:
    log_in(page, live_server, "pimpinan", TEST_PASSWORD)
    if language == "en":
        choose_english(page)
    expect(page.locator("html")).to_have_attribute("lang", language)

    page.goto(f"/dasbor/?programme={demo_data}")
    covered = _covered(demo_data)
    assert covered > 0
    expect(page.get_by_test_id("total-covered")).to_have_attribute("data-value", str(covered))
    expect(page.get_by_test_id("total-covered").locator("strong")).to_have_text(_grouped(covered))
    sambas = page.locator('[data-testid="coverage-row"][data-code="61.01"]')
    expect(sambas).to_have_attribute("data-covered", str(_covered(demo_data, "61.01")))
    expect(page.get_by_test_id("coverage-map").locator("svg")).to_be_visible()
    page.screenshot(path=test_results_dir / f"dashboard-{language}-{connection.vendor}.png", full_page=True)

    page.goto(f"/laporan/?programme={demo_data}")
    page.get_by_test_id("view-summary").click()
    page.wait_for_url("**/laporan/summary.html*")
    body = page.locator("body")
    expect(body).to_contain_text(_grouped(covered))
    expect(page.locator("svg").first).to_be_visible()
    page.screenshot(path=test_results_dir / f"summary-{language}-{connection.vendor}.png", full_page=True)
