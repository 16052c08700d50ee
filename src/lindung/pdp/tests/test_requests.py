"""The requests of the person (issue 19, item 3): registered after an identity check, with the 3×24-hour clock and
its warnings, each kind carried out or refused end to end, region-scoped; the access document (JSON shape, trail,
PDF) and ``lindung pdp access``. Both databases."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import zoneinfo
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from lindung.accounts.models import Role
from lindung.audit.models import AuditEntry
from lindung.claims.models import ClaimStatus
from lindung.contributions.billing import invoice_build, invoice_issue
from lindung.enrolments.models import Status
from lindung.errors import RefusedStep
from lindung.pdp import clock
from lindung.pdp.access import KEYS, access_document, access_document_html
from lindung.pdp.models import PersonRequest, RequestKind, RequestResolution, RequestStatus
from lindung.pdp.person_requests import (
    access_document_produce,
    access_request_give,
    deletion_keeping_reasons,
    deletion_request_answer,
    objection_request_decide,
    person_request_refuse,
    person_request_register,
    restriction_request_carry_out,
)
from lindung.pdp.request_selectors import DueCounts, requests_due
from lindung.pdp.services import legal_hold_set
from lindung.pdp.tests.support import make_claim
from lindung.programmes.models import Programme
from lindung.testing import (
    PONTIANAK_VILLAGE,
    Cast,
    client_for,
    download_by_post,
    make_enrolment,
    make_programme,
    make_user,
    make_worker,
    strict_client_for,
)
from lindung.workers.models import Heir, Worker
from lindung.workers.nik_hash import anonymised_nik, nik_keyed_hash
from lindung.workers.services import worker_export_record, worker_nik_view

pytestmark = pytest.mark.django_db

BIRTH = dt.date(1980, 5, 17)
PHONE = "+6281234567890"
WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
# A Friday afternoon: the law counts 72 hours, weekend included.
FRIDAY = dt.datetime(2026, 3, 6, 16, 0, tzinfo=WIB)


def _person(village: str = "61.01.01.2001", **fields: Any) -> Worker:
    worker = make_worker(village=village, birth_date=BIRTH, phone=PHONE, **fields)
    Heir.objects.create(worker=worker, name="Siti Aminah", relation="pasangan", phone="+6281311112222", share=100)
    return worker


def _register(actor: Any, worker: Worker, kind: str, **extra: Any) -> PersonRequest:
    return person_request_register(
        actor=actor, nik=worker.nik, birth_date=BIRTH, phone="0812-3456-7890", kind=kind, **extra
    )


# --- registering: the identity check, the clock, the scope --------------------------------------------------


def test_a_request_is_registered_after_the_identity_check_with_its_72_hour_clock(cast: Cast):
    worker = _person()

    request = _register(cast["operator_sambas"], worker, RequestKind.ACCESS, details=" Saya minta salinan data ")

    assert (request.worker, request.kind, request.status) == (worker, RequestKind.ACCESS, RequestStatus.OPEN)
    assert request.due_at - request.received_at == dt.timedelta(hours=72)
    assert request.identity_check == {"nik": "match", "birth_date": "match", "phone": "match"}
    assert (request.regency_code, request.details) == ("61.01", "Saya minta salinan data")
    entry = AuditEntry.objects.get(action="pdp.request_registered")
    assert (entry.object_type, entry.object_id, entry.actor_username) == (
        "pdp.personrequest",
        str(request.pk),
        "operator_sambas",
    )
    assert entry.changes["identity"][1]["phone"] == "match"


@pytest.mark.parametrize(
    ("birth_date", "phone", "mismatched", "sentence"),
    [
        (dt.date(1981, 5, 17), "0812-3456-7890", ["birth_date"], "The date of birth does not match"),
        (BIRTH, "0813-0000-1111", ["phone"], "The phone number does not match"),
        (dt.date(1981, 5, 17), "0813-0000-1111", ["birth_date", "phone"], "Neither the date of birth nor the phone"),
    ],
)
def test_an_identity_mismatch_is_refused_with_a_sentence_and_recorded(
    cast: Cast, english: None, birth_date: dt.date, phone: str, mismatched: list[str], sentence: str
):
    worker = _person()

    with pytest.raises(RefusedStep) as refused:
        person_request_register(
            actor=cast["operator_sambas"], nik=worker.nik, birth_date=birth_date, phone=phone, kind="deletion"
        )

    assert refused.value.text.startswith(sentence)
    assert "the request is not registered" in refused.value.text
    assert not PersonRequest.objects.exists()
    entry = AuditEntry.objects.get(action="pdp.identity_mismatch")
    assert (entry.object_id, entry.changes["mismatched"][1]) == (str(worker.pk), mismatched)
    assert worker.nik not in json.dumps(entry.changes)


def test_without_a_phone_on_file_the_nik_and_birth_date_carry_the_check(cast: Cast):
    worker = make_worker(birth_date=BIRTH)  # no phone on file

    request = person_request_register(
        actor=cast["pejabat_pdp"], nik=worker.nik, birth_date=BIRTH, phone="", kind=RequestKind.OBJECTION
    )
    assert request.identity_check["phone"] == "none_on_file"
    with pytest.raises(RefusedStep):  # a phone given where none is on file cannot match
        person_request_register(
            actor=cast["pejabat_pdp"], nik=worker.nik, birth_date=BIRTH, phone="0812-3456-7890", kind="access"
        )


def test_a_regency_operator_cannot_register_or_see_another_regencys_person(cast: Cast, english: None):
    sambas = _person()
    request = _register(cast["operator_sambas"], sambas, RequestKind.CORRECTION)

    with pytest.raises(RefusedStep) as elsewhere:
        _register(cast["operator_pontianak"], sambas, RequestKind.ACCESS)
    with pytest.raises(RefusedStep) as nowhere:
        person_request_register(
            actor=cast["operator_pontianak"], nik="6171010101800009", birth_date=BIRTH, phone="", kind="access"
        )
    # The same answer for a person of another regency as for a NIK held nowhere: existence is not confirmed.
    assert elsewhere.value.text == nowhere.value.text == "No worker with this NIK is registered in your region."
    assert not AuditEntry.objects.filter(action="pdp.identity_mismatch").exists()

    pontianak = client_for(cast["operator_pontianak"])
    assert f'data-request="{request.pk}"' not in pontianak.get("/pdp/permintaan/").content.decode()
    assert pontianak.get(f"/pdp/permintaan/{request.pk}/").status_code == 404
    sambas_list = client_for(cast["operator_sambas"]).get("/pdp/permintaan/").content.decode()
    assert f'data-request="{request.pk}"' in sambas_list


@pytest.mark.parametrize("username", ["keuangan", "verifikator", "pimpinan", "petugas_bpjs"])
def test_roles_that_neither_keep_the_registry_nor_run_the_duties_cannot_register(cast: Cast, username: str):
    worker = _person()
    with pytest.raises(PermissionDenied):
        _register(cast[username], worker, RequestKind.ACCESS)
    assert client_for(cast[username]).get("/pdp/permintaan/").status_code == 403


def test_the_registration_page_checks_the_identity_and_opens_the_request(cast: Cast, english: None):
    worker = _person()
    client = client_for(cast["operator_desa"])
    post = {"nik": worker.nik, "birth_date": "1980-05-17", "phone": "0812 3456 7890", "kind": "correction"}

    refused = client.post("/pdp/permintaan/baru/", {**post, "birth_date": "1980-05-18"})
    assert refused.status_code == 422
    assert "The date of birth does not match" in refused.content.decode()

    response = client.post("/pdp/permintaan/baru/", {**post, "details": "Alamat pindah ke RT 02"}, follow=True)
    request = PersonRequest.objects.get()
    assert response.redirect_chain[-1][0] == f"/pdp/permintaan/{request.pk}/"
    assert "Alamat pindah ke RT 02" in response.content.decode()
    # The NIK travels in the form only, never in an address.
    assert all(worker.nik not in url for url, _ in response.redirect_chain)


# --- the clock and its warnings ----------------------------------------------------------------------------


def test_the_clock_counts_72_hours_whatever_the_weekday():
    assert clock.due_at(FRIDAY) == dt.datetime(2026, 3, 9, 16, 0, tzinfo=WIB)  # Monday, same hour
    due = clock.due_at(FRIDAY)
    assert clock.clock_state(due, now=due - dt.timedelta(hours=24, seconds=1)) == clock.ClockState.RUNNING
    assert clock.clock_state(due, now=due - dt.timedelta(hours=24)) == clock.ClockState.DUE_SOON
    assert clock.clock_state(due, now=due - dt.timedelta(seconds=1)) == clock.ClockState.DUE_SOON
    assert clock.clock_state(due, now=due) == clock.ClockState.OVERDUE


def test_the_officer_is_warned_of_requests_due_within_a_day_and_overdue_in_their_region(cast: Cast):
    officer = cast["pejabat_pdp"]
    sambas, pontianak = _person(), _person(village=PONTIANAK_VILLAGE)
    _register(officer, sambas, RequestKind.ACCESS, received_at=FRIDAY)  # due Monday 16:00
    _register(officer, sambas, RequestKind.OBJECTION, received_at=FRIDAY + dt.timedelta(hours=30))
    _register(officer, pontianak, RequestKind.ACCESS, received_at=FRIDAY)
    done = _register(officer, pontianak, RequestKind.OBJECTION, received_at=FRIDAY)
    person_request_refuse(actor=officer, request=done, reason="Sudah dijawab lewat surat")
    sunday_evening = dt.datetime(2026, 3, 8, 20, 0, tzinfo=WIB)
    tuesday = dt.datetime(2026, 3, 10, 9, 0, tzinfo=WIB)

    assert requests_due(officer, now=FRIDAY) == DueCounts(due_soon=0, overdue=0)
    # 20 hours left for the two received on Friday; the one received on Saturday night has more than a day.
    assert requests_due(officer, now=sunday_evening) == DueCounts(due_soon=2, overdue=0)
    assert requests_due(officer, now=tuesday) == DueCounts(due_soon=1, overdue=2)
    regency_officer = make_user("pejabat_sambas", Role.PEJABAT_PELINDUNGAN_DATA, "61.01")
    assert requests_due(regency_officer, now=tuesday) == DueCounts(due_soon=1, overdue=1)


def _counts(body: str) -> dict[str, int]:
    return {key: int(n.replace(".", "")) for key, n in re.findall(r'data-testid="count-([a-z_]+)">([\d.]+)<', body)}


def test_the_start_page_warns_the_officer_and_links_to_the_list_that_agrees(cast: Cast):
    officer = cast["pejabat_pdp"]
    now = timezone.now()
    worker = _person()
    _register(officer, worker, RequestKind.ACCESS, received_at=now - dt.timedelta(hours=80))  # overdue
    _register(officer, worker, RequestKind.OBJECTION, received_at=now - dt.timedelta(hours=60))  # 12 hours left
    _register(officer, worker, RequestKind.DELETION, received_at=now - dt.timedelta(hours=1))  # running

    client = client_for(officer)
    body = client.get("/").content.decode()

    counts = _counts(body)
    assert (counts["pdp_overdue"], counts["pdp_due_soon"]) == (1, 1)
    assert 'class="has-work warning" data-waiting="pdp_overdue"' in body
    link = re.search(r'data-waiting="pdp_overdue">\s*<a href="([^"]+)"', body)
    assert link is not None and link.group(1) == "/pdp/permintaan/?clock=overdue"
    listed = client.get(link.group(1)).content.decode()
    assert len(re.findall(r"data-request=", listed)) == 1
    # An operator registers requests but is not warned: the officer answers for the clock.
    assert "pdp_overdue" not in _counts(client_for(cast["operator_sambas"]).get("/").content.decode())


# --- access: the document, its JSON and its trail -------------------------------------------------------------


@pytest.fixture
def billed(cast: Cast, programme: Programme) -> Worker:
    """A Sambas worker enrolled and billed for January 2026, with a claim; their whole NIK viewed and a list of
    their regency exported by the Sambas operator, a Pontianak list exported by the Pontianak operator."""
    worker = _person()
    enrolment = make_enrolment(worker, programme, Status.ACTIVE, coverage_start=dt.date(2026, 1, 1))
    invoice_issue(actor=None, invoice=invoice_build(actor=None, programme=programme, month=dt.date(2026, 1, 1)))
    make_claim(enrolment, ClaimStatus.REPORTED)
    worker_nik_view(actor=cast["operator_sambas"], worker=worker)
    worker_export_record(actor=cast["operator_sambas"], filters={"regency": "61.01"}, row_count=1)
    worker_export_record(actor=cast["operator_pontianak"], filters={}, row_count=3)
    return worker


def test_the_access_json_has_the_six_keys_and_the_trail_says_who_when_and_in_which_role(cast: Cast, billed: Worker):
    document = access_document(user=cast["pejabat_pdp"], worker=billed)
    data = json.loads(document.as_json())

    assert tuple(data) == KEYS == ("worker", "heirs", "enrolments", "contributions", "claims", "trail")
    assert (data["worker"]["nik"], data["worker"]["phone"], data["worker"]["regency"]) == (
        billed.nik,
        PHONE,
        "Kabupaten Sambas",
    )
    assert data["heirs"] == [
        {"name": "Siti Aminah", "relation": "pasangan", "nik": "", "phone": "+6281311112222", "share": 100}
    ]
    assert [e["programme"] for e in data["enrolments"]] == ["KALBAR-2026"]
    lines = data["contributions"][0]["lines"]
    assert [(line["month"], line["amount"] > 0) for line in lines] == [("2026-01", True)]
    assert [c["status"] for c in data["claims"]] == [ClaimStatus.REPORTED]
    assert all(set(item) == {"at", "user", "role", "action"} for item in data["trail"])
    trail = [(item["user"], item["role"], item["action"]) for item in data["trail"]]
    assert ("operator_sambas", Role.OPERATOR_KABUPATEN, "worker.nik_viewed") in trail
    assert ("operator_sambas", Role.OPERATOR_KABUPATEN, "worker.exported") in trail
    assert ("operator_pontianak", Role.OPERATOR_KABUPATEN, "worker.exported") not in trail
    assert ("", "", "invoice.built") not in trail  # a build is no processing of the person's record by name
    nik_viewed = next(item for item in data["trail"] if item["action"] == "worker.nik_viewed")
    assert dt.datetime.fromisoformat(nik_viewed["at"]).tzinfo is not None


def test_the_access_request_end_to_end_download_by_post_then_given(cast: Cast, billed: Worker):
    officer = cast["pejabat_pdp"]
    request = _register(cast["operator_sambas"], billed, RequestKind.ACCESS)
    with pytest.raises(RefusedStep):  # nothing was produced for it yet
        access_request_give(actor=officer, request=request)

    client = strict_client_for(officer)
    response, entry = download_by_post(
        client, f"/pdp/permintaan/{request.pk}/akses/json/", action="pdp.access_produced"
    )

    assert response["Content-Type"] == "application/json"
    assert tuple(json.loads(response.content)) == KEYS
    assert (entry.object_id, entry.changes["request"][1], entry.changes["format"][1]) == (
        str(billed.pk),
        request.pk,
        "json",
    )
    access_request_give(actor=officer, request=request)
    request.refresh_from_db()
    assert (request.status, request.resolution, request.closed_by) == (
        RequestStatus.DONE,
        RequestResolution.ACCESS_GIVEN,
        officer,
    )
    page = client.get(f"/pdp/permintaan/{request.pk}/").content.decode()
    assert 'data-testid="access-again"' in page and 'data-testid="give-form"' not in page
    # The next document lists this one's making too.
    again = access_document(user=officer, worker=billed)
    assert ("pejabat_pdp", Role.PEJABAT_PELINDUNGAN_DATA, "pdp.access_produced") in [
        (t.user, t.role, t.action) for t in again.trail
    ]


def test_the_access_pdf_is_made_and_lists_the_trail(cast: Cast, billed: Worker):
    officer = cast["pejabat_pdp"]
    with translation.override("en"):
        document = access_document(user=officer, worker=billed)
    html = access_document_html(document, language="en")
    assert 'data-testid="trail"' in html
    assert "Whole NIK viewed by operator_sambas" in html
    assert "it may have held this person" in html  # the regency's list export
    assert "Regency/city operator" in html

    pdf = access_document_produce(actor=officer, worker=billed, fmt="pdf", language="id")
    assert pdf.startswith(b"%PDF-")
    assert AuditEntry.objects.filter(action="pdp.access_produced", changes__format__1="pdf").count() == 1


def test_an_operator_cannot_produce_the_access_document(cast: Cast, billed: Worker):
    with pytest.raises(PermissionDenied):
        access_document_produce(actor=cast["operator_sambas"], worker=billed, fmt="json")
    request = _register(cast["operator_sambas"], billed, RequestKind.ACCESS)
    assert client_for(cast["operator_sambas"]).post(f"/pdp/permintaan/{request.pk}/akses/json/").status_code == 403


# --- correction, restriction, objection ------------------------------------------------------------------------


def _edit_post(worker: Worker, **changes: str) -> dict[str, str]:
    post = {
        "name": worker.name,
        "birth_place": worker.birth_place,
        "birth_date": worker.birth_date.isoformat(),
        "sex": worker.sex,
        "address": worker.address,
        "village": worker.village_id,
        "phone": worker.phone,
        "occupation": worker.occupation.code,
        "declared_income": str(worker.declared_income),
        "kk_number": worker.kk_number,
        "mother_maiden_name": worker.mother_maiden_name,
        "heirs-TOTAL_FORMS": "1",
        "heirs-INITIAL_FORMS": "1",
        "heirs-0-name": "Siti Aminah",
        "heirs-0-relation": "pasangan",
        "heirs-0-phone": "+6281311112222",
        "heirs-0-share": "100",
    }
    post.update(changes)
    return post


def test_a_correction_goes_through_the_registry_s_edit_linked_to_the_request(cast: Cast, english: None):
    worker = _person()
    request = _register(cast["operator_desa"], worker, RequestKind.CORRECTION, details="Alamat pindah")
    officer = client_for(cast["pejabat_pdp"])
    assert officer.get(f"/pdp/permintaan/{request.pk}/koreksi/").status_code == 403  # read-only on the registry

    client = client_for(cast["operator_sambas"])
    assert client.get(f"/pdp/permintaan/{request.pk}/koreksi/").status_code == 200
    response = client.post(
        f"/pdp/permintaan/{request.pk}/koreksi/", _edit_post(worker, address="Jl. Baru No. 9"), follow=True
    )

    assert response.redirect_chain[-1][0] == f"/pdp/permintaan/{request.pk}/"
    worker.refresh_from_db()
    assert worker.address == "Jl. Baru No. 9"
    change = AuditEntry.objects.get(action="worker.changed")
    assert change.changes["pdp_request"] == [None, request.pk]
    assert change.actor_username == "operator_sambas"
    request.refresh_from_db()
    assert (request.status, request.resolution) == (RequestStatus.DONE, RequestResolution.CORRECTED)
    assert request.outcome_language == "id" and "alamat" in request.outcome
    done = AuditEntry.objects.get(action="pdp.request_done")
    assert done.changes["fields"] == [None, ["address"]]
    # The request's page lists the correction in its history.
    page = client.get(f"/pdp/permintaan/{request.pk}/").content.decode()
    assert 'data-action="worker.changed"' in page and 'data-action="pdp.request_done"' in page
    assert client.get(f"/pdp/permintaan/{request.pk}/koreksi/").status_code == 404  # answered


def test_a_restriction_request_restricts_the_processing(cast: Cast):
    worker = _person()
    request = _register(cast["operator_sambas"], worker, RequestKind.RESTRICTION)
    client = client_for(cast["pejabat_pdp"])

    response = client.post(f"/pdp/permintaan/{request.pk}/batasi/", {"reason": ""})

    assert response.status_code == 302
    worker.refresh_from_db()
    assert worker.restricted_since is not None
    restricted = AuditEntry.objects.get(action="pdp.restricted")
    assert restricted.changes["request"] == [None, request.pk]
    request.refresh_from_db()
    assert (request.status, request.resolution) == (RequestStatus.DONE, RequestResolution.RESTRICTED)
    with pytest.raises(PermissionDenied):  # an operator does not restrict
        restriction_request_carry_out(
            actor=cast["operator_sambas"], request=_register(cast["operator_sambas"], worker, "restriction")
        )


def test_an_objection_is_decided_by_the_officer_continue_for_the_public_task_or_restrict(cast: Cast):
    officer = cast["pejabat_pdp"]
    first, second = _person(), _person()
    kept_on = _register(officer, first, RequestKind.OBJECTION, details="Saya tidak mau data dikirim")
    restricted = _register(officer, second, RequestKind.OBJECTION)

    with pytest.raises(RefusedStep):
        objection_request_decide(actor=officer, request=kept_on, decision="continue", reason=" ")
    reason = "Pendaftaran menjalankan tugas pemerintah daerah (Perda 3/2024); keberatan tidak menghentikannya."
    objection_request_decide(actor=officer, request=kept_on, decision="continue", reason=reason)
    client_for(officer).post(
        f"/pdp/permintaan/{restricted.pk}/keberatan/", {"decision": "restrict", "reason": "Sampai sengketa selesai"}
    )

    kept_on.refresh_from_db()
    restricted.refresh_from_db()
    assert (kept_on.resolution, kept_on.outcome, kept_on.outcome_language) == (
        RequestResolution.CONTINUED,
        reason,
        "",
    )
    assert Worker.objects.get(pk=first.pk).restricted_since is None
    assert restricted.resolution == RequestResolution.RESTRICTED
    assert Worker.objects.get(pk=second.pk).restricted_since is not None
    assert AuditEntry.objects.filter(action="pdp.request_done", changes__decision__1="continue").count() == 1


def test_any_request_may_be_refused_with_its_reason_once(cast: Cast):
    officer = cast["pejabat_pdp"]
    request = _register(officer, _person(), RequestKind.CORRECTION)
    with pytest.raises(RefusedStep):
        person_request_refuse(actor=officer, request=request, reason="")
    with pytest.raises(PermissionDenied):
        person_request_refuse(actor=cast["operator_sambas"], request=request, reason="Data sudah benar")

    person_request_refuse(actor=officer, request=request, reason="Data sudah benar menurut KTP")

    request.refresh_from_db()
    assert (request.status, request.outcome, request.resolution) == (
        RequestStatus.REFUSED,
        "Data sudah benar menurut KTP",
        "",
    )
    with pytest.raises(RefusedStep):
        person_request_refuse(actor=officer, request=request, reason="Lagi")


# --- deletion ------------------------------------------------------------------------------------------------------


def test_a_deletion_is_carried_out_by_the_retention_run_s_anonymisation_now(cast: Cast):
    officer = cast["pejabat_pdp"]
    worker = _person()  # never proposed: no other law keeps them
    nik = worker.nik
    request = _register(cast["operator_sambas"], worker, RequestKind.DELETION, details="Hapus data saya")
    page = client_for(officer).get(f"/pdp/permintaan/{request.pk}/").content.decode()
    assert 'data-testid="will-anonymise"' in page

    response = client_for(officer).post(f"/pdp/permintaan/{request.pk}/hapus/")

    assert response.status_code == 302
    worker.refresh_from_db()
    assert worker.anonymised_on == timezone.localdate()
    assert (worker.nik, worker.name, worker.phone, worker.nik_hash) == (
        anonymised_nik(worker.pk),
        "",
        "",
        nik_keyed_hash(nik),
    )
    assert list(Heir.objects.filter(worker=worker).values_list("name", "phone")) == [("", "")]
    request.refresh_from_db()
    assert (request.status, request.resolution, request.details) == (
        RequestStatus.DONE,
        RequestResolution.ANONYMISED,
        "",  # what the person wrote went with their data
    )
    assert AuditEntry.objects.get(action="pdp.request_done").changes["anonymised"] == [None, 1]


def test_a_deletion_is_refused_with_the_legal_reason_where_another_law_keeps_the_records(
    cast: Cast, programme: Programme
):
    officer = cast["pejabat_pdp"]
    live, billed, claimant, held = _person(), _person(), _person(), _person()
    # In a programme never billed: only the live enrolment keeps them.
    make_enrolment(live, make_programme("SAMBAS-2026"), Status.ACTIVE, coverage_start=dt.date(2026, 1, 1))
    make_enrolment(billed, programme, Status.ENDED, coverage_start=dt.date(2026, 1, 1))
    invoice_issue(actor=None, invoice=invoice_build(actor=None, programme=programme, month=dt.date(2026, 1, 1)))
    make_claim(make_enrolment(claimant, programme, Status.REJECTED), ClaimStatus.REPORTED)
    legal_hold_set(actor=officer, worker=held, reason="Sengketa ahli waris")
    expected = {
        live.pk: ("live_enrolment", "still running"),
        billed.pk: ("finance", "keep the financial records for 10 years"),
        claimant.pk: ("claim", "claim that is open"),
        held.pk: ("legal_hold", "legal hold"),
    }

    for worker in (live, billed, claimant, held):
        code, english = expected[worker.pk]
        request = _register(officer, worker, RequestKind.DELETION)
        with translation.override("en"):
            reasons = deletion_keeping_reasons(worker)
        assert len(reasons) == 1 and english in reasons[0]
        with translation.override("id"):
            in_records_language = deletion_keeping_reasons(worker)

        with translation.override("en"):  # the officer's page in English: the answer is written in Indonesian
            deletion_request_answer(actor=officer, request=request)

        request.refresh_from_db()
        worker.refresh_from_db()
        assert (request.status, request.outcome_language) == (RequestStatus.REFUSED, "id")
        assert in_records_language[0] in request.outcome
        refused = AuditEntry.objects.get(action="pdp.request_refused", object_id=str(request.pk))
        assert refused.changes["kept_by"] == [None, [code]]
        assert worker.anonymised_on is None and worker.name == "Budi Santoso"


# --- the command line ---------------------------------------------------------------------------------------------


def test_the_command_writes_the_access_document_as_the_user_and_never_prints_the_nik(
    cast: Cast, billed: Worker, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    out, err = StringIO(), StringIO()
    target = tmp_path / "akses.json"
    with caplog.at_level(logging.DEBUG):
        call_command(
            "pdp",
            "access",
            billed.nik,
            "--format",
            "json",
            "--out",
            str(target),
            "--as",
            "pejabat_pdp",
            stdout=out,
            stderr=err,
        )

    data = json.loads(target.read_text())
    assert tuple(data) == KEYS and data["worker"]["nik"] == billed.nik
    assert any(item["action"] == "worker.nik_viewed" for item in data["trail"])
    entry = AuditEntry.objects.get(action="pdp.access_produced")
    assert (entry.actor_username, entry.object_id) == ("pejabat_pdp", str(billed.pk))
    assert billed.nik not in out.getvalue() + err.getvalue() + caplog.text

    pdf = tmp_path / "akses.pdf"
    call_command("pdp", "access", billed.nik, "--format", "pdf", "--out", str(pdf), "--as", "pejabat_pdp", stdout=out)
    assert pdf.read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize("username", ["operator_pontianak", "operator_sambas"])
def test_the_command_refuses_outside_the_user_s_rights_or_region_without_the_nik(
    cast: Cast, billed: Worker, tmp_path: Path, username: str
):
    target = tmp_path / "akses.json"
    with pytest.raises(CommandError) as refused:
        call_command("pdp", "access", billed.nik, "--format", "json", "--out", str(target), "--as", username)
    assert billed.nik not in str(refused.value)
    assert not target.exists()
    assert not AuditEntry.objects.filter(action="pdp.access_produced").exists()
