"""In Chromium: open the home page, log in through the login form, then switch the language to English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from lindung.accounts.models import User

pytestmark = pytest.mark.browser

USERNAME = "penguji.masuk"
PASSWORD = "Kapuas-Hulu-2025!"


def test_login_through_form_then_switch_to_english(
    page: Page, live_server: LiveServer, reference_data: None, test_results_dir: Path
) -> None:
    User.objects.create_user(username=USERNAME, password=PASSWORD)  # no role, so no region needed
    home_url = f"{live_server.url}/"
    html = page.locator("html")
    login_link = page.locator('header a[href="/masuk/"]')
    whoami = page.get_by_test_id("whoami")

    page.goto("/")
    expect(page).to_have_title(re.compile("Lindung"))
    expect(html).to_have_attribute("lang", "id")  # Indonesian for a browser that asks for id-ID
    expect(login_link).to_be_visible()
    expect(whoami).to_have_count(0)

    login_link.click()
    page.wait_for_url(f"{live_server.url}/masuk/")
    page.locator('input[name="username"]').fill(USERNAME)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('main form button[type="submit"]').click()

    page.wait_for_url(home_url)
    expect(whoami).to_contain_text(USERNAME)
    expect(login_link).to_have_count(0)
    assert User.objects.get(username=USERNAME).last_login is not None
    page.screenshot(path=test_results_dir / f"login-home-{connection.vendor}.png", full_page=True)

    with page.expect_response("**/i18n/setlang/"):
        page.locator("select#language").select_option("en")  # submits the form on change
    page.wait_for_url(home_url)
    expect(html).to_have_attribute("lang", "en")
    expect(page.locator("select#language")).to_have_value("en")
    expect(whoami).to_contain_text(USERNAME)  # still logged in after the language change
