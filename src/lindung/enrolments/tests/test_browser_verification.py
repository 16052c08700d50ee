"""In Chromium, verification at volume: the verifier's start page counts the proposals waiting per regency, the
regency's link opens the queue filtered to it, one step verifies all that match, and the count goes down; a
step over the regency's quota verifies what fits and says why the rest waits.

Asserted on ``data-testid``s, on names and codes that read the same in both languages, and on the database.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from lindung.accounts.models import User
from lindung.browser_testing import log_in
from lindung.enrolments.models import Enrolment, Status
from lindung.programmes.models import Programme
from lindung.testing import (
    PONTIANAK_VILLAGE,
    TEST_PASSWORD,
    make_cast,
    make_enrolment,
    make_programme,
    make_worker,
    set_quota,
)

pytestmark = pytest.mark.browser

SAMBAS_VILLAGE = "61.01.01.2001"


@pytest.fixture
def browser_cast(settings: Any, reference_data: None) -> dict[str, User]:
    """The cast, hashed with MD5 (Argon2 costs about a second per user; the live server reads these settings)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return make_cast()


def _shot(page: Page, results: Path, name: str) -> None:
    page.screenshot(path=results / f"verification-{name}-{connection.vendor}.png", full_page=True)


def _propose(programme: Programme, village: str, n: int, prefix: str) -> list[Enrolment]:
    return [
        make_enrolment(
            make_worker(village=village, name=f"{prefix} {i}", birth_date=dt.date(1975, 2, 1 + i)), programme
        )
        for i in range(n)
    ]


def _waiting(page: Page) -> int:
    return int(page.get_by_test_id("count-proposed").inner_text().replace(".", "").replace(",", ""))


def test_the_start_page_count_goes_down_after_verifying_all_of_a_filtered_regency(
    page: Page, live_server: LiveServer, browser_cast: dict[str, User], test_results_dir: Path
) -> None:
    programme = make_programme("KALBAR-2026")
    set_quota(programme, "61.01", 50)
    set_quota(programme, "61.71", 50)
    sambas = _propose(programme, SAMBAS_VILLAGE, 4, "Sambas")
    pontianak = _propose(programme, PONTIANAK_VILLAGE, 2, "Pontianak")

    log_in(page, live_server, "verifikator", TEST_PASSWORD)
    assert _waiting(page) == 6
    _shot(page, test_results_dir, "1-start-page")

    page.locator('a[data-testid="part-proposed"][href$="regency=61.01"]').click()
    page.wait_for_url(re.compile(r"/kepesertaan/verifikasi/\?regency=61\.01$"))
    expect(page.locator("table.queue tbody tr[data-enrolment]")).to_have_count(4)
    expect(page.get_by_test_id("count")).to_have_attribute("data-count", "4")
    _shot(page, test_results_dir, "2-queue-sambas")

    page.locator('input[name="which"][value="all"]').check()
    page.get_by_test_id("bulk-verify").click()
    page.wait_for_url(re.compile(r"/kepesertaan/verifikasi/\?regency=61\.01$"))
    expect(page.locator("main ul.messages li.success")).to_contain_text("4")
    expect(page.get_by_test_id("queue-empty")).to_be_visible()
    _shot(page, test_results_dir, "3-queue-after")

    page.locator("header a.brand").click()
    page.wait_for_url(f"{live_server.url}/")
    assert _waiting(page) == 2
    _shot(page, test_results_dir, "4-start-page-after")
    assert {e.status for e in Enrolment.objects.filter(pk__in=[e.pk for e in sambas])} == {Status.VERIFIED}
    assert {e.status for e in Enrolment.objects.filter(pk__in=[e.pk for e in pontianak])} == {Status.PROPOSED}


def test_a_step_over_the_quota_verifies_what_fits_and_explains_the_rest(
    page: Page, live_server: LiveServer, browser_cast: dict[str, User], test_results_dir: Path
) -> None:
    programme = make_programme("KALBAR-2026")
    set_quota(programme, "61.01", 3)
    make_enrolment(make_worker(name="Sudah Aktif"), programme, Status.ACTIVE)
    waiting = _propose(programme, SAMBAS_VILLAGE, 4, "Sambas")

    log_in(page, live_server, "verifikator", TEST_PASSWORD)
    page.goto("/kepesertaan/verifikasi/")
    expect(page.locator('[data-quota="KALBAR-2026-61.01"]')).to_contain_text("3")
    page.locator("input[data-check-all]").check()
    expect(page.locator('input[name="ids"]:checked')).to_have_count(4)
    page.get_by_test_id("bulk-verify").click()
    page.wait_for_url(re.compile(r"/kepesertaan/verifikasi/$"))

    expect(page.locator("main ul.messages li.success")).to_contain_text("2")
    warning = page.locator("main ul.messages li.warning")
    expect(warning).to_have_count(1)
    expect(warning).to_contain_text("Kabupaten Sambas")
    expect(warning).to_contain_text("KALBAR-2026")
    expect(page.locator("table.queue tbody tr[data-enrolment]")).to_have_count(2)
    _shot(page, test_results_dir, "5-over-quota")
    statuses = list(
        Enrolment.objects.filter(pk__in=[e.pk for e in waiting]).order_by("pk").values_list("status", flat=True)
    )
    assert statuses == [Status.VERIFIED, Status.VERIFIED, Status.PROPOSED, Status.PROPOSED]
