from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from lindung.accounts.models import Role
from lindung.audit.models import AuditEntry
from lindung.enrolments.models import BpjsBatch, EndReason, Enrolment, Status
from lindung.enrolments.services import (
    TRANSITIONS,
    BpjsActivation,
    EnrolmentError,
    enrolment_activate,
    enrolment_end,
    enrolment_next_steps,
    enrolment_propose,
    enrolment_reject,
    enrolment_repropose,
    enrolment_send,
    enrolment_settle_bulk,
    enrolment_verify,
)
from lindung.enrolments.tests.conftest import audit_entry, error_text
from lindung.programmes.models import FunderType, Programme
from lindung.testing import (
    PONTIANAK_VILLAGE,
    Cast,
    make_enrolment,
    make_programme,
    make_user,
    make_worker,
    set_quota,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


# --- verifying and rejecting -------------------------------------------------------------------


def test_a_verifier_verifies_a_proposal(cast: Cast, programme: Programme):
    enrolment = make_enrolment(make_worker(), programme)
    enrolment_verify(actor=cast["verifikator"], enrolment=enrolment)
    enrolment.refresh_from_db()
    assert enrolment.status == Status.VERIFIED
    entry = audit_entry(enrolment, "enrolment.verified")
    assert entry.changes == {"status": ["diusulkan", "terverifikasi"]}
    assert entry.actor_username == "verifikator"


@pytest.mark.parametrize("role", ["operator_sambas", "operator_desa", "petugas_bpjs", "keuangan", "pimpinan"])
def test_only_the_verifier_and_the_admin_verify(cast: Cast, programme: Programme, role: str):
    enrolment = make_enrolment(make_worker(), programme)
    with pytest.raises(PermissionDenied):
        enrolment_verify(actor=cast[role], enrolment=enrolment)
    enrolment.refresh_from_db()
    assert enrolment.status == Status.PROPOSED


@pytest.mark.parametrize("status", [Status.VERIFIED, Status.REJECTED, Status.SENT, Status.ACTIVE, Status.ENDED])
def test_only_a_proposal_can_be_verified(cast: Cast, programme: Programme, status: str):
    enrolment = make_enrolment(make_worker(), programme, status)
    with pytest.raises(EnrolmentError) as excinfo:
        enrolment_verify(actor=cast["verifikator"], enrolment=enrolment)
    assert error_text(excinfo) == f"Only a proposed enrolment can be verified; this one is {Status(status).label}."
    assert not AuditEntry.objects.filter(action="enrolment.verified").exists()


def test_the_verification_beyond_the_regency_quota_is_refused(cast: Cast):
    programme = make_programme()
    set_quota(programme, "61.01", 2)
    set_quota(programme, "61.71", 5)
    make_enrolment(make_worker(), programme, Status.ACTIVE)
    make_enrolment(make_worker(), programme, Status.REJECTED)  # takes no place
    make_enrolment(make_worker(village=PONTIANAK_VILLAGE), programme, Status.VERIFIED)  # another regency
    second = make_enrolment(make_worker(), programme)
    third = make_enrolment(make_worker(), programme)
    enrolment_verify(actor=cast["verifikator"], enrolment=second)
    with pytest.raises(EnrolmentError) as excinfo:
        enrolment_verify(actor=cast["verifikator"], enrolment=third)
    assert error_text(excinfo) == "The quota of 2 workers for Kabupaten Sambas in programme KALBAR-2026 is full."
    third.refresh_from_db()
    assert third.status == Status.PROPOSED


def test_an_ended_enrolment_frees_its_place_in_the_quota(cast: Cast):
    programme = make_programme()
    set_quota(programme, "61.01", 1)
    make_enrolment(make_worker(), programme, Status.ENDED, end_reason=EndReason.DIED)
    enrolment = make_enrolment(make_worker(), programme)
    assert enrolment_verify(actor=cast["verifikator"], enrolment=enrolment).status == Status.VERIFIED


def test_verification_without_a_quota_for_the_regency_is_refused(cast: Cast):
    programme = make_programme()
    enrolment = make_enrolment(make_worker(), programme)
    with pytest.raises(EnrolmentError) as excinfo:
        enrolment_verify(actor=cast["verifikator"], enrolment=enrolment)
    assert error_text(excinfo) == "Programme KALBAR-2026 has no quota set for Kabupaten Sambas."


def test_a_verifier_rejects_with_a_reason(cast: Cast, programme: Programme):
    enrolment = make_enrolment(make_worker(), programme)
    enrolment_reject(actor=cast["verifikator"], enrolment=enrolment, reason="  NIK tidak cocok dengan Dukcapil ")
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.rejection_reason) == (Status.REJECTED, "NIK tidak cocok dengan Dukcapil")
    assert audit_entry(enrolment, "enrolment.rejected").changes == {
        "status": ["diusulkan", "ditolak"],
        "rejection_reason": ["", "NIK tidak cocok dengan Dukcapil"],
    }


def test_a_rejection_needs_a_reason(cast: Cast, programme: Programme):
    enrolment = make_enrolment(make_worker(), programme)
    with pytest.raises(EnrolmentError) as excinfo:
        enrolment_reject(actor=cast["verifikator"], enrolment=enrolment, reason="   ")
    assert excinfo.value.field == "reason"
    enrolment.refresh_from_db()
    assert enrolment.status == Status.PROPOSED


def test_an_operator_cannot_reject(cast: Cast, programme: Programme):
    enrolment = make_enrolment(make_worker(), programme)
    with pytest.raises(PermissionDenied):
        enrolment_reject(actor=cast["operator_sambas"], enrolment=enrolment, reason="tidak layak")


def test_a_verified_enrolment_cannot_be_rejected(cast: Cast, programme: Programme):
    enrolment = make_enrolment(make_worker(), programme, Status.VERIFIED)
    with pytest.raises(EnrolmentError, match="Only a proposed enrolment can be rejected; this one is Verified"):
        enrolment_reject(actor=cast["verifikator"], enrolment=enrolment, reason="terlambat")


# --- sending to BPJS ---------------------------------------------------------------------------


def test_sending_puts_every_verified_enrolment_of_the_programme_in_a_numbered_batch(cast: Cast, programme: Programme):
    verified = [make_enrolment(make_worker(), programme, Status.VERIFIED) for _ in range(3)]
    proposed = make_enrolment(make_worker(), programme)
    other = make_enrolment(make_worker(), make_programme("CSR-2026", funder_type=FunderType.CSR), Status.VERIFIED)

    first = enrolment_send(actor=cast["verifikator"], programme=programme)

    assert (first.number, first.count, first.created_by) == (1, 3, cast["verifikator"])
    assert set(Enrolment.objects.filter(batch=first).values_list("pk", flat=True)) == {e.pk for e in verified}
    assert set(Enrolment.objects.filter(batch=first).values_list("status", flat=True)) == {Status.SENT}
    proposed.refresh_from_db()
    other.refresh_from_db()
    assert (proposed.status, other.status) == (Status.PROPOSED, Status.VERIFIED)
    for enrolment in verified:
        assert audit_entry(enrolment, "enrolment.sent").changes == {
            "status": ["terverifikasi", "dikirim"],
            "batch": [None, 1],
        }

    make_enrolment(make_worker(), programme, Status.VERIFIED)
    assert enrolment_send(actor=cast["petugas_bpjs"], programme=programme).number == 2


def test_sending_chosen_enrolments_only_sends_those(cast: Cast, programme: Programme):
    chosen = make_enrolment(make_worker(), programme, Status.VERIFIED)
    left = make_enrolment(make_worker(), programme, Status.VERIFIED)
    batch = enrolment_send(actor=cast["verifikator"], enrolments=[chosen])
    assert batch.count == 1
    left.refresh_from_db()
    assert left.status == Status.VERIFIED


def test_sending_a_proposal_is_refused_and_sends_nothing(cast: Cast, programme: Programme):
    verified = make_enrolment(make_worker(), programme, Status.VERIFIED)
    proposed = make_enrolment(make_worker(), programme)
    with pytest.raises(EnrolmentError, match="Only verified enrolments of programme KALBAR-2026 can be sent"):
        enrolment_send(actor=cast["verifikator"], enrolments=[verified, proposed])
    verified.refresh_from_db()
    assert verified.status == Status.VERIFIED
    assert not BpjsBatch.objects.exists()


def test_sending_with_nothing_verified_is_refused_without_an_empty_batch(cast: Cast, programme: Programme):
    make_enrolment(make_worker(), programme)
    with pytest.raises(EnrolmentError, match="no verified enrolment to send"):
        enrolment_send(actor=cast["verifikator"], programme=programme)
    assert not BpjsBatch.objects.exists()


@pytest.mark.parametrize("role", ["operator_sambas", "keuangan", "pimpinan"])
def test_operators_finance_and_leadership_cannot_send(cast: Cast, programme: Programme, role: str):
    make_enrolment(make_worker(), programme, Status.VERIFIED)
    with pytest.raises(PermissionDenied):
        enrolment_send(actor=cast[role], programme=programme)


# --- activating --------------------------------------------------------------------------------


def test_a_bpjs_officer_activates_with_a_kpj_and_a_start_date(cast: Cast, programme: Programme):
    enrolment = make_enrolment(make_worker(), programme, Status.SENT)
    enrolment_activate(
        actor=cast["petugas_bpjs"], enrolment=enrolment, kpj=" 12345678901 ", coverage_start=dt.date(2026, 2, 1)
    )
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.kpj, enrolment.coverage_start) == (
        Status.ACTIVE,
        "12345678901",
        dt.date(2026, 2, 1),
    )
    assert audit_entry(enrolment, "enrolment.activated").changes == {
        "status": ["dikirim", "aktif"],
        "kpj": ["", "12345678901"],
        "coverage_start": [None, "2026-02-01"],
    }


def test_activation_records_its_day_from_which_months_never_billed_before_it_fall_due(cast: Cast, programme: Programme):
    single, bulk = (make_enrolment(make_worker(), programme, Status.SENT) for _ in range(2))
    back_dated = dt.date(2026, 1, 1)
    enrolment_activate(
        actor=cast["petugas_bpjs"],
        enrolment=single,
        kpj="12345678901",
        coverage_start=back_dated,
        today=dt.date(2026, 5, 4),
    )
    enrolment_settle_bulk(
        actor=cast["petugas_bpjs"],
        activations=[BpjsActivation(bulk.pk, "12345678902", back_dated)],
        rejections=[],
        today=dt.date(2026, 5, 6),
    )
    single.refresh_from_db()
    bulk.refresh_from_db()
    assert (single.activated_on, bulk.activated_on) == (dt.date(2026, 5, 4), dt.date(2026, 5, 6))


@pytest.mark.parametrize("kpj", ["1234567890", "123456789012", "1234567890a", "", "１２３４５６７８９０１"])
def test_a_kpj_is_exactly_eleven_digits(cast: Cast, programme: Programme, kpj: str):
    enrolment = make_enrolment(make_worker(), programme, Status.SENT)
    with pytest.raises(EnrolmentError) as excinfo:
        enrolment_activate(actor=cast["petugas_bpjs"], enrolment=enrolment, kpj=kpj, coverage_start=dt.date(2026, 1, 1))
    assert (excinfo.value.field, error_text(excinfo)) == ("kpj", "A KPJ membership number is exactly 11 digits.")
    enrolment.refresh_from_db()
    assert enrolment.status == Status.SENT


def test_a_kpj_of_another_worker_is_refused(cast: Cast, programme: Programme):
    make_enrolment(make_worker(), programme, Status.ACTIVE, kpj="12345678901")
    enrolment = make_enrolment(make_worker(), programme, Status.SENT)
    with pytest.raises(EnrolmentError, match="cannot be recorded for this worker"):
        enrolment_activate(
            actor=cast["petugas_bpjs"], enrolment=enrolment, kpj="12345678901", coverage_start=dt.date(2026, 1, 1)
        )
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.kpj) == (Status.SENT, "")


KPJ_REFUSED = (
    "This KPJ number cannot be recorded for this worker: check it against BPJS's answer and, if it is right, "
    "tell the provincial administrator."
)


def test_a_kpj_held_in_another_region_is_refused_in_the_same_words_as_one_held_in_the_officers_own(
    cast: Cast, programme: Programme
):
    """The refusal cannot hide that the number is taken, but it says nothing of the holder: not that it is
    another worker, nor where, nor who; and a holder out of sight reads exactly as one in sight."""
    officer = make_user("bpjs_sambas", Role.PETUGAS_BPJS, "61.01")
    hidden = make_enrolment(make_worker(name="Yusuf", village=PONTIANAK_VILLAGE), programme, Status.ACTIVE)
    seen = make_enrolment(make_worker(name="Rahmat"), programme, Status.ACTIVE)
    refusals = []
    for holder in (hidden, seen):
        enrolment = make_enrolment(make_worker(), programme, Status.SENT)
        with pytest.raises(EnrolmentError) as excinfo:
            enrolment_activate(actor=officer, enrolment=enrolment, kpj=holder.kpj, coverage_start=dt.date(2026, 1, 1))
        refusals.append((excinfo.value.field, error_text(excinfo)))
    assert refusals[0] == refusals[1] == ("kpj", KPJ_REFUSED)


@pytest.mark.parametrize("start", [dt.date(2025, 12, 31), dt.date(2027, 1, 1)])
def test_coverage_starts_within_the_programmes_period(cast: Cast, programme: Programme, start: dt.date):
    enrolment = make_enrolment(make_worker(), programme, Status.SENT)
    with pytest.raises(EnrolmentError) as excinfo:
        enrolment_activate(actor=cast["petugas_bpjs"], enrolment=enrolment, kpj="12345678901", coverage_start=start)
    assert excinfo.value.field == "coverage_start"


@pytest.mark.parametrize("status", [Status.PROPOSED, Status.VERIFIED, Status.ACTIVE])
def test_only_an_enrolment_sent_to_bpjs_can_be_activated(cast: Cast, programme: Programme, status: str):
    enrolment = make_enrolment(make_worker(), programme, status)
    with pytest.raises(EnrolmentError, match="Only an enrolment sent to BPJS can be activated"):
        enrolment_activate(
            actor=cast["petugas_bpjs"], enrolment=enrolment, kpj="12345678901", coverage_start=dt.date(2026, 1, 1)
        )


@pytest.mark.parametrize("role", ["verifikator", "operator_sambas", "keuangan"])
def test_only_the_bpjs_officer_and_the_admin_activate(cast: Cast, programme: Programme, role: str):
    enrolment = make_enrolment(make_worker(), programme, Status.SENT)
    with pytest.raises(PermissionDenied):
        enrolment_activate(actor=cast[role], enrolment=enrolment, kpj="12345678901", coverage_start=dt.date(2026, 1, 1))


# --- ending ------------------------------------------------------------------------------------


def test_an_operator_ends_an_active_enrolment_with_a_reason(cast: Cast, programme: Programme):
    enrolment = make_enrolment(make_worker(), programme, Status.ACTIVE)
    enrolment_end(
        actor=cast["operator_sambas"], enrolment=enrolment, reason=EndReason.DIED, coverage_end=dt.date(2026, 5, 31)
    )
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.end_reason, enrolment.coverage_end) == (
        Status.ENDED,
        EndReason.DIED,
        dt.date(2026, 5, 31),
    )
    assert audit_entry(enrolment, "enrolment.ended").changes == {
        "status": ["aktif", "berakhir"],
        "end_reason": ["", "died"],
        "coverage_end": [None, "2026-05-31"],
    }


def test_an_end_needs_a_known_reason(cast: Cast, programme: Programme):
    enrolment = make_enrolment(make_worker(), programme, Status.ACTIVE)
    with pytest.raises(EnrolmentError) as excinfo:
        enrolment_end(actor=cast["verifikator"], enrolment=enrolment, reason="bored", coverage_end=dt.date(2026, 5, 31))
    assert excinfo.value.field == "reason"


def test_coverage_cannot_end_before_it_started(cast: Cast, programme: Programme):
    enrolment = make_enrolment(make_worker(), programme, Status.ACTIVE, coverage_start=dt.date(2026, 3, 1))
    with pytest.raises(EnrolmentError) as excinfo:
        enrolment_end(
            actor=cast["verifikator"], enrolment=enrolment, reason=EndReason.WITHDREW, coverage_end=dt.date(2026, 2, 28)
        )
    assert excinfo.value.field == "coverage_end"
    enrolment.refresh_from_db()
    assert enrolment.status == Status.ACTIVE


@pytest.mark.parametrize("status", [Status.PROPOSED, Status.SENT, Status.ENDED])
def test_only_an_active_enrolment_can_be_ended(cast: Cast, programme: Programme, status: str):
    enrolment = make_enrolment(make_worker(), programme, status)
    with pytest.raises(EnrolmentError, match="Only an active enrolment can be ended"):
        enrolment_end(
            actor=cast["verifikator"], enrolment=enrolment, reason=EndReason.DIED, coverage_end=dt.date(2026, 5, 1)
        )


def test_the_bpjs_officer_cannot_end(cast: Cast, programme: Programme):
    enrolment = make_enrolment(make_worker(), programme, Status.ACTIVE)
    with pytest.raises(PermissionDenied):
        enrolment_end(
            actor=cast["petugas_bpjs"], enrolment=enrolment, reason=EndReason.DIED, coverage_end=dt.date(2026, 5, 1)
        )


def test_the_pontianak_operator_cannot_end_a_sambas_enrolment(cast: Cast, programme: Programme):
    enrolment = make_enrolment(make_worker(), programme, Status.ACTIVE)
    with pytest.raises(Http404):
        enrolment_end(
            actor=cast["operator_pontianak"],
            enrolment=enrolment,
            reason=EndReason.DIED,
            coverage_end=dt.date(2026, 5, 1),
        )
    enrolment.refresh_from_db()
    assert enrolment.status == Status.ACTIVE


# --- the whole way, and what each role may do next ---------------------------------------------


def test_an_enrolment_goes_the_whole_way_and_each_step_is_in_the_audit_log(cast: Cast, programme: Programme):
    enrolment = enrolment_propose(actor=cast["operator_sambas"], worker=make_worker(), programme=programme)
    enrolment_verify(actor=cast["verifikator"], enrolment=enrolment)
    enrolment_send(actor=cast["verifikator"], programme=programme)
    enrolment_activate(
        actor=cast["petugas_bpjs"], enrolment=enrolment, kpj="61000000001", coverage_start=dt.date(2026, 1, 1)
    )
    enrolment_end(
        actor=cast["operator_sambas"],
        enrolment=enrolment,
        reason=EndReason.PROGRAMME_ENDED,
        coverage_end=dt.date(2026, 12, 31),
    )
    statuses = [
        entry.changes["status"]
        for entry in AuditEntry.objects.filter(
            object_id=str(enrolment.pk), object_type="enrolments.enrolment"
        ).order_by("id")
    ]
    assert statuses == [
        [None, "diusulkan"],
        ["diusulkan", "terverifikasi"],
        ["terverifikasi", "dikirim"],
        ["dikirim", "aktif"],
        ["aktif", "berakhir"],
    ]


def test_the_next_steps_follow_the_status_and_the_role(cast: Cast, programme: Programme):
    proposed = make_enrolment(make_worker(), programme)
    sent = make_enrolment(make_worker(), programme, Status.SENT)
    assert enrolment_next_steps(user=cast["verifikator"], enrolment=proposed) == ["verify", "reject"]
    assert enrolment_next_steps(user=cast["operator_sambas"], enrolment=proposed) == []
    assert enrolment_next_steps(user=cast["petugas_bpjs"], enrolment=sent) == ["activate"]
    assert enrolment_next_steps(user=cast["verifikator"], enrolment=sent) == []


def test_every_status_but_the_final_one_has_a_way_forward():
    reachable = {status for step in TRANSITIONS.values() for status in step.sources}
    # A rejection can be put right (proposed again); only an ended enrolment is final.
    assert reachable == set(Status) - {Status.ENDED}


# --- proposing again after a rejection ---------------------------------------------------------------


def test_a_rejected_enrolment_is_proposed_again_and_its_rejection_stays_in_the_log(cast: Cast, programme: Programme):
    enrolment = make_enrolment(make_worker(), programme, Status.REJECTED)
    operator = cast["operator_sambas"]
    assert "repropose" in enrolment_next_steps(user=operator, enrolment=enrolment)
    enrolment = enrolment_repropose(actor=operator, enrolment=enrolment)
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.rejection_reason, enrolment.batch) == (Status.PROPOSED, "", None)
    entry = audit_entry(enrolment, "enrolment.reproposed")
    assert entry.changes["status"] == [Status.REJECTED, Status.PROPOSED]
    assert entry.changes["rejection_reason"] == ["Data tidak cocok dengan Dukcapil", ""]
    with pytest.raises(EnrolmentError, match="Only a rejected enrolment"):
        enrolment_repropose(actor=operator, enrolment=enrolment)


def test_proposing_again_follows_the_rules_of_a_first_proposal(cast: Cast, programme: Programme):
    worker = make_worker()
    enrolment = make_enrolment(worker, programme, Status.REJECTED)
    with pytest.raises(Http404):
        enrolment_repropose(actor=cast["operator_pontianak"], enrolment=enrolment)
    with pytest.raises(PermissionDenied):
        enrolment_repropose(actor=cast["petugas_bpjs"], enrolment=enrolment)
    other = make_programme("KALBAR-KAB-2026", region_id="61.01", funder_type=FunderType.APBD_KABKOTA)
    make_enrolment(worker, other, Status.ACTIVE)
    with pytest.raises(EnrolmentError, match="overlapping months"):
        enrolment_repropose(actor=cast["operator_sambas"], enrolment=enrolment)
    Programme.objects.filter(pk=programme.pk).update(open_for_proposals=False)
    other.enrolments.update(status=Status.REJECTED, rejection_reason="x")
    with pytest.raises(EnrolmentError, match="not open for proposals"):
        enrolment_repropose(actor=cast["operator_sambas"], enrolment=enrolment)
    enrolment.refresh_from_db()
    assert enrolment.status == Status.REJECTED
