"""``/api/v1/claims`` through HTTP with real tokens: registering an accident and a death, the list and the read
(ETag), the steps of the claim page with If-Match, the benefit estimate from the regulation, refusals with their
field, a token without the claims scope, and a Sambas client never seeing Pontianak's claims."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from lindung.api.tests.money_support import (
    TwoRegencies,
    api_caller,
    entries_after,
    issued,
    last_entry,
    problem_fields,
    two_regencies,
)
from lindung.claims.benefits import BenefitRequest, BenefitType, calculate_benefit
from lindung.claims.documents import CHECKLISTS
from lindung.claims.models import Claim, ClaimStatus
from lindung.contributions.payments import payment_record
from lindung.enrolments.models import Status
from lindung.workers.models import Heir

pytestmark = pytest.mark.django_db

ACCIDENT_DAY = "2026-01-20"


@pytest.fixture
def regencies() -> TwoRegencies:
    found = two_regencies()
    january = issued(found.sambas, 1)
    payment_record(actor=None, programme=found.sambas, paid_on=january.month, amount=january.total, reference="SP2D")
    return found


@pytest.fixture
def sambas():
    return api_caller("61.01", "claims")


def _accident(regencies: TwoRegencies, **changes: object) -> dict[str, object]:
    return {
        "nik_or_kpj": regencies.sambas_enrolments[0].worker.nik,
        "type": "jkk-stmb",
        "stmb_months": 2,
        "incident_date": ACCIDENT_DAY,
        "incident_time": "09:30",
        "incident_place": "Kebun sawit, Desa Sebubus",
        "description": "Terkena parang saat memanen.",
        "reporter_name": "Siti Aminah",
        "reporter_relation": "Istri",
        **changes,
    }


def test_an_accident_is_registered_from_a_nik_through_the_claim_service(regencies, sambas):
    mark = last_entry()
    answer = sambas.post("/api/v1/claims", _accident(regencies))
    assert answer.status_code == 201, answer.content
    body = answer.json()
    claim = Claim.objects.get(pk=body["id"])
    assert answer["Location"] == f"/api/v1/claims/{claim.pk}"
    assert claim.enrolment == regencies.sambas_enrolments[0] and claim.created_by == sambas.user
    assert body["status"] == "dilaporkan" and body["covered"] is True
    assert body["estimate_total"] == claim.estimate_total > 0 and isinstance(body["estimate_total"], int)
    assert body["income"] == regencies.sambas_enrolments[0].worker.declared_income
    assert "*" in body["nik_masked"] and regencies.sambas_enrolments[0].worker.nik not in answer.content.decode()
    assert body["next_steps"] == ["complete", "reject"]  # as the claim page's buttons
    assert {d["code"] for d in body["documents"]} == set(CHECKLISTS["jkk-stmb"])
    [entry] = entries_after(mark, "claim.registered")
    assert entry.channel == sambas.principal


def test_registration_is_refused_with_the_field(regencies, sambas):
    def refused(payload: dict[str, object]) -> list[str]:
        answer = sambas.post("/api/v1/claims", payload)
        assert answer.status_code == 422, answer.content
        return problem_fields(answer)

    assert refused(_accident(regencies, stmb_months=None)) == ["stmb_months"]
    assert refused(_accident(regencies, incident_date="2100-01-01")) == ["incident_date"]
    assert refused(_accident(regencies, incident_date="2010-06-01")) == ["incident_date"]  # before any rule
    assert refused(_accident(regencies, nik_or_kpj="")) == ["nik_or_kpj"]
    assert refused(_accident(regencies, type="flood")) == ["type"]
    assert refused(_accident(regencies, reporter_name="   ")) == ["reporter_name"]
    # Another region's worker, by NIK or by enrolment: as if there were none.
    assert refused(_accident(regencies, nik_or_kpj=regencies.pontianak_enrolments[0].worker.nik)) == ["nik_or_kpj"]
    assert refused(_accident(regencies, enrolment=regencies.pontianak_enrolments[0].pk)) == ["enrolment"]
    assert not Claim.objects.exists()


def test_the_steps_of_the_claim_page_with_if_match(regencies, sambas):
    claim_id = sambas.post("/api/v1/claims", _accident(regencies)).json()["id"]
    url = f"/api/v1/claims/{claim_id}"
    first = sambas.get(url)
    assert first.status_code == 200 and first["ETag"]

    documents = sambas.post(f"{url}/steps", {"step": "documents", "received": CHECKLISTS["jkk-stmb"]})
    assert documents.status_code == 200, documents.content
    assert all(d["received"] for d in documents.json()["documents"]) and documents.json()["documents_missing"] == []
    assert "complete" in documents.json()["next_steps"]

    # The ETag read before the documents were ticked is stale now.
    stale = sambas.post(f"{url}/steps", {"step": "complete"}, **{"If-Match": first["ETag"]})
    assert stale.status_code == 412
    assert Claim.objects.get(pk=claim_id).status == ClaimStatus.REPORTED

    complete = sambas.post(f"{url}/steps", {"step": "complete"}, **{"If-Match": documents["ETag"]})
    assert complete.status_code == 200 and complete.json()["status"] == "berkas_lengkap"
    submit = sambas.post(f"{url}/steps", {"step": "submit"}, **{"If-Match": complete["ETag"]})
    assert submit.status_code == 200 and submit.json()["status"] == "diajukan_ke_bpjs"

    no_amount = sambas.post(f"{url}/steps", {"step": "pay", "paid_on": "2026-02-15"})
    assert no_amount.status_code == 422 and problem_fields(no_amount) == ["paid_amount"]
    wrong_step = sambas.post(f"{url}/steps", {"step": "complete"})
    assert wrong_step.status_code == 422  # only a reported claim is marked complete
    unknown = sambas.post(f"{url}/steps", {"step": "close"})
    assert unknown.status_code == 422 and problem_fields(unknown) == ["step"]

    paid = sambas.post(f"{url}/steps", {"step": "pay", "paid_amount": 2_400_000, "paid_on": "2026-02-15"})
    assert paid.status_code == 200 and paid.json()["status"] == "dibayar" and paid.json()["paid_amount"] == 2_400_000
    claim = Claim.objects.get(pk=claim_id)
    assert claim.status == ClaimStatus.PAID and claim.paid_on == dt.date(2026, 2, 15)


def test_a_death_ends_cover_and_takes_its_heirs(regencies):
    # Registering a death ends the worker's enrolments: the claims scope alone grants it (``SCOPE_ACTIONS``).
    desk = api_caller("61.01", "claims")
    enrolment = regencies.sambas_enrolments[1]
    answer = desk.post(
        "/api/v1/claims",
        {
            "enrolment": enrolment.pk,
            "type": "jkm",
            "incident_date": "2026-01-25",
            "incident_place": "Rumah",
            "description": "Meninggal karena sakit.",
            "reporter_name": "Ahmad",
        },
    )
    assert answer.status_code == 201, answer.content
    enrolment.refresh_from_db()
    assert enrolment.status == Status.ENDED and enrolment.end_reason == "died"

    url = f"/api/v1/claims/{answer.json()['id']}/steps"
    heir = desk.post(url, {"step": "heir", "heir": {"name": "Rina", "relation": "pasangan", "share": 100}})
    assert heir.status_code == 200, heir.content
    assert Heir.objects.filter(worker=enrolment.worker, name="Rina").exists()
    bad = desk.post(url, {"step": "heir", "heir": {"name": "Rudi", "relation": "anak", "nik": "123"}})
    assert bad.status_code == 422 and problem_fields(bad) == ["heir"]
    missing = desk.post(url, {"step": "heir"})
    assert missing.status_code == 422 and problem_fields(missing) == ["heir"]


def test_the_benefit_estimate_is_the_regulations(sambas):
    query = {"type": "jkm", "membership_start": "2023-01-15", "incident": "2026-01-15", "income": 2_000_000}
    answer = sambas.get("/api/v1/claims/benefit-estimate", query)
    assert answer.status_code == 200, answer.content
    with translation.override("en"):
        expected = calculate_benefit(
            BenefitRequest(
                type=BenefitType.JKM,
                membership_start=dt.date(2023, 1, 15),
                incident=dt.date(2026, 1, 15),
                income=2_000_000,
            )
        ).as_dict()
    assert answer.json() == expected
    assert expected["total"] > 0 and expected["scholarship"]["eligible"] is True

    partial = sambas.get(
        "/api/v1/claims/benefit-estimate",
        {
            "type": "jkk-partial-disability",
            "membership_start": "2025-01-01",
            "incident": "2026-03-01",
            "percent": "12.5",
        },
    )
    assert partial.status_code == 200 and partial.json()["items"][0]["code"] == "partial-disability"

    no_months = sambas.get(
        "/api/v1/claims/benefit-estimate",
        {"type": "jkk-stmb", "membership_start": "2025-01-01", "incident": "2026-03-01"},
    )
    assert no_months.status_code == 422 and problem_fields(no_months) == ["stmb_months"]
    bad_day = sambas.get(
        "/api/v1/claims/benefit-estimate", {"type": "jkm", "membership_start": "2025-02-30", "incident": "2026-03-01"}
    )
    assert bad_day.status_code == 422 and problem_fields(bad_day) == ["membership_start"]


def test_a_token_without_the_claims_scope_is_forbidden(regencies):
    finance = api_caller("61.01", "finance")
    for answer in (
        finance.get("/api/v1/claims"),
        finance.get(
            "/api/v1/claims/benefit-estimate",
            {"type": "jkm", "membership_start": "2025-01-01", "incident": "2026-01-01"},
        ),
        finance.post("/api/v1/claims", _accident(regencies)),
    ):
        assert answer.status_code == 403, answer.content
    assert not Claim.objects.exists()


def test_a_sambas_client_sees_nothing_of_pontianaks_claims(regencies, sambas):
    pontianak = api_caller("61.71", "claims")
    theirs = pontianak.post(
        "/api/v1/claims",
        _accident(regencies, nik_or_kpj=regencies.pontianak_enrolments[0].worker.nik, incident_date="2026-03-02"),
    )
    assert theirs.status_code == 201, theirs.content
    ours = sambas.post("/api/v1/claims", _accident(regencies))
    theirs_id, ours_id = theirs.json()["id"], ours.json()["id"]

    listed = [item["id"] for item in sambas.get("/api/v1/claims").json()["items"]]
    assert listed == [ours_id]
    assert sambas.get("/api/v1/claims", {"programme": regencies.pontianak.pk}).json()["items"] == []
    assert [i["id"] for i in pontianak.get("/api/v1/claims").json()["items"]] == [theirs_id]

    assert sambas.get(f"/api/v1/claims/{theirs_id}").status_code == 404
    step = sambas.post(f"/api/v1/claims/{theirs_id}/steps", {"step": "reject", "reason": "Bukan kecelakaan kerja"})
    assert step.status_code == 404
    assert Claim.objects.get(pk=theirs_id).status == ClaimStatus.REPORTED
    filtered = sambas.get("/api/v1/claims", {"status": "dilaporkan", "type": "jkk-stmb"}).json()["items"]
    assert [item["id"] for item in filtered] == [ours_id]
