"""In Chromium: the province's administrator opens the administration from the menu, creates a regency operator and
gives a regency its quota, all without Django's admin; the new operator logs in with the temporary password and must
choose their own first. Pages in English (chosen with the language selector), so the assertions read its words.
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
from lindung.browser_testing import choose_english, log_in
from lindung.programmes.models import Programme, RegencyQuota
from lindung.testing import TEST_PASSWORD, make_programme, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def administered(settings: Any, reference_data: None) -> Programme:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    make_user("admin_provinsi", Role.ADMIN_PROVINSI, "61", first_name="Admin", last_name="Provinsi")
    return make_programme("KALBAR-2026")


def test_the_province_admin_creates_a_user_and_a_quota_without_the_django_admin(
    page: Page, live_server: LiveServer, administered: Programme, test_results_dir: Path
) -> None:
    log_in(page, live_server, "admin_provinsi", TEST_PASSWORD)
    choose_english(page)
    page.get_by_test_id("nav-administration").click()
    page.wait_for_url(re.compile(r"/pengaturan/$"))
    page.screenshot(path=test_results_dir / f"administration-index-{connection.vendor}.png", full_page=True)

    # A new regency operator for Bengkayang.
    page.get_by_test_id("card-users").click()
    page.get_by_test_id("user-create").click()
    form = page.get_by_test_id("user-form")
    form.locator('input[name="username"]').fill("operator_bengkayang")
    form.locator('input[name="first_name"]').fill("Rina")
    form.locator('select[name="role"]').select_option(Role.OPERATOR_KABUPATEN)
    form.locator('input[name="region"]').fill("61")  # the province: refused for a regency operator
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("form-errors")).to_contain_text("works in one regency or city")
    expect(form.locator('input[name="username"]')).to_have_value("operator_bengkayang")  # what was typed is kept
    page.screenshot(path=test_results_dir / f"administration-user-refused-{connection.vendor}.png", full_page=True)
    form.locator('input[name="region"]').fill("61.07")
    page.get_by_test_id("save").click()
    password = page.get_by_test_id("temporary-password").inner_text()
    assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", password)
    page.screenshot(path=test_results_dir / f"administration-user-created-{connection.vendor}.png", full_page=True)
    user = User.objects.get(username="operator_bengkayang")
    assert (user.role, user.region_id, user.first_name) == (Role.OPERATOR_KABUPATEN, "61.07", "Rina")

    # Bengkayang's quota in the provincial programme.
    page.get_by_test_id("tab-programmes").click()
    page.locator('[data-programme="KALBAR-2026"] a').click()
    quota_form = page.get_by_test_id("quota-form")
    quota_form.locator('select[name="regency"]').select_option("61.07")
    quota_form.locator('input[name="quota"]').fill("250")
    page.get_by_test_id("quota-save").click()
    expect(page.locator('[data-testid="quota-list"] tr[data-regency="61.07"]')).to_contain_text("250")
    expect(page.get_by_test_id("quota-total")).to_contain_text("250 places")
    page.screenshot(path=test_results_dir / f"administration-quota-{connection.vendor}.png", full_page=True)
    assert RegencyQuota.objects.get(programme=administered, regency_id="61.07").quota == 250
    assert set(AuditEntry.objects.values_list("action", flat=True)) >= {"account.created", "regencyquota.created"}
    assert "/admin/" not in page.url

    # The new operator logs in with the temporary password and is asked for their own.
    page.locator('header form[action="/keluar/"] button[type="submit"]').click()
    log_in_then_password(page, live_server, "operator_bengkayang", password)
    expect(page.get_by_test_id("temporary-password")).to_be_visible()
    page.screenshot(path=test_results_dir / f"administration-first-login-{connection.vendor}.png", full_page=True)


def log_in_then_password(page: Page, live_server: LiveServer, username: str, password: str) -> None:
    """Sign in; a user with a temporary password lands on the password page, not the home page."""
    page.goto("/masuk/")
    page.locator('input[name="username"]').fill(username)
    page.locator('input[name="password"]').fill(password)
    page.locator('main form[data-testid="login"] button[type="submit"]').click()
    page.wait_for_url(f"{live_server.url}/akun/sandi/")
