"""In Chromium, a BPJS batch that cannot be lost: the verifier sends a programme's verified enrolments, lands on
the batch's page, and the enrolment list no longer offers them; the batch, downloaded twice (from the list and
from its page), is the same file byte for byte, the one kept; petugas BPJS imports BPJS's answer for part of it
and the list says "answered in part"; petugas BPJS of Kota Pontianak neither lists nor opens it.

Asserts on ``data-testid``/``data-state``, URLs, the database and the files, not on words (Indonesian pages).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from lindung.accounts.models import Role, User
from lindung.audit.models import AuditEntry
from lindung.browser_testing import log_in
from lindung.enrolments.models import BpjsBatch, Enrolment, Status
from lindung.testing import TEST_PASSWORD, make_cast, make_enrolment, make_programme, make_user, make_worker, set_quota

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_cast(settings: Any, reference_data: None) -> dict[str, User]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return make_cast()


def _shot(page: Page, results: Path, name: str) -> None:
    page.screenshot(path=results / f"batches-{name}-{connection.vendor}.png", full_page=True)


def _log_out(page: Page) -> None:
    page.locator('header form[action="/keluar/"] button[type="submit"]').click()
    expect(page.get_by_test_id("whoami")).to_have_count(0)


def _download(page: Page, button: Any, path: Path) -> bytes:
    with page.expect_download() as download:
        button.click()
    download.value.save_as(path)
    return path.read_bytes()


def test_a_batch_is_kept_downloaded_twice_alike_answered_in_part_and_hidden_from_another_regency(
    page: Page, live_server: LiveServer, browser_cast: dict[str, User], test_results_dir: Path, tmp_path: Path
) -> None:
    programme = make_programme("KALBAR-2026")
    set_quota(programme, "61.01", 10)
    enrolments = [make_enrolment(make_worker(), programme, Status.VERIFIED) for _ in range(3)]
    make_user("bpjs_pontianak", Role.PETUGAS_BPJS, "61.71")

    # 1. The verifier sends the verified enrolments from the enrolment list and lands on the batch's page.
    log_in(page, live_server, "verifikator", TEST_PASSWORD)
    page.goto("/kepesertaan/")
    page.get_by_test_id("send-panel").get_by_test_id("send-KALBAR-2026").click()
    page.wait_for_url(re.compile(r"/kepesertaan/bpjs/batch/\d+/$"))
    batch = BpjsBatch.objects.get()
    assert page.url == f"{live_server.url}/kepesertaan/bpjs/batch/{batch.pk}/"
    expect(page.locator("main ul.messages li.success")).to_contain_text("KALBAR-2026")
    expect(page.get_by_test_id("batch-facts")).to_have_attribute("data-state", "sent")
    expect(page.get_by_test_id("batch-sha256")).to_have_text(batch.sha256)
    assert {e.status for e in Enrolment.objects.filter(pk__in=[e.pk for e in enrolments])} == {Status.SENT}
    _shot(page, test_results_dir, "1-batch-page")

    # 2. The enrolment list no longer offers them; the list of batches shows the batch, sent.
    page.goto("/kepesertaan/")
    expect(page.get_by_test_id("send-panel")).to_have_count(0)
    page.get_by_test_id("batch-list-link").click()
    page.wait_for_url(f"{live_server.url}/kepesertaan/bpjs/batch/")
    row = page.locator(f'tr[data-batch="{batch.pk}"]')
    expect(row).to_have_attribute("data-state", "sent")
    _shot(page, test_results_dir, "2-list")

    # 3. Downloaded twice, from the list and from the batch's page: the same bytes, the ones kept.
    first = _download(page, row.get_by_test_id(f"download-{batch.pk}"), tmp_path / "first.xlsx")
    row.locator("a").click()
    page.wait_for_url(f"{live_server.url}/kepesertaan/bpjs/batch/{batch.pk}/")
    second = _download(page, page.get_by_test_id("download"), tmp_path / "second.xlsx")
    assert first == second == batch.file.read()
    assert len(first) > 1000
    assert AuditEntry.objects.filter(action="worker.exported", object_id=str(batch.pk)).count() == 2
    _log_out(page)

    # 4. Petugas BPJS imports BPJS's answer for two of the three: the batch is answered in part.
    log_in(page, live_server, "petugas_bpjs", TEST_PASSWORD)
    page.goto(f"/kepesertaan/bpjs/batch/{batch.pk}/")
    answer = tmp_path / "jawaban.csv"
    answer.write_text(
        "NIK,No KPJ,Status,Alasan,Tanggal Mulai\n"
        f"{enrolments[0].worker.nik},26010000001,diterima,,01/03/2026\n"
        f"{enrolments[1].worker.nik},,ditolak,Data ganda,\n",
        encoding="utf-8",
    )
    form = page.get_by_test_id("batch-answer")
    form.locator('input[type="file"]').set_input_files(answer)
    form.get_by_test_id("answer-submit").click()
    counts = page.get_by_test_id("bpjs-counts")
    expect(counts).to_have_attribute("data-activated", "1")
    expect(counts).to_have_attribute("data-rejected", "1")
    expect(page.get_by_test_id("batch-facts")).to_have_attribute("data-state", "partial")
    _shot(page, test_results_dir, "3-answered-in-part")
    page.goto("/kepesertaan/bpjs/batch/")
    expect(page.locator(f'tr[data-batch="{batch.pk}"]')).to_have_attribute("data-state", "partial")
    _shot(page, test_results_dir, "4-list-partial")
    _log_out(page)

    # 5. Petugas BPJS of Kota Pontianak: no batch listed, the batch's page and its file are not found.
    log_in(page, live_server, "bpjs_pontianak", TEST_PASSWORD)
    page.goto("/kepesertaan/bpjs/batch/")
    expect(page.get_by_test_id("no-batch")).to_be_visible()
    expect(page.locator("tr[data-batch]")).to_have_count(0)
    _shot(page, test_results_dir, "5-other-regency")
    assert page.goto(f"/kepesertaan/bpjs/batch/{batch.pk}/").status == 404  # type: ignore[union-attr]
    assert page.goto(f"/kepesertaan/bpjs/batch/{batch.pk}/unduh/").status == 404  # type: ignore[union-attr]
    assert AuditEntry.objects.filter(action="worker.exported").count() == 2
