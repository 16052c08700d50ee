"""In Chromium, with the keyboard alone (issue 17: "keyboard use works for every flow"): a village operator on a
phone's screen signs in, skips the header, opens the folded menu, registers a worker and proposes him, pressing
only Tab, Enter, Space, arrows and typing. Each control is reached by Tab in the page's own order, so a control a
keyboard cannot reach, or a menu that does not open from the keyboard, fails the test.

Asserts on ``data-testid``, names, URLs and the database only, so wording may change freely.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from lindung.accounts.models import User
from lindung.enrolments.models import Enrolment, Status
from lindung.testing import SAMBAS_VILLAGE, TEST_PASSWORD, make_cast, make_nik, make_programme, set_quota
from lindung.workers.models import Worker

pytestmark = pytest.mark.browser

PHONE = ViewportSize(width=390, height=844)
# More Tab presses than any page of the flow has stops before its last control.
TAB_LIMIT = 60


@pytest.fixture
def operator(reference_data: None) -> User:
    return make_cast()["operator_desa"]


def _focused_matches(page: Page, selector: str) -> bool:
    return bool(page.evaluate("(s) => document.activeElement !== null && document.activeElement.matches(s)", selector))


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until the focused element matches ``selector``; fail when it is not reached."""
    for _ in range(TAB_LIMIT):
        page.keyboard.press("Tab")
        if _focused_matches(page, selector):
            return
    raise AssertionError(f"{selector} is not reached with Tab on {page.url}")


def test_a_village_operator_registers_and_proposes_with_the_keyboard_only(
    page: Page, live_server: LiveServer, operator: User
) -> None:
    programme = make_programme("KALBAR-2026")
    set_quota(programme, "61.01", 10)
    nik = make_nik(district=SAMBAS_VILLAGE[:8], birth_date=dt.date(1979, 8, 8))
    page.set_viewport_size(PHONE)

    # Sign in: Tab to each field, Enter in the password field submits the form.
    page.goto("/masuk/")
    tab_to(page, 'main input[name="username"]')
    page.keyboard.type(operator.username)
    tab_to(page, 'main input[name="password"]')
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")

    # The first Tab stop is the link that skips the header; following it puts the focus in the page's content.
    page.keyboard.press("Tab")
    assert _focused_matches(page, "a.skip-link")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.closest('main') !== null")

    # The folded menu opens from the keyboard and its items are reachable.
    page.goto("/")
    tab_to(page, '[data-testid="menu-button"]')
    page.keyboard.press("Enter")
    expect(page.locator('header nav.main-nav a[href="/pekerja/"]')).to_be_visible()
    tab_to(page, 'header nav.main-nav a[href="/pekerja/"]')
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/pekerja/$"))

    # Register a worker.
    tab_to(page, '[data-testid="register-link"]')
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/pekerja/daftar/$"))
    tab_to(page, "#id_nik")
    page.keyboard.type(nik)
    tab_to(page, "#id_name")
    page.keyboard.type("Yusuf Hamdani")
    tab_to(page, "#id_birth_place")
    page.keyboard.type("Sambas")
    tab_to(page, "#id_birth_date")
    # The browser's date box takes its day and month in the order of the browser's own language (not the page's):
    # the eighth of August reads the same both ways; the year comes last in both.
    for part in ("08", "08", "1979"):
        page.keyboard.type(part)
    expect(page.locator("#id_birth_date")).to_have_value("1979-08-08")
    tab_to(page, 'input[name="sex"]')
    page.keyboard.press("Space")  # the first of the group: Laki-laki (L)
    expect(page.locator('input[name="sex"][value="L"]')).to_be_checked()
    tab_to(page, "#id_address")
    page.keyboard.type("Jl. Pelabuhan No. 12")
    tab_to(page, "#id_occupation")
    page.keyboard.type("Nelayan")
    tab_to(page, "#id_privacy_notice")  # the person was given the privacy notice
    page.keyboard.press("Space")
    expect(page.locator("#id_privacy_notice")).to_be_checked()
    tab_to(page, '[data-testid="worker-form"] button[type="submit"]')
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/pekerja/\d+/$"))
    worker = Worker.objects.get(nik=nik)
    assert worker.village_id == SAMBAS_VILLAGE

    # Propose him: the programme is chosen with the arrows, the form sent with Enter on its button.
    tab_to(page, '[data-testid="propose-link"]')
    page.keyboard.press("Enter")
    form = page.get_by_test_id("propose-form")
    expect(form).to_be_visible()  # the proposal's page has loaded
    tab_to(page, '[data-testid="propose-form"] select[name="programme"]')
    if form.locator('select[name="programme"]').input_value() != str(programme.pk):
        page.keyboard.press("ArrowDown")
    expect(form.locator('select[name="programme"]')).to_have_value(str(programme.pk))
    tab_to(page, '[data-testid="propose-form"] button[type="submit"]')
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/kepesertaan/\d+/$"))
    assert Enrolment.objects.get(worker=worker, programme=programme).status == Status.PROPOSED
