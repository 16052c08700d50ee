"""Restriction of processing (UU 27/2022) on every path: a restricted worker is not proposed (the form, the
import's set-based checks, the API, a proposal again, verification, a new BPJS batch), not shown whole (the web's
button, the API's ``show_nik``, the DCI search by NIK), and not named in an export (the worker list's CSV, the
invoice lines on the web and over the API, the DCI answer); their active cover and its billing go on, and the
officer of their region lifts the restriction from their page. Both suites, SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from python_calamine import CalamineWorkbook

from lindung.accounts.api_access import api_client_create
from lindung.accounts.permissions import Role
from lindung.api.tests.support import token_from_endpoint
from lindung.audit.models import AuditEntry
from lindung.contributions.billing import invoice_build
from lindung.contributions.documents import invoice_line_rows
from lindung.contributions.models import Invoice
from lindung.dashboard.services import dashboard_refresh
from lindung.enrolments.bulk_verification import Selection, enrolment_verify_bulk
from lindung.enrolments.models import BpjsBatch, Enrolment, Status
from lindung.enrolments.services import (
    EnrolmentError,
    enrolment_propose,
    enrolment_repropose,
    enrolment_send,
    enrolment_verify,
)
from lindung.imports.services import import_run
from lindung.imports.tests.conftest import person, write_xlsx
from lindung.pdp.restriction import processing_restrict, processing_restriction_lift
from lindung.programmes.models import Programme
from lindung.public.services import public_coverage_check
from lindung.reports.builders import REPORT_NAMES, report_build
from lindung.reports.services import report_scope
from lindung.reports.tests.conftest import TODAY as REPORTS_TODAY
from lindung.reports.tests.conftest import kalbar  # noqa: F401 - the reports' small province, a fixture
from lindung.testing import (
    PONTIANAK_VILLAGE,
    Cast,
    client_for,
    make_enrolment,
    make_nik,
    make_user,
    make_worker,
)
from lindung.workers.models import Worker
from lindung.workers.nik import nik_mask
from lindung.workers.restriction import restriction_refusal

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

REFUSAL = (
    "The person asked to restrict the processing of their data: this record cannot be proposed, exported or "
    "shown whole until the data protection officer lifts the restriction."
)
WITHHELD = "(processing restricted)"
BIRTH = dt.date(1980, 5, 17)


def _restricted(cast: Cast, **fields: Any) -> Worker:
    worker = make_worker(**fields)
    return processing_restrict(actor=cast["pejabat_pdp"], worker=worker, request=None, reason="Permintaan pekerja")


def _api(region: str = "61.01", scopes: tuple[str, ...] = ("all",)) -> Client:
    client, secret = api_client_create(
        actor=None, name=f"Sistem {region} {'-'.join(scopes)}", region_code=region, scopes=list(scopes)
    )
    return Client(headers={"Authorization": f"Bearer {token_from_endpoint(client, secret)}", "Accept-Language": "en"})


def _streamed(response: Any) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_the_sentence_is_the_one_every_path_says_in_both_languages() -> None:
    assert restriction_refusal() == REFUSAL
    with translation.override("id"):
        assert restriction_refusal() != REFUSAL and "pembatasan" in restriction_refusal()


# --- proposed -------------------------------------------------------------------------------------------


def test_the_proposal_form_refuses_a_restricted_worker_and_the_page_offers_no_proposal(
    cast: Cast, programme: Programme
) -> None:
    worker = _restricted(cast)
    client = client_for(cast["operator_sambas"])

    page = client.get(f"/pekerja/{worker.pk}/").content.decode()
    assert 'data-testid="restriction-banner"' in page
    assert 'data-testid="propose-link"' not in page
    form = client.get(f"/kepesertaan/usulkan/{worker.pk}/").content.decode()
    assert 'data-testid="restricted"' in form and REFUSAL in form
    assert 'data-testid="propose-form"' not in form
    answer = client.post(f"/kepesertaan/usulkan/{worker.pk}/", {"programme": programme.pk})

    assert answer.status_code == 200
    assert REFUSAL in answer.content.decode()
    assert not Enrolment.objects.filter(worker=worker).exists()


def test_the_service_refuses_a_proposal_again_and_a_verification_of_a_proposal_made_before(
    cast: Cast, programme: Programme
) -> None:
    worker = make_worker()
    proposed = enrolment_propose(actor=cast["operator_sambas"], worker=worker, programme=programme)
    other = make_worker(name="Agus Salim", birth_date=dt.date(1975, 1, 1))
    rejected = make_enrolment(other, programme, Status.REJECTED)
    processing_restrict(actor=cast["pejabat_pdp"], worker=worker, request=None, reason="Permintaan pekerja")
    processing_restrict(actor=cast["pejabat_pdp"], worker=other, request=None, reason="Permintaan pekerja")

    with pytest.raises(EnrolmentError, match="restrict the processing"):
        enrolment_verify(actor=cast["verifikator"], enrolment=proposed)
    with pytest.raises(EnrolmentError, match="restrict the processing"):
        enrolment_repropose(actor=cast["operator_sambas"], enrolment=rejected)
    proposed.refresh_from_db()
    rejected.refresh_from_db()
    assert (proposed.status, rejected.status) == (Status.PROPOSED, Status.REJECTED)


def test_bulk_verification_refuses_the_restricted_workers_proposals_with_the_sentence(
    cast: Cast, programme: Programme
) -> None:
    free = make_enrolment(make_worker(), programme)
    held = make_enrolment(make_worker(name="Agus Salim", birth_date=dt.date(1975, 1, 1)), programme)
    processing_restrict(actor=cast["pejabat_pdp"], worker=held.worker, request=None, reason="Permintaan pekerja")

    outcome = enrolment_verify_bulk(actor=cast["verifikator"], selection=Selection.of_ids([free.pk, held.pk]))

    assert (outcome.done, outcome.refused) == (1, 1)
    assert REFUSAL in outcome.sentences
    assert Enrolment.objects.get(pk=free.pk).status == Status.VERIFIED
    assert Enrolment.objects.get(pk=held.pk).status == Status.PROPOSED


def test_a_new_bpjs_batch_leaves_out_a_worker_restricted_after_verification(cast: Cast, programme: Programme) -> None:
    sent = make_enrolment(make_worker(), programme, Status.VERIFIED)
    held = make_enrolment(make_worker(name="Agus Salim", birth_date=dt.date(1975, 1, 1)), programme, Status.VERIFIED)
    processing_restrict(actor=cast["pejabat_pdp"], worker=held.worker, request=None, reason="Permintaan pekerja")

    with pytest.raises(EnrolmentError, match="restrict the processing"):
        enrolment_send(actor=cast["verifikator"], enrolments=[sent, held])
    assert not BpjsBatch.objects.exists()
    batch = enrolment_send(actor=cast["verifikator"], programme=programme)

    assert batch.count == 1
    assert list(Enrolment.objects.filter(batch=batch).values_list("pk", flat=True)) == [sent.pk]
    assert Enrolment.objects.get(pk=held.pk).status == Status.VERIFIED  # waits for the next batch after the lift


def test_the_import_rejects_a_restricted_workers_row_with_the_sentence_and_imports_the_others(
    cast: Cast, programme: Programme, tmp_path: Path
) -> None:
    restricted = _restricted(cast, nik=make_nik(birth_date=BIRTH))
    already = _restricted(cast, nik=make_nik(birth_date=BIRTH), name="Agus Salim")
    make_enrolment(already, programme, Status.ACTIVE)  # a file uploaded again would skip them: it is told instead
    new = make_nik(birth_date=BIRTH)
    sheet = write_xlsx(
        tmp_path / "usulan.xlsx",
        [person(restricted.nik), person(new), person(already.nik)],
    )

    result = import_run(actor=cast["operator_sambas"], programme=programme, path=sheet, file_name="usulan.xlsx")

    assert (result.imported, result.rejected) == (1, 2)
    assert {row: [error.message for error in errors] for row, errors in result.rejected_rows().items()} == {
        2: [REFUSAL],
        4: [REFUSAL],
    }
    assert not Enrolment.objects.filter(worker=restricted).exists()
    assert Enrolment.objects.filter(worker__nik=new, status=Status.PROPOSED).exists()
    assert Enrolment.objects.get(worker=already).status == Status.ACTIVE


def test_the_import_finds_the_restricted_rows_set_based_whatever_their_number(
    cast: Cast, programme: Programme, tmp_path: Path
) -> None:
    """The flag is read in the one query that finds the registered NIKs: five restricted rows cost the queries of
    one."""

    def queries(count: int, name: str) -> int:
        workers = [_restricted(cast, nik=make_nik(birth_date=BIRTH), name=f"Pekerja {name} {i}") for i in range(count)]
        sheet = write_xlsx(tmp_path / f"{name}.xlsx", [person(w.nik) for w in workers])
        with CaptureQueriesContext(connection) as captured:
            result = import_run(
                actor=cast["operator_sambas"], programme=programme, path=sheet, file_name=f"{name}.xlsx"
            )
        assert (result.imported, result.rejected) == (0, count)
        return len(captured.captured_queries)

    assert queries(5, "lima") == queries(1, "satu")


def test_the_api_refuses_to_propose_a_restricted_worker(cast: Cast, programme: Programme) -> None:
    worker = _restricted(cast)

    answer = _api().post(
        "/api/v1/enrolments", json.dumps({"nik": worker.nik, "programme": programme.pk}), "application/json"
    )

    assert answer.status_code == 422, answer.content
    assert answer.json()["detail"] == REFUSAL
    assert not Enrolment.objects.filter(worker=worker).exists()


# --- shown whole -----------------------------------------------------------------------------------------


def test_the_web_shows_the_record_masked_with_its_banner_and_refuses_the_whole_nik(cast: Cast) -> None:
    worker = _restricted(cast, nik=make_nik(birth_date=BIRTH))
    client = client_for(cast["operator_sambas"])

    page = client.get(f"/pekerja/{worker.pk}/").content.decode()
    assert nik_mask(worker.nik) in page and worker.nik not in page
    assert "Processing restricted since" in page
    assert 'data-testid="show-nik"' not in page
    assert 'data-testid="restriction-lift"' not in page  # the operator cannot lift it
    answer = client.post(f"/pekerja/{worker.pk}/nik/")

    body = answer.content.decode()
    assert answer.status_code == 200
    assert REFUSAL in body
    assert worker.nik not in body and 'data-testid="birth-date"' not in body
    assert not AuditEntry.objects.filter(action="worker.nik_viewed").exists()


def test_the_api_reads_a_restricted_worker_masked_and_refuses_show_nik(cast: Cast) -> None:
    worker = _restricted(cast)
    api = _api()

    masked = api.get(f"/api/v1/workers/{worker.pk}")
    whole = api.get(f"/api/v1/workers/{worker.pk}", {"show_nik": "true"})

    assert masked.status_code == 200
    assert (masked.json()["nik"], masked.json()["birth_date"]) == (nik_mask(worker.nik), None)
    assert whole.status_code == 422
    assert whole.json()["detail"] == REFUSAL
    assert worker.nik not in whole.content.decode()
    assert not AuditEntry.objects.filter(action="worker.nik_viewed").exists()


def test_the_dci_search_by_nik_answers_a_restricted_person_unnamed_and_masked_with_their_cover(
    cast: Cast, programme: Programme
) -> None:
    worker = _restricted(cast, nik="6101011705809001", name="Budi Santoso")
    make_enrolment(worker, programme, Status.ACTIVE)
    body = json.loads(
        (Path(__file__).parents[2] / "api" / "tests" / "data" / "dci_search_idtype_value.json").read_text("utf-8")
    )
    client, secret = api_client_create(actor=None, name="Sistem DCI", region_code="61.01", scopes=["registry.read"])

    answer = Client().post(
        "/api/v1/dci/registry/sync/search",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token_from_endpoint(client, secret)}",
    )

    assert answer.status_code == 200, answer.content
    assert worker.nik not in answer.content.decode() and "Budi Santoso" not in answer.content.decode()
    (record,) = answer.json()["message"]["search_response"][0]["data"]["reg_records"]
    person_ = record["member"]["demographic_info"]["person"]
    assert person_["identifier_value"] == WITHHELD
    assert person_["name"]["first_name"] == WITHHELD
    assert person_["birth_date"] == ""
    assert record["member"]["programme_identifier"]["enrolment_status"] == "Active"
    assert not AuditEntry.objects.filter(action="worker.nik_viewed").exists()


def test_the_public_check_still_answers_a_restricted_persons_cover_and_no_more(
    cast: Cast, programme: Programme
) -> None:
    worker = _restricted(cast, name="Budi Santoso")
    make_enrolment(worker, programme, Status.ACTIVE)

    answer = public_coverage_check(nik=worker.nik, birth_date=worker.birth_date, today=dt.date(2026, 3, 10))

    assert answer is not None  # active cover goes on: a hospital asking must hear it
    assert answer.initials == "B. S."
    assert answer.programme_name == programme.name


# --- exported ---------------------------------------------------------------------------------------------


def test_the_worker_export_keeps_the_row_without_the_restricted_persons_name_or_nik(cast: Cast) -> None:
    restricted = _restricted(cast, name="Rahmat Terbatas")
    free = make_worker(name="Yusuf Bebas", birth_date=dt.date(1975, 1, 1))

    text = _streamed(client_for(cast["operator_sambas"]).post("/pekerja/ekspor.csv"))

    lines = text.strip().splitlines()
    assert len(lines) == 1 + 2  # the file counts as the list does
    assert "Rahmat Terbatas" not in text and nik_mask(restricted.nik) not in text
    assert f"{WITHHELD},{WITHHELD}" in text
    assert "Yusuf Bebas" in text and nik_mask(free.nik) in text


@pytest.fixture
def march(cast: Cast, programme: Programme) -> tuple[Invoice, Worker]:
    """March 2026 billed for an active restricted worker and an active free one: cover and billing go on."""
    restricted = _restricted(cast, name="Rahmat Terbatas")
    make_enrolment(restricted, programme, Status.ACTIVE)
    make_enrolment(make_worker(name="Yusuf Bebas", birth_date=dt.date(1975, 1, 1)), programme, Status.ACTIVE)
    invoice = invoice_build(actor=None, programme=programme, month=dt.date(2026, 3, 1))
    assert invoice.line_count == 2
    return invoice, restricted


def test_invoice_lines_keep_the_restricted_persons_money_without_their_name(
    march: tuple[Invoice, Worker],
) -> None:
    invoice, _restricted_worker = march

    rows = list(invoice_line_rows(invoice))

    assert sum(row.amount for row in rows) == invoice.total  # the figures stay
    by_name = {row.name: row for row in rows}
    assert set(by_name) == {WITHHELD, "Yusuf Bebas"}
    assert by_name[WITHHELD].nik_masked == WITHHELD
    assert by_name[WITHHELD].amount > 0


def test_the_invoice_xlsx_on_the_web_and_the_lines_over_the_api_leave_the_restricted_person_unnamed(
    cast: Cast, march: tuple[Invoice, Worker]
) -> None:
    invoice, restricted = march

    xlsx = client_for(cast["keuangan"]).post(f"/iuran/{invoice.pk}/unduh.xlsx")
    workbook = CalamineWorkbook.from_filelike(BytesIO(b"".join(xlsx.streaming_content)))  # type: ignore[attr-defined]
    cells = str(workbook.get_sheet_by_name("Baris").to_python())
    as_csv = _streamed(_api(region="61").get(f"/api/v1/invoices/{invoice.pk}/lines", HTTP_ACCEPT="text/csv"))

    for text in (cells, as_csv):
        assert "Rahmat Terbatas" not in text and nik_mask(restricted.nik) not in text
        assert WITHHELD in text and "Yusuf Bebas" in text


# --- the lift ---------------------------------------------------------------------------------------------


def test_the_officer_lifts_the_restriction_from_the_workers_page_and_proposing_works_again(
    cast: Cast, programme: Programme
) -> None:
    worker = _restricted(cast)
    officer = client_for(cast["pejabat_pdp"])
    page = officer.get(f"/pekerja/{worker.pk}/").content.decode()
    assert 'data-testid="restriction-lift"' in page
    assert f'action="/pdp/pembatasan/{worker.pk}/cabut/"' in page

    empty = officer.post(f"/pdp/pembatasan/{worker.pk}/cabut/", {"reason": "  "})
    worker.refresh_from_db()
    assert empty.status_code == 302 and worker.restricted_since is not None
    lifted = officer.post(f"/pdp/pembatasan/{worker.pk}/cabut/", {"reason": "Koreksi data selesai"}, follow=True)

    worker.refresh_from_db()
    assert worker.restricted_since is None
    assert "The restriction is lifted" in lifted.content.decode()
    entry = AuditEntry.objects.get(action="pdp.restriction_lifted", object_id=str(worker.pk))
    assert entry.changes == {"reason": [None, "Koreksi data selesai"]}
    page = client_for(cast["operator_sambas"]).get(f"/pekerja/{worker.pk}/").content.decode()
    assert "restriction-banner" not in page and 'data-testid="propose-link"' in page
    # The page's history says both steps, with their reasons.
    assert "Processing restricted by pejabat_pdp" in page and "reason: permintaan pekerja" in page.casefold()
    assert "Restriction of processing lifted by pejabat_pdp" in page and "Koreksi data selesai" in page
    enrolment = enrolment_propose(actor=cast["operator_sambas"], worker=worker, programme=programme)
    assert enrolment.status == Status.PROPOSED


def test_a_lift_is_only_the_officers_and_only_in_their_region(cast: Cast) -> None:
    worker = _restricted(cast)  # a Sambas worker
    pontianak_officer = make_user("pejabat_pontianak", Role.PEJABAT_PELINDUNGAN_DATA, "61.71")
    url = f"/pdp/pembatasan/{worker.pk}/cabut/"

    assert client_for(cast["operator_sambas"]).post(url, {"reason": "x"}).status_code == 403
    assert client_for(pontianak_officer).post(url, {"reason": "x"}).status_code == 404
    assert client_for(cast["pejabat_pdp"]).get(url).status_code == 405
    worker.refresh_from_db()
    assert worker.restricted_since is not None
    with pytest.raises(Exception, match="outside"):
        processing_restriction_lift(actor=pontianak_officer, worker=worker, reason="x")


def test_lifting_an_unrestricted_worker_says_so_and_writes_nothing(cast: Cast) -> None:
    worker = make_worker(village=PONTIANAK_VILLAGE)

    answer = client_for(cast["pejabat_pdp"]).post(f"/pdp/pembatasan/{worker.pk}/cabut/", {"reason": "x"}, follow=True)

    assert "is not restricted" in answer.content.decode()
    assert not AuditEntry.objects.filter(action="pdp.restriction_lifted").exists()


# --- figures ----------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("kalbar")
@pytest.mark.parametrize("name", REPORT_NAMES)
def test_the_reports_count_restricted_people_as_before(cast: Cast, name: str) -> None:
    """The reports hold figures, not people: restricting every covered worker of a regency changes none of them."""
    scope = report_scope(actor=None, programme_code="KALBAR-2026", region_code="")
    before = report_build(scope, name, today=REPORTS_TODAY)
    for worker in Worker.objects.filter(regency_code="61.01", enrolments__status=Status.ACTIVE):
        processing_restrict(actor=cast["pejabat_pdp"], worker=worker, request=None, reason="Permintaan pekerja")
    dashboard_refresh(today=REPORTS_TODAY)

    after = report_build(scope, name, today=REPORTS_TODAY)

    assert Worker.objects.filter(restricted_since__isnull=False).count() == 3
    assert [section.rows for section in after.sections] == [section.rows for section in before.sections]
