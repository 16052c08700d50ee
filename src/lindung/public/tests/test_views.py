"""``/cek-status/``: what the public page shows, and what it never shows."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import override

from lindung.audit.models import AuditEntry
from lindung.enrolments.models import EndReason, Status
from lindung.programmes.models import Programme
from lindung.public.models import BpjsOffice, CoverageCheckAttempt
from lindung.public.tests.conftest import BIRTH_DATE, KPJ, post_check, without_csrf
from lindung.regions.models import Region
from lindung.testing import client_for, make_enrolment, make_nik, make_worker
from lindung.workers.models import Worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    return client_for(None, "en")


def _month(day: dt.date) -> str:
    with override("en"):
        return date_format(day, "YEAR_MONTH_FORMAT")


def test_the_form_needs_no_login_and_asks_for_nik_and_birth_date(client):
    response = client.get("/cek-status/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Check coverage status" in page
    assert 'name="nik"' in page and 'name="birth_date"' in page
    assert 'method="post"' in page
    assert "no-store" in response["Cache-Control"]


def test_the_page_speaks_indonesian_by_default():
    page = Client().get(reverse("public:check")).content.decode()
    assert '<html lang="id">' in page
    assert 'name="nik"' in page


def test_a_covered_worker_sees_programme_months_office_and_initials(client, covered, programme, today):
    response = post_check(client, covered.nik, BIRTH_DATE.isoformat())

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-covered="yes"' in page
    assert "Covered now" in page
    assert "Perlindungan Pekerja Rentan Kalbar" in page
    assert _month(today.replace(day=1)) in page  # paid through this month
    assert _month(programme.coverage_end) in page  # coverage ends with the programme
    assert "Kantor Cabang Singkawang" in page  # Sambas (61.01) is pointed to Singkawang
    assert "This office is approximate" in page
    assert "B. S." in page


def test_the_answer_reveals_nothing_else_about_the_worker(client, covered):
    page = post_check(client, covered.nik, BIRTH_DATE.isoformat()).content.decode()

    village = Region.objects.get(code=covered.village_id)
    for secret in (
        covered.nik,
        covered.nik[:6],  # the district of issue
        covered.nik[-4:],  # no masked form either
        "Budi",
        "Santoso",
        "Jl. Merdeka",
        "Paloh",  # birth place
        village.name,
        KPJ,
        "17 May 1980",
        "1980-05-17",
        "KALBAR-PUBLIK",  # the programme's code: its name is enough
    ):
        assert secret not in page, secret


def test_unknown_nik_and_wrong_birth_date_give_the_same_page(client, covered):
    unknown = post_check(client, make_nik(), BIRTH_DATE.isoformat())
    wrong_date = post_check(client, covered.nik, "1981-05-17")

    assert unknown.status_code == wrong_date.status_code == 200
    assert b"No active coverage found for this data." in unknown.content
    assert without_csrf(unknown.content) == without_csrf(wrong_date.content)


def test_a_registered_worker_without_cover_today_gets_the_same_page_as_an_unknown_nik(client, programme, today):
    ended = make_worker(name="Siti Aminah", birth_date=BIRTH_DATE, sex="P")
    make_enrolment(
        ended,
        programme,
        Status.ENDED,
        coverage_start=programme.coverage_start,
        coverage_end=programme.coverage_start,
        end_reason=EndReason.WITHDREW,
    )
    proposed = make_worker(birth_date=BIRTH_DATE)
    make_enrolment(proposed, programme, Status.PROPOSED)
    unknown = post_check(client, make_nik(), BIRTH_DATE.isoformat())

    for worker in (ended, proposed):
        response = post_check(client, worker.nik, BIRTH_DATE.isoformat())
        assert without_csrf(response.content) == without_csrf(unknown.content)


def test_a_nik_in_the_query_string_is_ignored(client, covered):
    plain = client.get("/cek-status/")
    with_nik = client.get(f"/cek-status/?nik={covered.nik}&birth_date={BIRTH_DATE.isoformat()}")

    assert with_nik.status_code == 302
    assert with_nik["Location"] == "/cek-status/"  # the query is dropped, not answered
    followed = client.get(with_nik["Location"])
    assert without_csrf(followed.content) == without_csrf(plain.content)
    assert 'data-testid="check-answer"' not in followed.content.decode()
    assert not CoverageCheckAttempt.objects.exists()
    assert not AuditEntry.objects.filter(action="public.coverage_checked").exists()


@pytest.mark.parametrize(
    ("nik", "birth_date", "message"),
    [
        ("", "1980-05-17", "Enter the NIK from the identity card (KTP)."),
        ("610101170580001", "1980-05-17", "A NIK has exactly 16 digits."),
        ("61010117058000012", "1980-05-17", "A NIK has exactly 16 digits."),
        ("6101O1170580OOO1", "1980-05-17", "A NIK has exactly 16 digits."),
        ("6101011705800001", "", "Enter the date of birth."),
        ("6101011705800001", "1980-02-30", "Enter a real date of birth, for example 17-05-1980."),
        ("6101011705800001", "kemarin", "Enter a real date of birth, for example 17-05-1980."),
        ("6101011705800001", "2999-01-01", "Enter a real date of birth, for example 17-05-1980."),
    ],
)
def test_bad_input_gets_a_clear_message_and_counts_against_the_limit(client, nik, birth_date, message):
    response = post_check(client, nik, birth_date)

    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'data-testid="check-answer"' not in page
    if nik:
        assert nik not in page  # the form comes back empty
    assert CoverageCheckAttempt.objects.count() == 1


def test_the_date_may_be_typed_day_first(client, covered):
    page = post_check(client, f" {covered.nik[:4]} {covered.nik[4:]} ", "17/05/1980").content.decode()
    assert 'data-covered="yes"' in page


def test_the_nik_and_birth_date_are_never_logged(client, covered, caplog):
    caplog.set_level(logging.DEBUG)
    post_check(client, covered.nik, BIRTH_DATE.isoformat())
    post_check(client, covered.nik, "1980-02-30")
    post_check(client, make_nik(), "1981-01-01")

    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    assert covered.nik not in logged
    assert "1980-05-17" not in logged and "1980-02-30" not in logged
    assert covered.nik not in str(list(AuditEntry.objects.values_list("note", "changes")))


def test_each_check_is_audited_against_the_worker_without_the_nik(client, covered):
    post_check(client, covered.nik, BIRTH_DATE.isoformat())
    post_check(client, covered.nik, "1981-01-01")
    post_check(client, make_nik(), BIRTH_DATE.isoformat())

    entries = list(AuditEntry.objects.filter(action="public.coverage_checked").order_by("pk"))
    assert [(e.object_id, e.region_code, e.note) for e in entries] == [
        (str(covered.pk), "61.01", "public check: covered"),
        (str(covered.pk), "61.01", "public check: birth date did not match"),
        ("", "", "public check: no worker with this NIK"),
    ]
    assert all(e.actor_id is None for e in entries)


def test_a_regency_without_an_office_row_gets_the_generic_directions(client, covered):
    BpjsOffice.objects.filter(regency_code="61.01").delete()
    page = post_check(client, covered.nik, BIRTH_DATE.isoformat()).content.decode()
    assert 'data-covered="yes"' in page
    assert "Please visit the nearest BPJS Ketenagakerjaan branch office" in page
    assert "175" in page


def test_the_covering_programme_is_named_when_another_has_ended(client, covered, programme, today):
    earlier = Programme.objects.create(
        code="KALBAR-LAMA",
        name="Program Lama",
        funder_type=programme.funder_type,
        funder_name=programme.funder_name,
        region_id="61",
        fiscal_year=today.year - 1,
        coverage_start=dt.date(today.year - 1, 1, 1),
        coverage_end=dt.date(today.year - 1, 12, 31),
        budget_ceiling=0,
        target_workers=1,
    )
    make_enrolment(Worker.objects.get(pk=covered.pk), earlier, Status.ENDED)

    page = post_check(client, covered.nik, BIRTH_DATE.isoformat()).content.decode()

    assert "Perlindungan Pekerja Rentan Kalbar" in page
    assert "Program Lama" not in page


def test_the_answer_follows_the_chosen_language(covered, programme):
    english = post_check(client_for(None, "en"), covered.nik, BIRTH_DATE.isoformat()).content.decode()
    indonesian = post_check(client_for(None, "id"), covered.nik, BIRTH_DATE.isoformat()).content.decode()
    assert '<html lang="en">' in english and '<html lang="id">' in indonesian
    # The programme ends in December: month names follow the language.
    assert f"Dec {programme.coverage_end.year}" in english
    assert f"Des {programme.coverage_end.year}" in indonesian


def test_every_page_offers_the_public_check_to_visitors_who_are_not_signed_in(client: Client) -> None:
    page = client.get("/masuk/").content.decode()
    assert 'href="/cek-status/"' in page
