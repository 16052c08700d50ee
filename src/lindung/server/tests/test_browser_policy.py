"""In Chromium: the admin site and a form page work under the Content-Security-Policy (the ``page`` fixture fails
a test on any violation the browser reports)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from lindung.accounts.models import User
from lindung.browser_testing import log_in

pytestmark = pytest.mark.browser


def test_the_admin_site_runs_its_scripts_under_the_policy(page: Page, live_server: LiveServer) -> None:
    User.objects.create_superuser(username="admin.uji", password="Sungai-Kapuas-2026!", email="a@example.go.id")
    log_in(page, live_server, "admin.uji", "Sungai-Kapuas-2026!")
    page.goto("/admin/accounts/user/add/")
    expect(page.locator("input[name=username]")).to_be_visible()
    page.goto("/admin/accounts/user/")
    # The admin's own script (the select-all box of the change list) ran: it is hidden until JS shows the counter.
    page.locator("#action-toggle").check()
    expect(page.locator(".action-counter")).to_be_visible()
