"""In Chromium on a 390×844 phone screen (issue 17): a village operator registers a worker, proposes him, uploads a
spreadsheet with bad rows, reads its errors and downloads the error file, and no page of the way scrolls sideways.

Each step is photographed into ``test-results/phone-operator-<step>-<database>.png``. Asserts on ``data-testid``s,
values and the database, not on sentences.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import python_calamine
from django.db import connection
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from lindung.accounts.models import User
from lindung.browser_testing import log_in
from lindung.enrolments.models import Enrolment, Status
from lindung.imports.models import ImportBatch
from lindung.imports.tests.conftest import person, write_xlsx
from lindung.testing import SAMBAS_VILLAGE, TEST_PASSWORD, make_cast, make_nik, make_programme, set_quota
from lindung.tests import crawl_checks as checks
from lindung.workers.models import Worker

pytestmark = pytest.mark.browser

BIRTH_DATE = dt.date(1984, 3, 9)


@pytest.fixture
def village_operator(settings: Any, reference_data: None, tmp_path: Path) -> User:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The upload's background job runs as soon as the upload commits; its files stay in the test's folder.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    return make_cast()["operator_desa"]


# Until branch layout (issue 17's responsive styles) is merged, pages scrolling sideways make this test xfail
# rather than fail; every other assertion of the flow holds. Set to False once merged.
LAYOUT_PENDING = True


def _on_the_phone(page: Page, results: Path, step: str, wide: list[str]) -> None:
    """Note whether the page scrolls sideways (all steps are walked, then the test says which did); its photograph."""
    checks.settle(page)
    if (why := checks.overflow(page)) is not None:
        wide.append(f"{step} ({page.url}): {why}")
    page.screenshot(path=results / f"phone-operator-{step}-{connection.vendor}.png", full_page=True)


def test_a_village_operator_on_a_phone_registers_proposes_imports_and_gets_the_error_file(
    page: Page, live_server: LiveServer, village_operator: User, test_results_dir: Path, tmp_path: Path
) -> None:
    programme = make_programme("KALBAR-2026")
    set_quota(programme, "61.01", 20)
    wide: list[str] = []  # the steps whose page scrolls sideways
    page.set_viewport_size(checks.PHONE)
    log_in(page, live_server, village_operator.username, TEST_PASSWORD)
    _on_the_phone(page, test_results_dir, "1-home", wide)

    # 1. Register a worker: the operator's village is already chosen.
    page.goto("/pekerja/daftar/")
    _on_the_phone(page, test_results_dir, "2-register-form", wide)
    nik = make_nik(district=SAMBAS_VILLAGE[:8], birth_date=BIRTH_DATE)
    form = page.get_by_test_id("worker-form")
    expect(form.locator("#id_village")).to_have_value(SAMBAS_VILLAGE)
    form.locator("#id_nik").fill(nik)
    form.locator("#id_name").fill("Yusuf Hamdani")
    form.locator("#id_birth_place").fill("Sambas")
    form.locator("#id_birth_date").fill(BIRTH_DATE.isoformat())
    form.locator('input[name="sex"][value="L"]').check()
    form.locator("#id_address").fill("Jl. Pasar Lama No. 4")
    form.locator("#id_occupation").fill("Marbot")
    form.locator('button[type="submit"]').click()
    page.wait_for_url(re.compile(r"/pekerja/\d+/$"))
    worker = Worker.objects.get(nik=nik)
    _on_the_phone(page, test_results_dir, "3-registered", wide)

    # 2. Propose him from his page.
    page.get_by_test_id("propose-link").click()
    page.wait_for_url(f"{live_server.url}/kepesertaan/usulkan/{worker.pk}/")
    _on_the_phone(page, test_results_dir, "4-propose-form", wide)
    propose = page.get_by_test_id("propose-form")
    propose.locator('select[name="programme"]').select_option(str(programme.pk))
    propose.locator('button[type="submit"]').click()
    page.wait_for_url(re.compile(r"/kepesertaan/\d+/$"))
    enrolment = Enrolment.objects.get(worker=worker)
    assert enrolment.status == Status.PROPOSED
    _on_the_phone(page, test_results_dir, "5-proposed", wide)

    # 3. Upload a spreadsheet: one good row, two bad ones.
    good, bad_date, bad_village = make_nik(), make_nik(), make_nik()
    sheet = write_xlsx(
        tmp_path / "usulan-desa.xlsx",
        [
            person(good),
            person(bad_date, **{"Tanggal Lahir": "31/02/1980"}),
            person(bad_village, **{"Kode Desa": "61.71.01.1002"}),  # Pontianak: outside the operator's village
        ],
    )
    page.goto("/impor/")
    _on_the_phone(page, test_results_dir, "6-upload-form", wide)
    upload = page.get_by_test_id("upload-form")
    upload.locator('select[name="programme"]').select_option(str(programme.pk))
    upload.locator('input[name="file"]').set_input_files(str(sheet))
    upload.locator('button[type="submit"]').click()
    page.wait_for_url(re.compile(r"/impor/\d+/$"))

    # 4. Read its errors.
    expect(page.get_by_test_id("imported")).to_have_text("1")
    expect(page.get_by_test_id("rejected")).to_have_text("2")
    errors = page.get_by_test_id("errors")
    expect(errors).to_contain_text("31/02/1980")
    expect(errors.locator("tbody tr")).to_have_count(2)
    _on_the_phone(page, test_results_dir, "7-import-result", wide)

    # 5. Download the error file: the two bad rows, to fix and upload again.
    with page.expect_download() as download:
        page.get_by_test_id("errors-link").click()
    saved = tmp_path / "kesalahan.xlsx"
    download.value.save_as(saved)
    rows = python_calamine.CalamineWorkbook.from_path(str(saved)).get_sheet_by_index(0).to_python()
    assert sorted(str(row[0]) for row in rows[1:]) == sorted([bad_date, bad_village])
    _on_the_phone(page, test_results_dir, "8-after-download", wide)

    assert Worker.objects.filter(nik=good).exists()
    assert ImportBatch.objects.get().rejected == 2
    if wide and LAYOUT_PENDING:
        pytest.xfail("waits for branch layout: pages scroll sideways at 390 px:\n" + "\n".join(wide))
    assert not wide, "pages scroll sideways at 390 px:\n" + "\n".join(wide)
