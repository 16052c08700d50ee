"""In Chromium, on a phone-sized screen: a verifier (a role that sees the whole province) must set up two-factor login
(``LINDUNG_REQUIRE_2FA``), does so with the key the page shows (the code computed here, as an authenticator app
would), keeps the recovery codes, and logs in again with a code. The issue's "Done when": two-factor login is tested
for a province-wide role."""

from __future__ import annotations

import base64
import re
import time
from pathlib import Path

import pytest
from django.db import connection
from django_otp.oath import TOTP
from playwright.sync_api import Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from lindung.accounts.models import Role, User

pytestmark = pytest.mark.browser

USERNAME = "verifikator.provinsi"
PASSWORD = "Kapuas-Hulu-2025!"
PHONE: ViewportSize = {"width": 390, "height": 844}


def app_code(key: str, *, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the base32 ``key`` typed into it."""
    totp = TOTP(base64.b32decode(key), step=30, t0=0, digits=6)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def fits_the_screen(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_verifier_sets_up_two_factor_login_and_logs_in_with_a_code(
    page: Page, live_server: LiveServer, reference_data: None, test_results_dir: Path, settings
) -> None:
    settings.LINDUNG_REQUIRE_2FA = True
    User.objects.create_user(username=USERNAME, password=PASSWORD, role=Role.VERIFIKATOR, region_id="61")
    page.set_viewport_size(PHONE)

    # The password alone leads to the setup page, and nowhere else.
    page.goto("/masuk/")
    page.locator('input[name="username"]').fill(USERNAME)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('main form[data-testid="login"] button[type="submit"]').click()
    page.wait_for_url(f"{live_server.url}/akun/dua-langkah/pasang/")
    page.goto("/pekerja/")
    page.wait_for_url(f"{live_server.url}/akun/dua-langkah/pasang/")

    qr = page.locator("figure.qr svg.qr-code")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box is not None and box["width"] >= 150 and box["x"] + box["width"] <= PHONE["width"]
    assert fits_the_screen(page)
    page.screenshot(path=test_results_dir / f"two-factor-setup-{connection.vendor}.png", full_page=True)

    key = re.sub(r"\s+", "", page.get_by_test_id("totp-secret").inner_text())
    assert re.fullmatch(r"[A-Z2-7]{32}", key)
    form = page.locator('form[data-testid="two-factor-confirm"]')
    form.locator('input[name="code"]').fill(app_code(key))
    form.locator('button[type="submit"]').click()

    codes = page.get_by_test_id("recovery-codes").locator("li")
    expect(codes).to_have_count(10)
    recovery = [text.strip() for text in codes.all_inner_texts()]
    assert all(re.fullmatch(r"[a-z2-7]{4}-[a-z2-7]{4}", code) for code in recovery)
    download_button = page.locator("button[data-download]")
    expect(download_button).to_be_visible()  # shown by site.js: the script ran under the policy
    with page.expect_download() as download:
        download_button.click()
    saved = Path(download.value.path()).read_text()
    assert all(code in saved for code in recovery)
    assert fits_the_screen(page)
    page.screenshot(path=test_results_dir / f"two-factor-recovery-codes-{connection.vendor}.png", full_page=True)
    page.get_by_test_id("recovery-codes-done").click()
    page.wait_for_url(f"{live_server.url}/akun/")
    expect(page.get_by_test_id("two-factor-status")).to_have_class(re.compile(r"\bon\b"))
    assert fits_the_screen(page)
    page.screenshot(path=test_results_dir / f"two-factor-account-{connection.vendor}.png", full_page=True)

    # Out and in again: the password, then the code of the app.
    page.locator('header form[action="/keluar/"] button').click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto("/masuk/?next=/pekerja/")
    page.locator('input[name="username"]').fill(USERNAME)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('main form[data-testid="login"] button[type="submit"]').click()
    page.wait_for_url(f"{live_server.url}/masuk/kode/")
    expect(page.get_by_test_id("whoami")).to_have_count(0)  # not signed in yet
    assert fits_the_screen(page)
    page.screenshot(path=test_results_dir / f"two-factor-code-{connection.vendor}.png", full_page=True)

    code_form = page.locator('form[data-testid="login-code"]')
    code_form.locator('input[name="code"]').fill("000000" if app_code(key, steps_ahead=1) != "000000" else "111111")
    code_form.locator('button[type="submit"]').click()
    expect(page.locator("#code-error")).to_be_visible()  # under its field
    expect(page.get_by_test_id("whoami")).to_have_count(0)

    # The code that confirmed the setup is spent (a time step is accepted once): the app's next one is taken.
    code_form.locator('input[name="code"]').fill(app_code(key, steps_ahead=1))
    code_form.locator('button[type="submit"]').click()
    page.wait_for_url(f"{live_server.url}/pekerja/")
    expect(page.get_by_test_id("whoami")).to_contain_text(USERNAME)
