"""In Chromium: a claim reported by the worker's NIK and refused for its date keeps the worker and every value
typed; the error summary takes the focus and links to the date; the corrected form records the claim."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from lindung.browser_testing import choose_english, log_in
from lindung.claims.models import Claim
from lindung.enrolments.models import Enrolment, Status
from lindung.testing import TEST_PASSWORD, Cast, make_enrolment, make_programme, make_worker

pytestmark = pytest.mark.browser


@pytest.fixture
def enrolment(settings: Any, reference_data: None, cast: Cast) -> Enrolment:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    year = timezone.localdate().year
    return make_enrolment(
        make_worker(name="Ahmad Suparman"), make_programme(f"KALBAR-{year}", year=year), Status.ACTIVE
    )


def test_the_claim_form_keeps_the_worker_after_a_date_error(
    page: Page, live_server: LiveServer, enrolment: Enrolment, test_results_dir: Path
) -> None:
    today = timezone.localdate()
    log_in(page, live_server, "operator_sambas", TEST_PASSWORD)
    choose_english(page)
    page.goto("/klaim/baru/")
    form = page.get_by_test_id("claim-form")
    form.locator('input[name="nik_or_kpj"]').fill(enrolment.worker.nik)
    form.locator('select[name="type"]').select_option("jkm")
    form.locator('input[name="incident_date"]').fill((today + dt.timedelta(days=3)).isoformat())
    form.locator('input[name="incident_place"]').fill("Rumah, Desa Sebadi")
    form.locator('textarea[name="description"]').fill("Meninggal dunia karena sakit.")
    form.locator('input[name="reporter_name"]').fill("Siti Aminah")
    form.locator('input[name="income"]').fill("Rp 2.500.000")
    page.get_by_test_id("save").click()

    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("The date of the event cannot be in the future.")
    expect(page.get_by_test_id("known-worker")).to_contain_text("Ahmad Suparman")
    expect(page.locator('input[name="nik_or_kpj"]')).to_have_value(enrolment.worker.nik)
    expect(page.locator('input[name="reporter_name"]')).to_have_value("Siti Aminah")
    expect(page.locator('input[name="income"]')).to_have_value("Rp 2.500.000")
    expect(page.locator('textarea[name="description"]')).to_have_value("Meninggal dunia karena sakit.")
    page.screenshot(path=test_results_dir / f"claim-form-refused-{connection.vendor}.png", full_page=True)
    summary.get_by_role("link").click()
    expect(page.locator('input[name="incident_date"]')).to_be_focused()

    page.locator('input[name="incident_date"]').fill((today - dt.timedelta(days=2)).isoformat())
    page.get_by_test_id("save").click()
    page.wait_for_url(re.compile(r"/klaim/\d+/(#id_incident_date)?$"))
    claim = Claim.objects.get()
    assert (claim.enrolment_id, claim.income) == (enrolment.pk, 2_500_000)
