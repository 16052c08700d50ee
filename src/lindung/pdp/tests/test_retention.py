"""The retention run (issue 19): what it keeps, what it changes, the legal hold, the dry run, duplicates still
caught after anonymisation, the audit and the report; the data protection officer's role. Both databases."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone, translation

from lindung.accounts.models import Role, User
from lindung.accounts.permissions import Action, user_can
from lindung.audit.models import AuditEntry
from lindung.claims.models import ClaimStatus, ClaimType
from lindung.contributions.billing import invoice_build, invoice_issue
from lindung.enrolments.models import Enrolment, Status
from lindung.errors import RefusedStep
from lindung.imports.services import import_run
from lindung.imports.tests.conftest import person, write_csv
from lindung.nightly.jobs import nightly_run
from lindung.pdp.models import LegalHold, RetentionCount, RetentionRun
from lindung.pdp.retention import pdp_retention_run
from lindung.pdp.services import legal_hold_lift, legal_hold_set
from lindung.pdp.tests.support import make_claim
from lindung.programmes.models import Programme
from lindung.testing import (
    PONTIANAK_VILLAGE,
    SAMBAS_VILLAGE,
    Cast,
    client_for,
    make_enrolment,
    make_nik,
    make_programme,
    make_user,
    make_worker,
    set_quota,
)
from lindung.workers.models import Heir, Worker
from lindung.workers.nik_hash import nik_keyed_hash
from lindung.workers.services import worker_register
from lindung.workers.tests.conftest import form_post, registration

pytestmark = pytest.mark.django_db

NOW = timezone.localdate()


def _years_on(years: int, days: int = 1) -> dt.date:
    """A day ``years`` years and ``days`` days after today (when the workers of a test were registered)."""
    return NOW.replace(year=NOW.year + years) + dt.timedelta(days=days)


def _worker_with_heir(village: str = SAMBAS_VILLAGE, **fields: object) -> Worker:
    worker = make_worker(
        village=village, phone="+6281234567890", kk_number="6101012345678901", mother_maiden_name="Aminah", **fields
    )
    Heir.objects.create(worker=worker, name="Siti Aminah", relation="pasangan", nik=make_nik(sex="P"), phone="+62813")
    return worker


def _ended(worker: Worker, programme: Programme) -> Enrolment:
    return make_enrolment(worker, programme, Status.ENDED)


@pytest.fixture
def old_programme(db: None) -> Programme:
    programme = make_programme("KALBAR-2026")
    set_quota(programme, "61.01", 100)
    set_quota(programme, "61.71", 100)
    return programme


# --- what changes, what stays -----------------------------------------------------------------------


def test_a_worker_never_proposed_is_anonymised_two_years_after_registration_and_keeps_the_figures():
    worker = _worker_with_heir(birth_date=dt.date(1980, 5, 17), declared_income=1_250_000)
    nik = worker.nik

    assert pdp_retention_run(today=_years_on(2, days=-1)).counts["never_enrolled"] == 0
    result = pdp_retention_run(today=_years_on(2))

    assert result.counts == {"never_enrolled": 1, "rejected_proposal": 0, "ended_enrolment": 0, "claim": 0}
    worker.refresh_from_db()
    assert worker.nik == f"#{worker.pk:015d}"
    assert worker.nik_hash == nik_keyed_hash(nik) != ""
    assert (worker.name, worker.birth_place, worker.address, worker.phone) == ("", "", "", "")
    assert (worker.kk_number, worker.mother_maiden_name) == ("", "")
    assert worker.birth_date == dt.date(1980, 1, 1)  # the year stays for the figures, not the day
    assert worker.anonymised_on == _years_on(2)
    # The figures stay.
    assert (worker.village_id, worker.regency_code, worker.sex, worker.occupation.code, worker.declared_income) == (
        SAMBAS_VILLAGE,
        "61.01",
        "L",
        "PETANI",
        1_250_000,
    )
    heir = Heir.objects.get(worker=worker)
    assert (heir.name, heir.nik, heir.phone, heir.relation) == ("", "", "", "pasangan")


def test_the_keyed_hash_is_not_the_plain_sha256_of_the_nik():
    import hashlib

    nik = make_nik()
    assert nik_keyed_hash(nik) != hashlib.sha256(nik.encode()).hexdigest()
    assert len(nik_keyed_hash(nik)) == 64


def test_a_rejected_proposal_is_kept_two_years_after_the_rejection(old_programme):
    worker = _worker_with_heir()
    make_enrolment(worker, old_programme, Status.REJECTED)
    assert pdp_retention_run(today=_years_on(2, days=-1)).counts["rejected_proposal"] == 0
    assert pdp_retention_run(today=_years_on(2)).counts["rejected_proposal"] == 1
    enrolment = Enrolment.objects.get(worker=worker)
    assert enrolment.status == Status.REJECTED  # the figures stay


def test_an_ended_enrolment_is_kept_five_years_after_its_cover_and_its_kpj_goes_with_the_person(old_programme):
    worker = _worker_with_heir()
    enrolment = _ended(worker, old_programme)  # cover until 31 December 2026
    assert enrolment.kpj

    assert pdp_retention_run(today=dt.date(2031, 12, 31)).counts["ended_enrolment"] == 0
    assert pdp_retention_run(today=dt.date(2032, 1, 1)).counts["ended_enrolment"] == 1
    enrolment.refresh_from_db()
    assert enrolment.kpj == ""
    assert (enrolment.status, enrolment.coverage_start, enrolment.coverage_end) == (
        Status.ENDED,
        dt.date(2026, 1, 1),
        dt.date(2026, 12, 31),
    )


@pytest.mark.parametrize("status", [Status.PROPOSED, Status.VERIFIED, Status.SENT, Status.ACTIVE])
def test_a_worker_with_a_live_enrolment_is_never_anonymised(old_programme, status):
    worker = make_worker()
    make_enrolment(worker, old_programme, status)
    assert sum(pdp_retention_run(today=dt.date(2060, 1, 1)).counts.values()) == 0
    worker.refresh_from_db()
    assert worker.anonymised_on is None and worker.name == "Budi Santoso"


def test_a_billed_worker_is_kept_ten_years_after_the_programme_s_last_invoice(old_programme):
    worker = make_worker()
    _ended(worker, old_programme)
    invoice_issue(actor=None, invoice=invoice_build(actor=None, programme=old_programme, month=dt.date(2026, 1, 1)))

    # Five years after the cover the finance records still keep them, for ten years after the invoice.
    assert pdp_retention_run(today=dt.date(2032, 1, 1)).counts["ended_enrolment"] == 0
    assert pdp_retention_run(today=_years_on(10, days=-1)).counts["ended_enrolment"] == 0
    assert pdp_retention_run(today=_years_on(10, days=1)).counts["ended_enrolment"] == 1


def test_an_open_claim_keeps_its_worker_and_a_decided_one_ten_years(old_programme):
    open_claim = make_claim(_ended(make_worker(), old_programme), ClaimStatus.SUBMITTED)
    paid = make_claim(_ended(make_worker(), old_programme), ClaimStatus.PAID)

    assert pdp_retention_run(today=_years_on(10, days=-1)).counts["ended_enrolment"] == 0
    result = pdp_retention_run(today=_years_on(10, days=1))

    assert (result.counts["ended_enrolment"], result.counts["claim"]) == (1, 1)
    paid.refresh_from_db()
    assert (paid.reporter_name, paid.reporter_phone, paid.incident_place, paid.description) == ("", "", "", "")
    assert (paid.paid_amount, paid.type, paid.incident_date) == (42_000_000, ClaimType.JKM, dt.date(2026, 6, 1))
    open_claim.refresh_from_db()
    assert open_claim.reporter_name == "Siti Aminah"
    assert Worker.objects.get(pk=open_claim.worker_id).anonymised_on is None


def test_a_second_run_changes_nothing_more():
    make_worker()
    assert pdp_retention_run(today=_years_on(2)).counts["never_enrolled"] == 1
    assert sum(pdp_retention_run(today=_years_on(3)).counts.values()) == 0


# --- the dry run -------------------------------------------------------------------------------------


def test_a_dry_run_counts_and_writes_nothing(old_programme):
    worker = _worker_with_heir()
    _ended(_worker_with_heir(village=PONTIANAK_VILLAGE), old_programme)
    entries = AuditEntry.objects.count()

    result = pdp_retention_run(today=dt.date(2032, 1, 1), dry_run=True)

    assert result.counts == {"never_enrolled": 1, "rejected_proposal": 0, "ended_enrolment": 1, "claim": 0}
    assert result.by_regency == {("never_enrolled", "61.01"): 1, ("ended_enrolment", "61.71"): 1}
    assert result.run_id is None
    assert not RetentionRun.objects.exists()
    assert AuditEntry.objects.count() == entries
    assert not Worker.objects.filter(anonymised_on__isnull=False).exists()
    worker.refresh_from_db()
    assert worker.name == "Budi Santoso"
    assert not Heir.objects.filter(name="").exists()


# --- the legal hold ----------------------------------------------------------------------------------


def test_a_held_worker_is_never_anonymised_until_the_hold_is_lifted(cast: Cast):
    worker = make_worker()
    officer = cast["pejabat_pdp"]
    hold = legal_hold_set(actor=officer, worker=worker, reason="Sengketa ahli waris di pengadilan")

    assert pdp_retention_run(today=_years_on(2)).counts["never_enrolled"] == 0
    worker.refresh_from_db()
    assert worker.anonymised_on is None

    legal_hold_lift(actor=officer, hold=hold, reason="Putusan berkekuatan hukum tetap")
    assert pdp_retention_run(today=_years_on(2)).counts["never_enrolled"] == 1

    set_entry = AuditEntry.objects.get(action="pdp.legal_hold_set")
    lifted_entry = AuditEntry.objects.get(action="pdp.legal_hold_lifted")
    assert (set_entry.actor_username, set_entry.object_id, set_entry.region_code) == (
        "pejabat_pdp",
        str(worker.pk),
        SAMBAS_VILLAGE,
    )
    assert set_entry.changes["reason"] == [None, "Sengketa ahli waris di pengadilan"]
    assert lifted_entry.changes["reason"] == [None, "Putusan berkekuatan hukum tetap"]
    hold.refresh_from_db()
    assert (hold.set_by, hold.lifted_by) == (officer, officer)


def test_a_hold_needs_a_reason_and_is_set_once(cast: Cast):
    worker = make_worker()
    with pytest.raises(RefusedStep):
        legal_hold_set(actor=cast["pejabat_pdp"], worker=worker, reason="  ")
    legal_hold_set(actor=cast["pejabat_pdp"], worker=worker, reason="Sengketa")
    with pytest.raises(RefusedStep):
        legal_hold_set(actor=cast["pejabat_pdp"], worker=worker, reason="Sengketa lagi")
    assert LegalHold.objects.count() == 1


@pytest.mark.parametrize("role", ["operator_sambas", "verifikator", "keuangan", "pimpinan", "petugas_bpjs"])
def test_only_the_officer_and_the_administrator_set_holds(cast: Cast, role: str):
    with pytest.raises(PermissionDenied):
        legal_hold_set(actor=cast[role], worker=make_worker(), reason="Sengketa")
    legal_hold_set(actor=cast["admin_provinsi"], worker=make_worker(), reason="Sengketa")


def test_a_hold_outside_the_actor_s_region_is_refused(db: None):
    sambas_admin = make_user("admin_sambas", Role.ADMIN_PROVINSI, "61.01")
    with pytest.raises(PermissionDenied):
        legal_hold_set(actor=sambas_admin, worker=make_worker(village=PONTIANAK_VILLAGE), reason="Sengketa")


# --- duplicates still caught ---------------------------------------------------------------------------


def _anonymised(nik: str) -> Worker:
    worker = make_worker(nik=nik)
    pdp_retention_run(today=_years_on(2))
    worker.refresh_from_db()
    assert worker.anonymised_on is not None and worker.nik != nik
    return worker


def test_the_registration_form_still_finds_an_anonymised_person_registered_before(cast: Cast):
    data = registration()
    _anonymised(data["nik"])

    with translation.override("en"), pytest.raises(ValidationError) as exc:
        worker_register(actor=cast["operator_sambas"], data=registration(nik=data["nik"]), heirs=[])
    assert exc.value.message_dict["nik"][0].startswith("This NIK was registered before in Kabupaten Sambas")

    page = client_for(cast["operator_sambas"]).post("/pekerja/daftar/", form_post(registration(nik=data["nik"])))
    assert page.status_code == 200
    assert "This NIK was registered before" in page.content.decode()
    assert Worker.objects.count() == 1


def test_the_import_still_finds_an_anonymised_person_registered_before(
    cast: Cast, programme: Programme, tmp_path: Path
):
    nik = make_nik(district="61.01.01", birth_date=dt.date(1980, 5, 17))
    _anonymised(nik)
    other = make_nik(district="61.01.01", birth_date=dt.date(1980, 5, 17))
    path = write_csv(tmp_path / "usulan.csv", [person(nik), person(other)])

    with translation.override("en"):
        batch = import_run(actor=cast["operator_sambas"], programme=programme, path=path)

    assert (batch.imported, batch.rejected) == (1, 1)
    assert Worker.objects.filter(nik=other).exists()
    assert not Worker.objects.filter(nik=nik).exists()


# --- the audit, the report, the command, the night ------------------------------------------------------------


def test_the_run_is_audited_once_per_kind_with_counts_and_never_the_people(old_programme):
    make_worker(name="Rahmat Hidayat")
    make_worker(name="Yusuf Maulana")
    _ended(make_worker(name="Dewi Lestari"), old_programme)

    result = pdp_retention_run(today=dt.date(2032, 1, 1))

    entries = AuditEntry.objects.filter(action__startswith="pdp.retention.")
    assert {(e.action, e.changes["count"][1]) for e in entries} == {
        ("pdp.retention.never_enrolled", 2),
        ("pdp.retention.ended_enrolment", 1),
    }
    text = json.dumps([e.changes for e in entries]) + "".join(e.note for e in entries)
    assert not any(name in text for name in ("Rahmat", "Yusuf", "Dewi"))
    assert all(e.object_id == str(result.run_id) for e in entries)
    assert RetentionCount.objects.filter(run_id=result.run_id).count() == 2


def test_the_command_prints_counts_by_kind_and_json(old_programme):
    make_worker()
    out = StringIO()
    call_command("pdp", "retention", "run", "--dry-run", "--today", _years_on(2).isoformat(), "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"never_enrolled": 1, "rejected_proposal": 0, "ended_enrolment": 0, "claim": 0}
    assert not Worker.objects.filter(anonymised_on__isnull=False).exists()

    out = StringIO()
    call_command("pdp", "retention", "run", "--today", _years_on(2).isoformat(), "--lang", "en", stdout=out)
    assert "Worker never proposed: 1" in out.getvalue()
    assert Worker.objects.filter(anonymised_on__isnull=False).count() == 1


def test_the_night_runs_retention_after_coverage(old_programme):
    make_worker()
    summary = nightly_run(today=_years_on(2))
    assert summary["retention"]["never_enrolled"] == 1


def test_the_report_shows_counts_by_kind_within_the_reader_s_region(cast: Cast):
    make_worker()
    make_worker(village=PONTIANAK_VILLAGE)
    make_worker(village=PONTIANAK_VILLAGE)
    pdp_retention_run(today=_years_on(2))

    province = client_for(cast["pejabat_pdp"]).get("/pdp/retensi/").content.decode()
    assert 'data-kind="never_enrolled">3<' in province
    sambas_admin = make_user("admin_sambas", Role.ADMIN_PROVINSI, "61.01")
    sambas = client_for(sambas_admin).get("/pdp/retensi/").content.decode()
    assert 'data-kind="never_enrolled">1<' in sambas
    assert "Budi Santoso" not in province  # never the people


@pytest.mark.parametrize("role", ["operator_sambas", "verifikator", "keuangan", "pimpinan", "petugas_bpjs"])
def test_the_report_is_the_officer_s_and_the_administrator_s(cast: Cast, role: str):
    assert client_for(cast[role]).get("/pdp/retensi/").status_code == 403
    assert client_for(cast["admin_provinsi"]).get("/pdp/retensi/").status_code == 200


# --- the data protection officer's role -------------------------------------------------------------------------


def test_the_officer_reads_the_registry_and_the_log_and_runs_the_duties_but_changes_nothing(cast: Cast):
    officer: User = cast["pejabat_pdp"]
    allowed = {
        Action.WORKER_VIEW,
        Action.WORKER_VIEW_NIK,
        Action.CLAIM_VIEW,
        Action.DASHBOARD_VIEW,
        Action.AUDIT_VIEW,
        Action.PDP_MANAGE,
    }
    assert {action for action in Action if user_can(officer, action)} == allowed
    assert {name for name, user in cast.items() if user_can(user, Action.PDP_MANAGE)} == {
        "pejabat_pdp",
        "admin_provinsi",
    }


def test_the_officer_sees_a_whole_nik_audited_and_cannot_register(cast: Cast):
    worker = make_worker(village=PONTIANAK_VILLAGE)
    client = client_for(cast["pejabat_pdp"])
    assert client.get(f"/pekerja/{worker.pk}/").status_code == 200
    assert worker.nik in client.post(f"/pekerja/{worker.pk}/nik/").content.decode()
    assert AuditEntry.objects.filter(actor_username="pejabat_pdp", object_id=str(worker.pk)).exists()
    assert client.get("/audit/").status_code == 200
    assert client.post("/pekerja/daftar/", form_post(registration())).status_code == 403
