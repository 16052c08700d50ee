from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from lindung.enrolments.models import EndReason, Status
from lindung.programmes.models import Programme
from lindung.testing import make_enrolment, make_programme, make_worker

pytestmark = pytest.mark.django_db


def _programme(code: str, target: int) -> Programme:
    return make_programme(code, target_workers=target, budget_ceiling=target * 16_800 * 12)


def test_home_counts_the_workers_covered_today_against_the_target(monkeypatch: pytest.MonkeyPatch):
    """Covered is the headline figure (``lindung.contributions.headline``): active enrolments whose coverage
    contains today; an ended, a proposed or a rejected enrolment is not covered."""
    monkeypatch.setattr("lindung.home.views.timezone.localdate", lambda: dt.date(2026, 6, 15))
    programme = _programme("KALBAR-TEST", target=10)
    start = dt.date(2026, 1, 1)
    make_enrolment(make_worker(), programme, Status.ACTIVE, kpj="12345678901", coverage_start=start)
    make_enrolment(make_worker(), programme, Status.ACTIVE, kpj="12345678902", coverage_start=dt.date(2026, 5, 1))
    make_enrolment(make_worker(), programme, Status.ACTIVE, kpj="12345678903", coverage_start=dt.date(2026, 7, 1))
    make_enrolment(make_worker(), programme, Status.ENDED, coverage_start=start, end_reason=EndReason.DIED)
    make_enrolment(make_worker(), programme, Status.PROPOSED)
    make_enrolment(make_worker(), programme, Status.REJECTED, rejection_reason="NIK tidak cocok")

    response = Client().get("/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "KALBAR-TEST" in page
    assert '<strong data-testid="covered">2</strong>' in page
    assert "20%" in page
    assert 'data-testid="not-running"' not in page


def test_home_says_an_ended_programme_covers_nobody_today(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("lindung.home.views.timezone.localdate", lambda: dt.date(2027, 2, 1))
    programme = _programme("KALBAR-TEST", target=10)
    make_enrolment(make_worker(), programme, Status.ACTIVE, kpj="12345678901", coverage_start=dt.date(2026, 1, 1))

    page = Client().get("/").content.decode()

    assert '<strong data-testid="covered">0</strong>' in page
    assert 'data-testid="not-running"' in page


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
