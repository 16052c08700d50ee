"""In Chromium: every page of every role, in Indonesian and in English, at 1366×900 and at 390×844 (issue 17).

Each role signs in once per language and visits the pages its menu leads to, the pages those link to, and one
detail page of each kind (worker, enrolment, import, invoice, claim, batch, user, programme, BPJS office); the
signed-out visitor sees the login, the public check, the glossary and the 404 page; a role sees the 403 page of
a page it may not open. Each page, loaded once at 1366×900 and then narrowed to 390×844, must (see
``crawl_checks``):

- answer as expected (200; 403/404 for the error pages) with nothing blocked by the Content-Security-Policy;
- not scroll sideways at either size (``scrollWidth <= innerWidth``);
- show no word of the other language, and offer each language under its own name;
- show no code in its text (``enrolment.activated``, ``True``, ``coverage_start``);
- have no serious or critical axe-core violation at either size;
- weigh at most 150 KB on the wire with the browser cache off.

Its photograph at phone size goes to ``test-results/crawl-<database>-<role>-<language>-<page>.png``.

One live server and one data set serve the whole module (a transactional test's flush after each page would
cost more than the crawl): the module's fixture loads the data through the services, so histories hold real
audit entries, starts its own live server, and flushes the database when the module is done, as a
transactional test does. ``test_the_crawl_reaches_every_page_the_menu_leads_to`` keeps the list of pages honest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import override_settings
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from playwright.sync_api import Browser, BrowserContext, Page
from pytest_django.live_server_helper import LiveServer

from lindung.accounts.models import Role, User
from lindung.accounts.permissions import ROLE_ACTIONS, Action
from lindung.browser_testing import ACTION_TIMEOUT_MS
from lindung.testing import SAMBAS_VILLAGE, TEST_PASSWORD, make_cast, make_programme, make_worker, set_quota
from lindung.tests import crawl_checks as checks

# The crawl looks at pages, which the two databases serve alike; it runs in the SQLite run only, so that CI's
# suite stays well under its 20 minutes (about 3 minutes a run on two cores). The pages' queries are tested on
# PostgreSQL by each app's own tests, the browser tests of the flows included.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        connection.vendor == "postgresql",
        reason="the crawl runs once, in the SQLite run: pages are the same on both databases",
    ),
]

LANGUAGES = ("id", "en")
# One user per role (operator_pontianak is operator_sambas's role again).
ROLES = {
    "admin_provinsi": Role.ADMIN_PROVINSI,
    "verifikator": Role.VERIFIKATOR,
    "operator_sambas": Role.OPERATOR_KABUPATEN,
    "operator_desa": Role.OPERATOR_DESA,
    "petugas_bpjs": Role.PETUGAS_BPJS,
    "keuangan": Role.KEUANGAN,
    "pimpinan": Role.PIMPINAN,
    "pejabat_pdp": Role.PEJABAT_PELINDUNGAN_DATA,
}
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class CrawlPage:
    """A page of the crawl: its address (from the data's ids), who may open it, the status it answers."""

    path: Callable[[dict[str, int]], str]
    # Any of these lets a role open the page; () = any signed-in user.
    actions: tuple[Action, ...] = ()
    anonymous: bool = False  # the signed-out visitor's page (and only theirs)
    status: int = 200
    only: tuple[str, ...] = ()  # these users only


def _fixed(path: str) -> Callable[[dict[str, int]], str]:
    return lambda _data: path


PAGES: dict[str, CrawlPage] = {
    # Signed out.
    "home-public": CrawlPage(_fixed("/"), anonymous=True),
    "login": CrawlPage(_fixed("/masuk/"), anonymous=True),
    "public-check": CrawlPage(_fixed("/cek-status/"), anonymous=True),
    "glossary-public": CrawlPage(_fixed("/bantuan/istilah/"), anonymous=True),
    "api-reference": CrawlPage(_fixed("/api/v1/"), anonymous=True),
    "not-found": CrawlPage(_fixed("/tidak-ada/"), anonymous=True, status=404),
    # Every signed-in user.
    "home": CrawlPage(_fixed("/")),
    "account": CrawlPage(_fixed("/akun/")),
    "password": CrawlPage(_fixed("/akun/sandi/")),
    "token-create": CrawlPage(_fixed("/akun/token/baru/")),
    "two-factor": CrawlPage(_fixed("/akun/dua-langkah/pasang/")),
    "glossary": CrawlPage(_fixed("/bantuan/istilah/")),
    "forbidden": CrawlPage(_fixed("/audit/"), status=403, only=("operator_desa",)),
    # The registry and the enrolments.
    "workers": CrawlPage(_fixed("/pekerja/"), (Action.WORKER_VIEW,)),
    "worker": CrawlPage(lambda d: f"/pekerja/{d['worker']}/", (Action.WORKER_VIEW,)),
    # A worker whose processing is restricted: the banner, and the officer's form to lift it.
    "worker-restricted": CrawlPage(lambda d: f"/pekerja/{d['restricted']}/", (Action.WORKER_VIEW,)),
    "worker-anonymised": CrawlPage(lambda d: f"/pekerja/{d['anonymised']}/", (Action.WORKER_VIEW,)),
    "worker-register": CrawlPage(_fixed("/pekerja/daftar/"), (Action.WORKER_REGISTER,)),
    "worker-edit": CrawlPage(lambda d: f"/pekerja/{d['worker']}/ubah/", (Action.WORKER_EDIT,)),
    "enrolments": CrawlPage(_fixed("/kepesertaan/"), (Action.WORKER_VIEW,)),
    "enrolment": CrawlPage(lambda d: f"/kepesertaan/{d['enrolment']}/", (Action.WORKER_VIEW,)),
    "propose": CrawlPage(lambda d: f"/kepesertaan/usulkan/{d['unproposed']}/", (Action.ENROLMENT_PROPOSE,)),
    "verification": CrawlPage(_fixed("/kepesertaan/verifikasi/"), (Action.ENROLMENT_VERIFY,)),
    "bpjs": CrawlPage(_fixed("/kepesertaan/bpjs/"), (Action.ENROLMENT_SEND, Action.ENROLMENT_ACTIVATE)),
    "batches": CrawlPage(_fixed("/kepesertaan/bpjs/batch/"), (Action.ENROLMENT_SEND, Action.ENROLMENT_ACTIVATE)),
    "batch": CrawlPage(
        lambda d: f"/kepesertaan/bpjs/batch/{d['batch']}/", (Action.ENROLMENT_SEND, Action.ENROLMENT_ACTIVATE)
    ),
    "import": CrawlPage(_fixed("/impor/"), (Action.ENROLMENT_PROPOSE,)),
    "import-result": CrawlPage(lambda d: f"/impor/{d['import']}/", (Action.ENROLMENT_PROPOSE,)),
    # Money.
    "invoices": CrawlPage(_fixed("/iuran/"), (Action.FINANCE_MANAGE,)),
    "invoice": CrawlPage(lambda d: f"/iuran/{d['invoice']}/", (Action.FINANCE_MANAGE,)),
    "payments": CrawlPage(_fixed("/iuran/pembayaran/"), (Action.FINANCE_MANAGE,)),
    "budget": CrawlPage(_fixed("/anggaran/"), (Action.FINANCE_MANAGE, Action.DASHBOARD_VIEW)),
    "at-risk": CrawlPage(_fixed("/iuran/berisiko/"), (Action.FINANCE_MANAGE, Action.DASHBOARD_VIEW)),
    # Claims.
    "claims": CrawlPage(_fixed("/klaim/"), (Action.CLAIM_VIEW,)),
    "claim": CrawlPage(lambda d: f"/klaim/{d['claim']}/", (Action.CLAIM_VIEW,)),
    "claim-register": CrawlPage(_fixed("/klaim/baru/"), (Action.CLAIM_REGISTER,)),
    "benefits": CrawlPage(_fixed("/klaim/manfaat/"), (Action.CLAIM_VIEW,)),
    # Deaths reported by the civil registry: decided by those who register claims (a confirmation opens one).
    "deaths": CrawlPage(_fixed("/kematian/"), (Action.CLAIM_REGISTER,)),
    # Figures and the log.
    "dashboard": CrawlPage(_fixed("/dasbor/"), (Action.DASHBOARD_VIEW,)),
    "reports": CrawlPage(_fixed("/laporan/"), (Action.DASHBOARD_VIEW,)),
    "audit": CrawlPage(_fixed("/audit/"), (Action.AUDIT_VIEW,)),
    # The personal-data duties (UU 27/2022).
    "retention": CrawlPage(_fixed("/pdp/retensi/"), (Action.PDP_MANAGE,)),
    "pdp-requests": CrawlPage(_fixed("/pdp/permintaan/"), (Action.PDP_MANAGE, Action.WORKER_EDIT)),
    "pdp-request-register": CrawlPage(_fixed("/pdp/permintaan/baru/"), (Action.PDP_MANAGE, Action.WORKER_EDIT)),
    "pdp-request": CrawlPage(lambda d: f"/pdp/permintaan/{d['pdp_request']}/", (Action.PDP_MANAGE, Action.WORKER_EDIT)),
    "pdp-request-correct": CrawlPage(
        lambda d: f"/pdp/permintaan/{d['pdp_correction']}/koreksi/", (Action.WORKER_EDIT,)
    ),
    "processing-records": CrawlPage(_fixed("/pdp/catatan-pemrosesan/"), (Action.PDP_MANAGE,)),
    "legal-holds": CrawlPage(_fixed("/pdp/penahanan/"), (Action.PDP_MANAGE,)),
    # The privacy notice, printed by whoever registers people (any signed-in user may read it).
    "privacy-notice": CrawlPage(_fixed("/pdp/pemberitahuan/")),
    "privacy-notice-en": CrawlPage(_fixed("/pdp/pemberitahuan/?bahasa=en")),
    "privacy-notices": CrawlPage(_fixed("/pdp/pemberitahuan/versi/")),
    "breaches": CrawlPage(_fixed("/pdp/insiden/"), (Action.PDP_MANAGE,)),
    "breach-create": CrawlPage(_fixed("/pdp/insiden/baru/"), (Action.PDP_MANAGE,)),
    "breach": CrawlPage(lambda d: f"/pdp/insiden/{d['breach']}/", (Action.PDP_MANAGE,)),
    # Administration.
    "administration": CrawlPage(_fixed("/pengaturan/"), (Action.ACCOUNT_MANAGE, Action.PROGRAMME_CONFIGURE)),
    "users": CrawlPage(_fixed("/pengaturan/pengguna/"), (Action.ACCOUNT_MANAGE,)),
    "user": CrawlPage(lambda d: f"/pengaturan/pengguna/{d['user']}/", (Action.ACCOUNT_MANAGE,)),
    "user-create": CrawlPage(_fixed("/pengaturan/pengguna/baru/"), (Action.ACCOUNT_MANAGE,)),
    "programmes": CrawlPage(_fixed("/pengaturan/program/"), (Action.PROGRAMME_CONFIGURE,)),
    "programme": CrawlPage(lambda d: f"/pengaturan/program/{d['programme']}/", (Action.PROGRAMME_CONFIGURE,)),
    "programme-create": CrawlPage(_fixed("/pengaturan/program/baru/"), (Action.PROGRAMME_CONFIGURE,)),
    "funders": CrawlPage(_fixed("/pengaturan/sumber-dana/"), (Action.PROGRAMME_CONFIGURE,)),
    "offices": CrawlPage(_fixed("/pengaturan/kantor-bpjs/"), (Action.PROGRAMME_CONFIGURE,)),
    "api-clients": CrawlPage(_fixed("/pengaturan/klien-api/"), (Action.ACCOUNT_MANAGE,)),
    "api-client-create": CrawlPage(_fixed("/pengaturan/klien-api/baru/"), (Action.ACCOUNT_MANAGE,)),
    "office": CrawlPage(lambda d: f"/pengaturan/kantor-bpjs/{d['office']}/", (Action.PROGRAMME_CONFIGURE,)),
}


def pages_of(user: str) -> list[str]:
    """The crawl's pages for ``user`` (a key of ``ROLES``, or ``ANONYMOUS``)."""
    if user == ANONYMOUS:
        return [key for key, page in PAGES.items() if page.anonymous]
    actions = ROLE_ACTIONS[ROLES[user]]
    return [
        key
        for key, page in PAGES.items()
        if not page.anonymous
        and (not page.only or user in page.only)
        and (not page.actions or any(action in actions for action in page.actions))
    ]


def _cases() -> Iterator[Any]:
    for user in [ANONYMOUS, *ROLES]:
        for language in LANGUAGES:
            for key in pages_of(user):
                yield pytest.param(user, language, key, id=f"{user}-{language}-{key}")


# --- the data --------------------------------------------------------------------------------------------


def _crawl_data(tmp: Path) -> dict[str, int]:
    """A small programme's life, through the services (so the histories hold real audit entries): workers
    registered in operator_desa's village, proposed, verified, rejected, sent to BPJS in a batch, activated,
    one ended; an import with bad rows; an invoice issued and part paid; a claim with its documents.

    Names and free text avoid the untranslated-text markers (``crawl_checks``): data stay in the language
    they were typed in, and are not what that check is about.
    """
    from lindung.claims.documents import CHECKLISTS
    from lindung.claims.services import claim_documents_update, claim_register
    from lindung.contributions.billing import invoice_build, invoice_issue
    from lindung.contributions.payments import payment_record
    from lindung.dashboard.services import dashboard_refresh
    from lindung.enrolments.bpjs import bpjs_batch_create
    from lindung.enrolments.models import EndReason
    from lindung.enrolments.services import (
        enrolment_activate,
        enrolment_end,
        enrolment_propose,
        enrolment_reject,
        enrolment_verify,
    )
    from lindung.imports.services import import_run
    from lindung.imports.tests.conftest import person, write_xlsx
    from lindung.months import month_start
    from lindung.pdp.person_requests import person_request_register
    from lindung.pdp.restriction import processing_restrict
    from lindung.pdp.services import legal_hold_set
    from lindung.privacy_notices.services import notices_load
    from lindung.public.models import BpjsOffice
    from lindung.public.offices import offices_load
    from lindung.regions.services import regions_load
    from lindung.rules.services import rules_load
    from lindung.testing import make_nik
    from lindung.workers.categories import seed_categories
    from lindung.workers.models import OccupationCategory, Worker
    from lindung.workers.nik_hash import anonymised_nik, nik_keyed_hash

    regions_load(prefix="61")
    rules_load()
    seed_categories(OccupationCategory)
    notices_load()
    offices_load()
    cast = make_cast()
    today = timezone.localdate()
    programme = make_programme(
        f"KALBAR-{today.year}",
        year=today.year,
        name=f"Program Perlindungan Kalbar {today.year}",
    )
    set_quota(programme, "61.01", 50)
    set_quota(programme, "61.71", 50)

    names = ["Budi Santoso", "Agus Salim", "Rahmat Hidayat", "Siti Aminah", "Dedi Kurniawan", "Hendra Wijaya"]
    workers = [make_worker(name=name, village=SAMBAS_VILLAGE) for name in names]
    anonymised = make_worker(name="Wati Lestari", village=SAMBAS_VILLAGE)
    Worker.objects.filter(pk=anonymised.pk).update(
        nik=anonymised_nik(anonymised.pk),
        nik_hash=nik_keyed_hash(anonymised.nik),
        name="",
        birth_place="",
        address="",
        phone="",
        anonymised_on=today,
    )
    desa, verifier, bpjs = cast["operator_desa"], cast["verifikator"], cast["petugas_bpjs"]
    enrolments = [enrolment_propose(actor=desa, worker=worker, programme=programme) for worker in workers[:5]]
    for enrolment in enrolments[:3]:
        enrolment_verify(actor=verifier, enrolment=enrolment)
    enrolment_reject(actor=verifier, enrolment=enrolments[3], reason="NIK ganda")
    batch = bpjs_batch_create(actor=verifier, programme=programme)
    assert batch is not None
    start = month_start(today)
    active = [
        enrolment_activate(actor=bpjs, enrolment=enrolment, kpj=f"{9000000000 + i:011d}", coverage_start=start)
        for i, enrolment in enumerate(enrolments[:3])
    ]
    enrolment_end(actor=cast["operator_sambas"], enrolment=active[2], reason=EndReason.MOVED_AWAY, coverage_end=today)

    good, bad = make_nik(), make_nik()
    sheet = write_xlsx(
        tmp / "usulan.xlsx",
        [person(good), person(bad, **{"Tanggal Lahir": "31/02/1980"}), person(make_nik(), **{"Kode Desa": "99"})],
    )
    imported = import_run(actor=desa, programme=programme, path=sheet, file_name="usulan.xlsx")
    assert imported.batch is not None and imported.rejected == 2

    finance = cast["keuangan"]
    invoice = invoice_issue(actor=finance, invoice=invoice_build(actor=finance, programme=programme, month=start))
    payment_record(actor=finance, programme=programme, paid_on=today, amount=invoice.total // 2, reference="SP2D 0001")

    claim = claim_register(
        actor=cast["operator_sambas"],
        enrolment=active[0],
        type="jkm",
        incident_date=today - dt.timedelta(days=1),
        incident_place="Rumah",
        description="Sakit",
        reporter_name="Siti Aminah",
    )
    claim_documents_update(actor=cast["operator_sambas"], claim=claim, received=list(CHECKLISTS[claim.type][:1]))
    # Requests of the person: an access request (its page shows the download) and a correction (its form).
    access = person_request_register(
        actor=cast["pejabat_pdp"], nik=workers[0].nik, birth_date=workers[0].birth_date, phone="", kind="access"
    )
    correction = person_request_register(
        actor=desa, nik=workers[1].nik, birth_date=workers[1].birth_date, phone="", kind="correction"
    )
    # A legal hold, so that the holds' page shows one with its lift form.
    legal_hold_set(actor=cast["pejabat_pdp"], worker=workers[4], reason="Sengketa ahli waris")
    restricted = processing_restrict(
        actor=cast["pejabat_pdp"],
        worker=make_worker(name="Wahyu Restu", village=SAMBAS_VILLAGE),
        request=None,
        reason="Ref. 12/PDP/2026",
    )
    dashboard_refresh()
    breach = _crawl_breach(cast["pejabat_pdp"], SAMBAS_VILLAGE)
    office = BpjsOffice.objects.order_by("pk").first()
    assert office is not None
    return {
        "worker": workers[0].pk,
        "enrolment": active[0].pk,
        "unproposed": workers[5].pk,
        "restricted": restricted.pk,
        "anonymised": anonymised.pk,
        "batch": batch.pk,
        "import": imported.batch.pk,
        "invoice": invoice.pk,
        "claim": claim.pk,
        "user": cast["operator_desa"].pk,
        "programme": programme.pk,
        "office": office.pk,
        "breach": breach,
        "pdp_request": access.pk,
        "pdp_correction": correction.pk,
    }


def _crawl_breach(officer: User, village: str) -> int:
    """An incident whose people (one village's) are found and whose letters are written, so that its page shows
    every table and download (``test_absurd_input`` makes the same). Its text avoids the language markers, as
    the other data do."""
    from lindung.pdp.breach import Criteria, breach_people_find, breach_record
    from lindung.pdp.letters import breach_letters_request, breach_letters_write
    from lindung.pdp.models import DataKind

    breach = breach_record(
        actor=officer,
        what="Salinan daftar peserta terkirim ke grup percakapan keliru.",
        found_at=timezone.now() - dt.timedelta(hours=2),
        systems="Lindung",
        data_kinds=[DataKind.IDENTITY, DataKind.CONTACT],
        remedy="Pesan dihapus; penerima diminta menghapusnya.",
        contact="Pejabat pelindungan data pribadi, Disnakertrans",
    )
    breach = breach_people_find(actor=officer, breach=breach, criteria=Criteria(region=village))
    breach_letters_request(actor=officer, breach=breach, enqueue=False)
    breach_letters_write(breach_id=breach.pk)
    return breach.pk


# --- the browser side ------------------------------------------------------------------------------------


@dataclass
class Visitor:
    """One user's signed-in tab in one language, reused page after page, with its own weight meter."""

    context: BrowserContext
    page: Page
    meter: checks.WeightMeter
    blocked: list[str] = field(default_factory=list)


@dataclass
class Site:
    url: str
    data: dict[str, int]
    browser: Browser
    usernames: set[str]
    visitors: dict[tuple[str, str], Visitor] = field(default_factory=dict)

    def visitor(self, user: str, language: str) -> Visitor:
        key = (user, language)
        if key not in self.visitors:
            self.visitors[key] = self._open(user, language)
        return self.visitors[key]

    def _open(self, user: str, language: str) -> Visitor:
        context = self.browser.new_context(
            base_url=self.url,
            locale="id-ID" if language == "id" else "en-GB",
            timezone_id="Asia/Pontianak",
            viewport=checks.DESKTOP,
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        checks.with_axe(context)
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": self.url}])
        page = context.new_page()
        visitor = Visitor(context, page, checks.WeightMeter())
        page.on(
            "console",
            lambda message: visitor.blocked.append(message.text) if "Content Security Policy" in message.text else None,
        )
        if user != ANONYMOUS:
            page.goto("/masuk/")
            page.locator('input[name="username"]').fill(user)
            page.locator('input[name="password"]').fill(TEST_PASSWORD)
            page.locator('main form[data-testid="login"] button[type="submit"]').click()
            page.wait_for_url(f"{self.url}/")
        checks.no_cache(page)
        visitor.meter.attach(page)
        return visitor

    def close(self) -> None:
        for visitor in self.visitors.values():
            visitor.context.close()


@contextlib.contextmanager
def _test_database() -> Iterator[None]:
    """The test database, created here when no other test of the run needed one: pytest-django creates it only
    for tests that ask for ``db`` or ``live_server``, and the crawl's (for speed) ask for neither."""
    from django.test.utils import setup_databases, teardown_databases

    # Django's own name for the test database (no public API gives it; both backends' creation classes have it).
    if connection.settings_dict["NAME"] == connection.creation._get_test_db_name():  # type: ignore[attr-defined]
        yield
        return
    created = setup_databases(verbosity=0, interactive=False, aliases={"default"})  # type: ignore[arg-type]
    try:
        yield
    finally:
        teardown_databases(created, verbosity=0)


@pytest.fixture(scope="module")
def site(
    django_test_environment: None, django_db_blocker: Any, browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        TASKS={"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}},
    )
    with fast, django_db_blocker.unblock(), _test_database():
        # In Indonesian, as the users' requests would be, whatever language an earlier test left active: some
        # services store sentences (a claim's coverage note, an import's errors) in the active language.
        with translation.override("id"):
            data = _crawl_data(tmp_path_factory.mktemp("crawl"))
        usernames = set(User.objects.values_list("username", flat=True))
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        site = Site(server.url, data, browser, usernames)
        try:
            yield site
        finally:
            site.close()
            server._live_server_modified_settings.disable()
            server.stop()
            # As a transactional test leaves it: the next transactional test loads what it needs.
            call_command("flush", interactive=False, verbosity=0)


@pytest.mark.parametrize(("user", "language", "key"), list(_cases()))
def test_every_page_fits_a_phone_speaks_one_language_and_is_accessible(
    site: Site, test_results_dir: Path, user: str, language: str, key: str
) -> None:
    crawl = PAGES[key]
    visitor = site.visitor(user, language)
    page = visitor.page
    problems: list[tuple[str, str]] = []  # (check, what is wrong)
    visitor.blocked.clear()
    page.set_viewport_size(checks.DESKTOP)
    visitor.meter.reset()

    response = page.goto(crawl.path(site.data))
    assert response is not None
    if response.status != crawl.status:
        problems.append(("status", f"{response.status}, expected {crawl.status}"))
    weight, by_url = visitor.meter.total()
    if weight > checks.WEIGHT_BUDGET:
        heaviest = sorted(by_url.items(), key=lambda item: -item[1])[:3]
        listed = ", ".join(f"{urlsplit(url).path} {size // 1024} KB" for url, size in heaviest)
        problems.append(("weight", f"{weight // 1024} KB > {checks.WEIGHT_BUDGET // 1024} KB ({listed})"))

    # The text as the wide screen shows it, where no menu is folded away.
    seen = checks.inspect(page)
    if words := checks.untranslated(seen.text, language):
        problems.append(("untranslated", f"{language} page: {words}"))
    if codes := checks.code_like(seen.main_text, site.usernames):
        problems.append(("code-like", str(codes)))
    for size, name in ((checks.DESKTOP, "1366"), (checks.PHONE, "390")):
        if size != checks.DESKTOP:
            page.set_viewport_size(size)
            checks.settle(page)
        if (wide := seen.overflow if size == checks.DESKTOP else checks.overflow(page)) is not None:
            problems.append((f"overflow-{name}", wide))
        problems += [(f"axe-{name}", violation) for violation in checks.axe_violations(page)]
    page.screenshot(path=test_results_dir / f"crawl-{connection.vendor}-{user}-{language}-{key}.png", full_page=True)
    if visitor.blocked:
        problems.append(("csp", f"blocked by the Content-Security-Policy: {visitor.blocked}"))

    report = f"{crawl.path(site.data)} as {user} in {language}:\n- " + "\n- ".join(f"{c}: {p}" for c, p in problems)
    assert not problems, report


def test_the_checks_see_what_they_look_for(site: Site) -> None:
    """The checks are not blind: a field without a label, a page wider than the phone, an English word on an
    Indonesian page and an action code are each found."""
    page = site.visitor("operator_desa", "id").page
    page.goto("/")
    page.set_viewport_size(checks.PHONE)
    page.evaluate(
        """() => document.querySelector('main').insertAdjacentHTML('beforeend',
             '<input type="text"><div style="width: 600px">Please save enrolment.activated</div>')"""
    )
    seen = checks.inspect(page)
    assert any(" label " in violation for violation in checks.axe_violations(page))
    assert seen.overflow is not None and "div" in seen.overflow
    assert [word.split("[")[1].split("]")[0] for word in checks.untranslated(seen.text, "id")][:2] == ["Please", "save"]
    assert checks.code_like(seen.main_text, site.usernames) == ["enrolment.activated"]


@pytest.mark.parametrize("user", [ANONYMOUS, "operator_desa"])
def test_each_language_is_offered_under_its_own_name(site: Site, user: str) -> None:
    """The header's language menu, on the signed-out and the signed-in header, in both languages."""
    for language in LANGUAGES:
        page = site.visitor(user, language).page
        page.goto("/")
        menu = checks.inspect(page).language_menu
        assert menu == checks.LANGUAGE_NAMES


# Addresses a page links to that are not pages: files, form targets, other sites' pages.
NOT_PAGES = {
    "logout",
    "set_language",
    "workers:export",
    "imports:template",
    "imports:errors",
    "reports:download",
    "contributions:download",
    "enrolments:batch_download",
    "enrolments:bpjs_export",
    "pdp:processing_records_pdf",
    "admin:index",
}


@pytest.mark.parametrize("user", [ANONYMOUS, *ROLES])
def test_the_crawl_reaches_every_page_the_menu_leads_to(site: Site, user: str) -> None:
    """Every page the header's links lead to, and every page those link to, is one the crawl visits for the
    user (by view name: a list's filters and pages are the list)."""
    page = site.visitor(user, "id").page
    crawled = {_view_name(PAGES[key].path(site.data)) for key in pages_of(user)}
    page.goto("/")
    menu = _links(page, "header a[href], footer a[href]")
    reached: dict[str, str] = {}
    for path in sorted(menu):
        page.goto(path)
        for link in {path, *_links(page, "main a[href]")}:
            if (name := _view_name(link)) is not None:
                reached.setdefault(name, link)
    missing = {name: link for name, link in reached.items() if name not in crawled and name not in NOT_PAGES}
    assert not missing, f"pages {user} reaches that the crawl does not visit (add them to PAGES): {missing}"


def _links(page: Page, selector: str) -> set[str]:
    # getAttribute: an SVG link's ``href`` property is an object, not the address.
    hrefs: list[str] = page.eval_on_selector_all(
        selector, "links => links.map(a => new URL(a.getAttribute('href'), document.baseURI).href)"
    )
    origin = urlsplit(page.url)
    return {
        urlsplit(href).path
        for href in hrefs
        if urlsplit(href).netloc == origin.netloc and urlsplit(href).scheme in ("http", "https")
    }


def _view_name(path: str) -> str | None:
    try:
        return resolve(path).view_name
    except Resolver404:
        return None
