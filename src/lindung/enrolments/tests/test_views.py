from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lindung.accounts.models import Role, User
from lindung.audit.models import AuditEntry
from lindung.enrolments.models import BpjsBatch, EndReason, Enrolment, Status
from lindung.programmes.models import FunderType, Programme
from lindung.testing import (
    PONTIANAK_VILLAGE,
    Cast,
    client_for,
    flow_urls,
    make_enrolment,
    make_programme,
    make_user,
    make_worker,
    set_quota,
)
from lindung.workers.nik import nik_mask

pytestmark = pytest.mark.django_db


def _activate(user: User, enrolment: Enrolment, **form: str):
    """``user`` posts the activation form of ``enrolment``."""
    return client_for(user).post(f"/kepesertaan/{enrolment.pk}/aktifkan/", form)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _listed(response) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-enrolment="(\d+)"', response.content.decode())}


# --- the list ----------------------------------------------------------------------------------


def test_the_list_shows_only_the_operators_regency_with_masked_niks(cast: Cast, programme: Programme):
    sambas = make_enrolment(make_worker(name="Ahmad Sambas"), programme)
    pontianak = make_enrolment(make_worker(village=PONTIANAK_VILLAGE, name="Budi Pontianak"), programme)

    response = client_for(cast["operator_sambas"]).get("/kepesertaan/")

    assert response.status_code == 200
    assert _listed(response) == {sambas.pk}
    body = response.content.decode()
    assert nik_mask(sambas.worker.nik) in body
    assert sambas.worker.nik not in body
    assert "Budi Pontianak" not in body
    assert _listed(client_for(cast["verifikator"]).get("/kepesertaan/")) == {sambas.pk, pontianak.pk}


def test_the_list_needs_a_login(programme: Programme):
    response = Client().get("/kepesertaan/")
    assert response.status_code == 302
    assert response["Location"].startswith("/masuk/")


def test_the_list_filters_by_programme_status_and_regency(cast: Cast, programme: Programme):
    csr = make_programme("CSR-2026", funder_type=FunderType.CSR, funder_name="PT Contoh")
    proposed = make_enrolment(make_worker(), programme)
    verified = make_enrolment(make_worker(), programme, Status.VERIFIED)
    in_csr = make_enrolment(make_worker(), csr)
    in_pontianak = make_enrolment(make_worker(village=PONTIANAK_VILLAGE), programme)
    client = client_for(cast["verifikator"])

    assert _listed(client.get("/kepesertaan/", {"programme": csr.pk})) == {in_csr.pk}
    assert _listed(client.get("/kepesertaan/", {"status": "terverifikasi"})) == {verified.pk}
    assert _listed(client.get("/kepesertaan/", {"regency": "61.71"})) == {in_pontianak.pk}
    assert _listed(client.get("/kepesertaan/", {"regency": "61.01", "programme": str(programme.pk)})) == {
        proposed.pk,
        verified.pk,
    }


def test_the_list_searches_a_whole_nik_exactly_or_a_part_of_a_name(cast: Cast, programme: Programme):
    siti = make_enrolment(make_worker(name="Siti Aminah"), programme)
    budi = make_enrolment(make_worker(name="Budi Santoso"), programme)
    client = client_for(cast["operator_sambas"])

    assert _listed(client.post("/kepesertaan/", {"q": siti.worker.nik}, follow=True)) == {siti.pk}
    assert _listed(client.post("/kepesertaan/", {"q": "santo"}, follow=True)) == {budi.pk}
    assert _listed(client.post("/kepesertaan/", {"q": siti.worker.nik[:10]}, follow=True)) == set()


def test_a_searched_nik_is_posted_and_appears_in_no_address_of_the_list(cast: Cast, programme: Programme):
    siti = make_enrolment(make_worker(name="Siti Aminah"), programme)
    make_enrolment(make_worker(name="Budi Santoso"), programme)
    client = client_for(cast["operator_sambas"])

    response = client.post("/kepesertaan/", {"q": siti.worker.nik, "status": "proposed"}, follow=True)

    assert response.redirect_chain and _listed(response) == {siti.pk}
    urls = flow_urls(response)
    assert [url for url in urls if "cari=" in url and "status=proposed" in url]
    assert not [url for url in urls if siti.worker.nik in url], urls
    old_link = client.get("/kepesertaan/", {"q": siti.worker.nik}, follow=True)
    assert _listed(old_link) == {siti.pk}
    assert not [url for url, _ in old_link.redirect_chain if siti.worker.nik in url]


def test_a_regency_outside_the_scope_is_refused_next_to_the_filter_and_shows_nothing_of_it(
    cast: Cast, programme: Programme
):
    sambas = make_enrolment(make_worker(), programme)
    make_enrolment(make_worker(village=PONTIANAK_VILLAGE), programme)

    response = client_for(cast["operator_sambas"]).get("/kepesertaan/", {"regency": "61.71"})

    assert response.status_code == 200
    assert 'data-testid="error-regency"' in response.content.decode()
    assert _listed(response) == {sambas.pk}


def test_the_list_sorts_by_name(cast: Cast, programme: Programme):
    zainal = make_enrolment(make_worker(name="Zainal"), programme)
    ahmad = make_enrolment(make_worker(name="Ahmad"), programme)
    body = client_for(cast["operator_sambas"]).get("/kepesertaan/", {"sort": "name"}).content.decode()
    assert body.index(f'data-enrolment="{ahmad.pk}"') < body.index(f'data-enrolment="{zainal.pk}"')
    body = client_for(cast["operator_sambas"]).get("/kepesertaan/", {"sort": "-name"}).content.decode()
    assert body.index(f'data-enrolment="{zainal.pk}"') < body.index(f'data-enrolment="{ahmad.pk}"')


def test_the_list_pages_by_fifty(cast: Cast, programme: Programme):
    for _ in range(55):
        make_enrolment(make_worker(), programme)
    client = client_for(cast["operator_sambas"])
    assert len(_listed(client.get("/kepesertaan/"))) == 50
    assert len(_listed(client.get("/kepesertaan/", {"page": 2}))) == 5
    assert client.get("/kepesertaan/", {"page": "many"}).status_code == 200


def test_the_lists_queries_do_not_grow_with_the_page(cast: Cast, programme: Programme, django_assert_max_num_queries):
    client = client_for(cast["verifikator"])
    make_enrolment(make_worker(), programme, Status.VERIFIED)
    with CaptureQueriesContext(connection) as one_row:
        client.get("/kepesertaan/")
    for _ in range(49):
        make_enrolment(make_worker(village=PONTIANAK_VILLAGE), programme, Status.VERIFIED)
    with django_assert_max_num_queries(len(one_row)) as full_page:
        response = client.get("/kepesertaan/")
    assert len(_listed(response)) == 50
    assert len(full_page) == len(one_row) <= 10


# --- the detail page ---------------------------------------------------------------------------


def test_the_detail_page_shows_the_enrolment_and_its_history(cast: Cast, programme: Programme):
    from lindung.enrolments.services import enrolment_propose

    enrolment = enrolment_propose(actor=cast["operator_sambas"], worker=make_worker(), programme=programme)
    response = client_for(cast["operator_sambas"]).get(f"/kepesertaan/{enrolment.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-status="diusulkan"' in body
    assert 'data-action="enrolment.proposed"' in body
    assert nik_mask(enrolment.worker.nik) in body
    assert enrolment.worker.nik not in body


def test_the_pontianak_operator_gets_404_on_a_sambas_enrolment(cast: Cast, programme: Programme):
    enrolment = make_enrolment(make_worker(), programme)
    client = client_for(cast["operator_pontianak"])
    assert client.get(f"/kepesertaan/{enrolment.pk}/").status_code == 404
    assert client.get("/kepesertaan/999999/").status_code == 404
    response = client.post(f"/kepesertaan/{enrolment.pk}/akhiri/", {"reason": "died", "coverage_end": "2026-05-01"})
    assert response.status_code == 404


def test_the_verifier_sees_verify_and_reject_and_the_operator_sees_no_step(cast: Cast, programme: Programme):
    enrolment = make_enrolment(make_worker(), programme)
    verifier_page = client_for(cast["verifikator"]).get(f"/kepesertaan/{enrolment.pk}/").content.decode()
    assert 'data-testid="step-verify"' in verifier_page
    assert 'data-testid="step-reject"' in verifier_page
    assert 'data-testid="step-activate"' not in verifier_page
    operator_page = client_for(cast["operator_sambas"]).get(f"/kepesertaan/{enrolment.pk}/").content.decode()
    assert 'data-testid="steps"' not in operator_page


def test_a_verifier_verifies_on_the_page(cast: Cast, programme: Programme):
    enrolment = make_enrolment(make_worker(), programme)
    response = client_for(cast["verifikator"]).post(f"/kepesertaan/{enrolment.pk}/verifikasi/")
    assert response.status_code == 302
    assert response["Location"] == f"/kepesertaan/{enrolment.pk}/"
    assert _messages(response) == ["The enrolment is verified."]
    enrolment.refresh_from_db()
    assert enrolment.status == Status.VERIFIED


def test_an_operator_cannot_verify_on_the_page(cast: Cast, programme: Programme):
    enrolment = make_enrolment(make_worker(), programme)
    assert client_for(cast["operator_sambas"]).post(f"/kepesertaan/{enrolment.pk}/verifikasi/").status_code == 403
    enrolment.refresh_from_db()
    assert enrolment.status == Status.PROPOSED


def test_a_verifier_cannot_activate_on_the_page(cast: Cast, programme: Programme):
    enrolment = make_enrolment(make_worker(), programme, Status.SENT)
    response = _activate(cast["verifikator"], enrolment, kpj="12345678901", coverage_start="2026-01-01")
    assert response.status_code == 403


def test_a_full_quota_is_said_on_the_verify_form(cast: Cast):
    programme = make_programme()
    set_quota(programme, "61.01", 0)
    enrolment = make_enrolment(make_worker(), programme)
    response = client_for(cast["verifikator"]).post(f"/kepesertaan/{enrolment.pk}/verifikasi/")
    assert response.status_code == 400
    assert "The quota of 0 workers for Kabupaten Sambas in programme KALBAR-2026 is full." in response.content.decode()


def test_a_rejection_without_a_reason_is_refused_next_to_the_field(cast: Cast, programme: Programme):
    enrolment = make_enrolment(make_worker(), programme)
    response = client_for(cast["verifikator"]).post(f"/kepesertaan/{enrolment.pk}/tolak/", {"reason": "  "})
    assert response.status_code == 400
    assert 'data-testid="error-reason"' in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.status == Status.PROPOSED


def test_a_verifier_rejects_on_the_page(cast: Cast, programme: Programme):
    enrolment = make_enrolment(make_worker(), programme)
    response = client_for(cast["verifikator"]).post(f"/kepesertaan/{enrolment.pk}/tolak/", {"reason": "Ganda"})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.rejection_reason) == (Status.REJECTED, "Ganda")


def test_a_bad_kpj_is_refused_next_to_the_field(cast: Cast, programme: Programme):
    enrolment = make_enrolment(make_worker(), programme, Status.SENT)
    response = _activate(cast["petugas_bpjs"], enrolment, kpj="12345", coverage_start="2026-01-01")
    assert response.status_code == 400
    body = response.content.decode()
    assert re.search(r'data-testid="error-kpj">A KPJ membership number is exactly 11 digits\.<', body)
    enrolment.refresh_from_db()
    assert enrolment.status == Status.SENT


def test_a_bpjs_officer_activates_on_the_page(cast: Cast, programme: Programme):
    enrolment = make_enrolment(make_worker(), programme, Status.SENT)
    response = _activate(cast["petugas_bpjs"], enrolment, kpj="12345678901", coverage_start="2026-03-01")
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.kpj, enrolment.coverage_start) == (
        Status.ACTIVE,
        "12345678901",
        dt.date(2026, 3, 1),
    )


def test_a_kpj_held_in_another_region_is_refused_on_the_page_in_the_same_words_as_one_held_in_view(
    cast: Cast, programme: Programme
):
    officer = make_user("bpjs_sambas", Role.PETUGAS_BPJS, "61.01")
    hidden = make_enrolment(make_worker(name="Yusuf Pontianak", village=PONTIANAK_VILLAGE), programme, Status.ACTIVE)
    seen = make_enrolment(make_worker(name="Rahmat Sambas"), programme, Status.ACTIVE)
    errors = []
    for holder in (hidden, seen):
        enrolment = make_enrolment(make_worker(name="Budi"), programme, Status.SENT)
        page = _activate(officer, enrolment, kpj=holder.kpj, coverage_start="2026-03-01").content.decode()
        errors.append(re.findall(r'class="field-error"[^>]*>([^<]*)<', page))
        assert "another worker" not in page
        assert holder.worker.name not in page
        assert "Pontianak" not in page
    assert (
        errors[0]
        == errors[1]
        == [
            "This KPJ number cannot be recorded for this worker: check it against BPJS&#x27;s answer and, if it is "
            "right, tell the provincial administrator."
        ]
    )


def test_an_operator_ends_an_enrolment_on_the_page(cast: Cast, programme: Programme):
    enrolment = make_enrolment(make_worker(), programme, Status.ACTIVE)
    response = client_for(cast["operator_sambas"]).post(
        f"/kepesertaan/{enrolment.pk}/akhiri/", {"reason": EndReason.MOVED_AWAY, "coverage_end": "2026-06-30"}
    )
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.end_reason) == (Status.ENDED, EndReason.MOVED_AWAY)


def test_a_step_not_allowed_from_the_current_status_is_refused_with_a_message(cast: Cast, programme: Programme):
    enrolment = make_enrolment(make_worker(), programme, Status.ACTIVE)
    response = client_for(cast["verifikator"]).post(f"/kepesertaan/{enrolment.pk}/verifikasi/")
    assert response.status_code == 400
    assert "Only a proposed enrolment can be verified; this one is Active." in response.content.decode()


def test_a_step_page_takes_only_posts(cast: Cast, programme: Programme):
    enrolment = make_enrolment(make_worker(), programme)
    assert client_for(cast["verifikator"]).get(f"/kepesertaan/{enrolment.pk}/verifikasi/").status_code == 405


# --- proposing ---------------------------------------------------------------------------------


def test_an_operator_proposes_a_worker_on_the_page(cast: Cast, programme: Programme):
    make_programme("PTK-2026", region_id="61.71", funder_type=FunderType.APBD_KABKOTA)
    worker = make_worker()
    client = client_for(cast["operator_sambas"])

    form = client.get(f"/kepesertaan/usulkan/{worker.pk}/").content.decode()
    assert "KALBAR-2026" in form
    assert "PTK-2026" not in form  # a Pontianak programme is not offered to a Sambas worker

    response = client.post(f"/kepesertaan/usulkan/{worker.pk}/", {"programme": programme.pk})
    enrolment = Enrolment.objects.get(worker=worker)
    assert response.status_code == 302
    assert response["Location"] == f"/kepesertaan/{enrolment.pk}/"
    assert enrolment.status == Status.PROPOSED


def test_the_pontianak_operator_cannot_open_or_propose_a_sambas_worker(cast: Cast, programme: Programme):
    worker = make_worker()
    client = client_for(cast["operator_pontianak"])
    assert client.get(f"/kepesertaan/usulkan/{worker.pk}/").status_code == 404
    assert client.post(f"/kepesertaan/usulkan/{worker.pk}/", {"programme": programme.pk}).status_code == 404
    assert not Enrolment.objects.exists()


def test_a_verifier_cannot_propose(cast: Cast, programme: Programme):
    worker = make_worker()
    response = client_for(cast["verifikator"]).post(f"/kepesertaan/usulkan/{worker.pk}/", {"programme": programme.pk})
    assert response.status_code == 403


def test_an_overlapping_proposal_is_refused_next_to_the_programme_naming_the_first(cast: Cast, programme: Programme):
    sambas = make_programme("SAMBAS-2026", region_id="61.01", funder_type=FunderType.APBD_KABKOTA)
    worker = make_worker()
    make_enrolment(worker, programme, Status.ACTIVE)
    response = client_for(cast["operator_sambas"]).post(f"/kepesertaan/usulkan/{worker.pk}/", {"programme": sambas.pk})
    assert response.status_code == 200
    error = re.search(r'data-testid="error-programme">([^<]*)<', response.content.decode())
    assert error is not None
    assert "KALBAR-2026" in error.group(1)
    assert not Enrolment.objects.filter(programme=sambas).exists()


# --- sending -----------------------------------------------------------------------------------


def test_the_verifier_sends_a_programmes_verified_enrolments_from_the_list(cast: Cast, programme: Programme):
    verified = [make_enrolment(make_worker(), programme, Status.VERIFIED) for _ in range(2)]
    client = client_for(cast["verifikator"])
    assert 'data-testid="send-KALBAR-2026"' in client.get("/kepesertaan/").content.decode()

    response = client.post("/kepesertaan/kirim/", {"programme": programme.pk})

    batch = BpjsBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/kepesertaan/bpjs/batch/{batch.pk}/"
    assert _messages(response) == [
        "Batch 1 of programme KALBAR-2026: 2 enrolments sent to BPJS. Download its file here."
    ]
    assert batch.file and batch.sha256
    assert {e.pk for e in batch.enrolments.all()} == {e.pk for e in verified}
    assert AuditEntry.objects.filter(action="enrolment.sent").count() == 2


def test_an_operator_sees_no_send_button_and_cannot_send(cast: Cast, programme: Programme):
    make_enrolment(make_worker(), programme, Status.VERIFIED)
    client = client_for(cast["operator_sambas"])
    assert 'data-testid="send-panel"' not in client.get("/kepesertaan/").content.decode()
    assert client.post("/kepesertaan/kirim/", {"programme": programme.pk}).status_code == 403
    assert not BpjsBatch.objects.exists()


def test_sending_with_nothing_verified_says_so(cast: Cast, programme: Programme):
    response = client_for(cast["verifikator"]).post("/kepesertaan/kirim/", {"programme": programme.pk})
    assert response.status_code == 302
    assert _messages(response) == ["Programme KALBAR-2026 has no verified enrolment waiting; no batch was written."]


def test_ids_in_the_page_are_not_formatted_as_numbers(cast: Cast):
    """USE_THOUSAND_SEPARATOR would turn id 12345 into "12.345", which no form or test can use."""
    programme = make_programme(id=12345)
    set_quota(programme, "61.01", 10)
    enrolment = make_enrolment(make_worker(), programme, Status.VERIFIED, id=23456)
    client = client_for(cast["verifikator"])
    body = client.get("/kepesertaan/").content.decode()
    assert _listed(client.get("/kepesertaan/")) == {enrolment.pk}
    posted = re.search(r'name="programme" value="([^"]*)"', body)
    assert posted is not None
    assert client.post("/kepesertaan/kirim/", {"programme": posted.group(1)}).status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == Status.SENT


def test_a_rejected_enrolment_is_proposed_again_from_its_page(cast: Cast, programme: Programme):
    enrolment = make_enrolment(make_worker(), programme, Status.REJECTED)
    client = client_for(cast["operator_sambas"])
    page = client.get(f"/kepesertaan/{enrolment.pk}/").content.decode()
    assert 'data-testid="step-repropose"' in page
    response = client.post(f"/kepesertaan/{enrolment.pk}/usulkan-ulang/", follow=True)
    assert "The enrolment is proposed again." in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.status == Status.PROPOSED
