"""In Chromium: an operator searches a worker by NIK and downloads the list, the NIK never in the address bar;
an old download link opens a page whose button downloads the file; the reports' buttons download too."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from lindung.accounts.models import User
from lindung.audit.models import AuditEntry
from lindung.browser_testing import log_in
from lindung.testing import TEST_PASSWORD, make_cast, make_programme, make_worker

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_cast(settings: Any, reference_data: None) -> dict[str, User]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return make_cast()


def _csv_names(path: Path) -> list[str]:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    return [row[1] for row in rows[1:]]


def test_a_nik_search_its_export_an_old_link_and_a_report_download_in_the_browser(
    page: Page, live_server: LiveServer, browser_cast: dict[str, User], test_results_dir: Path, tmp_path: Path
) -> None:
    budi = make_worker(name="Budi Santoso")
    make_worker(name="Siti Aminah")
    make_programme("KALBAR-2026")
    log_in(page, live_server, "operator_sambas", TEST_PASSWORD)
    nik_seen: list[str] = []
    page.on("request", lambda request: nik_seen.append(request.url) if budi.nik in request.url else None)

    page.goto("/pekerja/")
    page.locator("#id_q").fill(budi.nik)
    page.locator('form[role="search"] button[type="submit"]').click()
    page.wait_for_url(re.compile(r"/pekerja/\?.*cari="))
    expect(page.locator("tr[data-worker]")).to_have_count(1)
    expect(page.locator("#id_q")).to_have_value(budi.nik)
    page.screenshot(path=test_results_dir / f"downloads-1-search-{connection.vendor}.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_test_id("export-link").click()
    download.value.save_as(tmp_path / "searched.csv")
    assert _csv_names(tmp_path / "searched.csv") == ["Budi Santoso"]

    page.goto("/pekerja/ekspor.csv")  # a link from before, or from anywhere: no file, no audit entry
    expect(page.get_by_test_id("download-page")).to_be_visible()
    assert AuditEntry.objects.filter(action="worker.exported").count() == 1
    page.screenshot(path=test_results_dir / f"downloads-2-old-link-{connection.vendor}.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_test_id("download-form").locator("button").click()
    download.value.save_as(tmp_path / "all.csv")
    assert sorted(_csv_names(tmp_path / "all.csv")) == ["Budi Santoso", "Siti Aminah"]
    assert AuditEntry.objects.filter(action="worker.exported").count() == 2

    page.goto("/laporan/?programme=KALBAR-2026")
    page.screenshot(path=test_results_dir / f"downloads-3-reports-{connection.vendor}.png", full_page=True)
    with page.expect_download() as download:
        page.locator('tr[data-report="coverage"] button[data-format="csv"]').click()
    assert download.value.suggested_filename == "laporan-coverage-KALBAR-2026-61.01.csv"
    assert AuditEntry.objects.filter(action="report.exported").count() == 1
    assert not nik_seen
