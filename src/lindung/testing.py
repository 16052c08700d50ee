"""Factories for tests: small, explicit builders of valid rows (the database holds Kalbar's regions)."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from html import unescape
from typing import Any
from urllib.parse import unquote_plus

from django.conf import settings
from django.test import Client

from lindung.accounts.models import Role, User
from lindung.audit.models import AuditEntry
from lindung.enrolments.models import Enrolment, Status
from lindung.programmes.models import FunderType, Programme, RegencyQuota
from lindung.workers.models import OccupationCategory, Worker

_serials = itertools.count(1)

Cast = dict[str, User]  # the fixed cast of ``make_cast``, by username

# A village in each regency/city the cast works in (Kepmendagri codes).
SAMBAS_VILLAGE = "61.01.01.2001"
PONTIANAK_VILLAGE = "61.71.01.1002"


def make_nik(*, district: str = "61.01.01", birth_date: dt.date = dt.date(1980, 5, 17), sex: str = "L") -> str:
    """A structurally valid NIK, unique within the test run."""
    day = birth_date.day + (40 if sex == "P" else 0)
    return f"{district.replace('.', '')}{day:02d}{birth_date:%m%y}{next(_serials) % 10000 or 1:04d}"


TEST_PASSWORD = "sandi-uji-123"  # noqa: S105 - a fixed password for test users only


def make_user(username: str, role: str = "", region: str | None = None, **extra: Any) -> User:
    return User.objects.create_user(username=username, password=TEST_PASSWORD, role=role, region_id=region, **extra)


def make_cast() -> Cast:
    """The fixed cast of permission tests."""
    return {
        "operator_sambas": make_user("operator_sambas", Role.OPERATOR_KABUPATEN, "61.01"),
        "operator_pontianak": make_user("operator_pontianak", Role.OPERATOR_KABUPATEN, "61.71"),
        "operator_desa": make_user("operator_desa", Role.OPERATOR_DESA, SAMBAS_VILLAGE),
        "verifikator": make_user("verifikator", Role.VERIFIKATOR, "61"),
        "petugas_bpjs": make_user("petugas_bpjs", Role.PETUGAS_BPJS, "61"),
        "keuangan": make_user("keuangan", Role.KEUANGAN, "61"),
        "pimpinan": make_user("pimpinan", Role.PIMPINAN, "61"),
        "pejabat_pdp": make_user("pejabat_pdp", Role.PEJABAT_PELINDUNGAN_DATA, "61"),
        "admin_provinsi": make_user("admin_provinsi", Role.ADMIN_PROVINSI, "61"),
    }


def client_for(user: User | None = None, language: str = "en", *, password: str = TEST_PASSWORD) -> Client:
    """A test browser reading pages in ``language``, signed in as ``user`` with ``password`` (no user: signed out)."""
    client = Client()
    if user is not None:
        assert client.login(username=user.username, password=password)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def make_worker(*, village: str = SAMBAS_VILLAGE, **fields: Any) -> Worker:
    birth_date = fields.pop("birth_date", dt.date(1980, 5, 17))
    sex = fields.pop("sex", "L")
    worker = Worker(
        nik=fields.pop("nik", None) or make_nik(district=village[:8], birth_date=birth_date, sex=sex),
        name=fields.pop("name", "Budi Santoso"),
        birth_place=fields.pop("birth_place", "Sambas"),
        birth_date=birth_date,
        sex=sex,
        address=fields.pop("address", "Jl. Contoh No. 1"),
        village_id=village,
        occupation=fields.pop("occupation", None) or OccupationCategory.objects.get(code="PETANI"),
        **fields,
    )
    worker.stamp_region()
    worker.save()
    return worker


def make_programme(code: str = "KALBAR-2026", *, year: int = 2026, **fields: Any) -> Programme:
    defaults: dict[str, Any] = {
        "name": f"Perlindungan Pekerja Rentan {code}",
        "funder_type": FunderType.APBD_PROVINSI,
        "funder_name": "Pemerintah Provinsi Kalimantan Barat",
        "region_id": "61",
        "fiscal_year": year,
        "coverage_start": dt.date(year, 1, 1),
        "coverage_end": dt.date(year, 12, 31),
        "budget_ceiling": 1_000 * 16_800 * 12,
        "target_workers": 1_000,
    }
    defaults.update(fields)
    return Programme.objects.create(code=code, **defaults)


def set_quota(programme: Programme, regency: str, quota: int) -> RegencyQuota:
    row, _ = RegencyQuota.objects.update_or_create(programme=programme, regency_id=regency, defaults={"quota": quota})
    return row


def make_enrolment(worker: Worker, programme: Programme, status: str = Status.PROPOSED, **fields: Any) -> Enrolment:
    if status in (Status.ACTIVE, Status.ENDED):
        fields.setdefault("kpj", f"{worker.pk:011d}")
        fields.setdefault("coverage_start", programme.coverage_start)
        # Activated in time for its start (BPJS answers before coverage begins): no month is postponed.
        fields.setdefault("activated_on", fields["coverage_start"])
    if status == Status.ENDED:
        fields.setdefault("end_reason", "programme_ended")
        fields.setdefault("coverage_end", programme.coverage_end)
    if status == Status.REJECTED:
        fields.setdefault("rejection_reason", "Data tidak cocok dengan Dukcapil")
    enrolment = Enrolment(worker=worker, programme=programme, status=status, village_id=worker.village_id, **fields)
    enrolment.stamp_region()
    enrolment.save()
    return enrolment


def load_small_demo(*, workers: int, seed: int, today: dt.date | None = None) -> str:
    """The demo (``lindung demo``) at a size a browser test can afford, with ``TEST_PASSWORD`` for its users;
    returns the code of its running provincial programme (``KALBAR-<this year>``: the demo's programmes are
    named for the year of its today, so a test must not write the year down).

    Call it after a transactional test's flush (with the ``reference_data`` fixture) and with a fast
    password hasher in ``settings.PASSWORD_HASHERS``: the demo creates one user per role. ``today`` fixes the
    demo's date (``lindung demo --today``).
    """
    from lindung.demo.services import demo_load
    from lindung.workers.categories import seed_categories

    seed_categories(OccupationCategory)  # the flush removed the migration's rows
    result = demo_load(workers=workers, seed=seed, password=TEST_PASSWORD, today=today)
    assert result.story is not None, "the demo data was reused: flush the database first"
    return result.story.running.code


def strict_client_for(user: User, language: str = "en") -> Client:
    """``client_for`` with Django's CSRF check on, as in a real browser: a POST needs the page's token."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


_DOWNLOAD_FORM = re.compile(
    r'<form method="post" action="([^"]*)"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"'
)


def download_by_post(
    client: Client, url: str, *, action: str, data: dict[str, Any] | None = None
) -> tuple[Any, AuditEntry]:
    """Fetch an audited download the way the pages do, checking on the way that only a POST with the CSRF
    token hands it out (``client`` from ``strict_client_for``):

    1. a GET of ``url`` (an old link, a link on another site) writes no audit entry and shows a page whose
       form posts to ``url``;
    2. a POST without the token is refused (403) and writes nothing;
    3. a POST with the page's token answers 200 and writes an ``action`` entry.

    Returns the response and that entry.
    """
    last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    written = AuditEntry.objects.filter(pk__gt=last)
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    assert not written.exists(), "a GET wrote an audit entry"
    form = _DOWNLOAD_FORM.search(page.content.decode())
    assert form is not None, "no download form on the page"
    assert unescape(form.group(1)) == url
    refused = client.post(url, data or {})
    assert refused.status_code == 403
    assert not written.exists(), "a POST without the CSRF token wrote an audit entry"
    response = client.post(url, {**(data or {}), "csrfmiddlewaretoken": form.group(2)})
    assert response.status_code == 200, response.status_code
    entry = written.filter(action=action).order_by("-pk").first()
    assert entry is not None, f"no {action} entry"
    return response, entry


_URL_IN_PAGE = re.compile(r'(?:href|action|formaction|src)="([^"]*)"|name="next" value="([^"]*)"')


def flow_urls(response: Any) -> list[str]:
    """Every address a request flow leaves where a server log, a proxy, the history or a Referer header keeps
    it: the redirects followed (``follow=True``), the last request, and every link, form address and ``next``
    of the page it ends on; unescaped and percent-decoded, so that a NIK in any of them shows as typed."""
    urls = [url for url, _ in response.redirect_chain]
    urls.append(f"{response.request['PATH_INFO']}?{response.request.get('QUERY_STRING', '')}")
    urls += [unescape(link or next_) for link, next_ in _URL_IN_PAGE.findall(response.content.decode())]
    return [unquote_plus(url) for url in urls]
