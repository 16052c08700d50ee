"""In Chromium: finance issues a month's invoice only after a confirmation page that shows what will be frozen,
and records a payment typed the Indonesian way (``184.363.200``) after a refusal that kept what was typed and
brought the error summary into view.

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
from lindung.contributions.billing import invoice_build
from lindung.contributions.models import Invoice, InvoiceStatus, Payment
from lindung.enrolments.models import Status
from lindung.testing import (
    PONTIANAK_VILLAGE,
    TEST_PASSWORD,
    Cast,
    make_enrolment,
    make_programme,
    make_worker,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def draft(settings: Any, reference_data: None, cast: Cast) -> Invoice:
    """This month's draft of a programme with two active workers (Sambas and Pontianak): Rp 33.600."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    today = timezone.localdate()
    programme = make_programme(f"KALBAR-{today.year}", year=today.year)
    make_enrolment(make_worker(), programme, Status.ACTIVE)
    make_enrolment(make_worker(village=PONTIANAK_VILLAGE), programme, Status.ACTIVE)
    return invoice_build(actor=None, programme=programme, month=dt.date(today.year, today.month, 1))


def test_issuing_asks_for_confirmation_and_an_amount_with_dots_is_taken(
    page: Page, live_server: LiveServer, draft: Invoice, test_results_dir: Path
) -> None:
    log_in(page, live_server, "keuangan", TEST_PASSWORD)
    choose_english(page)
    page.goto(f"/iuran/{draft.pk}/")
    page.get_by_test_id("draft-actions").get_by_role("button", name="Issue invoice").click()

    confirmation = page.get_by_test_id("confirm-issue")
    expect(page.locator("h1")).to_have_text("Issue the invoice?")
    expect(confirmation.get_by_test_id("confirm-total")).to_have_text("Rp 33,600")
    expect(confirmation.get_by_test_id("confirm-lines")).to_have_text("2")
    expect(confirmation.locator('[data-testid="confirm-by-regency"] tbody tr')).to_have_count(2)
    page.screenshot(path=test_results_dir / f"money-issue-confirm-{connection.vendor}.png", full_page=True)
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.DRAFT  # the first click only showed what would happen

    confirmation.get_by_test_id("cancel").click()
    page.wait_for_url(re.compile(rf"/iuran/{draft.pk}/$"))
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", InvoiceStatus.DRAFT)
    page.get_by_test_id("draft-actions").get_by_role("button", name="Issue invoice").click()
    page.get_by_test_id("confirm").click()
    page.wait_for_url(re.compile(rf"/iuran/{draft.pk}/$"))
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", InvoiceStatus.ISSUED)
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.ISSUED

    page.goto("/iuran/pembayaran/")
    form = page.get_by_test_id("payment-form")
    form.locator('select[name="programme"]').select_option(str(draft.programme_id))
    form.locator('input[name="paid_on"]').fill(timezone.localdate().isoformat())
    form.locator('input[name="amount"]').fill("184,363,200")
    form.locator('input[name="reference"]').fill("SP2D-0042")
    form.get_by_role("button", name="Record payment").click()

    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("for example 184.363.200 or Rp 184.363.200")
    expect(page.locator('input[name="amount"]')).to_have_value("184,363,200")
    expect(page.locator('input[name="reference"]')).to_have_value("SP2D-0042")
    page.screenshot(path=test_results_dir / f"money-amount-refused-{connection.vendor}.png", full_page=True)
    summary.get_by_role("link").click()
    expect(page.locator('input[name="amount"]')).to_be_focused()

    page.locator('input[name="amount"]').fill("184.363.200")
    page.get_by_test_id("payment-form").get_by_role("button", name="Record payment").click()
    # The summary's link put #id_amount in the address; the browser keeps it through the redirect.
    page.wait_for_url(re.compile(r"/iuran/(#id_amount)?$"))
    payment = Payment.objects.get()
    assert (payment.amount, payment.reference) == (184_363_200, "SP2D-0042")
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.PAID
