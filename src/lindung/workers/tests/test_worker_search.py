"""The list's search: the words of a name in any order, and the last six digits of a NIK (the ones the list
shows), within the user's region, through an index on both databases."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection

from lindung.accounts.scope import scope_queryset
from lindung.enrolments.selectors import enrolment_list
from lindung.testing import PONTIANAK_VILLAGE, client_for, make_enrolment, make_programme, make_worker
from lindung.workers.models import Worker
from lindung.workers.selectors import worker_list, worker_search_q

pytestmark = pytest.mark.django_db

BORN = dt.date(1990, 1, 1)  # for NIKs written out: the workers made with make_nik are born in 1980


def _names(qs) -> list[str]:
    return sorted(qs.values_list("name", flat=True))


def _search(client, **data):
    return client.post("/pekerja/", data, follow=True)


def _rows(response) -> set[int]:
    return {int(pk) for pk in re.findall(r'<tr data-worker="(\d+)"', response.content.decode())}


def test_a_name_search_finds_the_words_in_any_order(cast):
    make_worker(name="Ahmad Suparman")
    make_worker(name="Suparman")
    make_worker(name="Ahmad Yani")
    user = cast["operator_sambas"]
    assert _names(worker_list(user=user, q="Suparman Ahmad")) == ["Ahmad Suparman"]
    assert _names(worker_list(user=user, q="suparman, AHMAD")) == ["Ahmad Suparman"]
    assert _names(worker_list(user=user, q="  parma   hmad ")) == ["Ahmad Suparman"]
    assert _names(worker_list(user=user, q="Ahmad Suparman")) == ["Ahmad Suparman"]  # in order too


def test_a_short_word_narrows_a_name_search_but_a_name_of_short_words_only_is_refused(cast):
    make_worker(name="Siti Aminah")
    make_worker(name="Siti Rahayu")
    user = cast["operator_sambas"]
    assert _names(worker_list(user=user, q="Siti Am")) == ["Siti Aminah"]
    assert worker_search_q("Al Bu") is None
    page = _search(client_for(user), q="Al Bu").content.decode()
    assert "at least 3 letters" in page


def test_the_list_page_finds_the_words_of_a_name_in_any_order(cast):
    ahmad = make_worker(name="Ahmad Suparman")
    make_worker(name="Ahmad Yani")
    assert _rows(_search(client_for(cast["operator_sambas"]), q="Suparman Ahmad")) == {ahmad.pk}


def test_the_enrolment_list_finds_the_words_of_a_name_in_any_order_and_by_the_last_six_digits(cast):
    programme = make_programme()
    ahmad = make_enrolment(make_worker(name="Ahmad Suparman"), programme)
    make_enrolment(make_worker(name="Ahmad Yani", birth_date=BORN, nik="6101010101900031"), programme)
    user = cast["verifikator"]
    assert list(enrolment_list(user=user, q="Suparman Ahmad")) == [ahmad]
    assert list(enrolment_list(user=user, q=ahmad.worker.nik[-6:])) == [ahmad]


def test_the_list_shows_the_last_six_digits_of_each_nik(cast):
    first = make_worker(name="Budi Satu", nik="6101010101900001", birth_date=BORN)
    second = make_worker(name="Budi Dua", nik="6101010101900002", birth_date=BORN)
    page = client_for(cast["operator_sambas"]).get("/pekerja/").content.decode()
    assert f"{first.nik[:4]}******{first.nik[-6:]}" in page
    assert f"{second.nik[:4]}******{second.nik[-6:]}" in page
    assert first.nik not in page and first.nik[4:10] not in page.replace(first.nik[:4] + "******", "")


def test_the_last_six_digits_of_a_nik_find_the_workers_whose_nik_ends_so(cast):
    budi = make_worker(name="Budi", nik="6101010101900011", birth_date=BORN)
    other = make_worker(name="Other", nik="6101010101900012", birth_date=BORN)
    named = make_worker(name=f"Nama {budi.nik[-6:]}")  # digits in a name are not a NIK match
    user = cast["operator_sambas"]
    assert _names(worker_list(user=user, q=budi.nik[-6:])) == ["Budi"]
    assert _names(worker_list(user=user, q=other.nik[-6:])) == ["Other"]
    # As the list shows it: the masked NIK, which also checks the first four digits.
    assert _names(worker_list(user=user, q=f"{budi.nik[:4]}******{budi.nik[-6:]}")) == ["Budi"]
    assert _names(worker_list(user=user, q=f"9999******{budi.nik[-6:]}")) == []
    # Five digits are not the end of a NIK: a name search, which finds the name with them.
    assert _rows(_search(client_for(user), q=budi.nik[-5:])) == {named.pk}


def test_the_last_six_digits_find_only_workers_inside_the_user_s_region(cast):
    make_worker(name="Budi Sambas", nik="6101010101900021", birth_date=BORN)
    kota = make_worker(village=PONTIANAK_VILLAGE, name="Budi Kota", nik="6171010101900021", birth_date=BORN)
    tail = "900021"
    assert _names(worker_list(user=cast["operator_sambas"], q=tail)) == ["Budi Sambas"]
    assert _names(worker_list(user=cast["operator_pontianak"], q=tail)) == ["Budi Kota"]
    assert _names(worker_list(user=cast["verifikator"], q=tail)) == ["Budi Kota", "Budi Sambas"]
    assert _rows(_search(client_for(cast["operator_pontianak"]), q=tail)) == {kota.pk}


def _plan(qs, *, bitmap_only: bool = False) -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # A few rows: the planner would read the table whole. Asked not to, it must find an index to use.
            cursor.execute("ANALYZE workers_worker")
            cursor.execute("SET LOCAL enable_seqscan = off")
            if bitmap_only:  # as ``_narrow_to_matches`` collects a name search's matches
                cursor.execute("SET LOCAL enable_indexscan = off")
    return qs.explain()


def test_a_search_by_the_last_six_digits_reads_their_index(cast):
    for serial in range(1, 40):
        make_worker(name=f"Pekerja {serial}", nik=f"610101010190{serial:04d}", birth_date=BORN)
    qs = scope_queryset(Worker.objects.all(), cast["operator_sambas"]).filter(worker_search_q("900007"))
    assert "worker_nik_tail" in _plan(qs)
    assert _names(qs) == ["Pekerja 7"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index exists on PostgreSQL only")
def test_on_postgresql_every_word_of_a_name_search_is_answered_by_the_trigram_index(cast):
    for n in range(40):
        make_worker(name=f"Ahmad Nomor {n}")
    make_worker(name="Ahmad Suparman")
    # Without the scope's condition (whose index a table this small prefers): the plan at a million workers is
    # the benchmark's (BENCHMARKS.md).
    qs = Worker.objects.filter(worker_search_q("Suparman Ahmad"))
    plan = _plan(qs, bitmap_only=True)
    assert "worker_name_upper_trgm" in plan
    index_condition = plan.split("Index Cond:", 1)[1].splitlines()[0]
    assert "SUPARMAN" in index_condition and "AHMAD" in index_condition
