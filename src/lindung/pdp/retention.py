"""The retention run (UU 27/2022): anonymise the people whose records' purpose ended longer ago than the rules keep.

What expires, by kind (the periods are the rules ``retention.*`` in force on the run's day, with their sources in
``rules/data/rules.csv``):

- ``never_enrolled``: a worker never proposed, registered more than ``retention.never_enrolled_years`` ago;
- ``rejected_proposal``: a worker whose every proposal was rejected, the last more than
  ``retention.rejected_proposal_years`` ago;
- ``ended_enrolment``: a worker whose enrolments have all ended (or were rejected), the last cover ending more than
  ``retention.ended_enrolment_years`` ago.

Whatever the kind, a worker is kept while any of these holds: an enrolment proposed, verified, sent or active; an
enrolment billed in a programme whose last invoice was issued less than ``retention.invoice_years`` ago (finance
records, UU 43/2009 and the regional JRA); a claim open or decided less than ``retention.claim_years`` ago; a
legal hold not lifted. The ``claim`` kind counts the claims whose reporter's details went with their worker.

Anonymising a worker: the NIK becomes "#" and the id, its keyed hash goes into ``nik_hash`` (``workers.nik_hash``:
the registration form and the import still find the person "registered before"); name, place of birth, address,
phone, KK number and mother's maiden name emptied; the birth date becomes the first of January of its year; the
heirs' names, NIKs and phones emptied (their relation and share stay); the enrolments' KPJ numbers emptied; the
claims' reporter, place and description emptied; what the person wrote in their requests (``PersonRequest.details``)
emptied. Region codes, category, sex, income, enrolment dates, amounts and statuses stay, for the figures.

Set-based: the expired workers are selected by id range (``CHUNK`` ids a query) with the rules as SQL, their keyed
hashes computed here (the key never reaches the database or its logs), written into a temporary table with
``bulk.rows_insert`` (``COPY`` on PostgreSQL), and each table is changed by one ``UPDATE ... FROM`` or
``WHERE worker_id IN (SELECT ...)`` per chunk. The whole run is one transaction; the audit log gets one entry per
kind with its count, the report (``RetentionRun``, ``RetentionCount``) the counts by regency; never the people.

A deletion the person asks for (``person_requests``) anonymises their one worker with the same statements
(``workers_anonymise``), unless another law keeps the records (``kept_by_law``: the keeping rules above, less the
periods that run from the end of a purpose).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, Exists, Max, Min, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require
from lindung.audit.services import audit_record
from lindung.bulk import rows_insert
from lindung.claims.models import OPEN_STATUSES, Claim
from lindung.contributions.models import Invoice
from lindung.enrolments.models import Enrolment, Status
from lindung.pdp.models import LegalHold, RetentionCount, RetentionKind, RetentionRun
from lindung.rules.keys import Rule
from lindung.rules.selectors import rules_in_force
from lindung.workers.models import Worker
from lindung.workers.nik_hash import anonymised_nik, nik_keyed_hash

CHUNK = 50_000  # worker ids a query
TABLE = "lindung_pdp_anonymise"
LIVE = (Status.PROPOSED, Status.VERIFIED, Status.SENT, Status.ACTIVE)
WORKER_KINDS = (RetentionKind.NEVER_ENROLLED, RetentionKind.REJECTED_PROPOSAL, RetentionKind.ENDED_ENROLMENT)


@dataclass(frozen=True)
class Cutoffs:
    """A record whose purpose ended before these moments has outlived its rule on the run's day."""

    never_enrolled: dt.datetime  # registered before
    rejected_proposal: dt.datetime  # rejected (last changed) before
    ended_enrolment: dt.date  # cover ended before
    ended_enrolment_at: dt.datetime  # the same, for an enrolment that ended without a cover end
    invoice: dt.datetime  # the programme's last invoice issued before
    claim: dt.datetime  # the claim decided before


@dataclass
class RetentionResult:
    today: dt.date
    dry_run: bool
    counts: dict[str, int]  # by kind, every kind
    by_regency: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, regency) → count
    run_id: int | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict[str, int]:
        """The JSON of ``lindung pdp retention run --json``: the counts by kind."""
        return dict(self.counts)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def retention_cutoffs(today: dt.date) -> Cutoffs:
    rules = rules_in_force(on=today)
    ended = _years_before(today, rules[Rule.RETENTION_ENDED_ENROLMENT])
    return Cutoffs(
        never_enrolled=_start_of(_years_before(today, rules[Rule.RETENTION_NEVER_ENROLLED])),
        rejected_proposal=_start_of(_years_before(today, rules[Rule.RETENTION_REJECTED_PROPOSAL])),
        ended_enrolment=ended,
        ended_enrolment_at=_start_of(ended),
        invoice=_start_of(_years_before(today, rules[Rule.RETENTION_INVOICE])),
        claim=_start_of(_years_before(today, rules[Rule.RETENTION_CLAIM])),
    )


class KeptByLaw(StrEnum):
    """Why another law keeps a worker's records, whatever the person asks (the deletion of ``person_requests``)."""

    LIVE_ENROLMENT = "live_enrolment"
    FINANCE = "finance"
    CLAIM = "claim"
    LEGAL_HOLD = "legal_hold"


def _finance_keeps(cutoffs: Cutoffs) -> Q:
    """Enrolments whose finance records are still kept: billed in a programme whose last invoice was issued after
    the cut-off."""
    # Few rows: one invoice a programme and month.
    kept_programmes = list(
        Invoice.objects.filter(issued_at__gte=cutoffs.invoice).values_list("programme_id", flat=True).distinct()
    )
    if not kept_programmes:
        return Q(pk__in=[])
    return Q(activated_on__isnull=False, programme_id__in=kept_programmes)


def _claim_keeps(cutoffs: Cutoffs) -> Q:
    """Claims still kept: open, or decided after the cut-off."""
    return Q(status__in=OPEN_STATUSES) | Q(status_changed_at__gte=cutoffs.claim)


def _purpose_keeps(cutoffs: Cutoffs) -> Q:
    """Enrolments whose purpose ended too recently for their own retention rule."""
    return (
        Q(status=Status.REJECTED, updated_at__gte=cutoffs.rejected_proposal)
        | Q(status=Status.ENDED, coverage_end__gte=cutoffs.ended_enrolment)
        | Q(status=Status.ENDED, coverage_end__isnull=True, updated_at__gte=cutoffs.ended_enrolment_at)
    )


def _with_kind(workers: QuerySet[Worker]) -> QuerySet[Worker]:
    """``workers`` annotated with the retention ``kind`` their records fall under (counted per kind)."""
    enrolments = Enrolment.objects.filter(worker=OuterRef("pk"))
    return workers.annotate(
        kind=Case(
            When(~Exists(enrolments), then=Value(RetentionKind.NEVER_ENROLLED.value)),
            When(
                ~Exists(enrolments.exclude(status=Status.REJECTED)),
                then=Value(RetentionKind.REJECTED_PROPOSAL.value),
            ),
            default=Value(RetentionKind.ENDED_ENROLMENT.value),
        )
    )


def expired_workers(cutoffs: Cutoffs) -> QuerySet[Worker]:
    """The workers to anonymise, annotated with their ``kind``: the rules of the module's docstring as SQL."""
    enrolments = Enrolment.objects.filter(worker=OuterRef("pk"))
    keeps_enrolment = Q(status__in=LIVE) | _purpose_keeps(cutoffs) | _finance_keeps(cutoffs)
    return _with_kind(
        Worker.objects.filter(anonymised_on__isnull=True)
        .exclude(Exists(enrolments.filter(keeps_enrolment)))
        .exclude(Exists(Claim.objects.filter(_claim_keeps(cutoffs), worker=OuterRef("pk"))))
        .exclude(Exists(LegalHold.objects.filter(worker=OuterRef("pk"), lifted_at__isnull=True)))
    ).filter(
        Q(kind__in=[RetentionKind.REJECTED_PROPOSAL, RetentionKind.ENDED_ENROLMENT])
        | Q(created_at__lt=cutoffs.never_enrolled)
    )


def kept_by_law(worker: Worker, *, today: dt.date) -> list[KeptByLaw]:
    """Why the law keeps ``worker``'s records on ``today``, by the retention run's own rules less the ones about
    a purpose that ended recently (a person may ask that their data go before their rule's period ends): an
    enrolment still live, finance records, a claim, a legal hold. Empty: nothing keeps them."""
    cutoffs = retention_cutoffs(today)
    enrolments = Enrolment.objects.filter(worker=worker)
    checks = {
        KeptByLaw.LIVE_ENROLMENT: enrolments.filter(status__in=LIVE),
        KeptByLaw.FINANCE: enrolments.filter(_finance_keeps(cutoffs)),
        KeptByLaw.CLAIM: Claim.objects.filter(_claim_keeps(cutoffs), worker=worker),
        KeptByLaw.LEGAL_HOLD: LegalHold.objects.filter(worker=worker, lifted_at__isnull=True),
    }
    return [reason for reason, rows in checks.items() if rows.exists()]


def workers_anonymise(worker_ids: Iterable[int], *, today: dt.date) -> dict[str, int]:
    """Anonymise these workers now, as the retention run does (the same statements), whatever their rules say:
    the caller decided (a deletion the person asked for, ``person_requests``). Returns the counts by kind.

    Call it inside the caller's transaction, which checks the rights and writes the audit entry; workers
    anonymised already are left as they are.
    """
    by_regency: Counter[tuple[str, str]] = Counter()
    provinces: dict[str, str] = {}
    ids = list(worker_ids)
    if ids:
        _table_create()
        try:
            chunk = _with_kind(Worker.objects.filter(pk__in=ids, anonymised_on__isnull=True))
            _anonymise(chunk, today=today, by_regency=by_regency, provinces=provinces)
        finally:
            _table_drop()
    counts = {kind.value: 0 for kind in RetentionKind}
    for (kind, _regency), count in by_regency.items():
        counts[kind] += count
    return counts


def pdp_retention_run(
    *, today: dt.date | None = None, dry_run: bool = False, actor: User | None = None
) -> RetentionResult:
    """Anonymise what has expired on ``today`` (a dry run counts and writes nothing). ``actor`` None: the nightly
    run or the command line; a person must hold ``Action.PDP_MANAGE``."""
    if actor is not None:
        require(actor, Action.PDP_MANAGE)
    today = today or timezone.localdate()
    started = time.monotonic()
    cutoffs = retention_cutoffs(today)
    by_regency: Counter[tuple[str, str]] = Counter()
    provinces: dict[str, str] = {}
    with transaction.atomic():
        span = Worker.objects.filter(anonymised_on__isnull=True).aggregate(low=Min("pk"), high=Max("pk"))
        if span["low"] is not None:
            if not dry_run:
                _table_create()
            expired = expired_workers(cutoffs)
            try:
                for low in range(span["low"], span["high"] + 1, CHUNK):
                    chunk = expired.filter(pk__gte=low, pk__lt=low + CHUNK)
                    if dry_run:
                        # ``kind`` is ``expired_workers``' annotation, which the stubs do not follow.
                        rows = chunk.values_list("kind", "province_code", "regency_code")  # type: ignore[misc]
                        for kind, province, regency in rows:
                            by_regency[(kind, regency)] += 1
                            provinces[regency] = province
                        continue
                    _anonymise(chunk, today=today, by_regency=by_regency, provinces=provinces)
            finally:
                if not dry_run:
                    _table_drop()
        counts = {kind.value: 0 for kind in RetentionKind}
        for (kind, _regency), count in by_regency.items():
            counts[kind] += count
        result = RetentionResult(today=today, dry_run=dry_run, counts=counts, by_regency=dict(by_regency))
        result.seconds = time.monotonic() - started
        if not dry_run:
            result.run_id = _record(result, provinces=provinces, actor=actor)
    return result


def _table_create() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {TABLE} (id bigint PRIMARY KEY, nik varchar(16) NOT NULL,"
            " nik_hash varchar(64) NOT NULL, birth_date date NOT NULL)"
        )


def _table_drop() -> None:
    if connection.needs_rollback:
        return  # the rollback takes the table with it
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


def _anonymise(
    chunk: QuerySet[Worker],
    *,
    today: dt.date,
    by_regency: Counter[tuple[str, str]],
    provinces: dict[str, str],
) -> None:
    """One chunk: its expired workers into the temporary table, then one statement per table."""
    rows: list[tuple[Any, ...]] = []
    for pk, nik, birth_date, province, regency, kind in chunk.values_list(  # type: ignore[misc]
        "pk", "nik", "birth_date", "province_code", "regency_code", "kind"
    ).order_by():
        rows.append((pk, anonymised_nik(pk), nik_keyed_hash(nik), birth_date.replace(month=1, day=1)))
        by_regency[(kind, regency)] += 1
        provinces[regency] = province
    if not rows:
        return
    rows_insert(TABLE, ["id", "nik", "nik_hash", "birth_date"], rows)
    anonymised = f"SELECT id FROM {TABLE}"  # noqa: S608 - our table's name
    with connection.cursor() as cursor:
        for province, regency, count in _claims_by_regency(cursor, anonymised):
            by_regency[(RetentionKind.CLAIM.value, regency)] += count
            provinces[regency] = province
        cursor.execute(
            "UPDATE workers_worker SET nik = a.nik, nik_hash = a.nik_hash, birth_date = a.birth_date, name = '',"  # noqa: S608 - our table's name; values bound
            " birth_place = '', address = '', phone = '', kk_number = '', mother_maiden_name = '',"
            f" anonymised_on = %s, updated_at = %s FROM {TABLE} a WHERE workers_worker.id = a.id",
            [today, timezone.now()],
        )
        cursor.execute(
            f"UPDATE workers_heir SET name = '', nik = '', phone = '' WHERE worker_id IN ({anonymised})"  # noqa: S608 - our table's name
        )
        cursor.execute(
            f"UPDATE enrolments_enrolment SET kpj = '' WHERE kpj <> '' AND worker_id IN ({anonymised})"  # noqa: S608 - our table's name
        )
        # What the person said when asking for something of their data (``PersonRequest.details``) goes too; the
        # answer (``outcome``) stays, as the record of what the controller did.
        cursor.execute(f"UPDATE pdp_personrequest SET details = '' WHERE worker_id IN ({anonymised})")  # noqa: S608 - our table's name
        cursor.execute(
            "UPDATE claims_claim SET reporter_name = '', reporter_relation = '', reporter_phone = '',"  # noqa: S608 - our table's name
            f" incident_place = '', description = '' WHERE worker_id IN ({anonymised})"
        )
        cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608 - our table's name


def _claims_by_regency(cursor: Any, anonymised: str) -> list[tuple[str, str, int]]:
    cursor.execute(
        "SELECT province_code, regency_code, COUNT(*) FROM claims_claim"  # noqa: S608 - our table's name
        f" WHERE worker_id IN ({anonymised}) GROUP BY province_code, regency_code"
    )
    return list(cursor.fetchall())


def _record(result: RetentionResult, *, provinces: dict[str, str], actor: User | None) -> int:
    """The run's counts for the report, and one audit entry per kind anonymised (counts only)."""
    run = RetentionRun.objects.create(
        ran_at=timezone.now(),
        today=result.today,
        actor_username=actor.get_username() if actor else "",
        seconds=round(result.seconds, 3),
    )
    RetentionCount.objects.bulk_create(
        RetentionCount(run=run, kind=kind, province_code=provinces[regency], regency_code=regency, count=count)
        for (kind, regency), count in sorted(result.by_regency.items())
    )
    for kind, count in result.counts.items():
        if count:
            audit_record(
                actor=actor,
                action=f"pdp.retention.{kind}",
                obj=run,
                changes={"count": [None, count], "as_of": [None, result.today.isoformat()]},
            )
    return run.pk
