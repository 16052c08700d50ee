from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.http import Http404
from django.utils import timezone, translation

from lindung.audit.models import AuditEntry
from lindung.claims.models import Claim, ClaimStatus, ClaimType
from lindung.claims.services import (
    ClaimError,
    claim_advance,
    claim_documents_update,
    claim_estimate,
    claim_flags,
    claim_heir_add,
    claim_register,
    is_reported_late,
)
from lindung.claims.tests.conftest import issue_months, pay
from lindung.contributions.billing import invoice_build
from lindung.contributions.coverage_day import coverage_on
from lindung.contributions.models import InvoiceLine, LineKind
from lindung.enrolments.models import EndReason, Enrolment, Status
from lindung.programmes.models import Programme
from lindung.testing import Cast, make_enrolment, make_worker
from lindung.workers.models import Heir, HeirRelation

pytestmark = pytest.mark.django_db

DAY = dt.date


def _register(cast: Cast, enrolment: Enrolment, type: str = ClaimType.JKM, **fields: object) -> Claim:
    values: dict[str, object] = {
        "incident_date": DAY(2026, 4, 10),
        "incident_place": "Desa Sebadi",
        "description": "Meninggal dunia karena sakit.",
        "reporter_name": "Siti Aminah",
        "today": DAY(2026, 4, 20),
    }
    values.update(fields)
    return claim_register(actor=cast["operator_sambas"], enrolment=enrolment, type=type, **values)  # type: ignore[arg-type]


# --- coverage on the day -------------------------------------------------------------------------------


def test_a_paid_month_is_covered(programme: Programme, enrolment: Enrolment):
    pay(programme, *issue_months(programme, 1, 2, 3))
    verdict = coverage_on(enrolment, DAY(2026, 3, 10), today=DAY(2026, 4, 1))
    assert (verdict.covered, verdict.reason, verdict.months_paid) == (True, "covered", 3)
    assert verdict.paid_through == DAY(2026, 3, 1)
    assert verdict.warnings == []


def test_an_unpaid_month_within_the_arrears_window_is_covered_with_a_warning(
    programme: Programme, enrolment: Enrolment, english: None
):
    january, *_ = issue_months(programme, 1, 2, 3)
    pay(programme, january)
    # On 2026-04-20 February (due 10 March) and March (due 10 April) are overdue: 2 months, within 3.
    verdict = coverage_on(enrolment, DAY(2026, 3, 10), today=DAY(2026, 4, 20))
    assert verdict.covered
    assert verdict.months_unpaid_overdue == 2
    assert "not paid yet" in str(verdict.warnings[0])


def test_more_unpaid_months_than_the_window_is_not_covered(programme: Programme, enrolment: Enrolment):
    issue_months(programme, 1, 2, 3, 4)
    # On 2026-05-11 January to April are all past their due dates and unpaid: 4 > 3.
    verdict = coverage_on(enrolment, DAY(2026, 4, 15), today=DAY(2026, 5, 11))
    assert (verdict.covered, verdict.reason, verdict.months_unpaid_overdue) == (False, "arrears", 4)
    # The day before April's due date passes, April is not overdue yet: 3 months, still covered.
    assert coverage_on(enrolment, DAY(2026, 4, 15), today=DAY(2026, 5, 10)).covered


def test_a_check_on_today_counts_the_overdue_months_before_it(programme: Programme, enrolment: Enrolment):
    issue_months(programme, 1, 2, 3, 4, 5)
    # 5 June: June is not billed, May is billed but not due until 10 June; January to April are overdue: 4 > 3.
    verdict = coverage_on(enrolment, DAY(2026, 6, 5), today=DAY(2026, 6, 5))
    assert (verdict.covered, verdict.months_unpaid_overdue) == (False, 4)


def test_an_ended_enrolment_does_not_cover_the_days_after_its_end(programme: Programme):
    enrolment = make_enrolment(
        make_worker(), programme, Status.ENDED, end_reason=EndReason.MOVED_AWAY, coverage_end=DAY(2026, 2, 28)
    )
    verdict = coverage_on(enrolment, DAY(2026, 3, 1), today=DAY(2026, 3, 5))
    assert (verdict.covered, verdict.reason) == (False, "ended")
    assert coverage_on(enrolment, DAY(2026, 2, 28), today=DAY(2026, 3, 5)).covered


def test_before_activation_and_before_the_start_are_not_covered(programme: Programme, english: None):
    sent = make_enrolment(make_worker(), programme, Status.SENT)
    verdict = coverage_on(sent, DAY(2026, 3, 1), today=DAY(2026, 3, 5))
    assert (verdict.covered, verdict.reason) == (False, "not_active")
    assert "Sent to BPJS" in str(verdict.message)
    later = make_enrolment(make_worker(), programme, Status.ACTIVE, coverage_start=DAY(2026, 3, 1))
    assert coverage_on(later, DAY(2026, 2, 28), today=DAY(2026, 3, 5)).reason == "before_start"
    assert coverage_on(later, DAY(2026, 3, 1), today=DAY(2026, 3, 5)).covered


# --- registration ------------------------------------------------------------------------------------------


def test_a_covered_death_estimates_42_million_and_ends_the_enrolment(
    cast: Cast, programme: Programme, enrolment: Enrolment
):
    pay(programme, *issue_months(programme, 1, 2, 3, 4))
    claim = _register(cast, enrolment)
    assert claim.covered and claim.status == ClaimStatus.REPORTED
    assert claim.estimate_total == 42_000_000
    assert claim.regency_code == "61.01" and claim.paid_months == 4
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.end_reason) == (Status.ENDED, EndReason.DIED)
    assert enrolment.coverage_end == DAY(2026, 4, 10)
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-2:] == ["claim.registered", "enrolment.ended"]


def test_a_death_in_the_first_three_months_gets_the_early_death_benefit(
    cast: Cast, programme: Programme, enrolment: Enrolment
):
    other = make_enrolment(make_worker(name="Ahmad"), programme, Status.ACTIVE)
    pay(programme, *issue_months(programme, 1, 2, 3, 4))
    claim = _register(cast, enrolment, incident_date=DAY(2026, 3, 31))
    assert claim.estimate_total == 10_000_000
    # Membership from 1 January: 1 April is the first day after the first three months.
    late = _register(cast, other, incident_date=DAY(2026, 4, 1))
    assert late.estimate_total == 42_000_000


def test_an_uncovered_claim_is_recorded_with_its_reason_and_no_estimate(
    cast: Cast, programme: Programme, english: None
):
    sent = make_enrolment(make_worker(), programme, Status.SENT)
    claim = _register(cast, sent, type=ClaimType.JKK_TOTAL_DISABILITY, description="Jatuh dari pohon kelapa.")
    assert not claim.covered and claim.coverage_reason == "not_active"
    assert claim.estimate_total == 0
    sent.refresh_from_db()
    assert sent.status == Status.SENT  # not a death: nothing ends


def test_death_then_end_then_an_adjustment_on_the_next_invoice(cast: Cast, programme: Programme, enrolment: Enrolment):
    pay(programme, *issue_months(programme, 1, 2, 3, today=DAY(2026, 1, 2)))
    # Died on 10 February, reported on 20 March: March was billed already.
    _register(cast, enrolment, incident_date=DAY(2026, 2, 10), today=DAY(2026, 3, 20))
    april = invoice_build(actor=None, programme=programme, month=DAY(2026, 4, 1), today=DAY(2026, 3, 21))
    lines = InvoiceLine.objects.filter(invoice=april, enrolment=enrolment)
    assert [(line.kind, line.month, line.amount) for line in lines] == [(LineKind.ADJUSTMENT, DAY(2026, 3, 1), -16_800)]
    assert april.line_count == 0 and april.total == -16_800


def test_a_second_death_claim_for_the_same_worker_is_refused(
    cast: Cast, programme: Programme, enrolment: Enrolment, english: None
):
    _register(cast, enrolment)
    with pytest.raises(ClaimError, match="already been reported"):
        _register(cast, enrolment, type=ClaimType.JKK_DEATH)
    assert Claim.objects.count() == 1


def test_bad_input_is_refused_and_writes_nothing(cast: Cast, programme: Programme, enrolment: Enrolment, english: None):
    with pytest.raises(ClaimError, match="future"):
        _register(cast, enrolment, incident_date=DAY(2026, 4, 21))
    with pytest.raises(ClaimError) as exc:
        _register(cast, enrolment, type=ClaimType.JKK_PARTIAL_DISABILITY)
    assert exc.value.field == "disability_percent"
    with pytest.raises(ClaimError, match="lapses 5 years"):
        _register(cast, enrolment, type=ClaimType.JKK_STMB, stmb_months=2, today=DAY(2031, 4, 11))
    assert not Claim.objects.exists()
    enrolment.refresh_from_db()
    assert enrolment.status == Status.ACTIVE


def test_registration_is_region_scoped_and_needs_the_role(cast: Cast, programme: Programme, enrolment: Enrolment):
    # Another regency's operator finds no such enrolment; the finance officer may not record claims at all.
    for username, refusal in (("operator_pontianak", Http404), ("keuangan", PermissionDenied)):
        with pytest.raises(refusal):
            claim_register(
                actor=cast[username],
                enrolment=enrolment,
                type=ClaimType.JKM,
                incident_date=DAY(2026, 3, 1),
                incident_place="x",
                description="x",
                reporter_name="x",
                today=DAY(2026, 3, 2),
            )
    assert not Claim.objects.exists()


def test_the_claim_estimate_is_what_lindung_benefit_prints(cast: Cast, programme: Programme, enrolment: Enrolment):
    pay(programme, *issue_months(programme, 1, 2, 3, 4))
    claim = _register(
        cast, enrolment, type=ClaimType.JKK_PARTIAL_DISABILITY, disability_percent=Decimal("12.5"), income=2_500_000
    )
    out = StringIO()
    call_command(
        "benefit",
        "--type=jkk-partial-disability",
        "--membership-start=2026-01-01",
        "--incident=2026-04-10",
        "--income=2500000",
        "--paid-months=4",
        "--percent=12.5",
        "--json",
        stdout=out,
    )
    printed = json.loads(out.getvalue())
    with translation.override("id"):  # the command speaks Indonesian unless given --lang en
        assert printed == json.loads(json.dumps(claim_estimate(claim).as_dict()))
    assert printed["total"] == claim.estimate_total == 25_000_000


# --- workflow ------------------------------------------------------------------------------------------------


def test_a_death_claim_moves_from_reported_to_paid(
    cast: Cast, programme: Programme, enrolment: Enrolment, english: None
):
    pay(programme, *issue_months(programme, 1, 2, 3, 4))
    operator = cast["operator_sambas"]
    claim = _register(cast, enrolment)
    with pytest.raises(ClaimError, match="documents are still missing"):
        claim_advance(actor=operator, claim=claim, step="complete")
    everything = ["kartu_peserta", "ktp_peserta", "ktp_ahli_waris", "akta_kematian", "kartu_keluarga"]
    claim = claim_documents_update(actor=operator, claim=claim, received=[*everything, "surat_ahli_waris", "bogus"])
    assert "bogus" not in claim.documents
    claim = claim_documents_update(actor=operator, claim=claim, received=[*claim.documents, "buku_rekening"])
    with pytest.raises(ClaimError, match="heir"):
        claim_advance(actor=operator, claim=claim, step="complete")
    claim_heir_add(actor=operator, claim=claim, name="Siti Aminah", relation=HeirRelation.SPOUSE)
    claim = claim_advance(actor=operator, claim=claim, step="complete")
    claim = claim_advance(actor=operator, claim=claim, step="submit")
    with pytest.raises(ClaimError):
        claim_advance(actor=operator, claim=claim, step="pay", paid_amount=42_000_000)
    claim = claim_advance(
        actor=operator, claim=claim, step="pay", paid_amount=41_500_000, paid_on=DAY(2026, 5, 2), today=DAY(2026, 5, 3)
    )
    assert (claim.status, claim.paid_amount, claim.paid_on) == (ClaimStatus.PAID, 41_500_000, DAY(2026, 5, 2))
    with pytest.raises(ClaimError):
        claim_advance(actor=operator, claim=claim, step="reject", reason="x")
    actions = AuditEntry.objects.filter(object_type="claims.claim").values_list("action", flat=True)
    assert list(actions.order_by("pk")) == [
        "claim.registered",
        "claim.documents",
        "claim.documents",
        "claim.documents_complete",
        "claim.submitted",
        "claim.paid",
    ]


def test_rejection_needs_a_reason_and_the_settle_role(cast: Cast, programme: Programme, enrolment: Enrolment):
    claim = _register(cast, enrolment, type=ClaimType.JKK_STMB, stmb_months=2)
    with pytest.raises(PermissionDenied):
        claim_advance(actor=cast["verifikator"], claim=claim, step="reject", reason="Bukan kecelakaan kerja")
    with pytest.raises(ClaimError):
        claim_advance(actor=cast["petugas_bpjs"], claim=claim, step="reject", reason="  ")
    claim = claim_advance(actor=cast["petugas_bpjs"], claim=claim, step="reject", reason="Bukan kecelakaan kerja")
    assert claim.status == ClaimStatus.REJECTED and claim.rejection_reason == "Bukan kecelakaan kerja"


def test_late_reports_and_stalled_claims_are_flagged(cast: Cast, programme: Programme, enrolment: Enrolment):
    claim = _register(cast, enrolment, type=ClaimType.JKK_STMB, stmb_months=1, incident_date=DAY(2026, 3, 10))
    tz = timezone.get_current_timezone()
    claim.reported_at = dt.datetime(2026, 3, 12, 23, 0, tzinfo=tz)  # within 48 h after the end of 10 March
    assert not is_reported_late(claim)
    claim.reported_at = dt.datetime(2026, 3, 13, 0, 0, tzinfo=tz)
    assert is_reported_late(claim)
    claim.incident_time = dt.time(8, 0)
    claim.reported_at = dt.datetime(2026, 3, 12, 8, 1, tzinfo=tz)
    assert is_reported_late(claim)
    # Registration keeps the verdict (here: reported on 20 April, far too late) and the flag reads it.
    assert Claim.objects.get(pk=claim.pk).reported_late
    claim.reported_late = True
    claim.status_changed_at = claim.reported_at
    assert claim_flags(claim, now=claim.reported_at + dt.timedelta(days=14)) == ["late_report"]
    assert claim_flags(claim, now=claim.reported_at + dt.timedelta(days=14, seconds=1)) == ["late_report", "stalled"]
    claim.status = ClaimStatus.PAID
    assert claim_flags(claim, now=claim.reported_at + dt.timedelta(days=30)) == ["late_report"]
    death = _register(cast, make_enrolment(make_worker(name="Ahmad"), programme, Status.ACTIVE))
    assert not death.reported_late  # a death has no 2 × 24 h rule


def test_heirs_added_at_claim_time_are_checked_like_at_registration(
    cast: Cast, programme: Programme, enrolment: Enrolment, english: None
):
    claim = _register(cast, enrolment)
    with pytest.raises(Exception, match="16 digits"):
        claim_heir_add(actor=cast["operator_sambas"], claim=claim, name="Ani", relation=HeirRelation.CHILD, nik="123")
    with pytest.raises(Exception, match="1 to 100"):
        claim_heir_add(actor=cast["operator_sambas"], claim=claim, name="Ani", relation=HeirRelation.CHILD, share=150)
    heir = claim_heir_add(
        actor=cast["operator_sambas"], claim=claim, name="Ani", relation=HeirRelation.CHILD, phone="0812 3456 7890"
    )
    assert (heir.worker_id, heir.phone) == (enrolment.worker_id, "+6281234567890")
    assert Heir.objects.count() == 1
