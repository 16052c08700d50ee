"""In Chromium, the frictions of issue 16 gone: a village operator registers a marbot (their village already
chosen, "Marbot" typed as the occupation), finds her again by her name's words in another order and by the last
six digits of her NIK that the list shows, and a second registration of the same NIK links to her page.

Asserts on ``data-testid``s, values and the database rather than on sentences, so that the Indonesian pages
(the default) do not need reading here.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from lindung.accounts.models import User
from lindung.browser_testing import log_in
from lindung.testing import SAMBAS_VILLAGE, TEST_PASSWORD, make_cast, make_nik, make_worker
from lindung.workers.models import Worker

pytestmark = pytest.mark.browser

BIRTH_DATE = dt.date(1979, 8, 3)


@pytest.fixture
def browser_cast(settings: Any, reference_data: None) -> dict[str, User]:
    """The cast after a transactional test's flush, hashed with MD5 (Argon2 costs a second per user)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return make_cast()


def _shot(page: Page, results: Path, name: str) -> None:
    page.screenshot(path=results / f"frictions-{name}-{connection.vendor}.png", full_page=True)


def _fill_registration(page: Page, nik: str) -> None:
    form = page.get_by_test_id("worker-form")
    form.locator("#id_nik").fill(nik)
    form.locator("#id_name").fill("Ahmad Suparman")
    form.locator("#id_birth_place").fill("Sambas")
    form.locator("#id_birth_date").fill(BIRTH_DATE.isoformat())
    form.locator('input[name="sex"][value="L"]').check()
    form.locator("#id_address").fill("Jl. Masjid Raya No. 1")
    form.locator("#id_privacy_notice").check()  # the person was given the privacy notice


def _search(page: Page, q: str) -> None:
    page.locator("#id_q").fill(q)
    page.locator('form.filters button[type="submit"]').click()
    page.wait_for_url(re.compile(r"/pekerja/\?"))


def test_a_village_operator_registers_a_marbot_and_finds_him_by_words_in_any_order_and_by_six_digits(
    page: Page, live_server: LiveServer, browser_cast: dict[str, User], test_results_dir: Path
) -> None:
    nik = make_nik(district=SAMBAS_VILLAGE[:8], birth_date=BIRTH_DATE)
    make_worker(name="Ahmad Yani")  # another Ahmad, whom the searches must leave out
    log_in(page, live_server, "operator_desa", TEST_PASSWORD)

    # 1. The form: the operator's only village is chosen; the occupation is typed as people say it.
    page.goto(f"{live_server.url}/pekerja/daftar/")
    expect(page.locator("#id_village")).to_have_value(SAMBAS_VILLAGE)
    expect(page.locator("#pick-district")).to_have_value(SAMBAS_VILLAGE[:8])
    _fill_registration(page, nik)
    occupation = page.locator("#id_occupation")
    expect(occupation).to_have_attribute("list", "occupation-options")
    expect(page.locator('#occupation-options option[value="marbot"]')).to_have_count(1)
    occupation.fill("Marbot")
    _shot(page, test_results_dir, "1-marbot-form")
    page.get_by_test_id("worker-form").locator('button[type="submit"]').click()
    page.wait_for_url(re.compile(r"/pekerja/\d+/$"))
    worker = Worker.objects.get(nik=nik)
    assert (worker.village_id, worker.occupation.code) == (SAMBAS_VILLAGE, "KEAGAMAAN")
    expect(page.get_by_test_id("nik")).to_have_text(f"{nik[:4]}******{nik[-6:]}")
    _shot(page, test_results_dir, "2-marbot-registered")

    # 2. The list: his name's words in another order find him, and only him.
    page.goto(f"{live_server.url}/pekerja/")
    _search(page, "Suparman Ahmad")
    rows = page.locator("tr[data-worker]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-worker", str(worker.pk))
    expect(rows.first.locator("code")).to_have_text(f"{nik[:4]}******{nik[-6:]}")
    _shot(page, test_results_dir, "3-any-order-search")

    # 3. The six digits the list shows find him too.
    _search(page, nik[-6:])
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-worker", str(worker.pk))
    _shot(page, test_results_dir, "4-last-six-digits-search")

    # 4. Registering the same NIK again: refused next to the NIK, with a link to the worker who holds it.
    page.goto(f"{live_server.url}/pekerja/daftar/")
    _fill_registration(page, nik)
    page.locator("#id_occupation").fill("guru ngaji")
    page.get_by_test_id("worker-form").locator('button[type="submit"]').click()
    link = page.get_by_test_id("nik-link")
    expect(link).to_be_visible()
    expect(page.locator("#id_occupation")).to_have_value("guru ngaji")  # what was typed stays
    _shot(page, test_results_dir, "5-duplicate-nik-link")
    link.click()
    page.wait_for_url(f"{live_server.url}/pekerja/{worker.pk}/")
    assert Worker.objects.filter(nik=nik).count() == 1
