"""Loading the demonstration installation: Kalbar's programmes, their workers, one user per role, told as a
story relative to the demo's today.

The story (``DemoStory``, from ``today``, default the local date; Y is today's year):

- ``KALBAR-<Y-3>`` ran all of Y - 3 and ended: every month billed and paid, its final account settled.
- ``KALBAR-<Y>``, the province's running programme (every regency but one), is billed and paid for every
  month from January up to the month before today, except one month in the middle that was never billed.
- Kota Pontianak funds its own workers in ``PONTIANAK-<Y>`` (APBD Kota): billed every month, paid except
  the last two, which are issued and unpaid. Invoices and payments belong to a programme and a month, not
  to a regency (a partly paid invoice pays none of its workers' months), so a regency whose bills are
  unpaid while the others' are paid is one with a funder, and so a programme, of its own.
- Proposals, activations, batches, invoices, payments, claims and their audit entries happen on days
  spread over the programmes' lives, none after today; the night's run (coverage, arrears, the dashboard's
  figures) at 00:15 of today (``lindung.demo.clock``).

Idempotence rule: the demo data is "present" when the audit log holds the ``demo.loaded`` entry of a run
that created it. A run that finds it reuses everything as is (whatever ``workers``, ``seed`` and ``today``
say) and only creates demo users that are missing; existing users keep their passwords. A database that
holds other programmes or workers but no demo is refused, so that the demo never mixes synthetic people
into real data.
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
from lindung.audit.models import AuditEntry
from lindung.audit.services import audit_record
from lindung.bulk import rows_insert
from lindung.contributions.billing import invoice_build, invoice_issue
from lindung.contributions.coverage import coverage_update
from lindung.contributions.models import Invoice
from lindung.contributions.payments import payment_record
from lindung.dashboard.services import dashboard_refresh
from lindung.demo.claims import demo_claims_create
from lindung.demo.clock import at, story_at
from lindung.demo.deaths import demo_deaths_report
from lindung.demo.generate import (
    CARRIED_STATUS_SHARES,
    ENDED_PROGRAMME_YEARS_BACK,
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
from lindung.enrolments.bpjs import bpjs_batch_file_keep
from lindung.enrolments.models import BpjsBatch, EndReason, Enrolment, Status
from lindung.inputs import era_refusal
from lindung.months import add_months, month_end, month_start, months_from
from lindung.privacy_notices.models import PrivacyNotice
from lindung.privacy_notices.services import notices_load
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
CARRIED_OVER_SHARE = 0.8  # of the running programme's enrolments, workers already covered by the ended one
# The city that funds its own workers and has not paid its last two bills (see the module's docstring).
ARREARS_REGENCY = "61.71"
UNPAID_MONTHS = 2
# The contribution rules start in 2015-07; the ended programme (Y - 3) must lie after them.
FIRST_YEAR = 2019
# A month's invoice is built and issued on this day of the month and paid a week later, before the due day
# of the next month: so every month before today's is billed and paid before today, whatever today is.
BILLING_DAY, PAYMENT_DAY = 20, 27
LOAD_ACTION = "demo.loaded"


@dataclass(frozen=True)
class DemoProgramme:
    code: str
    name: str
    year: int
    open_for_proposals: bool
    funder_type: str = FunderType.APBD_PROVINSI
    funder_name: str = "Pemerintah Provinsi Kalimantan Barat"
    region: str = PROVINCE_CODE
    payment_office: str = "BPKAD"  # the finance office whose SP2D pays the invoices


@dataclass(frozen=True)
class DemoStory:
    """What the demo holds as of ``today``: its programmes and which of their months are billed and paid."""

    today: dt.date

    @property
    def year(self) -> int:
        return self.today.year

    @property
    def ended(self) -> DemoProgramme:
        year = self.year - ENDED_PROGRAMME_YEARS_BACK
        return DemoProgramme(
            f"KALBAR-{year}", f"Perlindungan Pekerja Rentan Kalimantan Barat {year}", year, open_for_proposals=False
        )

    @property
    def running(self) -> DemoProgramme:
        return DemoProgramme(
            f"KALBAR-{self.year}",
            f"Perlindungan Pekerja Rentan Kalimantan Barat {self.year}",
            self.year,
            open_for_proposals=True,
        )

    @property
    def city(self) -> DemoProgramme:
        return DemoProgramme(
            f"PONTIANAK-{self.year}",
            f"Perlindungan Pekerja Rentan Kota Pontianak {self.year}",
            self.year,
            open_for_proposals=True,
            funder_type=FunderType.APBD_KABKOTA,
            funder_name="Pemerintah Kota Pontianak",
            region=ARREARS_REGENCY,
            payment_office="BKAD",
        )

    @property
    def due_months(self) -> list[dt.date]:
        """The running programmes' months before today's: the ones the story bills."""
        return list(months_from(dt.date(self.year, 1, 1), add_months(month_start(self.today), -1)))

    @property
    def never_billed(self) -> dt.date | None:
        """The running provincial programme's month nobody billed: the middle one of at least three."""
        months = self.due_months
        return months[(len(months) - 1) // 2] if len(months) >= 3 else None

    @property
    def unpaid(self) -> list[dt.date]:
        """The city programme's last months, issued and not paid."""
        return self.due_months[-UNPAID_MONTHS:]

    @property
    def eve(self) -> dt.datetime:
        """The latest moment of the story's days: the afternoon before today."""
        return at(self.today - dt.timedelta(days=1), 16)

    @property
    def night(self) -> dt.datetime:
        """The night's run of today (coverage, arrears, dashboard), as ``lindung nightly schedule`` runs it."""
        return at(self.today, 0, 15)


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
    DemoUser("pejabat_pdp", Role.PEJABAT_PELINDUNGAN_DATA, "61", "Pejabat Pelindungan Data Pribadi"),
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
    story: DemoStory | None = None  # the story this run wrote; None when the data was reused


def demo_reference_load() -> tuple[RegionLoadResult, RulesLoadResult]:
    """Regions of all Indonesia, the rule tables and the occupation categories (each idempotent)."""
    regions = regions_load()
    rules = rules_load()
    seed_categories(OccupationCategory)
    notices_load()
    return regions, rules


def demo_load(
    *,
    workers: int = DEFAULT_WORKERS,
    seed: int = DEFAULT_SEED,
    password: str | None = None,
    today: dt.date | None = None,
) -> DemoLoadResult:
    """Create the demo programmes, workers, enrolments and users as of ``today``, or reuse those already present.

    1. If an earlier run created the demo data, create the demo users that are missing and stop: the
       demo is reused as is.
    2. Otherwise refuse a database holding other programmes or workers; create the demo users (on the
       day the installation was set up, before the story's first step), then the programmes with their
       regency quotas, the workers regency by regency, the invoices and payments, the claims and the
       night's figures, each step on its day of the story (``DemoStory``).
    3. Write one ``demo.loaded`` audit entry when anything was created.
    All in one transaction: a failed run leaves nothing behind.
    """
    if not 1 <= workers <= TARGET_WORKERS:
        raise DemoError(
            _("The number of workers must be between 1 and %(target)d (the programme target).")
            % {"target": TARGET_WORKERS}
        )
    story = DemoStory(today or timezone.localdate())
    if refusal := era_refusal(story.today):
        raise DemoError(refusal)
    if story.year < FIRST_YEAR:
        raise DemoError(
            _("The demo's today must be in %(year)d or later: its ended programme runs three years earlier.")
            % {"year": FIRST_YEAR}
        )
    with transaction.atomic():
        users_before = User.objects.count()
        present = AuditEntry.objects.filter(action=LOAD_ACTION, changes__has_key="workers").exists()
        if not present and (Programme.objects.exists() or Worker.objects.exists()):
            raise DemoError(
                _(
                    "This database already holds programmes or workers that are not the demo's; "
                    "the demo loads only into an empty database."
                )
            )
        if present:
            created, reused, generated_password = _users_ensure(password)
            result = _present_counts()
        else:
            # The users exist before the story's first step: they act in it.
            with story_at(at(dt.date(story.ended.year - 1, 10, 1))):
                created, reused, generated_password = _users_ensure(password)
            result = _data_create(workers=workers, seed=seed, story=story)
        result.users_created, result.users_reused = created, reused
        result.generated_password = generated_password
        if result.data_created or created:
            changes: dict[str, list[int]] = {"users": [users_before, users_before + len(created)]}
            note = "lindung demo: missing demo users created"
            if result.data_created:
                changes["workers"] = [0, result.workers]
                changes["heirs"] = [0, result.heirs]
                changes.update({f"enrolments:{code}": [0, n] for code, n in result.enrolments.items()})
                note = f"lindung demo: synthetic data (workers={workers}, seed={seed}, today={story.today})"
            with story_at(story.night if result.data_created else timezone.now()):
                audit_record(actor=None, action=LOAD_ACTION, region_code=PROVINCE_CODE, changes=changes, note=note)
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
            # The field's default is the clock function itself, bound at import: ask the clock now.
            date_joined=timezone.now(),
        )
    return [u.username for u in missing], sorted(existing), generated


def _present_counts() -> DemoLoadResult:
    per_programme = dict(Programme.objects.annotate(n=Count("enrolments")).values_list("code", "n"))
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
    """The programme with its quotas, created on 1 November of the year before it runs (budget planning)."""
    target = sum(quotas.values())
    with story_at(at(dt.date(spec.year - 1, 11, 1))):
        programme = Programme.objects.create(
            code=spec.code,
            name=spec.name,
            funder_type=spec.funder_type,
            funder_name=spec.funder_name,
            region_id=spec.region,
            fiscal_year=spec.year,
            coverage_start=dt.date(spec.year, 1, 1),
            coverage_end=dt.date(spec.year, 12, 31),
            budget_ceiling=target * MONTHLY_CONTRIBUTION * 12,
            target_workers=target,
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


def _db(moment: dt.datetime) -> object:
    """``moment`` in the form the database driver takes (rows written by ``_insert_rows`` skip the ORM)."""
    return connection.ops.adapt_datetimefield_value(moment)


_ACTIVATED = (Status.ACTIVE.value, Status.ENDED.value)  # statuses BPJS has seen through


_WORKER_FIELDS = (*WorkerRow._fields, "declared_income", "created_at", "updated_at", "privacy_notice")
_HEIR_FIELDS = ("worker_id", *HeirRow._fields)


class EnrolmentRow(NamedTuple):
    """An ``Enrolment`` row; the region columns copy the worker's (see the model's docstring)."""

    worker_id: int
    programme_id: int
    status: str
    kpj: str
    coverage_start: dt.date | None
    coverage_end: dt.date | None
    activated_on: dt.date | None
    end_reason: str
    rejection_reason: str
    village_id: str
    province_code: str
    regency_code: str
    proposed_at: object  # database form, see _db
    updated_at: object


@dataclass(frozen=True)
class _Plan:
    """A running-programme enrolment before it is written: its status and the story's days for it."""

    status: str
    coverage_start: dt.date | None
    coverage_end: dt.date | None
    proposed_at: dt.datetime
    updated_at: dt.datetime
    activated_on: dt.date | None = None  # the day BPJS's activation was recorded (active and ended ones)


def _data_create(*, workers: int, seed: int, story: DemoStory) -> DemoLoadResult:
    """The programmes and their people, regency by regency so that one regency at a time is in memory."""
    categories = list(OccupationCategory.objects.filter(active=True).order_by("sort_order", "code"))
    if not categories:
        raise DemoError(_("There is no active occupation category."))
    villages = _villages_by_regency()
    quotas = allocate(TARGET_WORKERS, REGENCY_WEIGHTS)
    ended = _programme_create(story.ended, quotas)
    running = _programme_create(story.running, {code: n for code, n in quotas.items() if code != ARREARS_REGENCY})
    city = _programme_create(story.city, {ARREARS_REGENCY: quotas[ARREARS_REGENCY]})

    # Allocating by the quotas themselves keeps every regency within its quota (see allocate).
    per_regency_ended = allocate(workers, quotas)
    per_regency_now = allocate(round(workers / 4), quotas)
    carried = {code: min(per_regency_ended[code], round(n * CARRIED_OVER_SHARE)) for code, n in per_regency_now.items()}
    fresh = {code: n - carried[code] for code, n in per_regency_now.items()}

    factory = WorkerFactory(seed=seed, pools=NamePools.build(seed), categories=categories, year=story.year)
    rng = factory.rng
    # The status plans are drawn for the whole province, so that every status appears even in a
    # small demo where a regency has only a handful of enrolments in the running programmes.
    carried_statuses = iter(factory.status_plan(sum(carried.values()), CARRIED_STATUS_SHARES))
    fresh_statuses = iter(factory.status_plan(sum(fresh.values()), NEW_STATUS_SHARES))
    kpj_ended = KpjIssuer(year=ended.fiscal_year, start=rng.randint(100_000, 900_000))
    kpj_now = KpjIssuer(year=story.year, start=rng.randint(100_000, 900_000))
    # The ended programme's workers were proposed in the autumn before it ran, and ended with it.
    proposals_ended = (dt.date(ended.fiscal_year - 1, 11, 7), dt.date(ended.fiscal_year - 1, 12, 8))
    ended_at = _db(at(dt.date(ended.fiscal_year + 1, 1, 2)))
    income = Worker._meta.get_field("declared_income").get_default()
    # The privacy notice in force on each registration's day (``privacy_notices``): none before the first one.
    notices = list(PrivacyNotice.objects.order_by("effective_from").values_list("effective_from", "pk"))

    def notice_on(moment: dt.datetime) -> int | None:
        return next((pk for since, pk in reversed(notices) if since <= timezone.localtime(moment).date()), None)

    totals = {"workers": 0, "heirs": 0, ended.code: 0, running.code: 0, city.code: 0}
    for regency in sorted(quotas):
        regency_villages = villages[regency]
        if not regency_villages:
            raise DemoError(_("No village is loaded for regency %(code)s.") % {"code": regency})
        now_programme = city if regency == ARREARS_REGENCY else running
        old = [factory.worker(rng.choice(regency_villages)) for _ in range(per_regency_ended[regency])]
        old_moments = [factory.moment(*proposals_ended) for _ in old]
        old_proposed = [_db(moment) for moment in old_moments]
        new_plans = [_plan(factory, story, next(fresh_statuses)) for _ in range(fresh[regency])]
        new = [factory.worker(rng.choice(regency_villages)) for _ in new_plans]
        worker_rows = [
            (*w, income, stamp, stamp, notice_on(moment))
            for w, stamp, moment in zip(old, old_proposed, old_moments, strict=True)
        ]
        for w, plan in zip(new, new_plans, strict=True):
            worker_rows.append((*w, income, _db(plan.proposed_at), _db(plan.proposed_at), notice_on(plan.proposed_at)))
        _insert_rows(Worker, _WORKER_FIELDS, worker_rows)
        # The database had no worker before this run (demo_load checks), so the regency's
        # workers are exactly the ones just written.
        worker_id = dict(Worker.objects.filter(regency_code=regency).values_list("nik", "id"))
        heirs = [(worker_id[w.nik], *heir) for w in (*old, *new) for heir in factory.heirs(w)]
        _insert_rows(Heir, _HEIR_FIELDS, heirs)

        enrolments: list[EnrolmentRow] = []
        kpj_of: dict[str, str] = {}
        for w, stamp in zip(old, old_proposed, strict=True):
            kpj_of[w.nik] = kpj_ended.issue()
            ended_start = factory.coverage_start(ended.fiscal_year, (85, 10, 5))
            enrolments.append(
                EnrolmentRow(
                    worker_id=worker_id[w.nik],
                    programme_id=ended.pk,
                    status=Status.ENDED.value,
                    kpj=kpj_of[w.nik],
                    coverage_start=ended_start,
                    coverage_end=ended.coverage_end,
                    # Activated a week after the batch sent 11 days before coverage started, as _plan does.
                    activated_on=ended_start - dt.timedelta(days=4),
                    end_reason=EndReason.PROGRAMME_ENDED.value,
                    rejection_reason="",
                    village_id=w.village_id,
                    province_code=w.province_code,
                    regency_code=w.regency_code,
                    proposed_at=stamp,
                    updated_at=ended_at,
                )
            )
        for w in rng.sample(old, carried[regency]):
            # A carried-over worker keeps the KPJ BPJS gave them before.
            plan = _plan(factory, story, next(carried_statuses))
            enrolments.append(_enrolment_now(factory, w, worker_id[w.nik], now_programme, plan, kpj_of[w.nik]))
        for w, plan in zip(new, new_plans, strict=True):
            kpj = kpj_now.issue() if plan.status in _ACTIVATED else ""
            enrolments.append(_enrolment_now(factory, w, worker_id[w.nik], now_programme, plan, kpj))
        _insert_rows(Enrolment, EnrolmentRow._fields, enrolments)

        totals["workers"] += len(old) + len(new)
        totals["heirs"] += len(heirs)
        totals[ended.code] += len(old)
        totals[now_programme.code] += carried[regency] + len(new)

    verifier = User.objects.filter(username="verifikator").first()
    for programme in (ended, running, city):
        _batches_assign(programme, sent_by=verifier, story=story)
    _bill_and_pay(ended, story.ended, months=list(months_from(ended.coverage_start, ended.coverage_end)))
    months = story.due_months
    _bill_and_pay(running, story.running, months=[m for m in months if m != story.never_billed])
    _bill_and_pay(city, story.city, months=months, unpaid=story.unpaid)
    admin = User.objects.filter(username="admin_provinsi").first()
    demo_claims_create(ended=ended, running=running, actor=admin, seed=seed, story_end=story.eve)
    # Deaths the civil registry reported, waiting for a person's review (``lindung.civil_registry``).
    with story_at(story.eve):
        demo_deaths_report(running, died_on=max(story.eve.date() - dt.timedelta(days=3), running.coverage_start))
    # The night's run, as the nightly job would have made it: arrears, lapses, the dashboard's figures.
    with story_at(story.night):
        coverage_update(today=story.today)
        dashboard_refresh(today=story.today)
    return DemoLoadResult(
        data_created=True,
        workers=totals["workers"],
        heirs=totals["heirs"],
        enrolments={code: n for code, n in totals.items() if code not in ("workers", "heirs")},
        story=story,
    )


def _plan(factory: WorkerFactory, story: DemoStory, status: str) -> _Plan:
    """The days of a running-programme enrolment in ``status``, from the programme's life up to yesterday.

    Activated ones (active, ended) were proposed 16 to 60 days before their coverage started, in time for
    the BPJS batch sent 11 days before it, and activated a few days after that batch (before coverage
    started, so no month is owed later than its own due date); an ended one ended in
    a month already billed. The ones still in the pipeline were proposed in the last weeks (sent ones
    before the last batch, two days ago); rejected ones any time since the programme opened.
    """
    eve = story.eve.date()
    opened = dt.date(story.year - 1, 11, 2)
    start = end = None
    if status in _ACTIVATED:
        start = factory.coverage_start(story.year, (70, 20, 10))
        batch = start - dt.timedelta(days=11)
        proposed = factory.moment(start - dt.timedelta(days=60), batch - dt.timedelta(days=5))
        updated = factory.moment(batch + dt.timedelta(days=2), start - dt.timedelta(days=1))
        activated = updated.date()
        if status == Status.ENDED:
            last = max(add_months(month_start(story.today), -1), start)
            months = (last.year - start.year) * 12 + last.month - start.month
            end = month_end(add_months(start, factory.rng.randint(0, months)))
            updated = min(factory.moment(end, end + dt.timedelta(days=5)), story.eve)
        return _Plan(status, start, end, proposed, updated, activated)
    days_back = {Status.PROPOSED: 45, Status.VERIFIED: 60, Status.SENT: 60}.get(Status(status))
    first = max(opened, eve - dt.timedelta(days=days_back)) if days_back else opened
    last = eve - dt.timedelta(days=3) if status == Status.SENT else eve
    proposed = factory.moment(first, last)
    if status == Status.PROPOSED:
        return _Plan(status, None, None, proposed, proposed)
    if status == Status.SENT:
        return _Plan(status, None, None, proposed, _last_batch_time(story))
    decided = proposed.date() + dt.timedelta(days=factory.rng.randint(1, 20))
    return _Plan(status, None, None, proposed, min(factory.moment(decided, decided), story.eve))


def _last_batch_time(story: DemoStory) -> dt.datetime:
    """The last BPJS batch, still waiting for BPJS's answer, went two days before today."""
    return at(story.today - dt.timedelta(days=2))


def _batches_assign(programme: Programme, *, sent_by: User | None, story: DemoStory) -> None:
    """Number the BPJS batches the enrolments went in, the way ``enrolment_send`` would have.

    Every enrolment that BPJS activated went in a batch sent 11 days before its coverage started
    (#1, #2... in order of those dates); the enrolments still waiting for BPJS (``dikirim``) went in
    one last batch two days ago. Set-based: one UPDATE per batch; then each batch's file is written.
    """
    activated = Enrolment.objects.filter(programme=programme, status__in=[Status.ACTIVE, Status.ENDED])
    starts = sorted(d for d in activated.values_list("coverage_start", flat=True).distinct() if d is not None)
    groups = [(activated.filter(coverage_start=start), at(start) - dt.timedelta(days=11)) for start in starts]
    waiting = Enrolment.objects.filter(programme=programme, status=Status.SENT)
    if waiting.exists():
        groups.append((waiting, _last_batch_time(story)))
    for number, (enrolments, sent_at) in enumerate(groups, start=1):
        with story_at(sent_at):
            batch = BpjsBatch.objects.create(
                programme=programme,
                number=number,
                created_by=sent_by,
                region_code=(sent_by.region_id or "") if sent_by else "",
            )
        batch.count = enrolments.update(batch=batch)
        BpjsBatch.objects.filter(pk=batch.pk).update(count=batch.count)
        bpjs_batch_file_keep(batch=batch)  # its file kept, as ``bpjs_batch_create`` keeps a batch's file


def _enrolment_now(
    factory: WorkerFactory, w: WorkerRow, worker_id: int, programme: Programme, plan: _Plan, kpj: str
) -> EnrolmentRow:
    end_reason = rejection_reason = ""
    if plan.status in _ACTIVATED:
        if plan.status == Status.ENDED:
            end_reason = factory.end_reason()
    else:
        kpj = ""  # BPJS gives (or confirms) the KPJ only on activation
        if plan.status == Status.REJECTED:
            rejection_reason = factory.rejection_reason()
    return EnrolmentRow(
        worker_id=worker_id,
        programme_id=programme.pk,
        status=plan.status,
        kpj=kpj,
        coverage_start=plan.coverage_start,
        coverage_end=plan.coverage_end,
        activated_on=plan.activated_on,
        end_reason=end_reason,
        rejection_reason=rejection_reason,
        village_id=w.village_id,
        province_code=w.province_code,
        regency_code=w.regency_code,
        proposed_at=_db(plan.proposed_at),
        updated_at=_db(plan.updated_at),
    )


def _bill_and_pay(
    programme: Programme, spec: DemoProgramme, *, months: Sequence[dt.date], unpaid: Sequence[dt.date] = ()
) -> list[Invoice]:
    """Bill each of ``months`` and pay each invoice in full but those of ``unpaid``, as the system.

    Through the contribution services (set-based billing, audited), so the demo's invoices are the
    ones ``lindung bill`` would make. A month's invoice is built and issued on the 20th of the month
    and paid by one SP2D on the 27th, each step at its time (``story_at``).
    """
    invoices = []
    for number, month in enumerate(months, start=1):
        built = month.replace(day=BILLING_DAY)
        with story_at(at(built)):
            invoice = invoice_build(actor=None, programme=programme, month=month, today=built)
        with story_at(at(built, 10, 30)):
            invoice = invoice_issue(actor=None, invoice=invoice)
        paid_on = month.replace(day=PAYMENT_DAY)
        # An empty month (a tiny demo) owes nothing and is paid on issue.
        if invoice.total > 0 and month not in unpaid:
            with story_at(at(paid_on, 10)):
                payment_record(
                    actor=None,
                    programme=programme,
                    paid_on=paid_on,
                    amount=invoice.total,
                    reference=f"SP2D {number * 41 + 82:04d}/{spec.payment_office}/{paid_on.year}",
                    note=f"Iuran {month:%m/%Y}",
                    allocations=[(invoice, invoice.total)],
                )
        invoices.append(invoice)
    return invoices
