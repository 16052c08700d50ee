from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lindung.claims.models import Claim, ClaimStatus, ClaimType
from lindung.claims.services import claim_register
from lindung.claims.tests.conftest import issue_months, pay
from lindung.enrolments.models import Enrolment, Status
from lindung.programmes.models import Programme
from lindung.testing import Cast, client_for, make_enrolment, make_worker
from lindung.workers.models import HeirRelation

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def paid_enrolment(programme: Programme, enrolment: Enrolment) -> Enrolment:
    pay(programme, *issue_months(programme, 1, 2, 3, 4))
    return enrolment


def _form(on: Enrolment, **fields: str) -> dict[str, str]:
    return {
        "enrolment": str(on.pk),
        "type": ClaimType.JKM,
        "incident_date": "2026-04-10",
        "incident_place": "Desa Sebadi",
        "description": "Meninggal dunia di rumah.",
        "reporter_name": "Siti Aminah",
        "reporter_relation": "istri",
        **fields,
    }


def test_recording_a_death_from_the_form_shows_the_estimate_and_the_checklist(cast: Cast, paid_enrolment: Enrolment):
    client = client_for(cast["operator_sambas"])
    page = client.get(f"/klaim/baru/?kepesertaan={paid_enrolment.pk}")
    assert page.status_code == 200 and "Budi Santoso" in page.content.decode()
    response = client.post("/klaim/baru/", _form(paid_enrolment), follow=True)
    claim = Claim.objects.get()
    assert response.redirect_chain[-1][0] == f"/klaim/{claim.pk}/"
    body = response.content.decode()
    assert "Rp 42,000,000" in body
    assert "Death certificate" in body and "Heirship letter" in body
    assert 'data-covered="yes"' in body
    assert paid_enrolment.worker.nik not in body  # masked


def test_the_nik_finds_the_enrolment_covering_the_day(cast: Cast, paid_enrolment: Enrolment):
    client = client_for(cast["operator_sambas"])
    form = _form(paid_enrolment, enrolment="", nik_or_kpj=paid_enrolment.worker.nik, type=ClaimType.JKK_STMB)
    form["stmb_months"] = "3"
    response = client.post("/klaim/baru/", form)
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert claim.enrolment == paid_enrolment and claim.estimate_total == 3_000_000


def test_bad_input_is_shown_next_to_its_field_and_nothing_is_written(cast: Cast, paid_enrolment: Enrolment):
    client = client_for(cast["operator_sambas"])
    response = client.post("/klaim/baru/", _form(paid_enrolment, type=ClaimType.JKK_PARTIAL_DISABILITY))
    assert response.status_code == 400
    assert 'data-testid="error-disability_percent"' in response.content.decode()
    response = client.post("/klaim/baru/", _form(paid_enrolment, enrolment="", nik_or_kpj="12345"))
    assert "No enrolment in your region has this NIK or KPJ." in response.content.decode()
    response = client.post("/klaim/baru/", _form(paid_enrolment, incident_date="31/02/2026"))
    assert response.status_code == 400
    assert not Claim.objects.exists()


def test_a_refusal_keeps_the_worker_found_by_nik_and_every_value_typed(cast: Cast, paid_enrolment: Enrolment):
    """The service refuses a day in the future after the NIK found the worker: the NIK stays in its box (sending
    again finds the worker again), the worker is named, and the summary on top links to the date."""
    client = client_for(cast["operator_sambas"])
    nik = paid_enrolment.worker.nik
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    form = _form(paid_enrolment, enrolment="", nik_or_kpj=nik, incident_date=tomorrow, income="Rp 2.500.000")
    response = client.post("/klaim/baru/", form)
    page = response.content.decode()
    assert response.status_code == 400
    assert f'name="nik_or_kpj" value="{nik}"' in page
    assert 'data-testid="known-worker"' in page and "Budi Santoso" in page
    assert '<li data-error-for="incident_date"><a href="#id_incident_date">' in page
    for value in (tomorrow, "Desa Sebadi", "Siti Aminah", "istri", "Rp 2.500.000"):
        assert f'value="{value}"' in page
    assert "Meninggal dunia di rumah." in page
    response = client.post("/klaim/baru/", {**form, "incident_date": "2026-04-10"})
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert claim.enrolment == paid_enrolment and claim.income == 2_500_000


def test_a_form_error_keeps_the_worker_from_the_enrolment_s_page(cast: Cast, paid_enrolment: Enrolment):
    response = client_for(cast["operator_sambas"]).post("/klaim/baru/", _form(paid_enrolment, incident_date=""))
    page = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="known-worker"' in page and 'name="nik_or_kpj"' not in page
    assert f'name="enrolment" value="{paid_enrolment.pk}"' in page


def test_a_refused_step_on_the_claim_s_page_is_summarised_on_top(cast: Cast, paid_enrolment: Enrolment):
    claim = _claim(cast, paid_enrolment)
    response = client_for(cast["operator_sambas"]).post(f"/klaim/{claim.pk}/lengkap/")
    page = response.content.decode()
    assert response.status_code == 400
    summary = page.index('data-testid="error-summary"')
    assert summary < page.index('data-testid="steps"')
    assert '<a href="#step-complete">' in page[summary:] and 'id="step-complete"' in page


def test_a_claim_form_for_an_enrolment_of_another_regency_is_absent(cast: Cast, paid_enrolment: Enrolment):
    response = client_for(cast["operator_pontianak"]).post("/klaim/baru/", _form(paid_enrolment, incident_date=""))
    assert response.status_code == 404


def test_other_regencies_see_no_claim_and_roles_without_claims_cannot_record(cast: Cast, paid_enrolment: Enrolment):
    claim = _claim(cast, paid_enrolment)
    assert client_for(cast["operator_pontianak"]).get(f"/klaim/{claim.pk}/").status_code == 404
    assert (
        client_for(cast["operator_pontianak"]).get(f"/klaim/baru/?kepesertaan={paid_enrolment.pk}").status_code == 404
    )
    assert client_for(cast["keuangan"]).get("/klaim/baru/").status_code == 403
    listing = client_for(cast["operator_pontianak"]).get("/klaim/").content.decode()
    assert "No claims." in listing
    assert f'data-claim="{claim.pk}"' in client_for(cast["pimpinan"]).get("/klaim/").content.decode()


def test_the_workflow_from_the_detail_page_to_paid(cast: Cast, paid_enrolment: Enrolment):
    claim = _claim(cast, paid_enrolment)
    client = client_for(cast["operator_sambas"])
    documents = [
        "kartu_peserta",
        "ktp_peserta",
        "ktp_ahli_waris",
        "akta_kematian",
        "kartu_keluarga",
        "surat_ahli_waris",
        "buku_rekening",
    ]
    assert client.post(f"/klaim/{claim.pk}/berkas/", {"received": documents}).status_code == 302
    refused = client.post(f"/klaim/{claim.pk}/lengkap/")
    assert refused.status_code == 400 and "Record at least one heir" in refused.content.decode()
    heir = {"name": "Siti Aminah", "relation": HeirRelation.SPOUSE, "nik": "", "phone": "0812-3456-7890", "share": ""}
    assert client.post(f"/klaim/{claim.pk}/ahli-waris/", heir).status_code == 302
    assert client.post(f"/klaim/{claim.pk}/lengkap/").status_code == 302
    assert client.post(f"/klaim/{claim.pk}/ajukan/").status_code == 302
    paid = client.post(f"/klaim/{claim.pk}/dibayar/", {"paid_amount": "42000000", "paid_on": TODAY.isoformat()})
    assert paid.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID and claim.paid_amount == 42_000_000
    detail = client.get(f"/klaim/{claim.pk}/").content.decode()
    assert 'data-status="dibayar"' in detail and "Siti Aminah" in detail and "Rp 42,000,000" in detail


def test_the_benefits_page_sets_benefits_paid_against_contributions_paid(cast: Cast, paid_enrolment: Enrolment):
    claim = _claim(cast, paid_enrolment)
    Claim.objects.filter(pk=claim.pk).update(
        status=ClaimStatus.PAID, paid_amount=42_000_000, paid_on=dt.date(2026, 5, 2)
    )
    page = client_for(cast["pimpinan"]).get("/klaim/manfaat/").content.decode()
    # Four paid months of one worker: 4 × 16,800.
    assert 'data-testid="contributions">Rp 67,200<' in page
    assert 'data-testid="benefits">Rp 42,000,000<' in page
    assert 'data-regency="61.01"' in page and 'data-type="jkm"' in page
    other = client_for(cast["operator_pontianak"]).get("/klaim/manfaat/").content.decode()
    assert 'data-testid="benefits">Rp 0<' in other


def _claim(cast: Cast, enrolment: Enrolment, kind: str = ClaimType.JKM) -> Claim:
    return claim_register(
        actor=cast["operator_sambas"],
        enrolment=enrolment,
        type=kind,
        incident_date=dt.date(2026, 4, 10),
        incident_place="Desa Sebadi",
        description="Meninggal dunia.",
        reporter_name="Siti Aminah",
    )


def test_the_list_reads_a_fixed_number_of_rows_whatever_the_number_of_claims(
    cast: Cast, programme: Programme, paid_enrolment: Enrolment
):
    client = client_for(cast["pimpinan"])
    _claim(cast, paid_enrolment)
    with CaptureQueriesContext(connection) as one:
        client.get("/klaim/")
    for name in ("Ahmad", "Rina", "Yanto"):
        # Accidents: their "reported late" flag must not cost a query per row.
        _claim(cast, make_enrolment(make_worker(name=name), programme, Status.ACTIVE), ClaimType.JKK_TOTAL_DISABILITY)
    with CaptureQueriesContext(connection) as four:
        page = client.get("/klaim/").content.decode()
    assert page.count("data-claim=") == 4
    assert len(four) == len(one)
