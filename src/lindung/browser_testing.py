"""Browser test harness: a Playwright ``Page`` driving Debian's Chromium against pytest-django's live server.

The fixtures are registered once, by ``lindung/conftest.py``: a test module that imported them itself
would get a second session-scoped browser, and a second Playwright loop in the same thread fails.

Playwright cannot download its own browsers here, so it launches ``/usr/bin/chromium`` (``apt-get install
chromium``; ``make browsers`` does it as root). Without that binary browser tests are skipped on a developer's
machine and fail in CI (``CI=true``), so a CI machine that lost its browser cannot pass silently.

Screenshots go to ``test-results/`` at the repository root: the ones a test takes on purpose, and one of
every browser test that fails.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

# Playwright's sync API runs an event loop in the test thread; Django would otherwise refuse the ORM
# calls the test makes (creating users, checking rows) from that thread.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

# Debian's package; LINDUNG_TEST_CHROMIUM points elsewhere (`make ... CHROMIUM=/path` sets it).
CHROMIUM = Path(os.environ.get("LINDUNG_TEST_CHROMIUM") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps trying to reach Google's services on a closed network.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Generous enough for a loaded CI machine, short enough that a broken page fails in seconds, not minutes.
ACTION_TIMEOUT_MS = 15_000
expect.set_options(timeout=ACTION_TIMEOUT_MS)


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no", "off"}


@pytest.fixture(scope="session")
def test_results_dir(pytestconfig: pytest.Config) -> Path:
    """``test-results/`` next to pyproject.toml (ignored by git)."""
    path = pytestconfig.rootpath / "test-results"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole session."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install it with `apt-get install -y chromium` (or `make browsers`)"
        if running_in_ci():
            pytest.fail(f"CI=true and {message}", pytrace=False)
        pytest.skip(message)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember each phase's report on the test item so the ``page`` fixture can tell that a test failed."""
    report = yield
    setattr(item, f"lindung_report_{report.when}", report)
    return report


@pytest.fixture
def page(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest, test_results_dir: Path
) -> Iterator[Page]:
    """A fresh browser context and page per test (own cookies), speaking Indonesian like our users' browsers.

    Relative URLs resolve against the live server: ``page.goto("/")`` opens the home page. Requesting
    ``live_server`` makes the test transactional: it sees committed data only, and the database is
    flushed afterwards (ask for ``reference_data`` to get regions, rules and categories back).
    """
    with open_page(browser, live_server.url, request, test_results_dir) as new_page:
        yield new_page


@contextlib.contextmanager
def open_page(
    browser: Browser, base_url: str, request: pytest.FixtureRequest, test_results_dir: Path
) -> Iterator[Page]:
    """A fresh browser context and page on the server at ``base_url`` (the live server, or a ``lindung serve``
    that a test started), failing the test on anything the Content-Security-Policy blocked, and photographing
    the page of a test that failed."""
    context = browser.new_context(
        base_url=base_url,
        locale="id-ID",
        timezone_id="Asia/Pontianak",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    new_page = context.new_page()
    # Whatever the Content-Security-Policy blocked (an inline script, a handler, a foreign source) fails the test:
    # in a user's browser it would silently not work.
    blocked: list[str] = []
    new_page.on(
        "console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None
    )
    try:
        yield new_page
        assert blocked == [], f"blocked by the Content-Security-Policy: {blocked}"
    finally:
        report = getattr(request.node, "lindung_report_call", None)
        if report is not None and report.failed:
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
            with contextlib.suppress(Exception):  # a screenshot must never hide the real failure
                new_page.screenshot(path=test_results_dir / f"FAILED-{name}.png", full_page=True)
        context.close()


# --- steps the browser tests share ------------------------------------------------------------------


def log_in(page: Page, live_server: LiveServer, username: str, password: str) -> None:
    """Sign in through the login form and wait for the home page."""
    page.goto("/masuk/")
    page.locator('input[name="username"]').fill(username)
    page.locator('input[name="password"]').fill(password)
    page.locator('main form[data-testid="login"] button[type="submit"]').click()
    page.wait_for_url(f"{live_server.url}/")


def choose_english(page: Page) -> None:
    """Switch the interface to English with the header's language selector (it submits on change)."""
    with page.expect_response("**/i18n/setlang/"):
        page.locator("select#language").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
