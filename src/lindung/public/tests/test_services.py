"""``public_coverage_check`` on a fixed day: which enrolment answers, and what the answer holds."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lindung.enrolments.models import EndReason, Status
from lindung.programmes.models import Programme
from lindung.public.services import name_initials, public_coverage_check
from lindung.public.tests.conftest import BIRTH_DATE, bill_and_pay
from lindung.testing import make_enrolment, make_nik, make_programme, make_worker

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 4, 20)


@pytest.fixture
def programme(db: None) -> Programme:
    return make_programme("KALBAR-2026", name="Perlindungan Pekerja Rentan 2026")


def test_a_covered_worker_gets_programme_months_office_and_initials(programme):
    worker = make_worker(name="siti nur aisyah", birth_date=BIRTH_DATE, village="61.71.01.1002")
    make_enrolment(worker, programme, Status.ACTIVE)
    bill_and_pay(programme, through=dt.date(2026, 3, 1))

    answer = public_coverage_check(nik=worker.nik, birth_date=BIRTH_DATE, today=DAY)

    assert answer is not None
    assert answer.programme_name == "Perlindungan Pekerja Rentan 2026"
    assert answer.paid_through == dt.date(2026, 3, 1)
    assert answer.coverage_end == dt.date(2026, 12, 31)
    assert answer.initials == "S. N. A."
    assert answer.office is not None and answer.office.name == "BPJS Ketenagakerjaan Kantor Cabang Pontianak"
    assert answer.office.approximate


def test_covered_with_nothing_paid_yet_says_so(programme):
    worker = make_worker(birth_date=BIRTH_DATE)
    make_enrolment(worker, programme, Status.ACTIVE)
    answer = public_coverage_check(nik=worker.nik, birth_date=BIRTH_DATE, today=DAY)
    assert answer is not None and answer.paid_through is None


def test_months_never_billed_beyond_the_arrears_window_are_not_protected(programme):
    """Issue 14: a month nobody billed is a month nobody paid. Nothing billed since January: on 10 May January to
    March are overdue (April is due that day), three months, within the window; the next day four are."""
    worker = make_worker(birth_date=BIRTH_DATE)
    make_enrolment(worker, programme, Status.ACTIVE)
    answer = public_coverage_check(nik=worker.nik, birth_date=BIRTH_DATE, today=dt.date(2026, 5, 10))
    assert answer is not None and answer.paid_through is None
    assert public_coverage_check(nik=worker.nik, birth_date=BIRTH_DATE, today=dt.date(2026, 5, 11)) is None


def test_paid_months_then_months_never_billed_keep_paid_through_true_until_the_window_is_exceeded(programme):
    worker = make_worker(birth_date=BIRTH_DATE)
    make_enrolment(worker, programme, Status.ACTIVE)
    bill_and_pay(programme, through=dt.date(2026, 3, 1))
    # April to June never billed: on 11 July April to June are overdue, three months; March is the last paid.
    answer = public_coverage_check(nik=worker.nik, birth_date=BIRTH_DATE, today=dt.date(2026, 7, 11))
    assert answer is not None and answer.paid_through == dt.date(2026, 3, 1)
    assert public_coverage_check(nik=worker.nik, birth_date=BIRTH_DATE, today=dt.date(2026, 8, 11)) is None


def test_an_enrolment_that_ended_before_today_does_not_answer(programme):
    worker = make_worker(birth_date=BIRTH_DATE)
    make_enrolment(worker, programme, Status.ENDED, coverage_end=dt.date(2026, 3, 31), end_reason=EndReason.LAPSED)
    assert public_coverage_check(nik=worker.nik, birth_date=BIRTH_DATE, today=DAY) is None


def test_an_enrolment_starting_later_does_not_answer(programme):
    worker = make_worker(birth_date=BIRTH_DATE)
    make_enrolment(worker, programme, Status.ACTIVE, coverage_start=dt.date(2026, 5, 1))
    assert public_coverage_check(nik=worker.nik, birth_date=BIRTH_DATE, today=DAY) is None


def test_the_enrolment_ending_last_answers_when_two_cover_today(programme):
    worker = make_worker(birth_date=BIRTH_DATE)
    regency = make_programme(
        "SAMBAS-2026", name="Program Kabupaten Sambas", region_id="61.01", coverage_end=dt.date(2026, 6, 30)
    )
    make_enrolment(worker, regency, Status.ACTIVE)
    make_enrolment(worker, programme, Status.ACTIVE)
    answer = public_coverage_check(nik=worker.nik, birth_date=BIRTH_DATE, today=DAY)
    assert answer is not None and answer.programme_name == "Perlindungan Pekerja Rentan 2026"


def test_a_wrong_birth_date_is_no_answer_even_for_a_covered_worker(programme):
    worker = make_worker(birth_date=BIRTH_DATE)
    make_enrolment(worker, programme, Status.ACTIVE)
    assert public_coverage_check(nik=worker.nik, birth_date=dt.date(1980, 5, 18), today=DAY) is None


def test_unknown_nik_and_wrong_birth_date_run_the_same_queries(programme):
    worker = make_worker(birth_date=BIRTH_DATE)
    make_enrolment(worker, programme, Status.ACTIVE)
    bill_and_pay(programme, through=dt.date(2026, 3, 1))

    def queries(nik: str, birth_date: dt.date) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            public_coverage_check(nik=nik, birth_date=birth_date, today=DAY)
        # The shape of each query: table names and clauses, without the values looked up.
        return [re.split(r" (?:WHERE|VALUES) ", q["sql"])[0] for q in captured.captured_queries]

    unknown = queries(make_nik(), BIRTH_DATE)
    wrong_date = queries(worker.nik, dt.date(1981, 1, 1))
    covered = queries(worker.nik, BIRTH_DATE)
    assert unknown == wrong_date
    assert len(unknown) >= len(covered) - 1  # the stand-in enrolment's coverage is computed too


@pytest.mark.parametrize(
    ("name", "initials"),
    [("Budi Santoso", "B. S."), ("  ahmad   ", "A."), ("Hj. Siti-Aminah", "H. S. A."), ("", "")],
)
def test_initials_keep_only_the_first_letter_of_each_word(name, initials):
    assert name_initials(name) == initials
