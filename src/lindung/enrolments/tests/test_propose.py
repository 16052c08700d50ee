"""Proposing a worker into a programme, and the overlap rule ("tumpang tindih")."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from lindung.enrolments.models import EndReason, Enrolment, Status
from lindung.enrolments.services import (
    EnrolmentError,
    enrolment_propose,
)
from lindung.enrolments.tests.conftest import audit_entry, error_text
from lindung.programmes.models import FunderType, Programme
from lindung.testing import Cast, make_enrolment, make_programme, make_worker
from lindung.workers.models import Worker

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


# --- proposing ---------------------------------------------------------------------------------


def test_an_operator_proposes_a_worker_of_their_regency(cast: Cast, programme: Programme):
    worker = make_worker()
    enrolment = enrolment_propose(actor=cast["operator_sambas"], worker=worker, programme=programme)
    enrolment.refresh_from_db()
    assert enrolment.status == Status.PROPOSED
    assert (enrolment.village_id, enrolment.regency_code, enrolment.province_code) == (
        worker.village_id,
        "61.01",
        "61",
    )
    entry = audit_entry(enrolment, "enrolment.proposed")
    assert entry.actor_username == "operator_sambas"
    assert entry.changes["status"] == [None, "diusulkan"]
    assert entry.changes["programme"] == [None, "KALBAR-2026"]
    assert entry.region_code == worker.village_id


def test_a_village_operator_proposes_a_worker_of_their_village(cast: Cast, programme: Programme):
    enrolment = enrolment_propose(actor=cast["operator_desa"], worker=make_worker(), programme=programme)
    assert enrolment.status == Status.PROPOSED


def test_the_pontianak_operator_cannot_propose_a_sambas_worker(cast: Cast, programme: Programme):
    with pytest.raises(Http404):
        enrolment_propose(actor=cast["operator_pontianak"], worker=make_worker(), programme=programme)
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize("role", ["verifikator", "petugas_bpjs", "keuangan", "pimpinan"])
def test_only_operators_and_the_admin_propose(cast: Cast, programme: Programme, role: str):
    with pytest.raises(PermissionDenied):
        enrolment_propose(actor=cast[role], worker=make_worker(), programme=programme)


def test_a_programme_closed_for_proposals_refuses_them(cast: Cast):
    closed = make_programme("KALBAR-TUTUP", open_for_proposals=False)
    with pytest.raises(EnrolmentError) as excinfo:
        enrolment_propose(actor=cast["operator_sambas"], worker=make_worker(), programme=closed)
    assert "not open for proposals" in error_text(excinfo)
    assert excinfo.value.field == "programme"


def test_a_worker_outside_the_programmes_region_cannot_be_proposed(cast: Cast):
    pontianak_only = make_programme("PTK-2026", region_id="61.71", funder_type=FunderType.APBD_KABKOTA)
    with pytest.raises(EnrolmentError) as excinfo:
        enrolment_propose(actor=cast["operator_sambas"], worker=make_worker(), programme=pontianak_only)
    assert "outside the region of programme PTK-2026" in error_text(excinfo)


def test_a_worker_is_proposed_only_once_per_programme(cast: Cast, programme: Programme):
    worker = make_worker()
    enrolment_propose(actor=cast["operator_sambas"], worker=worker, programme=programme)
    with pytest.raises(EnrolmentError) as excinfo:
        enrolment_propose(actor=cast["operator_sambas"], worker=worker, programme=programme)
    assert "already enrolled in programme KALBAR-2026" in error_text(excinfo)
    assert Enrolment.objects.count() == 1


# --- the overlap rule ("tumpang tindih") --------------------------------------------------------


def test_a_second_government_funded_enrolment_for_overlapping_months_is_refused_naming_the_first(cast: Cast):
    province = make_programme("KALBAR-2026", name="Perlindungan Pekerja Rentan Kalbar 2026")
    sambas = make_programme(
        "SAMBAS-2026", region_id="61.01", funder_type=FunderType.APBD_KABKOTA, coverage_start=dt.date(2026, 7, 1)
    )
    worker = make_worker()
    make_enrolment(worker, province, Status.ACTIVE)
    with pytest.raises(EnrolmentError) as excinfo:
        enrolment_propose(actor=cast["operator_sambas"], worker=worker, programme=sambas)
    assert "KALBAR-2026" in error_text(excinfo)
    assert "Perlindungan Pekerja Rentan Kalbar 2026" in error_text(excinfo)
    assert not Enrolment.objects.filter(programme=sambas).exists()


def test_a_proposed_enrolment_already_blocks_an_overlapping_government_one(cast: Cast):
    province = make_programme("KALBAR-2026")
    sambas = make_programme("SAMBAS-2026", region_id="61.01", funder_type=FunderType.APBD_KABKOTA)
    worker = make_worker()
    enrolment_propose(actor=cast["operator_sambas"], worker=worker, programme=province)
    with pytest.raises(EnrolmentError, match="KALBAR-2026"):
        enrolment_propose(actor=cast["operator_sambas"], worker=worker, programme=sambas)


def test_a_csr_programme_may_overlap_a_government_one(cast: Cast):
    province = make_programme("KALBAR-2026")
    csr = make_programme("CSR-2026", funder_type=FunderType.CSR, funder_name="PT Contoh")
    worker = make_worker()
    make_enrolment(worker, province, Status.ACTIVE)
    assert enrolment_propose(actor=cast["operator_sambas"], worker=worker, programme=csr).status == Status.PROPOSED


def test_a_government_programme_may_follow_a_csr_one_in_the_same_months(cast: Cast):
    csr = make_programme("CSR-2026", funder_type=FunderType.CSR, funder_name="PT Contoh")
    province = make_programme("KALBAR-2026")
    worker = make_worker()
    make_enrolment(worker, csr, Status.ACTIVE)
    assert enrolment_propose(actor=cast["operator_sambas"], worker=worker, programme=province)


def test_government_programmes_of_different_years_do_not_overlap(cast: Cast):
    last_year = make_programme("KALBAR-2025", year=2025)
    this_year = make_programme("KALBAR-2026", year=2026)
    worker = make_worker()
    make_enrolment(worker, last_year, Status.ACTIVE)
    assert enrolment_propose(actor=cast["operator_sambas"], worker=worker, programme=this_year)


def test_a_rejected_enrolment_does_not_block(cast: Cast):
    province = make_programme("KALBAR-2026")
    sambas = make_programme("SAMBAS-2026", region_id="61.01", funder_type=FunderType.APBD_KABKOTA)
    worker = make_worker()
    make_enrolment(worker, province, Status.REJECTED)
    assert enrolment_propose(actor=cast["operator_sambas"], worker=worker, programme=sambas)


def _sambas_from_july_after_a_province_enrolment_that_lapsed(coverage_end: dt.date) -> tuple[Worker, Programme]:
    """A worker whose KALBAR-2026 coverage lapsed on ``coverage_end``, and SAMBAS-2026B, starting 1 July 2026."""
    province = make_programme("KALBAR-2026")
    sambas = make_programme(
        "SAMBAS-2026B", region_id="61.01", funder_type=FunderType.APBD_KABKOTA, coverage_start=dt.date(2026, 7, 1)
    )
    worker = make_worker()
    make_enrolment(worker, province, Status.ENDED, coverage_end=coverage_end, end_reason=EndReason.LAPSED)
    return worker, sambas


def test_an_enrolment_that_ended_before_the_new_programme_starts_does_not_block(cast: Cast):
    worker, sambas = _sambas_from_july_after_a_province_enrolment_that_lapsed(coverage_end=dt.date(2026, 6, 30))
    assert enrolment_propose(actor=cast["operator_sambas"], worker=worker, programme=sambas)


def test_an_enrolment_ending_within_the_new_programmes_first_month_still_overlaps(cast: Cast):
    worker, sambas = _sambas_from_july_after_a_province_enrolment_that_lapsed(coverage_end=dt.date(2026, 7, 10))
    with pytest.raises(EnrolmentError, match="KALBAR-2026"):
        enrolment_propose(actor=cast["operator_sambas"], worker=worker, programme=sambas)
