"""The enrolment steps take dates of the programme era (2000 to 2100) and a programme only by a key its column
can hold: beyond, an error next to the field, never a server error, and the enrolment unchanged."""

from __future__ import annotations

import pytest

from lindung.enrolments.models import EndReason, Enrolment, Status
from lindung.programmes.models import Programme
from lindung.testing import Cast, client_for, make_enrolment, make_worker

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2101-01-01"])
def test_an_activation_dated_outside_the_era_is_refused_next_to_its_date(
    cast: Cast, programme: Programme, day: str
) -> None:
    enrolment = make_enrolment(make_worker(), programme, Status.SENT)
    response = client_for(cast["petugas_bpjs"]).post(
        f"/kepesertaan/{enrolment.pk}/aktifkan/", {"kpj": "12345678901", "coverage_start": day}
    )
    assert response.status_code == 400
    assert response.context["steps"]["activate"].errors["coverage_start"] == [
        "Enter a date from 2000-01-01 to 2100-12-31."
    ]
    assert Enrolment.objects.get(pk=enrolment.pk).status == Status.SENT


def test_an_end_dated_outside_the_era_is_refused_next_to_its_date(cast: Cast, programme: Programme) -> None:
    enrolment = make_enrolment(make_worker(), programme, Status.ACTIVE)
    response = client_for(cast["operator_sambas"]).post(
        f"/kepesertaan/{enrolment.pk}/akhiri/", {"reason": EndReason.MOVED_AWAY, "coverage_end": "9999-12-31"}
    )
    assert response.status_code == 400
    assert "coverage_end" in response.context["steps"]["end"].errors
    assert Enrolment.objects.get(pk=enrolment.pk).status == Status.ACTIVE


@pytest.mark.parametrize("key", [str(2**63), "²", "\x00"])
def test_a_programme_filter_no_programme_can_have_is_shown_as_an_error(
    cast: Cast, programme: Programme, key: str
) -> None:
    response = client_for(cast["verifikator"]).get("/kepesertaan/", {"programme": key})
    assert response.status_code == 200
    assert "programme" in response.context["form"].errors
