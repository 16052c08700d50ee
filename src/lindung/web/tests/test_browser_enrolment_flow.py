"""In Chromium, the registry's whole road: an operator of Sambas registers a worker and proposes them, the
verifier verifies and sends them to BPJS, petugas BPJS activates them with a KPJ, and the operator of Kota
Pontianak cannot find or open the worker. Then the same pages in English, chosen with the language selector.

The Indonesian run asserts only on strings already translated in ``locale/id`` (menu, statuses), on
``data-testid``/URLs and on the database, so that new, not yet translated strings do not break it.
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
from lindung.enrolments.models import Enrolment, Status
from lindung.regions.models import Region
from lindung.testing import TEST_PASSWORD, make_cast, make_nik, make_programme, set_quota
from lindung.workers.models import OccupationCategory, Worker

pytestmark = pytest.mark.browser

DISTRICT = "61.01.01"  # a district of Sambas
VILLAGE = "61.01.01.2001"
BIRTH_DATE = dt.date(1985, 3, 12)
KPJ = "26010000123"


@pytest.fixture
def browser_cast(settings: Any, reference_data: None) -> dict[str, User]:
    """The cast (``lindung.testing.make_cast``) after a transactional test's flush, hashed with MD5: Argon2
    costs about a second per user. The live server thread reads the same settings, so logins through the
    browser check these hashes."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return make_cast()


def _shot(page: Page, results: Path, name: str) -> None:
    page.screenshot(path=results / f"enrolment-flow-{name}-{connection.vendor}.png", full_page=True)


def _log_in(page: Page, live_server: LiveServer, username: str) -> None:
    log_in(page, live_server, username, TEST_PASSWORD)
    expect(page.get_by_test_id("whoami")).to_contain_text(username)


def _log_out(page: Page, live_server: LiveServer) -> None:
    page.locator('header form[action="/keluar/"] button[type="submit"]').click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_test_id("whoami")).to_have_count(0)


def _status(page: Page) -> str | None:
    return page.get_by_test_id("status").get_attribute("data-status")


def _open_enrolment_from_list(page: Page, enrolment: Enrolment) -> None:
    page.locator('header nav.main-nav a[href="/kepesertaan/"]').click()
    page.locator(f'tr[data-enrolment="{enrolment.pk}"] a').click()
    page.wait_for_url(re.compile(rf"/kepesertaan/{enrolment.pk}/$"))


def test_worker_goes_from_registration_to_active_and_stays_hidden_from_another_regency(
    page: Page, live_server: LiveServer, browser_cast: dict[str, User], test_results_dir: Path
) -> None:
    programme = make_programme("KALBAR-2026")
    set_quota(programme, "61.01", 10)
    farmer = OccupationCategory.objects.get(code="PETANI")
    nik = make_nik(district=DISTRICT, birth_date=BIRTH_DATE, sex="P")
    district_villages = Region.objects.filter(parent_id=DISTRICT, level=Region.Level.VILLAGE).count()
    html = page.locator("html")
    messages = page.locator("main ul.messages li.success")

    # 1. operator_sambas registers the worker, in Indonesian.
    _log_in(page, live_server, "operator_sambas")
    expect(html).to_have_attribute("lang", "id")
    workers_link = page.locator('header nav.main-nav a[href="/pekerja/"]')
    expect(workers_link).to_have_text("Pekerja")
    expect(page.locator('header nav.main-nav a[href="/kepesertaan/"]')).to_have_text("Kepesertaan")
    workers_link.click()
    page.wait_for_url(f"{live_server.url}/pekerja/")
    expect(page.locator("h1")).to_have_text("Pekerja")
    page.get_by_test_id("register-link").click()
    page.wait_for_url(f"{live_server.url}/pekerja/daftar/")

    form = page.get_by_test_id("worker-form")
    form.locator("#id_nik").fill(nik)
    form.locator("#id_name").fill("Siti Aminah")
    form.locator("#id_birth_place").fill("Sambas")
    form.locator("#id_birth_date").fill(BIRTH_DATE.isoformat())
    form.locator('input[name="sex"][value="P"]').check()
    form.locator("#id_kk_number").fill("6101011203850001")
    form.locator("#id_mother_maiden_name").fill("Aisyah")
    form.locator("#id_address").fill("Jl. Pembangunan No. 7")
    # The picker: the operator's only regency is chosen; picking the district narrows the villages.
    regency = form.locator("#pick-regency")
    expect(regency).to_be_visible()  # the script un-hides the picker
    expect(regency).to_have_value("61.01")
    form.locator("#pick-district").select_option(DISTRICT)
    villages = form.locator("#id_village option")
    expect(villages).to_have_count(district_villages + 1)  # plus the empty first option
    expect(form.locator(f'#id_village option[value^="{DISTRICT}."]')).to_have_count(district_villages)
    form.locator("#id_village").select_option(VILLAGE)
    form.locator("#id_phone").fill("0812-3456-7890")
    form.locator("#id_occupation").fill("Petani")  # a category, or an occupation: typed, or picked from its list
    expect(form.locator("#id_declared_income")).to_have_value("1.000.000")
    form.locator("#id_heirs-0-name").fill("Rahmat")
    form.locator("#id_heirs-0-relation").select_option("anak")
    form.locator("#id_privacy_notice").check()  # the person was given the privacy notice
    _shot(page, test_results_dir, "1-register-form")
    form.locator('button[type="submit"]').click()

    page.wait_for_url(re.compile(r"/pekerja/\d+/$"))
    worker = Worker.objects.get(nik=nik)
    assert page.url == f"{live_server.url}/pekerja/{worker.pk}/"
    assert (worker.name, worker.birth_date, worker.sex, worker.village_id) == ("Siti Aminah", BIRTH_DATE, "P", VILLAGE)
    assert (worker.phone, worker.occupation_id, worker.declared_income) == ("+6281234567890", farmer.pk, 1_000_000)
    assert list(worker.heirs.values_list("name", "relation")) == [("Rahmat", "anak")]
    expect(messages).to_contain_text("Siti Aminah")
    expect(page.get_by_test_id("nik")).to_have_text(f"{nik[:4]}******{nik[-6:]}")  # masked
    _shot(page, test_results_dir, "1-worker-page")

    page.get_by_test_id("propose-link").click()
    page.wait_for_url(f"{live_server.url}/kepesertaan/usulkan/{worker.pk}/")
    propose = page.get_by_test_id("propose-form")
    propose.locator('select[name="programme"]').select_option(str(programme.pk))
    propose.locator('button[type="submit"]').click()
    page.wait_for_url(re.compile(r"/kepesertaan/\d+/$"))
    enrolment = Enrolment.objects.get(worker=worker, programme=programme)
    assert enrolment.status == Status.PROPOSED
    assert page.url == f"{live_server.url}/kepesertaan/{enrolment.pk}/"
    expect(messages).to_contain_text("KALBAR-2026")
    expect(page.get_by_test_id("status")).to_have_text("Diusulkan")
    expect(page.get_by_test_id("steps")).to_have_count(0)  # an operator cannot verify
    _shot(page, test_results_dir, "1-proposed")
    _log_out(page, live_server)

    # 2. The verifier verifies, then sends the programme's verified enrolments to BPJS.
    _log_in(page, live_server, "verifikator")
    _open_enrolment_from_list(page, enrolment)
    assert _status(page) == Status.PROPOSED
    page.get_by_test_id("step-verify").locator('button[type="submit"]').click()
    expect(page.get_by_test_id("status")).to_have_text("Terverifikasi")
    enrolment.refresh_from_db()
    assert enrolment.status == Status.VERIFIED
    assert page.url == f"{live_server.url}/kepesertaan/{enrolment.pk}/"
    expect(messages).to_have_count(1)
    _shot(page, test_results_dir, "2-verified")

    page.locator('header nav.main-nav a[href="/kepesertaan/"]').click()
    panel = page.get_by_test_id("send-panel")
    expect(panel.locator('li[data-programme="KALBAR-2026"]')).to_contain_text("1")
    _shot(page, test_results_dir, "2-send-panel")
    panel.get_by_test_id("send-KALBAR-2026").click()
    expect(messages).to_contain_text("KALBAR-2026")
    expect(page.get_by_test_id("send-panel")).to_have_count(0)  # nothing left waiting
    enrolment.refresh_from_db()
    assert enrolment.status == Status.SENT
    assert enrolment.batch is not None and enrolment.batch.number == 1
    _shot(page, test_results_dir, "2-sent")
    _log_out(page, live_server)

    # 3. Petugas BPJS records the membership: a wrong KPJ first, refused next to its field.
    _log_in(page, live_server, "petugas_bpjs")
    _open_enrolment_from_list(page, enrolment)
    expect(page.get_by_test_id("status")).to_have_text("Dikirim ke BPJS")
    expect(page.get_by_test_id("batch")).to_be_visible()
    activate = page.get_by_test_id("step-activate")
    activate.locator('input[name="kpj"]').fill("12345")
    activate.locator('input[name="coverage_start"]').fill("2026-02-01")
    activate.locator('button[type="submit"]').click()
    expect(page.get_by_test_id("step-activate").get_by_test_id("error-kpj")).to_be_visible()
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.kpj, enrolment.coverage_start) == (Status.SENT, "", None)

    activate = page.get_by_test_id("step-activate")
    activate.locator('input[name="kpj"]').fill(KPJ)
    activate.locator('input[name="coverage_start"]').fill("2026-02-01")
    activate.locator('button[type="submit"]').click()
    expect(page.get_by_test_id("kpj")).to_have_text(KPJ)
    expect(page.get_by_test_id("status")).to_have_text("Aktif")
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.kpj, enrolment.coverage_start) == (Status.ACTIVE, KPJ, dt.date(2026, 2, 1))
    expect(messages).to_have_count(1)
    _shot(page, test_results_dir, "3-active")
    _log_out(page, live_server)

    # 4. The operator of Kota Pontianak can neither list, search nor open the worker.
    _log_in(page, live_server, "operator_pontianak")
    page.locator('header nav.main-nav a[href="/pekerja/"]').click()
    page.wait_for_url(f"{live_server.url}/pekerja/")
    expect(page.locator(f'tr[data-worker="{worker.pk}"]')).to_have_count(0)
    page.locator("#id_q").fill(nik)
    page.locator('form[role="search"] button[type="submit"]').click()
    page.wait_for_url(re.compile(r"/pekerja/\?.*cari="))
    assert nik not in page.url  # the NIK was posted; the address holds only the search's key
    expect(page.get_by_test_id("no-workers")).to_be_visible()
    _shot(page, test_results_dir, "4-search-nothing")
    for url in (f"/pekerja/{worker.pk}/", f"/kepesertaan/{enrolment.pk}/", f"/kepesertaan/usulkan/{worker.pk}/"):
        response = page.goto(url)
        assert response is not None and response.status == 404, url
        expect(page.get_by_text("Siti Aminah")).to_have_count(0)
    _shot(page, test_results_dir, "4-not-found")


def test_worker_pages_switch_to_english_with_the_language_selector(
    page: Page, live_server: LiveServer, browser_cast: dict[str, User], test_results_dir: Path
) -> None:
    _log_in(page, live_server, "operator_sambas")
    page.goto("/pekerja/")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.locator("h1")).to_have_text("Pekerja")

    with page.expect_response("**/i18n/setlang/"):
        page.locator("select#language").select_option("en")  # submits the form on change
    page.wait_for_url(f"{live_server.url}/pekerja/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Workers")
    expect(page.locator('header nav.main-nav a[href="/kepesertaan/"]')).to_have_text("Enrolments")
    expect(page.get_by_label("NIK, its last 6 digits, or name")).to_be_visible()
    expect(page.get_by_test_id("no-workers")).to_have_text("No worker matches.")
    register = page.get_by_role("link", name="Register a worker")
    _shot(page, test_results_dir, "en-list")
    register.click()

    page.wait_for_url(f"{live_server.url}/pekerja/daftar/")
    expect(page.locator("h1")).to_have_text("Register a worker")
    # The heirs' rows have a name and a NIK too: look for each label in its own fieldset.
    for group, labels in (
        ("Identity", ("NIK", "Name", "Date of birth", "Female")),
        ("Address", ("Regency/city", "District", "Village")),
        ("Work", ("Occupation",)),
    ):
        fieldset = page.get_by_role("group", name=group, exact=True)
        for label in labels:
            expect(fieldset.get_by_label(label, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Register", exact=True)).to_be_visible()

    # A refused form speaks English too: an invalid NIK gets its sentence next to the field.
    page.locator("#id_nik").fill("123")
    page.get_by_role("button", name="Register", exact=True).click()
    expect(page.locator('[data-field="nik"] .field-error')).to_be_visible()
    assert not Worker.objects.exists()
    _shot(page, test_results_dir, "en-register")
