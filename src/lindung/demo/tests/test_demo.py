from __future__ import annotations

import datetime as dt
import functools
import re
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone, translation

from lindung.accounts.models import Role, User
from lindung.audit.models import AuditEntry
from lindung.claims.models import Claim, ClaimStatus, ClaimType
from lindung.contributions.budget import programme_budget
from lindung.contributions.models import CoverageStatus, Invoice, InvoiceStatus, Payment
from lindung.demo import services as demo_services
from lindung.demo.clock import at
from lindung.demo.generate import REGENCY_WEIGHTS, allocate
from lindung.demo.services import DemoError, DemoLoadResult, demo_load
from lindung.enrolments.models import BpjsBatch, EndReason, Enrolment, Status
from lindung.months import months_from
from lindung.programmes.models import FunderType, Programme, RegencyQuota
from lindung.regions.models import Region
from lindung.regions.services import regions_load
from lindung.workers.categories import seed_categories
from lindung.workers.models import Heir, OccupationCategory, Worker
from lindung.workers.nik import parse_nik

WORKERS = 400
TODAY = dt.date(2026, 12, 5)
MONTHS_DUE = list(months_from(dt.date(2026, 1, 1), dt.date(2026, 11, 1)))  # January to the month before TODAY
NEVER_BILLED = dt.date(2026, 6, 1)  # the middle of those eleven
CITY = "61.71"  # Kota Pontianak, its own programme
PASSWORD = "demo-password-1"
KPJ = re.compile(r"^[0-9]{11}$")
# parse_nik infers the century from "today"; pin it so the test does not age.
NIK_REFERENCE_DATE = dt.date(2026, 11, 1)
SEEN_BY_BPJS = [Status.SENT, Status.ACTIVE, Status.ENDED]


@pytest.fixture
def demo(db: None) -> DemoLoadResult:
    seed_categories(OccupationCategory)  # in case a transactional test flushed the migration's rows
    return demo_load(workers=WORKERS, seed=7, password=PASSWORD, today=TODAY)


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Programme, RegencyQuota, Worker, Heir, Enrolment, BpjsBatch, User, AuditEntry, Invoice, Payment)
    }


def test_allocate_splits_exactly_and_never_exceeds_the_parts_it_is_split_by() -> None:
    quotas = allocate(100_000, REGENCY_WEIGHTS)
    assert sum(quotas.values()) == 100_000
    for total in (1, 13, 400, 75_489, 99_999, 100_000):
        parts = allocate(total, quotas)
        assert sum(parts.values()) == total
        assert all(parts[code] <= quotas[code] for code in quotas)


def test_creates_the_ended_and_running_programmes_with_quotas_summing_to_the_target(demo: DemoLoadResult) -> None:
    programmes = {p.code: p for p in Programme.objects.all()}
    assert set(programmes) == {"KALBAR-2023", "KALBAR-2026", "PONTIANAK-2026"}
    quotas = {code: dict(p.quotas.values_list("regency_id", "quota")) for code, p in programmes.items()}
    for code, programme in programmes.items():
        assert programme.target_workers == sum(quotas[code].values())
        assert programme.budget_ceiling == programme.target_workers * 16_800 * 12
    assert programmes["KALBAR-2023"].target_workers == 100_000
    assert set(quotas["KALBAR-2023"]) == set(REGENCY_WEIGHTS)
    # The city funds its own workers: the province's running programme covers the other thirteen.
    assert set(quotas["KALBAR-2026"]) == set(REGENCY_WEIGHTS) - {CITY}
    assert set(quotas["PONTIANAK-2026"]) == {CITY}
    assert quotas["KALBAR-2026"]["61.01"] == quotas["KALBAR-2023"]["61.01"]
    assert programmes["KALBAR-2026"].target_workers + programmes["PONTIANAK-2026"].target_workers == 100_000
    for code in ("KALBAR-2023", "KALBAR-2026"):
        assert programmes[code].funder_type == FunderType.APBD_PROVINSI
        assert programmes[code].region_id == "61"
    city = programmes["PONTIANAK-2026"]
    assert (city.funder_type, city.funder_name, city.region_id) == (
        FunderType.APBD_KABKOTA,
        "Pemerintah Kota Pontianak",
        CITY,
    )
    assert not programmes["KALBAR-2023"].open_for_proposals
    assert programmes["KALBAR-2026"].open_for_proposals and city.open_for_proposals
    assert programmes["KALBAR-2026"].coverage_start == dt.date(2026, 1, 1)
    assert programmes["KALBAR-2023"].coverage_end == dt.date(2023, 12, 31)


def test_2023_enrols_every_requested_worker_ended_with_a_kpj(demo: DemoLoadResult) -> None:
    enrolments = Enrolment.objects.filter(programme__code="KALBAR-2023")
    assert enrolments.count() == WORKERS
    assert set(enrolments.values_list("status", "end_reason").distinct()) == {(Status.ENDED, EndReason.PROGRAMME_ENDED)}
    kpjs = list(enrolments.values_list("kpj", flat=True))
    assert all(KPJ.match(kpj) for kpj in kpjs)
    assert len(set(kpjs)) == WORKERS
    assert set(enrolments.values_list("coverage_end", flat=True)) == {dt.date(2023, 12, 31)}
    starts = list(enrolments.values_list("coverage_start", flat=True))
    assert None not in starts
    assert {d.year for d in starts if d} == {2023}


def test_2026_has_a_quarter_as_many_mostly_carried_over_mostly_active_and_every_status(
    demo: DemoLoadResult,
) -> None:
    enrolments = Enrolment.objects.filter(programme__fiscal_year=2026)
    assert not enrolments.filter(programme__code="KALBAR-2026", regency_code=CITY).exists()
    assert not enrolments.filter(programme__code="PONTIANAK-2026").exclude(regency_code=CITY).exists()
    assert enrolments.filter(programme__code="PONTIANAK-2026", status=Status.ACTIVE).exists()
    total = enrolments.count()
    assert total == WORKERS // 4
    by_status = dict(enrolments.values_list("status").annotate(n=Count("id")))
    assert set(by_status) == set(Status.values)
    assert by_status[Status.ACTIVE] > total / 2

    kpj_2023 = dict(Enrolment.objects.filter(programme__code="KALBAR-2023").values_list("worker_id", "kpj"))
    carried = [e for e in enrolments if e.worker_id in kpj_2023]
    assert 0.7 * total <= len(carried) <= 0.9 * total
    # A carried-over worker keeps their KPJ once BPJS activates them again.
    assert all(e.kpj == kpj_2023[e.worker_id] for e in carried if e.status == Status.ACTIVE)
    for e in enrolments:
        if e.status in (Status.ACTIVE, Status.ENDED):
            assert KPJ.match(e.kpj)
            assert e.coverage_start is not None
            assert e.coverage_start.year == 2026
            assert e.coverage_start.month <= 3
            assert e.coverage_end is None or e.coverage_end < TODAY
        else:
            assert e.kpj == ""
        if e.status == Status.ENDED:
            assert e.end_reason in EndReason.values
            assert e.coverage_end is not None
            assert e.coverage_start is not None
            assert e.coverage_end >= e.coverage_start
        if e.status == Status.REJECTED:
            assert e.rejection_reason


def test_worker_and_heir_niks_are_valid_and_match_the_person(demo: DemoLoadResult) -> None:
    workers = list(Worker.objects.all())
    assert len(workers) == demo.workers
    for worker in workers:
        info = parse_nik(worker.nik, today=NIK_REFERENCE_DATE)
        assert info.valid, (worker.nik, [str(e) for e in info.errors])
        assert not info.warnings
        assert info.birth_date == worker.birth_date
        assert info.sex == worker.sex
        # Issued in the worker's own district.
        assert info.district_code == worker.village_id[:8]
        assert dt.date(1962, 1, 1) <= worker.birth_date <= dt.date(2005, 12, 31)
        assert re.fullmatch(r"[0-9]{16}", worker.kk_number)
        assert not worker.phone or re.fullmatch(r"\+628[0-9]{8,11}", worker.phone)
    heir_niks = list(Heir.objects.exclude(nik="").values_list("nik", flat=True))
    assert heir_niks
    for nik in heir_niks:
        assert parse_nik(nik, today=NIK_REFERENCE_DATE).valid, nik


def test_workers_live_in_kalbar_villages_and_region_columns_follow_the_village(demo: DemoLoadResult) -> None:
    workers = list(Worker.objects.values_list("village_id", "province_code", "regency_code"))
    villages = set(
        Region.objects.filter(code__in={w[0] for w in workers}, level=Region.Level.VILLAGE).values_list(
            "code", flat=True
        )
    )
    for village, province, regency in workers:
        assert village in villages
        assert (province, regency) == (village[:2], village[:5])
        assert province == "61"
    assert len({regency for _, _, regency in workers}) == 14
    mismatched = Enrolment.objects.exclude(
        village_id=F("worker__village_id"),
        province_code=F("worker__province_code"),
        regency_code=F("worker__regency_code"),
    )
    assert not mismatched.exists()
    used_categories = OccupationCategory.objects.filter(id__in=Worker.objects.values("occupation_id"))
    assert used_categories.count() == 10


def test_enrolments_bpjs_saw_are_in_numbered_batches_sent_before_coverage(demo: DemoLoadResult) -> None:
    for programme in Programme.objects.all():
        batches = list(BpjsBatch.objects.filter(programme=programme).order_by("number"))
        assert [b.number for b in batches] == list(range(1, len(batches) + 1))
        enrolments = programme.enrolments.all()
        seen_by_bpjs = enrolments.filter(status__in=SEEN_BY_BPJS)
        assert not seen_by_bpjs.filter(batch__isnull=True).exists()
        assert not enrolments.exclude(status__in=SEEN_BY_BPJS).filter(batch__isnull=False).exists()
        assert sum(b.count for b in batches) == seen_by_bpjs.count()
        for e in seen_by_bpjs.exclude(status=Status.SENT).select_related("batch"):
            assert e.batch is not None
            assert e.coverage_start is not None
            assert e.proposed_at < e.batch.created_at
            assert e.batch.created_at.date() < e.coverage_start


def _invoices(code: str) -> dict[dt.date, Invoice]:
    return {i.month: i for i in Invoice.objects.filter(programme__code=code)}


def test_kalbar_2023_ended_with_every_month_billed_and_paid_by_one_sp2d_each(demo: DemoLoadResult) -> None:
    invoices = _invoices("KALBAR-2023")
    assert sorted(invoices) == [dt.date(2023, m, 1) for m in range(1, 13)]
    assert {invoice.status for invoice in invoices.values()} == {InvoiceStatus.PAID}
    january = Enrolment.objects.filter(programme__code="KALBAR-2023", coverage_start__lte=dt.date(2023, 1, 31))
    assert invoices[dt.date(2023, 1, 1)].line_count == january.count()
    assert invoices[dt.date(2023, 12, 1)].line_count == WORKERS  # every 2023 worker is covered by then
    for invoice in invoices.values():
        allocation = invoice.allocations.select_related("payment").get()
        payment = allocation.payment
        assert allocation.amount == invoice.total == payment.amount
        assert payment.paid_on == invoice.month.replace(day=27)
        assert re.fullmatch(r"SP2D [0-9]{4}/BPKAD/2023", payment.reference)
        assert not payment.is_reversed


def test_kalbar_2026_is_billed_and_paid_up_to_last_month_but_for_one_month_never_billed(demo: DemoLoadResult) -> None:
    invoices = _invoices("KALBAR-2026")
    assert sorted(invoices) == [m for m in MONTHS_DUE if m != NEVER_BILLED]
    assert {invoice.status for invoice in invoices.values()} == {InvoiceStatus.PAID}
    assert all(invoice.total > 0 and invoice.built_on == invoice.month.replace(day=20) for invoice in invoices.values())
    # The month never billed has no invoice, draft or issued, nor does the month of today (not yet due).
    assert not Invoice.objects.filter(programme__code="KALBAR-2026", month__in=[NEVER_BILLED, TODAY.replace(day=1)])


def test_the_city_s_last_two_months_are_issued_and_unpaid(demo: DemoLoadResult) -> None:
    invoices = _invoices("PONTIANAK-2026")
    assert sorted(invoices) == MONTHS_DUE
    unpaid = {m for m, i in invoices.items() if i.status != InvoiceStatus.PAID}
    assert unpaid == {dt.date(2026, 10, 1), dt.date(2026, 11, 1)}
    for month in unpaid:
        assert invoices[month].status == InvoiceStatus.ISSUED
        assert invoices[month].total > 0
        assert not invoices[month].allocations.exists()
    payments = Payment.objects.filter(programme__code="PONTIANAK-2026")
    assert sum(p.amount for p in payments) == sum(i.total for m, i in invoices.items() if m not in unpaid)
    assert all(re.fullmatch(r"SP2D [0-9]{4}/BKAD/2026", p.reference) for p in payments)


def test_the_night_s_run_of_today_finds_the_city_in_arrears(demo: DemoLoadResult) -> None:
    """October fell due on 10 November, unpaid: on 5 December the city's workers owe a month; November is not due."""
    statuses = CoverageStatus.objects.filter(programme__code="PONTIANAK-2026")
    assert statuses.exists()
    assert {s.computed_for for s in statuses} == {TODAY}
    active = statuses.filter(enrolment__status=Status.ACTIVE)
    assert active.exists()
    assert all(s.months_in_arrears >= 1 and s.paid_through == dt.date(2026, 9, 1) for s in active)
    assert not CoverageStatus.objects.filter(programme__code="KALBAR-2023", months_in_arrears__gt=0).exists()


def test_the_night_s_run_of_today_finds_kalbar_s_month_never_billed_owed_by_its_workers(demo: DemoLoadResult) -> None:
    """June was never billed: it fell due on 10 July and counts as a month in arrears of every worker covered in
    June, shown as its own figure; the months after it are paid, so nobody is beyond the window."""
    from lindung.contributions.never_billed import never_billed

    kalbar = Programme.objects.get(code="KALBAR-2026")
    covered_in_june = Enrolment.objects.filter(
        programme=kalbar, status=Status.ACTIVE, coverage_start__lte=NEVER_BILLED
    ).count()
    assert covered_in_june > 0
    statuses = CoverageStatus.objects.filter(programme=kalbar, enrolment__status=Status.ACTIVE)
    assert statuses.filter(months_never_billed=1, months_in_arrears=1, consecutive_unpaid=0).count() == covered_in_june
    assert all(s.paid_through == dt.date(2026, 5, 1) for s in statuses.filter(months_never_billed=1))
    figure = never_billed([kalbar])
    assert [(row.month, row.bill_month) for row in figure.rows] == [(NEVER_BILLED, NEVER_BILLED)]
    # The ended enrolments covered in June owe it too.
    assert figure.worker_months >= covered_in_june and figure.months == 1
    assert not Enrolment.objects.filter(end_reason=EndReason.LAPSED).exists()


def test_nothing_happens_after_today_and_the_story_s_days_are_spread(demo: DemoLoadResult) -> None:
    end_of_today = at(TODAY + dt.timedelta(days=1), 0)
    stamps: dict[str, list[dt.datetime]] = {
        "proposed": list(Enrolment.objects.values_list("proposed_at", flat=True)),
        "enrolment updated": list(Enrolment.objects.values_list("updated_at", flat=True)),
        "worker registered": list(Worker.objects.values_list("created_at", flat=True)),
        "batch sent": list(BpjsBatch.objects.values_list("created_at", flat=True)),
        "invoice issued": [i for i in Invoice.objects.values_list("issued_at", flat=True) if i is not None],
        "payment recorded": list(Payment.objects.values_list("recorded_at", flat=True)),
        "claim reported": list(Claim.objects.values_list("reported_at", flat=True)),
        "claim changed": list(Claim.objects.values_list("status_changed_at", flat=True)),
        "audit": list(AuditEntry.objects.values_list("at", flat=True)),
        "user joined": list(User.objects.values_list("date_joined", flat=True)),
    }
    for name, values in stamps.items():
        assert values, name
        assert all(v < end_of_today for v in values), name
    # Spread over the programmes' lives, not all "now": proposals over three years, on many days.
    proposed = {timezone.localdate(v) for v in stamps["proposed"]}
    assert min(proposed) < dt.date(2023, 1, 1) and max(proposed) > dt.date(2026, 10, 1)
    assert len(proposed) > 50
    audit_days = {timezone.localdate(v) for v in stamps["audit"]}
    assert len(audit_days) > 40
    assert min(audit_days) < dt.date(2023, 12, 31) and max(audit_days) <= TODAY
    assert {
        timezone.localdate(a) for a in AuditEntry.objects.filter(action="payment.recorded").values_list("at", flat=True)
    } == {p.paid_on for p in Payment.objects.all()}
    for claim in Claim.objects.all():
        assert timezone.localdate(claim.reported_at) >= claim.incident_date
        assert claim.status_changed_at >= claim.reported_at
        registered = AuditEntry.objects.get(action="claim.registered", object_id=str(claim.pk))
        assert registered.at == claim.reported_at


def _figures() -> dict[str, list[Any]]:
    """What a visitor would read, without ids (the second run's rows get new ones)."""
    return {
        "invoices": sorted(
            Invoice.objects.values_list("programme__code", "month", "status", "total", "line_count", "issued_at")
        ),
        "payments": sorted(Payment.objects.values_list("programme__code", "paid_on", "amount", "reference")),
        "enrolments": sorted(
            Enrolment.objects.values_list(
                "programme__code", "worker__nik", "status", "coverage_start", "coverage_end", "proposed_at"
            )
        ),
        "claims": sorted(Claim.objects.values_list("worker__nik", "type", "status", "reported_at", "paid_amount")),
        "audit": sorted(AuditEntry.objects.values_list("action", "at")),
        "arrears": sorted(
            CoverageStatus.objects.values_list("enrolment__worker__nik", "months_in_arrears", "paid_through")
        ),
    }


def test_the_same_seed_and_today_give_the_same_demo(db: None) -> None:
    seed_categories(OccupationCategory)
    runs = []
    for _ in range(2):
        with transaction.atomic():
            demo_load(workers=120, seed=5, password=PASSWORD, today=TODAY)
            runs.append(_figures())
            transaction.set_rollback(True)
    assert runs[0] == runs[1]
    assert runs[0]["invoices"] and runs[0]["claims"]


def test_another_today_tells_the_story_of_its_own_year(db: None) -> None:
    seed_categories(OccupationCategory)
    demo_load(workers=40, seed=5, password=PASSWORD, today=dt.date(2027, 4, 18))

    assert set(Programme.objects.values_list("code", flat=True)) == {"KALBAR-2024", "KALBAR-2027", "PONTIANAK-2027"}
    march = dt.date(2027, 3, 1)
    assert sorted(_invoices("KALBAR-2027")) == [dt.date(2027, 1, 1), march]  # February never billed
    city = _invoices("PONTIANAK-2027")
    assert [(m, i.status) for m, i in sorted(city.items())] == [
        (dt.date(2027, 1, 1), InvoiceStatus.PAID),
        (dt.date(2027, 2, 1), InvoiceStatus.ISSUED),
        (march, InvoiceStatus.ISSUED),
    ]
    assert len(_invoices("KALBAR-2024")) == 12


def test_refuses_a_today_whose_ended_programme_would_precede_the_rules(db: None) -> None:
    with pytest.raises(DemoError):
        demo_load(workers=10, password=PASSWORD, today=dt.date(2018, 6, 1))


def test_the_kalbar_2023_budget_shows_its_final_account(demo: DemoLoadResult) -> None:
    """Read on the demo's today, the ended programme: every month billed and paid, nothing projected."""
    programme = Programme.objects.get(code="KALBAR-2023")
    billed = sum(Invoice.objects.filter(programme=programme).values_list("total", flat=True))
    ended = programme_budget(programme, today=TODAY)
    assert ended.ended
    assert ended.billed == ended.paid == billed
    assert ended.outstanding == ended.credit == 0
    assert (ended.projection.projected, ended.projection.capacity) == (0, 0)
    assert ended.unused == ended.ceiling - billed


def test_no_regency_exceeds_its_quota(demo: DemoLoadResult) -> None:
    for programme in Programme.objects.all():
        quotas = dict(programme.quotas.values_list("regency_id", "quota"))
        used = programme.enrolments.values_list("regency_code").annotate(n=Count("id"))
        assert all(n <= quotas[regency] for regency, n in used)


def test_creates_one_user_per_role_scoped_to_its_region(demo: DemoLoadResult) -> None:
    users = {u.username: u for u in User.objects.all()}
    expected = {
        "admin_provinsi": (Role.ADMIN_PROVINSI, "61"),
        "verifikator": (Role.VERIFIKATOR, "61"),
        "operator_sambas": (Role.OPERATOR_KABUPATEN, "61.01"),
        "operator_pontianak": (Role.OPERATOR_KABUPATEN, "61.71"),
        "petugas_bpjs": (Role.PETUGAS_BPJS, "61"),
        "keuangan": (Role.KEUANGAN, "61"),
        "pimpinan": (Role.PIMPINAN, "61"),
        "pejabat_pdp": (Role.PEJABAT_PELINDUNGAN_DATA, "61"),
    }
    for username, (role, region) in expected.items():
        assert (users[username].role, users[username].region_id) == (role, region)
    village_operator = users["operator_desa"]
    assert village_operator.role == Role.OPERATOR_DESA
    assert village_operator.region is not None
    assert village_operator.region.level == Region.Level.VILLAGE
    assert village_operator.region.code.startswith("61.01.")
    assert users["admin_provinsi"].is_superuser
    assert users["admin_provinsi"].is_staff
    assert not users["pimpinan"].is_staff
    assert all(users[name].check_password(PASSWORD) for name in [*expected, "operator_desa"])
    assert demo.generated_password is None  # the caller gave one


def test_writes_one_audit_entry_with_the_counts(demo: DemoLoadResult) -> None:
    entry = AuditEntry.objects.get(action="demo.loaded")
    assert entry.changes["workers"] == [0, demo.workers]
    assert entry.changes["enrolments:KALBAR-2023"] == [0, WORKERS]
    assert entry.region_code == "61"


def test_second_run_reuses_everything_and_keeps_passwords(demo: DemoLoadResult) -> None:
    before = _counts()
    hashes = dict(User.objects.values_list("username", "password"))

    again = demo_load(workers=WORKERS * 2, seed=8, password="another-password", today=dt.date(2027, 6, 1))

    assert not again.data_created
    assert again.users_created == []
    assert len(again.users_reused) == 9
    assert again.enrolments == demo.enrolments
    assert _counts() == before  # no invoice or payment either
    assert Invoice.objects.filter(programme__code="KALBAR-2023").count() == 12
    assert dict(User.objects.values_list("username", "password")) == hashes


def test_second_run_recreates_only_a_missing_user(demo: DemoLoadResult) -> None:
    User.objects.filter(username="pimpinan").delete()

    again = demo_load(workers=WORKERS, password=None, today=TODAY)

    assert again.users_created == ["pimpinan"]
    assert again.generated_password  # random, shown once by the command
    assert User.objects.get(username="pimpinan").check_password(again.generated_password)
    assert User.objects.get(username="keuangan").check_password(PASSWORD)
    assert AuditEntry.objects.filter(action="demo.loaded").count() == 2


def test_refuses_a_database_holding_other_programmes(db: None) -> None:
    Programme.objects.create(
        code="SAMBAS-2025",
        name="Program Kabupaten Sambas",
        funder_type=FunderType.APBD_KABKOTA,
        funder_name="Pemerintah Kabupaten Sambas",
        region_id="61.01",
        fiscal_year=2025,
        coverage_start=dt.date(2025, 1, 1),
        coverage_end=dt.date(2025, 12, 31),
        budget_ceiling=0,
        target_workers=10,
    )
    with pytest.raises(DemoError):
        demo_load(workers=10, password=PASSWORD)
    assert not Worker.objects.exists()
    assert not User.objects.exists()  # the whole run rolled back


def test_command_loads_then_reuses_without_serving(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINDUNG_DEMO_PASSWORD", PASSWORD)
    # The test database holds every region already; comparing all 91,599 twice costs seconds.
    monkeypatch.setattr(demo_services, "regions_load", functools.partial(regions_load, prefix="61"))
    seed_categories(OccupationCategory)
    first, second = StringIO(), StringIO()

    with translation.override("en"):
        call_command("demo", "--workers", "40", "--no-serve", "--today", "2026-12-05", stdout=first)
        counts = _counts()
        call_command("demo", "--workers", "80", "--no-serve", stdout=second)

    assert _counts() == counts
    assert Enrolment.objects.filter(programme__code="KALBAR-2023").count() == 40
    assert "admin_provinsi" in first.getvalue()
    assert "LINDUNG_DEMO_PASSWORD" in first.getvalue()
    assert PASSWORD not in first.getvalue()
    assert "reused" in second.getvalue()
    story = first.getvalue()
    assert "The story as of 2026-12-05:" in story
    assert "KALBAR-2026: January 2026 to November 2026 billed and paid, except June 2026, never billed." in story
    assert "PONTIANAK-2026 (Kota Pontianak, its own budget): billed up to November 2026; October 2026, " in story
    assert User.objects.get(username="verifikator").check_password(PASSWORD)


def test_holds_claims_of_every_type_and_status_recorded_through_the_services(demo: DemoLoadResult) -> None:
    claims = Claim.objects.all()
    assert 25 <= claims.count() <= 60
    assert {c.type for c in claims} == set(ClaimType.values)
    assert {c.status for c in claims} == set(ClaimStatus.values)
    assert all({c.status for c in claims.filter(type=kind)} == set(ClaimStatus.values) for kind in ClaimType.values)
    assert claims.filter(covered=False).exists() and claims.filter(covered=True).exists()
    paid = claims.filter(status=ClaimStatus.PAID)
    assert all(c.paid_amount is not None and c.paid_on for c in paid)
    # Every claim has its registration in the audit log; a death ended the worker's active cover.
    registered = AuditEntry.objects.filter(action="claim.registered").values_list("object_id", flat=True)
    assert set(registered) == {str(c.pk) for c in claims}
    assert all(c.incident_date.year == 2023 for c in claims.filter(enrolment__programme__code="KALBAR-2023"))
    recent = claims.filter(enrolment__programme__code="KALBAR-2026")
    assert all(dt.date(2026, 11, 1) <= c.incident_date < TODAY for c in recent)
    died = claims.filter(type__in=["jkm", "jkk-death"], enrolment__programme__code="KALBAR-2026", covered=True)
    assert died.exists()
    assert not Enrolment.objects.filter(worker__in=died.values("worker"), status=Status.ACTIVE).exists()
