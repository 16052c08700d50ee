"""In Chromium on a phone's screen (390×844, issue 17): a village operator registers a worker, proposes him,
uploads a spreadsheet, reads its rejected row and downloads the error file, through the folded menu and without
ever scrolling sideways. Each step is photographed into ``test-results/``.

Asserts on ``data-testid``, names, URLs and the database only, so wording may change freely.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from playwright.sync_api import Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from lindung.accounts.models import User
from lindung.browser_testing import log_in
from lindung.enrolments.models import Enrolment, Status
from lindung.imports.tests.conftest import person, write_xlsx
from lindung.testing import SAMBAS_VILLAGE, TEST_PASSWORD, make_cast, make_nik, make_programme, set_quota
from lindung.workers.models import Worker

pytestmark = pytest.mark.browser

PHONE = ViewportSize(width=390, height=844)


@pytest.fixture
def operator(settings: Any, reference_data: None, tmp_path: Path) -> User:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    return make_cast()["operator_desa"]


def _fits(page: Page, results: Path, name: str) -> None:
    """No sideways scrolling on this page; its photograph."""
    width, screen = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= screen, f"{page.url} is {width} px wide on a {screen} px screen"
    page.screenshot(path=results / f"phone-operator-{name}-{connection.vendor}.png", full_page=True)


def _menu(page: Page, href: str) -> None:
    page.get_by_test_id("menu-button").click()
    page.locator(f'header nav.main-nav a[href="{href}"]').click()
    page.wait_for_url(re.compile(re.escape(href) + "$"))


def test_a_village_operator_registers_proposes_and_imports_on_a_phone(
    page: Page, live_server: LiveServer, operator: User, tmp_path: Path, test_results_dir: Path
) -> None:
    programme = make_programme("KALBAR-2026")
    set_quota(programme, "61.01", 10)
    nik = make_nik(district=SAMBAS_VILLAGE[:8], birth_date=dt.date(1979, 8, 2))
    page.set_viewport_size(PHONE)
    log_in(page, live_server, operator.username, TEST_PASSWORD)
    _fits(page, test_results_dir, "1-home")

    # Register a worker: the form is one column; the operator's village is already chosen.
    _menu(page, "/pekerja/")
    _fits(page, test_results_dir, "2-workers")
    page.get_by_test_id("register-link").click()
    page.wait_for_url(re.compile(r"/pekerja/daftar/$"))
    form = page.get_by_test_id("worker-form")
    form.locator("#id_nik").fill(nik)
    form.locator("#id_name").fill("Yusuf Hamdani")
    form.locator("#id_birth_place").fill("Sambas")
    form.locator("#id_birth_date").fill("1979-08-02")
    form.locator('input[name="sex"][value="L"]').check()
    form.locator("#id_address").fill("Jl. Pelabuhan No. 12")
    expect(form.locator("#id_village")).to_have_value(SAMBAS_VILLAGE)
    form.locator("#id_occupation").fill("Nelayan")
    form.locator("#id_privacy_notice").check()  # the person was given the privacy notice
    name, birth_place = form.locator("#id_name").bounding_box(), form.locator("#id_birth_place").bounding_box()
    assert name and birth_place and birth_place["y"] > name["y"] + name["height"]  # one column
    _fits(page, test_results_dir, "3-register-form")
    form.locator('button[type="submit"]').click()
    page.wait_for_url(re.compile(r"/pekerja/\d+/$"))
    worker = Worker.objects.get(nik=nik)
    _fits(page, test_results_dir, "4-worker")

    # Propose him.
    page.get_by_test_id("propose-link").click()
    propose = page.get_by_test_id("propose-form")
    propose.locator('select[name="programme"]').select_option(str(programme.pk))
    _fits(page, test_results_dir, "5-propose")
    propose.locator('button[type="submit"]').click()
    page.wait_for_url(re.compile(r"/kepesertaan/\d+/$"))
    assert Enrolment.objects.get(worker=worker, programme=programme).status == Status.PROPOSED
    _fits(page, test_results_dir, "6-proposed")

    # Upload a spreadsheet with a bad date, read the error, download the error file.
    bad = make_nik()
    upload = write_xlsx(
        tmp_path / "usulan-desa-sebadi-januari-2026.xlsx",
        [person(make_nik()), person(bad, **{"Tanggal Lahir": "31/02/1980"})],
    )
    _menu(page, "/impor/")
    form = page.get_by_test_id("upload-form")
    form.locator('select[name="programme"]').select_option(str(programme.pk))
    form.locator('input[name="file"]').set_input_files(str(upload))
    _fits(page, test_results_dir, "7-upload")
    form.locator('button[type="submit"]').click()
    page.wait_for_url(re.compile(r"/impor/\d+/$"))
    expect(page.get_by_test_id("rejected")).to_have_text("1")
    expect(page.get_by_test_id("errors")).to_contain_text("31/02/1980")
    expect(page.get_by_test_id("summary")).to_be_in_viewport()
    _fits(page, test_results_dir, "8-import-result")
    with page.expect_download() as download:
        page.get_by_test_id("errors-link").click()
    assert download.value.suggested_filename.endswith(".xlsx")
