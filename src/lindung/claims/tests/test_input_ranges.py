"""The claim forms take dates of the programme era (2000 to 2100) and amounts up to Rp 100 trillion; the
register page's ``kepesertaan`` parameter only ASCII digits. Beyond: a message next to the field, or the
parameter ignored, never a server error, and nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lindung.claims.models import Claim, ClaimStatus, ClaimType
from lindung.claims.services import ClaimError, claim_advance, claim_register
from lindung.enrolments.models import Enrolment
from lindung.testing import Cast, client_for

pytestmark = pytest.mark.django_db

HUGE = str(2**63)


@pytest.fixture
def submitted(cast: Cast, enrolment: Enrolment) -> Claim:
    """A death claim submitted to BPJS (its steps are the claims tests' subject; here only the last one)."""
    claim = claim_register(
        actor=cast["operator_sambas"],
        enrolment=enrolment,
        type=ClaimType.JKM,
        incident_date=dt.date(2026, 4, 10),
        incident_place="Desa Sebadi",
        description="Meninggal dunia.",
        reporter_name="Siti Aminah",
    )
    Claim.objects.filter(pk=claim.pk).update(status=ClaimStatus.SUBMITTED)
    return claim


@pytest.mark.parametrize("amount", [HUGE, str(10**30), str(10**14 + 1)])
def test_a_bpjs_payment_above_rp_100_trillion_is_refused_next_to_the_amount(
    cast: Cast, submitted: Claim, amount: str
) -> None:
    paid_on = timezone.localdate().isoformat()
    response = client_for(cast["petugas_bpjs"]).post(
        f"/klaim/{submitted.pk}/dibayar/", {"paid_amount": amount, "paid_on": paid_on}
    )
    assert response.status_code == 400
    assert response.context["steps"]["pay"].errors["paid_amount"] == ["An amount is at most Rp 100,000,000,000,000."]
    submitted.refresh_from_db()
    assert submitted.status == ClaimStatus.SUBMITTED and submitted.paid_amount is None


@pytest.mark.usefixtures("english")
def test_the_claim_service_refuses_an_amount_above_rp_100_trillion(cast: Cast, submitted: Claim) -> None:
    with pytest.raises(ClaimError) as refused:
        claim_advance(
            actor=cast["petugas_bpjs"],
            claim=submitted,
            step="pay",
            paid_amount=10**14 + 1,
            paid_on=timezone.localdate(),
        )
    assert refused.value.field == "paid_amount"


@pytest.mark.parametrize("incident_date", ["0001-01-01", "1999-12-31"])
def test_an_event_dated_before_2000_is_refused_next_to_its_date(
    cast: Cast, enrolment: Enrolment, incident_date: str
) -> None:
    form = {
        "enrolment": str(enrolment.pk),
        "type": ClaimType.JKM,
        "incident_date": incident_date,
        "incident_place": "Desa Sebadi",
        "description": "Meninggal dunia.",
        "reporter_name": "Siti Aminah",
    }
    response = client_for(cast["operator_sambas"]).post("/klaim/baru/", form)
    assert response.status_code == 400
    assert response.context["form"].errors["incident_date"] == ["Enter a date from 2000-01-01 to 2100-12-31."]
    assert not Claim.objects.exists()


@pytest.mark.parametrize("income", [HUGE, str(10**14 + 1)])
def test_an_income_above_rp_100_trillion_is_refused(cast: Cast, enrolment: Enrolment, income: str) -> None:
    form = {"enrolment": str(enrolment.pk), "type": ClaimType.JKM, "income": income}
    response = client_for(cast["operator_sambas"]).post("/klaim/baru/", form)
    assert response.context["form"].errors["income"] == ["An amount is at most Rp 100,000,000,000,000."]


@pytest.mark.parametrize("value", ["²", "١", HUGE, "-1", "1e3"])
def test_an_enrolment_parameter_that_is_no_id_is_ignored(cast: Cast, enrolment: Enrolment, value: str) -> None:
    response = client_for(cast["operator_sambas"]).get("/klaim/baru/", {"kepesertaan": value})
    assert response.status_code == 200 and response.context["known"] is None


@pytest.mark.parametrize("value", [HUGE, "-1", "²"])
def test_a_hidden_enrolment_that_is_no_id_is_an_error_not_a_server_error(
    cast: Cast, enrolment: Enrolment, value: str
) -> None:
    form = {"enrolment": value, "nik_or_kpj": "", "type": ClaimType.JKM, "incident_date": "2026-04-10"}
    response = client_for(cast["operator_sambas"]).post("/klaim/baru/", form)
    assert response.status_code in (400, 404)
    assert not Claim.objects.exists()
