"""In Chromium, with a small demo loaded: the Sambas operator reports the death of a demo worker from the
enrolment's page, sees the Rp 42,000,000 estimate and the documents checklist, ticks the documents, adds an
heir and takes the claim to paid; the provincial leader finds it on the benefits-against-contributions page.

Pages in English (chosen with the language selector), so the assertions read the interface's own words.
"""

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
from lindung.claims.models import Claim, ClaimStatus
from lindung.enrolments.models import EndReason, Enrolment, Status
from lindung.testing import TEST_PASSWORD, load_small_demo

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_data(settings: Any, reference_data: None) -> str:
    """The running programme's code."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return load_small_demo(workers=300, seed=11)


def test_a_death_claim_from_report_to_paid_and_on_the_benefits_page(
    page: Page, live_server: LiveServer, demo_data: str, test_results_dir: Path
) -> None:
    enrolment = (
        Enrolment.objects.filter(programme__code=demo_data, status=Status.ACTIVE, regency_code="61.01")
        .exclude(worker__claims__isnull=False)
        .select_related("worker")
        .order_by("pk")
        .first()
    )
    assert enrolment is not None
    died_on = timezone.localdate() - dt.timedelta(days=2)
    log_in(page, live_server, "operator_sambas", TEST_PASSWORD)
    choose_english(page)
    page.goto(f"/kepesertaan/{enrolment.pk}/")
    page.get_by_test_id("report-claim").click()
    expect(page.get_by_test_id("known-worker")).to_contain_text(enrolment.worker.name)
    page.locator('select[name="type"]').select_option("jkm")
    page.locator('input[name="incident_date"]').fill(died_on.isoformat())
    page.locator('input[name="incident_place"]').fill("Rumah, Desa Sebadi")
    page.locator('textarea[name="description"]').fill("Meninggal dunia karena sakit.")
    page.locator('input[name="reporter_name"]').fill("Siti Aminah")
    page.get_by_test_id("save").click()
    page.wait_for_url(re.compile(r"/klaim/\d+/$"))
    claim = Claim.objects.get(enrolment=enrolment)

    expect(page.get_by_test_id("estimate-total")).to_have_text("Rp 42,000,000")
    expect(page.get_by_test_id("checklist")).to_contain_text("Death certificate")
    expect(page.get_by_test_id("checklist")).to_contain_text("Heirship letter")
    expect(page.get_by_test_id("coverage")).to_have_attribute("data-covered", "yes")
    page.screenshot(path=test_results_dir / f"claim-reported-{connection.vendor}.png", full_page=True)
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.end_reason, enrolment.coverage_end) == (Status.ENDED, EndReason.DIED, died_on)

    for box in page.locator('[data-testid="documents-form"] input[type="checkbox"]').all():
        box.check()
    page.locator('[data-testid="documents-form"] button').click()
    page.wait_for_url(re.compile(rf"/klaim/{claim.pk}/$"))
    if not claim.worker.heirs.exists():
        form = page.get_by_test_id("heir-form")
        form.locator('input[name="name"]').fill("Siti Aminah")
        form.locator('select[name="relation"]').select_option("pasangan")
        form.locator("button").click()
        page.wait_for_url(re.compile(rf"/klaim/{claim.pk}/$"))
    page.get_by_test_id("step-complete").locator("button").click()
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", ClaimStatus.COMPLETE)
    page.get_by_test_id("step-submit").locator("button").click()
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", ClaimStatus.SUBMITTED)
    pay = page.get_by_test_id("step-pay")
    pay.locator('input[name="paid_amount"]').fill("42000000")
    pay.locator('input[name="paid_on"]').fill(timezone.localdate().isoformat())
    pay.locator("button").click()
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", ClaimStatus.PAID)
    expect(page.get_by_test_id("paid")).to_contain_text("Rp 42,000,000")
    page.screenshot(path=test_results_dir / f"claim-paid-{connection.vendor}.png", full_page=True)
    claim.refresh_from_db()
    assert (claim.status, claim.paid_amount) == (ClaimStatus.PAID, 42_000_000)

    page.locator('header form[action="/keluar/"] button[type="submit"]').click()
    log_in(page, live_server, "pimpinan", TEST_PASSWORD)
    choose_english(page)
    page.goto("/klaim/manfaat/?programme=" + str(claim.programme_id))
    paid_total = sum(
        amount or 0
        for amount in Claim.objects.filter(programme=claim.programme, status=ClaimStatus.PAID).values_list(
            "paid_amount", flat=True
        )
    )
    expect(page.get_by_test_id("benefits")).to_have_text(f"Rp {paid_total:,}")  # an English page: Rp 42,000,000
    expect(page.locator('[data-testid="by-type"] tr[data-type="jkm"]')).to_be_visible()
    page.screenshot(path=test_results_dir / f"claim-benefits-{connection.vendor}.png", full_page=True)
