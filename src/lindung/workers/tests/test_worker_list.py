from __future__ import annotations

import csv
import datetime as dt
import io
import re
from html import unescape
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lindung.audit.models import AuditEntry
from lindung.enrolments.models import Status
from lindung.enrolments.selectors import WorkerListFilters, worker_list_by_enrolment
from lindung.testing import (
    PONTIANAK_VILLAGE,
    client_for,
    download_by_post,
    flow_urls,
    make_enrolment,
    make_programme,
    make_worker,
    strict_client_for,
)
from lindung.workers.models import OccupationCategory, Worker
from lindung.workers.selectors import worker_list

pytestmark = pytest.mark.django_db


def _names(qs) -> list[str]:
    return list(qs.values_list("name", flat=True))


def test_a_search_of_16_digits_finds_exactly_that_nik(cast):
    budi = make_worker(name="Budi")
    make_worker(name=f"Nama {budi.nik[:10]}")  # digits in a name are not a NIK match
    user = cast["operator_sambas"]
    assert _names(worker_list(user=user, q=budi.nik)) == ["Budi"]
    spaced = f"{budi.nik[:4]} {budi.nik[4:8]} {budi.nik[8:]}"
    assert _names(worker_list(user=user, q=spaced)) == ["Budi"]
    assert _names(worker_list(user=user, q=budi.nik[:15])) == []


def test_a_name_search_matches_any_part_of_the_name_whatever_the_case(cast):
    make_worker(name="Siti Aminah")
    make_worker(name="Budi Santoso")
    assert _names(worker_list(user=cast["operator_sambas"], q="AMIN")) == ["Siti Aminah"]


def test_filters_by_regency_category_and_enrolment(cast):
    fisher = make_worker(name="Nelayan Sambas", occupation=OccupationCategory.objects.get(code="NELAYAN"))
    farmer = make_worker(name="Petani Sambas")
    city = make_worker(village=PONTIANAK_VILLAGE, name="Petani Kota")
    programme = make_programme()
    other = make_programme("LAIN-2026")
    make_enrolment(farmer, programme, Status.ACTIVE)
    make_enrolment(city, other, Status.PROPOSED)
    user = cast["verifikator"]

    def names(**filters) -> list[str]:
        return _names(worker_list_by_enrolment(user=user, filters=WorkerListFilters(**filters)))

    assert names(regency="61.71") == ["Petani Kota"]
    assert names(category="NELAYAN") == ["Nelayan Sambas"]
    assert names(status=Status.ACTIVE) == ["Petani Sambas"]
    assert names(programme=other.pk) == ["Petani Kota"]
    assert names(programme=programme.pk, status=Status.PROPOSED) == []
    assert names(status="none") == [fisher.name]


def test_sorting_by_name_or_registration_date(cast):
    for name in ("Citra", "Agus", "Bayu"):
        make_worker(name=name)
    Worker.objects.filter(name="Agus").update(created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    user = cast["operator_sambas"]
    assert _names(worker_list(user=user, sort="name")) == ["Agus", "Bayu", "Citra"]
    assert _names(worker_list(user=user, sort="-name")) == ["Citra", "Bayu", "Agus"]
    assert _names(worker_list(user=user, sort="registered"))[0] == "Agus"
    assert _names(worker_list(user=user, sort="-registered"))[-1] == "Agus"


def test_the_list_page_masks_the_nik_and_shows_no_birth_date(cast):
    worker = make_worker(name="Budi", birth_date=dt.date(1980, 5, 17))
    page = client_for(cast["operator_sambas"]).get("/pekerja/").content.decode()
    assert f"{worker.nik[:4]}******{worker.nik[-6:]}" in page
    assert worker.nik not in page
    assert "17-05-1980" not in page and "1980-05-17" not in page


def test_the_list_pages_50_workers_at_a_time(cast):
    for n in range(51):
        make_worker(name=f"Pekerja {n:02d}")
    client = client_for(cast["operator_sambas"])
    first = client.get("/pekerja/").content.decode()
    assert first.count("<tr data-worker=") == 50
    assert "51 workers" in first
    second = client.get("/pekerja/", {"page": 2}).content.decode()
    assert second.count("<tr data-worker=") == 1


def test_the_list_page_queries_do_not_grow_with_the_rows(cast, django_assert_max_num_queries):
    client = client_for(cast["operator_sambas"])
    # The list a search leads to: the text behind its key in the session.
    url = _search(client, q="Pekerja", status="none", sort="-registered").redirect_chain[-1][0]
    make_worker(name="Pekerja pertama")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(40):
        make_worker(name=f"Pekerja {n}", occupation=OccupationCategory.objects.order_by("?").first())
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("<tr data-worker=") == 41


def test_a_stale_filter_value_shows_the_list_rather_than_an_error(cast):
    make_worker(name="Budi")
    response = client_for(cast["operator_sambas"]).get("/pekerja/", {"programme": "abc", "sort": "nonsense"})
    assert response.status_code == 200
    assert "Budi" in response.content.decode()


def _export(client, **params) -> list[list[str]]:
    """The export button under the list of ``params``: a search (``q``) is posted to the list first."""
    query = urlencode(params)
    if "q" in params:
        query = _search(client, **params).redirect_chain[-1][0].partition("?")[2]
        assert params["q"] not in query
    response = client.post(f"/pekerja/ekspor.csv?{query}")
    assert response.status_code == 200
    assert response.streaming
    content = b"".join(response.streaming_content).decode()
    assert content.startswith("\ufeffNIK (masked),Name,")  # the byte-order mark Excel needs for UTF-8
    return list(csv.reader(io.StringIO(content.removeprefix("\ufeff"))))


def test_the_export_is_the_filtered_list_with_masked_niks_and_is_audited(cast):
    budi = make_worker(name="Budi")
    make_worker(name="Siti")
    rows = _export(client_for(cast["operator_sambas"]), q="budi")
    assert len(rows) == 2
    assert rows[1][0] == f"{budi.nik[:4]}******{budi.nik[-6:]}"
    assert rows[1][1] == "Budi"
    assert rows[1][5] == "Kabupaten Sambas"
    assert budi.nik not in str(rows)
    entry = AuditEntry.objects.get(action="worker.exported")
    assert entry.actor_username == "operator_sambas"
    assert entry.changes["rows"] == [None, 1]
    assert entry.changes["filter"][1]["q"] == "budi"


def test_the_export_is_handed_out_only_to_a_post_with_the_page_s_csrf_token(cast):
    make_worker(name="Budi")
    client = strict_client_for(cast["operator_sambas"])
    response, entry = download_by_post(client, "/pekerja/ekspor.csv?regency=61.01", action="worker.exported")
    assert "Budi" in b"".join(response.streaming_content).decode()
    assert (entry.actor, entry.changes["rows"], entry.changes["filter"][1]["regency"]) == (
        cast["operator_sambas"],
        [None, 1],
        "61.01",
    )


def test_the_export_neutralises_cells_a_spreadsheet_would_run_as_formulas(cast):
    make_worker(name='=HYPERLINK("http://x")')
    make_worker(name="@SUM(A1)")
    make_worker(name="-2+3")
    names = sorted(row[1] for row in _export(client_for(cast["operator_sambas"]))[1:])
    assert names == ["'-2+3", '\'=HYPERLINK("http://x")', "'@SUM(A1)"]


def test_a_searched_nik_is_masked_in_the_export_s_audit_entry(cast):
    budi = make_worker()
    _export(client_for(cast["operator_sambas"]), q=budi.nik)
    assert AuditEntry.objects.get(action="worker.exported").changes["filter"][1]["q"] == (
        f"{budi.nik[:4]}******{budi.nik[-6:]}"
    )


@pytest.mark.parametrize("role", ["pimpinan", "operator_desa", "keuangan"])
def test_roles_without_export_cannot_download(cast, role):
    assert client_for(cast[role]).get("/pekerja/ekspor.csv").status_code == 403
    assert not AuditEntry.objects.filter(action="worker.exported").exists()


def test_beyond_the_count_cap_the_list_says_more_than_and_stays_one_count_query(cast, monkeypatch):
    from lindung.enrolments import worker_list_views as views

    monkeypatch.setattr(views.CappedPaginator, "CAP", 3)
    for n in range(5):
        make_worker(name=f"Pekerja {n}")
    with CaptureQueriesContext(connection) as queries:
        page = client_for(cast["operator_sambas"]).get("/pekerja/").content.decode()
    assert "More than 3 workers" in page
    assert sum("COUNT(" in q["sql"].upper() for q in queries.captured_queries) == 1


def test_a_name_search_needs_three_letters_and_says_so(cast):
    make_worker(name="Zulkifli")
    client = client_for(cast["operator_sambas"])
    response = _search(client, q="zu")
    page = response.content.decode()
    assert response.status_code == 200
    assert "at least 3 letters" in page
    assert "Zulkifli" not in page
    assert "Zulkifli" in _search(client, q="zul").content.decode()


def test_a_name_search_finds_matches_that_sort_last_on_every_database(cast):
    for n in range(30):
        make_worker(name=f"Ahmad {n:02d}")
    make_worker(name="Zahra Wulandari")
    client = client_for(cast["verifikator"])
    page = _search(client, q="zahra").content.decode()
    assert "Zahra Wulandari" in page
    assert "Ahmad 01" not in page


# Searches: the text typed (a NIK, a name) travels in a POST body, never in an address.


def _search(client, **data):
    """What the search box does: a POST of the filters, followed to the list it redirects to."""
    return client.post("/pekerja/", data, follow=True)


def _rows(response) -> set[int]:
    return {int(pk) for pk in re.findall(r'<tr data-worker="(\d+)"', response.content.decode())}


def test_a_searched_nik_is_posted_and_appears_in_no_address_of_the_search_or_its_export(cast):
    budi = make_worker(name="Budi")
    make_worker(name="Siti")
    make_worker(name="Budi Kota", village=PONTIANAK_VILLAGE)
    client = client_for(cast["verifikator"])

    response = _search(client, q=budi.nik, regency="61.01", sort="-name")

    assert response.redirect_chain and response.redirect_chain[-1][1] == 303
    assert _rows(response) == {budi.pk}
    assert f'value="{budi.nik}"' in response.content.decode()  # the box still shows what was typed
    urls = flow_urls(response)
    assert [url for url in urls if "cari=" in url and "regency=61.01" in url and "sort=-name" in url]
    assert not [url for url in urls if budi.nik in url], urls
    export = re.search(r'action="(/pekerja/ekspor\.csv[^"]*)"', response.content.decode())
    assert export is not None
    exported = client.post(unescape(export[1]))
    csv_text = b"".join(exported.streaming_content).decode()  # type: ignore[attr-defined]
    assert [row[1] for row in csv.reader(io.StringIO(csv_text.removeprefix("\ufeff")))][1:] == ["Budi"]
    assert budi.nik not in unescape(export[1])
    assert AuditEntry.objects.get(action="worker.exported").changes["filter"][1]["q"] == (
        f"{budi.nik[:4]}******{budi.nik[-6:]}"
    )


def test_a_name_search_keeps_its_pages_and_filters_with_the_name_out_of_the_address(cast):
    for n in range(51):
        make_worker(name=f"Pekerja {n:02d}")
    make_worker(name="Lain Sekali")
    client = client_for(cast["operator_sambas"])

    first = _search(client, q="Pekerja", sort="-name")

    page = first.content.decode()
    assert page.count("<tr data-worker=") == 50 and "51 workers" in page and "Pekerja 50" in page
    pager = re.search(r'href="([^"]+)" rel="next"', page)
    assert pager is not None
    following = unescape(pager[1])
    assert "Pekerja" not in following and "cari=" in following and "sort=-name" in following
    second = client.get("/pekerja/" + following).content.decode()
    assert second.count("<tr data-worker=") == 1 and "Pekerja 00" in second
    assert 'value="Pekerja"' in second
    assert not [url for url in flow_urls(first) if "Pekerja" in url]


def test_an_old_address_with_the_search_in_it_is_moved_to_a_search_key(cast):
    budi = make_worker(name="Budi")
    make_worker(name="Siti")
    response = client_for(cast["operator_sambas"]).get("/pekerja/", {"q": budi.nik, "sort": "name"}, follow=True)
    assert response.redirect_chain[0][1] == 303
    assert budi.nik not in response.redirect_chain[0][0] and "sort=name" in response.redirect_chain[0][0]
    assert _rows(response) == {budi.pk}


def test_a_search_key_the_session_does_not_hold_shows_the_whole_list_and_says_so(cast):
    budi, siti = make_worker(name="Budi"), make_worker(name="Siti")
    response = client_for(cast["operator_sambas"]).get("/pekerja/", {"cari": "tidak-ada"})
    assert response.status_code == 200
    assert "This search is no longer kept; search again." in response.content.decode()
    assert _rows(response) == {budi.pk, siti.pk}
