from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from lindung.enrolments.models import EndReason, Enrolment, Status
from lindung.programmes.models import FunderType, Programme
from lindung.workers.models import OccupationCategory, Worker

pytestmark = pytest.mark.django_db


def _programme(code: str, target: int) -> Programme:
    return Programme.objects.create(
        code=code,
        name=f"Perlindungan {code}",
        funder_type=FunderType.APBD_PROVINSI,
        funder_name="Pemerintah Provinsi Kalimantan Barat",
        region_id="61",
        fiscal_year=2026,
        coverage_start=dt.date(2026, 1, 1),
        coverage_end=dt.date(2026, 12, 31),
        budget_ceiling=target * 16_800 * 12,
        target_workers=target,
    )


def _worker(n: int) -> Worker:
    worker = Worker(
        nik=f"610101010180{n:04d}",
        name=f"Pekerja {n}",
        birth_place="Sambas",
        birth_date=dt.date(1980, 1, 1),
        sex="L",
        address="Jl. Contoh",
        village_id="61.01.01.2001",
        occupation=OccupationCategory.objects.get(code="PETANI"),
    )
    worker.stamp_region()
    worker.save()
    return worker


def _enrol(worker: Worker, programme: Programme, status: str, **extra: object) -> Enrolment:
    enrolment = Enrolment(worker=worker, programme=programme, status=status, village_id=worker.village_id, **extra)
    enrolment.stamp_region()
    enrolment.save()
    return enrolment


def test_home_counts_activated_workers_against_the_target():
    programme = _programme("KALBAR-TEST", target=10)
    start = dt.date(2026, 1, 1)
    _enrol(_worker(1), programme, Status.ACTIVE, kpj="12345678901", coverage_start=start)
    _enrol(_worker(2), programme, Status.ENDED, kpj="12345678902", coverage_start=start, end_reason=EndReason.DIED)
    _enrol(_worker(3), programme, Status.PROPOSED)
    _enrol(_worker(4), programme, Status.REJECTED, rejection_reason="NIK tidak cocok")

    response = Client().get("/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "KALBAR-TEST" in page
    assert '<strong data-testid="covered">2</strong>' in page
    assert "20%" in page


def test_home_speaks_indonesian_by_default_and_english_when_chosen():
    _programme("KALBAR-TEST", target=100_000)
    client = Client()
    indonesian = client.get("/").content.decode()
    assert '<html lang="id">' in indonesian
    assert "Program perlindungan" in indonesian
    assert "100.000" in indonesian

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/").content.decode()
    assert '<html lang="en">' in english
    assert "Coverage programmes" in english


def test_home_with_no_programme_says_so():
    page = Client().get("/").content.decode()
    assert "Belum ada program" in page


def test_home_lists_programmes_with_a_fixed_number_of_queries(django_assert_max_num_queries):
    for n in range(5):
        _programme(f"P-{n}", target=10)
    with django_assert_max_num_queries(3):
        Client().get("/")
