"""Loading the demonstration installation: Kalbar's 2023 and 2026 programmes, their workers, one user per role.

Idempotence rule: the demo data is "present" when the programme ``KALBAR-2023`` exists. A run that
finds it reuses everything as is (whatever ``workers`` and ``seed`` say) and only creates demo users
that are missing; existing users keep their passwords. A database that holds other programmes or
workers but no demo is refused, so that the demo never mixes synthetic people into real data.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from lindung.accounts.models import Role, User
from lindung.audit.services import audit_record
from lindung.bulk import rows_insert
from lindung.contributions.billing import invoice_build, invoice_issue
from lindung.contributions.models import Invoice
from lindung.contributions.payments import payment_record
from lindung.dashboard.services import dashboard_refresh
from lindung.demo.claims import demo_claims_create
from lindung.demo.generate import (
    CARRIED_STATUS_SHARES,
    NEW_STATUS_SHARES,
    REGENCY_WEIGHTS,
    HeirRow,
    KpjIssuer,
    NamePools,
    Village,
    WorkerFactory,
    WorkerRow,
    allocate,
)
from lindung.enrolments.models import BpjsBatch, EndReason, Enrolment, Status
from lindung.months import month_end, next_month
from lindung.programmes.models import FunderType, Programme, RegencyQuota
from lindung.regions.models import Region
from lindung.regions.services import RegionLoadResult, regions_load
from lindung.rules.services import RulesLoadResult, rules_load
from lindung.workers.categories import seed_categories
from lindung.workers.models import Heir, OccupationCategory, Worker

DEFAULT_WORKERS = 75_489  # registered by Kalbar by May 2023 (the seed article)
DEFAULT_SEED = 2023
PROVINCE_CODE = "61"
TARGET_WORKERS = 100_000
# JKK 1% + JKM Rp 6,800 at the minimum declared income of Rp 1,000,000 (RULES.md §2).
MONTHLY_CONTRIBUTION = 16_800
CARRIED_OVER_SHARE = 0.8  # of the 2026 enrolments, workers already covered in 2023
_BATCH = 2000
# KALBAR-2023 was billed and paid for its first half year; the budget page projects the rest.
BILLED_MONTHS_2023 = 6


@dataclass(frozen=True)
class DemoProgramme:
    code: str
    name: str
    year: int
    open_for_proposals: bool


PROGRAMME_2023 = DemoProgramme(
    "KALBAR-2023", "Perlindungan Pekerja Rentan Kalimantan Barat 2023", 2023, open_for_proposals=False
)
PROGRAMME_2026 = DemoProgramme(
    "KALBAR-2026", "Perlindungan Pekerja Rentan Kalimantan Barat 2026", 2026, open_for_proposals=True
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    region_code: str  # "" = the first village of Sambas, for the village operator
    first_name: str
    superuser: bool = False


DEMO_USERS = (
    DemoUser("admin_provinsi", Role.ADMIN_PROVINSI, "61", "Admin Provinsi", superuser=True),
    DemoUser("verifikator", Role.VERIFIKATOR, "61", "Verifikator Provinsi"),
    DemoUser("operator_sambas", Role.OPERATOR_KABUPATEN, "61.01", "Operator Kabupaten Sambas"),
    DemoUser("operator_pontianak", Role.OPERATOR_KABUPATEN, "61.71", "Operator Kota Pontianak"),
    DemoUser("operator_desa", Role.OPERATOR_DESA, "", "Operator Desa"),
    DemoUser("petugas_bpjs", Role.PETUGAS_BPJS, "61", "Petugas BPJS Ketenagakerjaan"),
    DemoUser("keuangan", Role.KEUANGAN, "61", "Bagian Keuangan"),
    DemoUser("pimpinan", Role.PIMPINAN, "61", "Pimpinan"),
)


class DemoError(Exception):
    """The demo cannot be loaded into this database (the message says why)."""


@dataclass
class DemoLoadResult:
    data_created: bool
    workers: int
    heirs: int
    enrolments: dict[str, int]  # per programme code
    users_created: list[str] = field(default_factory=list)
    users_reused: list[str] = field(default_factory=list)
    # Set only when this run generated it: the caller shows it once, it is stored nowhere else.
    generated_password: str | None = None


def demo_reference_load() -> tuple[RegionLoadResult, RulesLoadResult]:
    """Regions of all Indonesia, the rule tables and the occupation categories (each idempotent)."""
    regions = regions_load()
    rules = rules_load()
    seed_categories(OccupationCategory)
    return regions, rules


def demo_load(
    *, workers: int = DEFAULT_WORKERS, seed: int = DEFAULT_SEED, password: str | None = None
) -> DemoLoadResult:
    """Create the demo programmes, workers, enrolments and users, or reuse those already present.

    1. Create the demo users that are missing (``password``, else one random password for all).
    2. If ``KALBAR-2023`` exists, count what is there and stop: the demo is reused as is.
    3. Otherwise refuse a database holding other programmes or workers, then create both
       programmes with their regency quotas and generate the workers regency by regency.
    4. Write one ``demo.loaded`` audit entry when anything was created.
    All in one transaction: a failed run leaves nothing behind.
    """
    if not 1 <= workers <= TARGET_WORKERS:
        raise DemoError(
            _("The number of workers must be between 1 and %(target)d (the programme target).")
            % {"target": TARGET_WORKERS}
        )
    with transaction.atomic():
        users_before = User.objects.count()
        created, reused, generated_password = _users_ensure(password)
        if Programme.objects.filter(code=PROGRAMME_2023.code).exists():
            result = _present_counts()
        else:
            if Programme.objects.exists() or Worker.objects.exists():
                raise DemoError(
                    _(
                        "This database already holds programmes or workers that are not the demo's; "
                        "the demo loads only into an empty database."
                    )
                )
            result = _data_create(workers=workers, seed=seed)
        result.users_created, result.users_reused = created, reused
        result.generated_password = generated_password
        if result.data_created or created:
            changes: dict[str, list[int]] = {"users": [users_before, users_before + len(created)]}
            if result.data_created:
                changes["workers"] = [0, result.workers]
                changes["heirs"] = [0, result.heirs]
                changes.update({f"enrolments:{code}": [0, n] for code, n in result.enrolments.items()})
            audit_record(
                actor=None,
                action="demo.loaded",
                region_code=PROVINCE_CODE,
                changes=changes,
                note=f"lindung demo: synthetic data (workers={workers}, seed={seed})"
                if result.data_created
                else "lindung demo: missing demo users created",
            )
    return result


def _users_ensure(password: str | None) -> tuple[list[str], list[str], str | None]:
    existing = set(
        User.objects.filter(username__in=[u.username for u in DEMO_USERS]).values_list("username", flat=True)
    )
    missing = [u for u in DEMO_USERS if u.username not in existing]
    if not missing:
        return [], sorted(existing), None
    generated = None if password else secrets.token_urlsafe(12)
    # One hash for all demo users: Argon2 is slow on purpose, and they share the password anyway.
    hashed = make_password(password or generated)
    village = (
        Region.objects.filter(level=Region.Level.VILLAGE, code__startswith="61.01.")
        .order_by("code")
        .values_list("code", flat=True)
        .first()
    )
    if village is None:
        raise DemoError(_("The regions of Kalimantan Barat are not loaded."))
    for spec in missing:
        User.objects.create(
            username=spec.username,
            password=hashed,
            first_name=spec.first_name,
            role=spec.role,
            region_id=spec.region_code or village,
            is_staff=spec.superuser,
            is_superuser=spec.superuser,
        )
    return [u.username for u in missing], sorted(existing), generated


def _present_counts() -> DemoLoadResult:
    per_programme = dict(
        Programme.objects.filter(code__in=[PROGRAMME_2023.code, PROGRAMME_2026.code])
        .annotate(n=Count("enrolments"))
        .values_list("code", "n")
    )
    return DemoLoadResult(
        data_created=False,
        workers=Worker.objects.count(),
        heirs=Heir.objects.count(),
        enrolments=per_programme,
    )


def _villages_by_regency() -> dict[str, list[Village]]:
    regency_names = dict(Region.objects.filter(code__in=REGENCY_WEIGHTS).values_list("code", "name"))
    if len(regency_names) != len(REGENCY_WEIGHTS):
        raise DemoError(_("The regions of Kalimantan Barat are not loaded."))
    villages: dict[str, list[Village]] = {code: [] for code in REGENCY_WEIGHTS}
    rows = Region.objects.filter(level=Region.Level.VILLAGE, code__startswith=f"{PROVINCE_CODE}.").values_list(
        "code", "name", "kind", "parent__name"
    )
    for code, name, kind, district_name in rows:
        regency = code[:5]
        if regency in villages:
            villages[regency].append(Village(code, name, kind, district_name, regency_names[regency]))
    return villages


def _programme_create(spec: DemoProgramme, quotas: dict[str, int]) -> Programme:
    programme = Programme.objects.create(
        code=spec.code,
        name=spec.name,
        funder_type=FunderType.APBD_PROVINSI,
        funder_name="Pemerintah Provinsi Kalimantan Barat",
        region_id=PROVINCE_CODE,
        fiscal_year=spec.year,
        coverage_start=dt.date(spec.year, 1, 1),
        coverage_end=dt.date(spec.year, 12, 31),
        budget_ceiling=TARGET_WORKERS * MONTHLY_CONTRIBUTION * 12,
        target_workers=TARGET_WORKERS,
        open_for_proposals=spec.open_for_proposals,
    )
    RegencyQuota.objects.bulk_create(
        RegencyQuota(programme=programme, regency_id=code, quota=quota) for code, quota in quotas.items()
    )
    return programme


def _insert_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write plain tuples into ``model``'s table (``lindung.bulk``: ``COPY`` on PostgreSQL)."""
    rows_insert(model._meta.db_table, [_column(model, name) for name in fields], rows)


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.column:
        raise ValueError(f"{model.__name__}.{name} is not a concrete field")
    return field.column


def _timestamp(year: int, month: int, day: int) -> object:
    """An aware 09:00 local time in the form the database driver takes."""
    return connection.ops.adapt_datetimefield_value(timezone.make_aware(dt.datetime(year, month, day, 9, 0)))


def _timestamp_now() -> object:
    return connection.ops.adapt_datetimefield_value(timezone.now())


_ACTIVATED = (Status.ACTIVE.value, Status.ENDED.value)  # statuses BPJS has seen through


@dataclass(frozen=True)
class _Stamps:
    proposed_before_2026: object  # database form, see _timestamp
    now: object

    def proposed(self, status: str) -> object:
        """When a 2026 enrolment (and a worker new in 2026) was registered: before January if BPJS activated it."""
        return self.proposed_before_2026 if status in _ACTIVATED else self.now


_WORKER_FIELDS = (*WorkerRow._fields, "declared_income", "created_at", "updated_at")
_HEIR_FIELDS = ("worker_id", *HeirRow._fields)


class EnrolmentRow(NamedTuple):
    """An ``Enrolment`` row; the region columns copy the worker's (see the model's docstring)."""

    worker_id: int
    programme_id: int
    status: str
    kpj: str
    coverage_start: dt.date | None
    coverage_end: dt.date | None
    end_reason: str
    rejection_reason: str
    village_id: str
    province_code: str
    regency_code: str
    proposed_at: object  # database form, see _timestamp
    updated_at: object


def _data_create(*, workers: int, seed: int) -> DemoLoadResult:
    """Both programmes and their people, regency by regency so that one regency at a time is in memory."""
    categories = list(OccupationCategory.objects.filter(active=True).order_by("sort_order", "code"))
    if not categories:
        raise DemoError(_("There is no active occupation category."))
    villages = _villages_by_regency()
    quotas = allocate(TARGET_WORKERS, REGENCY_WEIGHTS)
    p2023 = _programme_create(PROGRAMME_2023, quotas)
    p2026 = _programme_create(PROGRAMME_2026, quotas)
    Programme.objects.filter(pk=p2023.pk).update(created_at=timezone.make_aware(dt.datetime(2022, 11, 1, 9, 0)))

    # Allocating by the quotas themselves keeps every regency within its quota (see allocate).
    per_regency_2023 = allocate(workers, quotas)
    per_regency_2026 = allocate(round(workers / 4), quotas)
    carried = {code: min(per_regency_2023[code], round(n * CARRIED_OVER_SHARE)) for code, n in per_regency_2026.items()}
    fresh = {code: n - carried[code] for code, n in per_regency_2026.items()}

    factory = WorkerFactory(seed=seed, pools=NamePools.build(seed), categories=categories)
    rng = factory.rng
    # The status plans are drawn for the whole province, so that every status appears even in a
    # small demo where a regency has only a handful of 2026 enrolments.
    carried_statuses = iter(factory.status_plan(sum(carried.values()), CARRIED_STATUS_SHARES))
    fresh_statuses = iter(factory.status_plan(sum(fresh.values()), NEW_STATUS_SHARES))
    kpj_2023 = KpjIssuer(year=2023, start=rng.randint(100_000, 900_000))
    kpj_2026 = KpjIssuer(year=2026, start=rng.randint(100_000, 900_000))
    # Rows carry the dates their story implies: the 2023 ones were proposed in December 2022, the
    # 2026 ones that BPJS activated in December 2025, the 2026 ones still in the pipeline today.
    registered_2022, ended_2024 = _timestamp(2022, 12, 1), _timestamp(2024, 1, 2)
    stamps = _Stamps(proposed_before_2026=_timestamp(2025, 12, 1), now=_timestamp_now())
    income = Worker._meta.get_field("declared_income").get_default()

    totals = {"workers": 0, "heirs": 0, p2023.code: 0, p2026.code: 0}
    for regency in sorted(quotas):
        regency_villages = villages[regency]
        if not regency_villages:
            raise DemoError(_("No village is loaded for regency %(code)s.") % {"code": regency})
        old = [factory.worker(rng.choice(regency_villages)) for _ in range(per_regency_2023[regency])]
        new_statuses = [next(fresh_statuses) for _ in range(fresh[regency])]
        new = [factory.worker(rng.choice(regency_villages)) for _ in new_statuses]
        worker_rows = [(*w, income, registered_2022, registered_2022) for w in old]
        for w, status in zip(new, new_statuses, strict=True):
            worker_rows.append((*w, income, stamps.proposed(status), stamps.proposed(status)))
        _insert_rows(Worker, _WORKER_FIELDS, worker_rows)
        # The database had no worker before this run (demo_load checks), so the regency's
        # workers are exactly the ones just written.
        worker_id = dict(Worker.objects.filter(regency_code=regency).values_list("nik", "id"))
        heirs = [(worker_id[w.nik], *heir) for w in (*old, *new) for heir in factory.heirs(w)]
        _insert_rows(Heir, _HEIR_FIELDS, heirs)

        enrolments: list[EnrolmentRow] = []
        kpj_of: dict[str, str] = {}
        for w in old:
            kpj_of[w.nik] = kpj_2023.issue()
            enrolments.append(
                EnrolmentRow(
                    worker_id=worker_id[w.nik],
                    programme_id=p2023.pk,
                    status=Status.ENDED.value,
                    kpj=kpj_of[w.nik],
                    coverage_start=factory.coverage_start(2023, (85, 10, 5)),
                    coverage_end=dt.date(2023, 12, 31),
                    end_reason=EndReason.PROGRAMME_ENDED.value,
                    rejection_reason="",
                    village_id=w.village_id,
                    province_code=w.province_code,
                    regency_code=w.regency_code,
                    proposed_at=registered_2022,
                    updated_at=ended_2024,
                )
            )
        for w in rng.sample(old, carried[regency]):
            # A carried-over worker keeps the KPJ BPJS gave them in 2023.
            enrolments.append(
                _enrolment_2026(factory, w, worker_id[w.nik], p2026, next(carried_statuses), kpj_of[w.nik], stamps)
            )
        for w, status in zip(new, new_statuses, strict=True):
            kpj = kpj_2026.issue() if status in _ACTIVATED else ""
            enrolments.append(_enrolment_2026(factory, w, worker_id[w.nik], p2026, status, kpj, stamps))
        _insert_rows(Enrolment, EnrolmentRow._fields, enrolments)

        totals["workers"] += len(old) + len(new)
        totals["heirs"] += len(heirs)
        totals[p2023.code] += len(old)
        totals[p2026.code] += carried[regency] + len(new)

    verifier = User.objects.filter(username="verifikator").first()
    for programme in (p2023, p2026):
        _batches_assign(programme, sent_by=verifier)
    _bill_and_pay(p2023, months=BILLED_MONTHS_2023)
    admin = User.objects.filter(username="admin_provinsi").first()
    demo_claims_create(p2023=p2023, p2026=p2026, actor=admin, seed=seed)
    dashboard_refresh()  # the dashboard reads summary tables: fill them once, the nightly job keeps them fresh
    return DemoLoadResult(
        data_created=True,
        workers=totals["workers"],
        heirs=totals["heirs"],
        enrolments={p2023.code: totals[p2023.code], p2026.code: totals[p2026.code]},
    )


def _batches_assign(programme: Programme, *, sent_by: User | None) -> None:
    """Number the BPJS batches the enrolments went in, the way ``enrolment_send`` would have.

    Every enrolment that BPJS activated went in a batch sent 11 days before its coverage started
    (#1, #2... in order of those dates); the enrolments still waiting for BPJS (``dikirim``) went in
    one last batch two days ago. Set-based: one UPDATE per batch.
    """
    activated = Enrolment.objects.filter(programme=programme, status__in=[Status.ACTIVE, Status.ENDED])
    starts = sorted(d for d in activated.values_list("coverage_start", flat=True).distinct() if d is not None)
    groups = [
        (
            activated.filter(coverage_start=start),
            timezone.make_aware(dt.datetime.combine(start, dt.time(9))) - dt.timedelta(days=11),
        )
        for start in starts
    ]
    waiting = Enrolment.objects.filter(programme=programme, status=Status.SENT)
    if waiting.exists():
        groups.append((waiting, timezone.now() - dt.timedelta(days=2)))
    for number, (enrolments, at) in enumerate(groups, start=1):
        batch = BpjsBatch.objects.create(programme=programme, number=number, created_by=sent_by)
        count = enrolments.update(batch=batch)
        # auto_now_add stamped today; the batch was sent before the coverage it opened.
        BpjsBatch.objects.filter(pk=batch.pk).update(count=count, created_at=at)


def _enrolment_2026(
    factory: WorkerFactory, w: WorkerRow, worker_id: int, programme: Programme, status: str, kpj: str, stamps: _Stamps
) -> EnrolmentRow:
    start: dt.date | None = None
    end: dt.date | None = None
    end_reason = rejection_reason = ""
    if status in _ACTIVATED:
        start = factory.coverage_start(2026, (70, 20, 10))
        if status == Status.ENDED:
            end = month_end(dt.date(2026, factory.rng.randint(start.month, 10), 1))
            end_reason = factory.end_reason()
    else:
        kpj = ""  # BPJS gives (or confirms) the KPJ only on activation
        if status == Status.REJECTED:
            rejection_reason = factory.rejection_reason()
    return EnrolmentRow(
        worker_id=worker_id,
        programme_id=programme.pk,
        status=status,
        kpj=kpj,
        coverage_start=start,
        coverage_end=end,
        end_reason=end_reason,
        rejection_reason=rejection_reason,
        village_id=w.village_id,
        province_code=w.province_code,
        regency_code=w.regency_code,
        proposed_at=stamps.proposed(status),
        updated_at=stamps.now,
    )


def _bill_and_pay(programme: Programme, *, months: int) -> list[Invoice]:
    """Bill the programme's first ``months`` months and pay each invoice in full, as the system.

    Through the contribution services (set-based billing, audited), so the demo's invoices are the
    ones ``lindung bill`` would make. Each is paid by one SP2D on the 15th of the following month.
    """
    invoices = []
    month = programme.coverage_start.replace(day=1)
    for number in range(1, months + 1):
        paid_on = next_month(month).replace(day=15)
        invoice = invoice_build(actor=None, programme=programme, month=month, today=next_month(month))
        invoice = invoice_issue(actor=None, invoice=invoice)
        if invoice.total > 0:  # an empty month (a tiny demo) owes nothing and is paid on issue
            payment_record(
                actor=None,
                programme=programme,
                paid_on=paid_on,
                amount=invoice.total,
                reference=f"SP2D {number * 41 + 82:04d}/BPKAD/{paid_on.year}",
                note=f"Iuran {month:%m/%Y}",
                allocations=[(invoice, invoice.total)],
            )
        invoices.append(invoice)
        month = next_month(month)
    return invoices
