"""In Chromium on a phone's screen (390×844, issue 17): the main menu folds into one button that opens it, every
item of it is visible and leads to its page without sideways scrolling, and a list's filters fold behind a Filter
toggle; on a wide screen (1366×900) the menu and the filters show without a click. Each page is photographed at
phone size into ``test-results/``.

Asserts on ``data-testid``, hrefs and geometry only, so wording may change freely.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from playwright.sync_api import Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from lindung.browser_testing import log_in
from lindung.dashboard.services import dashboard_refresh
from lindung.testing import TEST_PASSWORD, load_small_demo

pytestmark = pytest.mark.browser

PHONE = ViewportSize(width=390, height=844)
WIDE = ViewportSize(width=1366, height=900)
MIN_TARGET_PX = 44  # a finger's target (WCAG 2.5.5)


@pytest.fixture
def demo_data(settings: Any, reference_data: None) -> str:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    code = load_small_demo(workers=120, seed=7)
    dashboard_refresh()
    return code


def _no_sideways_scrolling(page: Page) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} is {width[0]} px wide on a {width[1]} px screen"


def _shot(page: Page, results: Path, name: str) -> None:
    page.screenshot(path=results / f"phone-{name}-{connection.vendor}.png", full_page=True)


def test_on_a_phone_the_menu_button_opens_the_menu_and_every_item_leads_to_its_page(
    page: Page, live_server: LiveServer, demo_data: str, test_results_dir: Path
) -> None:
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "admin_provinsi", TEST_PASSWORD)
    button = page.get_by_test_id("menu-button")
    items = page.locator("header nav.main-nav a")
    hrefs = [items.nth(i).get_attribute("href") or "" for i in range(items.count())]
    assert len(hrefs) >= 10  # the provincial admin sees nearly the whole menu

    # Folded: one button, no item showing; the header stays short.
    expect(button).to_be_visible()
    for i in range(items.count()):
        expect(items.nth(i)).to_be_hidden()
    header = page.locator("header.topbar").bounding_box()
    assert header is not None and header["height"] < PHONE["height"] * 0.15
    _no_sideways_scrolling(page)
    _shot(page, test_results_dir, "home")

    button.click()
    for i in range(items.count()):
        item = items.nth(i)
        expect(item).to_be_visible()
        expect(item).to_be_in_viewport()
        box = item.bounding_box()
        assert box is not None and box["height"] >= MIN_TARGET_PX, f"{hrefs[i]} is a {box} target"
        # Dark on light: the header's white links would vanish on the open menu's white.
        colour, background = item.evaluate(
            "a => [getComputedStyle(a).color, getComputedStyle(a.closest('nav')).backgroundColor]"
        )
        assert colour != background
    _shot(page, test_results_dir, "menu-open")

    page.keyboard.press("Escape")  # closes it, as a menu does
    expect(items.first).to_be_hidden()

    for href in hrefs:
        button.click()
        page.locator(f'header nav.main-nav a[href="{href}"]').click()
        page.wait_for_url(f"{live_server.url}{href}")
        expect(page.locator("main h1").first).to_be_visible()
        expect(items.first).to_be_hidden()  # the new page starts with the menu folded
        _no_sideways_scrolling(page)
        _shot(page, test_results_dir, href.strip("/").replace("/", "-"))


def test_on_a_phone_the_filters_fold_behind_a_toggle_that_opens_them(
    page: Page, live_server: LiveServer, demo_data: str, test_results_dir: Path
) -> None:
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "admin_provinsi", TEST_PASSWORD)
    page.goto("/kepesertaan/")
    toggle = page.get_by_test_id("filter-toggle")
    filters = page.get_by_test_id("filters")
    rows = page.locator('[data-testid="enrolment-list"] tbody tr[data-enrolment]')
    expect(toggle).to_be_visible()
    expect(filters).to_be_hidden()
    box = toggle.bounding_box()
    assert box is not None and box["height"] >= MIN_TARGET_PX
    # The list's key columns come first: the name and the status are on the screen without scrolling sideways.
    for column in (1, 2):
        expect(rows.first.locator(f"td:nth-child({column})")).to_be_in_viewport()
    _no_sideways_scrolling(page)

    toggle.click()
    expect(filters).to_be_visible()
    status = filters.locator('select[name="status"]')
    expect(status).to_be_visible()
    _shot(page, test_results_dir, "filters-open")
    status.select_option("aktif")
    filters.locator('button[type="submit"]').click()
    page.wait_for_url(re.compile(r"/kepesertaan/\?.*status=aktif"))
    expect(rows.first).to_be_visible()
    statuses = {rows.nth(i).locator(".status").get_attribute("class") for i in range(rows.count())}
    assert statuses == {"status status-aktif"}
    _no_sideways_scrolling(page)

    # The new page shows the list first, its filters folded again and kept.
    expect(filters).to_be_hidden()
    toggle.click()
    expect(status).to_have_value("aktif")
    toggle.click()
    expect(filters).to_be_hidden()


def test_on_a_wide_screen_the_menu_and_the_filters_show_without_a_click(
    page: Page, live_server: LiveServer, demo_data: str
) -> None:
    page.set_viewport_size(WIDE)
    log_in(page, live_server, "admin_provinsi", TEST_PASSWORD)
    page.goto("/kepesertaan/")
    expect(page.get_by_test_id("menu-button")).to_be_hidden()
    items = page.locator("header nav.main-nav a")
    for i in range(items.count()):
        expect(items.nth(i)).to_be_visible()
    expect(page.get_by_test_id("filter-toggle")).to_be_hidden()
    expect(page.get_by_test_id("filters")).to_be_visible()
    header = page.locator("header.topbar").bounding_box()
    assert header is not None and header["height"] < 120  # two rows: brand and account, then the menu
    _no_sideways_scrolling(page)
