"""In Chromium: an operator uploads a messy spreadsheet, sees the rejected row, downloads the error file,
fixes it and uploads it again; the background job runs as soon as each upload commits.

Asserts on ``data-testid``, URLs and the database only, so untranslated new strings cannot break it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import python_calamine
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from lindung.accounts.models import User
from lindung.imports.models import ImportBatch
from lindung.imports.tests.conftest import HEADERS, person, write_xlsx
from lindung.testing import TEST_PASSWORD, make_cast, make_nik, make_programme, set_quota
from lindung.workers.models import Worker

pytestmark = pytest.mark.browser


@pytest.fixture
def operator(settings: Any, reference_data: None, tmp_path: Path) -> User:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    return make_cast()["operator_sambas"]


def _upload(page: Page, programme_pk: int, path: Path) -> None:
    page.goto("/impor/")
    form = page.get_by_test_id("upload-form")
    form.locator('select[name="programme"]').select_option(str(programme_pk))
    form.locator('input[name="file"]').set_input_files(str(path))
    form.locator('button[type="submit"]').click()
    page.wait_for_url(re.compile(r"/impor/\d+/$"))


def test_upload_shows_the_rejected_row_and_its_fixed_error_file_imports(
    page: Page, live_server: LiveServer, operator: User, tmp_path: Path
) -> None:
    programme = make_programme("KALBAR-2026")
    set_quota(programme, "61.01", 10)
    good, bad = make_nik(), make_nik()
    path = write_xlsx(tmp_path / "usulan.xlsx", [person(good), person(bad, **{"Tanggal Lahir": "31/02/1980"})])

    page.goto("/masuk/")
    page.locator('input[name="username"]').fill(operator.username)
    page.locator('input[name="password"]').fill(TEST_PASSWORD)
    page.locator('main form[data-testid="login"] button[type="submit"]').click()
    page.wait_for_url(f"{live_server.url}/")

    _upload(page, programme.pk, path)
    expect(page.get_by_test_id("imported")).to_have_text("1")
    expect(page.get_by_test_id("rejected")).to_have_text("1")
    expect(page.get_by_test_id("errors")).to_contain_text("31/02/1980")

    with page.expect_download() as download_info:
        page.get_by_test_id("errors-link").click()
    errors = tmp_path / "kesalahan.xlsx"
    download_info.value.save_as(errors)
    rows = python_calamine.CalamineWorkbook.from_path(str(errors)).get_sheet_by_index(0).to_python()
    assert [row[0] for row in rows[1:]] == [bad]

    fixed = [dict(zip([*HEADERS, "Kesalahan"], row, strict=True)) for row in rows[1:]]
    fixed[0]["Tanggal Lahir"] = "17/05/1980"
    _upload(page, programme.pk, write_xlsx(tmp_path / "diperbaiki.xlsx", fixed))
    expect(page.get_by_test_id("imported")).to_have_text("1")
    expect(page.get_by_test_id("rejected")).to_have_text("0")

    assert Worker.objects.filter(nik__in=[good, bad]).count() == 2
    assert list(ImportBatch.objects.order_by("pk").values_list("imported", "rejected")) == [(1, 1), (1, 0)]
